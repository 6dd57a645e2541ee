"""Normalization with an offset map (``chanjia_nlp.normalize``), and the pipeline reading through it."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chanjia_nlp
from chanjia_nlp.normalize import normalize
from chanjia_nlp.records import Claim

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("normalize"))
def test_normalize_table(case):
    n = normalize(case["raw"], **case.get("options", {}))
    assert n.text == case["text"]
    assert len(n.text) == len(case["raw"]) - len(n.dropped)  # only invisible characters are dropped
    assert all(unicodedata.category(n.raw[i]) in ("Cf", "Mn", "Me", "Zs") for i in n.dropped)
    if "t2s" in case:
        assert n.t2s is case["t2s"]
    for normalized, raw in case.get("spans", {}).items():
        start = n.text.index(normalized)
        s, e = n.to_raw(start, start + len(normalized))
        assert n.raw[s:e] == raw


def test_bad_t2s_option_names_the_valid_ones():
    with pytest.raises(chanjia_nlp.ConfigError, match="auto, always, never"):
        normalize("文本", t2s="yes")
    with pytest.raises(chanjia_nlp.ConfigError, match="auto, always, never"):
        chanjia_nlp.load(t2s="traditional")


def test_cut_sentence_gives_the_whole_figure_and_its_indicator():
    raw = (
        "研究院团队带领数百\n\n\n\n在推动工作过程中,竞赛已成为有效抓手\n(市总工会供图)\n\n"
        "家物联网领域企业的近千名产业工人,共同制定标准。"
    )
    (claim,) = [r for r in chanjia_nlp.extract(raw) if isinstance(r, Claim) and r.quantity.text == "数百"]
    assert (claim.quantity.unit, claim.quantity.low, claim.quantity.high) == ("家", 200, 900)
    assert claim.indicator == "pilot_coverage"  # read from 家物联网领域企业, after the caption
    assert claim.quantity.sentence.startswith("研究院团队带领数百家物联网领域企业")
    assert raw[claim.quantity.start : claim.quantity.end] == "数百"


def test_traditional_report_gives_the_figures_of_its_simplified_twin():
    simplified = "全市新增高技能人才1200余名，累计奖励金额近265万元，职工书屋覆盖率达到98%以上。"
    traditional = "全市新增高技能人才1200餘名，累計獎勵金額近265萬元，職工書屋覆蓋率達到98%以上。"

    def figures(text, **options):
        records = chanjia_nlp.load(**options).extract(text)
        return [(q.start, q.end, q.value, q.low, q.high, q.qualifier, q.unit, getattr(r, "indicator", None))
                for r in records if (q := getattr(r, "quantity", r)).type == "quantity"]

    assert figures(traditional) == figures(simplified)
    assert figures(traditional, t2s="never") != figures(simplified)  # 餘, 萬 unread without conversion


_PIECES = [
    "全区", "新增", "累计", "今年", "其中", "覆盖职工", "省级试点单位", "25家", "、", "，", "。", "\n", "\n\n",
    "(市总工会供图)", "（晚报记者 潘凡）", "- 3 -", "第2页", "本版图片由区总工会提供", "惠山区总工会", "數百", "数百",
    "家", "萬元", "1200餘名", "臺灣職工會議", "近265万元", "１２００余名", "９８％", "\u3000", "\u00a0", "一、", "两三个",
]
_PIECES += ["\u200b", "\ufeff", "\u00ad", "\u0301", "\u2009", "\u202f", "\u202e", "3\u2009000万元", "1\u200b200余名"]
_report = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)
_options = st.fixed_dictionaries(
    {"t2s": st.sampled_from(["auto", "always", "never"]), "join_cut_sentences": st.booleans()}
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.one_of(_report, st.text(max_size=80)), _options, st.booleans())
def test_every_span_slices_back_under_any_normalization(text, options, width):
    n = normalize(text, width=width, **options)
    dropped = set(n.dropped)
    kept = [c for i, c in enumerate(text) if i not in dropped]
    assert len(n.text) == len(kept)
    assert sorted(n.reordered) == sorted(kept)  # a permutation of pieces, only invisible characters dropped
    for start in range(len(n.text)):
        s, e = n.to_raw(start, start + 1)
        assert e - s == 1 and n.reordered[start] == text[s]
    if not n.moved:  # without moves every span slices back to the raw text it was read from
        for start in range(len(n.text)):
            for end in range(start + 1, min(len(n.text), start + 8) + 1):
                s, e = n.to_raw(start, end)
                assert "".join(c for i, c in enumerate(text[s:e], s) if i not in dropped) == n.reordered[start:end]
    for r in chanjia_nlp.load(**options).extract(text):
        q = r.quantity if isinstance(r, Claim) else r
        assert text[q.start : q.end] == q.text


def test_cli_t2s_option(tmp_path):
    import json

    from click.testing import CliRunner

    from chanjia_nlp.cli import cli

    report = tmp_path / "traditional.txt"
    report.write_text("全市新增高技能人才1200餘名，累計獎勵金額近265萬元。", encoding="big5")

    def figures(*options):
        out = tmp_path / "out.jsonl"
        result = CliRunner().invoke(cli, ["extract", str(report), "--out", str(out), "-q", *options])
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return [(r["text"], r["value"]) for r in rows if r["type"] == "quantity"]

    assert figures() == figures("--t2s", "always") == [("1200餘名", "1200"), ("近265萬元", "2650000")]
    assert figures("--t2s", "never") != figures()
    bad = CliRunner().invoke(cli, ["extract", str(report), "--out", str(tmp_path / "x.jsonl"), "--t2s", "yes"])
    assert bad.exit_code == 2 and "auto" in bad.output
