"""Quantity extraction: the case table (tests/cases/quantities.yaml) and properties on any text."""

from __future__ import annotations

import contextlib
import dataclasses
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp import Kind, Qualifier, extract_quantities, quantities
from chanjia_nlp.numbers import format_number

from .conftest import assert_spans, load_cases

FIELDS = ("text", "value", "low", "high", "qualifier", "kind", "unit", "currency")


def _as_row(q) -> dict:
    return {
        "text": q.text,
        "value": q.value,
        "low": q.low,
        "high": q.high,
        "qualifier": q.qualifier.value,
        "kind": q.kind.value,
        "unit": q.unit,
        "currency": q.currency,
    }


def _expected_row(e: dict) -> dict:
    row = {k: e[k] for k in FIELDS}
    for k in ("value", "low", "high"):
        row[k] = None if row[k] is None else Decimal(row[k])
    return row


@pytest.mark.parametrize("case", load_cases("quantities"))
def test_quantity_table(case):
    got = [_as_row(q) for q in extract_quantities(case["text"])]
    assert got == [_expected_row(e) for e in case["expected"]]


def test_offsets_point_into_raw_fullwidth_text():
    text = "全年培训职工１２００余名，满意率９８％以上。"
    quantities = extract_quantities(text)
    assert [q.text for q in quantities] == ["１２００余名", "９８％以上"]
    assert all(text[q.start : q.end] == q.text for q in quantities)
    assert quantities[0].value == Decimal(1200)


def test_non_str_input_is_a_type_error():
    with pytest.raises(TypeError, match="decode bytes"):
        extract_quantities("近265万元".encode())  # type: ignore[arg-type]


def test_no_numbers_gives_empty_list():
    assert extract_quantities("无数字") == []
    assert extract_quantities("") == []


CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# Text made of the pieces the grammar is built from, so the properties reach deep into it.
PIECES = list("零〇一二两三四五六七八九十百千万亿壹贰拾佰仟0123456789.,-—~至到第数几余多近超约上以下左右%％人名家个元美年月日分之点大“”《》，。\n ")
PIECES += ["百分之", "万元", "人次", "以上", "不少于", "个百分点", "成千上万", "亿美元", "位居全市", "五一", "二十大", "１２"]
# issue 13: the forms of the number grammar's new rules
PIECES += ["又", "分之", "角", "毛", "块", "半", "小时", "兆", "参", "叁", "佰", "与", "和", "之间", "折", "对折", "@", "a@b.cn",
           "个亿", "(含)", "港币", "零", "间", "升", "千克", "百分位"]
soup = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.one_of(soup, st.text(max_size=80)))
def test_properties_on_any_text(text):
    quantities = extract_quantities(text)
    assert_spans(text, quantities)
    for q in quantities:
        assert isinstance(q.qualifier, Qualifier) and isinstance(q.kind, Kind)
        for bound in (q.value, q.low, q.high):
            assert bound is None or isinstance(bound, Decimal)
        if q.low is not None and q.high is not None:
            assert q.low <= q.high
        if q.value is not None:
            assert q.low is None or q.low <= q.value
            assert q.high is None or q.value <= q.high
        if q.qualifier in (Qualifier.RANGE, Qualifier.VAGUE):
            assert q.value is None and q.low is not None and q.high is not None
        if q.qualifier is Qualifier.EXACT:
            assert q.low == q.value == q.high


@contextlib.contextmanager
def _every_rule_walked():
    """The extractor with its fast path off: every candidate goes through all the rules."""
    grammar = quantities._grammar()
    with mock.patch.object(quantities, "_grammar", lambda: dataclasses.replace(grammar, fast_units={})):
        yield


# Pieces that make the shapes the fast path takes: Arabic digits, multipliers, the units and
# qualifiers with and without rules of their own, and what may come before a number.
FAST_PIECES = list("0123456789.,万亿千百余多近超约上第?×*a《》“”，家名个人元%次分版成月") + [
    "人次", "万元", "以上", "左右", "上下", "+", "签约", "会上", "不少于", "多月", "工作日", "千米", "世界500强",
    # the rules of real reports: ranks (前3名, 全市第一), medals, datelines, signs, fractions, 过万, 届次
    "前", "全市", "居", "金", "银", "优胜奖", "斩获", ":", "/", "-", "负", "过", "经过", "届", "全委", "（含）以上",
    "千瓦时", "http://a.cn/1 ", " ",
    # issue 13: what sends a figure from the fast path to the rules, and the new shapes
    "元", "角", "分", "半", "小时", "个", "港币", "与", "和", "之间", "万万", "个亿", "兆", ".", "(含)", "零", "又", "分之", "折",
    "吨", "块", "@", "间", "升", "千",
]


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(FAST_PIECES), max_size=24).map("".join), soup))
def test_the_fast_path_gives_what_the_rules_give(text):
    fast = extract_quantities(text)
    with _every_rule_walked():
        walked = extract_quantities(text)
    assert fast == walked


def test_the_fast_path_is_taken_and_agrees_on_the_corpus():
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")) if _is_utf8(p))
    fast = extract_quantities(text)
    with _every_rule_walked():
        walked = extract_quantities(text)
    assert fast == walked and len(fast) > 300
    with mock.patch.object(quantities, "_build", side_effect=AssertionError("rule walk")):
        assert [q.text for q in extract_quantities("新增企业25家，职工1200余名，资金近265万元")] == [
            "25家", "1200余名", "近265万元",
        ]


def _is_utf8(path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("text, span", [("共培训职工1?3人次，其中", "1?3人次"), ("补贴12?3万元", "12?3万元")])
def test_damaged_digits_are_flagged_never_guessed(text, span):
    (q,) = extract_quantities(text)
    assert q.text == span and q.damaged
    assert q.value is q.low is q.high is None


@pytest.mark.parametrize("text", ["汽车零部件企业", "实行7×24小时受理", "服务零距离"])
def test_words_with_numerals_are_not_quantities(text):
    assert extract_quantities(text) == []


# Issue 13: a figure written in each style a report uses is read back as the number it states,
# and its span slices back to the raw text.
_DAXIE = str.maketrans("一二三四五六七八九十百千万亿", "壹贰叁肆伍陆柒捌玖拾佰仟萬億")
_ARABIC_DIGITS = str.maketrans("一二三四五六七八九", "123456789")
_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789,.-%"}


def _styles(value: Decimal) -> dict[str, str]:
    chinese = format_number(value, style="chinese")
    return {
        "arabic": format_number(value, style="arabic"),
        "fullwidth": format_number(value, style="arabic").translate(_FULLWIDTH),
        "chinese": chinese,
        "daxie": chinese.translate(_DAXIE),
        "mixed-places": ("1" if chinese.startswith("十") else "") + chinese.translate(_ARABIC_DIGITS),  # 1十5万
        "mixed-wan": format_number(value, style="mixed"),
    }


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=2, max_value=10**12 - 1).map(Decimal), st.sampled_from(["人", "名", "人次", "元", "家"]),
       st.sampled_from(["", " "]))
def test_each_style_reads_back(value, unit, space):
    for style, written in _styles(value).items():
        if style == "daxie" and value < 10 and unit != "元":
            continue  # a lone 大写 digit before a count is a word character (陆家嘴, 队伍): guarded on purpose
        text = f"全年累计服务职工{written}{space if style in ('arabic', 'fullwidth', 'mixed-wan') else ''}{unit}。"
        (q,) = extract_quantities(text)
        assert_spans(text, [q])
        assert (style, q.value, q.unit) == (style, value, unit)
        assert q.text.endswith(unit)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=Decimal("0.1"), max_value=Decimal(999), places=1), st.sampled_from(["-", "－", "负"]),
       st.sampled_from(["%", "个百分点"]))
def test_a_written_sign_reads_back_negative(value, sign, unit):
    written = format_number(value, style="arabic")
    text = f"利润总额同比增长{sign}{written}{unit}，较上年下降{written}{unit}。"
    first, second = extract_quantities(text)
    assert_spans(text, [first, second])
    assert (first.value, second.value) == (-value, value)
    assert first.text.startswith(sign)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=9))
def test_yuan_and_its_smaller_units_read_back(yuan, jiao, fen):
    written = f"{yuan}元{jiao}角" + (f"{fen}分" if fen else "")
    text = f"职工食堂每餐补贴{written}。"
    (q,) = extract_quantities(text)
    assert_spans(text, [q])
    assert (q.text, q.value, q.unit, q.currency) == (written, Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100, "元", "CNY")



def test_an_ordinal_list_shares_no_unit():
    # 第1、2批: edition numbers (ANNOTATION.md §1), so the 1 gets no 批 from the 2批 after it
    assert "1" not in [q.text for q in extract_quantities("第1、2批共命名30家示范单位。")]
