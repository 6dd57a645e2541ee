"""Judging figures against each other: a ledger cell against a report figure, parts against their
total, a share against its counts. Pure functions over :class:`~.figures.Figure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .figures import Figure, Interval, format_amount, sum_intervals

__all__ = [
    "Judgement", "agree", "all_agree", "compare", "gap_percent", "judge_share", "judge_sum", "qualifier_words",
    "says_more_than",
]

_HUNDRED = Decimal(100)


#: A figure with this qualifier (余, 多, 超, 超过, 逾, 过, 大于) says more than its number: against a
#: 台账 cell the number itself is ruled out (以上, at_least, includes it).
EXCLUDING = "more_than"


def _allowed(figure: Figure) -> Interval:
    """What a figure's words allow against the other side: its interval (money widened by the
    threshold), without its stated number when it says more than that."""
    interval = figure.reading(qualified=True)
    return interval.excluding_low() if figure.qualifier == EXCLUDING and not figure.slack else interval


def compare(ledger: Figure, claim: Figure) -> str:
    """How a report figure bears on a ledger figure: ``consistent`` (their exact readings meet),
    ``consistent_within_qualifier`` (only what the qualifier words allow meets) or ``contradicts``.
    The money threshold widens the report figure. A figure that says more than its number
    (``超过300名``, ``200多场次``, or a ledger's ``300余``) is never consistent with that number
    itself: 300 against ``超过300名`` contradicts."""
    excluding = EXCLUDING in (ledger.qualifier, claim.qualifier)
    exact = claim.reading(qualified=False)
    if not excluding and exact is not None and ledger.exact is not None and ledger.exact.overlaps(exact):
        return "consistent"
    if _allowed(ledger).overlaps(_allowed(claim)):
        return "consistent_within_qualifier"
    return "contradicts"


def says_more_than(ledger: Figure, claim: Figure) -> str:
    """`` (the report says more than 300名, which rules out 300 itself)`` when a contradiction comes
    from 超过/余/多 ruling out the stated number, else ``""``."""
    for side, figure, other in (("the report", claim, ledger), ("the 台账", ledger, claim)):
        if figure.qualifier == EXCLUDING and figure.value is not None and other.value is not None:
            if other.value <= figure.value:
                amount = figure.show(figure.value)
                return f" ({side} says more than {amount} ({figure.text}), which rules out {amount} itself)"
    return ""


def agree(a: Figure, b: Figure) -> bool:
    """Whether two report figures can state the same number."""
    return a.reading(qualified=True).overlaps(b.reading(qualified=True))


def all_agree(figures: Sequence[Figure]) -> bool:
    """Whether report figures can all state the same number: intervals on a line meet pairwise
    exactly when they all share a point, so the highest low is checked against the lowest high."""
    readings = [f.reading(qualified=True) for f in figures]
    lows = [r.low for r in readings if r.low is not None]
    highs = [(r.high, r.high_open) for r in readings if r.high is not None]
    if not lows or not highs:
        return True
    low = max(lows)
    high = min(h for h, _ in highs)
    return low < high or (low == high and not any(o for h, o in highs if h == high))


def gap_percent(gap: Decimal, base: Decimal | None) -> str:
    """The gap as a signed percentage of ``base`` with one decimal (``+1.9%``), ``""`` without a base."""
    if not base:
        return ""
    return f"{gap / abs(base) * _HUNDRED:+.1f}%"


@dataclass(frozen=True, slots=True)
class Judgement:
    """What an internal check concluded: ``verdict`` is ``flagged``, ``explained`` or ``None``
    (nothing to report); the message starts with the verdict and says why."""

    verdict: str | None
    message: str
    expected: Decimal | None = None
    observed: Decimal | None = None
    gap: Decimal | None = None


def qualifier_words(figures: Iterable[Figure]) -> str:
    """``the 约 of 约4.61万元 and the 余 of 1200余名``: the qualifiers of the figures that have one."""
    return " and ".join(f"the {f.word or f.qualifier} of {f.text}" for f in figures if not f.is_exact)


def judge_sum(total: Figure, parts: Sequence[Figure], *, complete: bool, total_name: str = "total") -> Judgement:
    """Parts against their total.

    Parts that exceed the total are flagged; parts under the total are flagged only when the list
    claims to be complete (``complete``: a 合计 over the parts, or a 合计 total with two or more
    其中 parts), since a 其中 list may name only some parts (技术革新312项, 其中专利87项). A
    difference is *explained*, and the message says by what, when the written precision
    (rounding) or else the qualifier words (约, 余, 近 …) cover it. The money threshold is for
    figures from different sources, not for the arithmetic of one table or report: it is not used.
    """
    values = [p.value for p in parts if p.value is not None]
    show = total.show
    listed = " + ".join(p.text for p in parts)
    if total.value is None or len(values) < len(parts):
        # A range or vague amount: only the intervals can be compared.
        if sum_intervals(p.interval for p in parts).overlaps(total.interval) or not complete and _under(parts, total):
            return Judgement(None, "")
        return Judgement("flagged", f"flagged: the parts {listed} cannot add up to the {total_name} {total.text}")
    point = sum(values, Decimal(0))
    diff = point - total.value
    if diff == 0 or (diff < 0 and not complete):
        return Judgement(None, "")
    summary = dict(expected=total.value, observed=point, gap=diff)
    size = show(abs(diff))
    figures = [*parts, total]
    exact_sum = sum_intervals(p.exact for p in parts if p.exact is not None)
    if total.exact is not None and exact_sum.overlaps(total.exact):
        coarsest = max((f.precision for f in figures), default=Decimal(0))
        return Judgement(
            "explained", f"explained: the difference {size} is within the rounding of figures written to "
            f"{format_amount(coarsest, total.scale, total.unit)}", **summary,
        )
    if sum_intervals(p.interval for p in parts).overlaps(total.interval):
        return Judgement("explained", f"explained: the difference {size} is within {qualifier_words(figures)}",
                         **summary)
    relation = "more than" if diff > 0 else "less than"
    return Judgement(
        "flagged", f"flagged: the parts {listed} sum to {show(point)}, {size} {relation} the {total_name} "
        f"{total.text} ({gap_percent(diff, total.value)})", **summary,
    )


def _under(parts: Sequence[Figure], total: Figure) -> bool:
    """Whether the parts can sum to less than the total (an incomplete list is then fine)."""
    low = sum_intervals(p.interval for p in parts).low
    return low is None or total.interval.high is None or low <= total.interval.high


def share_interval(count: Figure, total: Interval) -> Interval | None:
    """The percentages ``count / total`` can be, from both figures' intervals."""
    c = count.reading(qualified=True)
    if c.low is None or c.high is None or total.low is None or total.high is None or total.low <= 0:
        return None
    return Interval(c.low / total.high * _HUNDRED, c.high / total.low * _HUNDRED)


def judge_share(count: Figure, total: Interval, total_text: str, share: Figure) -> Judgement:
    """A stated percentage against its count and total: fine when ``count / total`` falls within
    what the percentage's words and written precision allow (46/412 = 11.17% is ``11.2%``)."""
    possible = share_interval(count, total)
    if possible is None or share.value is None or possible.overlaps(share.reading(qualified=True)):
        return Judgement(None, "")
    low, high = total.low, total.high
    base = (low + high) / 2 if low is not None and high is not None else None
    ratio = (count.value / base * _HUNDRED).quantize(Decimal("0.01")) if count.value is not None and base else None
    shown = f"{ratio}%" if ratio is not None else "a different share"
    return Judgement(
        "flagged", f"flagged: {count.text} of {total_text} is {shown}, not {share.text}",
        expected=ratio, observed=share.value, gap=None if ratio is None else share.value - ratio,
    )
