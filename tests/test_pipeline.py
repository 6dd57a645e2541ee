"""The public API: extract(), load(), extract_quantities() and record serialization."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chanjia_nlp
from chanjia_nlp import Claim, Quantity, to_dict


def _quantities(records):
    return [r.quantity if isinstance(r, Claim) else r for r in records if isinstance(r, (Claim, Quantity))]


def test_extract_returns_claims_with_their_sentence():
    text = "今年以来，全区新增高技能人才1200余名。累计奖励金额近265万元！"
    records = chanjia_nlp.extract(text, published="2023-04-06")
    quantities = _quantities(records)
    assert [q.text for q in quantities] == ["1200余名", "近265万元"]
    assert quantities[0].sentence == "今年以来，全区新增高技能人才1200余名。"
    assert quantities[1].sentence == "累计奖励金额近265万元！"
    assert quantities[1].value == Decimal("2650000") and quantities[1].currency == "CNY"
    first, second = records[:2]
    assert (first.indicator, first.scope) == ("high_skilled_talent", "increment")
    assert (second.indicator, second.scope) == ("reform_funds", "cumulative")


def test_bad_published_date_raises_at_once():
    with pytest.raises(chanjia_nlp.ConfigError, match="ISO date"):
        chanjia_nlp.extract("培训300人", published="2023年4月")


def test_fast_path_equals_pipeline_but_for_sentence():
    text = "参训人员467人，开班14个。"
    fast = chanjia_nlp.extract_quantities(text)
    full = _quantities(chanjia_nlp.load(segmenter="char").extract(text))
    assert [dataclasses.replace(q, sentence=None) for q in full] == fast


def test_records_are_frozen():
    (q,) = chanjia_nlp.extract_quantities("25家")
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.value = Decimal(1)  # type: ignore[misc]


def test_to_dict_follows_output_spec():
    (q,) = chanjia_nlp.extract_quantities("超亿美元")
    row = to_dict(q, doc_id="abc", path="a.txt")
    assert list(row)[:3] == ["type", "doc_id", "path"]
    assert row["type"] == "quantity"
    assert row["value"] == "100000000" and row["high"] is None and row["low"] == "100000000"
    assert row["qualifier"] == "more_than" and row["currency"] == "USD" and row["unit"] == "美元"
    for key in ("claim", "indicator", "indicator_text", "subject", "level", "period", "scope", "sentence"):
        assert key in row
    json.dumps(row, ensure_ascii=False)  # plain JSON: no Decimal, no enum


def test_quantity_field_names_are_the_contract():
    names = {f.name for f in dataclasses.fields(Quantity)}
    assert {"text", "start", "end", "value", "low", "high", "qualifier", "kind", "unit", "currency"} <= names


def test_in_context_changes_only_sentence_and_repeat():
    (q,) = chanjia_nlp.extract_quantities("全区新增25家")
    assert q.in_context("全区新增25家", True) == dataclasses.replace(q, sentence="全区新增25家", repeated=True)


def test_fast_constructor_makes_the_same_frozen_record():
    from chanjia_nlp.records import make_quantity

    (q,) = chanjia_nlp.extract_quantities("近265万元")
    values = [getattr(q, f.name) for f in dataclasses.fields(Quantity)]
    made = make_quantity(*values)
    assert made == q and hash(made) == hash(q)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.value = Decimal(1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        make_quantity(*values[:-1])  # every field, in order


# Report-like text from the pieces every stage reacts to, so the property reaches claims,
# structure, entities and programmes, not just the numbers.
_PIECES = [
    "全区", "新增", "累计", "截至目前", "今年", "去年", "2022年，", "其中", "覆盖职工", "省级试点单位", "25家", "、", "，",
    "。", "；", "\n", "\n\n", "(晚报记者 潘凡)", "【主席之声】", "小编说:", "惠山区总工会", "无锡", "南通开发区",
    "“星湖工匠”", "《工作指南》", "1200余名", "近265万元", "98%以上", "3个百分点", "两三个", "数百", "第一", "位居全市",
    "1?3人次", "发布时间:2023-04-06 08:57:36", "四个方面", "六大", "比上年提高", "总数达到", "１２００余名",
]
_report = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.one_of(_report, st.text(max_size=100)), st.sampled_from([None, "2023-04-06"]))
def test_extract_never_raises_and_every_span_slices_back(text, published):
    records = chanjia_nlp.extract(text, published=published)
    for r in records:
        q = r.quantity if isinstance(r, Claim) else r
        assert text[q.start : q.end] == q.text
        if isinstance(r, Claim) and r.parent is not None:
            assert any(isinstance(o, Claim) and o.quantity.start == r.parent for o in records)


def test_a_text_without_sentence_ends_gives_each_figure_a_bounded_sentence():
    # numerals without punctuation (a table dump, a damaged scan): every figure's sentence would
    # be the whole text, and memory the square of it (1 MB took 16 GB); each keeps the characters
    # around it that the binder reads, and they still slice back to the text
    from chanjia_nlp.pipeline import SENTENCE_REACH

    text = "培训职工１２３人次新建书屋４５家" * 400
    records = chanjia_nlp.extract(text)
    quantities = [r.quantity if isinstance(r, Claim) else r for r in records if isinstance(r, (Claim, Quantity))]
    assert len(quantities) == 800
    assert max(len(q.sentence) for q in quantities) <= 2 * SENTENCE_REACH + max(len(q.text) for q in quantities)
    for q in quantities[::97]:
        assert q.sentence in text and text[q.start : q.end] == q.text
