"""The headline and publication date read from a report's page furniture: case tables
(tests/cases/metadata.yaml), and properties that hold for any text."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp.pagehead import DATE_RULES, read_head
from chanjia_nlp.readers import sniff_metadata

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("metadata"))
def test_metadata_cases(case):
    head = read_head(case["text"])
    assert (head.title, head.published) == (case["title"], case["published"])
    assert head.rule == case.get("rule")
    assert sniff_metadata(case["text"]) == (case["title"], case["published"])


@pytest.mark.parametrize("case", load_cases("metadata"))
def test_full_width_text_reads_the_same(case):
    """Full-width digits and marks (what a Word export often has) change nothing but the title's marks."""
    wide = case["text"].translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000})
    head = read_head(wide)
    assert head.published == case["published"] and head.rule == case.get("rule")
    assert (head.title is None) == (case["title"] is None)


def test_a_title_is_a_line_of_the_text_as_written():
    text = "　“一企一策”助企稳岗　\n发布时间：2023-04-06\n正文一段。"
    head = read_head(text)
    assert head.title == "“一企一策”助企稳岗" and head.title in text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("2023年1月12日-./: \n,。发布时间来源版电讯【】——在上记者报" + "0123456789"), max_size=120))
def test_any_text_gives_a_valid_date_or_none(text):
    head = read_head(text)
    if head.published is not None:
        assert head.rule in DATE_RULES
        datetime.date.fromisoformat(head.published)
    else:
        assert head.rule is None
    assert head.title is None or head.title.strip() in text
