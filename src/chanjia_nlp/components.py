"""Thin spaCy components around the pure extractors.

Each component declares what it writes, and writes span groups (labelled, aligned outwards to
token boundaries) plus the records themselves, with exact character offsets, on
``doc.user_data[<spans key>]``: no ``Span`` extension is set.

=========================  =====================================  ====================================
factory                    span group (label)                     also
=========================  =====================================  ====================================
``chanjia_nlp_quantities``  ``chanjia_nlp.quantities`` (kind)
``chanjia_nlp_claims``      ``chanjia_nlp.claims`` (indicator)     the whole pipeline of :func:`~chanjia_nlp.load`
``chanjia_nlp_programmes``  ``chanjia_nlp.programmes`` (kind)
``chanjia_nlp_entities``    ``chanjia_nlp.entities`` (label)       ``doc.ents`` (the longest, no overlaps)
=========================  =====================================  ====================================

The factories are registered with spaCy through the ``spacy_factories`` entry points of the
package, so ``nlp.add_pipe("chanjia_nlp_claims")`` and ``spacy.load()`` of a saved pipeline work
without importing this module first (importing it registers them too).

>>> nlp = make_nlp("char", components=("quantities", "entities"))
>>> doc = nlp("2022年，惠山区新增高技能人才1200余名")
>>> [(s.text, s.label_) for s in doc.spans["chanjia_nlp.quantities"]], [(e.text, e.label_) for e in doc.ents]
([('1200余名', 'count')], [('2022年', 'date'), ('惠山区', 'region')])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .entities import extract_entities
from .errors import ConfigError, value_invalid_msg
from .programmes import extract_programmes
from .quantities import extract_quantities
from .records import Claim
from .segment import TOKENIZER, Segmenter, coerce_segmenter, register_tokenizer

__all__ = [
    "CLAIMS_KEY", "ENTITIES_KEY", "FACTORIES", "PROGRAMMES_KEY", "QUANTITIES_KEY", "ClaimComponent",
    "EntityComponent", "ProgrammeComponent", "QuantityComponent", "make_nlp",
]

QUANTITIES_KEY = "chanjia_nlp.quantities"
CLAIMS_KEY = "chanjia_nlp.claims"
PROGRAMMES_KEY = "chanjia_nlp.programmes"
ENTITIES_KEY = "chanjia_nlp.entities"


def _spans(doc: Doc, records: Sequence[Any], label: Callable[[Any], str]) -> list[Span]:
    """Spans over the records' character offsets, widened to whole tokens."""
    spans = []
    for record in records:
        start, end = _offsets(record)
        span = doc.char_span(start, end, label=label(record), alignment_mode="expand")
        if span is not None:
            spans.append(span)
    return spans


def _offsets(record: Any) -> tuple[int, int]:
    target = record.quantity if isinstance(record, Claim) else record
    return target.start, target.end


class _Component:
    """``match`` finds the records in ``doc.text``; ``set_annotations`` puts them on the doc."""

    def __init__(self, nlp: Language, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def pipe(self, docs: Any, batch_size: int = 128) -> Any:
        for doc in docs:
            yield self(doc)

    def match(self, doc: Doc) -> list[Any]:
        raise NotImplementedError

    def label(self, record: Any) -> str:
        raise NotImplementedError

    def set_annotations(self, doc: Doc, records: list[Any]) -> None:
        doc.spans[self.spans_key] = _spans(doc, records, self.label)
        doc.user_data[self.spans_key] = records


class QuantityComponent(_Component):
    """Quantities (:func:`~chanjia_nlp.extract_quantities`), labelled by kind."""

    def match(self, doc: Doc) -> list[Any]:
        return extract_quantities(doc.text)

    def label(self, record: Any) -> str:
        return str(record.kind.value)


class ProgrammeComponent(_Component):
    """Programmes, activities and slogans (:func:`~chanjia_nlp.extract_programmes`), labelled by kind."""

    def match(self, doc: Doc) -> list[Any]:
        return extract_programmes(doc.text)

    def label(self, record: Any) -> str:
        return str(record.kind.value)


class EntityComponent(_Component):
    """Dates, places and organisations (:func:`~chanjia_nlp.extract_entities`): a span group with
    every entity, and ``doc.ents`` with the longest where entities overlap."""

    def match(self, doc: Doc) -> list[Any]:
        return extract_entities(doc.text)

    def label(self, record: Any) -> str:
        return str(record.label.value)

    def set_annotations(self, doc: Doc, records: list[Any]) -> None:
        super().set_annotations(doc, records)
        doc.ents = filter_spans(list(doc.spans[self.spans_key]))


class ClaimComponent(_Component):
    """Claims: each figure bound to its indicator, subject, period and scope, by the pipeline of
    :func:`~chanjia_nlp.load` (``t2s``, ``binder``; the binder's model is read on first use or
    in ``initialize``, never when the pipeline is built). The span group holds the claims' figures,
    labelled by indicator."""

    def __init__(self, nlp: Language, name: str, spans_key: str, t2s: str, binder: str) -> None:
        super().__init__(nlp, name, spans_key)
        from .normalize import coerce_t2s
        from .pipeline import coerce_binder

        self.t2s, self.binder = coerce_t2s(t2s).value, coerce_binder(binder).value  # bad values fail now
        self._pipeline: Any = None

    def initialize(self, get_examples: Any = None, *, nlp: Any = None) -> None:
        from .pipeline import load

        self._pipeline = load(segmenter="char", t2s=self.t2s, binder=self.binder)

    def match(self, doc: Doc) -> list[Any]:
        if self._pipeline is None:
            self.initialize()
        return [r for r in self._pipeline.extract(doc.text) if isinstance(r, Claim)]

    def label(self, record: Any) -> str:
        return str(record.indicator)


def make_quantity_component(nlp: Language, name: str, spans_key: str) -> QuantityComponent:
    return QuantityComponent(nlp, name, spans_key)


def make_claim_component(nlp: Language, name: str, spans_key: str, t2s: str, binder: str) -> ClaimComponent:
    return ClaimComponent(nlp, name, spans_key, t2s, binder)


def make_programme_component(nlp: Language, name: str, spans_key: str) -> ProgrammeComponent:
    return ProgrammeComponent(nlp, name, spans_key)


def make_entity_component(nlp: Language, name: str, spans_key: str) -> EntityComponent:
    return EntityComponent(nlp, name, spans_key)


#: Short names (``make_nlp(components=…)``) → spaCy factory names.
FACTORIES = {
    "quantities": "chanjia_nlp_quantities",
    "claims": "chanjia_nlp_claims",
    "programmes": "chanjia_nlp_programmes",
    "entities": "chanjia_nlp_entities",
}

_DECLARED: dict[str, tuple[Callable[..., Any], dict[str, Any], list[str]]] = {
    "chanjia_nlp_quantities": (make_quantity_component, {"spans_key": QUANTITIES_KEY}, ["doc.spans"]),
    "chanjia_nlp_claims": (make_claim_component, {"spans_key": CLAIMS_KEY, "t2s": "auto", "binder": "auto"},
                           ["doc.spans"]),
    "chanjia_nlp_programmes": (make_programme_component, {"spans_key": PROGRAMMES_KEY}, ["doc.spans"]),
    "chanjia_nlp_entities": (make_entity_component, {"spans_key": ENTITIES_KEY}, ["doc.spans", "doc.ents"]),
}

for _name, (_make, _config, _assigns) in _DECLARED.items():
    if not Language.has_factory(_name):
        Language.factory(_name, assigns=_assigns, default_config=_config, func=_make)


def make_nlp(
    segmenter: str | Segmenter = Segmenter.jieba,
    *,
    pkuseg_model: str | os.PathLike[str] | None = None,
    domain_terms: bool = True,
    components: Iterable[str] = ("quantities",),
) -> Language:
    """A ``spacy.blank("zh")`` pipeline with our tokenizer (:mod:`~chanjia_nlp.segment`) and the
    components named by their short names (``quantities``, ``claims``, ``programmes``, ``entities``).

    The segmenter is loaded here, so a missing package or model fails now, not on the first text.

    >>> nlp = make_nlp("char")
    >>> doc = nlp("新增高技能人才1200余名")
    >>> [s.text for s in doc.spans["chanjia_nlp.quantities"]]
    ['1200余名']

    Raises:
        ConfigError: an unknown segmenter or component name.
        SegmenterUnavailable: pkuseg without a usable model directory.
    """
    kind = coerce_segmenter(segmenter)
    names = list(components)
    for name in names:
        if name not in FACTORIES:
            raise ConfigError(value_invalid_msg("components", name, sorted(FACTORIES)))
    register_tokenizer()
    config = {
        "nlp": {
            "tokenizer": {
                "@tokenizers": TOKENIZER,
                "segmenter": kind.value,
                "pkuseg_model": str(pkuseg_model) if pkuseg_model is not None else None,
                "domain_terms": domain_terms,
            }
        }
    }
    nlp = spacy.blank("zh", config=config)
    tokenizer: Any = nlp.tokenizer  # our ChineseTokenizer (the config above names it)
    tokenizer.initialize()
    for name in names:
        nlp.add_pipe(FACTORIES[name])
    return nlp
