"""Canonical subjects: the administrative division a claim, ledger row or finding is about.

A subject as written (``惠山``, ``惠山区``, ``惠山区总工会``, ``惠山区产改办``) names the district
惠山区, code 320206 in the gazetteer (``lexicons/regions.tsv``, read by :mod:`chanjia_nlp.entities`).
:func:`canonical_subject` gives its ``subject_code`` and ``subject_name``:

* a region, or a body of a region (its name, or a chain of names 江阴市华士镇, followed by words of
  ``lexicons/region_bodies.txt``: 总工会, 产改办, 人民政府 …): the division's code and full name.
  Towns and streets (镇, 乡, 街道) have no code in the gazetteer: they keep their full name
  (``硕放街道``) and the code of the district they lie in, as organisations do;
* an organisation (a company, a park, a school): its name as written, and the code of the region
  it hangs under: the most specific division its own name contains (``宜兴经济技术开发区工会`` →
  宜兴市), or the document's main region when that lies within it or the name contains none.

So ``subject_name`` equals the division's own name exactly when the subject *is* the region
(:func:`is_region`); everything else with the same code lies under it. Queries by region take the
division and every division below it (:func:`codes_under`): 无锡 → 无锡市 and its districts.

>>> canonical_subject("惠山区总工会")
Subject(code='320206', name='惠山区')
>>> canonical_subject("惠山"), canonical_subject("惠山区产改办")
(Subject(code='320206', name='惠山区'), Subject(code='320206', name='惠山区'))
>>> canonical_subject("新吴区硕放街道总工会")
Subject(code='320214', name='硕放街道')
>>> canonical_subject("澄芯微电子有限公司", region="320282")
Subject(code='320282', name='澄芯微电子有限公司')
>>> is_region(canonical_subject("惠山")), is_region(canonical_subject("硕放街道"))
(True, False)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, NamedTuple, TypeVar

from . import _lexicon
from .entities import Division, division_in, divisions, find_division

__all__ = [
    "Subject", "annotate", "canonical_subject", "codes_under", "document_region", "is_region", "region_of",
    "resolve_region", "ROLLUP_LEVELS", "rollup_code",
]

#: Levels a table rolls claims up to (``chanjia table --by``).
ROLLUP_LEVELS = ("district", "city", "province")
_LEVEL_RANK = {"province": 0, "city": 1, "district": 2, "town": 3}


class Subject(NamedTuple):
    """A subject's canonical form: the division code it is or hangs under, and its name."""

    code: str | None
    name: str | None


def _clean(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


@functools.cache
def _bodies() -> tuple[str, ...]:
    return tuple(sorted(_lexicon.word_list("region_bodies.txt"), key=len, reverse=True))


@functools.cache
def _longest() -> int:
    """The longest division name (镇沅彝族哈尼族拉祜族自治县 is 13 characters)."""
    return max(len(d.name) for d in divisions().values())


def _chain(name: str) -> Division | None:
    """The last division of a name made only of division names (``江阴市华士镇`` → 华士镇), else ``None``."""
    i, last = 0, None
    while i < len(name):
        for j in range(min(len(name), i + _longest()), i, -1):
            found = find_division(name[i:j])
            if found is not None:
                last, i = found, j
                break
        else:
            return None
    return last


def _strip_bodies(name: str) -> str:
    """``name`` without the body words at its end (惠山区总工会女职工委员会 → 惠山区)."""
    for shorter in _unwrapped(name):
        name = shorter
    return name


def _unwrapped(name: str) -> list[str]:
    """``name`` with one more body word taken off its end each time: 惠山区总工会女职工委员会 →
    惠山区总工会 → 惠山区."""
    out = []
    changed = True
    while changed and name:
        changed = False
        for word in _bodies():
            if name.endswith(word) and len(name) > len(word):
                name, changed = name[: -len(word)], True
                out.append(name)
                break
    return out


def _code_of(division: Division) -> str | None:
    return division.code or division.parent_code or None


@functools.lru_cache(maxsize=16384)
def region_of(name: str | None) -> Division | None:
    """The division ``name`` is or is the body of (``惠山区总工会`` → 惠山区), else ``None``."""
    if not name or not name.strip():
        return None
    cleaned = _clean(name)
    for candidate in (cleaned, *_unwrapped(cleaned)):  # 大柴旦行政委员会总工会: 委员会 is the name's own
        found = find_division(candidate) or _chain(candidate)
        if found is not None:
            return found
    return None


def _within(code: str | None, ancestor: str | None) -> bool:
    """Whether division ``code`` is ``ancestor`` or lies under it."""
    by_code = divisions()
    seen = 0
    while code and seen < 6:
        if code == ancestor:
            return True
        division = by_code.get(code)
        code = division.parent_code if division is not None else None
        seen += 1
    return False


@functools.lru_cache(maxsize=16384)
def canonical_subject(name: str | None, region: str | None = None) -> Subject:
    """The canonical :class:`Subject` of a subject as written; ``region`` is the code of the
    document's main region (:func:`document_region`), under which organisations whose name names
    no region hang. ``Subject(None, None)`` for no subject."""
    if not name or not name.strip():
        return Subject(None, None)
    cleaned = _clean(name)
    own = region_of(cleaned)
    if own is not None:
        return Subject(_code_of(own), own.name)
    inside = division_in(cleaned)
    code = _code_of(inside) if inside is not None else None
    if region and (code is None or _within(region, code)):
        code = region
    stripped = _strip_bodies(cleaned)  # 南通开发区总工会 is 南通开发区, a park, as much as the park is
    return Subject(code, stripped if len(stripped) >= 2 else cleaned)


def is_region(subject: Subject | tuple[str | None, str | None]) -> bool:
    """Whether a canonical subject is a coded region itself (not a town or organisation under it)."""
    code, name = subject
    division = divisions().get(code or "")
    return division is not None and division.name == name


def resolve_region(text: str | None) -> Division | None:
    """The coded division a query names (``无锡``, ``无锡市总工会``), else ``None``."""
    found = region_of(text)
    if found is not None and not found.code:
        return None  # a town: no code of its own
    return found


@functools.cache
def _children() -> Mapping[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for code, division in divisions().items():
        if division.parent_code:
            out.setdefault(division.parent_code, []).append(code)
    return {k: tuple(v) for k, v in out.items()}


@functools.lru_cache(maxsize=1024)
def codes_under(code: str) -> frozenset[str]:
    """``code`` and the codes of every division below it.

    >>> {"320200", "320206"} <= codes_under("320200"), "320206" in codes_under("321000")
    (True, False)
    """
    found, todo = {code}, [code]
    children = _children()
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def rollup_code(code: str | None, level: str) -> str | None:
    """The code of the division at ``level`` (district, city, province) that ``code`` lies in,
    ``None`` when it lies in none (a city has no district). A county-level city (宜兴市) is a
    district; a municipality's districts (北京市东城区) roll up to it as their city and province."""
    by_code = divisions()
    division = by_code.get(code or "")
    below: Division | None = None
    seen = 0
    while division is not None and seen < 6:
        if division.level == level:
            return division.code
        if _LEVEL_RANK.get(division.level, 9) < _LEVEL_RANK[level]:
            municipality = level == "city" and below is not None and below.level == "district"
            return division.code if municipality else None
        below, division = division, by_code.get(division.parent_code)
        seen += 1
    return None


def document_region(entities: Iterable[Mapping[str, Any]]) -> str | None:
    """The code of a document's main region: the coded division its entities name most (counting
    the divisions inside organisation names: 惠山区总工会 names 惠山区), the more specific one on
    ties, then the first named. ``None`` when it names none."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for n, entity in enumerate(entities):
        text = entity.get("normalized") if entity.get("label") == "region" else None
        text = text or entity.get("text")
        if entity.get("label") not in ("region", "org") or not isinstance(text, str):
            continue
        division = region_of(text) or division_in(_clean(text))
        code = _code_of(division) if division is not None else None
        if code:
            counts[code] += 1
            first.setdefault(code, n)
    if not counts:
        return None
    by_code = divisions()

    def rank(code: str) -> tuple[int, int, int]:
        level = by_code[code].level if code in by_code else "town"
        return (-counts[code], -_LEVEL_RANK.get(level, 3), first[code])

    return min(counts, key=rank)


_RecordT = TypeVar("_RecordT", bound=MutableMapping[str, Any])


def annotate(records: list[_RecordT]) -> list[_RecordT]:
    """Set ``subject_code`` and ``subject_name`` on every claim of one document's records (in
    place; also returned), organisations hanging under the document's main region; ``None`` on
    quantities that are no claim. Claims that carry both already keep them."""
    claims = []
    for record in records:
        if record.get("type") == "quantity":
            if record.get("claim") is True:
                claims.append(record)
            else:
                record.setdefault("subject_code", None)
                record.setdefault("subject_name", None)
    if not claims:
        return records
    region = document_region(r for r in records if r.get("type") == "entity")
    for claim in claims:
        if "subject_code" in claim and "subject_name" in claim:
            continue
        subject = claim.get("subject")
        code, name = canonical_subject(subject if isinstance(subject, str) else None, region)
        claim["subject_code"], claim["subject_name"] = code, name
    return records
