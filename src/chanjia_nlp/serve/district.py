"""The per-district page of ``chanjia serve``: one row per indicator and year with its evidence,
the 台账 verdict (as reviewed) and the figure's review; charts of each indicator by year with
stocks and flows apart; the filtered rows as CSV or XLSX.

A row's ledger verdict is the one its finding has after review: a corrected verdict replaces the
checker's, a rejected finding shows no verdict (``ledger_review`` says ``reject``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..exports import CSV_ENCODING, no_formulas, put_number, sheet_text
from ..outputs import spreadsheet_text
from ..report.charts import FAMILIES, family, indicator_series, year_bars

__all__ = ["FAMILIES", "district_charts", "district_rows", "family", "to_csv", "to_xlsx"]

def _cell(finding: Mapping[str, Any]) -> str:
    ledger = finding.get("ledger") or {}
    return "!".join(str(x) for x in (ledger.get("sheet"), ledger.get("cell") or ledger.get("row")) if x)


def district_rows(rows: Iterable[Mapping[str, Any]], ledger: Sequence[Mapping[str, Any]], *,
                  year: str | None = None, indicator: str | None = None, verdict: str | None = None,
                  targets: str = "include") -> list[dict[str, Any]]:
    """The table rows of one district, filtered, each with ``finding_id`` (the 台账 finding it
    shows), ``ledger_verdict`` as reviewed, ``ledger_review`` and ``family``.

    ``ledger``: the district's ledger findings as reviewed (:func:`apply_finding_review` dicts).
    """
    by_cell: dict[tuple[Any, str], Mapping[str, Any]] = {}
    for found in ledger:
        by_cell.setdefault((found.get("indicator"), _cell(found)), found)
    out = []
    for row in rows:
        item = dict(row)
        item["family"] = family(item.get("basis"))
        item["finding_id"] = item["ledger_review"] = None
        if item.get("ledger_cell"):
            hit = by_cell.get((item.get("indicator"), str(item["ledger_cell"])))
            if hit is not None:
                item["finding_id"] = hit.get("finding_id")
                item["ledger_review"] = hit.get("review")
                item["ledger_verdict"] = None if hit.get("review") == "reject" else hit.get("verdict")
                item["ledger_value"] = hit.get("observed")
        if year and str(item.get("year")) != year:
            continue
        if indicator and item.get("indicator") != indicator:
            continue
        if verdict and item.get("ledger_verdict") != verdict:
            continue
        planned = item.get("target") is True
        if (targets == "exclude" and planned) or (targets == "only" and not planned):
            continue
        out.append(item)
    return out


def district_charts(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str], families: Mapping[str, str]
                    ) -> list[dict[str, Any]]:
    """:func:`~chanjia_nlp.report.charts.indicator_series` of the rows, each with its SVG."""
    return [{**series, "svg": year_bars(series["bars"], label=series["title"])}
            for series in indicator_series(rows, names, families)]


#: The columns of an export, by key of the page's words.
EXPORT = ("region", "indicator", "indicator_id", "year", "target", "value", "unit", "figure", "scope", "basis",
          "reviewed", "ledger_value", "ledger_cell", "verdict", "ledger_review", "evidence")


def _export_rows(rows: Iterable[Mapping[str, Any]], words: Mapping[str, Any]) -> list[list[Any]]:
    s, names = words["serve"], words["indicator_names"]
    out = []
    for row in rows:
        evidence = "; ".join(
            f"{e.get('path')} {s['paragraph'].format(n=e.get('paragraph'))}" for e in row.get("evidence") or [])
        out.append([
            row.get("region"), names.get(row.get("indicator"), row.get("indicator")), row.get("indicator"),
            row.get("year"), s["target"] if row.get("target") else "", row.get("value"),
            _unit(row), row.get("text"),
            words["scopes"].get(row.get("scope"), row.get("scope")), words["bases"].get(row.get("basis"), row.get("basis")),
            s["reviewed_by"].format(name=row["reviewed_by"]) if row.get("reviewed_by") else "",
            row.get("ledger_value"), row.get("ledger_cell"),
            words["verdicts"].get(row.get("ledger_verdict"), row.get("ledger_verdict")),
            s.get("action_" + str(row.get("ledger_review")), "") if row.get("ledger_review") else "", evidence,
        ])
    return out


def _unit(row: Mapping[str, Any]) -> Any:
    if row.get("kind") == "money":
        return "元" if row.get("currency") in (None, "CNY") else row.get("currency")
    return row.get("unit")


def _header(words: Mapping[str, Any]) -> list[str]:
    s = words["serve"]
    labels = {"region": s["region"], "indicator": s["indicator"], "indicator_id": "indicator", "year": s["year"],
              "target": s["target"], "value": s["value"], "unit": words["labels"].get("unit", "unit"),
              "figure": s["figure"], "scope": s["scope"], "basis": s["basis"], "reviewed": s["reviewed"],
              "ledger_value": s["ledger_value"], "ledger_cell": s["ledger_cell"], "verdict": s["verdict"],
              "ledger_review": s["reviewed_finding"], "evidence": s["evidence"]}
    return [labels[k] for k in EXPORT]


def to_csv(rows: Iterable[Mapping[str, Any]], words: Mapping[str, Any]) -> bytes:
    """The rows as CSV for Excel (UTF-8 with a byte-order mark); no cell is a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header(words))
    for values in _export_rows(rows, words):
        writer.writerow(["" if v is None else spreadsheet_text(format(v, "f") if isinstance(v, Decimal) else str(v))
                         for v in values])
    return buffer.getvalue().encode(CSV_ENCODING)


def to_xlsx(rows: Sequence[Mapping[str, Any]], words: Mapping[str, Any], *, sheet: str) -> bytes:
    """The rows as a workbook: figures are numbers with their unit's format, no cell a formula."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet_text(sheet)[:31] or "sheet"
    ws.append(_header(words))
    value_at, ledger_at = EXPORT.index("value") + 1, EXPORT.index("ledger_value") + 1
    for n, (row, values) in enumerate(zip(rows, _export_rows(rows, words), strict=True), start=2):
        ws.append([None if i + 1 in (value_at, ledger_at) else sheet_text(v) for i, v in enumerate(values)])
        put_number(ws.cell(n, value_at), row.get("value"), row.get("kind"), row.get("unit"), row.get("currency"))
        put_number(ws.cell(n, ledger_at), row.get("ledger_value"), row.get("kind"), row.get("unit"), row.get("currency"))
    no_formulas(ws)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
