"""The number grammar: a case table (tests/cases/numbers.yaml) and round-trip properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanjia_nlp.errors import ConfigError
from chanjia_nlp.numbers import format_number, normalize_decimal, parse_number, parse_range, parse_vague, to_halfwidth

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("numbers"))
def test_parse_number_table(case):
    expected = None if case["value"] is None else Decimal(case["value"])
    assert parse_number(case["text"]) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("两三", (2, 3)), ("三四十", (30, 40)), ("七八百", (700, 800)), ("十五六", (15, 16)), ("二三十万", (200000, 300000)),
     ("五一", None), ("三五", None), ("一二", (1, 2))],
)
def test_parse_range(text, expected):
    got = parse_range(text)
    assert got == (None if expected is None else tuple(Decimal(v) for v in expected))


@pytest.mark.parametrize(
    "text, expected",
    [("数百", (200, 900)), ("数千万", (20000000, 90000000)), ("几十", (20, 90)), ("十几", (11, 19)),
     ("二十几", (21, 29)), ("几", (2, 9)), ("数十万", (200000, 900000)), ("成千上万", (1000, 90000)), ("数", (2, 9)),
     ("几几", None)],
)
def test_parse_vague(text, expected):
    got = parse_vague(text)
    assert got == (None if expected is None else tuple(Decimal(v) for v in expected))


def test_parse_number_rejects_non_str():
    with pytest.raises(TypeError):
        parse_number(b"12")  # type: ignore[arg-type]


def test_format_number_rejects_unknown_style():
    with pytest.raises(ConfigError, match="'arabic', 'mixed', 'chinese'"):
        format_number(Decimal(1), style="roman")


def test_halfwidth_keeps_length_and_ideographic_full_stop():
    text = "２０２２年，９８％。"
    assert len(to_halfwidth(text)) == len(text)
    assert to_halfwidth(text) == "2022年,98%。"  # 。 is not full-width ASCII: never "."


integers = st.integers(min_value=0, max_value=10**12 - 1).map(Decimal)
decimals = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(integers)
def test_chinese_round_trip(value):
    assert parse_number(format_number(value, style="chinese")) == value


@given(decimals)
def test_arabic_round_trip(value):
    assert parse_number(format_number(value, style="arabic")) == value


@given(decimals)
def test_mixed_round_trip(value):
    assert parse_number(format_number(value, style="mixed")) == value


@given(integers)
def test_fullwidth_round_trip(value):
    text = format_number(value, style="arabic").translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789,"})
    assert parse_number(text) == value


@given(st.text(alphabet="零〇一二两三四五六七八九十百千万亿壹贰拾佰仟点分之几数0123456789.,", max_size=12))
def test_parse_never_raises_on_numeral_soup(text):
    parse_number(text)
    parse_range(text)
    parse_vague(text)


# Issue 13: every written style of a number parses back to it. 大写 is the Chinese style in the
# financial characters; "mixed places" writes the Chinese style's digits in Arabic (5万4千6百, 2千零3十).
_DAXIE = str.maketrans("一二三四五六七八九十百千万亿", "壹贰叁肆伍陆柒捌玖拾佰仟萬億")
_ARABIC_DIGITS = str.maketrans("一二三四五六七八九", "123456789")


def daxie(value: Decimal) -> str:
    return format_number(value, style="chinese").translate(_DAXIE)


def arabic_places(value: Decimal) -> str:
    chinese = format_number(value, style="chinese")
    return ("1" if chinese.startswith("十") else "") + chinese.translate(_ARABIC_DIGITS)  # 1十5万, as digits are written


def arabic_sections(value: Decimal) -> str:
    """Arabic digits in 万/亿 sections: 1亿2345万6789, 1万零500, 3亿零20万."""
    n = int(value)
    out, gap = [], False
    for size, mark in ((10**8, "亿"), (10**4, "万"), (1, "")):
        count, n = divmod(n, size)
        if count:
            if out and (gap or count < 1000):
                out.append("零")  # a place skipped: 1万零500, 1亿零20万
            out.append(f"{count}{mark}")
            gap = False
        elif out:
            gap = True
    return "".join(out) or "0"


@pytest.mark.slow
@given(integers)
def test_daxie_round_trip(value):
    assert parse_number(daxie(value)) == value


@given(integers)
def test_arabic_places_round_trip(value):
    assert parse_number(arabic_places(value)) == value


@given(integers)
def test_arabic_sections_round_trip(value):
    assert parse_number(arabic_sections(value)) == value


@pytest.mark.slow
@given(st.integers(min_value=1, max_value=10**6 - 1).map(Decimal), st.sampled_from([" ", "\u3000", "\t"]))
def test_surrounding_space_round_trip(value, space):
    assert parse_number(f"{space}{format_number(value, style='arabic')}{space}") == value


@given(st.integers(min_value=0, max_value=10**4), st.integers(min_value=1, max_value=99), st.integers(min_value=2, max_value=10**4))
def test_mixed_fraction_round_trip(whole, numerator, denominator):
    if numerator >= denominator:
        numerator = denominator - 1
    text = f"{format_number(Decimal(whole), style='chinese')}又{denominator}分之{numerator}"
    assert parse_number(text) == normalize_decimal(Decimal(whole) + Decimal(numerator) / Decimal(denominator))


@given(st.integers(min_value=1, max_value=10**12 - 1).map(Decimal), st.sampled_from(["-", "－", "−", "负", "負"]))
def test_leading_sign_round_trip(value, sign):
    assert parse_number(f"{sign}{format_number(value, style='arabic')}") == -value
    assert parse_number(f"{sign}{format_number(value, style='chinese')}") == -value

