"""The records chanjia_nlp produces: frozen dataclasses with ``Decimal`` values.

Field names and enum values follow ``spec/ANNOTATION.md`` and ``spec/OUTPUT.md``; they are a
contract with the people who read the output, so they are extended, never renamed.
Records know nothing about JSON or SQL: :func:`to_dict` gives the plain mapping the CLI and the
store write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "CLAIM_FIELDS",
    "PUBLISHED_SOURCES",
    "Claim",
    "Document",
    "Entity",
    "EntityLabel",
    "Kind",
    "Programme",
    "ProgrammeKind",
    "Qualifier",
    "Quantity",
    "Record",
    "to_dict",
]


class Qualifier(StrEnum):
    """How the stated number bounds the true one (ANNOTATION.md §1, "Qualifiers")."""

    EXACT = "exact"
    APPROX = "approx"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    LESS_THAN = "less_than"
    AT_MOST = "at_most"
    RANGE = "range"
    VAGUE = "vague"


class Kind(StrEnum):
    """What a quantity measures."""

    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"
    PERCENTAGE_POINT = "percentage_point"
    SCORE = "score"
    RANK = "rank"
    RATIO = "ratio"
    AREA = "area"
    DURATION = "duration"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Quantity:
    """One number as written, with what makes it mean something.

    ``text == raw[start:end]`` for the raw text it was found in. ``value`` is in base units
    (yuan for money, the percent number for percentages); ``low``/``high`` are the interval
    the words allow, ``None`` for an open end. ``number_text`` is the numeral alone.
    ``damaged`` marks a figure whose digits were lost in conversion (never guessed).
    The claim fields (``claim`` … ``scope``) are filled by the claims stage.
    """

    text: str
    start: int
    end: int
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    qualifier: Qualifier
    kind: Kind
    unit: str | None = None
    currency: str | None = None
    number_text: str = ""
    damaged: bool = False
    sentence: str | None = None
    repeated: bool = False

    type = "quantity"

    def in_context(self, sentence: str, repeated: bool) -> Quantity:
        """This quantity with its sentence and repeat flag (what ``dataclasses.replace`` does,
        spelled out: it is on the hot path of every document)."""
        return Quantity(
            text=self.text, start=self.start, end=self.end, value=self.value, low=self.low, high=self.high,
            qualifier=self.qualifier, kind=self.kind, unit=self.unit, currency=self.currency,
            number_text=self.number_text, damaged=self.damaged, sentence=sentence, repeated=repeated,
        )


def _slot_filler(cls: type) -> Any:
    """A function taking all of ``cls``'s field values in declaration order and returning the
    record with its slots filled directly, as :mod:`dataclasses` builds ``__init__``: generated
    code with one slot descriptor call per field, no loop. It skips the frozen ``__init__``
    (one ``object.__setattr__`` per field); the result is the same frozen, equal, hashable record."""
    names = [f.name for f in dataclasses.fields(cls)]
    source = (
        f"def make({', '.join(names)}):\n    obj = new(cls)\n"
        + "".join(f"    set_{name}(obj, {name})\n" for name in names)
        + "    return obj\n"
    )
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    namespace.update({f"set_{name}": cls.__dict__[name].__set__ for name in names})
    exec(source, namespace)  # noqa: S102 - code generated from the dataclass's own field names
    return namespace["make"]


#: A :class:`Quantity` from all its field values in declaration order, for the extractor's hot
#: path (half the cost of the frozen constructor on figure-dense text).
make_quantity = _slot_filler(Quantity)


#: ``level`` values of a claim (ANNOTATION.md §2), widest first.
LEVELS = ("national", "provincial", "city", "district", "town", "park", "enterprise")
#: ``check`` values of a ``finding`` record: what rule made it.
CHECKS = ("ledger", "sum", "share", "conflict", "ledger_total", "ledger_rate", "copied_text", "uncovered_claim")
#: ``verdict`` values of a ledger row's finding.
LEDGER_VERDICTS = ("consistent", "consistent_within_qualifier", "inconsistent", "unsupported", "ambiguous")
#: Every ``verdict`` of a ``finding``, in the order reports list them: ledger rows, internal checks
#: (``flagged``, or ``explained`` by a qualifier or rounding), claims no ledger row covers.
VERDICTS = LEDGER_VERDICTS + ("flagged", "explained", "uncovered")

#: The claim fields of a ``quantity`` row (ANNOTATION.md §2), ``None`` for a mention that is no claim.
CLAIM_FIELDS = ("indicator", "indicator_text", "subject", "level", "period", "scope")


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """A quantity that reports a measured fact, bound to what it counts, whose, and when.

    A claim is written as the ``quantity`` row of its mention with ``claim: true`` and the claim
    fields filled (OUTPUT.md): one row per figure, whether or not it is a claim. Beyond
    ANNOTATION.md: ``target`` marks a figure planned, required or aimed at rather than achieved
    (never added to achieved totals); ``why`` names, for each field, the rule or model that
    decided it (``(("indicator", "alias_before"), ("period", "year_in_sentence"), …)``).
    """

    quantity: Quantity
    indicator: str
    indicator_text: str | None = None
    subject: str | None = None
    level: str | None = None
    period: str | None = None
    scope: str | None = None
    parent: int | None = None
    target: bool = False
    why: tuple[tuple[str, str], ...] = ()

    type = "quantity"


class ProgrammeKind(StrEnum):
    """What a named programme, document or slogan is (ANNOTATION.md §3)."""

    POLICY_DOCUMENT = "policy_document"
    PROGRAMME = "programme"
    TITLE = "title"
    ACTIVITY = "activity"
    SLOGAN = "slogan"
    WORK = "work"


@dataclass(frozen=True, slots=True, kw_only=True)
class Programme:
    """A programme name, document title, honour, activity, slogan or work, as written.

    The span excludes the surrounding quotation or title marks: ``《…》`` → the title inside.
    """

    text: str
    start: int
    end: int
    kind: ProgrammeKind

    type = "programme"


class EntityLabel(StrEnum):
    """What an entity is (OUTPUT.md ``entity`` records)."""

    REGION = "region"
    ORG = "org"
    PERSON = "person"
    DATE = "date"


@dataclass(frozen=True, slots=True, kw_only=True)
class Entity:
    """A region, organisation, person or date named in the text.

    ``normalized`` is the full form (``无锡市`` for ``无锡``; an ISO date ``2023-04-06``, year-month
    ``2023-02`` or year ``2022`` for dates); ``role`` is a person's title when stated
    (``市总工会党组书记``, ``晚报记者``); ``code`` is the administrative division code of a region.
    """

    text: str
    start: int
    end: int
    label: EntityLabel
    normalized: str | None = None
    role: str | None = None
    code: str | None = None

    type = "entity"


#: ``published_source`` values of a document: where its ``published`` date came from.
#: ``text``: a date the text states (a date line, masthead, labelled 发布时间, a speech's or a
#: signature's date); ``html_meta``: the page's ``<meta>`` publication date; ``given``: the user's
#: ``--published`` or ``--metadata``. A .docx's ``created`` property and a PDF's ``CreationDate``
#: are never taken: they are the dates a file was made or exported (often from an older template).
PUBLISHED_SOURCES = ("text", "html_meta", "given")


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """One input file: where it came from, how it was read, and whether that worked.

    ``published_source`` says where ``published`` came from (:data:`PUBLISHED_SOURCES`, ``None``
    when no date was found); ``warnings`` are sentences a person can act on about how the file
    was read (no publication date, a given date the text contradicts).
    """

    doc_id: str
    path: str
    title: str | None = None
    published: str | None = None
    published_source: str | None = None
    source: str | None = None
    chars: int = 0
    format: str = "txt"
    encoding: str | None = None
    status: str = "ok"
    error: str | None = None
    extractor_version: str = ""
    needs_ocr_pages: tuple[int, ...] = ()  # PDF pages whose text layer is empty or garbage (from 1)
    warnings: tuple[str, ...] = ()
    #: Scans read by OCR: engine, pages, lines with each character's box and confidence, and the
    #: doubtful spans (:meth:`chanjia_nlp.ocr.OcrText.record`); ``None`` when nothing was OCR'd.
    ocr: Mapping[str, Any] | None = None

    type = "document"


Record = Quantity | Claim | Programme | Entity | Document


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, StrEnum):
        return value.value
    return value


def to_dict(record: Record, **common: Any) -> dict[str, Any]:
    """A record as a JSON-ready dict: ``type`` first, then ``common`` (``doc_id``, ``path``),
    then the record's fields; decimals become strings, enums their values.

    >>> q = Quantity(text="25家", start=0, end=3, value=Decimal(25), low=Decimal(25),
    ...              high=Decimal(25), qualifier=Qualifier.EXACT, kind=Kind.COUNT, unit="家")
    >>> to_dict(q)["value"]
    '25'
    """
    out: dict[str, Any] = {"type": record.type}
    out.update(common)
    if isinstance(record, Claim):
        out.update(to_dict(record.quantity))
        out["claim"] = True
        for name in CLAIM_FIELDS:
            out[name] = getattr(record, name)
        out["parent"] = record.parent  # the start offset of the 其中 total this part belongs to
        out["target"] = record.target
        out["why"] = dict(record.why) if record.why else None
        return out
    for field in dataclasses.fields(record):
        out[field.name] = _plain(getattr(record, field.name))
    if isinstance(record, Quantity):
        out["claim"] = False
        out.update(dict.fromkeys(CLAIM_FIELDS))
        out["parent"] = None
        out["target"] = None
        out["why"] = None
    return out
