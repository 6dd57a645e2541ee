"""Several documents per transaction (issue 17): a batch stores exactly what writing the
documents one by one stores, commits whole or not at all, and a document that cannot be stored
is retried alone so it never costs the others. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

import chanjia_nlp
from chanjia_nlp.store import BatchWriter, StoreError
from chanjia_nlp.store import database as store_database

from .test_store import _synthetic, corpus, db, in_store_order, moved, snapshot, target  # noqa: F401  (fixtures)


def _copies(monkeypatch) -> list[str]:
    """The tables record rows were written into through the driver (PostgreSQL's COPY, SQLite's
    executemany: both run on the driver's cursor, past SQLAlchemy's statement events)."""
    tables: list[str] = []
    for name in ("_copy", "_executemany"):
        real = getattr(store_database, name)

        def recording(conn, table, columns, rows, real=real):
            tables.append(table.name)
            return real(conn, table, columns, rows)

        monkeypatch.setattr(store_database, name, recording)
    return tables


def test_a_batch_stores_what_writing_one_by_one_stores(db, corpus, monkeypatch):
    run_id = db.begin_run(command="chanjia extract corpus/", extractor_version=chanjia_nlp.__version__)
    statements: list[str] = []
    copies = _copies(monkeypatch)
    listen = lambda conn, cursor, statement, *rest: statements.append(statement.split("(")[0].strip())  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        answers = db.write_documents([(doc, records, None) for doc, records in corpus], run_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert answers == ["inserted"] * len(corpus)
    assert list(db.records()) == in_store_order(corpus)
    # one insert for the whole batch: the driver's executemany on SQLite, a COPY on PostgreSQL
    assert statements.count("INSERT INTO quantities") + copies.count("quantities") == 1
    assert copies == ["quantities", "programmes", "entities"]
    again = db.write_documents([(doc, records, None) for doc, records in corpus], run_id)
    assert again == ["unchanged"] * len(corpus)


def test_copies_and_replacements_inside_one_batch(db, corpus):
    (first, first_records), (second, second_records) = corpus[0], corpus[1]
    run_id = db.begin_run()
    db.write_document(first, first_records, run_id)
    copy = moved(first, first_records, "copy-of-first.txt")
    replacement = moved(second, second_records, first["path"])  # other bytes at the first one's location
    twice = moved(second, second_records, "second-again.txt")
    answers = db.write_documents([(*copy, "copy-of-first.txt"), (*replacement, None), (second, second_records, None),
                                  (*twice, "second-again.txt")], run_id)
    # as one by one: the copy is written while the first file is current (a duplicate); then the
    # second's bytes replace the first at its location, and the same bytes at two more
    # locations, later in the same batch, are duplicates of that
    assert answers == ["duplicate", "replaced", "duplicate", "duplicate"]
    dupes = {row["path"]: row["duplicate_of"] for row in db.duplicates()}
    assert dupes == {"copy-of-first.txt": first["path"], second["path"]: first["path"],
                     "second-again.txt": first["path"]}
    quantities = [r for r in db.records(types=["quantity"])]
    assert len(quantities) == sum(r["type"] == "quantity" for r in second_records)  # counted once


def test_a_bad_document_in_a_batch_costs_only_itself(db, corpus):
    run_id = db.begin_run()
    good = [(doc, records, None) for doc, records in corpus[:4]]
    bad_doc, bad_records = moved(*corpus[4], path="bad.txt")
    at = next(i for i, r in enumerate(bad_records) if r["type"] == "quantity")
    broken = [*bad_records[:at], {**bad_records[at], "value": "12x"}, *bad_records[at + 1 :]]
    with pytest.raises(StoreError, match="cannot store bad.txt: .*is not a decimal.*; nothing of it was stored"):
        db.write_documents([*good[:2], (bad_doc, broken, None), *good[2:]], run_id)
    stored = {doc["path"] for doc in db.records(types=["document"])}
    assert stored == {doc["path"] for doc, _, _ in good}  # every other document, and not the bad one
    assert list(db.records()) == in_store_order([(doc, records) for doc, records, _ in good])


def test_a_failed_batch_commits_nothing_then_each_document_is_retried_alone(db, corpus, monkeypatch):
    run_id = db.begin_run()
    before = snapshot(db)
    failures = {"left": 1}

    def fail_once(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO entities") and failures["left"]:
            failures["left"] -= 1
            return statement.replace("entities", "no_such_table", 1), parameters  # a real database error
        return statement, parameters

    seen: list[dict] = []
    alone = store_database.Store._write_alone

    def retried_alone(self, items, run):  # what the tables hold once the batch failed
        seen.append(snapshot(db))
        return alone(self, items, run)

    monkeypatch.setattr(store_database.Store, "_write_alone", retried_alone)
    for name in ("_copy", "_executemany"):  # PostgreSQL's COPY, SQLite's executemany into entities fails
        def failing_once(conn, table, columns, rows, real=getattr(store_database, name)):
            if table.name == "entities" and failures["left"]:
                failures["left"] -= 1
                conn.exec_driver_sql("SELECT * FROM no_such_table")  # a real database error
            return real(conn, table, columns, rows)

        monkeypatch.setattr(store_database, name, failing_once)
    event.listen(db.engine, "before_cursor_execute", fail_once, retval=True)
    try:
        answers = db.write_documents([(doc, records, None) for doc, records in corpus], run_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_once)
    assert answers == ["inserted"] * len(corpus)
    assert list(db.records()) == in_store_order(corpus)
    assert failures["left"] == 0 and seen == [before]  # the batch left nothing behind


def test_a_conflict_with_another_writer_retries_the_batch_alone(db, corpus, monkeypatch):
    run_id = db.begin_run()
    real = store_database.Store._store_version
    conflicts = {"left": 1}

    def conflicting(self, conn, version, rows, run, children=None):
        if children is not None and conflicts["left"]:  # inside the batch: another writer got there first
            conflicts["left"] -= 1
            raise store_database._Conflict
        return real(self, conn, version, rows, run, children)

    monkeypatch.setattr(store_database.Store, "_store_version", conflicting)
    assert db.write_documents([(doc, records, None) for doc, records in corpus], run_id) == ["inserted"] * len(corpus)
    assert list(db.records()) == in_store_order(corpus)


def test_batch_writer_writes_when_full_and_when_flushed(db):
    run_id = db.begin_run()
    writer = BatchWriter(db, run_id, docs=3, seconds=3600)
    pairs = [_synthetic(i, "a") for i in range(7)]
    written = [writer.add(n, doc, records) for n, (doc, records) in enumerate(pairs)]
    assert [len(w) for w in written] == [0, 0, 3, 0, 0, 3, 0]
    assert [n for w in written for n, _ in w] == [0, 1, 2, 3, 4, 5]
    assert writer.flush() == [(6, "inserted")] and writer.flush() == []
    assert {doc["path"] for doc in db.records(types=["document"])} == {doc["path"] for doc, _ in pairs}
    timed = BatchWriter(db, run_id, docs=100, seconds=0)
    assert timed.add("x", *_synthetic(7, "a")) == [("x", "inserted")]  # a slow run stores as it goes


def test_deciding_what_to_skip_costs_one_query_per_group_of_files(target, tmp_path):
    from chanjia_nlp import runner

    folder = tmp_path / "reports"
    folder.mkdir()
    for n in range(100):
        (folder / f"r{n:03d}.txt").write_text(f"惠山区总工会\n\n全区建成职工之家{n + 1}个。\n", encoding="utf-8")
    with target.open() as opened:
        run_id = opened.begin_run()
        first = list(runner.iter_results([folder], skip=runner.skip_unchanged(opened)))
        opened.write_documents([(r.doc, r.records, r.location) for r in first], run_id)
        (folder / "r050.txt").write_text("惠山区总工会\n\n全区建成职工之家999个。\n", encoding="utf-8")  # changed since
        statements: list[str] = []
        listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
        event.listen(opened.engine, "before_cursor_execute", listen)
        try:
            again = list(runner.iter_results([folder], skip=runner.skip_unchanged(opened)))
        finally:
            event.remove(opened.engine, "before_cursor_execute", listen)
    assert [r.path for r in again if not r.skipped] == ["r050.txt"] and len(again) == 100
    groups = -(-100 // runner.SKIP_LOOKAHEAD)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == groups  # one SELECT per group of files, not one per file


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_rows_through_the_driver_are_what_inserts_store(dialect, corpus, monkeypatch, tmp_path):
    """Record rows written past SQLAlchemy on the driver's cursor (PostgreSQL's COPY … FROM STDIN,
    SQLite's own executemany, each value bound as the insert would bind it) are the rows
    SQLAlchemy's insert stored, to the text of each JSON value and the digits of each decimal:
    the corpus written both ways, every column as text (and, on SQLite, its storage type)."""
    from .conftest import fresh_pg_schema

    @contextlib.contextmanager
    def fresh_store(name: str):
        if dialect == "postgresql":
            with fresh_pg_schema() as (url, schema), chanjia_nlp.store.open(url, schema=schema, create=True) as db:
                yield db
        else:
            with chanjia_nlp.store.open(f"sqlite:///{tmp_path / name}.db", create=True) as db:
                yield db

    def written(through_driver: bool) -> dict[str, list[tuple]]:
        if not through_driver:  # SQLAlchemy's executemany, which other databases get
            monkeypatch.setattr(store_database, "_insert_records",
                                lambda conn, statement, kind, rows: conn.execute(statement, rows))
        try:
            with fresh_store("driver" if through_driver else "insert") as db:
                run_id = db.begin_run()
                db.write_documents([(doc, records, None) for doc, records in odd], run_id)
                with db.engine.connect() as conn:
                    return {table: [tuple(row) for row in conn.exec_driver_sql(
                        f"SELECT {columns} FROM {table} ORDER BY id")]
                        for table, columns in _columns_as_text(dialect).items()}
        finally:
            monkeypatch.undo()

    (doc, records), *rest = corpus  # and fields no column has, with what COPY's text format escapes
    records = [{**r, "备注": "中文\t\\N \\ \n\r", "extra_number": 1.5} if r["type"] == "quantity" else r for r in records]
    odd = [(doc, records), *rest]
    driver, inserted = written(through_driver=True), written(through_driver=False)
    assert driver == inserted
    assert len(driver["quantities"]) > 100


def _columns_as_text(dialect: str) -> dict[str, str]:
    from chanjia_nlp.store.schema import RECORD_TABLES

    column = ('"{0}"::text' if dialect == "postgresql" else 'CAST("{0}" AS TEXT), typeof("{0}")').format
    return {table.name: ", ".join(column(c.name) for c in table.columns if c.name not in ("id", "version_id", "run_id"))
            for kind, table in RECORD_TABLES.items() if kind in store_database._CHILDREN}
