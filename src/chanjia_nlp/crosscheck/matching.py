"""Ledger rows against report claims: one verdict per 台账 row, its 合计 rows against their rows,
and the report claims no row covers.

Matching. A claim can back a row when it names the same subject (through the gazetteer:
惠山区 = 惠山 = 惠山区总工会), the same indicator, a compatible kind (and currency), neither
level nor scope differ where both are stated, and its period is the row's (the same year and
overlapping months) or unstated. Of these the closest are kept, narrowing in this order: the
same level (an unstated level equals an unstated one), the same scope, the most similar
indicator text (character bigrams: ``返还小微企业工会经费`` keeps ``返还工会经费`` and drops
``返还``; ``惠山工匠`` keeps ``工匠`` and drops ``金蓝领``), and a stated period over none. A claim with
no period thus matches any year, but only when no dated claim is as close (the message says
"the reports give no year"). Claims flagged ``repeated`` (a paragraph printed twice) are left out.

Targets. A claim with ``target`` (力争新增…2000名以上, 计划培训…: planned or aimed at, not achieved)
is never evidence for what a row says was done: it neither backs a row nor makes one ambiguous.
A row whose indicator text or 口径 says it is itself a plan (目标, 计划, 力争 …:
:func:`chanjia_nlp.grammar.is_target`) is compared with targets only. When only figures of the
other kind match, the row is ``unsupported`` and the message names them. Targets are reported
as uncovered only for a ledger that declares targets of that subject.

Verdicts (figures read as :mod:`.figures` says). ``unsupported``: no claim. ``consistent``: the
claims agree with each other, every one meets the row's figure and one meets it exactly (with
the money threshold); ``consistent_within_qualifier``: as consistent, but only through a
qualifier (台账 2,648,000 vs ``近265万元``); ``inconsistent``: the claims agree with each other and
none meets the row (the message gives the gap to the most precise claim, absolute and in %);
``ambiguous``: the claims state different numbers, or some meet the row and others do not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from ..grammar import is_target
from ..records import Record, to_dict
from .figures import Figure, figure_from_claim, figure_from_row, format_amount, validate_tolerance
from .findings import clean_claim, evidence, finding, ledger_ref
from .keys import period_range, periods_match, scope_of, subject_key, subject_label, year_of
from .verdicts import all_agree, compare, gap_percent, judge_share, judge_sum, qualifier_words, says_more_than

__all__ = ["check_ledger", "ledger_rates", "ledger_totals", "row_is_target", "text_similarity"]

_NO_UNCOVERED_INDICATORS = frozenset({"other"})


@dataclass(slots=True)
class _Claim:
    """A claim record with what matching needs, its figure computed on first use."""

    record: Mapping[str, Any]
    key: str | None
    figure_args: tuple[Decimal, Decimal]
    _figure: Figure | None = field(default=None)
    _done: bool = False

    @property
    def figure(self) -> Figure | None:
        if not self._done:
            money, approx = self.figure_args
            self._figure = figure_from_claim(self.record, money_tolerance=money, approx_tolerance=approx)
            self._done = True
        return self._figure

    @property
    def found(self) -> Figure:
        """The figure of a claim :func:`_candidates` kept (it keeps only claims with a figure)."""
        figure = self.figure
        if figure is None:  # not reached through _candidates
            raise LookupError(f"the claim at {self.id} states no figure")
        return figure

    @property
    def id(self) -> tuple[Any, Any]:
        return (self.record.get("doc_id"), self.record.get("start"))


def _kind_fits(row_kind: str | None, claim_kind: str | None) -> bool:
    return row_kind is None or claim_kind is None or row_kind == claim_kind


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def text_similarity(a: str | None, b: str | None) -> float:
    """Dice coefficient of the character bigrams of two indicator texts (0 when one is missing).

    >>> round(text_similarity("返还小微企业工会经费", "返还工会经费"), 2), round(text_similarity("返还小微企业工会经费", "返还"), 2)
    (0.57, 0.2)
    """
    if not a or not b:
        return 0.0
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def _narrow(candidates: list[_Claim], score: Callable[[_Claim], Any]) -> list[_Claim]:
    """The candidates with the best ``score``."""
    if len(candidates) < 2:
        return candidates
    scores = [score(c) for c in candidates]
    best = max(scores)
    return [c for c, s in zip(candidates, scores) if s == best]


def _where(claim: _Claim) -> str:
    path = claim.record.get("path") or claim.record.get("doc_id") or "?"
    return f"{PurePath(str(path)).name}:{claim.record.get('start')}"


def _base_unit(row: Any) -> str:
    if row.kind == "money":
        return "元" if (row.currency or "CNY") == "CNY" else f" {row.currency}"
    if row.kind == "percent":
        return "%"
    return (row.unit or "").lstrip("万亿")


def _row_text(row: Any, figure: Figure) -> str:
    """``台账 F11 623.5 (6,235,000元)``: the cell, the value as written, and in base units when that differs."""
    cell = (row.cells or {}).get("value")
    written = ((row.raw or {}).get("value") or "").strip()
    base = format_amount(figure.value, Decimal(1), _base_unit(row)) if figure.value is not None else ""
    shown = written or base
    if base and written:
        w, b = written.replace(",", ""), base.replace(",", "")
        shown = base if b in (w, w + _base_unit(row)) else f"{written} ({base})"
    return f"台账 {cell + ' ' if cell else ''}{shown}"


def _label(row: Any) -> str:
    parts = [subject_label(row.subject) or "?", row.indicator_text or row.indicator or "?"]
    if row.period:
        parts.append(str(row.period))
    return " ".join(parts)


def row_is_target(row: Any) -> bool:
    """Whether a ledger row declares a plan or aim rather than what was done: its indicator text
    or 口径 says so (``2023年目标``, ``计划培训人次``, ``力争新增``; not ``完成年度目标``), or it was read
    from a target column (目标值, 计划数)."""
    return getattr(row, "target", False) is True or is_target(row.indicator_text) or is_target(row.scope)


class _Index:
    """Claims by (subject key, indicator), so each row looks at a handful of claims, not all."""

    def __init__(self, claims: Iterable[Mapping[str, Any]], money: Decimal, approx: Decimal) -> None:
        self.by_key: dict[tuple[str | None, str | None], list[_Claim]] = defaultdict(list)
        self.by_id: dict[tuple[Any, Any], _Claim] = {}
        keys: dict[str | None, str | None] = {}
        for raw in claims:
            record = clean_claim(raw)
            if record is None or record["repeated"]:
                continue
            subject, indicator = record["subject"], record["indicator"]
            if subject not in keys:
                keys[subject] = subject_key(subject)
            claim = _Claim(record, keys[subject], (money, approx))
            self.by_key[(claim.key, indicator)].append(claim)
            self.by_id[claim.id] = claim


def _candidates(row: Any, index: _Index, target: bool) -> tuple[list[_Claim], bool, list[_Claim]]:
    """The claims that can back ``row``, narrowed to the closest, whether they are weak matches
    (claims with no period), and the claims that would match but are of the other kind: targets
    for a row of what was done, achievements for a target row (``target``)."""
    key = subject_key(row.subject)
    if key is None or row.indicator is None:
        return [], False, []
    scope = scope_of(row.scope)
    dated = period_range(row.period) is not None
    found: list[_Claim] = []
    other: list[_Claim] = []
    for claim in index.by_key.get((key, row.indicator), ()):
        r = claim.record
        if not _kind_fits(row.kind, r.get("kind")):
            continue
        if row.kind == "money" and (row.currency or "CNY") != (r.get("currency") or "CNY"):
            continue
        if row.level and r.get("level") and row.level != r.get("level"):
            continue
        if scope and r.get("scope") and scope != r.get("scope"):
            continue
        if dated and r.get("period") is not None and not periods_match(row.period, r.get("period")):
            continue
        if claim.figure is not None:
            (found if r["target"] == target else other).append(claim)
    found = _narrow(found, lambda c: c.record.get("level") == row.level)
    if scope:
        found = _narrow(found, lambda c: c.record.get("scope") == scope)
    found = _narrow(found, lambda c: text_similarity(row.indicator_text, c.record.get("indicator_text")))
    if dated:
        found = _narrow(found, lambda c: c.record.get("period") is not None)
    weak = dated and bool(found) and found[0].record.get("period") is None
    return found, weak, other


def _check_row(row: Any, index: _Index, approx: Decimal) -> tuple[dict[str, Any] | None, list[_Claim]]:
    figure = figure_from_row(row, approx_tolerance=approx)
    if figure is None:
        return None, []
    target = row_is_target(row)
    candidates, weak, other = _candidates(row, index, target)
    common = dict(
        check="ledger", indicator=row.indicator, subject=subject_label(row.subject), period=row.period,
        observed=figure.value, ledger=ledger_ref(row), kind=row.kind, unit=_base_unit(row).strip() or None,
        currency=row.currency,
    )
    shown = _row_text(row, figure)
    if not candidates:
        if row.indicator is None:
            reason = "its indicator is not recognised; map it with --mapping"
        elif subject_key(row.subject) is None:
            reason = "the row names no 单位/地区; give its subject column with --mapping"
        elif other:
            listed = ", ".join(f"{c.record['text']} ({_where(c)})" for c in other[:3]) + (", …" if len(other) > 3 else "")
            reason = (f"no report states it as a target; achieved figures are not compared: {listed}" if target else
                      f"no report states it as achieved; targets (planned, not done) are not compared: {listed}")
        else:
            reason = "no report states it as a target" if target else "no report states it"
        label = _label(row) + (", a target" if target else "")
        return finding(verdict="unsupported", message=f"{shown} ({label}): {reason}", **common), []
    note = " (the reports give no year)" if weak else ""
    if target:
        note += " (a target row, against the reports' targets)"
    judged = [(c, compare(figure, c.found)) for c in candidates]
    supporting = [c for c, v in judged if v != "contradicts"]
    spans = [evidence(c.record, "supports" if v != "contradicts" else "contradicts") for c, v in judged]
    first = candidates[0].record
    common.update(doc_id=first.get("doc_id"), path=first.get("path"), evidence=spans)
    listed = ", ".join(f"{c.found.text} ({_where(c)})" for c in candidates)
    agreeing = all_agree([c.found for c in candidates])
    best = min(candidates, key=_width).found
    reported = best.value if best.value is not None else _nearest(best, figure.value)
    gap = figure.value - reported if figure.value is not None and reported is not None else None
    if agreeing and len(supporting) == len(candidates):
        common.update(expected=reported, gap=gap)
        if any(v == "consistent" for _, v in judged):
            return finding(verdict="consistent", message=f"{shown} matches {listed}{note}", **common), candidates
        words = qualifier_words([figure, *(c.found for c in candidates)])
        return finding(verdict="consistent_within_qualifier", message=f"{shown} agrees with {listed} within {words}{note}",
                       **common), candidates
    if agreeing and not supporting:
        size = format_amount(gap, Decimal(1), _base_unit(row)) if gap is not None else "?"
        where = next(_where(c) for c in candidates if c.found is best)
        percent = f" ({gap_percent(gap, reported)})" if gap is not None and reported else ""
        message = (f"{shown} differs from {best.text} ({where}): gap {'+' if gap and gap > 0 else ''}{size}{percent}"
                   f"{says_more_than(figure, best)}{note}")
        return finding(verdict="inconsistent", message=message, expected=reported, gap=gap, **common), candidates
    return finding(verdict="ambiguous", message=f"{shown}: the reports give different values: {listed}{note}",
                   **common), candidates


def _width(claim: _Claim) -> tuple[int, Decimal]:
    """How precise a claim is: exact before qualified, then the narrower interval."""
    f = claim.found
    interval = f.reading(qualified=True)
    if interval.low is None or interval.high is None:
        return (2, Decimal(0))
    return (0 if f.is_exact else 1, interval.high - interval.low)


def _nearest(figure: Figure, value: Decimal | None) -> Decimal | None:
    interval = figure.interval
    if value is None:
        return interval.low if interval.low is not None else interval.high
    if interval.low is not None and value < interval.low:
        return interval.low
    return interval.high if interval.high is not None else interval.low


def ledger_totals(rows: Iterable[Any], *, approx_tolerance: Decimal = Decimal("0.05")) -> list[dict[str, Any]]:
    """``ledger_total`` findings: each 合计/小计 row against the rows it sums (``total_of``), by
    :func:`.verdicts.judge_sum` with the list complete (a 合计 names all its rows)."""
    rows = list(rows)
    by_place = {(r.file, r.sheet, r.row): r for r in rows}
    out = []
    for row in rows:
        if not row.is_total or not row.total_of:
            continue
        total = figure_from_row(row, approx_tolerance=approx_tolerance)
        parts = [by_place.get((row.file, row.sheet, n)) for n in row.total_of]
        read = [figure_from_row(p, approx_tolerance=approx_tolerance) if p else None for p in parts]
        if total is None or any(f is None for f in read):
            continue
        total = replace(total, text=f"{_cell(row)} {total.text}")
        figures = [replace(f, text=f"{_cell(p)} {f.text}") for p, f in zip(parts, read) if f is not None]
        judgement = judge_sum(total, figures, complete=True, total_name="合计")
        if judgement.verdict is None:
            continue
        out.append(finding(
            check="ledger_total", verdict=judgement.verdict, message=judgement.message,
            indicator=row.indicator, subject=subject_label(row.subject), period=row.period,
            expected=judgement.expected, observed=judgement.observed, gap=judgement.gap, ledger=ledger_ref(row),
            kind=row.kind, unit=_base_unit(row).strip() or None, currency=row.currency,
        ))
    return out


def ledger_rates(rows: Iterable[Any], *, approx_tolerance: Decimal = Decimal("0.05")) -> list[dict[str, Any]]:
    """``ledger_rate`` findings: a 完成率 cell against the completed figure ÷ the target of its row
    (the rows of one sheet row read from a target and a value column), flagged when the rate
    the cell states is not what the two figures give within its written precision; a rate that
    agrees gives no finding. A rate written without % (1.125, or 112.5) is read as a share of 1
    when that is what fits."""
    from ..ledger import parse_figure

    rows = list(rows)
    by_place: dict[tuple[Any, Any, int], list[Any]] = defaultdict(list)
    for row in rows:
        by_place[(row.file, row.sheet, row.row)].append(row)
    out = []
    for place, found in by_place.items():
        targets = [r for r in found if getattr(r, "target", False) and r.value is not None]
        done = [r for r in found if not getattr(r, "target", False) and r.value is not None
                and (r.raw or {}).get("rate")]
        if len(targets) != 1 or len(done) != 1:
            continue
        target, row = targets[0], done[0]
        written = row.raw["rate"]
        parsed = parse_figure(written)
        if parsed is None or parsed.value is None or not target.value:
            continue
        ratio = row.value / target.value * 100
        percent = parsed if parsed.kind == "percent" else None
        if percent is None:  # a bare number: a share of 1 (1.125) or of 100 (112.5), whichever fits
            scale = Decimal(100) if abs(parsed.value * 100 - ratio) < abs(parsed.value - ratio) else Decimal(1)
            percent = replace(parsed, value=parsed.value * scale, low=parsed.low * scale if parsed.low is not None else None,
                              high=parsed.high * scale if parsed.high is not None else None,
                              precision=parsed.precision * scale if parsed.precision is not None else None,
                              kind="percent", unit="%")
        share_row = replace(row, value=percent.value, low=percent.low, high=percent.high, qualifier=percent.qualifier,
                            precision=percent.precision, kind="percent", unit="%", currency=None,
                            raw={**row.raw, "value": written}, cells={**row.cells, "value": row.cells.get("rate")})
        count = figure_from_row(row, approx_tolerance=approx_tolerance)
        total = figure_from_row(target, approx_tolerance=approx_tolerance)
        share = figure_from_row(share_row, approx_tolerance=approx_tolerance)
        if count is None or total is None or share is None:
            continue
        total_text = f"{_cell(target)} {total.text}"
        judgement = judge_share(replace(count, text=f"{_cell(row)} {count.text}"), total.reading(qualified=True),
                                total_text, replace(share, text=f"{_cell(share_row)} {share.text}"))
        if judgement.verdict is None:
            continue
        message = judgement.message.replace(" of ", " ÷ the target ", 1)
        out.append(finding(
            check="ledger_rate", verdict=judgement.verdict, message=message, indicator=row.indicator,
            subject=subject_label(row.subject), period=row.period, expected=judgement.expected,
            observed=judgement.observed, gap=judgement.gap, ledger=ledger_ref(row, "rate"), kind="percent", unit="%",
        ))
    return out


def _declarable(record: Mapping[str, Any]) -> bool:
    """Whether a ledger could declare the claim: not a change in percentage points, not a growth rate."""
    kind = record.get("kind")
    return kind != "percentage_point" and not (kind == "percent" and record.get("scope") == "increment")


def _cell(row: Any) -> str:
    return (row.cells or {}).get("value") or f"row {row.row}"


def _uncovered(rows: Sequence[Any], index: _Index, covered: set[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """Claims of the ledger's subjects and years that no row covers. A 其中 part of a covered
    total is covered with it; ``other`` figures, changes in percentage points and growth rates
    are not what a ledger declares and are left out."""
    years: dict[tuple[str | None, bool], set[int | None]] = defaultdict(set)  # (subject, target rows) -> years
    for row in rows:
        key = subject_key(row.subject)
        if key is not None:
            years[key, row_is_target(row)].add(year_of(row.period))
    out = []
    for (key, indicator), claims in index.by_key.items():
        if indicator in _NO_UNCOVERED_INDICATORS:
            continue
        for claim in claims:
            r = claim.record
            wanted = years.get((key, r["target"]))  # a target is uncovered only where the ledger declares targets
            if wanted is None:
                continue
            year = year_of(r.get("period"))
            if claim.id in covered or year is None or (year not in wanted and None not in wanted):
                continue
            if r.get("parent") is not None and (r.get("doc_id"), r.get("parent")) in covered:
                continue
            if claim.figure is None or not _declarable(r):
                continue
            named = f"{r['indicator_text']}, {indicator}" if r.get("indicator_text") else f"{indicator}"
            named += ", a target" if r["target"] else ""
            out.append(finding(
                check="uncovered_claim", verdict="uncovered",
                message=f"{r.get('text')} ({named}) for "
                f"{subject_label(r.get('subject'))} {r.get('period')}: no ledger row covers it",
                indicator=indicator, subject=subject_label(r.get("subject")), period=r.get("period"),
                observed=claim.figure.value, doc_id=r.get("doc_id"), path=r.get("path"),
                evidence=[evidence(r, "source")], subject_code=r.get("subject_code"),
                kind=r.get("kind"), unit=r.get("unit"), currency=r.get("currency"),
            ))
    out.sort(key=lambda f: (f["path"] or "", f["evidence"][0]["start"]))
    return out


def check_ledger(
    rows: Iterable[Any],
    claims: Iterable[Mapping[str, Any] | Record],
    *,
    money_tolerance: Decimal = Decimal("0.005"),
    approx_tolerance: Decimal = Decimal("0.05"),
    totals: bool = True,
    uncovered: bool = True,
) -> list[dict[str, Any]]:
    """Findings for ledger rows against report claims.

    ``rows`` are ``LedgerRow`` records (``chanjia_nlp.ledger.read_ledger(path).rows``); ``claims``
    are record dicts as ``chanjia extract`` writes them or ``Store.records()`` yields them, or the
    records :func:`chanjia_nlp.extract` returns (:class:`~chanjia_nlp.Claim` objects; other record
    types are skipped). Gives one ``ledger`` finding per row with a figure (a 合计 row only
    when it names what it counts), ``ledger_total`` findings for 合计 rows that do not add up (when
    ``totals``), and an ``uncovered_claim`` finding for each claim of the ledger's subjects and
    years that no row covers (when ``uncovered``). ``money_tolerance`` is the relative rounding
    threshold for money (0.005 = 0.5%), ``approx_tolerance`` the least relative width of 约.

    Raises:
        ConfigError: a tolerance is not a share in [0, 1).
    """
    money = validate_tolerance("money_tolerance", money_tolerance)
    approx = validate_tolerance("approx_tolerance", approx_tolerance)
    rows = list(rows)
    index = _Index((c if isinstance(c, Mapping) else to_dict(c) for c in claims), money, approx)
    out: list[dict[str, Any]] = []
    covered: set[tuple[Any, Any]] = set()
    for row in rows:
        if row.is_total and not row.indicator_text:
            continue  # a bare 合计 row is checked against its rows (ledger_totals), not the reports
        result, used = _check_row(row, index, approx)
        if result is not None:
            out.append(result)
            covered.update(c.id for c in used)
    if totals:
        out.extend(ledger_totals(rows, approx_tolerance=approx))
        out.extend(ledger_rates(rows, approx_tolerance=approx))
    if uncovered:
        out.extend(_uncovered(rows, index, covered))
    return out
