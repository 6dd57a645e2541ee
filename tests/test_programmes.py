"""Programme extraction: the case table (tests/cases/programmes.yaml), properties on any text,
the cue lexicon's validation, and the dev-set score (where ../shared is present)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp import _lexicon, programmes
from chanjia_nlp.errors import LexiconError
from chanjia_nlp.programmes import extract_programmes
from chanjia_nlp.records import Programme, ProgrammeKind

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("programmes"))
def test_programme_table(case):
    got = [{"text": p.text, "kind": p.kind.value} for p in extract_programmes(case["text"])]
    assert got == case["expected"]


def test_spans_exclude_the_marks():
    text = "开展“江心杯”劳动竞赛，出台《实施办法》。"
    found = extract_programmes(text)
    assert [(text[p.start - 1], text[p.end]) for p in found] == [("“", "”"), ("《", "》")]
    assert all(isinstance(p, Programme) and text[p.start : p.end] == p.text for p in found)


def test_non_str_input_is_a_type_error():
    with pytest.raises(TypeError, match="decode bytes"):
        extract_programmes("开展“江心杯”活动".encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        extract_programmes(None)  # type: ignore[arg-type]


def test_unbalanced_marks_give_no_records():
    assert extract_programmes("开展“江心杯活动，出台《实施办法。”】》") == []
    assert extract_programmes("“" * 50 + "”" * 50) == []


def test_bad_cue_row_names_file_and_line(tmp_path, monkeypatch):
    bad = tmp_path / "programme_cues.tsv"
    bad.write_text("# Source: test\ncue\twhere\tkind\n计划\tend\tprogramm\n", encoding="utf-8")
    real = _lexicon.lexicon_path
    monkeypatch.setattr(_lexicon, "lexicon_path", lambda name: bad if name == bad.name else real(name))
    programmes._cues.cache_clear()
    try:
        with pytest.raises(LexiconError, match=r"programme_cues.tsv:3: unknown kind 'programm'"):
            extract_programmes("“青苗计划”")
    finally:
        programmes._cues.cache_clear()


def assert_nested_spans(text: str, records) -> None:
    """Every span slices back to its text; records come in order of start and never cross:
    a record starting inside another one ends inside it too (a name quoted inside a name)."""
    open_ends: list[int] = []
    previous_start = -1
    for r in records:
        assert text[r.start : r.end] == r.text
        assert r.start >= previous_start
        previous_start = r.start
        open_ends = [end for end in open_ends if end > r.start]
        assert all(r.end <= end for end in open_ends), (r, open_ends)
        open_ends.append(r.end)


# Text built from the pieces the rules look at, so the properties reach deep into them.
PIECES = list("“”‘’「」『』《》\"、，,。；：！？ \n+＋一二三四五六七八九十两双百名个的了等我产点面杯赛节")
PIECES += ["开展", "选树", "打造", "实施", "工程", "计划", "行动", "活动", "机制", "工匠", "精神", "理念", "称号"]
PIECES += ["全国", "全省", "省", "市", "湖南省", "2024年", "第三届", "首届", "召开", "荣获", "该", "级", "和"]
PIECES += ["大赛", "技能大赛", "推进会", "先进单位", "劳模", "技术能手", "学院", "送温暖", "十四五", "暨"]
PIECES += ["歌曲", "作品", "日报", "杂志", "记", "大赛", "推进会", "召开", "职工之家", "产改", "60余名", "强化", "构建"]
soup = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.one_of(soup, st.text(max_size=120)))
def test_properties_on_any_text(text):
    programmes = extract_programmes(text)
    assert_nested_spans(text, programmes)
    for p in programmes:
        assert p.text and p.text == p.text.strip()
        assert isinstance(p.kind, ProgrammeKind)


def test_programme_f1_on_dev_set(shared, tmp_path):
    out = tmp_path / "programmes.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for seed in sorted((shared / "seeds").glob("*.txt")):
            for p in extract_programmes(seed.read_text(encoding="utf-8")):
                row = {"type": "programme", "path": seed.name, "start": p.start, "end": p.end, "text": p.text}
                f.write(json.dumps({**row, "kind": p.kind.value}, ensure_ascii=False) + "\n")
    score = subprocess.run(
        [sys.executable, str(shared / "tools" / "score.py"), str(out), str(shared / "dev-gold"), "--json"],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(score.stdout.splitlines()[0])["programme"]
    assert result["f1"] >= 0.80, score.stdout
