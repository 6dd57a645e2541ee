"""The tables of single districts, kept and brought up to date row by row.

``chanjia serve``'s district page shows the assessment table of one district. Making it reads
every claim about the district and every document stating one (tens of milliseconds on a
10,000-document database, more under load); a decision on one figure changes at most two of its
rows (the row the figure was a candidate of and the row it is one of now). So a district's table
is kept with the decisions it was made with, and when decisions were added since, only the rows
of the figures decided on are made again, from the claims of those rows alone: the same rows
:func:`~chanjia_nlp.assessment.assessment_table` makes of the whole district (the tests compare
them), at the cost of a few indexed reads. Documents written or 台账 findings stored make the
whole table again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, func, null, select, tuple_

from .decisions import apply_review, reviewed_records
from .rows import MAPPERS
from .schema import CURRENT, documents, quantities

__all__ = ["DistrictTables", "by_spans", "read_quantities"]

_CHUNK = 200  # documents a query
#: Districts whose tables are kept (the least recently used is dropped beyond).
KEPT = 128
#: More rows to make again than this: the whole table is made again instead.
MOST_ROWS = 24

Key = tuple[str, str, int, bool]  # (region code, indicator, year, target): a row of the table


class _Table:
    """A district's table as made from the database in ``base`` state with the decisions ``latest``."""

    __slots__ = ("base", "latest", "rows", "serial")

    def __init__(self, base: tuple[Any, ...], latest: Mapping[Any, Mapping[str, Any]], rows: dict[Key, dict[str, Any]],
                 serial: int) -> None:
        self.base = base
        self.latest = latest
        self.rows = rows
        self.serial = serial

    def listed(self) -> list[dict[str, Any]]:
        return [self.rows[key] for key in sorted(self.rows)]


class DistrictTables:
    """The kept tables of the districts of one store (safe across threads)."""

    def __init__(self, store: Any) -> None:  # a Store (which imports this module)
        self.store = store
        self._tables: OrderedDict[str, tuple[_Table, list[dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[str, threading.Lock] = {}

    def get(self, region: str) -> tuple[tuple[Any, ...], list[dict[str, Any]]]:
        """``(token, rows)``: the rows of the table of the district ``region`` (by region code,
        indicator, year and target; shared: read them, do not change them) and a token that
        changes whenever they may have."""
        from ..subjects import codes_under

        under = codes_under(region)
        store = self.store
        with store._reading("cannot read the state of the database") as conn:
            base = (*store._documents_state(conn), store._findings_state(conn, under))
        latest = store.latest_reviews_state()[1]
        with self._lock:
            kept = self._tables.get(region)
            if kept is not None and kept[0].base == base and kept[0].latest is latest:
                self._tables.move_to_end(region)
                return (base, kept[0].serial), kept[1]
            making = self._making.setdefault(region, threading.Lock())
        with making:  # one thread brings a district up to date; the others wait for it
            with self._lock:
                kept = self._tables.get(region)
            table = kept[0] if kept is not None else None
            if table is None or table.base != base:
                table = self._made(region, base, latest, 0 if table is None else table.serial + 1)
            elif table.latest is not latest:
                table = self._updated(table, region, under, latest)
            listed = table.listed()
            with self._lock:
                self._tables[region] = (table, listed)
                self._tables.move_to_end(region)
                while len(self._tables) > KEPT:
                    self._tables.popitem(last=False)
        return (table.base, table.serial), listed

    def _made(self, region: str, base: tuple[Any, ...], latest: Mapping[Any, Mapping[str, Any]], serial: int) -> _Table:
        rows = self.store._table_rows("district", None, None, region, "include", True, latest=latest)
        return _Table(base, latest, {_key(row): _kept(row) for row in rows}, serial)

    def _updated(self, table: _Table, region: str, under: frozenset[str],
                 latest: Mapping[Any, Mapping[str, Any]]) -> _Table:
        """``table`` with the rows of the figures decided on since it was made made again."""
        from ..assessment import row_key

        before = table.latest
        changed = [key for key, review in latest.items()
                   if (before.get(key) or {}).get("version") != review["version"]]
        if not changed:
            return _Table(table.base, latest, table.rows, table.serial)
        store = self.store
        with store._reading("cannot read claims") as conn:
            figures = store._reviewed_figures(conn, latest)
        affected: set[Key] = set()
        for key in changed:
            found = figures.get(key)
            if found is None:  # no current figure there
                continue
            extracted, reviewed = found
            old = before.get(key)
            was = extracted if old is None else apply_review(extracted, old)
            for record in (was, reviewed):
                row = None if record is None else row_key({**record, "type": "quantity"})
                if row is not None and row[0] in under:
                    affected.add(row)
        if not affected:
            return _Table(table.base, latest, table.rows, table.serial)
        if len(affected) > MOST_ROWS:
            return self._made(region, table.base, latest, table.serial + 1)
        rows = dict(table.rows)
        for key in affected:
            rows.pop(key, None)
        for made in self._rows_of(region, affected, latest, figures):
            rows[_key(made)] = made
        return _Table(table.base, latest, rows, table.serial + 1)

    def _rows_of(self, region: str, keys: set[Key], latest: Mapping[Any, Mapping[str, Any]],
                 figures: Mapping[Any, tuple[dict[str, Any], dict[str, Any] | None]]) -> list[dict[str, Any]]:
        """The rows ``keys`` of the table of ``region``, made from their candidates alone."""
        from ..assessment import assessment_table, row_key

        store = self.store
        wanted = [key for key, (_, reviewed) in figures.items()
                  if reviewed is not None and row_key({**reviewed, "type": "quantity"}) in keys]
        with store._reading("cannot read claims") as conn:
            stream = read_quantities(conn, [_candidates(key) for key in sorted(keys)] + by_spans(wanted))
        records = reviewed_records(stream, latest)
        rows = assessment_table(records, store.region_findings(region), by="district", region=region)
        return [_kept(row) for row in rows if _key(row) in keys]


def _kept(row: dict[str, Any]) -> dict[str, Any]:
    """A row as kept: of the candidates it was chosen over, only those set aside for a figure of
    another scope (a district page draws them in the charts of that scope, and shows no other;
    kept, all the candidates of a hundred districts would take gigabytes)."""
    row["candidates"] = [c for c in row.get("candidates") or () if str(c.get("lost") or "").endswith("is chosen first")]
    return row


def _key(row: Mapping[str, Any]) -> Key:
    return (row["region_code"], row["indicator"], row["year"], row["target"])


def _candidates(key: Key) -> Any:
    """The claims as extracted that are candidates of the row ``key`` (a decision may take one
    out; the figures a decision brings in are read by their span)."""
    code, indicator, year, planned = key
    q = quantities.c
    return (func.coalesce(q.claim, False).is_(True), q.subject_code == code, q.indicator == indicator,
            q.period.startswith(str(year), autoescape=True), q.target.is_(True) if planned else q.target.is_not(True))


def by_spans(keys: list[tuple[str, int, int]]) -> list[Any]:
    """Conditions for :func:`read_quantities` reading the quantities at the spans ``keys``
    (``(doc_id, start, end)``), 50 a query: the database compares each quantity of their
    documents with each span of the query."""
    q = quantities.c
    return [(q.doc_id.in_(sorted({k[0] for k in keys[at : at + 50]})),  # doc_id: its index
             tuple_(q.doc_id, q.start, q.end).in_(keys[at : at + 50])) for at in range(0, len(keys), 50)]


#: What no table reads, left out of the records :func:`read_quantities` reads (``None``): why each claim
#: field was decided, and a document's OCR boxes and warnings (JSON, slow to read).
_UNREAD = frozenset({"why", "ocr", "warnings", "needs_ocr_pages"})


def _columns(columns: Iterable[Any]) -> list[Any]:
    return [null().label(c.name) if c.name in _UNREAD else c for c in columns]


def read_quantities(conn: Connection, conditions: Iterable[Any]) -> list[dict[str, Any]]:
    """The current quantities meeting any of ``conditions`` (each a tuple of clauses), after their
    documents, as :meth:`Store.records` orders them (documents by path, each one's records by
    offset), with what tables read (:data:`_UNREAD` is ``None``); quantities of a document
    stored as a copy of another are left out."""
    q = quantities.c
    mapper, docs = MAPPERS["quantity"], MAPPERS["document"]
    found: dict[int, dict[int, tuple[int, int, dict[str, Any]]]] = {}
    for condition in conditions:
        for row in conn.execute(select(q.version_id, q.id, *_columns(mapper.columns()))
                                .where(q.superseded_by.is_(None), *condition)):
            found.setdefault(row.version_id, {})[row.id] = (row.start, row.id, mapper.to_record(row))
    order: list[Any] = []
    ids = sorted(found)
    for at in range(0, len(ids), _CHUNK):
        order += conn.execute(select(documents.c.version_id, *_columns(docs.columns()))
                              .where(documents.c.version_id.in_(ids[at : at + _CHUNK]), CURRENT,
                                     documents.c.duplicate_of.is_(None))).all()
    order.sort(key=lambda row: (row.path, row.version_id))
    stream = []
    for row in order:
        stream.append(docs.to_record(row))
        stream += [record for _, _, record in sorted(found[row.version_id].values(), key=lambda item: item[:2])]
    return stream
