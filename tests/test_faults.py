"""Faults at the edges, library level: only regular files are read, unreadable files and
folders get their own record, names that are not UTF-8 are stored losslessly, and a database
path that is no database (or sits in a read-only folder) gives one line, not a traceback.
The same classes run end to end over generated files in ``tests/hostile/``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from chanjia_nlp import store
from chanjia_nlp.cli import cli
from chanjia_nlp.errors import DocumentError, StoreError
from chanjia_nlp.outputs import decoded_name, escape_name, shown_name
from chanjia_nlp.readers import read_document, read_file, sniff_metadata

from .conftest import ROOT
from .hostile.test_hostile import SETPRIV


@pytest.mark.parametrize("make", ["fifo", "zero", "urandom", "null"])
def test_only_regular_files_are_read(tmp_path, make):
    path = tmp_path / "x.txt"
    if make == "fifo":
        os.mkfifo(path)
    else:
        os.symlink(f"/dev/{make}", path)
    with pytest.raises(DocumentError, match="not a file; chanjia reads only regular files"):
        read_file(path)
    doc, text = read_document(path)
    assert doc.status == "error" and text is None


def test_read_file_never_reads_past_the_limit(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x" * 100)
    assert read_file(tmp_path / "a.txt", 100) == b"x" * 100
    with pytest.raises(DocumentError, match="over the"):
        read_file(tmp_path / "a.txt", 99)


def test_unreadable_files_never_share_a_doc_id(tmp_path):
    names = ["a.txt", "b.txt", "sub/c.txt", "missing.txt"]
    for name in names[:3]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"" if name != "b.txt" else b" \n")
    ids = {read_document(tmp_path / name, display_path=name)[0].doc_id for name in names}
    assert len(ids) == len(names)


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("年度总结".encode("gbk") + b".txt", "年度总结.txt"),
        ("惠山区".encode("gb18030") + b"/a.txt", "惠山区/a.txt"),
        (b"\xff\xfe.txt", "\\xff\\xfe.txt"),
        ("好".encode() + b"/\x80.txt", "好/\\x80.txt"),
    ],
)
def test_names_that_are_not_utf8_are_kept_and_shown_decoded(raw, shown):
    name = os.fsdecode(raw)
    escaped = escape_name(name)
    escaped.encode("utf-8")  # storable anywhere
    assert "\\x" in escaped and escape_name(escaped) == escaped
    assert decoded_name(escaped) == shown == shown_name(name)


def test_names_that_are_not_utf8_reach_sqlite_and_the_records(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    raws = ("年度总结".encode("gbk") + b".txt", b"\xff\x80.txt", "空".encode("gbk") + b".txt")
    for raw in raws:
        (folder / os.fsdecode(raw)).write_text("" if raw.startswith("空".encode("gbk")) else "全区新增会员1200名。",
                                               encoding="utf-8")
    db = tmp_path / "c.sqlite"
    result = CliRunner().invoke(cli, ["extract", str(folder), "--db", str(db), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1 and "error: 空.txt: the file is empty" in result.output
    paths = sorted(row[0] for row in sqlite3.connect(db).execute("SELECT path FROM documents"))
    assert paths == sorted(escape_name(os.fsdecode(raw)) for raw in raws)
    assert "\\xff\\x80.txt" in paths and sorted(map(decoded_name, paths)) == ["\\xff\\x80.txt", "年度总结.txt", "空.txt"]


@pytest.mark.slow
def test_find_files_walks_past_unreadable_folders(tmp_path):
    for rel in ("a/ok.txt", "b/inside.txt", "c/inside.txt", "d/e/inside.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("全区新增会员1200名。", encoding="utf-8")
    os.chmod(tmp_path / "b", 0)
    os.chmod(tmp_path / "c", 0o444)
    os.chmod(tmp_path / "d", 0)
    code = (
        "import sys; from chanjia_nlp.readers import find_files, read_document\n"
        "for path, shown in find_files([sys.argv[1]]):\n"
        "    doc, _ = read_document(path, display_path=shown); print(shown, doc.status, doc.error, sep='|')\n"
    )
    try:
        prefix = SETPRIV if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                              timeout=120)
    finally:
        for rel in ("b", "c", "d"):
            os.chmod(tmp_path / rel, 0o755)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|") for line in done.stdout.splitlines()]
    assert [(shown, status) for shown, status, _ in rows] == [
        ("a/ok.txt", "ok"), ("b", "error"), ("c", "error"), ("d", "error")
    ]
    assert "chmod u+rx" in rows[1][2] and "chmod u+x" in rows[2][2]


@pytest.mark.parametrize("opening", ["\n", "\r\n", " \n", "\u3000\n", "\t\n\n", "2023年\n", "——\n"])
def test_page_head_rules_stay_linear_on_long_blank_openings(opening):
    text = opening * 3000 + "惠山区总工会\n\n全区新增会员1200名。"
    started = time.perf_counter()  # a hang guard only: the old rule took minutes here
    sniff_metadata(text)
    assert time.perf_counter() - started < 30


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"hello, not a database\n", b"\x00" * 4096, b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_file_that_is_no_database_is_one_line(tmp_path, content):
    path = tmp_path / "x.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="cannot open"):
        store.open(path, create=False)
    for command in (["stats", "--db", str(path)], ["claims", "--db", str(path)],
                    ["extract", str(ROOT / "corpus" / "07_traps.txt"), "--db", str(path)]):
        done = subprocess.run([sys.executable, "-m", "chanjia_nlp", *command], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("Error: cannot open")
    assert path.read_bytes() == content


@pytest.mark.slow
def test_a_database_in_a_read_only_folder_is_read(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "c.sqlite"
    assert CliRunner().invoke(cli, ["extract", str(ROOT / "corpus" / "02_district_summary_2022.txt"), "--db", str(db),
                                    "-q"]).exit_code == 0
    os.chmod(folder, 0o555)
    prefix = SETPRIV if os.geteuid() == 0 else []
    out = tmp_path / "f.xlsx"
    try:
        stats = subprocess.run([*prefix, sys.executable, "-m", "chanjia_nlp", "stats", "--db", str(db), "--format", "json"],
                               capture_output=True, text=True, timeout=120)
        check = subprocess.run([*prefix, sys.executable, "-m", "chanjia_nlp", "check",
                                str(ROOT / "corpus/ledger/2023年度产改工作台账.xlsx"), "--db", str(db), "--out", str(out)],
                               capture_output=True, text=True, timeout=120)
    finally:
        os.chmod(folder, 0o755)
    assert stats.returncode == 0 and '"ok": 1' in stats.stdout, stats.stderr
    assert "Traceback" not in check.stderr and check.returncode != 0
    assert "readonly database" in check.stderr and out.exists()  # the findings file is written all the same


def test_a_mistyped_path_makes_no_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHANJIA_DB", raising=False)
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nonexistent"), str(tmp_path / "typo.txt")])
    assert result.exit_code == 2 and result.output.startswith("Error: no such file or folder")
    assert list(tmp_path.iterdir()) == []
