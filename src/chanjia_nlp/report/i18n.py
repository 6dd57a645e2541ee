"""The report's words in Chinese (the default, for assessors) and English, and how it shows
numbers: money in 万元/亿元, every figure with thousands separators.

>>> money("6200000"), money("1200000"), money("250000000"), money("9500"), money("123456789")
('620万元', '120万元', '2.5亿元', '9,500元', '12,345.6789万元')
>>> shown_value("3000", kind="count", unit="人"), shown_value("-1110"), shown_value("12.50", unit="%")
('3,000 人', '-1,110', '12.5 %')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
        "tab_districts": "分区县", "textless_docs": "{n} 个文件没有附带原文：其视图只显示数字所在的句子。",
        "skipped_rows": "{n} 行不是记录或核对结果，已略去。", "no_document_record": "没有文件记录：只知道其中的数字。",
        "legend_claim": "数据", "legend_quantity": "其他数字", "legend_programme": "项目", "legend_entity": "实体",
        "legend_evidence": "依据", "key_damaged": "损坏", "key_doubtful": "存疑", "key_target": "目标 / 计划",
        "click_bar": "点击条形可筛选数据。", "errors_heading": "未能读取的文件", "published": "发布",
        "characters": "{n} 字", "not_read_doc": "未能读取：{error}", "unknown_error": "未知错误",
        "textless_doc": "这些记录中没有文件原文：只显示其数字所在的句子。",
        "not_placed": "“{text}”无法在原文中标出：其位置与文件不符。", "target_title": "计划或争取的目标，不是已完成的数",
        "flag_damaged": "损坏", "flag_repeated": "重复段落", "flag_not_in_text": "不在原文中",
        "part_of_total": "{text}（位置 {offset} 处的合计）", "total_at": "位置 {offset} 处的合计",
        "no_digits": "无：转换时数字丢失", "ocr_unsure": "无：识别（OCR）没有把握，请看扫描件", "why_rule": "由规则 {rule} 判定", "why_model_agree": "模型判定，与规则 {rule} 一致",
        "why_model_alone": "模型判定，没有规则提出", "expected_n": "报告 {n}", "observed_n": "台账 {n}", "gap_n": "差额 {n}",
        "no_claims_chart": "没有数据。", "more_not_drawn": "另有 {rest} 项（共 {n} 条数据）未画出。",
        "no_findings_chart": "没有核对结果：核对台账后才有结论。",
        "target_note": "目标：计划或争取的数，不是已完成的数；从不计入合计或图表。",
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
        "tab_districts": "Districts",
        "textless_docs": "{n} documents come without their text: their view shows the sentences of their figures only.",
        "skipped_rows": "{n} rows were not records or findings and are left out.",
        "no_document_record": "no document record: only its figures are known",
        "legend_claim": "claim", "legend_quantity": "other figure", "legend_programme": "programme",
        "legend_entity": "entity", "legend_evidence": "evidence", "key_damaged": "damaged", "key_doubtful": "doubtful",
        "key_target": "target / 计划", "click_bar": "Click a bar to filter the claims.",
        "errors_heading": "Documents that could not be read", "published": "published", "characters": "{n} characters",
        "not_read_doc": "Not read: {error}", "unknown_error": "unknown error",
        "textless_doc": "The document text is not in these records: showing the sentences of its figures only.",
        "not_placed": "“{text}” cannot be shown in the text: its offsets do not match the document.",
        "target_title": "planned or aimed at, not achieved", "flag_damaged": "damaged", "flag_repeated": "repeated",
        "flag_not_in_text": "not in text", "part_of_total": "{text} (the total at offset {offset})",
        "total_at": "the total at offset {offset}", "no_digits": "none: digits lost in conversion", "ocr_unsure": "none: OCR is unsure of it; read the scan",
        "why_rule": "decided by rule {rule}", "why_model_agree": "model, agreeing with {rule}",
        "why_model_alone": "model, which no rule proposed", "expected_n": "expected {n}", "observed_n": "observed {n}",
        "gap_n": "gap {n}", "no_claims_chart": "No claims.", "more_not_drawn": "{rest} more with {n} claims are not drawn.",
        "no_findings_chart": "No findings: run the cross-checks to get verdicts.",
        "target_note": "A target: planned or aimed at, not achieved; never added up or drawn.",
    },
}


def words(lang: str) -> dict[str, Any]:
    """Everything the page says in ``lang``: ``text`` by key, ``verdicts``, ``scopes``, ``qualifiers`` and card ``labels`` by id."""
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return {"lang": lang, "text": TEXT[lang], "verdicts": VERDICTS[lang], "scopes": SCOPES[lang],
            "qualifiers": QUALIFIERS[lang], "labels": LABELS[lang], "checks": CHECK_NAMES[lang],
            "roles": ROLE_NAMES[lang]}


#: What each cross-check is called (``finding.check``).
CHECK_NAMES = {
    "zh": {"ledger": "台账行", "sum": "分项合计", "share": "占比", "conflict": "数据矛盾", "ledger_total": "台账合计",
           "ledger_rate": "台账完成率", "copied_text": "重复文字", "uncovered_claim": "台账未覆盖"},
    "en": {"ledger": "ledger", "sum": "sum", "share": "share", "conflict": "conflict", "ledger_total": "ledger_total",
           "ledger_rate": "ledger_rate", "copied_text": "copied_text", "uncovered_claim": "uncovered_claim"},
}


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


#: What each verdict of the 台账 cross-check means, for the help panel of the district pages.
VERDICT_HELP = {
    "zh": {
        "consistent": "报告中的数字与台账数值相同（按单位换算后）。",
        "consistent_within_qualifier": "报告用“约”“余”“不少于”等限定词给出一个范围，台账数值落在这个范围内。",
        "inconsistent": "报告数字与台账数值不同，且差额超出限定词允许的范围：请核对原文和台账单元格。",
        "unsupported": "台账中有这一项，但报告里找不到对应的单位、指标和时间的数字：数字无报告依据。",
        "ambiguous": "报告中有多个可能对应的数字（口径或时间不清），无法判断哪一个应与台账比对：需人工判断。",
    },
    "en": {
        "consistent": "The report's figure equals the 台账 value (after converting units).",
        "consistent_within_qualifier": "The report gives a range with a qualifier (约, 余, 不少于 …) and the 台账 value lies in it.",
        "inconsistent": "The report's figure and the 台账 value differ by more than its qualifier allows: check the text and the cell.",
        "unsupported": "The 台账 has this item but no figure of the reports names its subject, indicator and period.",
        "ambiguous": "Several figures of the reports may be the one the 台账 means (scope or period unclear): a person decides.",
    },
}

#: What each scope means (存量 is never added to 新增).
SCOPE_HELP = {
    "zh": {
        "as_of": "某一时点的总数（如“截至年底共有……”）。存量之间不能相加，也不能与新增相加。",
        "increment": "一段时间内新增的数量（如“新增……”）。同一年的新增可以相加。",
        "cumulative": "从某个起点累计到某一时点的数量（如“累计……”）。",
        "annual": "一整年的数量（如“全年……”）。",
    },
    "en": {
        "as_of": "A total at one moment (截至年底共有 …). Stocks are never added to each other or to increments.",
        "increment": "What was added in a period (新增 …). Increments of one year add up.",
        "cumulative": "A running total from some start up to a moment (累计 …).",
        "annual": "The amount of one whole year (全年 …).",
    },
}

#: The assessment table's basis (how a row's figure was chosen), by id.
BASES = {
    "zh": {
        "stock_year_end": "年末存量", "stock_latest": "最新存量", "annual": "全年数", "increment": "新增数",
        "sum_of_increments": "新增合计", "cumulative": "累计数", "scope_unstated": "口径未说明",
        "own_level_only": "仅本级", "sum_of_districts": "各区县合计", "none": "无数据",
    },
    "en": {
        "stock_year_end": "stock at year end", "stock_latest": "latest stock", "annual": "annual",
        "increment": "increment", "sum_of_increments": "sum of increments", "cumulative": "cumulative",
        "scope_unstated": "scope unstated", "own_level_only": "own level only", "sum_of_districts": "sum of districts",
        "none": "none",
    },
}

#: The words of ``chanjia serve``'s pages, by key.
SERVE = {
    "zh": {
        "app": "chanjia 审核", "documents": "文件", "claims": "数据", "table": "评估表", "findings": "台账核对",
        "districts": "分区县", "sign_in": "登录", "sign_out": "退出", "name": "用户名", "password": "密码",
        "wrong_password": "用户名或密码错误", "account_hint": "账户由 chanjia users add 用户名 创建。",
        "role_reviewer": "审核人", "role_viewer": "查看者", "claims_n": "数据（{n} 条）", "subject": "单位/地区",
        "indicator": "指标", "any": "全部", "period": "时间", "filter": "筛选", "figure": "原文", "value": "数值",
        "scope": "口径", "review": "审核", "document": "文件", "target": "目标", "open": "未审核",
        "reviewed_by": "由 {name} 审核", "page_of": "第 {page} 页，共 {pages} 页", "previous": "上一页", "next": "下一页",
        "published": "发布", "unknown": "未知", "click_figure": "点击数字进行审核",
        "documents_n": "文件（{n} 个）", "doc_title": "标题", "file": "文件", "status": "状态",
        "figure_h": "数字", "characters": "字符", "version": "版本", "saved": "已保存：这是第 {n} 项审核决定。",
        "now": "现状", "not_reviewed": "未审核", "viewer_note": "您是查看者：只能查看，不能审核。",
        "qualifier": "限定", "none": "无", "other": "其他", "period_hint": "2022 或 2022-03", "achieved": "已完成",
        "target_planned": "目标（计划）", "note": "备注", "confirm": "确认", "save_correction": "保存更正",
        "reject": "驳回", "decide_hint": "确认和驳回不改变上面的字段；更正会保存上面填写的字段。",
        "history_n": "审核记录（{n} 项）", "no_history": "尚无审核决定。", "when": "时间（UTC）", "reviewer": "审核人",
        "decision": "决定", "changed": "修改", "table_n": "评估表（按{by}，{n} 行）", "levels": "地区层级",
        "year": "年份", "region": "地区", "show": "显示", "basis": "取数依据", "reviewed": "审核", "ledger": "台账",
        "evidence": "依据", "paragraph": "第{n}段", "findings_n": "台账核对结果（{n} 条）",
        "no_findings": "还没有核对结果：先运行 chanjia check 台账.xlsx --db …。", "check": "核对",
        "verdict": "结论", "reported": "报告数值", "ledger_value": "台账数值", "message": "说明", "gap": "差额",
        "ledger_cell": "台账单元格", "refused": "无法完成", "action_confirm": "已确认", "action_correct": "已更正",
        "action_reject": "已驳回", "level_district": "区县", "level_city": "市", "level_province": "省",
        "viewers_refused": "查看者只能查看，不能审核；需要审核人账户。",
        "no_figure": "没有这个数字；文件可能已重新提取，请重新加载。",
        "nothing_changed": "没有修改任何字段：请修改一个字段再更正，或直接确认。",
        "no_version": "表单没有说明基于哪个版本；请重新加载页面。",
        "conflict": "{reviewer} 在您打开此页后已作出决定（{action}，{when} UTC）；没有覆盖任何内容：请查看其决定后重新决定。",
        "conflict_plain": "此项的审核记录在您打开后已改变；请重新加载后再决定。",
        "csrf": "表单缺少有效的 CSRF 令牌；请重新加载页面后再提交。",
        "no_finding": "没有这条核对结果；台账可能已重新核对，请重新加载。",
        "finding_h": "核对结果", "district_h": "{name}：各指标逐年数据", "choose_district": "选择区县",
        "district_hint": "每个区县一页：每个指标每年一行，附依据、台账核对结论和审核状态。",
        "export_csv": "导出 CSV", "export_xlsx": "导出 XLSX", "help": "说明：结论和口径的含义",
        "verdict_help": "台账核对结论", "scope_help": "口径", "no_rows": "没有符合条件的数据。",
        "charts": "图表：每个指标逐年数值（存量与流量分开，从不相加）", "stock": "存量", "flow": "当年新增/全年",
        "cumulative": "累计", "unstated": "口径未说明", "no_chart": "没有可画的已完成数值。",
        "chart_note": "每年取评估表选定的一个数值（不是提及次数）；目标（计划）数值不画。",
        "achieved_only": "仅已完成", "targets_too": "含目标", "all_years": "全部年份", "findings_link": "审核",
        "mentions": "{n} 处提及", "reviewed_finding": "核对结果审核", "unit": "单位", "low": "下限", "high": "上限",
        "indicator_text": "指标原文",
        "api_sign_in": "请先登录（POST /login）", "api_json": "请发送一个 JSON 对象",
        "export_format": "只能导出 csv 或 xlsx", "no_district": "“{code}”不是区县代码；请在“分区县”页选择一个区县",
        "bad_indicator": "指标“{value}”无效；请从列表中选择指标", "bad_period": "时间“{value}”无效；请填写年份（2022）或年月（2022-03）",
        "bad_level": "地区层级“{value}”无效；可选：区县、市、省", "bad_year": "年份“{value}”无效；请填写如 2022 的年份",
        "bad_region": "“{value}”不是地名录中的区县、市或省；请填写如 无锡、惠山区 或 江苏省",
    },
    "en": {
        "app": "chanjia review", "documents": "Documents", "claims": "Claims", "table": "Assessment table",
        "findings": "Findings", "districts": "Districts", "sign_in": "Sign in", "sign_out": "Sign out",
        "name": "Name", "password": "Password", "wrong_password": "wrong name or password",
        "account_hint": "An account is made with chanjia users add NAME.", "role_reviewer": "reviewer",
        "role_viewer": "viewer", "claims_n": "Claims ({n})", "subject": "Subject", "indicator": "Indicator",
        "any": "any", "period": "Period", "filter": "Filter", "figure": "Figure", "value": "Value", "scope": "Scope",
        "review": "Review", "document": "Document", "target": "target", "open": "open",
        "reviewed_by": "reviewed by {name}", "page_of": "Page {page} of {pages}", "previous": "previous",
        "next": "next", "published": "published", "unknown": "unknown", "click_figure": "click a figure to review it",
        "documents_n": "Documents ({n})", "doc_title": "Title", "file": "File", "status": "Status",
        "figure_h": "Figure", "characters": "characters", "version": "version",
        "saved": "Saved: decision {n} on this figure.", "now": "Now", "not_reviewed": "not reviewed",
        "viewer_note": "You are a viewer: you may look but not review.", "qualifier": "Qualifier", "none": "none",
        "other": "other", "period_hint": "2022 or 2022-03", "achieved": "achieved", "target_planned": "target (planned)",
        "note": "Note", "confirm": "Confirm", "save_correction": "Save correction", "reject": "Reject",
        "decide_hint": "Confirm and reject keep the fields as they are; a correction stores the fields above.",
        "history_n": "History ({n})", "no_history": "No decision yet.", "when": "When (UTC)", "reviewer": "Reviewer",
        "decision": "Decision", "changed": "Changed", "table_n": "Assessment table ({n} rows by {by})",
        "levels": "Regions", "year": "Year", "region": "Region", "show": "Show", "basis": "Basis",
        "reviewed": "Reviewed", "ledger": "台账", "evidence": "Evidence", "paragraph": "paragraph {n}",
        "findings_n": "Cross-check findings ({n})",
        "no_findings": "No findings yet: run chanjia check LEDGER.xlsx --db ….", "check": "Check",
        "verdict": "Verdict", "reported": "Reported", "ledger_value": "Ledger value", "message": "Message",
        "gap": "Gap", "ledger_cell": "Ledger cell", "refused": "Refused", "action_confirm": "confirm",
        "action_correct": "correct", "action_reject": "reject", "level_district": "district", "level_city": "city",
        "level_province": "province", "viewers_refused": "viewers may look but not review; ask for a reviewer account",
        "no_figure": "there is no such figure; it may have been extracted again",
        "nothing_changed": "nothing was changed; change a field to correct the figure, or confirm it",
        "no_version": "the form does not say which version it was based on; reload the page",
        "conflict": "{reviewer} already decided on this ({action}, {when} UTC) after the version you saw; "
                    "nothing was overwritten: reload it, look at their decision and decide again",
        "conflict_plain": "the reviews of this changed since you opened it; reload it and decide again",
        "csrf": "the form has no valid CSRF token; reload the page and send it again",
        "no_finding": "there is no such finding; the 台账 may have been checked again",
        "finding_h": "Finding", "district_h": "{name}: each indicator by year", "choose_district": "Choose a district",
        "district_hint": "One page per district: a row per indicator and year, with evidence, the 台账 verdict and the review.",
        "export_csv": "Export CSV", "export_xlsx": "Export XLSX", "help": "Help: what verdicts and scopes mean",
        "verdict_help": "台账 verdicts", "scope_help": "Scopes", "no_rows": "No rows match.",
        "charts": "Charts: each indicator by year (stocks and flows apart, never added)", "stock": "stock",
        "flow": "flow (increment/annual)", "cumulative": "cumulative", "unstated": "scope unstated",
        "no_chart": "No achieved values to draw.",
        "chart_note": "Each year shows the one figure the assessment table chose (not a count of mentions); targets are not drawn.",
        "achieved_only": "achieved only", "targets_too": "with targets", "all_years": "all years", "findings_link": "review",
        "mentions": "{n} mentions", "reviewed_finding": "Finding review", "unit": "Unit", "low": "low",
        "high": "high", "indicator_text": "indicator as written",
        "api_sign_in": "sign in first (POST /login)", "api_json": "send a JSON object",
        "export_format": "export as csv or xlsx", "no_district": "{code!r}: no such district code; choose one on /districts",
        "bad_indicator": "", "bad_period": "", "bad_level": "", "bad_year": "", "bad_region": "",
    },
}


def serve_words(lang: str) -> dict[str, Any]:
    """Everything ``chanjia serve`` says in ``lang``: :func:`words` plus ``serve`` (page words),
    ``bases``, ``verdict_help`` and ``scope_help``.

    Raises:
        ValueError: a language that is not one of :data:`LANGUAGES`.
    """
    found = words(lang)
    return {**found, "serve": SERVE[lang], "bases": BASES[lang], "verdict_help": VERDICT_HELP[lang],
            "scope_help": SCOPE_HELP[lang], "levels": LEVEL_NAMES[lang]}


#: What an evidence span of a finding is to it (``evidence[].role``).
ROLE_NAMES = {
    "zh": {"supports": "支持", "contradicts": "矛盾", "source": "出处", "copy": "重复", "part": "分项", "total": "合计"},
    "en": {},
}


#: A claim's ``level`` as the pages say it.
LEVEL_NAMES = {
    "zh": {"national": "全国", "provincial": "省级", "city": "市级", "district": "区县级", "town": "镇街", "park": "园区",
           "enterprise": "企业"},
    "en": {},
}


# -- what the review checks refuse, in Chinese ---------------------------------------------------

#: A refused decision or correction (``ReviewInvalid.key``) as the Chinese pages say it.
REFUSALS_ZH = {
    "invalid": "{field}“{value}”无效；可选：{valid}",
    "not_a_number": "{field}“{value}”不是数字；请填写数字，如 1200 或 2650000",
    "period": "时间“{value}”无效；请填写年份（2022）或年月（2022-03）",
    "target": "目标“{value}”无效；请填写 true（目标）或 false（已完成）",
    "subject": "单位/地区最多 200 个字符，如 惠山区",
    "based_on": "表单没有说明基于哪个版本；请重新加载页面",
    "note": "备注超过 4000 字；请缩短",
    "no_changes": "更正至少要修改一个字段：{fields}",
    "changes_not_taken": "{action}不修改字段；要修改 {fields}，请用“更正”",
    "range_value": "范围或模糊的数量没有单一数值；请选择其他限定，或不填数值",
}
_FIELDS_ZH = {
    "field": "字段", "value": "数值", "qualifier": "限定", "scope": "口径", "indicator": "指标", "verdict": "结论",
    "action": "决定", "period": "时间", "subject": "单位/地区", "target": "目标", "expected": "报告数值",
    "observed": "台账数值", "level": "层级", "unit": "单位",
}
_ACTIONS_ZH = {"confirm": "确认", "correct": "更正", "reject": "驳回"}


def refusal(key: str, params: Mapping[str, Any], lang: str, default: str) -> str:
    """A refused review decision (``ReviewInvalid``'s ``key`` and ``params``) in ``lang``; ``default``
    (its English message) for English or a key without words."""
    if lang != "zh" or key not in REFUSALS_ZH:
        return default
    found = words("zh")
    names: dict[str, str] = {**found["scopes"], **found["verdicts"], **found["qualifiers"], **_ACTIONS_ZH,
                             **_FIELDS_ZH}
    if params.get("name") == "indicator":
        from .._lexicon import indicators

        every = indicators()
        names.update({ident: every.by_id[ident].name_zh for ident in every.ids})

    def shown(value: Any) -> str:
        text = str(value)
        return f"{names[text]}（{text}）" if text in names and names[text] != text else text

    field = _FIELDS_ZH.get(str(params.get("name")), str(params.get("name", "")))
    return REFUSALS_ZH[key].format(
        field=field, value=params.get("value"), valid="、".join(shown(v) for v in params.get("valid", ())),
        fields="、".join(_FIELDS_ZH.get(f, f) for f in params.get("fields", ())),
        action=_ACTIONS_ZH.get(str(params.get("action")), str(params.get("action"))),
    )


# -- cross-check messages, in Chinese ------------------------------------------------------------
#
# chanjia check writes each finding's ``message`` in English (the records and the CLI keep it). The
# pages assessors read say it in Chinese: each message is made from a few fixed sentences
# (crosscheck.matching, .verdicts, .internal, .copies, with figures, cells and names in between),
# read back here; one that fits none is shown as it was written.

_NOTES_ZH = ((" (the reports give no year)", "（报告未写年份）"),
             (" (a target row, against the reports' targets)", "（目标行，与报告中的目标比较）"))
_NOTE = r"(?P<note>(?: \(the reports give no year\))?(?: \(a target row, against the reports' targets\))?)"
_WHERE = r"\((?P<where>[^()]*)\)"


def _note_zh(note: str) -> str:
    for english, chinese in _NOTES_ZH:
        note = note.replace(english, chinese)
    return note


def _qualifier_words_zh(text: str) -> str:
    """``the 余 of 2300余 and the 约 of 约2.1万人次`` → ``2300余的“余”和约2.1万人次的“约”``."""
    parts = []
    for part in text.split(" and "):
        found = re.fullmatch(r"the (.+?) of (.+)", part)
        if found is None:
            return text
        word = _QUALIFIER_NAMES.get(found.group(1), found.group(1))
        parts.append(f"{found.group(2)}的“{word}”")
    return "和".join(parts)


_QUALIFIER_NAMES = {"approximate": "约", "more_than": "超过", "less_than": "不到", "at_least": "至少", "at_most": "至多",
                    "range": "范围", "vague": "约数"}


def _listed_zh(text: str) -> str:
    return text.replace(", …", "，…").replace("), ", "）、").replace(" (", "（").replace(")", "）")


def _reason_zh(reason: str) -> str | None:
    fixed = {
        "its indicator is not recognised; map it with --mapping": "未能识别其指标；请用 --mapping 对应",
        "the row names no 单位/地区; give its subject column with --mapping": "该行没有写单位/地区；请用 --mapping 指明单位列",
        "no report states it as a target": "没有报告把它作为目标",
        "no report states it": "报告中没有依据",
    }
    if reason in fixed:
        return fixed[reason]
    for english, chinese in (
        ("no report states it as a target; achieved figures are not compared: ", "没有报告把它作为目标；已完成的数字不作比较："),
        ("no report states it as achieved; targets (planned, not done) are not compared: ",
         "没有报告把它作为已完成的数字；目标（计划，未完成）不作比较："),
    ):
        if reason.startswith(english):
            return chinese + _listed_zh(reason[len(english):])
    return None


def _more_zh(text: str) -> str | None:
    found = re.fullmatch(r" \((the report|the 台账) says more than (.+?) \((.+?)\), which rules out (.+?) itself\)", text)
    if found is None:
        return None
    side = "报告" if found.group(1) == "the report" else "台账"
    return f"（{side}写的是{found.group(3)}，多于 {found.group(2)}，不含 {found.group(4)} 本身）"


def _total_name(name: str) -> str:
    return "总数" if name == "total" else name


def _ledger_zh(message: str) -> str | None:
    found = re.fullmatch(r"(?P<shown>.+) \((?P<label>[^()]*?)(?P<target>, a target)?\): (?P<reason>"
                         r"its indicator is not recognised.*|the row names no .*|no report states it.*)", message)
    if found:
        reason = _reason_zh(found["reason"])
        if reason is None:
            return None
        target = "，目标" if found["target"] else ""
        return f"{found['shown']}（{found['label']}{target}）：{reason}"
    found = re.fullmatch(rf"(?P<shown>.+?) matches (?P<listed>.+?){_NOTE}", message)
    if found:
        return f"{found['shown']} 与 {_listed_zh(found['listed'])}一致{_note_zh(found['note'])}"
    found = re.fullmatch(rf"(?P<shown>.+?) agrees with (?P<listed>.+?) within (?P<words>the .+? of .+?){_NOTE}", message)
    if found:
        return (f"{found['shown']} 与 {_listed_zh(found['listed'])}在{_qualifier_words_zh(found['words'])}的范围内一致"
                f"{_note_zh(found['note'])}")
    found = re.fullmatch(rf"(?P<shown>.+?) differs from (?P<best>.+?) {_WHERE}: gap (?P<gap>\S+)"
                         rf"(?P<pct> \([-+0-9.]+%\))?(?P<more> \((?:the report|the 台账) says more than .+\))?{_NOTE}", message)
    if found:
        more = _more_zh(found["more"]) if found["more"] else ""
        if more is None:
            return None
        pct = f"（{found['pct'].strip()[1:-1]}）" if found["pct"] else ""
        return (f"{found['shown']} 与 {found['best']}（{found['where']}）不一致：差额 {found['gap']}{pct}{more}"
                f"{_note_zh(found['note'])}")
    found = re.fullmatch(rf"(?P<shown>.+?): the reports give different values: (?P<listed>.+?){_NOTE}", message)
    if found:
        return f"{found['shown']}：各报告数值不一：{_listed_zh(found['listed'])}{_note_zh(found['note'])}"
    found = re.fullmatch(r"(?P<text>.+?) \((?P<named>[^()]*)\) for (?P<where>.+): no ledger row covers it", message)
    if found:
        from .._lexicon import indicators

        every = indicators()
        named = [every.by_id[part].name_zh if part in every.ids else "目标" if part == "a target" else part
                 for part in found["named"].split(", ")]
        return f"{found['text']}（{'，'.join(named)}）：{found['where']} 没有台账行与之对应"
    return None


def _internal_zh(message: str) -> str | None:
    body = re.sub(r"^(flagged|explained): ", "", message)
    found = re.fullmatch(r"the parts (?P<listed>.+) cannot add up to the (?P<name>\S+) (?P<total>.+)", body)
    if found:
        return f"分项 {found['listed']} 不可能合计为{_total_name(found['name'])} {found['total']}"
    found = re.fullmatch(r"the parts (?P<listed>.+) sum to (?P<sum>.+?), (?P<size>\S+) (?P<rel>more|less) than the "
                         r"(?P<name>\S+) (?P<total>.+) \((?P<pct>[-+0-9.]+%)\)", body)
    if found:
        relation = "多" if found["rel"] == "more" else "少"
        return (f"分项 {found['listed']} 合计 {found['sum']}，比{_total_name(found['name'])} {found['total']} "
                f"{relation} {found['size']}（{found['pct']}）")
    found = re.fullmatch(r"the difference (?P<size>\S+) is within the rounding of figures written to (?P<to>.+)", body)
    if found:
        return f"差额 {found['size']} 在数字取整的范围内（数字精确到 {found['to']}）"
    found = re.fullmatch(r"the difference (?P<size>\S+) is within (?P<words>the .+? of .+)", body)
    if found:
        return f"差额 {found['size']} 在{_qualifier_words_zh(found['words'])}的范围内"
    found = re.fullmatch(r"(?P<count>.+?) ÷ the target (?P<total>.+?) is (?P<shown>.+?), not (?P<share>.+)", body)
    if found:
        shown = "另一比例" if found["shown"] == "a different share" else found["shown"]
        return f"{found['count']} ÷ 目标 {found['total']} 为 {shown}，而不是 {found['share']}"
    found = re.fullmatch(r"(?P<count>.+?) of (?P<total>.+?) is (?P<shown>.+?), not (?P<share>.+)", body)
    if found:
        shown = "另一比例" if found["shown"] == "a different share" else found["shown"]
        return f"{found['count']} 占 {found['total']} 的 {shown}，而不是 {found['share']}"
    found = re.fullmatch(r"(?P<what>.+?) \((?P<meta>[^()]*)\) is (?P<listed>.+ in .+)", body)
    if found:
        told = []
        for part in found["listed"].split(" but "):
            each = re.fullmatch(r"(.+) in (.+)", part)
            if each is None:
                return None
            told.append(f"{each.group(2)} 写作 {each.group(1)}")
        meta = found["meta"].replace(", targets", "，目标").replace(", ", "，")
        return f"{found['what']}（{meta}）各文件说法不一：{'；'.join(told)}"
    return None


def finding_message(message: Any, lang: str) -> str:
    """A finding's ``message`` as the pages in ``lang`` show it: in Chinese for ``zh`` when it is
    one of the cross-checks' sentences, else as written."""
    text = "" if message is None else str(message)
    if lang != "zh" or not text:
        return text
    try:
        return _ledger_zh(text) or _internal_zh(text) or _copies_zh(text) or text
    except (KeyError, IndexError, TypeError):  # pragma: no cover - a pattern and its groups disagree
        return text


def _copies_zh(message: str) -> str | None:
    found = re.fullmatch(r"flagged: (?P<n>[0-9]+) characters of (?P<b>.+?) \((?P<lb>[^()]*)\) repeat (?P<a>.+?) "
                         r"\((?P<la>[^()]*)\), similarity (?P<sim>[0-9.]+)", message)
    if found is None:
        return None
    return (f"{found['b']}（{found['lb']}）有 {found['n']} 个字符与 {found['a']}（{found['la']}）重复，"
            f"相似度 {found['sim']}")
