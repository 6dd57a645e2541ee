"""Whether a figure is planned, required or aimed at rather than achieved (ANNOTATION.md §2
``target``): ``力争新增…2家以上``, ``计划培训…``, ``到2025年…超过100家``, ``要求…确保每个镇确定2个
试点单位``. Targets stay claims with their indicator, subject and period (the year aimed at);
they are never added to achieved totals."""

from __future__ import annotations

import re

from ..grammar import grammar
from .context import Figure
from .rules import Rule, RuleTable

__all__ = ["TARGET_RULES"]

RE_BY_YEAR = re.compile(r"(?:到|至|截至|截止)((?:19|20)[0-9]{2})\s*年")
#: A year just before 至 opens a span (2014年至2016年, 2024至2025年): its end is no year aimed at.
RE_SPAN_START = re.compile(r"(?:19|20)[0-9]{2}\s*年?\s*(?:[0-9]{1,2}\s*月(?:份)?\s*)?$")


def _target_word(fig: Figure) -> bool | None:
    """A plan word earlier in the figure's governing sentence: 力争, 计划, 确保, 将投入 …"""
    return True if grammar().target_pattern.search(fig.text, fig.governing_start, fig.q.start) else None


def _by_future_year(fig: Figure) -> bool | None:
    """到2027年…: a year after the report's own is aimed at (到2022年底已建成 in a 2023 report is
    an achievement)."""
    for m in RE_BY_YEAR.finditer(fig.doc.half, fig.governing_start, fig.q.start):
        if m.group().startswith(("截至", "截止")):
            continue
        if m.group().startswith("至") and RE_SPAN_START.search(fig.doc.half, max(0, m.start() - 12), m.start()):
            continue
        year = int(m.group(1))
        published = fig.doc.published
        if published is None or year > published.year:
            return True
    return None


TARGET_RULES: RuleTable[Figure] = RuleTable(
    "target",
    (
        Rule("plan_word", _target_word),
        Rule("by_future_year", _by_future_year),
    ),
)
