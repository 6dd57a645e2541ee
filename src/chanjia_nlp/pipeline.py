"""The extraction pipeline: what :func:`chanjia_nlp.load` builds and :func:`chanjia_nlp.extract` runs.

Stages: normalize (an offset map back to the raw text) → structure (paragraphs, articles) →
entities (dates, places, organisations) → numbers and quantities → claims (each quantity bound to
an indicator, subject, period and scope) → programmes; every record's offsets are then moved back
to the raw text. The pure extractors need no segmentation; the spaCy pipeline (:attr:`Pipeline.nlp`) is built on
demand with the segmenter chosen at :func:`load` time.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from .errors import ConfigError
from .logs import get_logger
from .normalize import T2S, Normalized, coerce_t2s, normalize
from .quantities import extract_quantities
from .records import Claim, Document, Entity, Programme, Quantity, Record
from .segment import Segmenter, coerce_segmenter

__all__ = ["Binder", "Pipeline", "extract", "load"]

log = get_logger(__name__)


class Binder(StrEnum):
    """How claims get their indicator (:func:`load`'s ``binder``)."""

    auto = "auto"
    learned = "learned"
    rules = "rules"


#: Characters of a figure's sentence kept on each side of it (as far as the binder reads: a
#: sentence of real reports is at most some 250 characters).
SENTENCE_REACH = 600


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A reusable extraction pipeline. Build it with :func:`load`."""

    segmenter: Segmenter = Segmenter.jieba
    pkuseg_model: str | None = None
    domain_terms: bool = True
    t2s: T2S = T2S.auto
    join_cut_sentences: bool = True
    binder: Binder = Binder.auto
    binder_model: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def extract(
        self, text: str, *, published: str | date | None = None, ocr: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """Every record the pipeline makes for ``text``: quantities (claims among them, written
        as ``quantity`` rows with ``claim: true``), programmes and entities, each in text order.

        ``published`` (an ISO date) resolves 今年, 去年 and 目前; without it the date stated in
        the text (a date line, masthead or 发布时间, see :mod:`chanjia_nlp.pagehead`) is used.
        ``ocr`` is the document record's ``ocr`` field of a text read by OCR: figures on or next to
        its doubtful characters are marked ``damaged``.
        """
        return self._extract(text, published=published, scorer=self.scorer, ocr=ocr)

    @property
    def scorer(self) -> Any:
        """The indicator scorer of the learned binder, or ``None`` for the rules alone."""
        if "scorer" not in self._cache:
            self._cache["scorer"] = _make_scorer(self.binder, self.binder_model)
        return self._cache["scorer"]

    def _extract(
        self, text: str, *, published: str | date | None, scorer: Any, ocr: Mapping[str, Any] | None = None
    ) -> list[Record]:
        if not isinstance(text, str):
            raise TypeError(f"expected str, not {type(text).__name__}; decode bytes before extracting")
        from .claims import bind_claims
        from .entities import extract_entities
        from .programmes import extract_programmes
        from .readers import sniff_metadata
        from .structure import analyse

        norm = normalize(text, width=False, t2s=self.t2s, join_cut_sentences=self.join_cut_sentences)
        work, shown = norm.text, norm.reordered
        when = _as_date(published) if published is not None else _as_date(sniff_metadata(work)[1])
        structure = analyse(work)
        entities = extract_entities(work)
        quantities = []
        damaged = _damaged_line(work)
        unsure = _uncertain_ocr(ocr, norm)
        for q in _with_table_cells(extract_quantities(work), work):
            if damaged is not None and not q.damaged and damaged(q.start):
                q = dataclasses.replace(q, damaged=True)
            if unsure is not None and not q.damaged and unsure(q.start, q.end):
                q = dataclasses.replace(q, damaged=True)
            s, e = structure.sentence_at(q.start, q.end)
            # a text without sentence ends (a table dump, numerals without punctuation) would give
            # every figure all of it: each keeps at most SENTENCE_REACH characters on each side
            s, e = max(s, q.start - SENTENCE_REACH), min(e, q.end + SENTENCE_REACH)
            while s < e and work[s].isspace():
                s += 1
            paragraph = structure.paragraph_at(q.start)
            repeated = paragraph is not None and paragraph.repeat_of is not None
            quantities.append(q.in_context(shown[s:e], repeated))
        records: list[Record] = list(
            bind_claims(work, quantities, entities=entities, structure=structure, published=when, scorer=scorer)
        )
        records.extend(extract_programmes(work))
        records.extend(entities)
        if norm.same_offsets and work == text:
            return records
        return [_to_raw(record, norm) for record in records]

    def quantities(self, text: str) -> list[Quantity]:
        """The quantities alone (the fast path, no sentence lookup)."""
        return extract_quantities(text)

    @property
    def nlp(self) -> Any:
        """The spaCy ``zh`` pipeline with this segmenter and the quantity component (built once)."""
        if "nlp" not in self._cache:
            from .components import make_nlp

            self._cache["nlp"] = make_nlp(
                self.segmenter, pkuseg_model=self.pkuseg_model, domain_terms=self.domain_terms
            )
        return self._cache["nlp"]

    def __call__(self, text: str) -> Any:
        """Run the spaCy pipeline: a ``Doc`` with quantities on ``doc.spans``."""
        return self.nlp(text)


def load(
    *,
    segmenter: str | Segmenter = "jieba",
    pkuseg_model: str | os.PathLike[str] | None = None,
    domain_terms: bool = True,
    t2s: str | T2S = T2S.auto,
    join_cut_sentences: bool = True,
    binder: str | Binder = Binder.auto,
    binder_model: str | os.PathLike[str] | None = None,
) -> Pipeline:
    """Build a reusable pipeline. Options are checked now: a bad one raises at once.

    Args:
        segmenter: ``jieba`` (default), ``pkuseg`` (needs ``pkuseg_model``) or ``char``.
        pkuseg_model: the directory of a trained spacy-pkuseg model.
        domain_terms: load ``lexicons/terms.txt`` into the jieba segmenter.
        t2s: convert traditional characters to simplified ones before extracting: ``auto``
            (when the text reads as traditional), ``always`` or ``never``. Offsets and ``text``
            still point into the text as given.
        join_cut_sentences: read a sentence cut by a photo caption or a page number as one.
        binder: how claims get their indicator: ``learned`` (the scorer trained on real reports
            weighs what every rule proposes), ``rules`` (the first rule that answers), or
            ``auto`` (learned when a model ships with the package, else rules).
        binder_model: a model file written by ``scripts/train_binder.py`` instead of the shipped one.

    Raises:
        ConfigError: an unknown segmenter, ``t2s`` or ``binder`` value, or a model that cannot be read.
        SegmenterUnavailable: pkuseg without a usable model directory.

    >>> load(segmenter="char").extract("培训职工近万人")[0].quantity.text
    '近万人'
    """
    kind = coerce_segmenter(segmenter)
    t2s_mode = coerce_t2s(t2s)
    binder_mode = coerce_binder(binder)
    model = str(binder_model) if binder_model is not None else None
    scorer = _make_scorer(binder_mode, model)  # a model that cannot be read fails now, not on the first document
    if kind is Segmenter.pkuseg:
        from .segment import load_pkuseg_model

        load_pkuseg_model(pkuseg_model)  # fail now on a missing model, not on the first document
    pipeline = Pipeline(
        segmenter=kind,
        pkuseg_model=str(pkuseg_model) if pkuseg_model is not None else None,
        domain_terms=domain_terms,
        t2s=t2s_mode,
        join_cut_sentences=join_cut_sentences,
        binder=binder_mode,
        binder_model=model,
    )
    pipeline._cache["scorer"] = scorer  # read once, kept
    log.debug("pipeline: segmenter %s, t2s %s, binder %s%s", kind.value, t2s_mode.value,
             "learned" if scorer is not None else "rules", f" ({model})" if model else "")
    return pipeline


def coerce_binder(value: str | Binder) -> Binder:
    try:
        return Binder(value)
    except ValueError:
        raise ConfigError(f"binder = {value!r} is not known; valid: {', '.join(b.value for b in Binder)}") from None


def _make_scorer(binder: Binder, model_path: str | None) -> Any:
    """The scorer for ``binder``: ``None`` for the rules alone."""
    if binder is Binder.rules:
        if model_path is not None:
            raise ConfigError("binder_model is for binder='learned' (or 'auto'); binder='rules' uses no model")
        return None
    from .claims.model import BinderModel, BinderScorer, default_model

    model = BinderModel.load(model_path) if model_path is not None else default_model()
    if model is None:
        if binder is Binder.learned:
            raise ConfigError("no indicator model ships with this chanjia_nlp; train one with "
                              "python scripts/train_binder.py, or use binder='rules'")
        return None
    return BinderScorer(model)


def _to_raw(record: Record, norm: Normalized) -> Record:
    """``record`` with its offsets and text in the raw text (it was found in ``norm.text``)."""
    if isinstance(record, Claim):
        parent = norm.to_raw(record.parent, record.parent + 1)[0] if record.parent is not None else None
        quantity = _span_to_raw(record.quantity, norm)
        if quantity is record.quantity and parent == record.parent:
            return record
        return dataclasses.replace(record, quantity=quantity, parent=parent)
    if isinstance(record, Document):
        return record  # no offsets
    return _span_to_raw(record, norm)


_Located = TypeVar("_Located", bound=Quantity | Programme | Entity)


def _span_to_raw(record: _Located, norm: Normalized) -> _Located:
    """A record with a span, its offsets and text moved to the raw text."""
    start, end = norm.to_raw(record.start, record.end)
    text = norm.raw[start:end]
    if start == record.start and end == record.end and text == record.text:
        return record
    return dataclasses.replace(record, start=start, end=end, text=text)


def _damaged_line(text: str) -> Callable[[int], bool] | None:
    """Whether position ``i`` is on a line that holds U+FFFD (bytes the reader could not decode:
    :func:`~chanjia_nlp.readers.decode_report`), or ``None`` when no line does. A figure on such a
    line may have lost digits or its words, so it is marked ``damaged``, never trusted."""
    if "\ufffd" not in text:
        return None
    breaks = [m.start() for m in re.finditer("\n", text)]
    lines = {bisect.bisect_left(breaks, m.start()) for m in re.finditer("\ufffd", text)}
    return lambda i: bisect.bisect_left(breaks, i) in lines


def _uncertain_ocr(ocr: Mapping[str, Any] | None, norm: Any) -> Callable[[int, int], bool] | None:
    """Whether ``[start, end)`` of the normalized text holds, or is next to, a character OCR
    recognised with low confidence (the ``doubtful`` spans of the document's ``ocr`` field, see
    :func:`chanjia_nlp.ocr.doubtful_spans`), or ``None`` when none is. A figure there may be
    misread (a dropped digit shows as doubt on its neighbour), so it is marked ``damaged``."""
    if not ocr:
        return None
    from .ocr import doubtful_spans, in_spans

    spans = doubtful_spans(ocr)
    if not spans:
        return None
    covers = in_spans(spans)

    def unsure(start: int, end: int) -> bool:
        if not norm.same_offsets:
            start, end = norm.to_raw(start, end)
        return covers(max(start - 1, 0), end + 1)

    return unsure


def _with_table_cells(found: list[Quantity], text: str) -> list[Quantity]:
    """``found`` and the number cells of the text's tables (:mod:`.tables`) that no figure of
    ``found`` covers, in text order."""
    from .tables import table_quantities

    cells = table_quantities(text)
    if not cells:
        return found
    starts = [q.start for q in found]
    extra = []
    for cell in cells:
        i = bisect.bisect_right(starts, cell.start)
        if (i > 0 and found[i - 1].end > cell.start) or (i < len(found) and found[i].start < cell.end):
            continue
        extra.append(cell)
    return sorted([*found, *extra], key=lambda q: (q.start, q.end))


def _as_date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"`published` = {value!r} is invalid; it must be an ISO date such as 2023-04-06") from None


_DEFAULT = Pipeline()


def extract(
    text: str, *, published: str | date | None = None, pipeline: Pipeline | None = None,
    ocr: Mapping[str, Any] | None = None,
) -> list[Record]:
    """Every record chanjia_nlp makes for ``text``, with the default pipeline unless one is given.

    >>> [(r.quantity.text, r.indicator) for r in extract("全市共有省级试点单位25家、市级试点单位67家")]
    [('25家', 'pilot_units'), ('67家', 'pilot_units')]
    """
    return (pipeline or _DEFAULT).extract(text, published=published, ocr=ocr)
