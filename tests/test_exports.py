"""Exports assessors open (chanjia_nlp.exports): CSV with a byte-order mark and no formulas,
workbooks whose figures are numbers in the format of their unit, Parquet files of one schema
that concatenate, evidence as ``path · 第N段 · sentence``. The database is the hand-built sample
of tests/test_assessment.py, plus a claim whose subject reads as a formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chanjia_nlp import store
from chanjia_nlp.cli import cli
from chanjia_nlp.crosscheck.export import COLUMNS, evidence_line, write_findings
from chanjia_nlp.exports import number_format, parquet_decimal, xlsx_number

from .test_assessment import FINDINGS, SAMPLE

FORMULA = "=HYPERLINK(\"http://x\",\"y\")"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("exports") / "chanjia.sqlite"
    with store.open(path, create=True) as st:
        run = st.begin_run(command="test")
        for n, (doc, claims) in enumerate(SAMPLE):
            if n == 0:  # a subject that a spreadsheet would run, on a copy of the first claim
                claims = [*claims, {**claims[0], "start": claims[0]["start"] + 1, "indicator_text": FORMULA}]
            st.write_document(doc, claims, run)
        st.write_findings(FINDINGS, run)
    return str(path)


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_csv_files_open_in_excel_and_run_no_formula(db, tmp_path):
    for command in ("claims", "table"):
        out = tmp_path / f"{command}.csv"
        _run(command, "--db", db, "--out", str(out))
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), command  # UTF-8 with a byte-order mark
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells), command
        assert any("惠山区" in cell for cell in cells)
    claims = (tmp_path / "claims.csv").read_text(encoding="utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in claims
    # standard output redirected to a file (not a terminal) makes a file Excel opens: the mark too
    assert _run("claims", "--db", db, "--format", "csv").startswith("\ufeff")


def _by_header(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


@pytest.mark.slow
def test_claims_workbook_has_numbers_in_the_format_of_their_unit(db, tmp_path):
    out = tmp_path / "claims.xlsx"
    _run("claims", "--db", db, "--out", str(out))
    rows = _by_header(load_workbook(out)["claims"])
    assert rows and all(r["value"].data_type == "n" for r in rows)
    money = next(r for r in rows if r["kind"].value == "money")
    assert money["value"].number_format.startswith("#,##0") and money["value"].number_format.endswith('"元"')
    count = next(r for r in rows if r["kind"].value == "count" and r["unit"].value == "家")
    assert count["value"].number_format == '#,##0"家"' and isinstance(count["value"].value, int)
    formula = next(r for r in rows if r["indicator_text"].value and "HYPERLINK" in r["indicator_text"].value)
    assert formula["indicator_text"].data_type == "s" and formula["indicator_text"].value == "'" + FORMULA


@pytest.mark.slow
def test_table_workbook_has_the_table_and_a_sheet_per_verdict(db, tmp_path):
    out = tmp_path / "table.xlsx"
    _run("table", "--db", db, "--out", str(out))
    book = load_workbook(out)
    assert book.sheetnames[0] == "assessment" and "inconsistent" in book.sheetnames
    rows = _by_header(book["assessment"])
    assert all(r["value"].data_type == "n" for r in rows if r["value"].value is not None)
    (bad,) = _by_header(book["inconsistent"])
    assert bad["ledger_value"].value == 45000 and bad["ledger_value"].data_type == "n"
    assert bad["ledger_verdict"].value == "inconsistent"
    assert " · 第" in bad["evidence"].value


def test_findings_workbook_has_numbers_and_the_canonical_subject(tmp_path):
    evidence = [{"doc_id": "d1", "path": "reports/a.txt", "start": 9, "end": 15, "text": "12.6%", "role": "contradicts"}]
    finding = {
        "type": "finding", "finding_id": "p", "check": "ledger", "verdict": "inconsistent", "message": "=1+1",
        "subject": "惠山区总工会", "subject_code": "320206", "subject_name": "惠山区", "expected": "12.6",
        "observed": "11.5", "gap": "-1.1", "kind": "percent", "unit": "%", "evidence": evidence,
        "ledger": {"file": "l.xlsx", "sheet": "S", "row": 3, "cell": "D3", "value": "11.5%"},
    }
    money = {**finding, "finding_id": "m", "expected": "2650000", "observed": "2648000.5", "gap": "-1999.5",
             "kind": "money", "unit": "元", "currency": "CNY"}
    text = "标题\n\n惠山区：覆盖率达12.6%。另有其他。"
    evidence[0].update(start=text.index("12.6%"), end=text.index("12.6%") + 5)
    out = tmp_path / "f.xlsx"
    write_findings([finding, money], out, documents={"d1": text})
    rows = _by_header(load_workbook(out)["inconsistent"])
    percent, yuan = rows
    assert percent["expected"].value == pytest.approx(0.126) and percent["expected"].number_format == "0.0%"
    assert yuan["observed"].value == pytest.approx(2648000.5) and yuan["observed"].number_format == '#,##0.0"元"'
    assert all(r[c].data_type == "n" for r in rows for c in ("expected", "observed", "gap"))
    assert percent["subject_code"].value == "320206" and percent["subject_name"].value == "惠山区"
    assert percent["message"].value == "'=1+1" and percent["message"].data_type == "s"
    assert percent["evidence"].value == "reports/a.txt · 第2段 · 惠山区：覆盖率达12.6%。"
    assert percent["evidence_location"].value == f"reports/a.txt:{evidence[0]['start']}-{evidence[0]['end']} (contradicts)"
    csv_out = tmp_path / "f.csv"
    write_findings([finding], csv_out)
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8-sig")))
    assert tuple(row) == COLUMNS and row["message"] == "'=1+1" and row["subject_name"] == "惠山区"
    assert row["evidence"] == "reports/a.txt · 12.6%"  # without the document's text: no paragraph


def test_evidence_line_uses_the_spans_sentence():
    span = {"doc_id": "d", "path": "p.txt", "start": 3, "end": 6, "text": "25家", "sentence": "共认定25家。"}
    assert evidence_line(span, {"d": "标题\n共认定25家。"}) == "p.txt · 第2段 · 共认定25家。"


def test_two_parquet_exports_concatenate(db, tmp_path):
    for command, filters in (("claims", (["--subject", "惠山区"], ["--subject", "江都", "--targets", "only"])),
                             ("table", (["--by", "district"], ["--by", "city"]))):
        paths = []
        for n, extra in enumerate(filters):
            path = tmp_path / f"{command}{n}.parquet"
            _run(command, "--db", db, *extra, "--out", str(path))
            paths.append(path)
        first, second = (pq.read_table(p) for p in paths)
        assert first.schema == second.schema, command
        assert first.schema.field("value").type == pa.decimal128(38, 6)
        both = pa.concat_tables([first, second])
        assert both.num_rows == first.num_rows + second.num_rows > 0
    values = pq.read_table(tmp_path / "claims0.parquet").column("value").to_pylist()
    assert Decimal("2150") in values


def test_number_formats_and_decimals():
    assert number_format("money", "元", "CNY", Decimal("1234.56")) == '#,##0.00"元"'
    assert number_format("money", "元", "USD", Decimal("5")) == "#,##0"
    assert number_format("percent", "%", None, Decimal("112.5")) == "0.0%" and xlsx_number("112.5", "percent") == 1.125
    assert number_format("percentage_point", None, None, Decimal("3.6")) == '#,##0.0"个百分点"'
    assert number_format("count", 'a"b', None, Decimal("3")) == "#,##0"
    assert xlsx_number(None) is None and xlsx_number("x") is None and xlsx_number(Decimal("7")) == 7
    assert parquet_decimal(Decimal("0.12345678")) == Decimal("0.123457") and parquet_decimal(None) is None
