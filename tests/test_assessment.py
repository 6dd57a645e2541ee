"""The assessment table: a sample whose table was built by hand (tests/cases/assessment_table.yaml),
through real databases (SQLite, PostgreSQL) and the CLI; and the table of the bundled corpus and
sample 台账: one row per district, indicator and year, every chosen figure a span of its text."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chanjia_nlp import store
from chanjia_nlp.assessment import assessment_table, paragraph_number
from chanjia_nlp.cli import cli
from chanjia_nlp.errors import ConfigError

from .conftest import fresh_pg_schema

HERE = Path(__file__).parent
ROOT = HERE.parent
CASES = yaml.safe_load((HERE / "cases" / "assessment_table.yaml").read_text(encoding="utf-8"))


def _doc_id(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()


def _sentence(body: str, start: int, end: int) -> str:
    """The sentence around a span: from after the last 。 or line break before it to the next 。."""
    first = max(body.rfind("。", 0, start), body.rfind("\n", 0, start)) + 1
    last = body.find("。", end)
    return body[first : last + 1 if last >= 0 else len(body)]


def _sample() -> tuple[list[tuple[dict, list[dict]]], list[dict]]:
    """(document, claims) pairs and the ledger findings of the case file, with real offsets."""
    stored, spans = [], {}
    for case in CASES["documents"]:
        body, at, records = case["text"], 0, []
        doc = {"type": "document", "doc_id": _doc_id(case["path"]), "path": case["path"], "title": body.split("\n")[0],
               "published": case["published"], "status": "ok", "extractor_version": "test", "text": body}
        for line in case["claims"]:
            text, value, indicator, subject, level, period, scope, kind, unit, *rest = [
                None if f == "-" else f for f in line.split()
            ]
            start = body.index(text, at)
            at = start + len(text)
            parent = next((spans[case["path"], r[7:]] for r in rest if r and r.startswith("parent=")), None)
            spans[case["path"], text] = start
            records.append({
                "type": "quantity", "doc_id": doc["doc_id"], "path": case["path"], "text": text, "start": start, "end": at, "value": value, "low": value,
                "high": value, "qualifier": "exact", "kind": kind, "unit": unit,
                "currency": "CNY" if kind == "money" else None, "number_text": None, "damaged": False,
                "sentence": _sentence(body, start, at),
                "repeated": False, "claim": True, "indicator": indicator, "indicator_text": None, "subject": subject,
                "level": level, "period": period, "scope": scope, "parent": parent[0] if isinstance(parent, tuple) else parent,
                "target": "target" in rest, "why": None,
            })
        stored.append((doc, records))
    findings = []
    for item in CASES["findings"]:
        path, text = item.pop("evidence_of").split(":")
        start = spans[path, text]
        findings.append({
            "type": "finding", "finding_id": f"f-{len(findings)}", "expected": None, "gap": None, "doc_id": None,
            "path": None, **item,
            "evidence": [{"doc_id": _doc_id(path), "path": path, "start": start, "end": start + len(text), "text": text,
                          "role": "contradicts"}],
        })
    return stored, findings


SAMPLE, FINDINGS = _sample()


def _shown(row: dict) -> dict:
    """A table row as the case file writes it."""
    out = {k: row[k] for k in ("region", "region_code", "indicator", "year", "target", "text", "scope", "basis", "path",
                               "paragraph")}
    out["value"] = None if row["value"] is None else format(row["value"], "f")
    out["candidates"] = {c["text"]: c["lost"] for c in row["candidates"]}
    for name in ("ledger_verdict", "ledger_cell"):
        out[name] = row[name]
    out["ledger_value"] = None if row["ledger_value"] is None else format(row["ledger_value"], "f")
    return out


def _expected(level: str) -> list[dict]:
    rows = []
    for row in CASES["expected"][level]:
        rows.append({"ledger_value": None, "ledger_verdict": None, "ledger_cell": None, **row})
    return rows


def _compare(rows: list[dict], level: str) -> None:
    shown, expected = [_shown(r) for r in rows], _expected(level)
    assert [(r["region"], r["indicator"], r["year"], r["target"]) for r in shown] == [
        (r["region"], r["indicator"], r["year"], r["target"]) for r in expected
    ]
    for got, want in zip(shown, expected, strict=True):
        reasons = got.pop("candidates")
        wanted = want.pop("candidates")
        assert got == want
        assert sorted(reasons) == sorted(wanted), got["indicator"]
        for text, start in wanted.items():
            assert reasons[text].startswith(start), (text, reasons[text])


def _records() -> list[dict]:
    return [record for doc, claims in SAMPLE for record in (doc, *claims)]


@pytest.mark.parametrize("level", ["district", "city"])
def test_the_table_built_by_hand(level):
    _compare(assessment_table(_records(), FINDINGS, by=level), level)


def test_every_chosen_figure_slices_back_to_its_text():
    texts = {doc["path"]: doc["text"] for doc, _ in SAMPLE}
    for row in assessment_table(_records(), FINDINGS, by="district"):
        for span in row["evidence"]:
            assert texts[span["path"]][span["start"] : span["end"]] == span["text"]
            assert span["text"] in span["sentence"] and span["title"]


@pytest.fixture(params=["sqlite", "postgresql"])
def sample_db(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "chanjia.sqlite"), None
        return
    with fresh_pg_schema() as (url, schema):
        yield url, schema


def test_the_store_gives_the_same_table_as_a_dataframe(sample_db):
    url, schema = sample_db
    with store.open(url, schema=schema, create=True) as st:
        run = st.begin_run(command="test")
        for doc, claims in SAMPLE:
            st.write_document(doc, claims, run)
        st.write_findings(FINDINGS, run)
        frame = st.table(by="district")
        assert frame["value"].map(type).tolist() == [Decimal] * len(frame)
        _compare(frame.to_dict("records"), "district")
        _compare(st.table(by="city").to_dict("records"), "city")
        assert st.table(subject="江都", by="district")["region"].tolist() == ["江都区", "江都区"]
        assert st.table(targets="only")["text"].tolist() == ["5万人次"]
        assert len(st.table(ledger=False).dropna(subset=["ledger_verdict"])) == 0
        with pytest.raises(ConfigError, match="`by` = 'county' is invalid; it must be one of: 'district', 'city'"):
            st.table(by="county")
        with pytest.raises(ConfigError, match="no district, city or province"):
            st.table(subject="星光科技公司")


@pytest.mark.slow
def test_the_table_command(tmp_path):
    db = tmp_path / "chanjia.sqlite"
    with store.open(db, create=True) as st:
        run = st.begin_run(command="test")
        for doc, claims in SAMPLE:
            st.write_document(doc, claims, run)
        st.write_findings(FINDINGS, run)
    runner = CliRunner()
    shown = runner.invoke(cli, ["table", "--db", str(db), "--subject", "惠山区"])
    assert shown.exit_code == 0, shown.output
    assert "6 rows (by district)" in shown.output and "sum_of_increments" in shown.output
    assert "45000 inconsistent" in shown.output
    lines = runner.invoke(cli, ["table", "--db", str(db), "--format", "jsonl"]).output.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["value"] for r in rows][:2] == ["2150", "12"] and rows[0]["evidence"][0]["paragraph"] == 2
    out = tmp_path / "table.csv"
    assert runner.invoke(cli, ["table", "--db", str(db), "--out", str(out)]).exit_code == 0
    csv_text = out.read_text(encoding="utf-8")
    assert csv_text.startswith("\ufefflevel,")  # a byte-order mark: Excel reads the Chinese
    assert "huishan_2022.txt · 第3段 · " in csv_text and "80家 (huishan_2022.txt:" in csv_text
    book = tmp_path / "table.xlsx"
    assert runner.invoke(cli, ["table", "--db", str(db), "--by", "city", "--out", str(book)]).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(book).active
    header = [c.value for c in sheet[1]]
    values = [row[header.index("value")].value for row in sheet.iter_rows(min_row=2)]
    assert values[:2] == [2150, 12] and all(isinstance(v, int | float) for v in values)
    bad = runner.invoke(cli, ["table", "--db", str(db), "--by", "town"])
    assert bad.exit_code == 2 and "'town' is not one of 'district', 'city', 'province'" in bad.output


def test_paragraph_numbers_count_non_blank_lines():
    text = "标题\n\n第一段。\n  \n第二段，25家。"
    assert [paragraph_number(text, text.index(s)) for s in ("标题", "第一段", "25家")] == [1, 2, 3]
    assert paragraph_number(None, 0) is None and paragraph_number("abc", 9) is None


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    """The bundled corpus extracted and the sample 台账 checked, as the README's commands do."""
    db = tmp_path_factory.mktemp("corpus") / "chanjia.sqlite"
    runner = CliRunner()
    done = runner.invoke(cli, ["extract", str(ROOT / "corpus"), "--db", str(db), "--quiet"])
    assert done.exit_code == 0, done.output
    ledger = ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx"
    checked = runner.invoke(cli, ["check", str(ledger), "--db", str(db), "--no-fail"])
    assert checked.exit_code == 0, checked.output
    return db


@pytest.mark.slow
def test_the_corpus_table_has_one_row_per_district_indicator_and_year(corpus_db):
    with store.open(corpus_db, create=False) as st:
        frame = st.table(by="district")
        docs = {d["path"]: d["text"] for d in st.records(types=["document"])}
        claims = {(c["path"], c["start"]): c for c in st.records(types=["quantity"]) if c["claim"]}
    keys = Counter(zip(frame["region_code"], frame["indicator"], frame["year"], frame["target"]))
    assert keys and max(keys.values()) == 1
    assert {"惠山区", "江都区", "梁溪区", "锡山区", "宜兴市"} <= set(frame["region"])
    for row in frame.to_dict("records"):
        chosen = [claims[span["path"], span["start"]] for span in row["evidence"]]
        for span in row["evidence"]:
            assert docs[span["path"]][span["start"] : span["end"]] == span["text"]
        # never two kinds, units, scopes or years in one row; targets apart
        assert len({(c["kind"], c["unit"], c["scope"], c["target"]) for c in chosen}) <= 1, row
        assert all(int(c["period"][:4]) == row["year"] and c["target"] == row["target"] for c in chosen)
        assert (row["value"] is None) == (not chosen)
    checked = frame.dropna(subset=["ledger_verdict"])
    by_cell = dict(zip(checked["ledger_cell"], checked["ledger_verdict"]))
    assert by_cell["江都区!F8"] == "inconsistent" and by_cell["惠山区!F7"] == "inconsistent"
    assert by_cell["江都区!F11"] == "consistent"


def test_the_readmes_first_query_returns_rows_on_the_corpus(corpus_db):
    """The first `chanjia claims` query the README shows, run on the corpus the README extracts."""
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if line.startswith("chanjia claims --"))
    args = shlex.split(line.split("#")[0])[1:]
    result = CliRunner().invoke(cli, [*args, "--db", str(corpus_db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(row) for row in result.output.splitlines()]
    assert len(rows) >= 3 and any(not r["target"] for r in rows), args
    assert all(r["indicator"] == "pilot_units" for r in rows)
