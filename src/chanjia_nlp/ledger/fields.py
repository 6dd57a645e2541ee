"""The text fields of a ledger row, normalized like claims': period, level and scope (cached:
a ledger repeats them row after row)."""

from __future__ import annotations

import functools
import re

from ..numbers import to_halfwidth

__all__ = ["parse_level", "parse_period", "parse_scope"]

RE_SPAN = re.compile(r"((?:19|20)[0-9]{2})\s*年?\s*[-—–~至到]\s*((?:19|20)[0-9]{2})")  # 2021-2023年
RE_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])\s*(?:年度?)?")
RE_AFTER_YEAR = re.compile(
    r"""
    \s*(?:年度?|[-./])?\s*
    (?:
        (?P<half>上半年|下半年)
      | (?:第)?(?P<quarter>[一二三四1-4])\s*季度 | [Qq](?P<q>[1-4])
      | (?P<m1>[0-9]{1,2})\s*[-—–~至到]\s*(?P<m2>[0-9]{1,2})\s*月   # 1-6月
      | (?P<month>[0-9]{1,2})(?:\s*月|(?![0-9]))                   # 6月, 2023-06, 2023.6
    )?
    """,
    re.VERBOSE,
)
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}


@functools.lru_cache(maxsize=4096)
def parse_period(text: str | None) -> str | None:
    """A period cell (期间/年度/时间) or header as claims write periods: ``2023``, ``2023-06``;
    halves and quarters as ``2023-H1`` and ``2023-Q3``. ``None`` for spans (2021-2023年) and text
    without a year.

    >>> [parse_period(t) for t in ("2023年度", "2023年6月", "2023-06-30", "2023年上半年", "2023年1-9月")]
    ['2023', '2023-06', '2023-06', '2023-H1', '2023-09']
    """
    if not text:
        return None
    norm = to_halfwidth(text).strip()
    if RE_SPAN.search(norm):
        return None
    years = RE_YEAR.findall(norm)
    if len(set(years)) != 1:
        return None
    m = RE_YEAR.search(norm)
    if m is None:  # not reached: findall found one
        return None
    year = m.group(1)
    after = RE_AFTER_YEAR.match(norm, m.end())
    if after is None or after.end() == m.end() and not after.group():
        return year
    if after["half"]:
        return f"{year}-H{1 if after['half'] == '上半年' else 2}"
    if after["quarter"] or after["q"]:
        q = after["q"] or after["quarter"]
        return f"{year}-Q{_QUARTERS.get(q, q)}"
    if after["m1"]:
        first, last = int(after["m1"]), int(after["m2"])
        if not (first == 1 and 1 <= last <= 12):
            return year if (first, last) == (1, 12) else None
        return {3: f"{year}-Q1", 6: f"{year}-H1", 12: year}.get(last, f"{year}-{last:02d}")
    if after["month"]:
        month = int(after["month"])
        return f"{year}-{month:02d}" if 1 <= month <= 12 else None
    return year


@functools.lru_cache(maxsize=4096)
def parse_level(text: str | None) -> str | None:
    """The level a 级别 cell or an indicator text states (省级 → ``provincial``), with claims' words.

    >>> parse_level("省级"), parse_level("国家级试点单位"), parse_level("优秀")
    ('provincial', 'national', None)
    """
    if not text:
        return None
    from ..grammar import level_of

    return level_of(text)


@functools.lru_cache(maxsize=4096)
def parse_scope(text: str | None) -> str | None:
    """The scope a 口径 cell or an indicator text states, with claims' rules: ``increment`` (新增),
    ``cumulative`` (累计), ``as_of`` (截至, 年末), ``annual`` (全年, 年度); else ``None``.

    >>> parse_scope("新增"), parse_scope("累计数"), parse_scope("年末在册")
    ('increment', 'cumulative', 'as_of')
    """
    if not text:
        return None
    from ..grammar import scope_of

    return scope_of(text)
