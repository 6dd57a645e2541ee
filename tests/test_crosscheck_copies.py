"""Copied text: a district's paragraph pasted into another district's report is found; boilerplate
and a district's own repeats are not."""

from __future__ import annotations

from chanjia_nlp.crosscheck.copies import find_copies

from .test_crosscheck import nlp, records_of  # noqa: F401 - nlp is a fixture

PASSAGE = (
    "区总工会把产改工作列入镇（街道）高质量发展综合考核，分值权重由上年的2分提高到3分。"
    "委托第三方机构对试点单位逐一评估，对评估靠后的单位实行“一对一”帮带，评估中发现试点单位普遍在技能等级认定、"
    "职工参与企业管理等方面形成了较为成熟的制度，但在薪酬激励和职业发展通道方面仍需加力。"
)
SLOGAN = "弘扬劳模精神、劳动精神、工匠精神，凝聚奋进新征程的磅礴力量。"
HUISHAN = (
    "惠山区总工会2022年度产改工作总结\n\n" + SLOGAN + "\n\n2022年，惠山区围绕“智造强区”目标，全年开展职工培训4.2万人次，"
    "新增高技能人才2150名。\n\n" + PASSAGE + "\n\n下一步，惠山区将推动产改向楼宇和新就业形态领域延伸。"
)
LIANGXI = (
    "梁溪区总工会2022年产改工作情况\n\n" + SLOGAN + "\n\n梁溪区把楼宇产改作为新课题，全年建成楼宇驿站14个，覆盖职工2.3万余人。\n\n"
    + PASSAGE.replace("2分", "1分").replace("3分", "2分") + "\n\n梁溪区总工会将继续推进商圈楼宇服务站点建设。"
)
XISHAN = (
    "锡山区总工会产改工作汇报\n\n" + SLOGAN + "\n\n2022年，锡山区开展职工技能培训3260人次，新增高技能人才415名。\n\n"
    "锡山区推行“三联三促”工作法，在全区推开园区产改。"
)


def test_pasted_paragraph_between_districts(nlp):
    records = records_of(nlp, [
        {"text": HUISHAN, "path": "huishan.txt", "published": "2023-01-10"},
        {"text": LIANGXI, "path": "liangxi.txt", "published": "2023-03-01"},
    ])
    (found,) = find_copies(records)
    assert found["check"] == "copied_text" and found["verdict"] == "flagged"
    source, copy = found["evidence"]
    assert (source["role"], source["path"], copy["role"], copy["path"]) == ("source", "huishan.txt", "copy", "liangxi.txt")
    assert source["text"] == HUISHAN[source["start"] : source["end"]]
    assert copy["text"] == LIANGXI[copy["start"] : copy["end"]]
    assert source["text"] == PASSAGE and copy["text"].startswith("区总工会把产改工作") and copy["text"].endswith("仍需加力。")
    assert found["path"] == "liangxi.txt" and found["subject"] == "梁溪区"
    assert "liangxi.txt (梁溪区) repeat huishan.txt (惠山区)" in found["message"]


def test_shared_slogan_and_a_districts_own_repeats_are_not_copies(nlp):
    records = records_of(nlp, [
        {"text": HUISHAN, "path": "a.txt"},
        {"text": HUISHAN.replace("惠山区总工会2022", "惠山区总工会二〇二二"), "path": "b.txt"},  # one district, twice
        {"text": XISHAN, "path": "c.txt"},
        {"text": LIANGXI.replace(PASSAGE.replace("2分", "1分").replace("3分", "2分"), ""), "path": "d.txt"},
    ])
    assert find_copies(records) == []


def test_a_short_shared_sentence_is_not_a_passage(nlp):
    line = "委托第三方机构对全区试点单位逐一开展评估。"
    records = records_of(nlp, [
        {"text": XISHAN + "\n\n" + line, "path": "a.txt"},
        {"text": LIANGXI + "\n\n" + line, "path": "b.txt"},
    ])
    assert find_copies(records, min_chars=80) == []
    assert line in {f["evidence"][1]["text"] for f in find_copies(records, min_chars=10)}


def test_documents_without_text_are_skipped(nlp):
    records = records_of(nlp, [{"text": HUISHAN, "path": "a.txt"}, {"text": LIANGXI, "path": "b.txt"}])
    assert len(find_copies(records)) == 1
    stripped = [{k: v for k, v in r.items() if k != "text"} if r["type"] == "document" else r for r in records]
    assert find_copies(stripped) == []
