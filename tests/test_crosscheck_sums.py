"""Internal checks: totals against their parts, shares against their counts, conflicts between reports."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp.crosscheck import internal_checks
from chanjia_nlp.crosscheck.figures import figure_from_claim
from chanjia_nlp.crosscheck.verdicts import judge_sum

from .conftest import HERE
from .test_crosscheck import claim_of, nlp, records_of  # noqa: F401 - nlp is a fixture

CASES = yaml.safe_load((HERE / "cases" / "crosscheck_sums.yaml").read_text(encoding="utf-8"))
TEXT_CASES = [c for c in CASES if "text" in c]
ARITHMETIC = [c for c in CASES if "total" in c]


def _without_text(records: list[dict]) -> list[dict]:
    """The records as an older JSONL has them: documents without their text."""
    return [{k: v for k, v in r.items() if k != "text"} if r["type"] == "document" else r for r in records]


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c["id"] for c in TEXT_CASES])
def test_sentence(case, nlp):
    records = records_of(nlp, [{"text": case["text"]}])
    found = internal_checks(records)
    assert [(f["check"], f["verdict"]) for f in found] == [(e["check"], e["verdict"]) for e in case["expected"]], [
        f["message"] for f in found
    ]
    for finding, expected in zip(found, case["expected"]):
        assert expected.get("message", "") in finding["message"]
        assert finding["message"].startswith(expected["verdict"] + ":")
        if "gap" in expected:
            assert Decimal(finding["gap"]) == Decimal(expected["gap"])
        for span in finding["evidence"]:
            assert case["text"][span["start"] : span["end"]] == span["text"]
        assert {e["role"] for e in finding["evidence"]} <= {"total", "part", "contradicts"}
    # Without the document text the sentences the records carry give the same findings.
    assert [f["message"] for f in internal_checks(_without_text(records))] == [f["message"] for f in found]


@pytest.mark.parametrize("case", ARITHMETIC, ids=[c["id"] for c in ARITHMETIC])
def test_arithmetic(case):
    figure = lambda text: figure_from_claim(claim_of(text))  # noqa: E731
    judgement = judge_sum(figure(case["total"]), [figure(p) for p in case["parts"]], complete=case.get("complete", False))
    assert judgement.verdict == case["verdict"], judgement.message
    if case["verdict"]:
        assert judgement.message.startswith(case["verdict"] + ": ") and case["message"] in judgement.message


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=99999), min_size=2, max_size=6), st.integers(min_value=1, max_value=500))
def test_parts_and_total_of_whole_counts(parts, excess):
    total = sum(parts)
    figures = [figure_from_claim(claim_of(f"{p}人")) for p in parts]
    exact = judge_sum(figure_from_claim(claim_of(f"{total}人")), figures, complete=True)
    assert exact.verdict is None
    over = judge_sum(figure_from_claim(claim_of(f"{total - excess}人")), figures, complete=False)
    if total - excess > 0:
        assert over.verdict == "flagged" and over.gap == excess
    under = judge_sum(figure_from_claim(claim_of(f"{total + excess}人")), figures, complete=False)
    assert under.verdict is None  # a 其中 list may name only some parts


def test_conflicting_reports_of_one_subject(nlp):
    records = records_of(nlp, [
        {"text": "2022年，惠山区全年开展职工培训4.2万人次。", "path": "a.txt"},
        {"text": "惠山区总工会：2022年全年开展职工培训3.9万人次。", "path": "b.txt"},
        {"text": "2022年，梁溪区全年开展职工培训3万人次。", "path": "c.txt"},
        {"text": "2022年，惠山全年开展职工培训约4.1万人次。", "path": "d.txt"},
    ])
    (conflict,) = internal_checks(records)
    assert conflict["check"] == "conflict" and conflict["verdict"] == "flagged"
    # 约4.1万人次 can be either figure, so it conflicts with neither
    assert {(e["path"], e["text"]) for e in conflict["evidence"]} == {("a.txt", "4.2万人次"), ("b.txt", "3.9万人次")}
    assert conflict["subject"] == "惠山区" and conflict["period"] == "2022"
    assert "4.2万人次 in a.txt" in conflict["message"] and "3.9万人次 in b.txt" in conflict["message"]
    assert not internal_checks(records, conflicts=False)


def test_figures_of_different_things_do_not_conflict(nlp):
    records = records_of(nlp, [
        {"text": "2022年，惠山区新命名劳模创新工作室12家。", "path": "a.txt"},
        {"text": "2022年，惠山区新命名职工创新工作室18家。", "path": "b.txt"},
        {"text": "2021年，惠山区新命名劳模创新工作室9家。", "path": "c.txt"},
    ])
    assert internal_checks(records) == []


def test_a_target_never_conflicts_with_what_was_achieved(nlp):
    records = records_of(nlp, [
        {"text": "2023年，惠山区力争新增高技能人才2000名以上。", "path": "plan.txt"},
        {"text": "2023年，惠山区新增高技能人才1800名。", "path": "review.txt", "published": "2024-01-12"},
    ])
    assert [r["target"] for r in records if r.get("claim")] == [True, False]
    assert internal_checks(records) == []
    # Two reports aiming at different numbers for the same thing do conflict.
    records += records_of(nlp, [{"text": "2023年，惠山区计划新增高技能人才1500名。", "path": "other_plan.txt"}])
    (conflict,) = internal_checks(records)
    assert {e["path"] for e in conflict["evidence"]} == {"plan.txt", "other_plan.txt"}
    assert "targets" in conflict["message"]
