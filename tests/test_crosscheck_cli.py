"""``chanjia check`` and the findings it writes: XLSX, CSV, JSONL and the database."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chanjia_nlp import store
from chanjia_nlp.crosscheck.commands import check
from chanjia_nlp.crosscheck.export import COLUMNS, write_findings
from chanjia_nlp.crosscheck.findings import VERDICTS
from chanjia_nlp.crosscheck.run import read_records, run_checks
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.ledger import read_ledger

from .conftest import ROOT
from .test_crosscheck_corpus import EXPECTED, corpus_records

LEDGER = ROOT / EXPECTED["ledger"]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return corpus_records()


@pytest.fixture(scope="module")
def jsonl(records, tmp_path_factory):
    path = tmp_path_factory.mktemp("records") / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "not json\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def expected(records) -> list[dict]:
    return run_checks(read_ledger(LEDGER).rows, records)


@pytest.mark.slow
def test_check_writes_xlsx_with_a_sheet_per_verdict(jsonl, expected, tmp_path):
    out = tmp_path / "findings.xlsx"
    result = CliRunner().invoke(check, [str(LEDGER), "--records", str(jsonl), "--out", str(out)])
    assert result.exit_code == 3, result.output  # the sample ledger has inconsistent and unsupported rows
    assert "1 line is not a JSON record and was skipped" in result.output
    book = load_workbook(out)
    verdicts = [v for v in VERDICTS if any(f["verdict"] == v for f in expected)]
    assert book.sheetnames == ["summary", *verdicts]
    for verdict in verdicts:
        rows = list(book[verdict].iter_rows(values_only=True))
        assert rows[0] == COLUMNS
        assert len(rows) - 1 == sum(f["verdict"] == verdict for f in expected)
        assert {r[0] for r in rows[1:]} == {verdict}
    col = {name: i for i, name in enumerate(COLUMNS)}
    inconsistent = {r[col["ledger_cell"]]: r for r in book["inconsistent"].iter_rows(min_row=2, values_only=True)}
    f7 = inconsistent["F7"]
    assert f7[col["ledger_file"]] == "2023年度产改工作台账.xlsx" and f7[col["ledger_sheet"]] == "惠山区"
    assert f7[col["subject_code"]] == "320206" and f7[col["subject_name"]] == "惠山区"
    assert f7[col["ledger_value"]] == "45,000" and f7[col["reported"]] == "4.2万人次"
    assert f7[col["gap"]] == 3000 and f7[col["observed"]] == 45000 and f7[col["expected"]] == 42000  # numbers
    assert "02_district_summary_2022.txt:718-724 (contradicts)" in f7[col["evidence_location"]]
    assert "02_district_summary_2022.txt · 第" in f7[col["evidence"]] and "4.2万人次" in f7[col["evidence"]]
    cells = {c.column_letter: c for c in book["inconsistent"][2]}
    gap = next(c for c in book["inconsistent"][1] if c.value == "gap").column_letter
    assert cells[gap].data_type == "n" and "人次" in cells[gap].number_format
    summary = list(book["summary"].iter_rows(values_only=True))
    assert summary[0] == ("check", *verdicts, "total") and summary[-1][-1] == len(expected)
    for word in ("ledger", "ledger_total", "uncovered_claim", "inconsistent"):
        assert word in result.output  # the rich table


@pytest.mark.slow
def test_check_prints_the_rows_that_are_not_consistent_and_exits_3(jsonl):
    result = CliRunner().invoke(check, [str(LEDGER), "--records", str(jsonl)])
    assert result.exit_code == 3
    listed = result.output.split("ledger rows not consistent:\n")[1].splitlines()
    cells = [line.split()[1] for line in listed if line.startswith("  ")]
    assert cells == ["惠山区!F7", "惠山区!F8", "惠山区!F9", "江都区!F8", "江都区!F12", "惠山区!G16"]
    assert "  inconsistent 惠山区!F7     台账 45,000, reports 42000: 台账 F7 45,000人次 differs from 4.2万人次" in result.output
    assert "4 ledger rows are inconsistent or unsupported; exit code 3 (--no-fail to exit 0)" in result.output
    quiet = CliRunner().invoke(check, [str(LEDGER), "--records", str(jsonl), "--no-fail"])
    assert quiet.exit_code == 0 and "惠山区!F7" in quiet.output


def test_check_exits_0_when_every_row_is_consistent(jsonl, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["单位", "指标", "年度", "数量"])
    sheet.append(["惠山区", "新增高技能人才", "2022", 2150])
    sheet.append(["江都区", "签订集体合同", "2022", 177])
    ledger = tmp_path / "ok.xlsx"
    book.save(ledger)
    result = CliRunner().invoke(check, [str(ledger), "--records", str(jsonl), "--no-internal", "--no-copies"])
    assert result.exit_code == 0, result.output
    assert "not consistent" not in result.output


@pytest.mark.slow
def test_check_writes_csv_and_jsonl(jsonl, expected, tmp_path):
    for name in ("f.csv", "f.jsonl"):
        result = CliRunner().invoke(check, [str(LEDGER), "--records", str(jsonl), "--out", str(tmp_path / name),
                                            "--no-fail"])
        assert result.exit_code == 0, result.output
    with (tmp_path / "f.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(expected)
    got = [json.loads(line) for line in (tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()]
    assert got == expected


def _fill(records: list[dict], db: str, schema: str | None = None) -> None:
    with store.open(db, schema=schema, create=True) as st:
        run_id = st.begin_run(command="test")
        for doc in (r for r in records if r["type"] == "document"):
            st.write_document(doc, [r for r in records if r.get("doc_id") == doc["doc_id"] and r is not doc], run_id)


def _check_fills(db: str, extra: list[str], expected: list[dict], schema: str | None = None) -> None:
    result = CliRunner().invoke(check, [str(LEDGER), "--db", db, *extra])
    assert result.exit_code == 3, result.output
    with store.open(db, schema=schema, create=True) as st:
        stored = list(st.findings())
    assert sorted(f["finding_id"] for f in stored) == sorted(f["finding_id"] for f in expected)
    by_id = {f["finding_id"]: f for f in expected}
    for finding in stored:
        assert (finding["verdict"], finding["message"]) == (by_id[finding["finding_id"]]["verdict"],
                                                            by_id[finding["finding_id"]]["message"])
    # a second run updates the same findings instead of adding them again
    assert CliRunner().invoke(check, [str(LEDGER), "--db", db, *extra, "--no-fail"]).exit_code == 0
    with store.open(db, schema=schema, create=True) as st:
        assert len(list(st.findings())) == len(stored)


@pytest.mark.slow
def test_check_reads_and_fills_the_database(records, expected, tmp_path):
    db = str(tmp_path / "chanjia.sqlite")
    _fill(records, db)
    _check_fills(db, [], expected)


@pytest.mark.slow
def test_check_reads_and_fills_a_postgresql_schema(records, expected, pg_schema):
    url, schema = pg_schema
    _fill(records, url, schema)
    _check_fills(url, ["--schema", schema], expected, schema)


def test_records_without_text_say_copies_were_not_looked_for(records, tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "text"}, ensure_ascii=False) + "\n"
                            for r in records), encoding="utf-8")
    result = CliRunner().invoke(check, ["--records", str(path)])
    assert result.exit_code == 0 and "copied text was not looked for" in result.output
    assert "copied text" not in CliRunner().invoke(check, ["--records", str(path), "--no-copies"]).output


def test_internal_checks_and_copies_can_be_left_out(jsonl):
    result = CliRunner().invoke(check, ["--records", str(jsonl), "--no-internal", "--no-copies"])
    assert result.exit_code == 0 and "0 findings" in result.output
    result = CliRunner().invoke(check, ["--records", str(jsonl)])
    assert result.exit_code == 0 and "0 findings" in result.output  # the corpus adds up


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--db", "x.sqlite", "--records", "{jsonl}"], "give one source of claims"),
        (["--records", "{jsonl}", "--schema", "s"], "give --db too"),
        (["--records", "{jsonl}", "--money-tolerance", "2"], "is not a share from 0 up to 1"),
        (["--records", "{jsonl}", "--money-tolerance", "lots"], "is not a share from 0 up to 1"),
        (["--records", "{jsonl}", "--out", "findings.txt"], "'xlsx', 'csv', 'jsonl'"),
    ],
)
def test_bad_options_exit_2_saying_what_to_do(args, words, jsonl):
    result = CliRunner().invoke(check, [a.format(jsonl=jsonl) for a in args])
    assert result.exit_code == 2 and words in result.output


def test_without_a_source_it_reads_the_default_database(tmp_path, monkeypatch):
    from chanjia_nlp.errors import ChanjiaError

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHANJIA_DB", raising=False)
    result = CliRunner().invoke(check, [])
    assert isinstance(result.exception, ChanjiaError)  # cli.main prints it as one "Error: …" line
    assert "no database at chanjia.sqlite; run chanjia extract first" in str(result.exception)
    assert list(tmp_path.iterdir()) == []  # no empty database made


def test_help_has_an_example():
    result = CliRunner().invoke(check, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "chanjia check" in result.output


@pytest.mark.slow
def test_export_survives_control_characters(tmp_path):
    finding = {"type": "finding", "finding_id": "x", "check": "copied_text", "verdict": "flagged",
               "message": "flagged: \x0b", "evidence": [{"doc_id": "d", "path": "a.txt", "start": 0, "end": 3,
                                                          "text": "一\x00二" + "三" * 40000, "role": "copy"}]}
    write_findings([finding], tmp_path / "f.xlsx")
    (row,) = load_workbook(tmp_path / "f.xlsx")["flagged"].iter_rows(min_row=2, values_only=True)
    message, text = row[COLUMNS.index("message")], row[COLUMNS.index("evidence_text")]
    assert message == "flagged: " and text.startswith("一二三") and len(text) == 32767


def test_export_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ConfigError, match="must be one of"):
        write_findings([], tmp_path / "x.pdf")


def test_read_records_skips_lines_that_are_not_records(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"type": "document"}\n[1, 2]\n\n{broken\n', encoding="utf-8")
    assert read_records(path) == ([{"type": "document"}], 2)
