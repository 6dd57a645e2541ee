"""The report's words in Chinese (the default, for assessors) and English, and how it shows
numbers: money in 万元/亿元, every figure with thousands separators.

>>> money("6200000"), money("1200000"), money("250000000"), money("9500"), money("123456789")
('620万元', '120万元', '2.5亿元', '9,500元', '12,345.6789万元')
>>> shown_value("3000", kind="count", unit="人"), shown_value("-1110"), shown_value("12.50", unit="%")
('3,000 人', '-1,110', '12.5 %')
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ConfigError

__all__ = ["LANGUAGES", "money", "shown_value", "words"]

LANGUAGES = ("zh", "en")

VERDICTS = {
    "zh": {
        "consistent": "一致", "consistent_within_qualifier": "在限定范围内一致", "inconsistent": "不一致",
        "unsupported": "无依据", "ambiguous": "存疑", "flagged": "需核查", "uncovered": "台账未覆盖",
        "explained": "已说明", "unknown": "未知",
    },
    "en": {
        "consistent": "consistent", "consistent_within_qualifier": "consistent within qualifier",
        "inconsistent": "inconsistent", "unsupported": "unsupported", "ambiguous": "ambiguous", "flagged": "flagged",
        "uncovered": "uncovered", "explained": "explained", "unknown": "unknown",
    },
}

SCOPES = {
    "zh": {"as_of": "存量", "increment": "新增", "cumulative": "累计", "annual": "全年"},
    "en": {"as_of": "stock (as of)", "increment": "increment", "cumulative": "cumulative", "annual": "annual"},
}

QUALIFIERS = {
    "zh": {"exact": "确数", "approx": "约数", "more_than": "多于", "at_least": "不少于", "less_than": "少于",
           "at_most": "不超过", "range": "区间", "vague": "概数"},
    "en": {},
}

#: The field names of a figure's hover card (English shows the field names as they are).
LABELS = {
    "zh": {"value": "数值", "low–high": "区间", "qualifier": "限定", "kind": "类型", "unit": "单位", "currency": "币种",
           "indicator": "指标", "counted": "统计对象", "subject": "单位/地区", "period": "时间", "scope": "口径",
           "level": "层级", "part of": "属于", "doubtful": "存疑", "label": "类别", "normalized": "规范名称",
           "role": "作用", "code": "代码"},
    "en": {},
}

#: Words of the page (template and script), by key.
TEXT = {
    "zh": {
        "title": "chanjia 数据审核报告", "documents": "文件", "claims": "数据", "findings": "核对结果",
        "tab_overview": "概览", "tab_documents": "文件", "tab_claims": "数据", "tab_checks": "台账核对",
        "not_read": "未能读取", "targets": "其中目标（计划）", "other_figures": "其他数字", "damaged": "损坏",
        "doubtful": "存疑", "programmes": "项目", "entities": "实体",
        "chart_indicator": "各指标的数据条数", "chart_subject": "各单位的数据条数", "chart_verdicts": "核对结论分布",
        "chart_totals": "按年合计", "indicator": "指标", "subject": "单位/地区", "period": "时间", "verdict": "结论",
        "achieved_or_target": "完成或目标", "search": "搜索", "search_hint": "原文、指标、单位、文件", "rows": "行数", "all": "全部", "clear_filters": "清除",
        "document": "文件", "figure": "原文", "value": "数值", "qualifier": "限定", "scope": "口径", "level": "层级",
        "flags": "标记", "ledger_rows": "台账行", "check": "核对", "ledger_cell": "台账单元格",
        "ledger_value": "台账数值", "reported": "报告数值", "gap": "差额", "message": "说明", "evidence": "依据",
        "internal_checks": "内部核对", "copied_text": "重复文字", "uncovered": "台账未覆盖的数据",
        "find_document": "查找文件", "choose_document": "请选择文件。", "no_claims": "没有符合条件的数据。",
        "claims_range": "数据 {from}–{to}，共 {total} 条", "filtered_from": "（筛选自 {all} 条）",
        "ledger_count": "{shown} / {all} 条台账核对结果", "no_ledger": "没有台账核对结果：核对台账后此表才有内容。",
        "first": "« 首页", "previous": "‹ 上一页", "next": "下一页 ›", "last": "末页 »", "page": "第 {page} 页，共 {pages} 页",
        "none": "（无）", "achieved": "已完成", "target_values": "目标 / 计划", "show_more": "显示更多",
        "claims_n": "{n} 条数据",
        "review": "审核", "reviewer": "审核人", "export_reviews": "导出审核结果", "confirm": "确认", "correct": "更正",
        "reject": "驳回", "undo": "撤销", "save": "保存", "confirmed": "已确认", "corrected": "已更正", "rejected": "已驳回",
        "reviews_n": "本浏览器中保存了 {n} 项审核决定；导出后用 chanjia reviews import 写入数据库。",
        "not_a_number": "请输入数字（以元、人等为单位），如 6500000", "not_saved": "浏览器无法保存审核决定：请先导出。",
        "new_value": "新数值", "doc_not_read": "未能读取", "doc_damaged": "{n} 处损坏",
        "all_covered": "台账所涉单位和年份的数据都已覆盖。", "no_internal": "没有内部核对发现的问题。",
        "no_copies": "没有发现重复文字。",
    },
    "en": {
        "title": "chanjia review report", "documents": "documents", "claims": "claims", "findings": "findings",
        "tab_overview": "Overview", "tab_documents": "Documents", "tab_claims": "Claims", "tab_checks": "Cross-checks",
        "not_read": "Not read", "targets": "of them targets (计划)", "other_figures": "Other figures",
        "damaged": "Damaged", "doubtful": "Doubtful", "programmes": "Programmes", "entities": "Entities",
        "chart_indicator": "Claims per indicator", "chart_subject": "Claims per subject",
        "chart_verdicts": "Verdict shares", "chart_totals": "Totals by year", "indicator": "Indicator",
        "subject": "Subject", "period": "Period", "verdict": "Verdict", "achieved_or_target": "Achieved or target",
        "search": "Search", "search_hint": "figure, indicator, subject, file", "rows": "Rows", "all": "all", "clear_filters": "Clear", "document": "Document", "figure": "Figure",
        "value": "Value", "qualifier": "Qualifier", "scope": "Scope", "level": "Level", "flags": "Flags",
        "ledger_rows": "Ledger (台账) rows", "check": "Check", "ledger_cell": "Ledger cell",
        "ledger_value": "Ledger value", "reported": "Reported", "gap": "Gap", "message": "Message",
        "evidence": "Evidence", "internal_checks": "Internal checks", "copied_text": "Copied text",
        "uncovered": "Claims no 台账 row covers", "find_document": "Find a document",
        "choose_document": "Choose a document.", "no_claims": "No claims match.",
        "claims_range": "Claims {from}–{to} of {total}", "filtered_from": " (filtered from {all})",
        "ledger_count": "{shown} of {all} ledger findings",
        "no_ledger": "No ledger findings: cross-check a 台账 to fill this table.",
        "first": "« first", "previous": "‹ previous", "next": "next ›", "last": "last »", "page": "page {page} of {pages}",
        "none": "(none)", "achieved": "achieved", "target_values": "targets / 计划", "show_more": "show more",
        "claims_n": "{n} claims",
        "review": "Review", "reviewer": "Reviewer", "export_reviews": "Export decisions", "confirm": "confirm",
        "correct": "correct", "reject": "reject", "undo": "undo", "save": "save", "confirmed": "confirmed",
        "corrected": "corrected", "rejected": "rejected",
        "reviews_n": "{n} decisions kept in this browser; export them and load them with chanjia reviews import.",
        "not_a_number": "Give a number (in 元, persons …), such as 6500000",
        "not_saved": "This browser cannot keep decisions: export them now.", "new_value": "new value",
        "doc_not_read": "not read", "doc_damaged": "{n} damaged",
        "all_covered": "Every claim of the 台账 subjects and years is covered.",
        "no_internal": "No internal-check findings.", "no_copies": "No copied text found.",
    },
}


def words(lang: str) -> dict[str, Any]:
    """Everything the page says in ``lang``: ``text`` by key, ``verdicts``, ``scopes``, ``qualifiers`` and card ``labels`` by id."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return {"lang": lang, "text": TEXT[lang], "verdicts": VERDICTS[lang], "scopes": SCOPES[lang],
            "qualifiers": QUALIFIERS[lang], "labels": LABELS[lang]}


def _plain(number: Decimal) -> str:
    """``number`` with thousands separators, without trailing zeros or an exponent."""
    number = number.normalize()
    if number.as_tuple().exponent > 0:  # type: ignore[operator]
        number = number.quantize(Decimal(1))
    return format(number, ",f")


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any) -> str | None:
    """An amount in 元 as an assessor writes it: 亿元 from 1 亿 (when four decimals say it
    exactly), 万元 from 1 万, else 元; None when ``value`` is not a number."""
    number = _decimal(value)
    if number is None:
        return None
    size = abs(number)
    for unit, scale in (("亿元", Decimal(10) ** 8), ("万元", Decimal(10) ** 4)):
        scaled = number / scale
        if size >= scale and scaled == scaled.quantize(Decimal("0.0001")):
            return _plain(scaled) + unit
    return _plain(number) + "元"


def shown_value(value: Any, *, kind: Any = None, unit: Any = None, currency: Any = None) -> str | None:
    """A figure for the page: money in 元 (CNY) through :func:`money`, anything else with
    separators and its unit; None when ``value`` is not a number."""
    if kind == "money" and unit in (None, "元") and currency in (None, "CNY"):
        return money(value)
    number = _decimal(value)
    if number is None:
        return None
    return _plain(number) + (f" {unit}" if isinstance(unit, str) and unit else "")
