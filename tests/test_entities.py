"""Entity extraction: the case table (tests/cases/entities.yaml), properties on any text, the
gazetteer's shape, and the integrity of the generated lexicons."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp import _lexicon, entities
from chanjia_nlp.entities import divisions, extract_entities, find_division
from chanjia_nlp.errors import LexiconError
from chanjia_nlp.records import EntityLabel

from .conftest import assert_spans, ROOT, load_cases


def _as_row(entity, with_code: bool) -> dict:
    row = {
        "text": entity.text,
        "label": entity.label.value,
        "normalized": entity.normalized,
        "role": entity.role,
    }
    if with_code:
        row["code"] = entity.code
    return row


@pytest.mark.parametrize("case", load_cases("entities"))
def test_entity_table(case):
    got = extract_entities(case["text"])
    expected = case["expected"]
    if len(got) == len(expected):
        got_rows = [_as_row(e, "code" in x) for e, x in zip(got, expected)]
    else:
        got_rows = [_as_row(e, False) for e in got]
    assert got_rows == expected
    for entity in got:
        assert case["text"][entity.start : entity.end] == entity.text


# --- properties ----------------------------------------------------------------------------

# Characters that make up names, suffixes, titles and dates, so that random text hits the
# interesting paths, plus brackets, spaces and newlines.
_ALPHABET = (
    "无锡市江苏省惠山区都南通开发高新园工业总会公司集团有限街道镇竹行祝塘村社委局办中心"
    "书记主席任记者通讯员王李张陈刘吴周欧阳表示说的和为全该本年月日度〇一二三四五六七八九十"
    "0123456789０１２３４５６７８９-/.:年 ()（）、，。\n　"
)


def _check(text: str) -> None:
    found = extract_entities(text)
    assert_spans(text, found)
    for e in found:
        assert e.start < e.end
        assert isinstance(e.label, EntityLabel)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_domain_text_never_raises_and_spans_slice_back(text):
    _check(text)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_never_raises_and_spans_slice_back(text):
    _check(text)


def test_non_str_input_is_a_type_error():
    with pytest.raises(TypeError, match="decode bytes"):
        extract_entities("无锡市总工会".encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        extract_entities(None)  # type: ignore[arg-type]


def test_region_inside_an_org_is_not_reported_alone():
    labels = [(e.text, e.label.value) for e in extract_entities("扬州市江都区总工会")]
    assert labels == [("扬州市江都区总工会", "org")]


def test_offsets_point_into_fullwidth_text():
    text = "截至２０２３年２月，通讯员 张明"
    found = extract_entities(text)
    assert [(e.text, e.normalized) for e in found] == [("２０２３年２月", "2023-02"), ("张明", None)]


@pytest.mark.slow
def test_megabyte_of_text_gives_every_entity():
    """A megabyte in one call (speed is measured in benchmarks/, never asserted here)."""
    pieces = [
        "2023年4月6日，无锡市总工会党组书记吴涛表示，惠山区、江阴市祝塘镇和中天科技集团积极参与。",
        "南通开发区产改办负责人介绍，全区开展培训300多场次。（晚报记者 潘凡）\n",
        "职工群众满意度持续提升，一批特色产业园区走出了自己的路子，共建共享的格局正在形成。\n",
    ]
    text = "".join(pieces) * (1_000_000 // sum(map(len, pieces)) + 1)
    found = extract_entities(text)
    assert len(found) > 10_000
    assert all(text[e.start : e.end] == e.text for e in found)


# --- the gazetteer -------------------------------------------------------------------------


def test_gazetteer_levels_and_parents():
    rows = [row for _, row in _lexicon.read_rows("regions.tsv", ("code", "name", "short", "level", "parent_code"))]
    levels = Counter(row["level"] for row in rows)
    assert levels["province"] == 34
    assert 300 < levels["city"] < 400
    assert 2500 < levels["district"] < 3200
    assert levels["town"] > 1000  # Jiangsu's towns and streets
    codes = [row["code"] for row in rows if row["code"]]
    assert len(codes) == len(set(codes))
    known = set(codes)
    assert all(row["parent_code"] in known for row in rows if row["level"] != "province")
    assert all(not row["code"] for row in rows if row["level"] == "town")
    assert (ROOT / "lexicons" / "regions.tsv").stat().st_size < 3_000_000


def test_short_forms_are_no_ordinary_words():
    shorts = {s for d in divisions().values() for s in d.shorts}
    assert {"无锡", "惠山", "江都", "南通"} <= shorts
    assert not {"和平", "新区", "城区", "开发", "高新", "经开"} & shorts
    assert all(len(s) >= 2 for s in shorts)


def test_find_division():
    assert find_division("无锡").code == "320200"
    assert find_division("江都区").parent_code == "321000"
    assert find_division("鼓楼").province == "320000"  # Jiangsu's before Fuzhou's
    assert find_division("开发") is None


def test_bad_region_row_names_file_and_line(bad_lexicon):
    header = "# Source: test\ncode\tname\tshort\tlevel\tparent_code\n"
    bad_lexicon(entities.gazetteer, "regions.tsv", header + "110000\t北京市\t北京\tstate\t\n")
    with pytest.raises(LexiconError, match=r"regions.tsv:3: unknown level 'state'"):
        entities.gazetteer()


def test_bad_suffix_kind_names_file_and_line(bad_lexicon):
    bad_lexicon(entities._orgs_lexicon, "org_suffixes.txt", "# Source: test\nword\tkind\n公司\tcompany\n")
    with pytest.raises(LexiconError, match=r"org_suffixes.txt:3: unknown kind 'company'"):
        entities._orgs_lexicon()


# --- integrity of the generated files (dateparser's approach) ------------------------------


def _build_script(monkeypatch):
    if importlib.util.find_spec("jionlp") is None:
        pytest.skip("jionlp (the gazetteer's source package) is not installed: pip install -e '.[bench]'")
    spec = importlib.util.spec_from_file_location("build_gazetteer", ROOT / "scripts" / "build_gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_committed_lexicons_match_the_build_script(monkeypatch):
    build = _build_script(monkeypatch)
    header = (ROOT / "lexicons" / "regions.tsv").read_text(encoding="utf-8").split("\ncode\t", 1)[0]
    if build.source_description() not in header:
        pytest.skip(
            f"the lexicons were built from another version than {build.source_description()}: "
            "rerun python scripts/build_gazetteer.py to update them"
        )
    for path, text in build.outputs().items():
        committed = path.read_text(encoding="utf-8")
        assert committed == text, f"{path.name} is stale: run python scripts/build_gazetteer.py"
