"""The learned indicator scorer: it chooses what a figure counts for, weighing what every
indicator rule proposes and the words around the figure.

Rules stop scaling where reports differ from the ones they were written for: a loose cue word
(增长, 学生, 参保, 资金) files a county's GDP or a school's budget under a union indicator, and
near indicators (送温暖 money vs 产改 funds, title holders vs awards) need many words weighed
at once. The scorer is a linear model over two kinds of features:

- *candidate features*, shared by all indicators: which rules propose the candidate
  (``p:alias``, ``p:part_of_total`` …), whether it is what the rules alone would decide, where
  its aliases stand (in the figure's item, clause, right after it), whether it continues the
  previous figure;
- *context features*, weighed per indicator: the figure's unit and kind, the characters and
  aliases around it, and how much the document and paragraph talk about the economy rather
  than union work (the domain decision: government work reports and statistics bulletins are
  ``other`` throughout).

It is trained with scikit-learn's logistic regression on the real gold (``scripts/train_binder.py``,
:mod:`.train`), pruned, and shipped as JSON in ``chanjia_nlp/models/``; scoring is a sparse dot
product in plain Python for a process's first figures (a single report imports no NumPy), then
one dense NumPy sum a figure: the same floats either way.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

from .. import _lexicon
from ..errors import ConfigError
from .aliases import alias_lexicon, kind_fits, strong
from .context import Document, Figure, measure
from .indicator import clause_cues

__all__ = ["BinderModel", "BinderScorer", "DomainModel", "IndicatorModel", "Ranker", "candidate_features", "context_features", "default_model"]

MODEL_FILE = "binder-model.json.gz"
#: The saved model's format: 2 writes each context feature's weights as one string,
#: ``"class weight class weight …"``, read when a figure first has the feature (most of the
#: eight thousand never occur in a document, and JSON numbers were the slowest part of loading);
#: 1 wrote them as ``[[class, weight], …]`` and is still read.
FORMAT = 2
FORMATS = (1, 2)

#: Words of economic statistics: a document or paragraph full of them reports the economy, not
#: union work (地区生产总值, 社会消费品零售总额 …). Counted per document and per paragraph.
_ECONOMY = re.compile(
    "生产总值|GDP|增加值|固定资产投资|社会消费品零售|零售总额|一般公共预算|财政收入|税收|规模以上|规上|居民人均|可支配收入"
    "|进出口|外贸|粮食|产量|播种面积|招商|引资|外资|项目|投资|营业收入|工业总产值|增速|同比增长|百分点|亿元"
)
_UNION = re.compile("工会|职工|劳模|工匠|会员|技能|竞赛|慰问|帮扶|产业工人|劳动者|班组|创新工作室|驿站|书屋|集体合同")


def _bin(n: int) -> str:
    return "0" if n == 0 else "1" if n <= 2 else "3" if n <= 5 else "6" if n <= 12 else "13"


def _grams(prefix: str, text: str, out: list[str]) -> None:
    """Character unigrams and bigrams of ``text`` as features (CJK text has no spaces: bigrams
    are a good stand-in for words)."""
    one, two = f"{prefix}1=", f"{prefix}2="
    last = len(text) - 1
    for i, c in enumerate(text):
        if c.isspace():
            continue
        out.append(one + c)
        if i < last:
            out.append(two + text[i : i + 2])


def _ratio(economy: int, union: int, factor: int) -> str:
    return "e" if economy > factor * union else "u" if union > economy else "m"


def document_features(doc: Document) -> dict[str, Any]:
    """What the scorer reads once per document: economy and union word counts, per paragraph too
    (and the features they make, written once: ``"document"``, and per paragraph start
    ``"paragraph_features"``)."""
    text = doc.text
    paragraphs = {}
    for p in doc.structure.paragraphs:
        body = text[p.start : p.end]
        paragraphs[p.start] = (len(_ECONOMY.findall(body)), len(_UNION.findall(body)))
    economy, union = len(_ECONOMY.findall(text)), len(_UNION.findall(text))
    return {
        "economy": economy,
        "union": union,
        "paragraphs": paragraphs,
        "headline": text[: text.find("\n")] if "\n" in text else text[:40],
        "document": (f"de={_bin(economy)}", f"du={_bin(union)}", f"dr={_ratio(economy, union, 2)}"),
        "paragraph_features": {start: (f"pe={_bin(pe)}", f"pr={_ratio(pe, pu, 1)}") for start, (pe, pu) in paragraphs.items()},
    }


_NO_PARAGRAPH_FEATURES = (f"pe={_bin(0)}", f"pr={_ratio(0, 0, 1)}")


def context_features(fig: Figure, info: dict[str, Any]) -> list[str]:
    """The context features of one figure (weighed per indicator)."""
    q, text = fig.q, fig.text
    start, end = q.start, q.end
    unit = q.unit or "-"
    out = ["u=" + unit, "k=" + q.kind.value, "bias"]
    _grams("l", text[max(fig.item_start, start - 8) : start], out)
    out.append("ll=" + text[max(0, start - 2) : start])
    clause = text[fig.clause_start : fig.item_start][-12:]
    out += ["c2=" + clause[i : i + 2] for i in range(len(clause) - 1)]
    _grams("r", text[end : min(fig.clause_end, end + 8)], out)
    after = text[end : end + 2]
    out.append("rr=" + after)
    out.append("ur=" + unit + after[:1])
    out += ["a=" + word for _, _, word in fig.doc.occ.within(fig.clause_start, fig.clause_end)]
    out += info["document"]
    paragraph = fig.paragraph
    if paragraph is not None:
        out += info["paragraph_features"].get(paragraph.start, _NO_PARAGRAPH_FEATURES)
    return out


def candidate_features(fig: Figure, proposals: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """The candidate features of one figure: indicator id → its features (shared weights)."""
    out: dict[str, list[str]] = {}

    def add(ident: str, feature: str) -> None:
        out.setdefault(ident, []).append(feature)

    for n, (rule, ident) in enumerate(proposals):
        add(ident, f"p:{rule}")
        if n == 0:
            add(ident, "first")
    q = fig.q
    for where, (lo, hi) in (("ai", (fig.item_start, q.start)), ("ac", (fig.clause_start, fig.item_start)),
                            ("ar", (q.end, min(fig.clause_end, q.end + 3))), ("al", (q.end + 3, fig.clause_end))):
        if lo >= hi:
            continue
        for hit in fig.fitting(lo, hi):
            add(hit[0].indicator, where if strong(hit) else f"{where}g")
    if fig.match is not None:
        add(fig.match[0].indicator, "match")
    for n, ident in enumerate(clause_cues(fig)[:3]):
        add(ident, "cue" if n == 0 else "cue2")
    previous = fig.previous_in_sentence()
    if previous is not None:
        add(previous.indicator, "prev")
    doc = fig.doc
    article = fig.article
    for ident in _named_in(doc, article.headline_start, article.headline_end):
        add(ident, "head")
    paragraph = fig.paragraph
    if paragraph is not None:
        for ident in _named_in(doc, paragraph.start, fig.sentence[0]):
            add(ident, "para")
    for ident in _named_in(doc, fig.sentence[0], fig.clause_start):
        add(ident, "sent")
    topic = doc.last_in_paragraph.get(measure(q))
    if topic is not None:
        add(topic.indicator, "topic")
    return out


def _named_in(doc: Document, start: int, end: int) -> set[str]:
    """The indicators a specific alias names in ``text[start:end]``: the document is searched
    once, each span is a slice of its hits."""
    if start >= end:
        return set()
    key = ("named_in", start, end)
    found = doc.cache.get(key)
    if found is not None:
        return found
    hits: tuple[list[int], list[tuple[str, ...]]] | None = doc.cache.get("strong_hits")
    if hits is None:
        strong_of = _strong_indicators()
        hits = ([], [])
        doc.cache["strong_hits"] = hits
        for m in alias_lexicon().pattern.finditer(doc.text):
            word = m.group()
            idents = strong_of.get(word)
            if idents is None:
                idents = strong_of.add(word)
            if idents:
                hits[0].append(m.start())
                hits[1].append(idents)
    lo, hi = bisect.bisect_left(hits[0], start), bisect.bisect_left(hits[0], end)
    found = doc.cache[key] = {ident for idents in hits[1][lo:hi] for ident in idents}
    return found


class _StrongIndicators(dict[str, tuple[str, ...]]):
    """Alias → the indicators its specific (not generic) entries name, found once per alias."""

    def __init__(self, aliases: Any) -> None:
        super().__init__()
        self.aliases = aliases

    def add(self, word: str) -> tuple[str, ...]:
        idents = self[word] = tuple(a.indicator for a in self.aliases[word] if strong((a, 0, 0)))
        return idents


_STRONG: list[_StrongIndicators] = []


def _strong_indicators() -> _StrongIndicators:
    """The :class:`_StrongIndicators` of the indicator lexicon loaded now (a new one after the
    lexicon is loaded again)."""
    aliases = _lexicon.indicators().aliases
    if not _STRONG or _STRONG[0].aliases is not aliases:
        _STRONG[:] = [_StrongIndicators(aliases)]
    return _STRONG[0]


#: Period rules the ranker does not overrule when they answer first (no time word in the figure's
#: sentence): the year heading the paragraph (2013年，武汉市开展…。全市有10465家…) and the one
#: year the headline states. Where the ranker disagreed with them on real reports, they were right.
TRUSTED_PERIOD_RULES = frozenset({"table_column_year", "year_heading_paragraph", "year_opening_article", "year_in_headline",
                                  "this_event"})
#: The words of the figure's own sentence whose period the ranker does not overrule, because
#: ANNOTATION.md fixes what they mean: a moment (目前, 截至目前, 现有 → the publication month),
#: a year the sentence states (2022年，全区… → 2022) and a span (近三年, 2019年以来 → none).
#: Measured: real-dev cross-validated period 0.736 → 0.742, fold 4 unchanged, a fresh real set
#: 0.668 → 0.691. Relative words (今年, 去年, bare months) stay the ranker's: trusting them cost
#: 0.017 on real-dev, where reports read early in a year use them loosely.
TRUSTED_PERIOD_WORDS = frozenset({"now", "year", "span"})

#: Figures a process scores in plain Python before the indicator model's context weights move
#: into one dense NumPy matrix (:meth:`IndicatorModel.scores`): importing NumPy and reading every
#: row costs about 0.15 s once, the dense sum saves ~30 µs a figure, so a single report (a cold
#: ``chanjia extract one.txt``) never pays for it and a folder or a long document does.
DENSE_AFTER = 3000


@dataclass(frozen=True)
class IndicatorModel:
    """A trained scorer: shared candidate weights, per-indicator context weights and biases.

    Stored sparse (feature → the classes it weighs): a figure's score per class is the sum, in
    the order of its features, of the weights its context features carry for that class, plus the
    shared weights of each candidate's features. A figure has about thirty context features
    weighing 25 classes each on average: in plain Python ~35 µs a figure, less for a short run
    than importing NumPy; after :data:`DENSE_AFTER` figures the rows are summed as one dense
    NumPy matrix (~12 µs). A feature's row is read from its string (format 2) when first met.
    """

    classes: tuple[str, ...]
    shared: dict[str, float]
    context: dict[str, Sequence[Sequence[Any]]]  # feature → ((class index, weight), …)
    meta: dict[str, Any] = field(default_factory=dict)
    #: Rows not read yet, as format 2 saves them (``"class weight …"``).
    packed: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: Each context feature the model weighs, once met: its ((class index, weight), …).
    _seen: dict[str, Sequence[Sequence[Any]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: The dense form, once :data:`DENSE_AFTER` figures were scored: ``"index"`` (feature → row,
    #: 0 for a feature the model does not weigh) and ``"matrix"``; before, ``"scored"`` counts.
    _dense: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def scores(self, xfeats: Sequence[str], cands: dict[str, list[str]], kinds_ok: Sequence[bool],
               context: Any = None) -> list[float]:
        """A score per class: context weights, shared weights of each candidate's features, and
        the learned cost of an indicator whose kinds do not take the figure's (``knf``).

        Each class's context weights are added in the order of the features: the order of the
        dense NumPy sum this replaced, so the scores are the same floats. ``context`` is what
        :meth:`context_sums` gave for ``xfeats`` (not summed again)."""
        dense = self._dense
        if context is None and "matrix" in dense:
            context = self.context_sums(xfeats)
        if context is not None:
            n = len(self.classes)
            misfits = dense["misfits"].get(id(kinds_ok))
            if misfits is None or misfits[0] is not kinds_ok:
                misfits = self._misfits(kinds_ok)
            # each class's sum plus its misfit cost (or plus 0.0); a new vector, ``context`` stays
            scores = (context[:n] + misfits[1] if misfits[1] is not None else context[:n]).tolist()
        else:
            scores = [0.0] * len(self.classes)
            seen = self._seen
            for f in xfeats:
                row = seen.get(f)
                if row is None:
                    row = self._row(f)
                    if row is None:
                        continue  # a feature the model does not weigh (not kept: their number has no bound)
                    seen[f] = row
                for ci, w in row:
                    scores[ci] += w
            misfit = self.shared.get("knf", 0.0)
            for ci, ok in enumerate(kinds_ok):
                if not ok:
                    scores[ci] += misfit
            scored = dense["scored"] = dense.get("scored", 0) + 1
            if scored >= DENSE_AFTER:
                self._densify()
        index = self._index
        shared = self.shared
        for ident, feats in cands.items():
            ci = index.get(ident)
            if ci is not None:
                scores[ci] += sum(map(shared.get, feats, repeat(0.0)))
        return scores

    def context_sums(self, xfeats: Sequence[str]) -> Any:
        """In the dense form, the figure's context rows summed (a NumPy vector: a score per class,
        then the sum of the carried weights when the matrix carries them); ``None`` before."""
        dense = self._dense
        if "matrix" not in dense:
            return None
        get = dense["index"].get
        # row 0 is all zeros (a feature the model does not weigh): adding 0.0 changes no sum
        return dense["reduce"](dense["matrix"].take([get(f, 0) for f in xfeats], axis=0), axis=0)

    def carry(self, weights: dict[str, float]) -> None:
        """Carry ``weights`` (the domain model's) as one more column of the dense matrix, so that
        :meth:`context_sums` also sums them, in the order of the features. Python's ``sum`` of
        floats adds one after the other up to 3.11, as NumPy does; from 3.12 it compensates its
        rounding, so there the weights are left to ``sum``."""
        if sys.version_info < (3, 12) and "matrix" not in self._dense:
            self._dense["extra"] = weights

    @property
    def carried(self) -> bool:
        """Whether :meth:`context_sums` sums the weights given to :meth:`carry` (the dense form)."""
        return "matrix" in self._dense and "extra" in self._dense

    def _densify(self) -> None:
        """Every context row into one dense matrix (row 0 all zeros), summed by NumPy from now on.

        NumPy sums a C-ordered matrix over its first axis row after row, each class's column in
        the order of the rows: the same additions in the same order as the plain loop, so the
        same floats (``tests/test_binder_scores.py`` checks both ways on every figure of the
        corpus and the dev sets). A row naming a class twice would be added twice in the loop,
        so such a model stays in plain Python. The rows met so far come first, in the order met:
        the rows a document needs lie close together in memory."""
        import numpy as np

        rows = self.rows()
        extra = self._dense.get("extra") or {}
        order = [*self._seen, *(f for f in rows if f not in self._seen), *(f for f in extra if f not in rows)]
        n = len(self.classes)
        matrix = np.zeros((len(order) + 1, n + 1 if extra else n))
        index: dict[str, int] = {}
        for i, feature in enumerate(order, start=1):
            row = rows.get(feature, ())
            classes = [ci for ci, _ in row]
            if len(set(classes)) != len(classes):
                self._dense["scored"] = -(1 << 62)  # never again
                return
            matrix[i, classes] = [w for _, w in row]
            if feature in extra:
                matrix[i, n] = extra[feature]
            index[feature] = i
        self._dense.update(index=index, matrix=matrix, reduce=np.add.reduce, misfits={})

    def _misfits(self, kinds_ok: Sequence[bool]) -> tuple[Sequence[bool], Any]:
        """``(kinds_ok, the misfit cost per class as a vector)``, kept by the list's identity (the
        scorer keeps one list per quantity kind); ``None`` for no misfit."""
        import numpy as np

        misfit = self.shared.get("knf", 0.0)
        vector = None if all(kinds_ok) else np.array([0.0 if ok else misfit for ok in kinds_ok])
        kept = self._dense["misfits"]
        if len(kept) >= 64:
            kept.clear()  # a caller passing a new list each time (training): keep a few
        found = kept[id(kinds_ok)] = (kinds_ok, vector)
        return found

    def best(self, xfeats: Sequence[str], cands: dict[str, list[str]], kinds_ok: Sequence[bool], context: Any = None) -> str:
        """The class with the highest score (the first on ties)."""
        scores = self.scores(xfeats, cands, kinds_ok, context)
        return self.classes[scores.index(max(scores))]

    @property
    def _index(self) -> dict[str, int]:
        return _class_index(self.classes)

    def _row(self, feature: str) -> Sequence[Sequence[Any]] | None:
        row = self.context.get(feature)
        if row is None:
            text = self.packed.get(feature)
            return _unpack(text) if text is not None else None
        return row

    def rows(self) -> dict[str, Sequence[Sequence[Any]]]:
        """Every context feature's ((class index, weight), …), read or not."""
        return {**{k: _unpack(v) for k, v in self.packed.items() if k not in self.context}, **self.context}

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "shared": {k: round(v, 5) for k, v in sorted(self.shared.items())},
            "context": {k: " ".join(f"{ci} {round(w, 5)!r}" for ci, w in v) for k, v in sorted(self.rows().items())},
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], version: int = FORMAT) -> IndicatorModel:
        context, packed = ({}, dict(data["context"])) if version >= 2 else (dict(data["context"]), {})
        if not all(isinstance(v, str if version >= 2 else list) for v in data["context"].values()):
            raise ValueError(f"context weights that are not format {version}'s")
        return cls(
            tuple(data["classes"]),
            {k: float(v) for k, v in data["shared"].items()},
            context,  # format 1: [[class index, weight], …] as JSON has them, read as they are
            dict(data.get("meta") or {}),
            packed,
        )


def _unpack(text: str) -> tuple[tuple[int, float], ...]:
    """``"3 0.15398 25 -0.0278"`` → ((3, 0.15398), (25, -0.0278)): the same floats JSON numbers give."""
    parts = text.split()
    return tuple(zip(map(int, parts[::2]), map(float, parts[1::2])))


@dataclass(frozen=True, slots=True)
class Ranker:
    """A linear ranker over candidate values, each described by its features (subject, period)."""

    weights: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, features: Sequence[str]) -> float:
        return sum(filter(None, map(self.weights.get, features)))

    def best(self, candidates: dict[Any, list[str]]) -> Any:
        """The candidate with the highest score (the first one on ties)."""
        best_value, best_score = None, float("-inf")
        for value, features in candidates.items():
            s = self.score(features)
            if s > best_score:
                best_value, best_score = value, s
        return best_value

    def to_json(self) -> dict[str, Any]:
        return {"weights": {k: round(v, 5) for k, v in sorted(self.weights.items())}, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ranker:
        return cls({k: float(v) for k, v in data["weights"].items()}, dict(data.get("meta") or {}))


@dataclass(frozen=True, slots=True)
class DomainModel:
    """The domain decision: how likely a figure is about union or workforce work, from its
    context features (a logistic regression; the economy of a county is not union work)."""

    weights: dict[str, float]
    bias: float

    def probability(self, features: Sequence[str], summed: float | None = None) -> float:
        """``summed``: the sum of the weights of ``features`` in their order, when already made
        (:meth:`IndicatorModel.carry`)."""
        z = self.bias + (sum(filter(None, map(self.weights.get, features))) if summed is None else summed)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {"weights": {k: round(v, 5) for k, v in sorted(self.weights.items())}, "bias": round(self.bias, 5)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DomainModel:
        return cls({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]))


def domain_feature(probability: float) -> str:
    """The candidate feature of ``other`` that carries the domain decision (5 bins)."""
    return f"union{min(int(probability * 5), 4)}"


@dataclass(frozen=True, slots=True)
class BinderModel:
    """What the learned binder ships: the domain decision, the indicator scorer, and the subject
    and period rankers."""

    indicator: IndicatorModel
    subject: Ranker | None = None
    period: Ranker | None = None
    domain: DomainModel | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "indicator": self.indicator.to_json(),
            "subject": self.subject.to_json() if self.subject is not None else None,
            "period": self.period.to_json() if self.period is not None else None,
            "domain": self.domain.to_json() if self.domain is not None else None,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BinderModel:
        if data.get("format") not in FORMATS:
            raise ConfigError(f"binder model format {data.get('format')!r} is not {' or '.join(map(str, FORMATS))}; retrain it "
                              "(python scripts/train_binder.py) or reinstall chanjia_nlp")
        return cls(
            IndicatorModel.from_json(data["indicator"], data["format"]),
            Ranker.from_json(data["subject"]) if data.get("subject") else None,
            Ranker.from_json(data["period"]) if data.get("period") else None,
            DomainModel.from_json(data["domain"]) if data.get("domain") else None,
            dict(data.get("meta") or {}),
        )

    def save(self, path: str | Path) -> None:
        raw = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
        # mtime 0 and no file name in the header: the same model is the same bytes
        with open(path, "wb") as f, gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0, compresslevel=9) as gz:
            gz.write(raw)

    @classmethod
    def load(cls, path: str | Path) -> BinderModel:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return cls.from_json(json.load(f))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"cannot read the binder model {path}: {exc}; retrain it (python scripts/train_binder.py)") from None


def _agreed(value: Any, proposals: Sequence[tuple[str, Any]]) -> str:
    rule = next((r for r, v in proposals if v == value), None)
    return "model" if rule is None else f"model ({rule})"


@functools.lru_cache(maxsize=8)
def _class_index(classes: tuple[str, ...]) -> dict[str, int]:
    return {c: i for i, c in enumerate(classes)}


def _packaged() -> Path | None:
    found = resources.files("chanjia_nlp").joinpath("models").joinpath(MODEL_FILE)
    return Path(str(found)) if found.is_file() else None


@functools.cache
def default_model() -> BinderModel | None:
    """The model shipped with the package, or ``None`` when there is none."""
    path = _packaged()
    return BinderModel.load(path) if path is not None else None


class BinderScorer:
    """Chooses each figure's indicator, subject and period with a :class:`BinderModel` (the
    binder's ``scorer``); a field the model has no ranker for is left to the rules."""

    def __init__(self, model: BinderModel) -> None:
        self.binder_model = model
        self.model = model.indicator
        if model.domain is not None:
            model.indicator.carry(model.domain.weights)
        self.subject = model.subject
        self.period = model.period
        self._info: dict[str, Any] = {}
        registry = _lexicon.indicators().by_id
        self.classes = self.model.classes
        self._kinds = [registry[c].kinds if c in registry else frozenset() for c in self.classes]
        self._kinds_ok: dict[Any, list[bool]] = {}

    def start_document(self, doc: Document) -> None:
        self._info = document_features(doc)

    def features(self, fig: Figure, proposals: Sequence[tuple[str, str]]) -> tuple[list[str], dict[str, list[str]]]:
        return context_features(fig, self._info), candidate_features(fig, proposals)

    def choose(self, fig: Figure, proposals: Sequence[tuple[str, str]]) -> tuple[str, str]:
        xfeats, cands = self.features(fig, proposals)
        domain = self.binder_model.domain
        model = self.model
        if domain is not None and model is self.binder_model.indicator and model.carried:
            context = model.context_sums(xfeats)  # the dense form, with the domain's weights
            summed = float(context[len(model.classes)])
            cands.setdefault("other", []).append(domain_feature(domain.probability(xfeats, summed)))
            ident = model.best(xfeats, cands, self.kinds_ok(fig), context)
            return ident, _agreed(ident, proposals)
        if domain is not None:  # the domain decision weighs in on `other`
            cands.setdefault("other", []).append(domain_feature(domain.probability(xfeats)))
        ident = model.best(xfeats, cands, self.kinds_ok(fig))
        return ident, _agreed(ident, proposals)

    def choose_subject(self, fig: Figure, proposals: Sequence[tuple[str, str]]) -> tuple[str | None, str]:
        from .subject import subject_candidates

        candidates = subject_candidates(fig, list(proposals))
        value = self.subject.best(candidates) if self.subject is not None else None
        return value, _agreed(value, proposals)

    def choose_period(self, fig: Figure, proposals) -> tuple[str | None, str | None, str]:
        """The period, the word that fixed it (when a rule's answer was taken) and what decided."""
        from .time import period_candidates

        if proposals and (proposals[0][0] in TRUSTED_PERIOD_RULES or (
                proposals[0][0] == "time_word_in_sentence" and proposals[0][1][1] in TRUSTED_PERIOD_WORDS)):
            value, word = proposals[0][1]
            return value, word, proposals[0][0]
        candidates = period_candidates(fig, list(proposals))
        value = self.period.best(candidates) if self.period is not None else None
        word = next((w for _, (v, w) in proposals if v == value), None)
        return value, word, _agreed(value, [(rule, v) for rule, (v, _) in proposals])

    def kinds_ok(self, fig: Figure) -> list[bool]:
        """Per class, whether its kinds take the figure's kind (``other`` takes every kind)."""
        found = self._kinds_ok.get(fig.q.kind)
        if found is None:
            found = self._kinds_ok[fig.q.kind] = [
                c == "other" or kind_fits(k, fig.q) for c, k in zip(self.classes, self._kinds)
            ]
        return found
