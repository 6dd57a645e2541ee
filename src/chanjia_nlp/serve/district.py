"""The per-district page of ``chanjia serve``: one row per indicator and year with its evidence,
the 台账 verdict (as reviewed) and the figure's review; charts of each indicator by year with
stocks and flows apart; the filtered rows as CSV or XLSX.

A row's ledger verdict is the one its finding has after review: a corrected verdict replaces the
checker's, a rejected finding shows no verdict (``ledger_review`` says ``reject``).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from ..exports import CSV_ENCODING, no_formulas, put_number, sheet_text
from ..outputs import spreadsheet_text
from markupsafe import escape

from ..outputs import visible
from ..report.i18n import shown_value

__all__ = ["FAMILIES", "district_charts", "district_rows", "family", "to_csv", "to_xlsx", "year_bars"]

#: How a row's figure counts, from the assessment table's ``basis``: stocks (a total at a moment)
#: and flows (what a year added or did) are drawn apart and never added to each other.
FAMILIES = {
    "stock_year_end": "stock", "stock_latest": "stock", "annual": "flow", "increment": "flow",
    "sum_of_increments": "flow", "cumulative": "cumulative", "scope_unstated": "unstated",
    "own_level_only": "unstated",
}


_SCOPE_FAMILY = {"as_of": "stock", "annual": "flow", "increment": "flow", "cumulative": "cumulative"}


def family(basis: Any) -> str | None:
    """``stock``, ``flow``, ``cumulative`` or ``unstated`` for a table row's basis (``None``: no figure)."""
    return FAMILIES.get(str(basis)) if basis else None


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
    """One chart per indicator and family (stock, flow, cumulative, unstated): one figure a year,
    achieved figures only. Never a count of mentions, never a stock added to a flow.

    A year's bar is the figure the table chose when it is of the chart's family; when the table
    chose a stock, the flow chart takes the year's flow the table set aside only because a stock
    comes first (an annual figure before an increment; several are never added up)."""
    series: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        kind = row.get("family")
        if kind is None or row.get("target") is True or row.get("value") is None:
            continue
        unit = str(row.get("currency") if row.get("kind") == "money" else row.get("unit") or "")
        series[(str(row["indicator"]), kind, unit)][str(row["year"])] = dict(row)
    for row in rows:
        if row.get("family") is None or row.get("target") is True:
            continue
        unit = str(row.get("currency") if row.get("kind") == "money" else row.get("unit") or "")
        set_aside = [c for c in row.get("candidates") or [] if str(c.get("lost") or "").endswith("is chosen first")
                     and c.get("value") is not None and _SCOPE_FAMILY.get(c.get("scope")) not in (None, row["family"])]
        for cand in sorted(set_aside, key=lambda c: c.get("scope") != "annual"):
            key = (str(row["indicator"]), _SCOPE_FAMILY[cand["scope"]], unit)
            series[key].setdefault(str(row["year"]), {**cand, "currency": row.get("currency")})
    order = {"stock": 0, "flow": 1, "cumulative": 2, "unstated": 3}
    charts = []
    for (ident, kind, unit), years in sorted(series.items(), key=lambda kv: (kv[0][0], order[kv[0][1]], kv[0][2])):
        bars = []
        for year, row in sorted(years.items()):
            value = Decimal(str(row["value"]))
            shown = shown_value(value, kind=row.get("kind"), unit=row.get("unit"), currency=row.get("currency")) or ""
            bars.append((year, abs(value), shown, None))
        title = f"{names.get(ident, ident)} · {families[kind]}"
        charts.append({"indicator": ident, "family": kind, "unit": unit, "title": title,
                       "svg": year_bars(bars, label=title)})
    return charts


_ROW, _YEAR, _BAR, _WIDTH = 24, 52, 200, 380


def year_bars(bars: Sequence[tuple[str, Decimal, str, Any]], *, label: str) -> Markup:
    """A small horizontal bar chart, one bar a year (``(year, size, value shown, _)``), every
    label escaped; sized for a card on a phone (380 units wide, scaled down by CSS)."""
    top = max((size for _, size, _, _ in bars), default=Decimal(0)) or Decimal(1)
    height = _ROW * len(bars) + 6
    parts = [f'<svg class="chart" role="img" aria-label="{escape(visible(label))}" viewBox="0 0 {_WIDTH} {height}" '
             f'width="{_WIDTH}" height="{height}">']
    for n, (year, size, shown, _) in enumerate(bars):
        y = 3 + n * _ROW
        width = max(1.0, float(size / top) * _BAR) if size else 0.0
        parts.append(
            f'<g class="bar"><title>{escape(year)}: {escape(shown)}</title>'
            f'<text x="{_YEAR - 8}" y="{y + 16}" text-anchor="end">{escape(year)}</text>'
            f'<rect x="{_YEAR}" y="{y + 3}" width="{width:.1f}" height="{_ROW - 6}" rx="2"></rect>'
            f'<text x="{_YEAR + width + 6:.1f}" y="{y + 16}">{escape(shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


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
