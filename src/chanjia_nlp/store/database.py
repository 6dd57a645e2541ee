"""The :class:`Store`: write extraction runs into the assessment database, read them back.

Writes go one document per transaction: a document and all its records are stored, or nothing
of them is. Two processes may write at once (two ``chanjia extract`` runs, Dask workers): SQLite
serializes writers (``BEGIN IMMEDIATE``, a 30 s busy timeout), PostgreSQL locks the current
version of the path (``SELECT … FOR UPDATE``) and the unique index on current paths turns a lost
race into a retry (``INSERT … ON CONFLICT DO NOTHING``), so nothing is stored twice or lost.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import Connection, Engine, Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ConfigError, StoreError, value_invalid_msg
from ..records import CHECKS, LEVELS, VERDICTS
from .connect import WRITE, make_engine
from .memo import memo
from .migrations import current_version, newest_version, upgrade
from .districts import DistrictTables, by_spans, read_quantities
from .reviews import ReviewsMixin, apply_review, matches
from .decisions import reviewed_records as _reviewed
from .rows import MAPPERS, RowMapper
from .schema import CURRENT, RECORD_TABLES, documents, entities, findings, programmes, quantities, reviews, runs

if TYPE_CHECKING:
    import pandas as pd  # imported where a DataFrame is made: writers never need it

__all__ = ["CHECKS", "LEVELS", "TARGETS", "VERDICTS", "BatchWriter", "DocumentState", "Store", "open"]

#: A stored version is the same document when all of these agree: the bytes, the extractor, and
#: what reading made of them (a file that failed and now reads, metadata given by hand).
_SAME_VERSION = ("doc_id", "extractor_version", "status", "error", "title", "published", "published_source", "source")
RE_PERIOD = re.compile(r"[0-9]{4}(?:-[0-9]{2})?")

_CHILDREN = ("quantity", "programme", "entity")
_RANK = {kind: rank for rank, kind in enumerate(_CHILDREN)}  # order of records at the same offset
FINDINGS = RowMapper(findings, "finding", ignore=("type", "run_id"))  # run_id: the writing run's, not the finding's
_CONFLICT_RETRIES = 5
_CHUNK = 200  # documents per query when streaming records
_CLAIM_COLUMNS = (
    "doc_id", "path", "start", "end", "text", "value", "low", "high", "qualifier", "kind", "unit", "currency",
    "indicator", "indicator_text", "subject", "level", "period", "scope", "target", "parent", "sentence", "repeated",
    "damaged", "why", "subject_code", "subject_name",
)
#: What :meth:`Store.claims` does with targets (claims planned or aimed at, not achieved).
TARGETS = ("include", "exclude", "only")


@dataclass(frozen=True, slots=True)
class DocumentState:
    """What the store holds as current for a path: enough to decide whether to extract it again."""

    path: str
    doc_id: str
    extractor_version: str
    status: str
    run_id: str
    stored_at: datetime
    location: str | None = None
    duplicate_of: str | None = None  # the location of the document it is a copy of
    original_current: bool = True  # a duplicate: whether that document is still current with these bytes


class _Writes:
    """The statements a document write runs, built once per store, not once per document."""

    def __init__(self, insert: Any) -> None:
        d = documents.c
        self.current = (
            select(d.version_id, d.location, d.duplicate_of, *(d[name] for name in _SAME_VERSION))
            .where(or_(d.location == bindparam("at_location"), d.location == bindparam("legacy")), CURRENT)
            .order_by(d.version_id)
            .with_for_update()  # PostgreSQL: a second writer of the location waits here
        )
        self.original = (
            select(d.location)
            .where(d.doc_id == bindparam("same_doc"), d.location != bindparam("not_at"), d.status == "ok",
                   d.duplicate_of.is_(None), CURRENT)
            .order_by(d.version_id)
            .limit(3)
        )
        self.supersede = [
            update(table)
            .where(table.c.version_id == bindparam("old"))
            .values(superseded_by=bindparam("by"), **({"superseded_at": bindparam("when")} if table is documents else {}))
            for table in (documents, quantities, programmes, entities)
        ]
        self.version = (
            insert(documents).on_conflict_do_nothing(index_elements=["location"], index_where=CURRENT).returning(d.version_id)
        )
        self.children = {kind: RECORD_TABLES[kind].insert() for kind in _CHILDREN}


class BatchWriter:
    """Documents written a batch at a time (:meth:`Store.write_documents`): one transaction and
    one multi-row insert per table for many documents, instead of one each. A batch is written
    once it holds ``docs`` documents or ``chars`` characters of text, or when ``seconds`` have
    passed since its first document (so a slow run still stores as it goes).

    :meth:`add` returns the ``(key, answer)`` of each document written by that call (none, or a
    whole batch); :meth:`flush` writes what is left.
    """

    def __init__(self, store: Store, run_id: str, *, docs: int = 32, chars: int = 4_000_000,
                 seconds: float = 1.0) -> None:
        self.store, self.run_id = store, run_id
        self.docs, self.chars, self.seconds = docs, chars, seconds
        self._batch: list[tuple[Any, Mapping[str, Any], Sequence[Mapping[str, Any]], str | None]] = []
        self._chars = 0
        self._since = 0.0

    def add(self, key: Any, doc: Mapping[str, Any], records: Sequence[Mapping[str, Any]],
            location: str | None = None) -> list[tuple[Any, str]]:
        if not self._batch:
            self._since = time.monotonic()
        self._batch.append((key, doc, records, location))
        self._chars += len(doc.get("text") or "")
        if (len(self._batch) >= self.docs or self._chars >= self.chars
                or time.monotonic() - self._since >= self.seconds):
            return self.flush()
        return []

    def flush(self) -> list[tuple[Any, str]]:
        batch, self._batch, self._chars = self._batch, [], 0
        if not batch:
            return []
        answers = self.store.write_documents([(doc, records, location) for _, doc, records, location in batch],
                                             self.run_id)
        return [(key, answer) for (key, *_), answer in zip(batch, answers, strict=True)]


class _Conflict(Exception):
    """Another writer stored the same path first; the transaction is retried."""


def open(target: str | os.PathLike[str], *, schema: str | None = None, create: bool = False) -> Store:  # noqa: A001
    """Open (migrating as needed) the assessment database at ``target``.

    Args:
        target: a file path (SQLite), ``sqlite:///PATH`` or ``postgresql+psycopg://USER@HOST/DB``.
        schema: the PostgreSQL schema to keep the tables in (created if missing, with ``create``).
        create: make a new database when there is none. Without it a missing one is refused, as
            the commands that read refuse it: ``store.open("typo.sqlite")`` makes no empty file.

    Raises:
        ConfigError: an unsupported URL, or a database made by a newer chanjia.
        StoreError: no database (``create=False``), or it cannot be reached.
    """
    engine, shown = make_engine(target, schema=schema, create=create)
    path = _sqlite_file(engine)
    store = Store(engine, url=shown, schema=schema)
    try:
        for attempt in range(_CREATE_ATTEMPTS):
            try:
                store._migrate(create=create)
                break
            except StoreError:
                # Another process creating the same new file may hold it for a moment (its
                # connection switching the file to WAL, its migration): try again before
                # taking the file for one this process cannot write.
                if not create or path is None or attempt == _CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * 2**attempt)
    except StoreError as first:
        engine.dispose()
        if path is None or not os.path.isfile(path):
            raise
        # A database in a read-only folder (or a read-only file): open it to read.
        for readonly in (True, "immutable"):
            engine, shown = make_engine(target, schema=schema, create=False, readonly=readonly)
            store = Store(engine, url=shown, schema=schema)
            try:
                store._migrate(create=False)
            except StoreError:
                engine.dispose()
                if readonly == "immutable":
                    if create:
                        raise first from None  # what went wrong creating it, not "no tables"
                    raise
                continue
            return store
        raise  # pragma: no cover - the loop returns or raises
    except BaseException:
        engine.dispose()
        raise
    return store


#: Tries to create or migrate a SQLite file another process may be creating at the same time.
_CREATE_ATTEMPTS = 4


def _sqlite_file(engine: Engine) -> str | None:
    """The file of a SQLite engine (``None`` for PostgreSQL or an in-memory database)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    return None if database in ("", ":memory:") or database.startswith("file:") else database


class Store(ReviewsMixin):
    """The assessment database. Make one with :func:`open`; use it as a context manager."""

    def __init__(self, engine: Engine, *, url: str, schema: str | None = None) -> None:
        self.engine = engine
        self.url = url
        self.schema = schema
        self._writes = _Writes(self._insert)

    def __repr__(self) -> str:
        return f"<Store {self.url}>"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection."""
        self.engine.dispose()

    # -- runs and documents ------------------------------------------------------------------

    def begin_run(self, command: str | None = None, extractor_version: str | None = None,
                  root: str | None = None) -> str:
        """Record the start of a run; returns its id (a uuid4 hex) for :meth:`write_document`."""
        from .. import __version__

        run_id = uuid.uuid4().hex
        with self._writing(f"cannot record the run in {self.url}") as conn:
            conn.execute(
                runs.insert().values(
                    run_id=run_id, command=command, extractor_version=extractor_version or __version__, started=_now(),
                    root=root,
                )
            )
        return run_id

    def end_run(self, run_id: str, summary: Mapping[str, Any]) -> None:
        """Record the end of a run and its ``summary`` (counts: ok, error, skipped, claims …)."""
        with self._writing(f"cannot record the end of run {run_id}") as conn:
            done = conn.execute(update(runs).where(runs.c.run_id == run_id).values(finished=_now(), summary=dict(summary)))
            if done.rowcount != 1:
                raise StoreError(f"there is no run {run_id} in {self.url}; start one with begin_run()")

    def document_state(self, location: str) -> DocumentState | None:
        """The current document at ``location`` (the resolved file :func:`chanjia_nlp.runner.iter_results`
        gives; its display path for documents written without one), or ``None`` when none is stored."""
        return self._states(documents.c.location == location).get(location)

    def document_states_at(self, locations: Iterable[str]) -> dict[str, DocumentState]:
        """:meth:`document_state` of many locations at once (one query per 500): the current
        documents among them, by location."""
        wanted = sorted(set(locations))
        found: dict[str, DocumentState] = {}
        for at in range(0, len(wanted), 500):
            found.update(self._states(documents.c.location.in_(wanted[at : at + 500])))
        return found

    def document_states(self) -> dict[str, DocumentState]:
        """The current document of every stored location, by location (one query for a whole run)."""
        return self._states()

    def orphaned_duplicates(self) -> list[str]:
        """The locations of duplicate submissions whose original is no longer current with their
        bytes (removed, or changed): each is to be extracted again, to be stored as the document."""
        return sorted(location for location, state in self._states(documents.c.duplicate_of.is_not(None)).items()
                      if not state.original_current)

    def extractor_versions(self) -> dict[str, int]:
        """How many current documents each extractor version made."""
        d = documents.c
        with self._reading("cannot read extractor versions") as conn:
            return dict(conn.execute(select(d.extractor_version, func.count()).where(CURRENT)
                                     .group_by(d.extractor_version)).all())

    def write_document(self, doc: Mapping[str, Any], records: Sequence[Mapping[str, Any]], run_id: str,
                       *, location: str | None = None) -> str:
        """Store one document and its records, in one transaction.

        ``doc`` is a ``document`` record dict (it may carry ``text``); ``records`` its quantity,
        programme and entity dicts. Returns ``"inserted"``, ``"replaced"`` (another document or
        extractor version, status or metadata was current at the path: it is kept as history,
        superseded by ``run_id``), ``"unchanged"`` (the same document is current already, e.g.
        a concurrent run stored it first; nothing is written) or ``"duplicate"`` (the same bytes
        are current at another location: this location is stored as a duplicate submission of it,
        without records of its own, so its figures are never counted twice).

        ``location`` identifies the file (default: its display path): a version replaces the
        current one at the same location, never one at the same display path elsewhere.

        Raises:
            StoreError: a record does not fit its table, or the database refuses the write;
                nothing of the document is stored.
        """
        path = doc.get("path")
        version, rows = _prepare(doc, records, location)
        for _ in range(_CONFLICT_RETRIES):
            try:
                with self._writing(f"cannot store {path} (nothing of it was stored)") as conn:
                    return self._store_version(conn, version, rows, run_id)
            except _Conflict:
                continue
        raise StoreError(f"cannot store {path}: other writers kept storing it first; run again")

    def write_documents(
        self, items: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], str | None]], run_id: str
    ) -> list[str]:
        """:meth:`write_document` for several documents ``(doc, records, location)`` in one
        transaction, their records in one multi-row insert per table: the answers, in order.

        The batch is stored whole or not at all. When it cannot be (a record that does not fit,
        another writer storing one of its files at the same moment, a database refusal), each
        document is written again alone, so one bad document never costs the others; a kill
        before the commit leaves none of them stored, and the next run extracts them again.

        Raises:
            StoreError: as :meth:`write_document`, for the first document that cannot be stored
                alone either, once every other document of the batch is stored.
        """
        if len(items) < 2:
            return [self.write_document(doc, records, run_id, location=location) for doc, records, location in items]
        try:
            prepared = [_prepare(doc, records, location) for doc, records, location in items]
            with self._writing(f"cannot store {len(items)} documents together") as conn:
                children: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _CHILDREN}
                outcomes = [self._store_version(conn, version, rows, run_id, children) for version, rows in prepared]
                for kind, kind_rows in children.items():
                    if kind_rows:
                        _insert_records(conn, self._writes.children[kind], kind, kind_rows)  # one insert per table
            return outcomes
        except (StoreError, _Conflict):
            return self._write_alone(items, run_id)

    def _write_alone(
        self, items: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], str | None]], run_id: str
    ) -> list[str]:
        """Each document in its own transaction; one that cannot be stored raises its StoreError
        once the others are stored."""
        outcomes, failed = [], None
        for doc, records, location in items:
            try:
                outcomes.append(self.write_document(doc, records, run_id, location=location))
            except StoreError as exc:
                failed = failed or exc
        if failed is not None:
            raise failed
        return outcomes

    def _store_version(
        self, conn: Connection, version: dict[str, Any], rows: dict[str, list[dict[str, Any]]], run_id: str,
        children: dict[str, list[dict[str, Any]]] | None = None,
    ) -> str:
        """Store one version in ``conn``'s transaction; its records are inserted here, or added to
        ``children`` for the caller to insert with those of other documents."""
        now = _now()
        writes = self._writes
        location = version["location"]
        found = conn.execute(writes.current, {"at_location": location, "legacy": version["legacy"]}).all()
        if conn.dialect.name == "postgresql" and version["status"] == "ok":
            # Two writers of the same bytes at two locations: one after the other, so one is the duplicate.
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"chanjia_nlp.doc:{version['doc_id']}"))))
        original = None
        if version["status"] == "ok":
            replacing = {row.location for row in found}  # a version stored before locations is taken over, not copied
            original = next((at for at in conn.execute(writes.original, {"same_doc": version["doc_id"], "not_at": location})
                             .scalars() if at not in replacing), None)
        version = {**{k: v for k, v in version.items() if k != "legacy"}, "duplicate_of": original}  # retried: keep the caller's
        current = next((row for row in found if row.location == location), found[0] if found else None)
        if current is not None and len(found) == 1 and current.location == location:
            if current.duplicate_of == original and all(current._mapping[name] == version.get(name) for name in _SAME_VERSION):
                return "unchanged"
        for old in found:
            for statement in writes.supersede:
                conn.execute(statement, {"old": old.version_id, "by": run_id, "when": now})
        if original is not None:
            rows = {kind: [] for kind in rows}  # a duplicate submission: its figures are the original's
        key = conn.execute(writes.version, {**version, "run_id": run_id, "stored_at": now}).scalar()
        if key is None:
            raise _Conflict
        for kind, kind_rows in rows.items():
            if kind_rows:
                for row in kind_rows:
                    row["version_id"] = key
                    row["run_id"] = run_id
                if children is not None:
                    children[kind].extend(kind_rows)
                else:
                    _insert_records(conn, writes.children[kind], kind, kind_rows)  # one statement per table
        if original is not None:
            return "duplicate"
        return "inserted" if current is None else "replaced"

    def mark_removed(self, run_id: str, under: Iterable[str], seen: Iterable[str],
                     keep_under: Iterable[str] = ()) -> list[tuple[str, str]]:
        """Mark ``removed`` every current document whose location is one of ``under`` or inside
        one of them (folders a run walked whole) but not in ``seen`` (the files it found), nor
        inside one of ``keep_under`` (folders it could not read). They stay as history, superseded
        by ``run_id``, out of claims, stats and the table. Returns their ``(path, location)``."""
        return self._remove(run_id, lambda location: _inside(location, under) and not _inside(location, keep_under),
                            set(seen))

    def remove(self, run_id: str, locations: Iterable[str], paths: Iterable[str] = ()) -> list[tuple[str, str]]:
        """Mark ``removed`` the current documents at ``locations`` or inside them (folders); a
        display path of ``paths`` names the one document shown so when no location matched.
        Returns their ``(path, location)``.

        Raises:
            ConfigError: a display path that several current documents share (give the file's path).
        """
        wanted, shown = list(locations), set(paths)
        return self._remove(run_id, lambda location: _inside(location, wanted), set(), by_path=shown)

    def _remove(self, run_id: str, chosen: Any, seen: set[str], by_path: AbstractSet[str] = frozenset()) -> list[tuple[str, str]]:
        d = documents.c
        now = _now()
        with self._writing("cannot mark removed files") as conn:
            rows = conn.execute(select(d.version_id, d.path, d.location).where(CURRENT)).all()
            gone = [row for row in rows if row.location not in seen and chosen(row.location or row.path)]
            if not gone and by_path:
                gone = [row for row in rows if row.path in by_path]
                shared = sorted({row.path for row in gone if sum(other.path == row.path for other in gone) > 1})
                if shared:
                    raise ConfigError(f"{', '.join(shared)} is the display path of several files; give the file's "
                                      "own path (chanjia claims shows where each is)")
            keys = [row.version_id for row in gone]
            for at in range(0, len(keys), 500):
                chunk = keys[at : at + 500]
                conn.execute(update(documents).where(d.version_id.in_(chunk))
                             .values(superseded_by=run_id, superseded_at=now, removed=True))
                for table in (quantities, programmes, entities):
                    conn.execute(update(table).where(table.c.version_id.in_(chunk), table.c.superseded_by.is_(None))
                                 .values(superseded_by=run_id))
        return sorted((row.path, row.location) for row in gone)

    def prune(self) -> int:
        """Delete the history of removed files (documents marked ``removed`` and their records);
        returns how many document versions were deleted."""
        d = documents.c
        with self._writing("cannot prune removed files") as conn:
            keys = conn.execute(select(d.version_id).where(d.removed.is_(True))).scalars().all()
            for at in range(0, len(keys), 500):
                chunk = keys[at : at + 500]
                for table in (quantities, programmes, entities, documents):
                    conn.execute(table.delete().where(table.c.version_id.in_(chunk)))
        return len(keys)

    def history(self, path: str) -> list[dict[str, Any]]:
        """The superseded versions of ``path``, oldest first: ``doc_id``, ``extractor_version``,
        ``status``, ``run_id`` (that stored it), ``superseded_by`` (the run that replaced it),
        ``stored_at``, ``superseded_at`` and its counts of quantities, claims, programmes, entities."""
        d = documents.c
        with self._reading(f"cannot read the history of {path}") as conn:
            versions = conn.execute(
                select(d.version_id, d.doc_id, d.path, d.extractor_version, d.status, d.run_id, d.superseded_by,
                       d.stored_at, d.superseded_at, d.removed)
                .where(or_(d.path == path, d.location == path), d.superseded_by.is_not(None))
                .order_by(d.version_id)
            ).all()
            counts = self._counts(conn, [v.version_id for v in versions])
        out = []
        for v in versions:
            item = dict(v._mapping)
            key = item.pop("version_id")
            item["stored_at"], item["superseded_at"] = _utc(item["stored_at"]), _utc(item["superseded_at"])
            item["removed"] = bool(item["removed"])  # gone from its folder, not replaced
            item.update(counts.get(key, dict.fromkeys(("quantities", "claims", "programmes", "entities"), 0)))
            out.append(item)
        return out

    # -- reading records ---------------------------------------------------------------------

    def records(
        self,
        types: Iterable[str] | None = None,
        doc_ids: Iterable[str] | None = None,
        paths: Iterable[str] | None = None,
        reviewed: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """The current records as OUTPUT.md dicts, document by document (by path): the
        ``document`` record (with ``text``), then its records by ``start``. With ``reviewed``,
        quantities are as their latest review decision leaves them (with ``reviewed_by``): the
        corrected fields, and a rejected figure left out.

        Raises:
            ConfigError: a type that is not document, quantity, programme or entity.
        """
        valid = ("document", *_CHILDREN)
        wanted = valid if types is None else tuple(_as_list(types))
        for kind in wanted:
            if kind not in valid:
                raise ConfigError(value_invalid_msg("types", kind, valid))
        query = select(documents.c.version_id).where(CURRENT, documents.c.duplicate_of.is_(None))
        if doc_ids is not None:
            query = query.where(documents.c.doc_id.in_(_as_list(doc_ids)))
        if paths is not None:
            query = query.where(documents.c.path.in_(_as_list(paths)))
        stream = self._stream(query.order_by(self._bytewise(documents.c.path), documents.c.version_id), wanted)
        if not reviewed or "quantity" not in wanted:
            return stream
        return _reviewed(stream, self.latest_reviews())

    def _stream(self, query: Select[Any], wanted: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        with self._reading("cannot read records") as conn:
            keys = conn.execute(query).scalars().all()
            for at in range(0, len(keys), _CHUNK):
                chunk = keys[at : at + _CHUNK]
                docs = {}
                if "document" in wanted:
                    mapper = MAPPERS["document"]
                    found = conn.execute(select(documents.c.version_id, *mapper.columns()).where(documents.c.version_id.in_(chunk)))
                    docs = {row.version_id: mapper.to_record(row) for row in found}
                children: dict[int, list[tuple[int, int, int, dict[str, Any]]]] = {}
                for kind in _CHILDREN:
                    if kind not in wanted:
                        continue
                    mapper, table = MAPPERS[kind], RECORD_TABLES[kind]
                    found = conn.execute(
                        select(table.c.version_id, table.c.id, *mapper.columns()).where(table.c.version_id.in_(chunk))
                    )
                    for row in found:
                        children.setdefault(row.version_id, []).append((row.start, _RANK[kind], row.id, mapper.to_record(row)))
                for key in chunk:
                    if key in docs:
                        yield docs[key]
                    for *_, record in sorted(children.get(key, ()), key=lambda item: item[:3]):
                        yield record

    def documents(self, *, text: bool = False) -> pd.DataFrame:
        """The current documents, one row per path (by path), with their counts of quantities
        and claims; ``text=True`` adds the extracted text (and a scan's ``ocr`` field)."""
        mapper = MAPPERS["document"]
        q = quantities.c
        counts = (
            select(q.version_id, func.count().label("quantities"), func.sum(case((q.claim, 1), else_=0)).label("claims"))
            .where(q.superseded_by.is_(None))
            .group_by(q.version_id)
            .subquery()
        )
        names = [name for name in mapper.fields if text or name not in ("text", "ocr")]  # ocr: a scan's boxes, large
        query = (
            select(*(documents.c[name] for name in names), documents.c.run_id, documents.c.stored_at,
                   func.coalesce(counts.c.quantities, 0).label("quantities"),
                   func.coalesce(counts.c.claims, 0).label("claims"), documents.c.location)
            .select_from(documents.outerjoin(counts, counts.c.version_id == documents.c.version_id))
            .where(CURRENT, documents.c.duplicate_of.is_(None))
            .order_by(self._bytewise(documents.c.path), documents.c.location)
        )
        import pandas as pd

        copies: dict[str, list[str]] = {}
        for row in self.duplicates():
            copies.setdefault(row["duplicate_of"], []).append(row["path"])
        with self._reading("cannot read documents") as conn:
            result = conn.execute(query)
            frame = pd.DataFrame(result.all(), columns=list(result.keys()))
        frame["stored_at"] = pd.to_datetime(frame["stored_at"], utc=True)
        frame["duplicates"] = pd.Series([copies.get(location, []) for location in frame["location"]], dtype=object)
        return frame

    def duplicates(self) -> list[dict[str, Any]]:
        """The duplicate submissions: current files whose bytes are current at another location
        (listed and counted once, as that document). Each: ``path`` and ``location`` of the copy,
        ``doc_id``, and ``duplicate_of`` (the location of the document) with ``original_path``."""
        d = documents.c
        original = documents.alias("original")
        o = original.c
        with self._reading("cannot read duplicates") as conn:
            rows = conn.execute(
                select(d.path, d.location, d.doc_id, d.duplicate_of, o.path.label("original_path"))
                .select_from(documents.outerjoin(original, (o.location == d.duplicate_of) & o.superseded_by.is_(None)))
                .where(CURRENT, d.duplicate_of.is_not(None))
                .order_by(self._bytewise(d.path), d.location)
            ).all()
        return [dict(row._mapping) for row in rows]

    def claims(
        self,
        indicator: str | None = None,
        subject: str | None = None,
        period: str | None = None,
        level: str | None = None,
        doc_id: str | None = None,
        targets: str = "include",
        subject_exact: bool = False,
    ) -> pd.DataFrame:
        """The current claims, one row per claim (by path, then offset), with the ``title`` and
        ``published`` date of their document. ``value``, ``low``, ``high`` hold ``Decimal``
        objects (object dtype), never floats; ``parent`` is a nullable integer; ``target`` is a
        nullable boolean (missing for claims stored before chanjia marked targets); ``why`` holds
        the dict of the rules or model that decided each field.

        A figure reviewed (``chanjia serve``) is as its latest decision leaves it, and filtered
        as such: ``reviewed_by``, ``reviewed_at`` (ISO text, UTC) and ``review`` (``confirm`` or
        ``correct``) say so; a rejected one is left out. Unreviewed claims have them ``None``.

        Args:
            indicator: an indicator id of ``lexicons/indicators.yaml``.
            subject: a region (``无锡``, ``无锡市``, ``惠山区总工会``): the claims about it and about
                everything under it (its districts, towns and organisations), by ``subject_code``.
                Anything else (``星光工匠学院``), or any subject with ``subject_exact``: part of the
                subject as written (``无锡`` matches ``无锡市`` but not ``惠山区``).
            period: a year (``2022``, which matches ``2022-03`` too) or a year-month.
            level: national, provincial, city, district, town, park or enterprise.
            doc_id: one document.
            subject_exact: match ``subject`` against the subject as written only, as before
                subjects had codes.
            targets: ``include`` (the default) keeps targets (figures planned or aimed at,
                ``target`` true) beside what was achieved; ``exclude`` leaves them out, e.g. to add
                figures up; ``only`` keeps only them. Claims stored before targets were marked
                count as achieved.

        Raises:
            ConfigError: an unknown indicator, level or ``targets``, or a period that is no year.
        """
        filters: dict[str, Any] = dict(indicator=indicator, subject=subject, period=period, level=level, doc_id=doc_id,
                                       targets=targets, subject_exact=subject_exact)
        query = self._claims_query(**filters)
        q = quantities.c
        import pandas as pd

        latest = self.latest_reviews()
        with self._reading("cannot read claims") as conn:
            result = conn.execute(query.order_by(self._bytewise(q.path), q.start, q.id))
            columns = [*result.keys(), "reviewed_by", "reviewed_at", "review"]
            rows = [dict(row._mapping) for row in result]
            if latest:
                # Reviewed figures: as their latest decision leaves them, filtered as reviewed.
                rows = [row for row in rows if (row["doc_id"], row["start"], row["end"]) not in latest]
                rows += self._reviewed_claims(conn, latest, filters)
                rows.sort(key=lambda row: (row["path"], row["start"]))  # code points: as the query orders
        return _claims_frame(rows, columns)

    def claims_page(self, offset: int = 0, limit: int = 200, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        """One page of :meth:`claims` (the same filters, order and reviewed values) without
        reading the others: ``(rows, total)``, rows as dicts. The unreviewed claims are counted
        and paged in SQL; the reviewed ones (as their decisions leave them) are merged in.

        Raises:
            ConfigError: as :meth:`claims`.
        """
        from sqlalchemy import exists

        query = self._claims_query(**filters)
        q, r = quantities.c, reviews.c
        filters = {"indicator": None, "subject": None, "period": None, "level": None, "doc_id": None,
                   "targets": "include", "subject_exact": False, **filters}
        paged = query
        if self.engine.dialect.name == "sqlite":
            # SQLite's planner would take the index on ``claim`` (a third of all rows) and sort
            # them all for every page; without it, it walks the filter's index or the page order
            paged = self._claims_query(**filters, claim_index=False)
        unreviewed = paged.where(~exists().where(r.doc_id == q.doc_id, r.start == q.start, r.end == q.end))
        token, latest = self.latest_reviews_state()
        with self._reading("cannot read claims") as conn:
            state = self._documents_state(conn)
            # the reviewed claims as their decisions leave them, made again only when decisions
            # were added or documents written (each page view would otherwise look at every decision)
            mine, extracted = memo(self, "_reviewed_pages", 64).get(
                (state, token, tuple(sorted((k, str(v)) for k, v in filters.items()))),
                lambda: self._reviewed_page_rows(conn, latest, filters, state))
            # the unreviewed claims: all claims as extracted (counted once per state of the
            # documents) less the reviewed ones that were among them
            total = self._extracted_count(conn, paged, filters, state) - extracted  # by the filter's index too
            low = max(0, offset - len(mine))
            result = conn.execute(unreviewed.order_by(self._bytewise(q.path), q.start, q.id)
                                  .offset(low).limit(limit + len(mine)))
            fetched = [dict(row._mapping) for row in result]
        key = lambda row: (row["path"], row["start"], row["end"])  # noqa: E731
        ended = len(fetched) < limit + len(mine)
        last = key(fetched[-1]) if fetched else None
        first = key(fetched[0]) if fetched else None
        before = 0 if low == 0 or first is None else sum(key(row) < first for row in mine)
        taken = [dict(row) for row in mine[before:] if ended or last is None or key(row) <= last]  # kept: copies
        window = sorted(fetched + taken, key=key)
        at = offset - (low + before)
        for row in fetched:
            row.update(reviewed_by=None, reviewed_at=None, review=None)
        return window[at : at + limit], total + len(mine)

    def _reviewed_page_rows(self, conn: Connection, latest: Mapping[tuple[str, int, int], Mapping[str, Any]],
                            filters: Mapping[str, Any], state: tuple[Any, Any]) -> tuple[list[dict[str, Any]], int]:
        """The reviewed claims that pass ``filters`` as reviewed, in page order, and how many
        reviewed figures pass them as extracted."""
        extracted = [0]
        mine = self._reviewed_claims(conn, latest, filters, extracted, state) if latest else []
        mine.sort(key=lambda row: (row["path"], row["start"], row["end"]))
        return mine, extracted[0]

    def _extracted_count(self, conn: Connection, query: Select[Any], filters: Mapping[str, Any],
                         state: tuple[Any, Any] | None = None) -> int:
        """How many claims as extracted pass ``filters`` (``query``), counted again only when
        documents were written or removed since (a new version or a new run): counting half a
        million rows on every page view would make the page slow. ``state``: the documents'
        (:meth:`_documents_state`), when the caller read it already."""
        key = (state or self._documents_state(conn), tuple(sorted((k, str(v)) for k, v in filters.items())))
        return memo(self, "_counted", 256).get(  # type: ignore[no-any-return]
            key, lambda: conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0)

    def _documents_state(self, conn: Connection) -> tuple[Any, Any]:
        """What changes when documents are written or removed: the newest version and the runs."""
        newest = select(func.max(documents.c.version_id)).scalar_subquery()
        ran = select(func.count()).select_from(runs).scalar_subquery()
        return tuple(conn.execute(select(newest, ran)).one())  # type: ignore[return-value]  # one round trip

    def _claims_query(self, *, indicator: str | None = None, subject: str | None = None, period: str | None = None,
                      level: str | None = None, doc_id: str | None = None, targets: str = "include",
                      subject_exact: bool = False, claim_index: bool = True) -> Select[Any]:
        """The claims as extracted that pass the filters (see :meth:`claims`), unordered;
        ``claim_index=False`` keeps the database from reading them by the index on ``claim``."""
        if targets not in TARGETS:
            raise ConfigError(value_invalid_msg("targets", targets, TARGETS))
        q = quantities.c
        query = (
            select(*(q[name] for name in _CLAIM_COLUMNS), documents.c.title, documents.c.published)
            .join_from(quantities, documents, documents.c.version_id == q.version_id)
            .where(q.claim.is_(True) if claim_index else func.coalesce(q.claim, False).is_(True), q.superseded_by.is_(None))
        )
        if indicator is not None:
            from .._lexicon import indicators

            if indicator not in indicators().ids:
                raise ConfigError(value_invalid_msg("indicator", indicator, indicators().ids))
            query = query.where(q.indicator == indicator)
        if subject is not None:
            query = query.where(_subject_filter(subject, exact=subject_exact))
        if period is not None:
            if not RE_PERIOD.fullmatch(period):
                raise ConfigError(f"`period` = {period!r} is invalid; give a year (2022) or a year-month (2022-03)")
            query = query.where(or_(q.period == period, q.period.startswith(f"{period}-", autoescape=True)))
        if level is not None:
            if level not in LEVELS:
                raise ConfigError(value_invalid_msg("level", level, LEVELS))
            query = query.where(q.level == level)
        if doc_id is not None:
            query = query.where(q.doc_id == doc_id)
        if targets == "exclude":
            query = query.where(q.target.is_not(True))  # NULL: stored before targets were marked
        elif targets == "only":
            query = query.where(q.target.is_(True))
        return query

    def _reviewed_claims(self, conn: Connection, latest: Mapping[tuple[str, int, int], Mapping[str, Any]],
                         filters: Mapping[str, Any], extracted: list[int] | None = None,
                         state: tuple[Any, Any] | None = None) -> list[dict[str, Any]]:
        """The reviewed figures as their latest decisions leave them, filtered as reviewed;
        ``extracted`` (a one-item list) counts those that pass the filters as extracted."""
        rows = []
        for item, reviewed in self._reviewed_figures(conn, latest, state).values():
            if extracted is not None and matches(item, **filters):  # type: ignore[arg-type]
                extracted[0] += 1
            if reviewed is not None and matches(reviewed, **filters):  # type: ignore[arg-type]
                out = dict(reviewed)
                out.pop("claim", None)
                rows.append(out)
        return rows

    def _reviewed_figures(self, conn: Connection, latest: Mapping[tuple[str, int, int], Mapping[str, Any]],
                          state: tuple[Any, Any] | None = None
                          ) -> dict[tuple[str, int, int], tuple[dict[str, Any], dict[str, Any] | None]]:
        """Each current reviewed figure as extracted and as its latest decision leaves it (``None``:
        rejected). Kept per figure and decision, so a page view after a new decision reads only the
        figures decided on since, not all of them (until documents are written)."""
        from sqlalchemy import tuple_

        q = quantities.c
        state = state or self._documents_state(conn)
        cache: dict[Any, Any] = self.__dict__.setdefault("_reviewed_figures_cache", {})
        known: dict[tuple[str, int, int], tuple[int, Any]] | None = cache.get(state)
        if known is None:
            known = {}
            cache.clear()
            cache[state] = known
        stale = sorted(key for key, review in latest.items() if known.get(key, (None,))[0] != review["version"])
        found: dict[tuple[str, int, int], dict[str, Any]] = {}
        # 50 spans a query: the database compares each quantity of their documents with each span
        for at in range(0, len(stale), 50):
            every = (
                select(*(q[name] for name in _CLAIM_COLUMNS), q.claim, documents.c.title, documents.c.published)
                .join_from(quantities, documents, documents.c.version_id == q.version_id)
                .where(q.superseded_by.is_(None), q.doc_id.in_(sorted({k[0] for k in stale[at : at + 50]})),
                       tuple_(q.doc_id, q.start, q.end).in_(stale[at : at + 50]))  # doc_id: its index
            )
            for row in conn.execute(every):
                item = dict(row._mapping)
                found[(item["doc_id"], item["start"], item["end"])] = item
        for key in stale:
            review = latest[key]
            extracted = found.get(key)
            reviewed = None
            if extracted is not None:
                reviewed = apply_review(extracted, review)
                if reviewed is not None:
                    reviewed["reviewed_at"] = reviewed["reviewed_at"].isoformat()
                    for name in ("value", "low", "high"):
                        reviewed[name] = None if reviewed.get(name) is None else Decimal(str(reviewed[name]))
            known[key] = (review["version"], None if extracted is None else (extracted, reviewed))
        return {key: known[key][1] for key in latest if known.get(key, (None, None))[1] is not None}

    def table(
        self,
        by: str = "district",
        indicator: str | None = None,
        year: int | str | None = None,
        subject: str | None = None,
        targets: str = "include",
        ledger: bool = True,
    ) -> pd.DataFrame:
        """The assessment table (:mod:`chanjia_nlp.assessment`): one row per region at level
        ``by`` (district, city, province), indicator, year and target-or-not, with the figure the
        policy chose, its evidence, the candidates it was chosen over (``candidates``: dicts with
        ``lost``, why each lost), and with ``ledger`` the 台账 value and verdict of the stored
        ``chanjia check`` findings. ``value``, ``low``, ``high`` and ``ledger_value`` hold
        ``Decimal`` objects. ``subject`` keeps one region and the regions under it.

        Raises:
            ConfigError: an unknown level, indicator or ``targets``, a year that is no year, or a
                subject that is no region.
        """
        from ..assessment import COLUMNS
        from ..subjects import resolve_region

        if indicator is not None:
            from .._lexicon import indicators

            if indicator not in indicators().ids:
                raise ConfigError(value_invalid_msg("indicator", indicator, indicators().ids))
        if year is not None and not re.fullmatch(r"[0-9]{4}", str(year)):
            raise ConfigError(f"`year` = {year!r} is invalid; give a year such as 2022")
        region = None
        if subject is not None:
            found = resolve_region(subject)
            if found is None:
                raise ConfigError(f"`subject` = {subject!r} is no district, city or province of the gazetteer; "
                                  "give one such as 无锡, 惠山区 or 江苏省")
            region = found.code
        import pandas as pd

        if region is not None:  # a district's page: made again only when what it reads changed
            import copy

            return pd.DataFrame(copy.deepcopy(self._region_table(by, indicator, year, region, targets, ledger)),
                                columns=list(COLUMNS), dtype=object)
        rows = self._table_rows(by, indicator, year, region, targets, ledger)
        return pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)

    def region_table(self, region: str, by: str = "district") -> list[dict[str, Any]]:
        """The rows of :meth:`table` for the region with the division code ``region`` (with
        ``ledger``, targets included) as dicts, each a new dict whose lists and dicts (evidence,
        candidates) are shared with the store's cache: read them, do not change them. Made again
        only when what it reads changed; what ``chanjia serve``'s district page reads.

        Raises:
            ConfigError: an unknown level.
        """
        return [dict(row) for row in self._region_table(by, None, None, region, "include", True)]

    def district_table(self, region: str) -> tuple[tuple[Any, ...], list[dict[str, Any]]]:
        """``(token, rows)``: the rows of :meth:`region_table` of the region with the division code
        ``region`` by district, with only the ``candidates`` set aside for a figure of another
        scope (shared with the store's cache: read them, do not change them; what ``chanjia
        serve``'s district page shows), and
        a token that changes whenever they may have: ``((newest document version, runs, state of
        the region's findings), serial)``. Kept per region; a decision on figures makes only the
        rows they are or were candidates of again (:mod:`.districts`)."""
        tables = self.__dict__.get("_district_tables")
        if tables is None:
            tables = self.__dict__.setdefault("_district_tables", DistrictTables(self))
        return tables.get(region)  # type: ignore[no-any-return]

    def _region_table(self, by: str, indicator: str | None, year: int | str | None, region: str, targets: str,
                      ledger: bool) -> list[dict[str, Any]]:
        key = (by, indicator, year, region, targets, ledger, self._region_state(region))
        return memo(self, "_tables").get(  # type: ignore[no-any-return]
            key, lambda: self._table_rows(by, indicator, year, region, targets, ledger))

    def _table_rows(self, by: str, indicator: str | None, year: int | str | None, region: str | None, targets: str,
                    ledger: bool, latest: Mapping[tuple[str, int, int], Mapping[str, Any]] | None = None
                    ) -> list[dict[str, Any]]:
        from ..assessment import assessment_table

        if region is None:
            records: Iterable[dict[str, Any]] = self.records(types=["document", "quantity"], reviewed=True)
        else:
            records = self._region_records(region, latest)
        if not ledger:
            found_ledger = []
        elif region is None:
            found_ledger = list(self.findings(check="ledger"))
        else:  # only a finding about the region or a division under it can meet one of its rows
            found_ledger = self.region_findings(region)
        return assessment_table(records, found_ledger, by=by, indicator=indicator, year=year, region=region,
                                targets=targets)

    def _region_state(self, region: str) -> tuple[Any, ...]:
        """What a table of ``region`` depends on, cheaply: the state of the documents and findings,
        and the latest decision on every figure that is or may become a claim of the region (one
        in a document with claims about it, or corrected to a subject in it)."""
        from ..subjects import canonical_subject, codes_under

        under = codes_under(region)
        with self._reading("cannot read the state of the database") as conn:
            state = (*self._documents_state(conn), self._findings_state(conn, under))
            known: dict[Any, frozenset[str]] = self.__dict__.setdefault("_region_docs", {})
            if (state[:2], region) not in known:
                if len(known) >= 256:
                    known.clear()
                q = quantities.c
                known[(state[:2], region)] = frozenset(conn.execute(
                    select(q.doc_id).distinct().where(func.coalesce(q.claim, False).is_(True), q.superseded_by.is_(None),
                                                      q.subject_code.in_(sorted(under)))).scalars())
            docs = known[(state[:2], region)]
        decided = []
        for key, review in self.latest_reviews().items():
            after = review.get("after") or {}
            moved = review["action"] == "correct" and canonical_subject(after.get("subject")).code in under
            if key[0] in docs or moved:
                decided.append((key, review["version"]))
        return (state, tuple(sorted(decided)))

    def region_token(self, region: str) -> tuple[Any, ...]:
        """A value that changes whenever the table of ``region`` (a division code) or its 台账
        findings as reviewed may: documents written, findings stored, a decision on a figure that
        is or may become one of its claims, or on one of its findings. Cheap (a few index reads),
        so a page made from them can be kept until it changes."""
        from ..subjects import codes_under

        state = self._region_state(region)
        ids: dict[Any, frozenset[str]] = self.__dict__.setdefault("_region_findings", {})
        key = (state[0], region)
        if key not in ids:
            if len(ids) >= 256:
                ids.clear()
            f = findings.c
            with self._reading("cannot read findings") as conn:
                ids[key] = frozenset(conn.execute(select(f.finding_id).where(
                    f.check == "ledger", f.subject_code.in_(sorted(codes_under(region))))).scalars())
        latest = self.latest_finding_reviews()
        return (state, tuple(sorted((ident, latest[ident]["version"]) for ident in ids[key] if ident in latest)))

    def region_findings(self, region: str) -> list[dict[str, Any]]:
        """The stored ledger findings about the region with the division code ``region`` or a
        division under it, in the order they were stored, as extracted (no review applied); read
        again only when findings were stored since. The dicts are shared: read them, do not change
        them."""
        from ..subjects import codes_under

        return self.region_findings_state(region)[1]

    def region_findings_state(self, region: str, state: tuple[Any, Any] | None = None
                              ) -> tuple[tuple[Any, Any], list[dict[str, Any]]]:
        """``(state, findings)``: :meth:`region_findings` and a value that changes whenever they
        may (``state``: that value as the caller just read it, :meth:`district_table`'s)."""
        from ..subjects import codes_under

        under = codes_under(region)
        if state is None:
            with self._reading("cannot read findings") as conn:
                state = self._findings_state(conn, under)
        return state, memo(self, "_region_findings_rows", 160).get(
            (state, region), lambda: self.findings_page(0, 10**9, check="ledger", codes=under)[0])

    def _findings_state(self, conn: Connection, under: AbstractSet[str] | None = None) -> tuple[Any, Any]:
        """How many findings there are (about the divisions ``under``) and when the newest was
        stored: what changes when findings are stored (``stored_at`` is set on every write) or
        deleted. All findings: two index reads (a count and a max asked together would read every
        finding); a region's: its findings by the index of their subject code."""
        f = findings.c
        if under is not None:
            return tuple(conn.execute(select(func.count(), func.max(f.stored_at))  # type: ignore[return-value]
                                      .where(f.subject_code.in_(sorted(under)))).one())
        return (conn.execute(select(func.count()).select_from(findings)).scalar(),
                conn.execute(select(func.max(f.stored_at))).scalar())

    def _region_records(self, region: str, latest: Mapping[tuple[str, int, int], Mapping[str, Any]] | None = None
                        ) -> Iterator[dict[str, Any]]:
        """What a table of ``region`` (a division code) reads, as :meth:`records` gives it with
        ``reviewed``: the claims about the region or a division under it and the figures a
        decision made about one (a correction may move a figure into the region), after their
        documents; other figures, and documents without such claims, are left out (no row of the
        region uses them). ``latest``: the decisions to apply (:meth:`latest_reviews`)."""
        from ..subjects import codes_under

        q = quantities.c
        latest = self.latest_reviews() if latest is None else latest
        under = codes_under(region)
        with self._reading("cannot read claims") as conn:
            moved = sorted(key for key, (_, reviewed) in self._reviewed_figures(conn, latest).items()
                           if reviewed is not None and reviewed.get("subject_code") in under)
            wanted = [(func.coalesce(q.claim, False).is_(True), q.subject_code.in_(sorted(under)))]  # by the subject's index
            stream = read_quantities(conn, wanted + by_spans(moved))
        return _reviewed(iter(stream), latest)

    def stats(self) -> dict[str, Any]:
        """Counts for a quick look: current documents by status, records by type, claims per
        indicator, per subject and per year (of ``period``), findings per check and verdict.
        Lists are most frequent first (years in order); ``None`` stands for "not stated". Subjects
        are counted by their canonical name (``惠山``, ``惠山区`` and ``惠山区总工会`` are one 惠山区).

        Claims are counted whole (``claims``) and apart: ``achieved`` and ``targets`` (figures
        planned or aimed at, ``target`` true), at the top and in every row of the lists. Claims
        stored before targets were marked count as achieved."""
        q = quantities.c
        claims = (q.claim.is_(True), q.superseded_by.is_(None))
        year = func.substr(q.period, 1, 4)
        n = func.count().label("n")
        planned = func.sum(case((q.target.is_(True), 1), else_=0)).label("targets")
        with self._reading("cannot read statistics") as conn:
            status: dict[str, int] = dict(conn.execute(select(documents.c.status, n).where(CURRENT, documents.c.duplicate_of.is_(None))
                                       .group_by(documents.c.status)).all())
            duplicates = conn.execute(select(func.count()).select_from(documents)
                                      .where(CURRENT, documents.c.duplicate_of.is_not(None))).scalar()
            removed = conn.execute(select(func.count()).select_from(documents).where(documents.c.removed.is_(True))).scalar()
            totals = {
                name: conn.execute(select(func.count()).select_from(table).where(table.c.superseded_by.is_(None))).scalar()
                for name, table in (("quantities", quantities), ("programmes", programmes), ("entities", entities))
            }
            per = {
                label: [(key, count, int(targets or 0)) for key, count, targets in
                        conn.execute(select(column, n, planned).where(*claims).group_by(column)).all()]
                for label, column in (("indicator", q.indicator), ("subject", func.coalesce(q.subject_name, q.subject)), ("year", year))
            }
            checks = conn.execute(
                select(findings.c.check, findings.c.verdict, n).group_by(findings.c.check, findings.c.verdict)
            ).all()
            run_count = conn.execute(select(func.count()).select_from(runs)).scalar()
        return {
            "documents": {"ok": status.pop("ok", 0), "error": status.pop("error", 0), **status},
            "duplicates": duplicates,  # copies of a current document's bytes at other locations, not counted
            "removed": removed,  # versions of files gone from their folder, kept as history
            **totals,
            "claims": sum(count for _, count, _ in per["indicator"]),
            "achieved": sum(count - targets for _, count, targets in per["indicator"]),
            "targets": sum(targets for _, _, targets in per["indicator"]),
            "claims_per_indicator": _ranked("indicator", per["indicator"]),
            "claims_per_subject": _ranked("subject", per["subject"]),
            "claims_per_year": [
                _counted("year", *row) for row in sorted(per["year"], key=lambda p: (p[0] is None, p[0] or ""))
            ],
            "findings": [
                {"check": c, "verdict": v, "findings": count} for c, v, count in sorted(checks, key=lambda r: (r[0], r[1]))
            ],
            "runs": run_count,
        }

    def runs(self) -> pd.DataFrame:
        """Every run, oldest first: id, command, extractor version, start and end, summary."""
        import pandas as pd

        with self._reading("cannot read runs") as conn:
            result = conn.execute(select(runs).order_by(runs.c.started))
            frame = pd.DataFrame(result.all(), columns=list(result.keys()))
        for name in ("started", "finished"):
            frame[name] = pd.to_datetime(frame[name], utc=True)
        return frame

    # -- findings ----------------------------------------------------------------------------

    def write_findings(self, found: Iterable[Mapping[str, Any]], run_id: str | None = None,
                       *, replace_ledgers: Iterable[str] = ()) -> int:
        """Store findings (dicts of the shared finding interface) in one transaction; a finding
        whose ``finding_id`` is stored already is updated, not added again. Returns how many
        distinct findings were written. ``replace_ledgers``: ledger files checked again; their
        stored ``ledger`` findings are deleted first (in the same transaction), so a revised 台账
        replaces its findings instead of adding to them.

        Raises:
            StoreError: a finding with an unknown check or verdict, or a field of the wrong type;
                nothing is stored.
        """
        rows: dict[str, dict[str, Any]] = {}
        try:
            for finding in found:
                row = _finding_row(finding)
                rows[row["finding_id"]] = row  # the last of two with one id wins, as a later write would
        except ValueError as exc:
            raise StoreError(f"cannot store findings: {exc}; none were stored") from None
        replaced = set(replace_ledgers)
        if not rows and not replaced:
            return 0
        now = _now()
        for row in rows.values():
            row["run_id"], row["stored_at"] = run_id, now
        insert = self._insert(findings)
        changing = [c.name for c in findings.columns if c.name not in ("id", "finding_id")]
        statement = insert.on_conflict_do_update(
            index_elements=["finding_id"], set_={name: insert.excluded[name] for name in changing}
        )
        with self._writing("cannot store findings (none were stored)") as conn:
            wanted = sorted(replaced)
            for at in range(0, len(wanted), 500):
                conn.execute(findings.delete().where(findings.c.check == "ledger",
                                                     findings.c.ledger_file.in_(wanted[at : at + 500])))
            if rows:
                conn.execute(statement, list(rows.values()))
        return len(rows)

    def findings(
        self, check: str | None = None, verdict: str | None = None, run_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """The stored findings, in the order they were first written, as finding dicts (with the
        ``run_id`` that wrote them last).

        Raises:
            ConfigError: an unknown check or verdict.
        """
        query = select(findings.c.run_id, *FINDINGS.columns()).order_by(findings.c.id)
        if check is not None:
            if check not in CHECKS:
                raise ConfigError(value_invalid_msg("check", check, CHECKS))
            query = query.where(findings.c.check == check)
        if verdict is not None:
            if verdict not in VERDICTS:
                raise ConfigError(value_invalid_msg("verdict", verdict, VERDICTS))
            query = query.where(findings.c.verdict == verdict)
        if run_id is not None:
            query = query.where(findings.c.run_id == run_id)
        return self._stream_findings(query)

    def _stream_findings(self, query: Select[Any]) -> Iterator[dict[str, Any]]:
        with self._reading("cannot read findings") as conn:
            for row in conn.execute(query):
                finding = FINDINGS.to_record(row)
                finding["run_id"] = row.run_id
                yield finding

    # -- plumbing ----------------------------------------------------------------------------

    def _migrate(self, *, create: bool) -> None:
        try:
            with self.engine.connect() as conn:
                found = current_version(conn, schema=self.schema, where=self.url)
            if found == newest_version():
                return
            if found == 0 and not create:
                raise StoreError(f"no chanjia tables in {self.url}; run chanjia extract first")
            with self._writing(f"cannot create the tables in {self.url}") as conn:
                if conn.dialect.name == "postgresql":
                    # One migrating process at a time; the others find the work done.
                    conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"chanjia_nlp.store:{self.schema}"))))
                    if self.schema is not None:
                        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                upgrade(conn, schema=self.schema, where=self.url)
        except SQLAlchemyError as exc:  # unreachable, or not a database at all ("file is not a database")
            raise StoreError(f"cannot open {self.url}: {failure_reason(exc)}; check the path or URL and the server") from exc

    def _states(self, *where: Any) -> dict[str, DocumentState]:
        d = documents.c
        with self._reading("cannot read document states") as conn:
            found = conn.execute(
                select(d.path, d.location, d.duplicate_of, d.doc_id, d.extractor_version, d.status, d.run_id,
                       d.stored_at).where(CURRENT, *where)
            ).all()
            originals: dict[str, str] = {}
            wanted = sorted({row.duplicate_of for row in found if row.duplicate_of is not None})
            for at in range(0, len(wanted), 500):
                originals.update(conn.execute(
                    select(d.location, d.doc_id).where(CURRENT, d.duplicate_of.is_(None), d.location.in_(wanted[at : at + 500]))
                ).all())
        return {
            (row.location or row.path): DocumentState(
                path=row.path, doc_id=row.doc_id, extractor_version=row.extractor_version, status=row.status,
                run_id=row.run_id, stored_at=_utc(row.stored_at), location=row.location or row.path,
                duplicate_of=row.duplicate_of,
                original_current=row.duplicate_of is None or originals.get(row.duplicate_of) == row.doc_id,
            )
            for row in found
        }

    def _counts(self, conn: Connection, keys: list[int]) -> dict[int, dict[str, int]]:
        counts: dict[int, dict[str, int]] = {
            key: dict.fromkeys(("quantities", "claims", "programmes", "entities"), 0) for key in keys
        }
        if not keys:
            return counts
        q = quantities.c
        for key, n, claims in conn.execute(
            select(q.version_id, func.count(), func.sum(case((q.claim, 1), else_=0)))
            .where(q.version_id.in_(keys)).group_by(q.version_id)
        ):
            counts[key].update(quantities=n, claims=int(claims))
        for name, table in (("programmes", programmes), ("entities", entities)):
            for key, n in conn.execute(
                select(table.c.version_id, func.count()).where(table.c.version_id.in_(keys)).group_by(table.c.version_id)
            ):
                counts[key][name] = n
        return counts

    def _bytewise(self, column: Any) -> Any:
        """``column`` ordered by code point, as Python and SQLite order strings, whatever the
        PostgreSQL database's locale."""
        return column.collate("C") if self.engine.dialect.name == "postgresql" else column

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has ON CONFLICT."""
        return (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert(table)

    @contextmanager
    def _writing(self, what: str) -> Iterator[Connection]:
        """A connection in a write transaction; database errors become one-line StoreErrors."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"{what}: {failure_reason(exc)}") from exc

    @contextmanager
    def _reading(self, what: str) -> Iterator[Connection]:
        """A connection to read with; database errors become one-line StoreErrors. On PostgreSQL
        it reads in autocommit mode: each statement sees what was committed when it began, as in
        the READ COMMITTED transactions PostgreSQL runs by default, without the round trips of a
        BEGIN and a ROLLBACK (``chanjia serve`` reads a few times on every page view)."""
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execution_options(isolation_level="AUTOCOMMIT")
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"{what} from {self.url}: {failure_reason(exc)}") from exc


def _claims_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame([[row.get(name) for name in columns] for row in rows], columns=columns, dtype=object)
    for name in ("start", "end"):
        frame[name] = frame[name].astype("int64")
    frame["parent"] = frame["parent"].astype("Int64")
    frame["target"] = frame["target"].astype("boolean")
    return frame


def _inside(location: str, folders: Iterable[str]) -> bool:
    """Whether ``location`` is one of ``folders`` or inside one of them."""
    return any(location == folder or location.startswith(folder.rstrip("/") + "/") for folder in folders)


def _subject_filter(subject: str, *, exact: bool) -> Any:
    """Claims about ``subject``: a region and everything under it (by code), else the text."""
    q = quantities.c
    written = q.subject.contains(subject, autoescape=True)
    if exact:
        return written
    from ..subjects import codes_under, resolve_region

    region = resolve_region(subject)
    if region is None:
        return or_(written, q.subject_name.contains(subject, autoescape=True))
    return q.subject_code.in_(sorted(codes_under(region.code)))


def _prepare(doc: Mapping[str, Any], records: Sequence[Mapping[str, Any]], location: str | None
             ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The ``documents`` row of ``doc`` and the rows of its records, by kind.

    Raises:
        StoreError: a record that does not fit its table (nothing of the document is stored).
    """
    records = _with_subjects(records)
    try:
        if doc.get("type", "document") != "document":
            raise ValueError(f"expected a document record, not a {doc.get('type')!r} record")
        version = MAPPERS["document"].to_row(doc)
        version["location"] = location if location is not None else version["path"]
        version["legacy"] = version["path"]  # a version stored before locations (schema 5)
        fixed = {"doc_id": version["doc_id"], "path": version["path"]}
        rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _CHILDREN}
        for record in records:
            kind = record.get("type")
            if kind not in rows:
                raise ValueError(value_invalid_msg("type", kind, _CHILDREN))
            rows[kind].append(MAPPERS[kind].to_row(record, **fixed))
    except ValueError as exc:
        raise StoreError(f"cannot store {doc.get('path')}: {exc}; nothing of it was stored") from None
    return version, rows


def _insert_records(conn: Connection, statement: Any, kind: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows of one record table: on PostgreSQL with ``COPY … FROM STDIN`` (one stream for
    all rows; psycopg's executemany sends a statement per row, and the main process of a run of 2
    workers spent 2.3 ms per document writing, 1.3 ms with COPY), on SQLite with the driver's own
    executemany (SQLAlchemy built each row's parameters again: 0.9 ms a document of the main
    process's time), elsewhere with SQLAlchemy's executemany."""
    columns = tuple(rows[0])
    if not all(tuple(row) == columns for row in rows):
        conn.execute(statement, rows)
    elif conn.dialect.name == "postgresql":
        _copy(conn, RECORD_TABLES[kind], columns, rows)
    elif conn.dialect.name == "sqlite":
        _executemany(conn, RECORD_TABLES[kind], columns, rows)
    else:
        conn.execute(statement, rows)


def _executemany(conn: Connection, table: Any, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """``INSERT INTO table (columns) VALUES (?, …)`` through the driver's executemany in ``conn``'s
    transaction, each value bound by its column type's own bind processor (what SQLAlchemy's insert
    applies); a database error is raised as SQLAlchemy's, so the write fails and rolls back as an
    insert's would."""
    from sqlalchemy.exc import DBAPIError, StatementError

    dialect = conn.dialect
    # (the processor SQLAlchemy's compiled insert applies: a TypeDecorator's own bind step included)
    binders = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    sql = (f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, columns))}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    try:
        values = [tuple(value if f is None or value is None else f(value)
                        for f, value in zip(binders, row.values(), strict=True)) for row in rows]
    except (TypeError, ValueError) as exc:  # a value its column refuses, as an insert's binding would
        raise StatementError(str(exc), sql, None, exc) from exc
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    except dialect.dbapi.Error as exc:  # type: ignore[union-attr]
        raise DBAPIError(sql, None, exc) from exc
    finally:
        cursor.close()


def _copy(conn: Connection, table: Any, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` in ``conn``'s transaction, each value as the insert would
    bind it (JSON through the engine's serializer, decimals checked); a database error is raised as
    SQLAlchemy's, so the write fails and rolls back as an insert's would."""
    import psycopg
    from sqlalchemy import JSON
    from sqlalchemy.exc import DBAPIError, StatementError

    from .connect import json_text
    from .schema import ExactDecimal

    dialect = conn.dialect
    convert: list[Any] = []
    for name in columns:
        kind = table.c[name].type
        if isinstance(kind, JSON):
            convert.append(json_text)
        elif isinstance(kind, ExactDecimal):
            convert.append(lambda value, kind=kind: kind.process_bind_param(value, dialect))
        else:
            convert.append(None)
    sql = f"COPY {_quoted(table.name)} ({', '.join(map(_quoted, columns))}) FROM STDIN"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([value if f is None or value is None else f(value)
                                for f, value in zip(convert, row.values(), strict=True)])
    except psycopg.Error as exc:
        raise DBAPIError(sql, None, exc) from exc
    except (TypeError, ValueError) as exc:  # a value its column refuses, as an insert's binding would
        raise StatementError(str(exc), sql, None, exc) from exc
    finally:
        cursor.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _with_subjects(records: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """The records, with ``subject_code`` and ``subject_name`` on claims that lack them (records
    made by ``to_dict`` rather than ``chanjia extract``), organisations under the document's region."""
    if all("subject_code" in r for r in records if r.get("type") == "quantity"):
        return records
    from ..subjects import annotate

    copies = [dict(r) if r.get("type") == "quantity" and "subject_code" not in r else r for r in records]
    return annotate(copies)  # type: ignore[type-var]  # only claims without a subject are written to: the copies


def _finding_row(finding: Mapping[str, Any]) -> dict[str, Any]:
    if finding.get("check") not in CHECKS:
        raise ConfigError(value_invalid_msg("check", finding.get("check"), CHECKS))
    if finding.get("verdict") not in VERDICTS:
        raise ConfigError(value_invalid_msg("verdict", finding.get("verdict"), VERDICTS))
    ledger = finding.get("ledger")
    if ledger is not None and not isinstance(ledger, Mapping):
        raise ConfigError(f"finding {finding.get('finding_id')}: `ledger` must be an object or null")
    if "subject_code" not in finding:  # a finding made before findings carried subject codes
        from ..subjects import canonical_subject

        subject = finding.get("subject")
        code, name = canonical_subject(subject if isinstance(subject, str) else None)
        finding = {**finding, "subject_code": code, "subject_name": name}
    row = FINDINGS.to_row(finding)
    cell = ledger or {}
    for column, key, kind in (("ledger_file", "file", str), ("ledger_sheet", "sheet", str),
                              ("ledger_row", "row", int), ("ledger_column", "column", str)):
        value = cell.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise ConfigError(f"finding {finding.get('finding_id')}: ledger {key} = {value!r} is not {kind.__name__}")
        row[column] = value
    return row


def _counted(name: str, key: Any, count: int, targets: int) -> dict[str, Any]:
    return {name: key, "claims": count, "achieved": count - targets, "targets": targets}


def _ranked(name: str, counts: list[tuple[Any, int, int]]) -> list[dict[str, Any]]:
    """``(key, claims, targets)`` rows, most claims first."""
    ordered = sorted(counts, key=lambda row: (-row[1], row[0] is None, row[0] or ""))
    return [_counted(name, *row) for row in ordered]


def _as_list(values: Iterable[str] | str) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def _now() -> datetime:
    return datetime.now(UTC)


@overload
def _utc(moment: datetime) -> datetime: ...


@overload
def _utc(moment: None) -> None: ...


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were written in UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def failure_reason(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__

