"""Thin spaCy components around the pure extractors.

Each component declares what it writes. Quantities go on ``doc.spans["chanjia_nlp.quantities"]``
(labelled by kind, aligned outwards to token boundaries) and the records themselves, with exact
character offsets, on ``doc.user_data["chanjia_nlp.quantities"]``: no ``Span`` extension is set.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .quantities import extract_quantities

__all__ = ["FACTORIES", "QUANTITIES_KEY", "QuantityComponent"]

QUANTITIES_KEY = "chanjia_nlp.quantities"


class QuantityComponent:
    """Find quantities in ``doc.text`` (``match``) and put them on the doc (``set_annotations``)."""

    def __init__(self, nlp: Language, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[Any]:
        return extract_quantities(doc.text)

    def set_annotations(self, doc: Doc, quantities: list[Any]) -> None:
        spans = []
        for q in quantities:
            span = doc.char_span(q.start, q.end, label=q.kind.value, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        doc.user_data[self.spans_key] = quantities


if not Language.has_factory("chanjia_nlp_quantities"):

    @Language.factory(
        "chanjia_nlp_quantities",
        assigns=["doc.spans"],
        default_config={"spans_key": QUANTITIES_KEY},
    )
    def make_quantity_component(nlp: Language, name: str, spans_key: str) -> QuantityComponent:
        return QuantityComponent(nlp, name, spans_key)


FACTORIES = {"quantities": "chanjia_nlp_quantities"}
