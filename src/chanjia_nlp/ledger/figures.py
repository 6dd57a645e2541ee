"""Figures written in ledger cells (``1.2万``, ``2,650``, ``近265万``, ``1200余``, ``３８％``) and
the units column headers state (``金额(万元)``, ``数量（人次）``).

The numbers are read by the project's own grammar (:mod:`chanjia_nlp.numbers` for a bare
numeral, :func:`chanjia_nlp.quantities.extract_quantities` for one with qualifier words or a
unit); this module only adds what a spreadsheet cell needs: the unit of its column header and the
precision the figure was written with.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from .. import _lexicon
from ..numbers import normalize_decimal, parse_halfwidth, to_halfwidth
from ..quantities import extract_quantities

__all__ = ["Figure", "HeaderUnit", "header_unit", "parse_figure", "to_simplified"]

#: Multipliers a header or cell may put before a unit: 万元, 万人次, 亿元.
MULTIPLIERS = {"万亿": Decimal(10) ** 12, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
               "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(10) ** 3}
RE_BRACKETED = re.compile(r"[(（\[【〔]\s*([^()（）\[\]【】〔〕]{1,12}?)\s*[)）\]】〕]")
RE_UNIT_LABEL = re.compile(r"(?:计量)?单位\s*[:：]\s*(\S{1,8})")  # 单位：万元
RE_SLASH_UNIT = re.compile(r"[/／]\s*([^/／\s]{1,6})$")  # 金额/万元
RE_ARABIC = re.compile(r"[0-9]+(?:\.([0-9]+))?")
RE_ARABIC_MULTIPLIED = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)(万亿|千万|百万|亿|万|千)")
RE_SPACES = re.compile(r"\s+")


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (Big5 ledgers: 萬元, 1200餘); simplified text is
    returned as is."""
    return _converter().convert(text) if text else text


@dataclass(frozen=True, slots=True)
class HeaderUnit:
    """The unit a column header states: ``万元`` is unit ``元`` scaled by 10000."""

    text: str
    unit: str | None
    scale: Decimal
    kind: str | None
    currency: str | None


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure read from one cell, in base units (a header's 万 applied)."""

    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    qualifier: str
    precision: Decimal | None
    kind: str
    unit: str | None
    currency: str | None
    states_unit: bool
    """The cell states its own multiplier or unit (``1.2万元``), so the header's was not applied."""


def unit_word(text: str) -> HeaderUnit | None:
    """A unit written alone, with an optional multiplier: ``人次``, ``万元``, ``%``, ``万``."""
    word = RE_SPACES.sub("", to_simplified(to_halfwidth(text)))
    units = _lexicon.units()
    if word in units:
        u = units[word]
        return HeaderUnit(word, u.text, u.scale, u.kind, u.currency)
    for mult, scale in MULTIPLIERS.items():
        if word.startswith(mult):
            rest = word[len(mult):]
            if not rest:
                return HeaderUnit(word, None, scale, None, None)
            if rest in units:
                u = units[rest]
                return HeaderUnit(word, u.text, scale * u.scale, u.kind, u.currency)
    return None


def header_unit(header: str) -> HeaderUnit | None:
    """The unit a column header states, in brackets, after a slash or a 单位： label, or as the
    whole header.

    >>> header_unit("金额（万元）").scale
    Decimal('10000')
    >>> header_unit("数量(人次)").unit
    '人次'
    >>> header_unit("单位名称") is None
    True
    """
    text = to_simplified(to_halfwidth(header)).strip()
    candidates = [m.group(1) for m in RE_BRACKETED.finditer(text)]
    candidates += [m.group(1) for m in (RE_UNIT_LABEL.search(text), RE_SLASH_UNIT.search(text)) if m]
    candidates.append(text)
    for candidate in candidates:
        found = unit_word(candidate.removeprefix("单位").lstrip(":："))
        if found is not None:
            return found
    return None


def header_base(header: str) -> str:
    """A header without its unit: ``金额（万元）`` → ``金额``."""
    text = RE_BRACKETED.sub(lambda m: "" if unit_word(m.group(1)) else m.group(), header)
    text = RE_SLASH_UNIT.sub(lambda m: "" if unit_word(m.group(1)) else m.group(), text)
    return RE_SPACES.sub(" ", text).strip()


def parse_figure(text: str, unit: HeaderUnit | None = None) -> Figure | None:
    """Read the one figure a cell states, or ``None`` when it states none or several.

    ``unit`` is the column header's unit: it scales a bare figure (``22.68`` under 万元 is 226800
    yuan) and gives its kind; a figure that states its own multiplier or unit (``1.2万元``) keeps
    its own. Never raises on messy text.

    >>> f = parse_figure("近265万")
    >>> f.value, f.qualifier, f.precision
    (Decimal('2650000'), 'less_than', Decimal('10000'))
    >>> parse_figure("22.68", header_unit("金额(万元)")).value
    Decimal('226800')
    """
    return _parse_figure(text, unit) if isinstance(text, str) else None


@functools.lru_cache(maxsize=8192)
def _parse_figure(text: str, unit: HeaderUnit | None) -> Figure | None:
    """:func:`parse_figure`, cached: a ledger repeats its figures and units."""
    norm = RE_SPACES.sub("", to_simplified(to_halfwidth(text)))
    if not norm:
        return None
    if norm[0] in "-−" and len(norm) > 1 and norm[1].isdigit():  # -5: a decrease in a 增减 column
        figure = _parse_figure(norm[1:], unit)
        if figure is None or figure.qualifier != "exact" or figure.value is None:
            return None
        return replace(figure, value=-figure.value, low=-figure.value, high=-figure.value)
    value = parse_halfwidth(norm)
    if value is not None:
        m = RE_ARABIC_MULTIPLIED.fullmatch(norm)  # 120万: precision 万, not the trailing zeros' 十万
        place = _precision(m.group(1), value) * MULTIPLIERS[m.group(2)] if m else _precision(norm, value)
        figure = Figure(value, value, value, "exact", normalize_decimal(place), "count", None, None,
                        states_unit=any(word in norm for word in MULTIPLIERS))
        return _with_header(figure, unit)
    quantities = [q for q in extract_quantities(norm) if not q.damaged]
    appended = False
    if not quantities and unit is not None:
        quantities = [q for q in extract_quantities(norm + unit.text) if not q.damaged]
        appended = True  # the grammar applied the header's unit, multiplier included
    if len(quantities) != 1:
        return None
    q = quantities[0]
    number = parse_halfwidth(to_halfwidth(q.number_text))
    precision = None
    if q.value is not None and number:
        written = _precision(to_halfwidth(q.number_text), number)
        precision = normalize_decimal(written * _power_of_ten(q.value / number))
    figure = Figure(
        q.value, q.low, q.high, q.qualifier.value, precision, q.kind.value, q.unit, q.currency,
        states_unit=not appended and (q.unit is not None or q.value != number),
    )
    if appended:
        return figure if unit is None or unit.kind is None else replace(figure, kind=unit.kind)
    return _with_header(figure, unit)


def _with_header(figure: Figure, unit: HeaderUnit | None) -> Figure:
    """Apply the header's unit to a figure that states none of its own."""
    if unit is None:
        return figure
    if figure.states_unit:  # 1.2万 under 金额(万元): the cell's own 万 counts, the header says 元
        if figure.unit is None and unit.unit is not None:
            return replace(figure, unit=unit.unit, kind=unit.kind or figure.kind, currency=unit.currency)
        return figure
    scale = unit.scale

    def scaled(v: Decimal | None) -> Decimal | None:
        return None if v is None else normalize_decimal(v * scale)

    return replace(
        figure,
        value=scaled(figure.value), low=scaled(figure.low), high=scaled(figure.high),
        precision=scaled(figure.precision),
        kind=unit.kind or figure.kind,
        unit=unit.unit or figure.unit,
        currency=unit.currency if unit.kind else figure.currency,
    )


def _precision(number_text: str, value: Decimal) -> Decimal:
    """The place of the last digit written: ``2,650`` → 1, ``1.25`` → 0.01, ``三万五`` → 1000."""
    m = RE_ARABIC.fullmatch(number_text.replace(",", ""))
    if m is not None:
        return Decimal(1).scaleb(-len(m.group(1) or ""))
    if value != value.to_integral_value():
        return Decimal(1).scaleb(int(value.normalize().as_tuple().exponent))  # finite: not n/N/F
    n, place = int(value), 1
    while n and n % 10 == 0:  # Chinese numerals state their places: 三万 is "to the 万"
        n //= 10
        place *= 10
    return Decimal(place)


def _power_of_ten(ratio: Decimal) -> Decimal:
    """``ratio`` when it is a power of ten (the multiplier a cell wrote), else 1 (``13万2``)."""
    if ratio > 0 and ratio == ratio.to_integral_value() and str(int(ratio)).rstrip("0") == "1":
        return normalize_decimal(ratio)
    return Decimal(1)
