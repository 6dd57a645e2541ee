"""Entity extraction: the regions, organisations, people and dates a report names.

* **Regions** come from the gazetteer ``lexicons/regions.tsv`` (China's divisions, generated from
  jionlp's data by ``scripts/build_gazetteer.py``): the longest full name or short form at each
  place, normalized to the full name with its division code (``无锡`` → ``无锡市``, ``320200``).
  A name several divisions share goes to one whose parent (then grandparent) the text named
  earlier (徐州市鼓楼区), else to Jiangsu's, else to the highest level. Short forms of districts
  count in Jiangsu only (elsewhere they are mostly parts of words: ``利通`` in ``顺利通过``); town
  short forms (``竹行``) only before an organisation suffix; a town's full name (``竹行街道``) is
  an organisation.
* **Organisations** end in a suffix from ``lexicons/org_suffixes.txt`` (``总工会``, ``集团``,
  ``开发区``) and start at a region (``南通开发区``, ``无锡物联网产业研究院``), at 省/市/区/县
  (``市总工会``) or at the first word of a name of two or more characters (``中天科技集团``),
  whichever comes first going left from the suffix; boundary words (``指导``, ``的``, ``全市``) stop
  the name. A region inside an organisation name is not reported on its own.
* **People** follow a title or byline word from ``lexicons/person_titles.txt`` (``党组书记 吴涛``,
  ``(晚报记者 潘凡)``, ``通讯员 甲 乙``) or stand alone in brackets at the end of a paragraph
  (``(庄婷)``, role ``byline``). The entity is the name (a surname and one to three characters);
  ``role`` is the title as written (``市总工会党组书记``).
* **Dates** with a four-digit year: ``2023年4月6日`` → ``2023-04-06``, ``2023年2月`` → ``2023-02``,
  ``2022年度`` → ``2022``, ``2023-04-06 08:57:36`` → ``2023-04-06``, full-width digits and
  Chinese-numeral years (``二〇二二年``) too. Relative dates (今年, 去年) are left to the claims
  stage.

Matching never raises on text and keeps offsets into the text as given: entities come sorted by
``start`` and never overlap.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from . import _lexicon
from .errors import LexiconError
from .numbers import FULLWIDTH_TABLE
from .records import Entity, EntityLabel

__all__ = ["Division", "division_in", "divisions", "extract_entities", "find_division"]

LEVELS = ("province", "city", "district", "town")
_JIANGSU = "320000"
_REGION_COLUMNS = ("code", "name", "short", "level", "parent_code")
_ORG_KINDS = frozenset({"name", "region", "standalone", "boundary"})
_PERSON_KINDS = frozenset({"title", "title_weak", "byline", "name_end", "not_name", "role_boundary", "surname"})
_LEVEL_CHARS = frozenset("省市区县")  # 市总工会, 区委组织部: the speaker's own level stands for the region
_TOWN_ORG_ENDINGS = ("街道", "镇", "乡")  # a town's full name is an organisation (竹行街道)
_MAX_ORG_BODY = 16  # characters between a region (or the name's start) and the suffix
_MAX_ORG = 40  # characters of a whole name (江苏省总工会女职工委员会 is 12)
_MAX_CONTINUATION = 6  # characters between one organisation and a suffix that extends it (女职工)
_MAX_ROLE = 30  # characters of a title as written
_SPACES = " \t\u3000\u00a0"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch == "〇"


def _is_name_char(ch: str) -> bool:
    """A character an organisation name may hold (中天科技, 3M, 一棉)."""
    return _is_cjk(ch) or ch.isascii() and ch.isalnum() or ch in "·&"


# --------------------------------------------------------------------------------------------
# Lexicons


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division of ``regions.tsv``.

    ``code`` is empty for towns (jionlp has no town codes); ``province`` is the code of the
    province it lies in.
    """

    code: str
    name: str
    shorts: tuple[str, ...]
    level: str
    parent_code: str
    province: str


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    by_code: Mapping[str, Division]
    by_text: Mapping[str, tuple[tuple[Division, bool], ...]]  # name or short → (division, is_full)
    lengths_by_bigram: Mapping[str, tuple[int, ...]]  # first two characters → lengths, longest first
    seed: re.Pattern[str]
    # Short forms of districts and counties outside Jiangsu: read only where the document confirms them
    guarded: Mapping[str, tuple[Division, ...]]
    guarded_seed: re.Pattern[str]


@functools.cache
def gazetteer() -> _Gazetteer:
    """Load ``regions.tsv`` and index it for matching, once per process."""
    rows = _lexicon.read_rows("regions.tsv", _REGION_COLUMNS)
    raw: list[tuple[int, dict[str, str]]] = []
    for number, row in rows:
        if row["level"] not in LEVELS:
            raise LexiconError("regions.tsv", number, f"unknown level {row['level']!r}; valid: {list(LEVELS)}")
        if not row["name"]:
            raise LexiconError("regions.tsv", number, "empty name")
        raw.append((number, row))
    coded = {row["code"]: row for _, row in raw if row["code"]}

    def province_of(row: dict[str, str]) -> str:
        seen = 0
        while row["level"] != "province" and row["parent_code"] in coded and seen < 4:
            row, seen = coded[row["parent_code"]], seen + 1
        return row["code"] or row["parent_code"]

    by_code: dict[str, Division] = {}
    by_text: dict[str, list[tuple[Division, bool]]] = {}
    guarded: dict[str, list[Division]] = {}
    for number, row in raw:
        if row["parent_code"] and row["parent_code"] not in coded:
            raise LexiconError("regions.tsv", number, f"parent_code {row['parent_code']!r} is not a code in the file")
        shorts = tuple(s for s in row["short"].split("/") if s)
        division = Division(
            code=row["code"],
            name=row["name"],
            shorts=shorts,
            level=row["level"],
            parent_code=row["parent_code"],
            province=province_of(row),
        )
        if division.code:
            by_code[division.code] = division
        by_text.setdefault(division.name, []).append((division, True))
        if division.level in ("district", "town") and division.province != _JIANGSU:
            # 利通 in 顺利通过, 龙川 in 龙川工匠: elsewhere short forms below the city are guarded
            if division.level == "district":
                for short in shorts:
                    if len(short) > 1:
                        guarded.setdefault(short, []).append(division)
            continue
        for short in shorts:
            by_text.setdefault(short, []).append((division, False))
    guarded = {k: v for k, v in guarded.items() if k not in by_text}
    lengths: dict[str, set[int]] = {}
    for text in by_text:
        lengths.setdefault(text[:2], set()).add(len(text))
    # Candidates start where a name's first character is followed by a character that can come
    # second after it; a dictionary lookup per candidate then finds the longest name (an
    # 8000-way regex alternation is ten times slower in `re`).
    seed = re.compile(_bigram_seed({t[:2] for t in by_text if len(t) > 1}))
    return _Gazetteer(
        by_code=MappingProxyType(by_code),
        by_text=MappingProxyType({k: tuple(v) for k, v in by_text.items()}),
        lengths_by_bigram=MappingProxyType({k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}),
        seed=seed,
        guarded=MappingProxyType({k: tuple(v) for k, v in guarded.items()}),
        guarded_seed=re.compile(_bigram_seed({t[:2] for t in guarded})),
    )


_SEED_GROUPS = 4  # more groups find fewer false candidates but cost `re` more per character


def _bigram_seed(bigrams: Iterable[str]) -> str:
    """A pattern matching (zero-width after the first character) where one of ``bigrams`` may start.

    First characters are put in a few groups, each with the second characters of its members, so
    that common characters (工, 会) rarely start a candidate: ``[江无](?=[苏都锡])|…``.
    """
    seconds: dict[str, set[str]] = {}
    for bigram in bigrams:
        seconds.setdefault(bigram[0], set()).add(bigram[1])
    groups: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in range(_SEED_GROUPS)]
    for first, after in sorted(seconds.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        # Join the group whose second-character class grows least (weighted by its size).
        firsts, union = min(groups, key=lambda g: (len(g[1] | after) - len(g[1])) * (len(g[0]) + 1))
        firsts.add(first)
        union.update(after)
    return "|".join(
        f"[{re.escape(''.join(sorted(firsts)))}](?=[{re.escape(''.join(sorted(union)))}])"
        for firsts, union in groups
        if firsts
    )


def divisions() -> Mapping[str, Division]:
    """Division code → :class:`Division` for every coded division of the gazetteer.

    >>> divisions()["320206"].name
    '惠山区'
    """
    return gazetteer().by_code


def find_division(name: str) -> Division | None:
    """The division a full name or short form stands for, ``None`` when the gazetteer has none.

    A name several divisions share goes to Jiangsu's, then to the highest level.

    >>> find_division("无锡").name, find_division("无锡").code
    ('无锡市', '320200')
    >>> find_division("鼓楼").province
    '320000'
    >>> find_division("开发") is None
    True
    """
    candidates = gazetteer().by_text.get(name)
    return _choose(candidates, frozenset()) if candidates else None


_MAX_DIVISION_NAME = 12  # longest division name looked for inside an organisation name


@functools.lru_cache(maxsize=8192)
def division_in(name: str) -> Division | None:
    """The division ``name`` is, else the most specific one it contains (the last on ties):
    ``江阴市华士镇总工会`` → 华士镇, ``焦作市总工会`` → 焦作市.

    >>> division_in("焦作市总工会").name
    '焦作市'
    """
    whole = find_division(name)
    if whole is not None:
        return whole
    best: Division | None = None
    i = 0
    while i < len(name) - 1:
        for j in range(min(len(name), i + _MAX_DIVISION_NAME), i + 1, -1):
            found = find_division(name[i:j])
            if found is not None:
                if best is None or LEVELS.index(found.level) >= LEVELS.index(best.level):
                    best = found
                i = j - 1
                break
        i += 1
    return best


def _choose(candidates: tuple[tuple[Division, bool], ...], seen: frozenset[str] | set[str]) -> Division:
    """Pick one division for a matched name: a full name over a short form, then one whose parent
    (then grandparent) the text named before, then Jiangsu's, then the highest level, then the
    lowest code."""
    if len(candidates) == 1:
        return candidates[0][0]
    full = [d for d, is_full in candidates if is_full]
    pool = full or [d for d, _ in candidates]
    by_code = gazetteer().by_code

    def key(d: Division) -> tuple:
        parent = by_code.get(d.parent_code)
        if d.parent_code in seen:
            affinity = 0  # 徐州市鼓楼区: Xuzhou's 鼓楼区, not Nanjing's
        elif parent is not None and parent.parent_code in seen:
            affinity = 1
        else:
            affinity = 2
        return (affinity, d.province != _JIANGSU, LEVELS.index(d.level), d.code or "~", d.name)

    return min(pool, key=key)


@dataclass(frozen=True, slots=True)
class _OrgLexicon:
    suffix: re.Pattern[str]
    kinds: Mapping[str, str]
    longest: int
    boundaries_by_last_char: Mapping[str, tuple[str, ...]]


_or = _lexicon.literal_regex  # the longest of several words, as a trie


def _by_last_char(words: Iterable[str]) -> Mapping[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        grouped.setdefault(word[-1], []).append(word)
    return MappingProxyType({k: tuple(v) for k, v in grouped.items()})


def _kinds(name: str, valid: frozenset[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {kind: [] for kind in valid}
    for number, row in _lexicon.read_rows(name, ("word", "kind")):
        if row["kind"] not in valid:
            raise LexiconError(name, number, f"unknown kind {row['kind']!r}; valid: {sorted(valid)}")
        if not row["word"].strip():
            raise LexiconError(name, number, "empty word")
        out[row["kind"]].append(row["word"].strip())
    return out


@functools.cache
def _orgs_lexicon() -> _OrgLexicon:
    """Load ``org_suffixes.txt`` and compile the suffix pattern, once per process."""
    words = _kinds("org_suffixes.txt", _ORG_KINDS)
    kinds = {w: kind for kind in ("name", "region", "standalone") for w in words[kind]}
    return _OrgLexicon(
        suffix=re.compile(_or(kinds)),
        kinds=MappingProxyType(kinds),
        longest=max(map(len, kinds), default=0),
        boundaries_by_last_char=_by_last_char(words["boundary"]),
    )


@dataclass(frozen=True, slots=True)
class _PersonLexicon:
    title: re.Pattern[str]
    kinds: Mapping[str, str]  # title word → title | title_weak | byline
    name_end: re.Pattern[str]
    not_names: frozenset[str]
    role_boundaries: frozenset[str]
    surnames: frozenset[str]
    double_surnames: frozenset[str]
    title_ends_by_last_char: Mapping[str, tuple[str, ...]]


@functools.cache
def _persons_lexicon() -> _PersonLexicon:
    """Load ``person_titles.txt`` and compile its patterns, once per process."""
    words = _kinds("person_titles.txt", _PERSON_KINDS)
    kinds = {w: kind for kind in ("title", "title_weak", "byline") for w in words[kind]}
    return _PersonLexicon(
        title=re.compile(_or(kinds)),
        kinds=MappingProxyType(kinds),
        name_end=re.compile(_or(words["name_end"])),
        not_names=frozenset(words["not_name"]),
        role_boundaries=frozenset(words["role_boundary"]),
        surnames=frozenset(s for s in words["surname"] if len(s) == 1),
        double_surnames=frozenset(s for s in words["surname"] if len(s) == 2),
        title_ends_by_last_char=_by_last_char(kinds),
    )


# --------------------------------------------------------------------------------------------
# Dates

RE_FULLWIDTH_DIGITS = re.compile("[\uff10-\uff19]+")  # ０-９

RE_DATE = re.compile(
    r"""
    (?<![0-9])
    (?P<year>(?:19|20)[0-9]{2})                         # 2023: a four-digit year of 1900-2099
    (?:
        (?P<nian>[ ]?年)
        (?:[ ]?(?P<month>1[0-2]|0?[1-9])(?P<yue>[ ]?月)  # 4月
           (?:[ ]?(?P<day>3[01]|[12][0-9]|0?[1-9])(?P<ri>[ ]?[日号]))?  # 6日
        )?
        (?P<fiscal>度)?                                 # 2022年度
      | (?P<sep>[-/.])(?P<nmonth>1[0-2]|0?[1-9])        # 2023-04-06, 2023/4/6, 2023.4.6
        (?P=sep)(?P<nday>3[01]|[12][0-9]|0?[1-9])(?![0-9])
        (?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?![0-9]))?  # 08:57:36
    )
    """,
    re.VERBOSE,
)

_CN_VALUE = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}

RE_CN_DATE = re.compile(
    r"""
    (?<![〇○零一二三四五六七八九十])
    (?P<year>(?:一九|二[〇○零])[〇○零一二三四五六七八九]{2})(?P<nian>[ ]?年)  # 二〇二二年
    (?:[ ]?(?P<month>十[一二]?|[一二三四五六七八九])(?P<yue>[ ]?月)          # 四月, 十二月
       (?:[ ]?(?P<day>三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])(?P<ri>[ ]?[日号]))?  # 二十六日
    )?
    (?P<fiscal>度)?                                                           # 二〇二二年度
    """,
    re.VERBOSE,
)

_RANGE_BEFORE = "-—–~～至到"


def _cn_small(text: str) -> int:
    """十二 → 12, 二十六 → 26, 六 → 6: the numerals of months and days.

    >>> [_cn_small(t) for t in ("六", "十", "十二", "二十六", "三十一")]
    [6, 10, 12, 26, 31]
    """
    if "十" not in text:
        return _CN_VALUE[text]
    tens, _, units = text.partition("十")
    return (_CN_VALUE[tens] if tens else 1) * 10 + (_CN_VALUE[units] if units else 0)


def _written_date(text: str, m: re.Match[str], year: int, month: int | None, day: int | None) -> Entity:
    """A ``…年…月…日`` date, as precise as the valid parts allow (a bad day keeps the month)."""
    normalized, end = f"{year:04d}", m.end("nian")
    if m.group("fiscal") and month is None:
        end = m.end("fiscal")
    if month is not None:
        normalized, end = f"{year:04d}-{month:02d}", m.end("yue")
        if day is not None and _valid_day(year, month, day):
            normalized, end = f"{year:04d}-{month:02d}-{day:02d}", m.end("ri")
    start = m.start()
    return Entity(text=text[start:end], start=start, end=end, label=EntityLabel.DATE, normalized=normalized)


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _dates(text: str, norm: str) -> list[Entity]:
    """Dates in ``norm`` (``text`` with ASCII digits), as entities over ``text``."""
    out: list[Entity] = []
    for m in RE_DATE.finditer(norm):
        start, year = m.start(), int(m.group("year"))
        if start >= 2 and norm[start - 1] in _RANGE_BEFORE and norm[start - 2].isdigit():
            continue  # 2021—2025年: a span of years, not a date
        if m.group("sep"):
            month, day = int(m.group("nmonth")), int(m.group("nday"))
            if _valid_day(year, month, day):
                out.append(
                    Entity(
                        text=text[start : m.end()],
                        start=start,
                        end=m.end(),
                        label=EntityLabel.DATE,
                        normalized=f"{year:04d}-{month:02d}-{day:02d}",
                    )
                )
            continue
        written_month = int(m.group("month")) if m.group("month") else None
        written_day = int(m.group("day")) if m.group("day") else None
        out.append(_written_date(text, m, year, written_month, written_day))
    if "年" in norm and any(ch in norm for ch in "〇○零"):
        for m in RE_CN_DATE.finditer(norm):
            year = int("".join(str(_CN_VALUE[ch]) for ch in m.group("year")))
            cn_month = _cn_small(m.group("month")) if m.group("month") else None
            cn_day = _cn_small(m.group("day")) if m.group("day") else None
            out.append(_written_date(text, m, year, cn_month, cn_day))
        out.sort(key=lambda e: e.start)
    return out


# --------------------------------------------------------------------------------------------
# People

RE_BARE_BYLINE = re.compile(
    r"""
    [(（][ \u3000]*
    (?P<name>[\u4e00-\u9fff]{2,4})                      # (庄婷): a name alone in brackets
    [ \u3000]*[)）]
    [ \t\u3000]*(?=\r?\n|$)                             # closing the paragraph
    """,
    re.VERBOSE,
)
_ROLE_STOP = frozenset('，。；;：:！!？?“”‘’"《》「」『』()（）【】[]\n\r' + _SPACES + ",")


def _name_at(text: str, k: int, lex: _PersonLexicon, *, weak: bool) -> int:
    """Length of the name starting at ``k`` (0 when none): a surname, then given characters, then
    the end of a word (a non-CJK character or a name-ending word like 表示).

    The shortest such name wins (吴涛表示 → 吴涛); after a weak title only a name-ending word ends it.
    """
    if k >= len(text):
        return 0
    double = text[k : k + 2] in lex.double_surnames
    if not double and text[k] not in lex.surnames:
        return 0
    for length in (3, 4) if double else (2, 3):
        name = text[k : k + length]
        if len(name) < length or not all(_is_cjk(ch) for ch in name):
            return 0
        after = k + length
        word_ends = not weak and (after >= len(text) or not _is_cjk(text[after]))
        if word_ends or lex.name_end.match(text, after):
            if any(name.startswith(w) for w in lex.not_names) or name in lex.kinds or _is_region_name(name):
                return 0
            return length
    return 0


def _is_region_name(word: str) -> bool:
    """(江阴) closing a paragraph is a place, not a byline."""
    return word in gazetteer().by_text


def _token_name(text: str, k: int, lex: _PersonLexicon) -> int:
    """Length of a space-separated name token at ``k`` (通讯员 陈怡迪 孙旭诞), 0 when none."""
    end = k
    while end < len(text) and _is_cjk(text[end]) and end - k <= 4:
        end += 1
    token = text[k:end]
    if not 2 <= len(token) <= 4 or (end < len(text) and text[end] not in _SPACES + ")）\n\r"):
        return 0
    double = token[:2] in lex.double_surnames
    if not double and token[0] not in lex.surnames or len(token) == 4 and not double or double and len(token) < 3:
        return 0
    if any(token.startswith(w) for w in lex.not_names) or _is_region_name(token):
        return 0
    if lex.title.search(token):
        return 0  # 见习记者: the next title, not a name
    return len(token)


def _role_start(text: str, title_start: int, floor: int, lex: _PersonLexicon, org: _OrgLexicon) -> int:
    """Where the title as written begins: left of ``title_start`` up to punctuation, a boundary
    word or ``floor``, across a 、 when the part before it ends in a title too."""
    i = title_start
    limit = max(floor, title_start - _MAX_ROLE)
    while i > limit:
        ch = text[i - 1]
        if ch == "、":
            j = i - 1
            if any(text.startswith(w, j - len(w)) for w in lex.title_ends_by_last_char.get(text[j - 1 : j], ())):
                i = j
                continue
            break
        if ch in _ROLE_STOP or not _is_name_char(ch):
            break
        words = org.boundaries_by_last_char.get(ch)
        if ch in lex.role_boundaries or words and any(len(w) > 1 and text.startswith(w, i - len(w)) for w in words):
            break  # 据该公司党委书记: 据 is no part of the title; 本报记者: 本 is
        i -= 1
    if i == limit and limit > floor:
        return title_start  # no start within reach: keep the title word alone
    return i


def _persons(text: str, blocked: list[tuple[int, int]]) -> tuple[list[Entity], list[tuple[int, int]]]:
    """People with their roles, and the spans of every title word (organisation suffixes must
    not cut into them)."""
    lex = _persons_lexicon()
    org = _orgs_lexicon()
    out: list[Entity] = []
    titles: list[tuple[int, int]] = []
    last = 0
    for m in lex.title.finditer(text):
        titles.append(m.span())
        if m.start() < last or _inside(blocked, m.start(), m.end()):
            continue
        title = m.group()
        kind = lex.kinds[title]
        k = m.end()
        spaced = k < len(text) and text[k] in _SPACES
        while k < len(text) and k - m.end() < 2 and text[k] in _SPACES:
            k += 1
        if kind == "byline" and spaced:
            length = _token_name(text, k, lex) or _name_at(text, k, lex, weak=False)
        else:
            length = _name_at(text, k, lex, weak=kind == "title_weak")
        if not length or _inside(blocked, k, k + length):
            continue
        role = text[_role_start(text, m.start(), last, lex, org) : m.end()]
        out.append(Entity(text=text[k : k + length], start=k, end=k + length, label=EntityLabel.PERSON, role=role))
        last = k + length
        if kind == "byline":  # 通讯员 陈怡迪 孙旭诞 贾永刚: more names after spaces
            while True:
                j = last
                while j < len(text) and text[j] in _SPACES:
                    j += 1
                if j == last or j >= len(text):
                    break
                length = _token_name(text, j, lex)
                if not length:
                    break
                out.append(
                    Entity(text=text[j : j + length], start=j, end=j + length, label=EntityLabel.PERSON, role=role)
                )
                last = j + length
    if "(" in text or "（" in text:
        for m in RE_BARE_BYLINE.finditer(text):
            start, end = m.span("name")
            if _token_name(text, start, lex) == end - start and not _inside(blocked, start, end):
                out.append(Entity(text=m.group("name"), start=start, end=end, label=EntityLabel.PERSON, role="byline"))
        out.sort(key=lambda e: e.start)
    return out, titles


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of the sorted, non-overlapping ``spans``."""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    if i >= 0 and spans[i][1] > start:
        return True
    return i + 1 < len(spans) and spans[i + 1][0] < end


# --------------------------------------------------------------------------------------------
# Regions and organisations


@dataclass(frozen=True, slots=True)
class _RegionMatch:
    start: int
    end: int
    text: str
    candidates: tuple[tuple[Division, bool], ...]

    @property
    def town_short(self) -> bool:
        """Only a town's short form: good before an organisation suffix, not on its own."""
        return all(d.level == "town" and not is_full for d, is_full in self.candidates)

    @property
    def town_name(self) -> bool:
        """A town's full name (竹行街道), which reads as an organisation."""
        return any(is_full and d.level == "town" for d, is_full in self.candidates) and self.text.endswith(
            _TOWN_ORG_ENDINGS
        )


def _confirmed_shorts(text: str, matches: list[_RegionMatch]) -> list[_RegionMatch]:
    """Short forms of counties and districts outside Jiangsu (宁远, 黎平) where the document
    confirms them: it names the county's full name, its city or province (宁远县, 永州, 湖南) or
    speaks of the whole county in its own voice (全县, 我县); and the short form is a word of its
    own there (宁远发展, not 健康平稳 or 创新和). Returns ``matches`` with those added."""
    g = gazetteer()
    found: list[tuple[int, int, str]] = []
    taken = [(m.start, m.end) for m in matches]
    for m in g.guarded_seed.finditer(text):
        i = m.start()
        for length in (3, 2):
            short = text[i : i + length]
            if short in g.guarded and not _inside(taken, i, i + length):
                if not found or found[-1][1] <= i:
                    found.append((i, i + length, short))
                break
    if not found:
        return matches
    confirmed: dict[str, tuple[Division, ...]] = {}
    for short in {short for _, _, short in found}:
        ok = tuple(d for d in g.guarded[short] if _confirmed(text, d, g.by_code))
        if ok:
            confirmed[short] = ok
    added = [
        _RegionMatch(s, e, short, tuple((d, False) for d in confirmed[short]))
        for s, e, short in found
        if short in confirmed and not (s > 0 and text[s - 1] in _AMOUNT_ENDS) and _whole_word(text, s, e)
    ]
    return sorted(matches + added, key=lambda r: r.start) if added else matches


#: Characters an amount ends with: a short form right after one is a word of the amount's phrase,
#: no place (逼近300亿元大关: 大关 the threshold, not 大关县).
_AMOUNT_ENDS = frozenset("0123456789０１２３４５６７８９元万亿千百十人次家个项名户")


def _confirmed(text: str, division: Division, by_code: Mapping[str, Division]) -> bool:
    """Whether ``text`` names ``division`` in full, or one of the divisions above it, or uses
    全县/我县/本县 (the level its full name ends with)."""
    names = [division.name]
    parent = by_code.get(division.parent_code)
    for _ in range(_MAX_CHAIN):
        if parent is None:
            break
        names.append(parent.name)
        names.extend(parent.shorts)
        parent = by_code.get(parent.parent_code)
    if any(name in text for name in names):
        return True
    level = division.name[-1]
    return level in "县区市旗" and any(f"{w}{level}" in text for w in "全我本")


_WORD_WINDOW = 6  # characters of context segmented on each side of a short form


def _whole_word(text: str, start: int, end: int) -> bool:
    """Whether the segmenter reads ``text[start:end]`` as one word in its context, and no commoner
    word straddles either of its edges (惠民生: 民生 outweighs 惠民, the county)."""
    frequency = _word_frequency()
    own = frequency(text[start:end])
    for lo, hi in ((start - 1, start + 1), (end - 1, end + 1)):
        if lo >= 0 and hi <= len(text) and frequency(text[lo:hi]) > own:
            return False
    lo = max(0, start - _WORD_WINDOW)
    pos = lo
    for word in _word_cutter()(text[lo : end + _WORD_WINDOW]):
        if pos == start:
            return pos + len(word) == end
        if pos > start:
            return False
        pos += len(word)
    return False


@functools.cache
def _word_frequency() -> Callable[[str], int]:
    from .segment import dictionary_frequency

    return dictionary_frequency()


@functools.cache
def _word_cutter() -> Callable[[str], list[str]]:
    """jieba (a private tokenizer, dictionary words only), loaded on the first guarded short form."""
    from .segment import dictionary_segmenter

    return dictionary_segmenter()


def _region_matches(text: str) -> list[_RegionMatch]:
    """Leftmost-longest gazetteer names in ``text``."""
    g = gazetteer()
    lengths_of = g.lengths_by_bigram.get
    by_text = g.by_text
    out = []
    last = 0
    for m in g.seed.finditer(text):
        i = m.start()
        if i < last:
            continue
        lengths = lengths_of(text[i : i + 2])
        if lengths is None:
            continue
        for length in lengths:
            candidates = by_text.get(text[i : i + length])
            if candidates is not None:
                out.append(_RegionMatch(i, i + length, text[i : i + length], candidates))
                last = i + length
                break
    return out


def _org_start(
    text: str, s: int, suffix: str, floor: int, region_end_at: Mapping[int, _RegionMatch], lex: _OrgLexicon
) -> tuple[int, bool] | None:
    """Where the organisation whose suffix starts at ``s`` begins, and whether it continues the
    organisation that ends at ``floor``; ``None`` when it has no acceptable name."""
    kind = lex.kinds[suffix]
    boundaries = lex.boundaries_by_last_char.get
    i = s
    while True:
        region = region_end_at.get(i)
        if region is not None and i > floor:
            if i == s and len(suffix) == 1 and not region.text.endswith(tuple(_LEVEL_CHARS)):
                return None  # 无锡局: a one-character suffix right after a short form is a word (局面)
            return _chain_start(region, floor, region_end_at), False
        if i <= floor:
            break
        ch = text[i - 1]
        words = boundaries(ch)
        if words and any(text.startswith(w, i - len(w)) for w in words):
            break
        if ch in ")）":  # 亨达(扬州)水务有限公司
            j = max(text.rfind("(", max(floor, i - 8), i - 1), text.rfind("（", max(floor, i - 8), i - 1))
            if j == -1 or not all(_is_name_char(c) for c in text[j + 1 : i - 1]):
                break
            i = j
            continue
        if not _is_name_char(ch):
            break
        i -= 1
        if s - i > _MAX_ORG_BODY:
            return (s, False) if kind == "standalone" else None
    body = text[i:s]
    continues = i == floor and floor > 0 and len(body) <= _MAX_CONTINUATION
    if kind == "standalone":
        return i, continues
    if any(lex.kinds.get(body[-n:], "region") != "region" for n in range(1, min(len(body), lex.longest) + 1)):
        return (i, True) if continues else None  # 该公司工会: the name before 工会 is no name
    if kind == "name" and (len(body) >= 2 or body[:1] in _LEVEL_CHARS):
        return i, continues
    if continues and (kind == "name" or body):
        return i, True  # 江苏省总工会女职工委员会: continues the one before
    return None


_MAX_CHAIN = len(LEVELS)  # 江苏省无锡市江阴市祝塘镇: a province, city, district and town at most


def _chain_start(region: _RegionMatch, floor: int, region_end_at: Mapping[int, _RegionMatch]) -> int:
    """Start of the run of regions that ends with ``region`` (扬州市江都区), not before ``floor``."""
    start = region.start
    for _ in range(_MAX_CHAIN - 1):
        before = region_end_at.get(start)
        if before is None or before.start < floor:
            break
        start = before.start
    return start


def _part_of_title(titles: list[tuple[int, int]], s: int, e: int) -> bool:
    """Whether a title word overlaps ``[s, e)`` without lying inside it: the 委 of 常委 or 委员,
    the 组织部 of 组织部长 are no organisation suffixes (but 委员会 holds 委员)."""
    i = bisect.bisect_left(titles, (e, -1)) - 1  # the last title starting before e
    while i >= 0 and titles[i][1] > s:
        a, b = titles[i]
        if a < s or b > e:
            return True
        i -= 1
    return False


def _mask(n: int, spans: Iterable[tuple[int, int]]) -> bytearray:
    """One byte a character, 1 inside ``spans``: overlap tests become ``mask.find(1, s, e)``."""
    mask = bytearray(n)
    for a, b in spans:
        mask[a:b] = b"\x01" * (b - a)
    return mask


#: Two-character words whose second character an organisation's name must not start with.
_WORDS_ENDING_A_NAME_START = frozenset({"其中", "集中", "当中", "之中", "以及"})


def _orgs(
    text: str, regions: list[_RegionMatch], blocked: list[tuple[int, int]], titles: list[tuple[int, int]]
) -> list[Entity]:
    lex = _orgs_lexicon()
    region_end_at = {r.end: r for r in regions}
    in_region = _mask(len(text), ((r.start, r.end) for r in regions))
    in_blocked = _mask(len(text), blocked)
    blocked_ends = sorted(end for _, end in blocked)
    found: list[tuple[int, int]] = []

    def floor_at(s: int) -> int:
        k = bisect.bisect_right(blocked_ends, s) - 1
        return max(blocked_ends[k] if k >= 0 else 0, found[-1][1] if found else 0)

    region_ends = [r.end for r in regions]  # sorted: the matches do not overlap
    kinds = lex.kinds
    for m in lex.suffix.finditer(text):
        s, e = m.span()
        suffix = m.group()
        if kinds[suffix] == "region":
            k = bisect.bisect_right(region_ends, s)
            near_org = found and found[-1][1] >= s - _MAX_CONTINUATION  # 市总工会女职委
            if not near_org and (k == 0 or region_ends[k - 1] < s - _MAX_ORG_BODY):
                continue  # no region close enough to start the name (以职工为中心): the common case
        if in_region.find(1, s, e) != -1 or in_blocked.find(1, s, e) != -1 or _part_of_title(titles, s, e):
            continue  # 祝塘镇 is a name in the gazetteer; 镇 is no suffix there
        if suffix.endswith("工会") and text[e : e + 1] == "员":
            continue  # 农民工会员: 农民工 + 会员, no 工会
        result = _org_start(text, s, suffix, floor_at(s), region_end_at, lex)
        if result is None:
            continue
        start, continues = result
        if start > 0 and text[start - 1 : start + 1] in _WORDS_ENDING_A_NAME_START:
            start += 1  # 其中省总工会: the 中 belongs to 其中
            if start >= s:
                continue
        if found and continues and found[-1][1] == start and e - found[-1][0] <= _MAX_ORG:
            start = found.pop()[0]
        elif found and start < found[-1][1]:
            continue
        found.append((start, e))
    # A town's full name is an organisation (竹行街道), with the regions before it (江阴市祝塘镇).
    org_ends = [end for _, end in found]  # sorted: the organisations above do not overlap
    towns: list[tuple[int, int]] = []
    for r in regions:
        if not r.town_name or in_blocked.find(1, r.start, r.end) != -1 or _inside(found, r.start, r.end):
            continue
        k = bisect.bisect_right(blocked_ends, r.start) - 1
        j = bisect.bisect_right(org_ends, r.start) - 1
        floor = max(blocked_ends[k] if k >= 0 else 0, org_ends[j] if j >= 0 else 0, towns[-1][1] if towns else 0)
        towns.append((_chain_start(r, floor, region_end_at), r.end))
    found = sorted(found + towns)
    return [Entity(text=text[a:b], start=a, end=b, label=EntityLabel.ORG, normalized=text[a:b]) for a, b in found]


def _regions(regions: list[_RegionMatch], blocked: bytearray) -> list[Entity]:
    out = []
    seen: set[str] = set()
    for r in regions:
        if r.town_short and not r.town_name:
            continue
        division = _choose(r.candidates, seen)
        if division.code:
            seen.update((division.code, division.parent_code))
        if r.town_name or blocked.find(1, r.start, r.end) != -1:
            continue
        out.append(
            Entity(
                text=r.text,
                start=r.start,
                end=r.end,
                label=EntityLabel.REGION,
                normalized=division.name,
                code=division.code or None,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Putting it together


def _match_form(text: str) -> str:
    """The text with full-width digits made ASCII, one to one (offsets stay valid)."""
    return RE_FULLWIDTH_DIGITS.sub(lambda m: m.group().translate(FULLWIDTH_TABLE), text)


def _spans(entities: Iterable[Entity]) -> list[tuple[int, int]]:
    return sorted((e.start, e.end) for e in entities)


def extract_entities(text: str) -> list[Entity]:
    """Find the regions, organisations, people and dates named in ``text``, sorted by start.

    Entities never overlap: a date or a person's name comes first, then organisations (with the
    regions their names start with), then regions. Messy text never raises; it gives fewer entities.

    >>> [(e.text, e.label.value, e.normalized) for e in extract_entities("2023年4月6日，无锡举办")]
    [('2023年4月6日', 'date', '2023-04-06'), ('无锡', 'region', '无锡市')]
    >>> [(e.text, e.role) for e in extract_entities("市总工会党组书记吴涛表示") if e.label == "person"]
    [('吴涛', '市总工会党组书记')]
    >>> extract_entities("")
    []
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}; decode bytes before extracting")
    if not text:
        return []
    dates = _dates(text, _match_form(text))
    persons, titles = _persons(text, _spans(dates))
    matches = _confirmed_shorts(text, _region_matches(text))
    orgs = _orgs(text, matches, _spans(dates + persons), titles)
    regions = _regions(matches, _mask(len(text), _spans(dates + persons + orgs)))
    out: list[Entity] = []
    last = -1
    for entity in sorted(dates + persons + orgs + regions, key=lambda e: (e.start, -e.end)):
        if entity.start >= last:  # a safety net: the stages above keep out of each other's spans
            out.append(entity)
            last = entity.end
    return out
