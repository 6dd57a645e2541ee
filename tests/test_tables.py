"""Figures in the cells of a table written as text (tab- or bar-separated rows): chanjia_nlp.tables
and what the binder makes of them. The tables are our own."""

from __future__ import annotations

import chanjia_nlp
from chanjia_nlp.records import Claim
from chanjia_nlp.tables import table_layout, table_quantities

BARS = (
    "表3 青山市工会组织情况 | ||\n"
    "指 标 | 2023年 | 2022年 |\n"
    "基层工会数(个) | 2315 | 2207 |\n"
    "其中:企业 | 1890 | 1802 |\n"
    "机关事业单位 | 425 | 405 |\n"
    "工会会员数(人) | 412306 | 398710 |\n"
    "其中:女性 | 171220 | 160985 |\n"
    "注:本表数据由市总工会提供。 |\n"
)
TABS = "项目\t2023年\t2022年\n帮扶资金（万元）\t1,250.5\t1300\n帮扶困难职工（人）\t3120\t2985\n"


def test_number_cells_are_mentions_with_their_rows_unit():
    cells = table_quantities(BARS)
    assert [q.text for q in cells] == ["2315", "2207", "1890", "1802", "425", "405", "412306", "398710", "171220", "160985"]
    assert all(BARS[q.start : q.end] == q.text for q in cells)
    assert [q.unit for q in cells[:2]] == ["个", "个"] and cells[6].unit == "人"
    money = table_quantities(TABS)
    assert [(q.text, str(q.value), q.kind.value, q.unit, q.currency) for q in money[:2]] == [
        ("1,250.5", "12505000", "money", "元", "CNY"), ("1300", "13000000", "money", "元", "CNY"),
    ]


def test_no_table_no_cells():
    assert table_quantities("2023年12月24日 08:21:03 | 来源:青山日报\n正文第一段。") == []  # one line is no table
    assert table_quantities("全年新建驿站30个。") == []
    # where the columns are no years, a year-shaped number is a year
    assert [q.text for q in table_quantities("名称\t成立\t人数\n甲工会\t2015\t120\n乙工会\t2018\t85\n")] == ["120", "85"]


def test_each_cell_knows_its_columns_year_and_the_rows_above():
    layout = table_layout(BARS)
    first = BARS.index("2315")
    assert layout[first].year == "2023" and layout[BARS.index("2207")].year == "2022"
    part = layout[BARS.index("1890")]
    assert BARS[part.label[0] : part.label[1]] == "其中:企业"
    assert [BARS[a:b] for (a, b), _ in part.rows_above] == ["基层工会数(个)"]


def test_the_binder_dates_cells_by_their_column_and_breakdown_rows_by_the_row_above():
    for binder in ("learned", "rules"):
        claims = {(r.quantity.text): r for r in chanjia_nlp.load(binder=binder).extract(BARS) if isinstance(r, Claim)}
        assert claims["2315"].period == "2023" and claims["2207"].period == "2022"
        assert claims["2315"].indicator == "union_organisations"
        for part in ("1890", "425"):  # 其中:企业, 机关事业单位: parts of the 基层工会数
            assert claims[part].indicator == "union_organisations", (binder, claims[part])
            assert dict(claims[part].why)["indicator"] == "table_breakdown"
        assert claims["412306"].indicator == "union_members"
        assert claims["171220"].indicator == "union_members"  # 其中:女性 under 工会会员数
        assert [claims[c].indicator_text for c in ("1802", "405", "160985")] == ["企业", "机关事业单位", "女性"]
