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

__all__ = ["Chart", "bar_chart", "claims_by", "targets_left_out", "totals_by_year", "verdict_shares"]

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
) -> Chart:
    """Claims counted per value of ``field`` (``indicator``, ``subject``), the most frequent first;
    ``names`` gives a label to show beside a value (an indicator's ``name_zh``)."""
    counter = Counter(claim.get(field) or "(none)" for claim in claims)
    if not counter:
        return Chart(field, title, None, "No claims.")
    rows = _top(counter, limit, names or {})
    svg = bar_chart(rows, label=title, filter_field=field)
    rest = len(counter) - len(rows)
    note = f"{rest} more with {counter.total() - sum(r[1] for r in rows)} claims are not drawn." if rest else ""
    return Chart(field, title, svg, note)


def _year(period: Any) -> str | None:
    return period[:4] if isinstance(period, str) and period[:4].isdigit() else None


def _adds_up(claim: Mapping[str, Any]) -> bool:
    """Whether a claim is a count or sum of money that totals take: not in a repeated paragraph,
    not a ``其中`` part (its total is counted)."""
    return claim.get("kind") in ("count", "money") and not claim.get("repeated") and claim.get("parent") is None


def targets_left_out(claims: Iterable[Mapping[str, Any]]) -> int:
    """How many targets :func:`totals_by_year` leaves out that it would add up were they achieved."""
    return sum(bool(c.get("target")) and _year(c.get("period")) is not None and _adds_up(c) for c in claims)


def totals_by_year(claims: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[Chart]:
    """Per indicator and unit, the sum of the claimed values by the year of their period.

    Only counts and money add up; targets (planned or aimed at, not achieved: ANNOTATION.md says
    they are never added to achieved totals), figures in a repeated paragraph, ``其中`` parts (their
    total is counted) and damaged figures are left out.
    """
    sums: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for claim in claims:
        year = _year(claim.get("period"))
        if year is None or not _adds_up(claim) or claim.get("target"):
            continue
        try:
            value = Decimal(claim.get("value") or "")
        except InvalidOperation:
            continue
        unit = claim.get("currency") if claim.get("kind") == "money" else claim.get("unit")
        sums[claim.get("indicator") or "(none)", unit or "(no unit)"][year] += value
    charts = []
    for (indicator, unit), years in sorted(sums.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows = [(year, total, f"{total:,f} {unit}", None) for year, total in sorted(years.items())]
        title = f"{indicator} {names.get(indicator, '')} ({unit})"
        charts.append(Chart(f"{indicator}|{unit}", title.replace("  ", " "), bar_chart(rows, label=title)))
    return charts


def verdict_shares(findings: Iterable[Mapping[str, Any]], *, title: str) -> Chart:
    """Findings per verdict, with each verdict's share of all findings."""
    counter = Counter(f.get("verdict") or "unknown" for f in findings)
    total = sum(counter.values())
    if not total:
        return Chart("verdict", title, None, "No findings: run the cross-checks to get verdicts.")
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [(v, n, f"{n} ({n * 100 / total:.0f}%)", v) for v, n in ranked]
    classes = {v: "verdict-" + RE_NOT_CLASS.sub("", v) for v in counter}
    return Chart("verdict", title, bar_chart(rows, label=title, filter_field="verdict", classes=classes))
