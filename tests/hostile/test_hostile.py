"""Issue 14's hostile input as a careless user and a malicious file bring it (see
:mod:`.generate`): ``chanjia extract`` (1 and 2 workers, SQLite and PostgreSQL), ``check`` and
``report`` over it each end within their budget with one line per bad file or a success line and
no traceback; every good file beside the bad ones is stored, and nothing is stored twice."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy
from openpyxl import load_workbook

from chanjia_nlp.outputs import FORMULA_STARTS, escape_name, spreadsheet_text

from ..conftest import fresh_pg_schema
from .generate import Hostile, build, loosen, mixed_text

pytestmark = pytest.mark.slow  # browsers / processes: deselect with -m 'not slow'

#: A hang guard, not a timing assertion: a run that blocks on a pipe or loops would never end.
BUDGET_SECONDS = 300
#: Root reads a mode-000 folder anyway; without these capabilities it is held to the modes.
SETPRIV = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
CAN_DROP = os.geteuid() != 0 or shutil.which("setpriv") is not None


def chanjia(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    prefix = SETPRIV if os.geteuid() == 0 else []
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "chanjia_nlp", *args], cwd=cwd, capture_output=True, text=True,
        timeout=BUDGET_SECONDS, env={**os.environ, "COLUMNS": "200"},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    made = build(tmp_path_factory.mktemp("hostile"), permissions=CAN_DROP)
    yield made
    loosen(made)


def _documents(url: str, schema: str | None = None) -> list[tuple[str, str, str]]:
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.connect() as conn:
        if schema:
            conn.exec_driver_sql(f'SET search_path TO "{schema}"')
        rows = conn.exec_driver_sql(
            "SELECT path, status, doc_id FROM documents WHERE superseded_by IS NULL ORDER BY path"
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _check_run(done: subprocess.CompletedProcess, stored: list[tuple[str, str, str]], made: Hostile) -> None:
    assert done.returncode == 1  # some files failed
    lines = done.stderr.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) or " documents (" in line for line in lines), lines
    paths = [path for path, _, _ in stored]
    assert len(paths) == len(set(paths))  # nothing stored twice
    ok = {path for path, status, _ in stored if status == "ok"}
    errors = {path: doc_id for path, status, doc_id in stored if status == "error"}
    assert {escape_name(p) for p in made.good} <= ok  # every good file beside the bad ones
    assert {escape_name(p) for p in made.bad} | set(made.direct) == set(errors)
    assert len(set(errors.values())) == len(errors)  # no two unreadable files share one doc_id
    assert sum(line.startswith("error: ") for line in lines) == len(errors)  # one line each


def _check_identity(db: str, made: Hostile) -> None:
    """1: every copy is a duplicate submission of its original, with no records of its own; one
    name in two folders is two documents; and a re-run over the folder adds nothing."""
    with sqlite3.connect(db) as conn:
        dup = dict(conn.execute(
            "SELECT d.path, o.path FROM documents d JOIN documents o ON o.location = d.duplicate_of "
            "AND o.superseded_by IS NULL WHERE d.superseded_by IS NULL AND d.path LIKE 'c01_%'"
        ).fetchall())
        counted = conn.execute(
            "SELECT count(*) FROM quantities q JOIN documents d ON d.version_id = q.version_id "
            "WHERE d.duplicate_of IS NOT NULL"
        ).fetchone()[0]
        names = conn.execute("SELECT count(DISTINCT doc_id) FROM documents WHERE superseded_by IS NULL "
                             "AND path LIKE 'c01_identity/%/年度总结.txt'").fetchone()[0]
    for group in made.copies:  # one of each group is the document (whichever was stored first), the rest copies of it
        [original] = group - dup.keys()
        assert {dup[path] for path in group - {original}} == {original}
    assert set(dup) == set().union(*made.copies) - {min(g - dup.keys()) for g in made.copies}
    assert counted == 0 and names == 2


def test_extract_with_one_and_two_workers_into_sqlite(hostile, tmp_path):
    db1, db2 = str(tmp_path / "one.sqlite"), str(tmp_path / "two.sqlite")
    first = chanjia("extract", str(hostile.folder), *hostile.direct, "--db", db1, cwd=tmp_path)
    stored = _documents(db1)
    _check_run(first, stored, hostile)
    assert "error: c12_names/空.txt: the file is empty" in first.stderr  # GBK name shown decoded
    assert "error: c23_bidi/⟨U+202E⟩empty.txt: the file is empty" in first.stderr
    assert "c05_special/pipe.txt: this is a named pipe (FIFO), not a file" in first.stderr
    if hostile.permissions:
        assert "error: c13_folders/mode000: cannot open this folder (Permission denied)" in first.stderr
        assert "error: c13_folders/r_no_x: cannot open the files of this folder" in first.stderr
    _check_identity(db1, hostile)
    damaged = {row[0] for row in sqlite3.connect(db1).execute("SELECT DISTINCT path FROM quantities WHERE damaged")}
    assert damaged == {f"c21_encodings/{name}" for name, (_, lines) in mixed_text().items() if lines}
    second = chanjia("extract", str(hostile.folder), *hostile.direct, "--db", db2, "--workers", "2", cwd=tmp_path)
    _check_run(second, _documents(db2), hostile)
    assert _documents(db2) == stored
    again = chanjia("extract", str(hostile.folder), *hostile.direct, "--db", db1, "-w", "2", cwd=tmp_path)
    _check_run(again, _documents(db1), hostile)
    assert _documents(db1) == stored  # a re-run adds nothing


def test_extract_into_postgresql(hostile, tmp_path):
    with fresh_pg_schema() as (url, schema):
        done = chanjia("extract", str(hostile.folder), *hostile.direct, "--db", url, "--schema", schema, "-w", "2",
                       cwd=tmp_path)
        stored = _documents(url, schema)
        _check_run(done, stored, hostile)
        local = tmp_path / "local.sqlite"
        chanjia("extract", str(hostile.folder), *hostile.direct, "--db", str(local), cwd=tmp_path)
        assert stored == _documents(str(local))


def test_check_and_report_go_on_past_bad_input(hostile, tmp_path):
    db = str(tmp_path / "c.sqlite")
    chanjia("extract", str(hostile.folder), "--db", db, "-q", cwd=tmp_path)
    out = tmp_path / "findings.xlsx"
    done = chanjia("check", *map(str, hostile.ledgers), "--db", db, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(hostile.bad_ledgers)
    for ledger in hostile.bad_ledgers:  # one line naming it; the other ledgers were checked
        assert sum(ledger.name in line and "131,072 characters" in line for line in errors) == 1
    book = load_workbook(out)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert any(c.value == "inconsistent" for c in cells)  # the corpus ledger's findings are there
    assert not [c for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)
                and spreadsheet_text(c.value) != c.value]
    report = tmp_path / "report.html"
    done = chanjia("report", "--db", db, "-o", str(report), cwd=tmp_path)
    assert done.returncode == 0 and report.exists()
    page = report.read_text(encoding="utf-8").split('<script type="application/json"')[0]
    assert "⟨U+202E⟩empty.txt" in page and "\u202e" not in page.replace('data-value="', "")
