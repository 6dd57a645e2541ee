"""The tables of the assessment database (SQLAlchemy Core), one per record type of OUTPUT.md.

Every stored file is a *version*: a ``documents`` row keyed by ``version_id``, with its
``quantities``, ``programmes`` and ``entities`` rows pointing at it. A version is current while
``superseded_by`` is NULL; when a changed file is stored at the same path, the old version and
its rows get ``superseded_by`` = the run that replaced them and are kept as history. A partial
unique index allows one current version per path: that is what keeps concurrent writers from
storing a path twice.

Column names are the field names of OUTPUT.md (``start``, ``end``, ``value`` …), so what is true
of the JSONL is true of the tables. Fields a record carries beyond these go to ``extra`` (JSON),
so nothing is lost when records gain fields before the schema does.

This module always describes the newest schema; :mod:`.migrations` brings older databases to it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "BOOKKEEPING",
    "CURRENT",
    "ExactDecimal",
    "RECORD_TABLES",
    "documents",
    "entities",
    "finding_reviews",
    "findings",
    "metadata",
    "programmes",
    "quantities",
    "record_fields",
    "reviews",
    "runs",
    "schema_version",
    "users",
]


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal number, exact in and out (``Decimal`` or a decimal string in, ``Decimal`` out).

    PostgreSQL stores it as ``NUMERIC``, which keeps every digit and the scale (``226000.00``).
    SQLite's ``NUMERIC`` would keep a float (15 significant digits, trailing zeros dropped), so
    there the column holds the exact decimal string (``CAST(value AS REAL)`` to compare in SQL).
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
            raise TypeError(f"{value!r} is not a decimal number; give a Decimal or a decimal string, never a float")
        try:
            number = value if isinstance(value, Decimal) else Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite decimal number")
        return format(number, "f") if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)


def _key() -> TypeEngine[int]:
    """A surrogate key: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite."""
    return BigInteger().with_variant(Integer(), "sqlite")


def _json() -> JSON:
    return JSON(none_as_null=True)


metadata = MetaData()

#: Schema versions this chanjia has applied (see :mod:`.migrations`).
schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("chanjia_version", String(32), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

#: One row per ``chanjia extract`` (or other writing) run.
runs = Table(
    "runs",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column("command", Text),
    Column("extractor_version", String(64)),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True)),
    Column("summary", _json()),
    Column("root", Text),  # schema version 6: the folder display paths are relative to
)


def _versioned() -> list[Column[Any]]:
    """The bookkeeping columns every stored version and its rows carry."""
    return [
        Column("extra", _json()),
        Column("run_id", ForeignKey("runs.run_id"), nullable=False),
        Column("superseded_by", ForeignKey("runs.run_id")),
    ]


documents = Table(
    "documents",
    metadata,
    Column("version_id", _key(), primary_key=True),
    Column("doc_id", String(64), nullable=False),
    Column("path", Text, nullable=False),
    Column("title", Text),
    Column("published", String(32)),
    Column("published_source", String(16)),  # schema version 2
    Column("source", Text),
    Column("chars", Integer),
    Column("format", String(16)),
    Column("encoding", String(64)),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("extractor_version", String(64), nullable=False),
    Column("needs_ocr_pages", _json()),
    Column("warnings", _json()),  # schema version 2
    Column("text", Text),
    *_versioned(),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("superseded_at", DateTime(timezone=True)),
    # schema version 6: what identifies a document is its location (the resolved file), not its
    # display path; a copy of bytes stored at another location is a duplicate submission of it
    # (``duplicate_of`` = that location, no records of its own); a file gone from its folder is
    # ``removed`` (kept as history, superseded by the run that found it gone).
    Column("location", Text),
    Column("duplicate_of", Text),
    Column("removed", Boolean),
    # schema version 7: a scan read by OCR keeps its pages, each character's box and confidence and
    # the doubtful spans (chanjia_nlp.ocr.OcrText.record), so its figures are flagged again when
    # its stored text is extracted again, and a report can show the page image around a figure
    Column("ocr", _json()),
    Index("ix_documents_path", "path"),
    Index("ix_documents_doc_id", "doc_id"),
)
#: The current version of a location is unique: of two writers inserting it, one fails (ON CONFLICT).
CURRENT = documents.c.superseded_by.is_(None)
Index("ux_documents_current_location", documents.c.location, unique=True, sqlite_where=CURRENT,
      postgresql_where=CURRENT)


def _span(kind: str) -> list[Any]:
    """The columns that tie a row to its version and its place in the text."""
    return [
        Column("id", _key(), primary_key=True),
        Column("version_id", ForeignKey("documents.version_id", ondelete="CASCADE"), nullable=False),
        Column("doc_id", String(64), nullable=False),
        Column("path", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("start", Integer, nullable=False),
        Column("end", Integer, nullable=False),
        Index(f"ix_{kind}_version_id", "version_id"),
        Index(f"ix_{kind}_doc_id", "doc_id"),
    ]


quantities = Table(
    "quantities",
    metadata,
    *_span("quantities"),
    Column("value", ExactDecimal()),
    Column("low", ExactDecimal()),
    Column("high", ExactDecimal()),
    Column("qualifier", String(16), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("unit", String(32)),
    Column("currency", String(8)),
    Column("number_text", Text),
    Column("damaged", Boolean),
    Column("sentence", Text),
    Column("repeated", Boolean),
    Column("claim", Boolean, nullable=False),
    Column("indicator", String(64)),
    Column("indicator_text", Text),
    Column("subject", Text),
    Column("level", String(16)),
    Column("period", String(16)),
    Column("scope", String(16)),
    Column("parent", Integer),
    Column("target", Boolean),  # planned, not achieved: never added to achieved totals
    Column("why", _json()),  # the rule or model that decided each claim field
    Column("subject_code", String(16)),  # schema version 4: the division the subject is or hangs under
    Column("subject_name", Text),  # schema version 4: the division's full name, or the organisation's
    *_versioned(),
    Index("ix_quantities_indicator", "indicator"),
    Index("ix_quantities_subject", "subject"),
    Index("ix_quantities_subject_code", "subject_code"),
    Index("ix_quantities_period", "period"),
    Index("ix_quantities_claim", "claim"),
)

#: Claims in the order pages list them (by path as code points, then offset): a page of
#: ``chanjia serve`` walks this index instead of sorting every claim (schema version 8).
#: PostgreSQL orders paths with the "C" collation (see ``Store._bytewise``), SQLite bytewise.
Index("ix_quantities_order", quantities.c.path, quantities.c.start, quantities.c.id).ddl_if(dialect="sqlite")
Index("ix_quantities_order_c", quantities.c.path.collate("C"), quantities.c.start,
      quantities.c.id).ddl_if(dialect="postgresql")
#: The claims about one division in page order (schema version 10): a page of a district's claims
#: reads its 200 rows from here instead of sorting all the district's claims (on PostgreSQL only
#: current claims, which is what pages list).
Index("ix_quantities_subject_order", quantities.c.subject_code, quantities.c.path, quantities.c.start,
      quantities.c.id).ddl_if(dialect="sqlite")
Index("ix_quantities_subject_order_c", quantities.c.subject_code, quantities.c.path.collate("C"), quantities.c.start,
      quantities.c.id, postgresql_where=quantities.c.claim.is_(True) & quantities.c.superseded_by.is_(None)
      ).ddl_if(dialect="postgresql")

programmes = Table(
    "programmes",
    metadata,
    *_span("programmes"),
    Column("kind", String(24), nullable=False),
    *_versioned(),
)

entities = Table(
    "entities",
    metadata,
    *_span("entities"),
    Column("label", String(16), nullable=False),
    Column("normalized", Text),
    Column("role", Text),
    Column("code", String(16)),
    *_versioned(),
    Index("ix_entities_label", "label"),
)

#: Cross-checking results; ``finding_id`` (a stable hash of check and evidence) is unique, so
#: writing a finding again updates it instead of adding a copy.
findings = Table(
    "findings",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("finding_id", String(64), nullable=False, unique=True),
    Column("check", String(32), nullable=False),
    Column("verdict", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("indicator", String(64)),
    Column("subject", Text),
    Column("subject_code", String(16)),  # schema version 4
    Column("subject_name", Text),  # schema version 4
    Column("period", String(16)),
    Column("expected", ExactDecimal()),
    Column("observed", ExactDecimal()),
    Column("gap", ExactDecimal()),
    Column("doc_id", String(64)),
    Column("path", Text),
    Column("evidence", _json(), nullable=False),
    Column("ledger", _json()),
    Column("ledger_file", Text),
    Column("ledger_sheet", Text),
    Column("ledger_row", Integer),
    Column("ledger_column", Text),
    Column("extra", _json()),
    Column("run_id", ForeignKey("runs.run_id")),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Index("ix_findings_check", "check"),
    Index("ix_findings_verdict", "verdict"),
    Index("ix_findings_doc_id", "doc_id"),
    Index("ix_findings_indicator", "indicator"),
    Index("ix_findings_subject_code", "subject_code"),  # schema version 8: a district's findings
    Index("ix_findings_stored_at", "stored_at"),  # schema version 9: whether findings changed
)

#: Who may sign in to ``chanjia serve`` (schema version 5): a password hash (argon2) and a role.
users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),  # reviewer | viewer
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: Every review decision on a figure (schema version 5), never updated or deleted: a figure is
#: its document (``doc_id``, the bytes) and its span; ``version`` counts the decisions on it (1 for
#: the first), and the unique index makes a decision based on a stale version fail, so two
#: reviewers never overwrite each other unseen. ``before`` and ``after`` are the claim fields.
reviews = Table(
    "reviews",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("doc_id", String(64), nullable=False),
    Column("path", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # confirm | correct | reject
    Column("reviewer", String(64), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("before", _json()),
    Column("after", _json()),
    Column("note", Text),
    Column("source", String(16), nullable=False),  # serve | import
    Index("ux_reviews_figure_version", "doc_id", "start", "end", "version", unique=True),
    Index("ix_reviews_reviewer", "reviewer"),
)

#: Every review decision on a 台账 finding (schema version 8), never updated or deleted, as
#: ``reviews`` is for figures: a finding is its ``finding_id`` (a stable hash of its check and
#: evidence, so checking the same 台账 again keeps its reviews); ``version`` counts the decisions
#: on it and the unique index refuses a decision based on a stale version. ``before`` and
#: ``after`` hold the finding's ``verdict``, ``expected`` and ``observed``.
finding_reviews = Table(
    "finding_reviews",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("finding_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # confirm | correct | reject
    Column("reviewer", String(64), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("before", _json()),
    Column("after", _json()),
    Column("note", Text),
    Column("source", String(16), nullable=False),  # serve | import
    Index("ux_finding_reviews_version", "finding_id", "version", unique=True),
)

#: The table each stored record type goes to.
RECORD_TABLES: dict[str, Table] = {
    "document": documents,
    "quantity": quantities,
    "programme": programmes,
    "entity": entities,
}

#: Columns that are the store's own, not fields of a record (``ledger_*`` copy a finding's
#: ``ledger`` object into columns that can be indexed and filtered on).
BOOKKEEPING = frozenset({
    "id", "version_id", "extra", "run_id", "superseded_by", "stored_at", "superseded_at",
    "ledger_file", "ledger_sheet", "ledger_row", "ledger_column", "location", "duplicate_of", "removed",
})


def record_fields(table: Table) -> tuple[str, ...]:
    """The record fields a table holds, in column order."""
    return tuple(c.name for c in table.columns if c.name not in BOOKKEEPING)
