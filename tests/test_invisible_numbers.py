"""Issue 14, class 17: invisible and format characters inside a number (a thin space grouping
digits, a zero-width space, a BOM, a combining mark, a soft hyphen) no longer cut it in two or
hide it. Normalization drops them (:mod:`chanjia_nlp.normalize`); the figure reads whole and its
span still slices back to the raw text, invisible characters included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chanjia_nlp import extract, extract_quantities
from chanjia_nlp.normalize import normalize

CASES = [
    ("资金3\u2009000万元", "3\u2009000万元", Decimal("30000000")),
    ("新增高技能人才1\u200b200余名", "1\u200b200余名", Decimal("1200")),
    ("会员2\ufeff5000名", "2\ufeff5000名", Decimal("25000")),
    ("服务职工1\u0301200人次", "1\u0301200人次", Decimal("1200")),
    ("培训1.2\u00ad万人次", "1.2\u00ad万人次", Decimal("12000")),
    ("覆盖职工１\u200b２００余名", "１\u200b２００余名", Decimal("1200")),
    ("投入资金12\u202f345\u2009678元", "12\u202f345\u2009678元", Decimal("12345678")),
]


@pytest.mark.parametrize("raw, span, value", CASES, ids=[c[1].encode("unicode_escape").decode() for c in CASES])
def test_extract_reads_the_number_whole(raw, span, value):
    figures = [r.quantity if hasattr(r, "quantity") else r for r in extract(raw)]
    figures = [q for q in figures if q.type == "quantity"]
    assert [(q.text, q.value) for q in figures] == [(span, value)]
    (q,) = figures
    assert raw[q.start : q.end] == q.text  # the span slices back, invisible characters and all


@pytest.mark.parametrize("raw, span, value", CASES, ids=[c[1].encode("unicode_escape").decode() for c in CASES])
def test_extract_quantities_on_the_normalized_text(raw, span, value):
    n = normalize(raw, width=False)
    (q,) = extract_quantities(n.text)
    start, end = n.to_raw(q.start, q.end)
    assert (raw[start:end], q.value) == (span, value)


def test_a_thin_space_between_words_is_no_digit_group():
    (q,) = [r for r in extract_quantities(normalize("2022年\u2009300名职工").text)]
    assert q.text == "300名"
