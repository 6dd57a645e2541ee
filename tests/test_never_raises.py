"""Issue 14's quality bar: the library functions never raise on a string, whatever it holds
(40-digit numbers, invisible and format characters, mixed scripts): messy text gives fewer
records, not exceptions. A modest example budget; ``benchmarks/fuzz.py`` runs the same inputs
for longer and reports the slowest."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanjia_nlp import extract, extract_quantities

PIECES = [
    "全区", "新增", "职工", "会员", "其中", "累计", "近", "约", "余", "多", "万", "亿", "千", "百", "名", "人次", "元",
    "万元", "家", "%", "％", "个", "-", "—", "～", "至", "到", "、", "，", "。", "\n", "\n\n", "(", ")", "（", "）",
    "0", "1", "2", "5", "9", ".", ",", "１", "２", "０", "一", "二", "三", "十", "两", "几", "数",
    "\u200b", "\ufeff", "\u00ad", "\u0301", "\u2009", "\u202f", "\u202e", "\u3000", "\ufffd", "\x00",
    "1" * 29, "9" * 40, "１" * 25, "0-8亿1", "3\u2009000万元", "2023年", "第3页", "(市总工会供图)",
]
TEXTS = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.text(max_size=120),
)
def _never_raises(function, text):
    return function(text)  # any exception fails the property


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(TEXTS)
def test_extract_quantities_never_raises(text):
    _never_raises(extract_quantities, text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(TEXTS)
def test_extract_never_raises(text):
    for record in _never_raises(extract, text) or []:
        q = getattr(record, "quantity", record)
        assert text[q.start : q.end] == q.text


@pytest.mark.parametrize("text", ["1" * 29 + "名", "１" * 25 + "万元", "9" * 40 + "人", "1" * 18 + "万亿元", "0-8亿1"])
def test_absurd_figures_are_flagged_not_raised(text):
    # Issue 14 classes 10 and 11: more digits than any report states (10^20 and up) give a
    # mention flagged damaged, with no value; a range that cannot take a written-out tail, none.
    for q in extract_quantities(text):
        assert q.damaged and q.value is None and q.low is None and q.high is None, q
        assert text[q.start : q.end] == q.text
    extract(text)
