"""Common 台账 layouts (tests/cases/ledger_common_layouts.yaml): target / completed / completion-rate
columns, a sheet without 年度 (its year from the title or the 填报日期, or --period), two sheets, a
unit in the header; and the errors that name the column roles with the YAML a CLI user writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook

from chanjia_nlp.crosscheck.commands import check
from chanjia_nlp.crosscheck.run import run_checks
from chanjia_nlp.errors import ConfigError, DocumentError
from chanjia_nlp.ledger import ROLES, read_ledger

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "cases" / "ledger_common_layouts.yaml").read_text(encoding="utf-8"))


def _workbook(sheets: list[dict], path: Path) -> Path:
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec["name"])
        for row in spec["rows"]:
            sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    return path


def _claims(specs: list[dict]) -> list[dict]:
    records, at = [], 0
    for spec in specs:
        record = {"type": "quantity", "claim": True, "doc_id": "d1", "path": "r.txt", "start": at,
                  "end": at + len(spec["text"]), "qualifier": "exact", "scope": None, "level": None, "currency": None,
                  "indicator_text": None, "target": False, "sentence": spec["text"] + "。", **spec}
        record.setdefault("low", record["value"])
        record.setdefault("high", None if record["qualifier"] == "more_than" else record["value"])
        records.append(record)
        at += 100
    return records


def _where(finding: dict) -> str:
    ledger = finding["ledger"]
    return f"{ledger['sheet']}!{ledger['cell']}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_common_layouts(case, tmp_path):
    path = _workbook(case["sheets"], tmp_path / "台账.xlsx")
    ledger = read_ledger(path, period=case.get("period"))
    found = run_checks(ledger.rows, _claims(case["claims"]), internal=False, copies=False)
    expect = case["expect"]
    got = {f"{f['check']} {_where(f)}": f["verdict"] for f in found if f["check"] in ("ledger", "ledger_rate")}
    assert got == expect["findings"], [f["message"] for f in found]
    by_cell = {_where(f): f for f in found if f["check"] == "ledger"}
    for cell, texts in (expect.get("evidence") or {}).items():
        assert sorted(e["text"] for e in by_cell[cell]["evidence"]) == sorted(texts), by_cell[cell]["message"]
    rows = {f"{r.sheet}!{r.cells['value']}": r for r in ledger.rows if "value" in r.cells}
    for cell, period in (expect.get("periods") or {}).items():
        assert rows[cell].period == period
    for words in expect.get("warnings") or ():
        assert any(words in w for w in ledger.warnings), (words, ledger.warnings)


def test_rate_is_never_a_value_and_target_rows_are_targets(tmp_path):
    (case,) = [c for c in CASES if c["id"] == "target_completed_rate"]
    ledger = read_ledger(_workbook(case["sheets"], tmp_path / "l.xlsx"))
    assert ledger.columns["目标完成"] == {"header": 2, "subject": "A", "indicator_text": "B", "target": ["C"],
                                         "value": ["D"], "rate": "E"}
    assert [(r.cells["value"], r.target, str(r.value)) for r in ledger.rows] == [
        ("C3", True, "2000"), ("D3", False, "2250"), ("C4", True, "200"), ("D4", False, "180")]
    found = run_checks(ledger.rows, [], internal=False, copies=False)
    (rate,) = [f for f in found if f["check"] == "ledger_rate"]
    assert "95%" in rate["message"] and "90" in rate["message"] and float(rate["expected"]) == 90


def test_unknown_columns_name_the_roles_and_the_yaml_to_write(tmp_path):
    path = _workbook([{"name": "表一", "rows": [["甲", "乙", "丙"], ["惠山区", "新增高技能人才", 2250]]}],
                     tmp_path / "odd.xlsx")
    with pytest.raises(DocumentError) as err:
        read_ledger(path)
    message = str(err.value)
    assert "--mapping" in message and '"表一": {' in message and "\n" not in message
    assert all(role in message for role in ROLES if role != "ignore")
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"表一": {subject: A, indicator_text: B, value: C, header: 1}\n', encoding="utf-8")
    ledger = read_ledger(path, mapping=mapping, period=2023)
    assert [(r.subject, r.indicator, str(r.value), r.period) for r in ledger.rows] == [
        ("惠山区", "high_skilled_talent", "2250", "2023")]
    with pytest.raises(ConfigError, match="valid roles: .*target.*rate"):
        read_ledger(path, mapping={"表一": {"amount": "C"}})
    with pytest.raises(ConfigError, match="--period.* a year"):
        read_ledger(path, mapping=mapping, period="next year")


def test_check_takes_period_and_mapping(tmp_path):
    path = _workbook([{"name": "表一", "rows": [["甲", "乙", "丙"], ["惠山区", "新增高技能人才", 2250]]}],
                     tmp_path / "odd.xlsx")
    records = tmp_path / "r.jsonl"
    import json

    records.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _claims(
        [{"subject": "惠山区", "indicator": "high_skilled_talent", "text": "2250名", "value": "2250", "kind": "count",
          "unit": "人", "period": "2023"}])), encoding="utf-8")
    runner = CliRunner()
    unread = runner.invoke(check, [str(path), "--records", str(records), "--no-copies"])
    assert unread.exit_code == 1 and "--mapping" in unread.output and "Traceback" not in unread.output
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"表一": {subject: A, indicator_text: B, value: C}\n', encoding="utf-8")
    done = runner.invoke(check, [str(path), "--records", str(records), "--no-copies", "--mapping", str(mapping),
                                 "--period", "2023"])
    assert done.exit_code == 0, done.output
    bad = runner.invoke(check, [str(path), "--records", str(records), "--period", "23"])
    assert bad.exit_code == 2 and "--period" in bad.output
