"""Write the sample 台账 ``corpus/ledger/2023年度产改工作台账.xlsx``, or check the committed one.

The ledger declares 2022 figures for two districts whose reports are in ``corpus/``: 惠山区
(``02_district_summary_2022.txt``) and 江都区 (``03_breakdown_qizhong.txt``), one sheet each, laid
out the messy way real ledgers are: a title and a 填报单位 line above a two-row merged header,
section rows, a 万元 money column, numbers stored as text (``45,000``, ``1064人``, ``2300余``),
合计 rows, blank and 注 rows. Errors of every kind are planted; ``corpus/ledger/README.md`` lists
each with its cell and the verdict ``chanjia check`` must give (``tests/test_crosscheck_corpus.py``
asserts exactly those).

    python scripts/make_ledger.py            # rewrite the workbook
    python scripts/make_ledger.py --check    # exit 1 when the committed workbook differs
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx"
WIDTH = 10  # columns A–J
TITLE = "2023年度产业工人队伍建设改革工作台账"
HEADER_TOP = ["序号", "单位名称", "指标", "计量单位", "统计期间", "完成情况", None, "口径", "佐证材料", "备注"]
HEADER_SUB = [None, None, None, None, None, "数量", "金额（万元）", None, None, None]

# A sheet is a list of rows: ("section", text), ("blank",), ("note", text), or a data row
# (序号, 单位名称, 指标, 计量单位, 统计期间, 数量, 金额（万元）, 口径, 佐证材料, 备注). None leaves a cell empty.
HUISHAN = [
    ("section", "一、队伍建设"),
    (1, "惠山区总工会", "新增高技能人才", "人", "2022年", 2150, None, "新增", "高技能人才认定名单", None),
    (2, None, "职工培训人次", "人次", "2022年", "45,000", None, "全年", "培训签到表", "含线上培训"),
    (3, None, "区级试点单位", "家", "2022年", 68, None, None, "试点单位名单", None),
    (4, None, "职工书屋", "家", "2022年度", "25", None, "年末", None, "待补充佐证"),
    ("section", "二、帮扶和经费返还"),
    (5, "惠山", "送温暖资金", None, "2022年", None, 623.5, "全年", "资金拨付凭证", None),
    (6, None, "返还小微企业工会经费", None, "2022年", None, "386", "全年", "返还明细", None),
    ("section", "三、产改专项投入"),
    (7, "惠山区总工会", "区财政产改专项资金", None, "2022年", None, 1800, "全年", "财政批复", None),
    (8, None, "工会经费配套投入", None, "2022年", None, 600, "全年", "记账凭证", None),
    (None, None, "合计", None, "2022年", None, 2500, None, None, None),
    ("blank",),
    ("note", "注：1. 金额单位为万元；2. 数据截至2022年12月31日，以区统计部门核定数为准。"),
]
JIANGDU = [
    ("section", "一、重点指标"),
    (1, "江都区", "职工培训人次", "人次", "2022年", "62,563", None, "全年", "培训台账", None),
    (2, None, "签订集体合同", "份", "2022年", 177, None, "全年", "合同备案表", None),
    (3, None, "新增高技能人才", "人", "2022年", "1064人", None, "新增", "认定名单", None),
    (4, None, "宣讲活动现场听众", "人次", "2022年", 21500, None, "全年", "活动记录", None),
    (5, None, "新就业形态劳动者入会", "人", "2022年", "2300余", None, "新增", "入会登记表", "快递、外卖、网约车"),
    (6, None, "产改试点单位总数", "家", "2022年", 134, None, "年末", "试点单位名单", None),
    (7, None, "户外劳动者服务站", "个", "2022年", 12, None, "新增", None, None),
    ("blank",),
    ("section", "二、产改资金投入"),
    (8, "江都区", "区财政专项资金", None, "2022年", None, 1500, "全年", "财政批复", None),
    (9, None, "区总工会经费", None, "2022年", None, "612.3", "全年", "记账凭证", None),
    (10, None, "企业配套资金", None, "2022年", None, 253.5, "全年", "企业报表", None),
    (None, None, "合计", None, "2022年", None, 2365.8, None, None, None),
    ("blank",),
    ("note", "注：金额单位为万元。"),
]
SHEETS = (("惠山区", "惠山区总工会", HUISHAN), ("江都区", "江都区总工会", JIANGDU))


def build() -> Workbook:
    """The workbook, built the same way every time (fixed document dates)."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for name, unit, rows in SHEETS:
        sheet = book.create_sheet(name)
        sheet.append([TITLE])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=WIDTH)
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A1"].alignment = centre
        sheet.append([f"填报单位：{unit}（盖章）　　填报日期：2023年1月20日"])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=WIDTH)
        sheet.append(HEADER_TOP)
        sheet.append(HEADER_SUB)
        for column in (1, 2, 3, 4, 5, 8, 9, 10):
            sheet.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
        sheet.merge_cells(start_row=3, start_column=6, end_row=3, end_column=7)
        for row in sheet.iter_rows(min_row=3, max_row=4):
            for cell in row:
                cell.font, cell.alignment = bold, centre
        for item in rows:
            if item[0] == "blank":
                sheet.append([])
            elif item[0] in ("section", "note"):
                sheet.append([item[1]])
                r = sheet.max_row
                sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=WIDTH)
            else:
                sheet.append(list(item))
        for letter, width in zip("ABCDEFGHIJ", (6, 16, 22, 9, 10, 10, 14, 8, 18, 18)):
            sheet.column_dimensions[letter].width = width
    moment = datetime(2023, 1, 20, 9, 0, 0)
    book.properties.created = moment
    book.properties.modified = moment
    book.properties.creator = "chanjia_nlp scripts/make_ledger.py"
    return book


def _content(book) -> list:
    """What the check compares: every sheet's cell values and merged ranges."""
    return [
        (sheet.title, [[c.value for c in row] for row in sheet.iter_rows()], sorted(map(str, sheet.merged_cells.ranges)))
        for sheet in book.worksheets
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed workbook instead of writing")
    args = parser.parse_args(argv)
    book = build()
    if args.check:
        if not OUT.is_file():
            print(f"{OUT} is missing; run python scripts/make_ledger.py", file=sys.stderr)
            return 1
        if _content(load_workbook(OUT)) != _content(book):
            print(f"{OUT} differs from what scripts/make_ledger.py writes; run it and commit the result", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    book.save(OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
