"""Identical copies written to --out without a database (counted once, as the database counts
them), and files refused by size before they are read (issue 14 classes 1 and 9)."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

COPY = "锡山区总工会\n\n2022年，全区建成职工之家45个，新增会员2100名，培训职工3000人次。\n"
OTHER = "惠山区总工会\n\n全区建成职工之家3个。\n"
COPIES = {"总结.txt", "总结(1).txt", "z/总结 - 副本.txt", "z/y/copy.txt"}


def chanjia(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chanjia_nlp", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def folder_with_copies(folder: Path) -> Path:
    for rel in COPIES:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(COPY, encoding="utf-8")
    (folder / "other.txt").write_text(OTHER, encoding="utf-8")
    (folder / "other-gbk.txt").write_bytes(OTHER.encode("gb18030"))  # the same text, other bytes: not a copy
    return folder


@pytest.mark.parametrize("workers", ["1", "2"])
def test_jsonl_without_a_database_counts_identical_copies_once(tmp_path, workers):
    folder = folder_with_copies(tmp_path / "reports")
    done = chanjia("extract", "reports", "--out", "x.jsonl", "-w", workers, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()]
    documents = {r["path"]: r for r in records if r["type"] == "document"}
    assert set(documents) == COPIES | {"other.txt", "other-gbk.txt"}  # every file has its document record
    originals = [p for p in COPIES if not documents[p].get("duplicate_of")]
    assert len(originals) == 1  # one of the copies is the document …
    (original,) = originals
    for path in COPIES - {original}:  # … the others its duplicate submissions, without text or figures
        assert documents[path]["duplicate_of"] == original and documents[path]["text"] is None
        assert documents[path]["doc_id"] == documents[original]["doc_id"]
        assert f"warning: {path} is a duplicate submission of {original} (the same bytes)" in done.stderr
    assert not documents["other.txt"].get("duplicate_of") and not documents["other-gbk.txt"].get("duplicate_of")
    figures = [r for r in records if r["type"] == "quantity"]
    assert {r["path"] for r in figures} == {original, "other.txt", "other-gbk.txt"}
    # the same counts as the database gives for the same folder
    chanjia("extract", "reports", "--db", "c.sqlite", "-w", workers, cwd=tmp_path)
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        stored = db.execute("SELECT count(*) FROM quantities").fetchone()[0]
        duplicates = db.execute("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0]
    assert len(figures) == stored and duplicates == len(COPIES) - 1
    claims = sum(bool(r.get("claim")) for r in figures)
    assert f"6 documents (6 ok, 0 error, 0 skipped), {len(figures)} quantities ({claims} claims)" in done.stderr


def test_csv_without_a_database_names_the_document_a_copy_duplicates(tmp_path):
    folder_with_copies(tmp_path / "reports")
    done = chanjia("extract", "reports", "--out", "x.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    documents = {row["path"]: row for row in rows if row["type"] == "document"}
    copies = [row for path, row in documents.items() if path in COPIES and row["duplicate_of"]]
    assert len(copies) == len(COPIES) - 1 and len({row["duplicate_of"] for row in copies}) == 1
    assert {row["path"] for row in rows if row["type"] == "quantity"} & COPIES == {copies[0]["duplicate_of"]}


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_text(OTHER, encoding="utf-8")
    with (folder / "sparse.txt").open("wb") as stream:
        stream.truncate(2 * 2**30)  # 2 GB that take no disk: reading it would take 2 GB of memory
    (folder / "small-but-over.txt").write_text(COPY * 40, encoding="utf-8")
    done = chanjia("extract", "reports", "--db", "c.sqlite", "--max-file-bytes", "2000", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = sorted(line for line in done.stderr.splitlines() if line.startswith("error:"))
    size = (folder / "small-but-over.txt").stat().st_size
    assert errors == [
        f"error: small-but-over.txt: the file is {size:,} bytes, over the 2,000 bytes limit; split it or raise --max-bytes",
        "error: sparse.txt: the file is 2048 MB, over the 2,000 bytes limit; split it or raise --max-bytes",
    ]
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        rows = dict(db.execute("SELECT path, status FROM documents"))
    assert rows == {"good.txt": "ok", "sparse.txt": "error", "small-but-over.txt": "error"}
    default = chanjia("extract", "reports/sparse.txt", "--out", "x.jsonl", cwd=tmp_path)
    assert "the file is 2048 MB, over the 50 MB limit; split it or raise --max-bytes" in default.stderr
