"""crosscheck: figures and their intervals, ledger rows against claims, 合计 rows, uncovered claims."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import chanjia_nlp
from chanjia_nlp import to_dict
from chanjia_nlp.crosscheck import VERDICTS, check_ledger, internal_checks, ledger_totals
from chanjia_nlp.crosscheck.figures import Interval, figure_from_claim
from chanjia_nlp.crosscheck.keys import periods_match, subject_key
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.ledger import LedgerRow

from .conftest import HERE, load_cases

FINDING_KEYS = {
    "type", "finding_id", "check", "verdict", "message", "indicator", "subject", "period", "expected", "observed",
    "gap", "doc_id", "path", "evidence", "ledger", "subject_code", "subject_name", "kind", "unit", "currency",
}
EVIDENCE_KEYS = {"doc_id", "path", "start", "end", "text", "role"}


@pytest.fixture(scope="module")
def nlp():
    return chanjia_nlp.load()


def records_of(nlp, reports: list[dict]) -> list[dict]:
    """Document and record dicts for report texts, as ``chanjia extract`` writes them."""
    out = []
    for number, report in enumerate(reports):
        path = report.get("path") or f"r{number}.txt"
        doc_id = f"doc-{path}"
        text = report["text"]
        published = report.get("published", "2023-01-10")
        out.append({"type": "document", "doc_id": doc_id, "path": path, "published": published, "text": text})
        out.extend(to_dict(r, doc_id=doc_id, path=path) for r in nlp.extract(text, published=published))
    return out


def make_row(**fields) -> LedgerRow:
    """A LedgerRow with defaults for what a case leaves out; ``raw`` is the value cell as written."""
    value = Decimal(fields.pop("value")) if fields.get("value") is not None else None
    raw = fields.pop("raw", None)
    qualifier = fields.pop("qualifier", "exact")
    kind = fields.pop("kind", "count")
    base = dict(
        file="台账.xlsx", sheet="Sheet1", row=5, subject=None, indicator_text=None, indicator=None,
        indicator_score=1.0, indicator_method="alias", scope=None, value=value, low=value,
        high=value if qualifier == "exact" else None, qualifier=qualifier, precision=Decimal(1), kind=kind,
        unit=None, currency="CNY" if kind == "money" else None, period="2022", level=None, evidence=None,
        note=None, is_total=False, total_of=(), cells={"value": "E5"}, raw={"value": raw if raw is not None else str(value)},
    )
    base.update(fields)
    if "precision" in fields:
        base["precision"] = Decimal(fields["precision"])
    return LedgerRow(**base)


def claim_of(text: str) -> dict:
    """The quantity dict of one figure text, made a claim."""
    (quantity,) = chanjia_nlp.extract_quantities(text)
    return {**to_dict(quantity, doc_id="d", path="p.txt"), "claim": True}


# --- figures ---------------------------------------------------------------------------------

FIGURES = yaml.safe_load((HERE / "cases" / "crosscheck_figures.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FIGURES, ids=[c["id"] for c in FIGURES])
def test_figure_interval_follows_qualifier_and_precision(case):
    figure = figure_from_claim(claim_of(case["text"]), money_tolerance=Decimal(0))
    interval = figure.reading(qualified=True)
    for value in case.get("allows", []):
        assert interval.overlaps(Interval.point(Decimal(value))), value
    for value in case.get("rules_out", []):
        assert not interval.overlaps(Interval.point(Decimal(value))), value
    if "word" in case:
        assert figure.word == case["word"]


@given(st.integers(min_value=1, max_value=10**9))
def test_a_rounded_wan_figure_covers_what_it_rounds(n):
    """However a count is rounded to 万 with one decimal (half up), the written figure allows it."""
    written = (Decimal(n) / 10000).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    figure = figure_from_claim(claim_of(f"{written}万人"))
    assert figure.reading(qualified=False).overlaps(Interval.point(Decimal(n)))


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_interval_overlap_is_symmetric(a, b):
    x, y = Interval(Decimal(min(a, b)), Decimal(max(a, b))), Interval(Decimal(a % 997), Decimal(a % 997 + b % 13), True)
    assert x.overlaps(y) == y.overlaps(x)


def test_messy_claims_give_fewer_findings_not_errors():
    messy = [
        {"type": "quantity", "claim": True, "start": "x", "end": 3, "text": "12人"},
        {"type": "quantity", "claim": True, "start": 0, "end": 3, "text": "12人", "value": "abc", "subject": ["x"]},
        {"type": "quantity", "claim": True, "start": 0, "end": 3, "text": "12人", "value": "NaN", "parent": "0"},
        {"type": "quantity", "claim": "yes", "start": 0, "end": 3, "text": "12人", "value": "12"},
        {"type": "document", "doc_id": ["not", "a", "string"], "text": 42},
        {"no": "type"},
    ]
    row = make_row(subject="惠山区", indicator="training_participants", value="12")
    found = check_ledger([row], messy) + internal_checks(messy)
    assert [f["verdict"] for f in found] == ["unsupported"]


def test_bad_tolerance_raises_config_error_naming_the_range():
    with pytest.raises(ConfigError, match="from 0 up to 1"):
        check_ledger([], [], money_tolerance=Decimal("1.5"))
    with pytest.raises(ConfigError, match="not a number"):
        internal_checks([], money_tolerance="half")


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("惠山区", "惠山", True),
        ("惠山区总工会", "惠山", True),
        ("江阴市华士镇总工会", "华士镇", True),
        ("江阴市华士镇总工会", "江阴市", False),
        ("江都经济开发区", "江都区", True),
        ("梁溪区", "惠山区", False),
        ("澄芯微电子有限公司", "澄芯微电子有限公司", True),
    ],
)
def test_subjects_match_through_the_gazetteer(a, b, same):
    assert (subject_key(a) == subject_key(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("2022", "2022-12", True), ("2023-H1", "2023-06", True), ("2023-H1", "2023-07", False), ("2022", "2023", False),
     ("2022", None, False), ("2023-Q2", "2023-04", True)],
)
def test_periods_match_by_year_and_months(a, b, same):
    assert periods_match(a, b) is same


# --- ledger rows against claims --------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases("crosscheck_ledger"))
def test_ledger_row_verdict(case, nlp):
    records = records_of(nlp, case["reports"])
    row = make_row(**case["row"])
    tolerance = Decimal(case.get("money_tolerance", "0.005"))
    found = [f for f in check_ledger([row], records, money_tolerance=tolerance) if f["check"] == "ledger"]
    assert len(found) == 1
    (result,) = found
    assert result["verdict"] == case["verdict"], result["message"]
    if "gap" in case:
        assert Decimal(result["gap"]) == Decimal(case["gap"])
    for words in case.get("message", []):
        assert words in result["message"]
    assert result["ledger"]["cell"] == "E5" and result["observed"] == case["row"]["value"]
    roles = {e["role"] for e in result["evidence"]}
    if case["verdict"] == "unsupported":
        assert result["evidence"] == []
    elif case["verdict"] in ("consistent", "consistent_within_qualifier"):
        assert roles == {"supports"}
    elif case["verdict"] == "inconsistent":
        assert roles == {"contradicts"}
    text = {r["doc_id"]: r["text"] for r in records if r["type"] == "document"}
    for span in result["evidence"]:
        assert text[span["doc_id"]][span["start"] : span["end"]] == span["text"]


def test_finding_shape_and_stable_ids(nlp):
    records = records_of(nlp, [{"text": "2022年，惠山区新增高技能人才1200余名，全年开展职工培训1.2万人次。"}])
    rows = [
        make_row(subject="惠山区", indicator="high_skilled_talent", indicator_text="高技能人才", value="1250"),
        make_row(subject="惠山区", indicator="training_participants", indicator_text="职工培训", value="9000", row=6,
                 cells={"value": "E6"}),
    ]
    first = check_ledger(rows, records)
    second = check_ledger(rows, list(reversed(records)))
    for finding in first:
        assert set(finding) == FINDING_KEYS
        assert finding["type"] == "finding" and finding["verdict"] in VERDICTS
        assert all(set(e) - {"sentence"} == EVIDENCE_KEYS for e in finding["evidence"])
        for key in ("expected", "observed", "gap"):
            assert finding[key] is None or isinstance(finding[key], str)
    assert sorted(f["finding_id"] for f in first) == sorted(f["finding_id"] for f in second)
    assert len({f["finding_id"] for f in first}) == len(first)


def test_repeated_paragraph_counts_once(nlp):
    text = "2022年，梁溪区开展职工培训3万人次。\n\n2022年，梁溪区开展职工培训3万人次。"
    records = records_of(nlp, [{"text": text}])
    assert sum(1 for r in records if r.get("repeated")) == 1
    (result,) = check_ledger([make_row(subject="梁溪区", indicator="training_participants", value="30000")], records,
                             uncovered=False)
    assert result["verdict"] == "consistent" and len(result["evidence"]) == 1


# --- uncovered claims ------------------------------------------------------------------------


def test_uncovered_claims_of_the_ledger_subjects_and_years(nlp):
    records = records_of(nlp, [
        {"text": "2022年，惠山区全年开展职工培训4.2万人次，其中线上培训1.5万人次、线下培训2.7万人次；新增高技能人才2150名；"
                 "新建职工书屋12家。2023年，力争新增高技能人才2000名以上。", "path": "huishan.txt"},
        {"text": "2022年，梁溪区新增高技能人才900名。", "path": "liangxi.txt"},
    ])
    rows = [make_row(subject="惠山区总工会", indicator="training_participants", indicator_text="职工培训人次", value="42000")]
    found = check_ledger(rows, records)
    uncovered = [f for f in found if f["check"] == "uncovered_claim"]
    assert {f["evidence"][0]["text"] for f in uncovered} == {"2150名", "12家"}
    assert all(f["verdict"] == "uncovered" and f["path"] == "huishan.txt" for f in uncovered)
    assert [f["verdict"] for f in found if f["check"] == "ledger"] == ["consistent"]
    assert not [f for f in check_ledger(rows, records, uncovered=False) if f["check"] == "uncovered_claim"]


def test_targets_are_uncovered_only_for_a_ledger_of_targets(nlp):
    records = records_of(nlp, [
        {"text": "2023年，惠山区力争新增高技能人才2000名以上，计划新建职工书屋20家。", "path": "plan.txt"},
        {"text": "2023年，惠山区新增高技能人才1800名，开展职工培训4万人次。", "path": "review.txt",
         "published": "2024-01-12"},
    ])
    assert [(r["text"], r["target"]) for r in records if r.get("claim")] == [
        ("2000名以上", True), ("20家", True), ("1800名", False), ("4万人次", False)]
    done = make_row(subject="惠山区", indicator="high_skilled_talent", indicator_text="新增高技能人才", value="1800",
                    period="2023")
    found = check_ledger([done], records)
    assert [(f["verdict"], f["evidence"][0]["text"]) for f in found] == [("consistent", "1800名"), ("uncovered", "4万人次")]
    planned = make_row(subject="惠山区", indicator="high_skilled_talent", indicator_text="新增高技能人才目标",
                       value="2000", period="2023", row=6, cells={"value": "E6"})
    found = check_ledger([done, planned], records)
    assert [(f["check"], f["verdict"], f["evidence"][0]["text"]) for f in found] == [
        ("ledger", "consistent", "1800名"), ("ledger", "consistent", "2000名以上"),
        ("uncovered_claim", "uncovered", "20家"), ("uncovered_claim", "uncovered", "4万人次"),
    ]
    assert "a target" in found[2]["message"] and "a target" not in found[3]["message"]


# --- 合计 rows -------------------------------------------------------------------------------


def _money_row(row: int, raw: str, **fields) -> LedgerRow:
    value = Decimal(raw) * 10000
    return make_row(row=row, value=str(value), raw=raw, kind="money", unit="元", precision=fields.pop("precision", "1000"),
                    cells={"value": f"F{row}"}, subject="江都区", **fields)


@pytest.mark.parametrize(
    ("parts", "total", "verdict", "words"),
    [
        (["1500", "612.3", "253.5"], "2365.8", None, None),
        (["1800", "600"], "2500", "flagged", "flagged: the parts F1 1800 + F2 600 sum to 2400万元, 100万元 less than the 合计 F3 2500"),
        (["1800", "700"], "2400", "flagged", "100万元 more than the 合计"),
        (["10.26", "20.35"], "30.6", "explained", "within the rounding"),
    ],
)
def test_ledger_total_rows(parts, total, verdict, words):
    rows = [_money_row(n, raw, indicator="reform_funds", indicator_text=f"资金{n}",
                       precision="100" if "." in raw and len(raw.split(".")[1]) == 2 else "1000")
            for n, raw in enumerate(parts, 1)]
    end = len(parts) + 1
    rows.append(_money_row(end, total, indicator_text=None, is_total=True, total_of=tuple(range(1, end)),
                           precision="1000" if "." in total else "10000"))
    found = ledger_totals(rows)
    assert [f["verdict"] for f in found] == ([verdict] if verdict else [])
    if verdict:
        assert found[0]["check"] == "ledger_total" and words in found[0]["message"]
        assert found[0]["ledger"]["cell"] == f"F{end}"
    # a 合计 row without an indicator is checked against its rows only, never against the reports
    assert not [f for f in check_ledger(rows, []) if f["check"] == "ledger" and f["ledger"]["row"] == end]
