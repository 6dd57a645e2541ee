"""Map a ledger's indicator text (指标/项目 as written) to an indicator id.

Aliases first: the aliases of ``lexicons/indicators.yaml`` (the ones claim binding uses), exact or
contained, restricted to ids whose kinds and units fit the figure; of several, the one ending last
wins (Chinese noun phrases end in their head: 高技能人才培训人次 counts 培训人次), then the
longer, and generic heads (职工, 企业) yield to anything more specific. A wording no alias covers
goes to a character n-gram model trained, at first use, on the same lexicon: TF-IDF over
character 1–3-grams and the cosine to the nearest phrase of each id. Below
:data:`MODEL_THRESHOLD` the text is left unmapped.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from .. import _lexicon
from ..numbers import to_halfwidth
from .figures import to_simplified

__all__ = ["IndicatorMatch", "MODEL_THRESHOLD", "map_indicator"]

#: The lowest model score that maps a text to an id; below it the indicator is left ``None``.
MODEL_THRESHOLD = 0.35
RE_NOT_WORDS = re.compile(r"[0-9０-９.,，、;；:：()（）\[\]【】\s]+")
_KIND_GROUPS = {"percentage_point": "percent", "ratio": "percent", "area": "count", "duration": "count",
                "other": "count", "rank": "rank", "score": "rank"}


@dataclass(frozen=True, slots=True)
class IndicatorMatch:
    """An indicator id for a text, how it was found and how sure that is (0..1)."""

    indicator: str | None
    score: float
    method: str
    """``alias``, ``model`` or ``none`` (``override`` is set by the reader from a mapping file)."""
    guess: str | None = None
    """For ``none``: the model's best id, kept for the warning."""


def _fits(kinds: frozenset[str], kind: str | None) -> bool:
    if kind is None:
        return True
    group = _KIND_GROUPS.get(kind, kind)
    if group == "rank":
        return bool(kinds & {"rank", "score"})
    return group in kinds or (kind in kinds)


def map_indicator(text: str | None, *, kind: str | None = None, unit: str | None = None) -> IndicatorMatch:
    """The indicator id of a ledger's indicator text, for a figure of ``kind`` and ``unit``.

    >>> map_indicator("省级产改试点单位", kind="count").indicator
    'pilot_units'
    >>> map_indicator("培训", kind="count", unit="场次").indicator
    'training_sessions'
    """
    if not text or not text.strip():
        return IndicatorMatch(None, 0.0, "none")
    return _map(_normalize(text), kind, unit)


@functools.lru_cache(maxsize=4096)
def _map(text: str, kind: str | None, unit: str | None) -> IndicatorMatch:
    found, generic = alias_match(text, kind, unit)
    if found is not None and not generic:
        return IndicatorMatch(found, 1.0, "alias")
    # Nothing, or only a generic head (职工 in 职工思想道德课堂): the model reads the whole text.
    ident, score = _model_guess(text, kind, unit)
    if ident is not None and score >= MODEL_THRESHOLD:
        return IndicatorMatch(ident, score, "model")
    return IndicatorMatch(None, score, "none", ident)


def _normalize(text: str) -> str:
    """Half-width, simplified characters, without digits and punctuation."""
    return RE_NOT_WORDS.sub(" ", to_simplified(to_halfwidth(text))).strip()


def alias_match(text: str, kind: str | None, unit: str | None) -> tuple[str | None, bool]:
    """The id of the best fitting alias contained in ``text``, and whether that alias is only a
    generic head (职工, 企业) inside a longer text."""
    from .._lexicon import indicators

    registry = indicators()
    order = {ident: n for n, ident in enumerate(registry.ids)}
    generic = _generic_heads()
    candidates = []
    for alias_text, aliases in registry.aliases.items():
        position = text.rfind(alias_text)
        if position < 0:
            continue
        for alias in aliases:
            indicator, kinds, units = alias.indicator, alias.kinds, alias.units
            if not _fits(kinds, kind):
                continue
            if units is not None and (unit or "") not in units:
                if unit is not None or not any(u in text for u in units):
                    continue
            exact = alias_text == text
            specific = exact or alias_text not in generic
            end = position + len(alias_text)
            candidates.append((exact, specific, end, len(alias_text), -order[indicator], indicator))
    if not candidates:
        return None, False
    best = max(candidates)
    return best[-1], not best[1]


@functools.cache
def _generic_heads() -> frozenset[str]:
    return frozenset(_lexicon.word_list("generic_heads.txt"))


@dataclass(frozen=True, slots=True)
class _Model:
    """TF-IDF over character 1–3-grams within words (the phrases' unit vectors, sparse)."""

    idf: dict[str, float]  # n-gram → its inverse document frequency over the training phrases
    postings: dict[str, tuple[tuple[int, float], ...]]  # n-gram → (phrase, weight in its unit vector)…
    labels: tuple[str, ...]
    kinds_of: dict[str, frozenset[str]]


def _ngrams(text: str) -> list[str]:
    """Character 1–3-grams inside each word, the word padded with a space at either end (a word
    shorter than ``n`` gives itself once): scikit-learn's ``char_wb`` analyzer, lower-cased."""
    out = []
    for word in text.lower().split():
        word = f" {word} "
        for n in range(1, 4):
            if n >= len(word):
                out.append(word)
                break
            out.extend(word[i : i + n] for i in range(len(word) - n + 1))
    return out


def _unit_vector(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """Sublinear TF (1 + log count) times IDF, L2-normalized; n-grams without an IDF are dropped."""
    weights = {gram: (math.log(count) + 1.0) * idf[gram] for gram, count in counts.items() if gram in idf}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {gram: w / norm for gram, w in weights.items()} if norm > 0 else {}


def training_phrases() -> tuple[list[tuple[str, str]], dict[str, frozenset[str]]]:
    """What the n-gram model is trained on: ``(id, normalized phrase)`` for each indicator's
    names, aliases (with their units) and cues, in lexicon order, and each id's kinds."""
    phrases: list[tuple[str, str]] = []
    kinds_of: dict[str, frozenset[str]] = {}
    for entry in _lexicon.read_yaml("indicators.yaml"):
        ident = entry["id"]
        kinds_of[ident] = frozenset(entry["kinds"])
        texts = [part for part in re.split(r"[/()（）、,，]", entry.get("name_zh") or "") if part]
        for alias in entry.get("aliases") or ():
            if isinstance(alias, str):
                texts.append(alias)
            else:  # 培训 counts training_participants with 人次, training_sessions with 场次
                texts.extend(f"{alias['text']}{u}" for u in alias.get("units") or [""])
        texts.extend(entry.get("cues") or ())
        phrases.extend((ident, _normalize(text)) for text in dict.fromkeys(texts))
    return phrases, kinds_of


@functools.cache
def _model() -> _Model:
    """Train the n-gram model on :func:`training_phrases`. Plain Python (the lexicon's two
    thousand short phrases take milliseconds, and importing scikit-learn took two seconds of
    every ``chanjia check``)."""
    training, kinds_of = training_phrases()
    phrases = [Counter(_ngrams(text)) for _, text in training]
    labels = [ident for ident, _ in training]
    df: Counter[str] = Counter()
    for counts in phrases:
        df.update(counts.keys())
    n = len(phrases) + 1  # smoothed: as if one more phrase held every n-gram once
    idf = {gram: math.log(n / (count + 1)) + 1.0 for gram, count in df.items()}
    postings: dict[str, list[tuple[int, float]]] = {}
    for index, counts in enumerate(phrases):
        for gram, w in _unit_vector(counts, idf).items():
            postings.setdefault(gram, []).append((index, w))
    return _Model(idf, {gram: tuple(p) for gram, p in postings.items()}, tuple(labels), kinds_of)


def _model_guess(text: str, kind: str | None, unit: str | None) -> tuple[str | None, float]:
    """The id of the training phrase nearest to ``text`` (cosine), among ids whose kinds fit;
    of phrases as near, the one listed first in the lexicon (as :func:`alias_match` prefers the
    id listed first; the NumPy sort this replaced left the order of ties to its algorithm)."""
    model = _model()
    query = _unit_vector(Counter(_ngrams(text + (unit or ""))), model.idf)
    if not query:
        return None, 0.0
    scores = [0.0] * len(model.labels)
    for gram, q in query.items():
        for index, w in model.postings[gram]:
            scores[index] += w * q
    best_id, best = None, -1.0
    for index, score in enumerate(scores):  # the first of equally near phrases (lexicon order)
        if score > best and _fits(model.kinds_of[model.labels[index]], kind):
            best_id, best = model.labels[index], score
    return best_id, round(max(best, 0.0), 4)
