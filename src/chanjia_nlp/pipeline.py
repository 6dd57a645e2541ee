"""The extraction pipeline: what :func:`chanjia_nlp.load` builds and :func:`chanjia_nlp.extract` runs.

Stages: normalize → numbers → quantities (→ claims, programmes, entities in later stages).
The pure extractors need no segmentation; the spaCy pipeline (:attr:`Pipeline.nlp`) is built on
demand with the segmenter chosen at :func:`load` time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .quantities import extract_quantities
from .records import Quantity, Record
from .segment import Segmenter, coerce_segmenter

__all__ = ["Pipeline", "extract", "load"]

@dataclass(frozen=True, slots=True)
class Pipeline:
    """A reusable extraction pipeline. Build it with :func:`load`."""

    segmenter: Segmenter = Segmenter.jieba
    pkuseg_model: str | None = None
    domain_terms: bool = True
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def extract(self, text: str, *, published: str | date | None = None) -> list[Record]:
        """Every record the pipeline makes for ``text``: quantities (claims among them, written
        as ``quantity`` rows with ``claim: true``), programmes and entities, each in text order.

        ``published`` (an ISO date) resolves 今年, 去年 and 目前; without it the date stated in
        the text (``发布时间:…``, a dated header) is used.
        """
        if not isinstance(text, str):
            raise TypeError(f"expected str, not {type(text).__name__}; decode bytes before extracting")
        from .claims import bind_claims
        from .entities import extract_entities
        from .programmes import extract_programmes
        from .readers import sniff_metadata
        from .structure import analyse

        when = _as_date(published) if published is not None else _as_date(sniff_metadata(text)[1])
        structure = analyse(text)
        entities = extract_entities(text)
        quantities = []
        for q in extract_quantities(text):
            s, e = structure.sentence_at(q.start, q.end)
            while s < e and text[s].isspace():
                s += 1
            paragraph = structure.paragraph_at(q.start)
            repeated = paragraph is not None and paragraph.repeat_of is not None
            quantities.append(q.in_context(text[s:e], repeated))
        records: list[Record] = list(bind_claims(text, quantities, entities=entities, structure=structure, published=when))
        records.extend(extract_programmes(text))
        records.extend(entities)
        return records

    def quantities(self, text: str) -> list[Quantity]:
        """The quantities alone (the fast path, no sentence lookup)."""
        return extract_quantities(text)

    @property
    def nlp(self) -> Any:
        """The spaCy ``zh`` pipeline with this segmenter and the quantity component (built once)."""
        if "nlp" not in self._cache:
            from .segment import make_nlp

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
) -> Pipeline:
    """Build a reusable pipeline. Options are checked now: a bad one raises at once.

    Args:
        segmenter: ``jieba`` (default), ``pkuseg`` (needs ``pkuseg_model``) or ``char``.
        pkuseg_model: the directory of a trained spacy-pkuseg model.
        domain_terms: load ``lexicons/terms.txt`` into the jieba segmenter.

    Raises:
        ConfigError: an unknown segmenter.
        SegmenterUnavailable: pkuseg without a usable model directory.

    >>> load(segmenter="char").extract("培训职工近万人")[0].quantity.text
    '近万人'
    """
    kind = coerce_segmenter(segmenter)
    if kind is Segmenter.pkuseg:
        from .segment import _pkuseg_model

        _pkuseg_model(pkuseg_model)  # fail now on a missing model, not on the first document
    return Pipeline(
        segmenter=kind,
        pkuseg_model=str(pkuseg_model) if pkuseg_model is not None else None,
        domain_terms=domain_terms,
    )


def _as_date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        from .errors import ConfigError

        raise ConfigError(f"`published` = {value!r} is invalid; it must be an ISO date such as 2023-04-06") from None


_DEFAULT = Pipeline()


def extract(text: str, *, published: str | date | None = None, pipeline: Pipeline | None = None) -> list[Record]:
    """Every record chanjia_nlp makes for ``text``, with the default pipeline unless one is given.

    >>> [(r.quantity.text, r.indicator) for r in extract("全市共有省级试点单位25家、市级试点单位67家")]
    [('25家', 'pilot_units'), ('67家', 'pilot_units')]
    """
    return (pipeline or _DEFAULT).extract(text, published=published)
