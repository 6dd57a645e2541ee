"""Canonical subjects over the whole gazetteer: every district's names map to its code, and a
region's queries include what lies under it."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from chanjia_nlp.subjects import (
    annotate, canonical_subject, codes_under, document_region, is_region, resolve_region, rollup_code,
)

REGIONS = Path(__file__).resolve().parents[1] / "lexicons" / "regions.tsv"
BODIES = ("", "总工会", "产改办", "人民政府", "总工会女职工委员会")


def _rows() -> list[dict[str, str]]:
    lines = [line for line in REGIONS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


ROWS = _rows()
DISTRICTS = [r for r in ROWS if r["level"] == "district"]


def _holders() -> dict[str, set[str]]:
    """Every name and short form, with the codes (or town names) of the divisions it may name."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in ROWS:
        key = r["code"] or f"{r['parent_code']}:{r['name']}"
        out[r["name"]].add(key)
        for short in filter(None, r["short"].split("/")):
            out[short].add(key)
    return out


HOLDERS = _holders()


def _aliases(row: dict[str, str]) -> list[str]:
    """The district's full name, and its short forms where reports read them (Jiangsu's; elsewhere
    a short form is read only where the document confirms it)."""
    names = [row["name"]]
    if row["code"].startswith("32"):
        names += [s for s in row["short"].split("/") if len(s) > 1]
    return names


@pytest.mark.slow
def test_every_district_alias_maps_to_its_code():
    checked, shared = 0, 0
    for row in DISTRICTS:
        for alias in _aliases(row):
            if HOLDERS[alias] != {row["code"]}:
                shared += 1  # a name two divisions share (鼓楼区): checked below
                continue
            for body in BODIES:
                subject = canonical_subject(alias + body)
                assert subject == (row["code"], row["name"]), alias + body
                assert is_region(subject)
                checked += 1
    assert checked > 2 * len(DISTRICTS) and shared < len(DISTRICTS) / 3


def test_a_shared_district_name_goes_to_one_of_its_holders():
    for row in DISTRICTS:
        name = row["name"]
        if len(HOLDERS[name]) > 1:
            code = canonical_subject(name + "总工会").code
            assert code in HOLDERS[name], name
            holders_in_jiangsu = {c for c in HOLDERS[name] if c.startswith("32")}
            if holders_in_jiangsu:
                assert code in holders_in_jiangsu, name  # the reports' province first


@pytest.mark.parametrize(
    "written, region, expected",
    [
        ("惠山", None, ("320206", "惠山区")),
        ("惠山区总工会", None, ("320206", "惠山区")),
        ("惠山区产改办", None, ("320206", "惠山区")),
        ("无锡市总工会", None, ("320200", "无锡市")),
        ("江苏省总工会", None, ("320000", "江苏省")),
        ("江苏省无锡市惠山区", None, ("320206", "惠山区")),  # a chain names its last division
        ("江阴市华士镇总工会", None, ("320281", "华士镇")),  # a town keeps its name, under its district
        ("硕放街道总工会", None, ("320214", "硕放街道")),
        ("宜兴经济技术开发区工会", None, ("320282", "宜兴经济技术开发区")),  # a park under the region its name names
        ("无锡高新区星光智造产业园", "320214", ("320214", "无锡高新区星光智造产业园")),  # the document's 新吴区 lies in 无锡
        ("无锡高新区星光智造产业园", "321012", ("320200", "无锡高新区星光智造产业园")),  # 江都区 does not
        ("澄芯微电子有限公司", "320282", ("320282", "澄芯微电子有限公司")),
        ("澄芯微电子有限公司", None, (None, "澄芯微电子有限公司")),
        ("", None, (None, None)),
        (None, "320206", (None, None)),
    ],
)
def test_canonical_subject(written, region, expected):
    assert canonical_subject(written, region) == expected


def test_a_city_includes_its_districts_and_a_province_its_cities():
    wuxi = codes_under("320200")
    assert {r["code"] for r in DISTRICTS if r["parent_code"] == "320200"} <= wuxi
    assert "321012" not in wuxi and "320000" not in wuxi  # 江都区 is 扬州's; the province is above
    jiangsu = codes_under("320000")
    assert wuxi <= jiangsu and "321012" in jiangsu and "110101" not in jiangsu


def test_rollup_levels():
    assert [rollup_code("320206", level) for level in ("district", "city", "province")] == ["320206", "320200", "320000"]
    assert rollup_code("320200", "district") is None  # a city lies in no district
    assert rollup_code("110101", "city") == "110000"  # a municipality is its districts' city
    assert rollup_code(None, "city") is None


def test_resolve_region_takes_bodies_not_towns():
    assert resolve_region("无锡").code == "320200" and resolve_region("惠山区总工会").code == "320206"
    assert resolve_region("华士镇") is None and resolve_region("星光工匠学院") is None


def test_annotate_hangs_organisations_under_the_documents_main_region():
    records = [
        {"type": "entity", "label": "org", "text": "宜兴市总工会", "normalized": None},
        {"type": "entity", "label": "region", "text": "宜兴", "normalized": "宜兴市"},
        {"type": "entity", "label": "region", "text": "无锡", "normalized": "无锡市"},
        {"type": "quantity", "claim": True, "subject": "澄芯微电子有限公司"},
        {"type": "quantity", "claim": True, "subject": "宜兴"},
        {"type": "quantity", "claim": True, "subject": None},
        {"type": "quantity", "claim": False, "subject": None},
    ]
    assert document_region(r for r in records if r["type"] == "entity") == "320282"
    annotate(records)
    assert [(r["subject_code"], r["subject_name"]) for r in records[3:]] == [
        ("320282", "澄芯微电子有限公司"), ("320282", "宜兴市"), (None, None), (None, None),
    ]
