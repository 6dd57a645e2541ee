"""The number grammar: a case table (tests/cases/numbers.yaml) and round-trip properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanjia_nlp.errors import ConfigError
from chanjia_nlp.numbers import format_number, parse_number, parse_range, parse_vague, to_halfwidth

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
