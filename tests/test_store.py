"""The assessment database on SQLite and PostgreSQL: round trips of extracted records, history,
one transaction per document, concurrent writers, queries, findings, migrations, the commands.

PostgreSQL tests run against ``$CHANJIA_TEST_PG_URL``, each in a fresh schema, and skip without it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import multiprocessing
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, inspect, select, text

import chanjia_nlp
from chanjia_nlp.grammar import grammar
from chanjia_nlp import store
from chanjia_nlp.errors import ConfigError, StoreError
from chanjia_nlp.readers import read_document
from chanjia_nlp.records import to_dict
from chanjia_nlp.store import StoreError, migrations, schema
from chanjia_nlp.store.commands import claims as claims_command
from chanjia_nlp.store.commands import stats as stats_command
from chanjia_nlp.store.database import Store

from .conftest import fresh_pg_schema
from .test_store_worker import write_all

HERE = Path(__file__).parent
CORPUS = HERE.parent / "corpus"
CASES = yaml.safe_load((HERE / "cases" / "store_claims.yaml").read_text(encoding="utf-8"))
RANK = {"quantity": 0, "programme": 1, "entity": 2}


@dataclass(frozen=True)
class Target:
    """Where a test's database lives: a SQLite file, or a PostgreSQL URL and a fresh schema."""

    url: str
    schema: str | None = None

    def open(self, **options: Any) -> Store:
        return store.open(self.url, schema=self.schema, **{"create": True, **options})

    def cli(self) -> list[str]:
        return ["--db", self.url, *(["--schema", self.schema] if self.schema else [])]


def _pg_target():
    with fresh_pg_schema() as (url, name):
        yield Target(url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        yield Target(str(tmp_path / "chanjia.sqlite"))
    else:
        yield from _pg_target()


@pytest.fixture
def pg_target():
    yield from _pg_target()


@pytest.fixture
def db(target):
    with target.open() as opened:
        yield opened


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[tuple[dict, list[dict]]]:
    """``(document dict with text, records)`` for every corpus report, and one unreadable file."""
    empty = tmp_path_factory.mktemp("unreadable") / "empty.txt"
    empty.write_bytes(b"")
    nlp = chanjia_nlp.load()
    out = []
    for path in [*sorted(CORPUS.glob("*.txt")), empty]:
        doc, body = read_document(path, display_path=path.name, extractor_version=chanjia_nlp.__version__)
        records = [] if body is None else nlp.extract(body, published=doc.published)
        out.append(({**to_dict(doc), "text": body}, [to_dict(r, doc_id=doc.doc_id, path=doc.path) for r in records]))
    assert out[-1][0]["status"] == "error"
    return out


def in_store_order(pairs) -> list[dict]:
    """Records as ``Store.records()`` yields them: documents by path, each followed by its
    records by offset (quantities, programmes, entities at the same offset, else as given), claims
    with the subject codes the store gives them."""
    from chanjia_nlp.subjects import annotate

    out = []
    for doc, records in sorted(pairs, key=lambda pair: pair[0]["path"]):
        out.append(doc)
        out.extend(sorted(annotate([dict(r) for r in records]), key=lambda r: (r["start"], RANK[r["type"]])))
    return out


def snapshot(opened: Store) -> dict[str, list[tuple]]:
    """Every row of every table."""
    with opened.engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in schema.metadata.sorted_tables
        }


def moved(doc: dict, records: list[dict], path: str) -> tuple[dict, list[dict]]:
    """The same document and records at another display path."""
    return {**doc, "path": path}, [{**r, "path": path} for r in records]


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.slow
def test_extracted_records_come_back_exactly(db, corpus):
    run_id = db.begin_run(command="chanjia extract corpus/", extractor_version=chanjia_nlp.__version__)
    assert [db.write_document(doc, records, run_id) for doc, records in corpus] == ["inserted"] * len(corpus)
    assert list(db.records()) == in_store_order(corpus)

    frame = db.claims()
    stored = {(row.path, row.start): row for row in frame.itertuples()}
    claims = [r for _, records in corpus for r in records if r["type"] == "quantity" and r["claim"]]
    assert len(frame) == len(claims)
    assert any("." in r["value"] for r in claims if r["value"])  # fractions are among them
    for claim in claims:
        row = stored[claim["path"], claim["start"]]
        for name in ("value", "low", "high"):
            value = getattr(row, name)
            assert (value is None) if claim[name] is None else (isinstance(value, Decimal) and format(value, "f") == claim[name])
        assert (row.indicator, row.subject, row.period, row.scope) == (
            claim["indicator"], claim["subject"], claim["period"], claim["scope"]
        )


@pytest.mark.slow
def test_records_filters(db, corpus):
    run_id = db.begin_run()
    for doc, records in corpus:
        db.write_document(doc, records, run_id)
    (first, first_records), (second, _) = corpus[0], corpus[1]
    assert list(db.records(types=["document"])) == sorted((doc for doc, _ in corpus), key=lambda d: d["path"])
    assert list(db.records(doc_ids=[first["doc_id"]])) == in_store_order([(first, first_records)])
    assert list(db.records(paths=first["path"])) == in_store_order([(first, first_records)])
    only = list(db.records(types=("entity",), paths=[first["path"], second["path"]]))
    assert only and {r["type"] for r in only} == {"entity"}
    with pytest.raises(ConfigError, match="'finding' is invalid; it must be one of: 'document'"):
        db.records(types=["finding"])


@pytest.mark.slow
def test_fields_the_schema_lacks_are_kept(db, corpus):
    doc, records = corpus[0]
    doc = {**doc, "reviewed_by": "审核员"}
    records = [{**records[0], "confidence": "0.75", "notes": ["其中", 2]}, *records[1:]]
    db.write_document(doc, records, db.begin_run())
    assert list(db.records()) == in_store_order([(doc, records)])


def test_every_record_field_has_a_column(corpus):
    for doc, records in corpus:
        for record in (doc, *records):
            assert set(record) - {"type"} <= set(schema.record_fields(schema.RECORD_TABLES[record["type"]]))


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(min_value=0, max_value=12)
    .flatmap(lambda places: st.decimals(min_value=-10**18, max_value=10**18, places=places))
    .filter(lambda d: not (d.is_zero() and d.is_signed()))  # PostgreSQL has no negative zero
)
def test_decimals_are_exact_to_the_last_digit(db, value):
    written = format(value, "f")  # trailing zeros too: 1.50 stays 1.50
    path = f"{uuid.uuid4().hex}.txt"
    # one doc_id per file: the same doc_id (the same bytes) at another path would be a duplicate
    doc = {"type": "document", "doc_id": path, "path": path, "status": "ok", "extractor_version": "t"}
    quantity = {
        "type": "quantity", "text": "x", "start": 0, "end": 1, "value": written, "low": written, "high": None,
        "qualifier": "exact", "kind": "money", "claim": True, "indicator": "other",
    }
    db.write_document(doc, [quantity], db.begin_run())
    [_, back] = db.records(paths=[path])
    assert (back["value"], back["low"], back["high"]) == (written, written, None)
    assert db.claims(doc_id=path).set_index("path").loc[path, "value"] == Decimal(written)


# -- versions and history -----------------------------------------------------------------


@pytest.mark.slow
def test_same_document_again_is_unchanged(db, corpus):
    first, second = db.begin_run(command="first"), db.begin_run(command="second")
    doc, records = corpus[2]
    assert db.write_document(doc, records, first) == "inserted"
    before = snapshot(db)
    assert db.write_document(doc, records, second) == "unchanged"
    assert snapshot(db) == before
    state = db.document_state(doc["path"])
    assert (state.doc_id, state.extractor_version, state.status, state.run_id) == (
        doc["doc_id"], doc["extractor_version"], "ok", first
    )
    assert db.document_states() == {doc["path"]: state}
    assert db.document_state("elsewhere.txt") is None


@pytest.mark.slow
def test_changed_document_replaces_and_keeps_history(db, corpus):
    old, old_records = corpus[1]
    new, new_records = moved(*corpus[2], path=old["path"])
    first, second = db.begin_run(command="first"), db.begin_run(command="second")
    assert db.write_document(old, old_records, first) == "inserted"
    assert db.write_document(new, new_records, second) == "replaced"

    assert list(db.records()) == in_store_order([(new, new_records)])
    count = lambda records, kind: sum(r["type"] == kind for r in records)  # noqa: E731
    assert db.history(old["path"]) == [
        {
            "doc_id": old["doc_id"], "path": old["path"], "extractor_version": old["extractor_version"],
            "status": "ok", "run_id": first, "superseded_by": second, "removed": False,
            "stored_at": db.history(old["path"])[0]["stored_at"], "superseded_at": db.history(old["path"])[0]["superseded_at"],
            "quantities": count(old_records, "quantity"), "programmes": count(old_records, "programme"),
            "entities": count(old_records, "entity"),
            "claims": sum(r["type"] == "quantity" and r["claim"] for r in old_records),
        }
    ]
    version = db.history(old["path"])[0]
    assert version["stored_at"] <= version["superseded_at"]
    with db.engine.connect() as conn:
        q = schema.quantities.c
        kept = dict(conn.execute(select(q.superseded_by, func.count()).group_by(q.superseded_by)).all())
    assert kept == {second: count(old_records, "quantity"), None: count(new_records, "quantity")}
    assert len(db.claims()) == sum(r["type"] == "quantity" and r["claim"] for r in new_records)
    assert db.stats()["quantities"] == count(new_records, "quantity")
    assert db.documents()["doc_id"].tolist() == [new["doc_id"]]


@pytest.mark.slow
def test_a_new_extractor_version_replaces_the_same_file(db, corpus):
    doc, records = corpus[0]
    assert db.write_document(doc, records, db.begin_run()) == "inserted"
    assert db.write_document({**doc, "extractor_version": "9.0.0"}, records, db.begin_run()) == "replaced"
    assert db.document_state(doc["path"]).extractor_version == "9.0.0"
    assert [v["extractor_version"] for v in db.history(doc["path"])] == [doc["extractor_version"]]


@pytest.mark.slow
@pytest.mark.parametrize(
    "change",
    [
        {"status": "error", "error": "the file is 60 MB, over the 50 MB limit; split it or raise --max-bytes"},
        {"title": "另一个标题"},
        {"published": "2021-12-31"},
        {"source": "工人日报"},
    ],
    ids=["error-then-ok", "title", "published", "source"],
)
def test_same_bytes_read_differently_replace(db, corpus, change):
    # A file that failed and now reads (a limit raised), or metadata given by hand with --force:
    # the same bytes, but not the same document record.
    doc, records = corpus[0]
    assert db.write_document({**doc, **change}, [] if "status" in change else records, db.begin_run()) == "inserted"
    assert db.write_document(doc, records, db.begin_run()) == "replaced"
    state = db.document_state(doc["path"])
    assert (state.doc_id, state.status) == (doc["doc_id"], "ok")
    assert len(db.history(doc["path"])) == 1


# -- one transaction per document ------------------------------------------------------------


def _last_quantity(records: list[dict]) -> int:
    return max(i for i, r in enumerate(records) if r["type"] == "quantity")


BAD_RECORDS = [  # (what the broken record has, what the error says)
    ({"value": "12x"}, "'value' = '12x' is not a decimal"),
    ({"value": 12.5}, "'value' = 12.5 is not a decimal string or Decimal \\(never a float\\)"),
    ({"start": "7"}, "'start' = '7' is not an integer"),
    ({"claim": None}, "has no 'claim'"),
    ({"damaged": "no"}, "'damaged' = 'no' is not true or false"),
    ({"type": "finding"}, "`type` = 'finding' is invalid"),
]


def _stored_and_a_replacement(db, corpus):
    """One document stored, another moved to its path (not stored yet), the run, and the
    tables as they are: what a failed replacement must leave untouched."""
    old, old_records = corpus[1]
    new, new_records = moved(*corpus[2], path=old["path"])
    run_id = db.begin_run()
    db.write_document(old, old_records, run_id)
    return old, new, new_records, run_id, snapshot(db)


@pytest.mark.slow
def test_a_bad_record_stores_nothing_of_its_document(db, corpus):
    old, new, new_records, run_id, before = _stored_and_a_replacement(db, corpus)
    at = _last_quantity(new_records)  # late in the document: its other records come first
    for change, message in BAD_RECORDS:
        broken = [*new_records[:at], {**new_records[at], **change}, *new_records[at + 1 :]]
        with pytest.raises(StoreError, match=f"cannot store {old['path']}: .*{message}.*; nothing of it was stored"):
            db.write_document(new, broken, run_id)
        assert snapshot(db) == before, change
    assert db.document_state(old["path"]).doc_id == old["doc_id"]


@pytest.mark.slow
def test_a_database_error_mid_document_rolls_it_back(db, corpus, monkeypatch):
    from chanjia_nlp.store import database as store_database

    old, new, new_records, run_id, before = _stored_and_a_replacement(db, corpus)
    executed = []

    def fail_on_entities(conn, cursor, statement, parameters, context, executemany):
        executed.append(statement.split("(")[0].strip())
        if statement.startswith("INSERT INTO entities"):
            return statement.replace("entities", "no_such_table", 1), parameters  # a real database error
        return statement, parameters

    for name in ("_copy", "_executemany"):  # PostgreSQL copies record rows, SQLite executes them on its cursor
        def failing_on_entities(conn, table, columns, rows, real=getattr(store_database, name)):
            executed.append(f"INSERT INTO {table.name}")
            if table.name == "entities":
                conn.exec_driver_sql("SELECT * FROM no_such_table")  # a real database error
            return real(conn, table, columns, rows)

        monkeypatch.setattr(store_database, name, failing_on_entities)
    event.listen(db.engine, "before_cursor_execute", fail_on_entities, retval=True)
    try:
        with pytest.raises(StoreError, match=f"cannot store {old['path']} \\(nothing of it was stored\\): .*no_such_table"):
            db.write_document(new, new_records, run_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_entities)
        monkeypatch.undo()
    assert "INSERT INTO documents" in executed and "INSERT INTO quantities" in executed  # written, then undone
    assert snapshot(db) == before
    assert db.write_document(new, new_records, run_id) == "replaced"


# -- concurrent writers -----------------------------------------------------------------------


def _synthetic(i: int, variant: str) -> tuple[dict, list[dict]]:
    """A small report of its own, extracted; ``variant`` changes its content, not its path."""
    body = (
        f"{variant}区总工会\n\n2022年，全区新增高技能人才{1000 + i}余名，建成职工之家{i + 3}个、"
        f"劳模创新工作室{i + 7}家，累计发放慰问金{i}.5万元，培训职工{i + 2}万人次。\n"
    )
    doc_id = hashlib.sha256(body.encode()).hexdigest()
    path = f"r{i:03d}.txt"
    doc = {
        "type": "document", "doc_id": doc_id, "path": path, "title": f"{variant}区总工会", "published": "2023-01-10",
        "published_source": "given", "source": None, "chars": len(body), "format": "txt", "encoding": "utf-8", "status": "ok", "error": None,
        "extractor_version": chanjia_nlp.__version__, "needs_ocr_pages": [], "warnings": [], "text": body, "ocr": None,
    }
    records = [to_dict(r, doc_id=doc_id, path=path) for r in chanjia_nlp.extract(body, published="2023-01-10")]
    return doc, records


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_and_duplicate_nothing(target):
    same = [_synthetic(i, "惠山") for i in range(10)]  # both write these, byte for byte
    changed = {side: [_synthetic(i, area) for i in range(10, 20)] for side, area in (("a", "梁溪"), ("b", "锡山"))}
    own = {side: [_synthetic(i, "新吴") for i in range(start, start + 15)] for side, start in (("a", 20), ("b", 35))}
    jobs = {side: [*same, *changed[side], *own[side]] for side in ("a", "b")}

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=write_all, args=(target.url, target.schema, jobs[side], barrier, results))
        for side in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    by_path = defaultdict(list)
    for path, doc_id, outcome in (item for written in outcomes for item in written):
        by_path[path].append((outcome, doc_id))
    for doc, _ in same:
        assert sorted(o for o, _ in by_path[doc["path"]]) == ["inserted", "unchanged"]
    current, superseded = {}, []
    for i, (doc, records) in enumerate(changed["a"]):
        assert sorted(o for o, _ in by_path[doc["path"]]) == ["inserted", "replaced"]
        winner = dict(by_path[doc["path"]])["replaced"]  # the later writer's version is current
        pair_b = changed["b"][i]
        current[doc["path"]] = (doc, records) if winner == doc["doc_id"] else pair_b
        superseded.append(pair_b if winner == doc["doc_id"] else (doc, records))
    for doc, records in [*same, *own["a"], *own["b"]]:
        current[doc["path"]] = (doc, records)
    for side in ("a", "b"):
        for doc, _ in own[side]:
            assert by_path[doc["path"]] == [("inserted", doc["doc_id"])]

    with target.open() as opened:
        assert list(opened.records()) == in_store_order(current.values())
        for doc, _ in superseded:
            assert [v["doc_id"] for v in opened.history(doc["path"])] == [doc["doc_id"]]
        with opened.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(schema.quantities)).scalar()
    all_written = [*current.values(), *superseded]
    assert stored == sum(r["type"] == "quantity" for _, records in all_written for r in records)


def test_a_lost_race_on_postgresql_is_retried(pg_target, corpus, monkeypatch):
    doc, records = corpus[0]
    attempts = []
    store_version = Store._store_version

    def counted(self, *args):
        attempts.append(1)
        return store_version(self, *args)

    monkeypatch.setattr(Store, "_store_version", counted)
    with pg_target.open() as opened:
        run_id = opened.begin_run()
        outcome = []
        with opened.engine.connect() as holder, holder.begin():
            # Another writer has inserted the path and not committed yet.
            holder.execute(
                schema.documents.insert().values(
                    doc_id=doc["doc_id"], path=doc["path"], location=doc["path"], status="ok", extractor_version=doc["extractor_version"],
                    title=doc["title"], published=doc["published"], published_source=doc["published_source"],
                    source=doc["source"], run_id=run_id, stored_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
                )
            )
            pid = holder.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            writer = threading.Thread(target=lambda: outcome.append(opened.write_document(doc, records, run_id)))
            writer.start()
            # Autocommit: PostgreSQL keeps one snapshot of pg_stat_activity per transaction.
            with opened.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
                waiting = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
                deadline = time.monotonic() + 60
                while not watcher.execute(waiting, {"pid": pid}).scalar():  # wait until the writer waits on us
                    assert time.monotonic() < deadline, "the writer never waited for the uncommitted insert"
                    time.sleep(0.01)
        writer.join(timeout=60)
    assert outcome == ["unchanged"]  # it lost the race, tried again, found the same document stored
    assert len(attempts) == 2


# -- queries ----------------------------------------------------------------------------------


def _store_cases(opened: Store) -> None:
    run_id = opened.begin_run(command="cases")
    for case in CASES["documents"]:
        body = case.get("text")
        doc = {
            "type": "document", "doc_id": hashlib.sha256(case["path"].encode()).hexdigest(), "path": case["path"],
            "published": case.get("published"), "status": case.get("status", "ok"), "error": case.get("error"),
            "extractor_version": "test", "text": body,
        }
        lines = [(line, True) for line in case["claims"]] + [(line, False) for line in case.get("mentions", [])]
        records, at = [], 0
        for line, claim in sorted(lines, key=lambda item: body.index(item[0].split()[0])):
            mention, value, *fields = [None if f == "-" else f for f in line.split()]
            indicator, subject, level, period, *marked = fields if claim else [None] * 4
            target = {"target": True, "achieved": False}[marked[0]] if marked else None
            start = body.index(mention, at)
            at = start + len(mention)
            records.append({
                "type": "quantity", "text": mention, "start": start, "end": at,
                "value": value, "low": value, "high": value, "qualifier": "exact", "kind": "count",
                "unit": None, "currency": None, "number_text": mention, "damaged": False, "sentence": body,
                "repeated": False, "claim": claim, "indicator": indicator, "indicator_text": None,
                "subject": subject, "level": level, "period": period, "scope": None, "parent": None,
                "target": target, "why": case.get("why", {}).get(mention),
            })
        opened.write_document(doc, records, run_id)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cases_target(request, tmp_path_factory):
    """One database per engine holding the cases, shared by the tests that only read it."""
    if request.param == "sqlite":
        targets = iter([Target(str(tmp_path_factory.mktemp("cases") / "chanjia.sqlite"))])
    else:
        targets = _pg_target()
    for target in targets:
        with target.open() as opened:
            _store_cases(opened)
        yield target


@pytest.fixture
def cases_db(cases_target):
    with cases_target.open() as opened:
        yield opened


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES["queries"], ids=lambda case: case["id"])
def test_claims_filters(cases_db, case):
    frame = cases_db.claims(**case["filter"])
    assert [f"{row.path}:{row.text}" for row in frame.itertuples()] == case["expected"]


def test_claims_frame_holds_decimals_and_documents(cases_db):
    frame = cases_db.claims(subject="惠山")
    assert frame["value"].map(type).tolist() == [Decimal] * 4
    assert [format(v, "f") for v in frame["value"]] == ["12600", "37", "226800.00", "1"]
    assert frame["value"].dtype == object and frame["parent"].dtype == "Int64"
    assert set(frame["published"]) == {"2023-01-10"}


def test_claims_frame_holds_target_and_why(cases_db):
    frame = cases_db.claims(subject="梁溪")
    assert frame["target"].dtype == "boolean" and frame["target"].tolist() == [False, True, True]
    (why,) = CASES["documents"][2]["why"].values()
    assert frame["why"].tolist() == [None, why, None]
    assert list(frame["why"].iloc[1]) == list(why)  # the fields in the order the binder decided them
    unmarked = cases_db.claims(subject="惠山")["target"]
    assert unmarked.isna().all()  # stored before targets were marked


@pytest.mark.parametrize(
    "query, message",
    [
        ({"indicator": "pilot_unit"}, "`indicator` = 'pilot_unit' is invalid; it must be one of: .*'pilot_units'"),
        ({"level": "county"}, "`level` = 'county' is invalid; it must be one of: 'national'"),
        ({"period": "22"}, "give a year \\(2022\\) or a year-month"),
        ({"targets": "none"}, "`targets` = 'none' is invalid; it must be one of: 'include', 'exclude', 'only'"),
    ],
)
def test_claims_refuses_unknown_filters(cases_db, query, message):
    with pytest.raises(ConfigError, match=message):
        cases_db.claims(**query)


def test_stats(cases_db):
    numbers = cases_db.stats()
    for key, expected in CASES["stats"].items():
        assert numbers[key] == expected, key
    assert (numbers["quantities"], numbers["programmes"], numbers["entities"], numbers["runs"]) == (14, 0, 0, 1)
    assert numbers["claims"] == numbers["achieved"] + numbers["targets"]
    for key in ("claims_per_indicator", "claims_per_subject", "claims_per_year"):
        assert sum(row["targets"] for row in numbers[key]) == numbers["targets"]


def test_documents_frame(cases_db):
    frame = cases_db.documents()
    assert frame["path"].tolist() == ["broken.docx", "huishan_2022.txt", "liangxi_plan.txt", "sub/nantong.txt",
                                      "wuxi_2023.txt"]
    assert frame["claims"].tolist() == [0, 4, 3, 2, 4] and frame["quantities"].tolist() == [0, 4, 3, 2, 5]
    assert "text" not in frame and cases_db.documents(text=True)["text"].iloc[1].startswith("2022年，惠山区")


def test_levels_are_the_binders_levels():
    assert set(grammar().level_words.values()) == set(store.LEVELS)


# -- findings ---------------------------------------------------------------------------------

FINDINGS = [
    {
        "type": "finding", "finding_id": "f-ledger-1", "check": "ledger", "verdict": "inconsistent",
        "message": "台账 reports 1200 高技能人才; the report says 1180.50", "indicator": "high_skilled_talent",
        "subject": "惠山区", "subject_code": "320206", "subject_name": "惠山区", "period": "2022",
        "expected": "1200", "observed": "1180.50", "gap": "-19.50", "doc_id": "d1", "path": "huishan.txt",
        "evidence": [{"doc_id": "d1", "path": "huishan.txt", "start": 12, "end": 19, "text": "1180.50名", "role": "contradicts"}],
        "ledger": {"file": "台账.xlsx", "sheet": "技能", "row": 7, "column": "C", "cell": "C7", "value": "1200"},
    },
    {
        "type": "finding", "finding_id": "f-sum-1", "check": "sum", "verdict": "flagged",
        "message": "其中 parts add up to 99.9% of the total", "indicator": None, "subject": None, "subject_code": None,
        "subject_name": None, "period": None, "expected": "100", "observed": "99.9", "gap": "-0.1", "doc_id": "d2", "path": "jiangdu.txt",
        "evidence": [
            {"doc_id": "d2", "path": "jiangdu.txt", "start": 3, "end": 8, "text": "412人", "role": "total"},
            {"doc_id": "d2", "path": "jiangdu.txt", "start": 20, "end": 25, "text": "11.2%", "role": "part"},
        ],
        "ledger": None,
    },
    {
        "type": "finding", "finding_id": "f-uncovered-1", "check": "uncovered_claim", "verdict": "uncovered",
        "message": "no 台账 row supports this claim", "indicator": "pilot_units", "subject": "无锡市", "subject_code": "320200",
        "subject_name": "无锡市", "period": "2023", "expected": None, "observed": "25", "gap": None, "doc_id": None, "path": None,
        "evidence": [{"doc_id": "d3", "path": "wuxi.txt", "start": 0, "end": 3, "text": "25家", "role": "source"}],
        "ledger": None,
    },
]


def _without_run(found) -> list[dict]:
    return [{k: v for k, v in finding.items() if k != "run_id"} for finding in found]


@pytest.mark.slow
def test_findings_round_trip_and_update_in_place(db):
    run_id = db.begin_run(command="chanjia check")
    assert db.write_findings(iter(FINDINGS), run_id=run_id) == 3
    back = list(db.findings())
    assert _without_run(back) == FINDINGS and {f["run_id"] for f in back} == {run_id}
    assert _without_run(db.findings(check="sum")) == [FINDINGS[1]]
    assert _without_run(db.findings(verdict="uncovered")) == [FINDINGS[2]]
    assert list(db.findings(run_id="another")) == []

    again = {**FINDINGS[0], "verdict": "consistent_within_qualifier", "observed": "1200"}
    assert db.write_findings([again, again]) == 1
    assert _without_run(db.findings()) == [again, *FINDINGS[1:]]
    assert next(db.findings())["run_id"] is None
    with db.engine.connect() as conn:
        f = schema.findings.c
        assert conn.execute(select(f.ledger_sheet, f.ledger_row).where(f.finding_id == "f-ledger-1")).one() == ("技能", 7)
    assert db.stats()["findings"] == [
        {"check": "ledger", "verdict": "consistent_within_qualifier", "findings": 1},
        {"check": "sum", "verdict": "flagged", "findings": 1},
        {"check": "uncovered_claim", "verdict": "uncovered", "findings": 1},
    ]
    assert db.write_findings([]) == 0


BAD_FINDINGS = [  # (what the broken finding has, what the error says)
    ({"check": "guess"}, "`check` = 'guess' is invalid"),
    ({"verdict": "fine"}, "`verdict` = 'fine' is invalid"),
    ({"gap": "a lot"}, "'gap' = 'a lot' is not a decimal"),
    ({"ledger": {"row": "7"}}, "ledger row = '7' is not int"),
    ({"message": None}, "has no 'message'"),
]


def test_findings_without_subject_codes_get_them(db):
    written = {k: v for k, v in FINDINGS[0].items() if k not in ("subject_code", "subject_name")}
    db.write_findings([{**written, "subject": "惠山区总工会"}])
    (back,) = db.findings()
    assert (back["subject"], back["subject_code"], back["subject_name"]) == ("惠山区总工会", "320206", "惠山区")


def test_a_bad_finding_stores_none(db):
    for change, message in BAD_FINDINGS:
        with pytest.raises(StoreError, match=f"cannot store findings: .*{message}.*; none were stored"):
            db.write_findings([FINDINGS[0], {**FINDINGS[1], **change}])
        assert list(db.findings()) == [], change


def test_findings_refuse_unknown_filters(db):
    with pytest.raises(ConfigError, match="`check` = 'sums' is invalid; it must be one of: 'ledger', 'sum'"):
        db.findings(check="sums")


# -- runs -------------------------------------------------------------------------------------


def test_runs_are_recorded(db, corpus):
    run_id = db.begin_run(command="chanjia extract corpus/", extractor_version="0.1.0")
    db.write_document(*corpus[0], run_id)
    db.end_run(run_id, {"ok": 1, "error": 0, "claims": Decimal("12")})
    [run] = db.runs().to_dict("records")
    assert (run["run_id"], run["command"], run["extractor_version"]) == (run_id, "chanjia extract corpus/", "0.1.0")
    assert run["summary"] == {"ok": 1, "error": 0, "claims": "12"} and run["finished"] >= run["started"]
    with pytest.raises(StoreError, match="there is no run nope"):
        db.end_run("nope", {})
    with pytest.raises(StoreError, match="cannot store .*FOREIGN KEY|cannot store .*foreign key"):
        db.write_document(*corpus[1], "no-such-run")


# -- opening, connections, migrations ---------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["mysql://user@host/db", "postgresql+asyncpg://user@host/db", "sqlite+aiosqlite:///x.sqlite", "postgres://"]
)
def test_unsupported_urls_name_the_valid_forms(url):
    with pytest.raises(ConfigError, match=r"give a SQLite file path \(chanjia.sqlite\), sqlite:///PATH, or postgresql\+psycopg://"):
        store.open(url)


def test_bad_options_raise_at_once(tmp_path):
    with pytest.raises(ConfigError, match="`schema` = 'x' is for PostgreSQL"):
        store.open(tmp_path / "x.sqlite", schema="x")
    with pytest.raises(ConfigError, match="must be a plain identifier"):
        store.open("postgresql+psycopg://postgres@127.0.0.1/test", schema='x"; DROP TABLE runs; --')
    assert not (tmp_path / "x.sqlite").exists()


def test_reading_needs_an_existing_database(tmp_path):
    with pytest.raises(StoreError, match=f"no database at {tmp_path / 'none.sqlite'}; run chanjia extract first"):
        store.open(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_reading_an_empty_postgresql_schema_says_so(pg_target):
    with pytest.raises(StoreError, match="no chanjia tables in .*; run chanjia extract first"):
        pg_target.open(create=False)


def test_an_unreachable_server_is_one_line():
    with pytest.raises(StoreError, match="cannot open postgresql\\+psycopg://postgres@127.0.0.1:1/test: .*check") as info:
        store.open("postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert "\n" not in str(info.value)


def test_sqlite_connections_suit_concurrent_writers(tmp_path):
    with store.open(f"sqlite:///{tmp_path / 'x.sqlite'}", create=True) as opened, opened.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_postgresql_tables_live_in_their_schema(pg_target):
    with pg_target.open() as opened:
        names = set(inspect(opened.engine).get_table_names(schema=pg_target.schema))
    assert {"documents", "quantities", "programmes", "entities", "findings", "runs", "schema_version"} <= names


def _versions(opened: Store) -> list[tuple[int, str]]:
    with opened.engine.connect() as conn:
        v = schema.schema_version.c
        return [tuple(row) for row in conn.execute(select(v.version, v.description).order_by(v.version))]


def _add_note(applied: list[str]):
    def migrate(conn) -> None:
        applied.append("note")
        conn.execute(text("ALTER TABLE runs ADD COLUMN note TEXT"))

    return migrate


ALL_VERSIONS = [(k, description) for k, (description, _) in enumerate(migrations.MIGRATIONS, 1)]


@pytest.mark.slow
def test_an_older_database_is_upgraded_once(target, monkeypatch):
    with target.open() as opened:
        assert _versions(opened) == ALL_VERSIONS
    applied: list[str] = []
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("add runs.note", _add_note(applied))])
    with target.open() as opened:
        assert [version for version, _ in _versions(opened)] == list(range(1, len(ALL_VERSIONS) + 2))
        assert "note" in {c["name"] for c in inspect(opened.engine).get_columns("runs", schema=target.schema)}
    with target.open(create=False):
        pass
    assert applied == ["note"]


@pytest.mark.slow
def test_a_new_database_starts_at_the_newest_version(target, monkeypatch):
    applied: list[str] = []
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("add runs.note", _add_note(applied))])
    with target.open() as opened:
        assert _versions(opened) == [*ALL_VERSIONS, (len(ALL_VERSIONS) + 1, "add runs.note")]
    assert applied == []  # schema.py is the newest schema: created, not migrated


#: The columns each schema version added, newest last: a database at version k lacks those of k+1….
ADDED_IN = {
    2: [("documents", ("published_source", "warnings"))],
    3: [("quantities", ("target", "why"))],
    4: [("quantities", ("subject_code", "subject_name")), ("findings", ("subject_code", "subject_name"))],
    6: [("documents", ("location", "duplicate_of", "removed")), ("runs", ("root",))],
    7: [("documents", ("ocr",))],
    9: [],
    10: [],
}
#: Indexes on columns a later version added (dropped with them; each dialect has its own of some).
ADDED_INDEXES = {4: ["ix_quantities_subject_code", "ix_findings_subject_code"], 6: ["ux_documents_current_location"],
                 9: ["ix_findings_stored_at"], 10: ["ix_quantities_subject_order", "ix_quantities_subject_order_c"]}
#: Indexes a later version dropped (made again when going back before it).
DROPPED_INDEXES = {6: ["CREATE UNIQUE INDEX ux_documents_current_path ON documents (path) WHERE superseded_by IS NULL"]}
#: The tables each schema version added.
ADDED_TABLES = {5: ["reviews", "users"], 7: [], 8: ["finding_reviews"]}


def _as_version_1(target: Target, corpus, keep: int = 1) -> None:
    """A database as chanjia left it at schema version ``keep`` (1), one document stored in it: the
    newest schema without what later versions added, and their rows out of ``schema_version``."""
    with target.open() as opened:
        doc, records = corpus[0]
        old = {key: value for key, value in doc.items() if key not in ("published_source", "warnings")}
        old_records = [{k: v for k, v in r.items() if k not in ("target", "why")} for r in records]
        opened.write_document(old, old_records, opened.begin_run())
        with opened.engine.begin() as conn:
            for version, tables in sorted(ADDED_TABLES.items(), reverse=True):
                if version <= keep:
                    continue
                for table in tables:
                    conn.execute(text(f"DROP TABLE {table}"))
                conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version == version))
            for version, added in sorted(ADDED_IN.items(), reverse=True):
                if version <= keep:
                    continue
                for index in ADDED_INDEXES.get(version, ()):
                    conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
                for table, names in added:
                    for name in names:
                        conn.execute(text(f'ALTER TABLE {table} DROP COLUMN "{name}"'))
                for ddl in DROPPED_INDEXES.get(version, ()):
                    conn.execute(text(ddl))
                conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version == version))


def _expected_subjects(records: list[dict]) -> dict[int, tuple[str | None, str | None]]:
    from chanjia_nlp.subjects import annotate

    return {r["start"]: (r["subject_code"], r["subject_name"]) for r in annotate([dict(r) for r in records])
            if r["type"] == "quantity" and r["claim"]}


def _columns(opened: Store, table: str) -> dict[str, str]:
    found = inspect(opened.engine).get_columns(table, schema=opened.schema)
    return {c["name"]: str(c["type"]).split("(")[0] for c in found}


@pytest.mark.slow
def test_a_version_1_database_gains_the_publication_and_claim_fields(target, corpus, tmp_path):
    _as_version_1(target, corpus)
    with target.open() as opened:
        assert [version for version, _ in _versions(opened)] == [version for version, _ in ALL_VERSIONS]
        [stored] = list(opened.records(types=["document"]))
        assert stored["published_source"] is None and stored["warnings"] is None  # unknown, not made up
        assert all(r["target"] is None and r["why"] is None for r in opened.records(types=["quantity"]))
        old_claims = {r["start"]: (r["subject_code"], r["subject_name"]) for r in opened.records(types=["quantity"])
                      if r["claim"]}
        assert old_claims == _expected_subjects(corpus[0][1])  # filled in from the stored entities
        assert {code for code, _ in old_claims.values()} >= {"320206", "320213"}  # 惠山区, 梁溪区
        doc, records = corpus[1]
        assert opened.write_document(doc, records, opened.begin_run()) == "inserted"
        again = {d["path"]: d for d in opened.records(types=["document"])}[doc["path"]]
        assert (again["published_source"], again["warnings"]) == (doc["published_source"], doc["warnings"])
        claims = [r for r in opened.records(types=["quantity"]) if r["path"] == doc["path"] and r["claim"]]
        assert claims and all(r["why"] for r in claims)  # what version 1 could not hold
        migrated = {t.name: _columns(opened, t.name) for t in (*schema.RECORD_TABLES.values(), schema.reviews, schema.users)}
    if target.schema is None:
        fresh = contextlib.nullcontext((str(tmp_path / "fresh.sqlite"), None))
    else:
        fresh = fresh_pg_schema()
    with fresh as (url, name), Target(url, name).open() as opened:  # the tables a new database gets
        assert migrated == {t.name: _columns(opened, t.name)
                            for t in (*schema.RECORD_TABLES.values(), schema.reviews, schema.users)}


def test_a_database_from_a_newer_chanjia_refuses_to_open(target):
    newest = migrations.newest_version()
    with target.open() as opened, opened.engine.begin() as conn:
        conn.execute(
            schema.schema_version.insert().values(
                version=newest + 1, description="future", chanjia_version="9.0",
                applied_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
            )
        )
    newest = migrations.newest_version()
    with pytest.raises(ConfigError, match=f"has schema version {newest + 1}, newer than chanjia_nlp .* knows \\({newest}\\); upgrade"):
        target.open()


# -- commands ---------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.delenv("CHANJIA_DB", raising=False)
    return CliRunner()


def test_claims_command_formats(cases_target, runner, tmp_path):
    table = runner.invoke(claims_command, [*cases_target.cli(), "--indicator", "reform_funds"])
    assert table.exit_code == 0, table.output
    assert "2 claims" in table.output and "近265万元" in table.output and "7080000" in table.output

    as_csv = runner.invoke(claims_command, [*cases_target.cli(), "--subject", "惠山", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [(r["text"], r["value"]) for r in rows] == [("1.26万人次", "12600"), ("37家", "37"), ("22.68万元", "226800.00"), ("第一", "1")]
    assert rows[0]["parent"] == "" and rows[0]["indicator"] == "training_participants"

    out = tmp_path / "claims.jsonl"
    assert runner.invoke(claims_command, [*cases_target.cli(), "--period", "2023-04", "--out", str(out)]).exit_code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["text"], r["value"], r["level"]) for r in lines] == [
        ("25家", "25", "provincial"), ("67家", "67", "city"), ("1200余名", "1200", None)
    ]

    parquet = tmp_path / "claims.parquet"
    result = runner.invoke(claims_command, [*cases_target.cli(), "--level", "district", "-o", str(parquet)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(parquet)
    assert frame["text"].tolist() == ["37家"] and frame["value"].tolist() == [Decimal("37")]


def test_claims_command_targets(cases_target, runner, tmp_path):
    (why,) = CASES["documents"][2]["why"].values()
    table = runner.invoke(claims_command, [*cases_target.cli(), "--subject", "梁溪"])
    assert table.exit_code == 0, table.output
    header = next(line for line in table.output.splitlines() if "indicator" in line)
    assert header.split("┃")[-2].strip() == "target"
    marked = {line.split("│")[2].strip(): line.split("│")[-2].strip() for line in table.output.splitlines()
              if line.count("│") > 5 and "liangxi" in line}
    assert marked == {"12家": "", "20家以上": "target", "1.5万人次": "target"}

    only = runner.invoke(claims_command, [*cases_target.cli(), "--targets", "only", "--format", "jsonl"])
    lines = [json.loads(line) for line in only.output.splitlines()]
    assert [(r["text"], r["target"]) for r in lines] == [("20家以上", True), ("1.5万人次", True)]
    assert lines[0]["why"] == why and lines[1]["why"] is None

    excluded = runner.invoke(claims_command, [*cases_target.cli(), "--subject", "梁溪", "--targets", "exclude",
                                              "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(excluded.output)))
    assert [(r["text"], r["target"]) for r in rows] == [("12家", "False")] and rows[0]["why"] == ""
    as_csv = runner.invoke(claims_command, [*cases_target.cli(), "--targets", "only", "--format", "csv"])
    assert json.loads(next(csv.DictReader(io.StringIO(as_csv.output)))["why"]) == why

    parquet = tmp_path / "targets.parquet"
    result = runner.invoke(claims_command, [*cases_target.cli(), "--subject", "梁溪", "-o", str(parquet)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(parquet)
    assert frame["target"].tolist() == [False, True, True]
    assert [None if pd.isna(w) else json.loads(w) for w in frame["why"]] == [None, why, None]

    bad = runner.invoke(claims_command, [*cases_target.cli(), "--targets", "some"])
    assert bad.exit_code == 2 and "'include', 'exclude', 'only'" in bad.output


def test_claims_command_errors(cases_target, runner):
    bad = runner.invoke(claims_command, [*cases_target.cli(), "--indicator", "pilot"])
    assert isinstance(bad.exception, ConfigError) and "'pilot_units'" in str(bad.exception)
    no_file = runner.invoke(claims_command, [*cases_target.cli(), "--format", "parquet"])
    assert no_file.exit_code == 2 and "give --out FILE.parquet" in no_file.output


@pytest.mark.parametrize("command", [claims_command, stats_command], ids=lambda c: c.name)
def test_query_commands_need_a_database(command, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(command, [])
    assert isinstance(result.exception, StoreError)
    assert str(result.exception) == "no database at chanjia.sqlite; run chanjia extract first, or give --db"
    assert not (tmp_path / "chanjia.sqlite").exists()


def test_stats_command(cases_db, cases_target, runner):
    as_json = runner.invoke(stats_command, [*cases_target.cli(), "--format", "json"])
    assert json.loads(as_json.output) == json.loads(json.dumps(cases_db.stats()))
    table = runner.invoke(stats_command, [*cases_target.cli(), "--top", "2"])
    assert table.exit_code == 0, table.output
    assert "claims per indicator (top 2 of 9)" in table.output and "pilot_units" in table.output
    assert "patents" not in table.output and "惠山区" in table.output
    rows = {cells[0]: cells[1:] for line in table.output.splitlines()
            if len(cells := [c.strip() for c in line.split("│")[1:-1]]) > 1}
    assert rows["claims"] == ["13"] and rows["achieved"] == ["11"] and rows["targets"] == ["2"]
    assert rows["pilot_units"] == ["2", "0"] and rows["2023"] == ["4", "2"]  # achieved, targets
    assert any("achieved" in line and "targets" in line for line in table.output.splitlines())


@pytest.mark.parametrize("command", [claims_command, stats_command], ids=lambda c: c.name)
def test_commands_have_help_with_example(command):
    assert command.help and "Example:" in command.help


def test_creating_a_database_another_process_holds_tries_again(tmp_path, monkeypatch):
    # Two runs creating one new SQLite file: the second may find it held for a moment (the
    # first's migration, its switch to WAL). Creating tries again; reading refuses at once; a
    # database that stays unusable names what went wrong creating it, not "no chanjia tables".
    from chanjia_nlp.store import database

    real = database.Store._migrate
    failures = {"left": 2}
    calls = []

    def held(self, *, create):
        calls.append(create)
        if failures["left"]:
            failures["left"] -= 1
            raise StoreError("cannot create the tables: database is locked")
        return real(self, create=create)

    monkeypatch.setattr(database.Store, "_migrate", held)
    monkeypatch.setattr(database.time, "sleep", lambda seconds: None)
    with database.open(tmp_path / "new.sqlite", create=True) as st:
        assert st.stats()["documents"] == {"ok": 0, "error": 0}
    assert failures["left"] == 0

    failures["left"] = 99
    with pytest.raises(StoreError, match="database is locked"):
        database.open(tmp_path / "held.sqlite", create=True)
    failures["left"], calls[:] = 1, []
    (tmp_path / "other.sqlite").touch()
    with pytest.raises(StoreError, match="no chanjia tables"):
        database.open(tmp_path / "other.sqlite", create=False)
    assert calls == [False, False, False]  # no second try: then read-only, then immutable (an empty file)
