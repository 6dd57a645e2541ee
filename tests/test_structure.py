"""Document structure: articles of a page, headlines, repeated paragraphs, sentences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp.structure import analyse, sentence_span

PAGE = """惠山区新建职工书屋20家

惠山区总工会日前公布，全区今年新建职工书屋20家。

(晚报记者 王明)

梁溪区举办技能竞赛

梁溪区总工会举办竞赛，吸引300名职工参赛。(李华)

图片说明：竞赛现场
(区总工会供图)

锡山区成立行业工会

锡山区快递行业工会成立，300多名职工入会。"""


def _headlines(text):
    s = analyse(text)
    return [text[a.headline_start : a.headline_end] for a in s.articles]


def test_bylines_close_articles_and_headlines_open_them():
    assert _headlines(PAGE) == ["惠山区新建职工书屋20家", "梁溪区举办技能竞赛", "锡山区成立行业工会"]


def test_photo_credit_is_a_caption_not_a_byline():
    text = "标题一\n\n正文，培育了数百\n\n(市总工会供图)\n\n家企业。"
    assert len(analyse(text).articles) == 1


def test_column_marker_and_author_line_open_an_article():
    text = (
        "【主席之声】\n\n突出党建引领\n\n江都区委常委 张春萍\n\n江都区全年培训职工近万人。\n\n"
        "【他山之石】\n\n让职工多学技能\n\n某公司工会主席 王小明\n\n公司培养技术人才60余名。"
    )
    heads = _headlines(text)
    assert heads[0].startswith("突出党建引领") and heads[1].startswith("让职工多学技能")
    assert len(heads) == 2


def test_repeated_paragraph_is_flagged_not_dropped():
    para = "全区累计建成劳模创新工作室45家，其中省级5家，市级17家，区级23家。"
    text = f"标题\n\n{para}\n\n中间一段文字，说明其他情况。\n\n{para}"
    s = analyse(text)
    flagged = [p for p in s.paragraphs if p.repeat_of is not None]
    assert len(s.paragraphs) == 4 and len(flagged) == 1
    assert flagged[0].repeat_of == text.index(para)


def test_sentence_span():
    text = "第一句。全区新增25家，成效明显！第三句"
    s, e = sentence_span(text, text.index("25家"), text.index("25家") + 3)
    assert text[s:e] == "全区新增25家，成效明显！"


@given(st.text(alphabet="标题正文。，\n (记者王明)【】供图25家", max_size=120))
def test_articles_tile_the_text(text):
    s = analyse(text)
    assert s.articles[0].start == 0 and s.articles[-1].end == len(text)
    for a, b in zip(s.articles, s.articles[1:]):
        assert a.end == b.start


def test_editor_note_closes_its_article():
    text = "标题一\n\n甲区新建驿站30个。\n\n小编说:甲区的做法值得推广。\n\n\n\n乙区总工会今年培训职工500人。"
    s = analyse(text)
    assert len(s.articles) == 2
    assert text[s.articles[1].start :].startswith("乙区总工会")


@pytest.mark.slow
@settings(max_examples=500)
@given(st.text(alphabet="全区新增25家，。！\n；成效明显", max_size=60), st.data())
def test_sentence_at_agrees_with_sentence_span(text, data):
    if not text:
        return
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = data.draw(st.integers(min_value=start, max_value=len(text)))
    assert analyse(text).sentence_at(start, end) == sentence_span(text, start, end)
