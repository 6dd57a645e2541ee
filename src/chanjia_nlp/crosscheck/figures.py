"""What a stated figure allows: intervals from the qualifier and the written precision.

A figure is read twice. Its *exact reading* is the number as stated, widened only by the
rounding its written precision implies; its *interval* is what its qualifier words allow. The
checker calls a match ``consistent`` when the exact readings meet and
``consistent_within_qualifier`` when only the intervals do.

The bounds, from ANNOTATION.md §1 (v = the stated value, p = the written precision: the place
value of the last digit written, in base units; s = the step: the place value of the last
non-zero digit, in base units)::

    exact                 [v - p/2, v + p/2)   1.2万 → [11500, 12500): 11,500–12,499; 4.2万 → [41500, 42500)
                                               a count written to the unit is exactly v (2150名 → 2150)
    approx  约 左右        [v - h, v + h]       h = max(s/2, approx_tolerance × v): 约6万 → ±5000, 约4.61万 → ±2305
    more_than 余 多 开外    [v, v + s)           1200余 → [1200, 1300) rules out 1180; 3.8万余 → [38000, 39000)
    more_than 超过 逾 …     [v, ∞)              a bare lower bound
    at_least 以上 不少于    [v, ∞)
    less_than 近 将近 接近  [v - s, v]           近265万 → [2,640,000, 2,650,000]
    less_than 不足 不到 …   (-∞, v]
    at_most 以下 以内      (-∞, v]
    range, vague          [low, high]          as the record states them (数百 → [200, 900])

Reading a report figure against itself or its parts, the bound v itself is allowed for 余 and 近
although the words exclude it: the other figure may have been rounded to it. Against a 台账 cell
(:func:`.verdicts.compare`) a ``more_than`` figure (余, 多, 超, 超过, 逾, 过, 大于) rules out its
stated number: 300 against ``超过300名`` and 200 against ``200多场次`` are inconsistent (``以上`` and
``不少于`` include it). Money keeps its rounding threshold, and a ledger cell written to a coarser
precision (600 in a 万元 column) its rounding, so 600万元 against ``600多万元`` stays within the qualifier. Money is also given a relative rounding threshold (``money_tolerance``,
0.5% by default): an exact money figure's reading and its interval widen by that share of v.
A non-exact figure's exact reading is v alone, so 台账 2,648,000 against ``近265万元`` is within the
qualifier, not consistent.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, overload

from .._lexicon import qualifiers
from ..errors import ConfigError
from ..numbers import normalize_decimal, parse_number
from ..quantities import extract_quantities

__all__ = [
    "Figure", "Interval", "figure_from_claim", "figure_from_row", "format_amount", "sum_intervals", "validate_tolerance",
]

#: Words after the number that bound a more_than figure above by one step (1200余 < 1300).
BOUNDED_MORE = ("余", "多", "开外")
#: Words before the number that bound a less_than figure below by one step (近265万 ≥ 264万).
NEAR = ("将近", "接近", "近")
#: Counts are whole things: written to the unit they are exact, not rounded.
WHOLE_KINDS = frozenset({"count", "rank"})

RE_ARABIC = re.compile(
    r"""
    ^[0-9]+            # the integer digits of a half-width numeral (commas already removed)
    (?:\.([0-9]+))?$   # its decimals, captured: their count is the written precision
    """,
    re.VERBOSE,
)
RE_DIGITS = re.compile(
    r"""
    [0-9０-９]               # a numeral starts at a digit, half- or full-width
    [0-9０-９,，.．]*         # digits, thousands separators and decimal points
    (?<![,，.．])             # but does not end in a separator (12. → 12)
    """,
    re.VERBOSE,
)
RE_NUMERAL = re.compile(
    r"""
    [0-9０-９][0-9０-９,，.．]*                                   # Arabic digits, as in RE_DIGITS
    | [零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点]+   # or a run of Chinese numeral characters
    """,
    re.VERBOSE,
)
_ZERO = Decimal(0)
_HALF = Decimal("0.5")
_SCALES = ((Decimal(100000000), "亿"), (Decimal(10000), "万"))


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval of decimals, optionally open at the top; ``None`` is an unbounded end."""

    low: Decimal | None
    high: Decimal | None
    high_open: bool = False
    low_open: bool = False

    @classmethod
    def point(cls, value: Decimal) -> Interval:
        return cls(value, value)

    def overlaps(self, other: Interval) -> bool:
        """Whether some number lies in both intervals."""
        lows = [(x, o) for x, o in ((self.low, self.low_open), (other.low, other.low_open)) if x is not None]
        highs = [(x, o) for x, o in ((self.high, self.high_open), (other.high, other.high_open)) if x is not None]
        if not lows or not highs:
            return True
        low = max(x for x, _ in lows)
        high = min(x for x, _ in highs)
        if low < high:
            return True
        return low == high and not any(o for x, o in highs if x == high) and not any(o for x, o in lows if x == low)

    def excluding_low(self) -> Interval:
        """This interval without its lower bound itself (超过300 rules out 300)."""
        return Interval(self.low, self.high, self.high_open, low_open=self.low is not None)

    def widen(self, by: Decimal) -> Interval:
        """This interval grown by ``by`` at both ends."""
        return Interval(
            None if self.low is None else self.low - by, None if self.high is None else self.high + by, self.high_open,
            self.low_open and not by,
        )


def sum_intervals(intervals: Iterable[Interval]) -> Interval:
    """The interval of a sum of numbers, each in its interval."""
    low: Decimal | None = _ZERO
    high: Decimal | None = _ZERO
    high_open = False
    for interval in intervals:
        low = None if low is None or interval.low is None else low + interval.low
        high = None if high is None or interval.high is None else high + interval.high
        high_open = high_open or interval.high_open
    return Interval(low, high, high_open)


@dataclass(frozen=True, slots=True)
class Figure:
    """A stated number and what it allows (see the module docstring for the bounds).

    ``scale`` is the multiplier the text writes (10000 for ``22.68万元``), used to show amounts
    the way the report writes them; ``word`` is the qualifier word as written (``约``, ``近``).
    """

    text: str
    value: Decimal | None
    qualifier: str
    kind: str | None
    unit: str | None
    currency: str | None
    scale: Decimal
    precision: Decimal
    exact: Interval | None
    interval: Interval
    word: str | None = None
    slack: Decimal = _ZERO

    @property
    def is_exact(self) -> bool:
        return self.qualifier == "exact"

    @overload
    def reading(self, *, qualified: Literal[True]) -> Interval: ...

    @overload
    def reading(self, *, qualified: bool) -> Interval | None: ...

    def reading(self, *, qualified: bool) -> Interval | None:
        """The exact reading (``qualified=False``) or the interval, widened by the money threshold;
        the exact reading of a non-exact figure is its number alone, never widened."""
        base = self.interval if qualified else self.exact
        if base is None or not self.slack or not (qualified or self.is_exact):
            return base
        return base.widen(self.slack)

    def show(self, amount: Decimal) -> str:
        """``amount`` in this figure's written scale and unit: 700 → ``0.07万元`` for ``27.22万元``."""
        return format_amount(amount, self.scale, self.unit)


def format_amount(amount: Decimal, scale: Decimal = Decimal(1), unit: str | None = None) -> str:
    """An amount written in ``scale`` (10000 → 万) with ``unit``.

    >>> format_amount(Decimal("700"), Decimal("10000"), "元")
    '0.07万元'
    >>> format_amount(Decimal("2648000"), Decimal(1), "元")
    '2,648,000元'
    """
    mark = next((m for s, m in _SCALES if s == scale), "")
    shown = normalize_decimal(amount / scale) if mark else normalize_decimal(amount)
    number = f"{shown:f}" if mark else f"{shown:,f}"
    return f"{number}{mark}{unit or ''}"


def _step_of(n: Decimal) -> Decimal:
    """Place value of the last non-zero digit: 1200 → 100, 4.61 → 0.01, 62563 → 1."""
    n = abs(n)
    if n == 0:
        return Decimal(1)
    exponent = n.normalize().as_tuple().exponent
    return Decimal(1).scaleb(int(exponent))


#: Multipliers written right after a numeral, longest first (万亿 before 万).
_MULTIPLIERS = (("万亿", Decimal(10) ** 12), ("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4), ("千", Decimal(1000)),
                ("成", Decimal(10)))


@functools.lru_cache(maxsize=65536)
def _written(number_text: str, value: Decimal, after: str) -> tuple[Decimal, Decimal, Decimal]:
    """(scale, written precision, step) of a numeral in base units of ``value``; ``after`` is the
    text that follows the numeral (``万元``), where a multiplier is read first."""
    digits = unicodedata.normalize("NFKC", number_text).replace(",", "").strip()
    m = RE_ARABIC.match(digits)
    if m:
        n = Decimal(digits)
        precision = Decimal(1).scaleb(-len(m.group(1) or ""))
    else:
        parsed = parse_number(number_text)
        if parsed is None:
            return Decimal(1), _ZERO, _step_of(value)
        n = parsed
        # Chinese numerals write no trailing zeros: 三万五千 is rounded to 千, 一千二百 is exact.
        precision = _step_of(n) if any(c in digits for c in "万亿萬点") else Decimal(1)
    scale = next((size for word, size in _MULTIPLIERS if after.startswith(word)), None)
    if scale is None:
        ratio = value / n if n else Decimal(1)
        scale = _step_of(ratio) if ratio > 0 and ratio == _step_of(ratio) else Decimal(1)  # else not a multiplier
    return scale, precision * scale, _step_of(n) * scale


@functools.lru_cache(maxsize=65536)
def _number_text(text: str) -> str | None:
    """The numeral of a figure text, re-read when a record does not carry it: the digits when
    there are any (``近265万元`` → ``265``), else what the quantity extractor reads."""
    m = RE_DIGITS.search(text)
    if m:
        return m.group()
    found = extract_quantities(text)
    return found[0].number_text if found else None


def _split(text: str, number_text: str | None) -> tuple[str, str]:
    """The text before and after the numeral of a figure text."""
    at = text.find(number_text) if number_text else -1
    if at < 0:
        m = RE_NUMERAL.search(text)
        if m is None:
            return text, ""
        at, number_text = m.start(), m.group()
    return text[:at], text[at + len(number_text or "") :]


def _word(text: str, number_text: str | None, qualifier: str) -> str | None:
    """The qualifier word as written around the numeral (``约``, ``近``, ``余``), from the
    qualifier lexicon; ``None`` for exact figures, ranges and vague amounts."""
    if qualifier in ("exact", "range", "vague") or not text:
        return None
    before, after = _split(text, number_text)
    words = qualifiers()
    for word, meaning in words["prefix"]:
        if meaning == qualifier and before.endswith(word):
            return word
    for word, meaning in words["infix"] + words["suffix"]:
        if meaning == qualifier and word in after:
            return word
    return None


def _intervals(
    *,
    value: Decimal | None,
    low: Decimal | None,
    high: Decimal | None,
    qualifier: str,
    kind: str | None,
    precision: Decimal,
    step: Decimal,
    word: str | None,
    approx_tolerance: Decimal,
) -> tuple[Interval | None, Interval]:
    """(exact reading, interval) of a figure, before any money threshold."""
    if value is None:
        return None, Interval(low, high)
    if qualifier == "exact":
        if precision <= 1 and kind in WHOLE_KINDS:
            exact = Interval.point(value)
        else:
            exact = Interval(value - precision * _HALF, value + precision * _HALF, high_open=precision > 0)
        return exact, exact
    if qualifier == "approx":
        half = max(step * _HALF, abs(value) * approx_tolerance)
        interval = Interval(value - half, value + half)
    elif qualifier == "more_than":
        interval = Interval(value, value + step, high_open=True) if word in BOUNDED_MORE else Interval(value, None)
    elif qualifier == "at_least":
        interval = Interval(value, None)
    elif qualifier == "less_than":
        interval = Interval(value - step, value) if word in NEAR else Interval(None, value)
    elif qualifier == "at_most":
        interval = Interval(None, value)
    else:  # range and vague carry their bounds; a value with them is read as stated
        interval = Interval(low if low is not None else value, high if high is not None else value)
    return Interval.point(value), interval


def validate_tolerance(name: str, value: Decimal) -> Decimal:
    """A relative tolerance as a Decimal in [0, 1), else a :class:`ConfigError`."""
    try:
        value = Decimal(str(value))
    except ArithmeticError as exc:
        raise ConfigError(f"`{name}` = {value!r} is not a number; give a share such as 0.005 for 0.5%.") from exc
    if not 0 <= value < 1:
        raise ConfigError(f"`{name}` = {value} is out of range; give a share from 0 up to 1, such as 0.005 for 0.5%.")
    return value


def _slack(value: Decimal | None, kind: str | None, money_tolerance: Decimal) -> Decimal:
    """The money rounding threshold of a figure, in base units."""
    return abs(value) * money_tolerance if kind == "money" and value is not None else _ZERO


def _decimal(value: Any) -> Decimal | None:
    """A record's decimal string as a finite Decimal; anything else (messy input) is ``None``."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def figure_from_claim(
    claim: Mapping[str, Any], *, money_tolerance: Decimal = Decimal("0.005"), approx_tolerance: Decimal = Decimal("0.05")
) -> Figure | None:
    """The :class:`Figure` of a ``quantity`` record dict, ``None`` when it states no number
    (a damaged figure, or a range with no bounds).

    >>> f = figure_from_claim({"text": "近265万元", "number_text": "265", "value": "2650000", "low": None,
    ...     "high": "2650000", "qualifier": "less_than", "kind": "money", "unit": "元", "currency": "CNY"},
    ...     money_tolerance=Decimal(0))
    >>> f.interval.low, f.interval.high, f.word
    (Decimal('2640000'), Decimal('2650000'), '近')
    """
    raw_text = claim.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    value, low, high = _decimal(claim.get("value")), _decimal(claim.get("low")), _decimal(claim.get("high"))
    if value is None and low is None and high is None:
        return None
    qualifier = claim.get("qualifier") or "exact"
    kind = claim.get("kind")
    raw_number_text = claim.get("number_text")
    number_text = raw_number_text if isinstance(raw_number_text, str) else None
    number_text = number_text or (_number_text(text) if text else None)
    if value is not None and number_text:
        scale, precision, step = _written(number_text, value, _split(text, number_text)[1])
    else:
        scale, precision, step = Decimal(1), _ZERO, _step_of(value if value is not None else Decimal(1))
    word = _word(text, number_text, qualifier)
    exact, interval = _intervals(
        value=value, low=low, high=high, qualifier=qualifier, kind=kind, precision=precision, step=step, word=word,
        approx_tolerance=approx_tolerance,
    )
    return Figure(
        text=text, value=value, qualifier=qualifier, kind=kind, unit=claim.get("unit"), currency=claim.get("currency"),
        scale=scale, precision=precision, exact=exact, interval=interval, word=word,
        slack=_slack(value if value is not None else high if high is not None else low, kind, money_tolerance),
    )


def figure_from_row(
    row: Any, *, approx_tolerance: Decimal = Decimal("0.05")
) -> Figure | None:
    """The :class:`Figure` of a ledger row (a ``LedgerRow`` or anything with its attributes).

    Its precision is the one the reader found (``1.2万`` → 1000); the qualifier word and the
    written scale (a 万元 column) are read from the value cell as written. The money threshold is
    applied on the report's side only. ``None`` when the row has no figure.
    """
    value, low, high = row.value, row.low, row.high
    if value is None and low is None and high is None:
        return None
    raw = ((getattr(row, "raw", None) or {}).get("value") or "").strip()
    qualifier = row.qualifier or "exact"
    precision = row.precision if row.precision is not None else _ZERO
    step = max(_step_of(value), precision) if value is not None else _ZERO
    scale = Decimal(1)
    m = RE_NUMERAL.search(unicodedata.normalize("NFKC", raw))
    if m and value is not None:
        written = parse_number(m.group())
        if written:
            scale = value / written
            scale = _step_of(scale) if scale > 0 and scale == _step_of(scale) else Decimal(1)
    word = _word(raw, None, qualifier)
    exact, interval = _intervals(
        value=value, low=low, high=high, qualifier=qualifier, kind=row.kind, precision=precision, step=step, word=word,
        approx_tolerance=approx_tolerance,
    )
    return Figure(
        text=raw or (f"{value:f}" if value is not None else ""), value=value, qualifier=qualifier, kind=row.kind,
        unit=row.unit, currency=row.currency, scale=scale, precision=precision, exact=exact, interval=interval, word=word,
    )
