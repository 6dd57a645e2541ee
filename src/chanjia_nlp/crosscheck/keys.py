"""What makes two figures about the same thing: subject, period and scope, normalized.

Subjects are compared through the gazetteer of ``chanjia_nlp.entities``: ``惠山区``, ``惠山`` and
``惠山区总工会`` all name the district 惠山区 (code 320206). A name that is not itself a division
counts as the most specific division it contains (``江阴市华士镇总工会`` → 华士镇, ``江都经济开发区``
→ 江都区); a name containing none (``澄芯微电子有限公司``) is its own key.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ..entities import Division, division_in
from ..grammar import scope_of

__all__ = ["period_range", "periods_match", "scope_of", "subject_key", "subject_label", "year_of"]

RE_PERIOD = re.compile(
    r"""
    ^(?P<year>\d{4})                 # 2023
    (?:-(?:
        (?P<month>\d{1,2})           # 2023-04
      | H(?P<half>[12])              # 2023-H1
      | Q(?P<quarter>[1-4])          # 2023-Q2
    ))?
    """,
    re.VERBOSE,
)


def _key_of(division: Division) -> str:
    return division.code or f"{division.parent_code}:{division.name}"  # towns have no code


def _clean(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


@functools.lru_cache(maxsize=8192)
def subject_key(name: str | None) -> str | None:
    """The key two subject names share when they name the same region or organisation.

    >>> subject_key("惠山") == subject_key("惠山区总工会") == subject_key("惠山区") == "320206"
    True
    >>> subject_key("星光工匠学院")
    '星光工匠学院'
    """
    if not name or not name.strip():
        return None
    cleaned = _clean(name)
    division = division_in(cleaned)
    return _key_of(division) if division is not None else cleaned


@functools.lru_cache(maxsize=8192)
def subject_label(name: str | None) -> str | None:
    """The subject as findings show it: the division's full name (``惠山`` → ``惠山区``), else the name."""
    if not name or not name.strip():
        return None
    cleaned = _clean(name)
    division = division_in(cleaned)
    return division.name if division is not None else cleaned


@functools.lru_cache(maxsize=1024)
def period_range(period: str | None) -> tuple[int, int, int] | None:
    """(year, first month, last month) of a period: ``2022`` → (2022, 1, 12), ``2023-H1`` → (2023, 1, 6).

    >>> period_range("2023-04"), period_range("2023-Q2"), period_range("去年")
    ((2023, 4, 4), (2023, 4, 6), None)
    """
    if not period:
        return None
    m = RE_PERIOD.match(str(period).strip())
    if m is None:
        return None
    year = int(m["year"])
    if m["month"]:
        month = int(m["month"])
        return (year, month, month) if 1 <= month <= 12 else (year, 1, 12)
    if m["half"]:
        return (year, 1, 6) if m["half"] == "1" else (year, 7, 12)
    if m["quarter"]:
        q = int(m["quarter"])
        return (year, 3 * q - 2, 3 * q)
    return (year, 1, 12)


def year_of(period: str | None) -> int | None:
    found = period_range(period)
    return found[0] if found else None


def periods_match(a: str | None, b: str | None) -> bool:
    """Whether two known periods can be the same time: the same year and overlapping months."""
    ra, rb = period_range(a), period_range(b)
    if ra is None or rb is None:
        return False
    return ra[0] == rb[0] and ra[1] <= rb[2] and rb[1] <= ra[2]
