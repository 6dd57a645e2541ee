"""Inline SVG charts for the report, drawn in Python: no chart library, nothing fetched.

Every label goes through :func:`markupsafe.escape`; the charts are plain horizontal bars, so a
person reads the numbers next to them rather than estimating lengths.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from ..outputs import visible
from .i18n import shown_value

__all__ = [
    "FAMILIES", "Chart", "bar_chart", "claims_by", "family", "indicator_series", "verdict_shares", "year_bars",
]

#: What may not appear in a CSS class name made from data.
RE_NOT_CLASS = re.compile(r"[^A-Za-z0-9_-]")
_ROW = 22
_LABEL_WIDTH = 300
_BAR_WIDTH = 340
_WIDTH = _LABEL_WIDTH + _BAR_WIDTH + 130


@dataclass(frozen=True)
class Chart:
    """One chart: a heading, its SVG (None when there is nothing to draw) and a note under it."""

    key: str
    title: str
    svg: Markup | None
    note: str = ""


def bar_chart(
    rows: Sequence[tuple[str, Decimal | int, str, str | None]],
    *,
    label: str,
    filter_field: str | None = None,
    classes: Mapping[str, str] | None = None,
) -> Markup:
    """Horizontal bars ``(label, value, value text, filter value)`` in the order given.

    With ``filter_field``, a bar with a filter value carries ``data-filter``/``data-value`` so the
    page filters the claims table on a click; ``classes`` maps a label to a CSS class.
    """
    top = max((value for _, value, _, _ in rows), default=0) or 1
    height = _ROW * len(rows) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(visible(label))}" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}">'
    ]
    for n, (name, value, shown, key) in enumerate(rows):
        y = 4 + n * _ROW
        width = max(1.0, float(Decimal(value) / Decimal(top)) * _BAR_WIDTH) if value else 0.0
        attrs = ""
        if filter_field and key is not None:
            attrs = f' data-filter="{escape(filter_field)}" data-value="{escape(key)}" tabindex="0"'
        css = f" {escape(classes[name])}" if classes and name in classes else ""
        parts.append(
            f'<g class="bar{css}"{attrs}><title>{escape(visible(name))}: {escape(shown)}</title>'
            f'<text class="label" x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(visible(_clip(name)))}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{_ROW - 6}" rx="2"></rect>'
            f'<text class="value" x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{escape(shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(label: str, size: int = 24) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def _top(counter: Counter[str], limit: int, names: Mapping[str, str]) -> list[tuple[str, int, str, str | None]]:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(f"{key} {names[key]}" if names.get(key) else key, count, str(count), key) for key, count in ranked]


def claims_by(
    claims: Iterable[Mapping[str, Any]],
    field: str,
    *,
    title: str,
    names: Mapping[str, str] | None = None,
    limit: int = 25,
    text: Mapping[str, str] | None = None,
) -> Chart:
    """Claims counted per value of ``field`` (``indicator``, ``subject``), the most frequent first;
    ``names`` gives a label to show beside a value (an indicator's ``name_zh``)."""
    counter = Counter(claim.get(field) or "(none)" for claim in claims)
    if not counter:
        return Chart(field, title, None, (text or {}).get("no_claims_chart", "No claims."))
    rows = _top(counter, limit, names or {})
    svg = bar_chart(rows, label=title, filter_field=field)
    rest = len(counter) - len(rows)
    left = counter.total() - sum(r[1] for r in rows)
    note = (text or {}).get("more_not_drawn", "{rest} more with {n} claims are not drawn.").format(rest=rest, n=left) if rest else ""
    return Chart(field, title, svg, note)


def verdict_shares(findings: Iterable[Mapping[str, Any]], *, title: str, text: Mapping[str, str] | None = None,
                   verdicts: Mapping[str, str] | None = None) -> Chart:
    """Findings per verdict (named by ``verdicts``, filtering by id), with each verdict's share of all findings."""
    counter = Counter(f.get("verdict") or "unknown" for f in findings)
    total = sum(counter.values())
    if not total:
        return Chart("verdict", title, None,
                     (text or {}).get("no_findings_chart", "No findings: run the cross-checks to get verdicts."))
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    named = verdicts or {}
    rows = [(named.get(v, v), n, f"{n} ({n * 100 / total:.0f}%)", v) for v, n in ranked]
    classes = {named.get(v, v): "verdict-" + RE_NOT_CLASS.sub("", v) for v in counter}
    return Chart("verdict", title, bar_chart(rows, label=title, filter_field="verdict", classes=classes))


# -- per district: each indicator by year, stocks and flows apart -----------------------------

#: How a row of the assessment table counts, from its ``basis``: stocks (a total at a moment)
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


def indicator_series(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str], families: Mapping[str, str]
                     ) -> list[dict[str, Any]]:
    """One series per indicator and family (stock, flow, cumulative, unstated): one figure a year,
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
        charts.append({"indicator": ident, "family": kind, "unit": unit, "title": title, "bars": bars})
    return charts


_YROW, _YEAR, _YBAR, _YWIDTH = 24, 52, 200, 380


def year_bars(bars: Sequence[tuple[str, Decimal, str, Any]], *, label: str) -> Markup:
    """A small horizontal bar chart, one bar a year (``(year, size, value shown, _)``), every
    label escaped; sized for a card on a phone (380 units wide, scaled down by CSS)."""
    top = max((size for _, size, _, _ in bars), default=Decimal(0)) or Decimal(1)
    height = _YROW * len(bars) + 6
    parts = [f'<svg class="chart" role="img" aria-label="{escape(visible(label))}" viewBox="0 0 {_YWIDTH} {height}" '
             f'width="{_YWIDTH}" height="{height}">']
    for n, (year, size, shown, _) in enumerate(bars):
        y = 3 + n * _YROW
        width = max(1.0, float(size / top) * _YBAR) if size else 0.0
        parts.append(
            f'<g class="bar"><title>{escape(year)}: {escape(shown)}</title>'
            f'<text x="{_YEAR - 8}" y="{y + 16}" text-anchor="end">{escape(year)}</text>'
            f'<rect x="{_YEAR}" y="{y + 3}" width="{width:.1f}" height="{_YROW - 6}" rx="2"></rect>'
            f'<text x="{_YEAR + width + 6:.1f}" y="{y + 16}">{escape(shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
