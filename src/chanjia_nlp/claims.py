"""Claim binding: which quantities report a measured fact, and about what, whom and when.

For each quantity this decides (ANNOTATION.md §2):

- whether it is a claim at all (``处理好四个方面的关系``, ``14栋厂房``, thresholds such as
  ``职工200人以上的企业`` are mentions, not claims);
- the indicator it counts, from the aliases in ``lexicons/indicators.yaml``: the alias closest
  before the figure in its enumeration item, else in its clause, else right after it
  (``给予81人次春蕾儿童帮助``), restricted to indicators whose kinds fit the figure;
- ``indicator_text``, ``level`` (省级试点单位 → provincial), ``subject`` (the region or
  organisation named in the sentence, else the paragraph, else the article's headline or lead),
  ``period`` (explicit years; 今年, 去年, 截至今年2月, 目前 resolved against the publication date),
  ``scope`` (increment, cumulative, as_of, annual) and ``parent`` (the total of a 其中 breakdown).

Everything here is a pure function of the text, its quantities, entities and structure.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from . import _lexicon
from .errors import LexiconError
from .records import Claim, Entity, EntityLabel, Kind, Quantity
from .numbers import to_halfwidth
from .structure import Structure

__all__ = ["bind_claims", "indicator_ids"]

_CLAUSE_BREAK = "，,；;：:。！？!?\n"
_RIGHT_NOUN_START = 3  # a counted noun starts this close after its figure: 4个党委, 两版《…》

RE_NOT_CLAIM_AFTER = re.compile(
    r"""
    ^(?:的)?(?:方面|关系|产业集群|举措|环节|领域|维度|步骤|原则|板块|方向|条例|层次|重点)  # 四个方面的关系
    """,
    re.VERBOSE,
)
RE_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年(?:度)?(?:([0-9]{1,2})\s*月)?(?!以来|来)")
RE_RELATIVE_PERIOD = re.compile(
    r"""
    (?=[截目现至今去本当上下一二三四前全年0-9])               # (a fast skip to the words' first characters)
    (?:
    (?P<month_now>截至目前|截止目前|目前|现有|现今|至今)   # a stock now: the publication year-month
    | (?:截[至止])?(?P<which>今年|去年)?                       # 截至今年2月, 今年3月, 截至6月底, 5月份
      (?<![0-9月日\-—~到])(?<![^今去]年)(?<![^截止]至)(?P<month>[0-9]{1,2})月份?  # (not 2023年5月, 1至5月)
    | (?P<this>今年|本年|当年|上半年|下半年|[一二三四]季度|前三季度)  # this year (or part of it)
    | (?P<year_part>全年|年内|年底|年末)                         # the year in question: stated, or the report's
    | (?<![比较送带寄捎])(?P<last>去年|上年|上一年)(?!同期|货)   # last year (not 比上年, 较去年: a comparison;
                                                               #   not 送去年货: 去 + 年货)
    )
    """,
    re.VERBOSE,
)
RE_QIZHONG = re.compile("其中")
RE_TITLE = re.compile("《[^《》\n]*》")
RE_FULL_DATE = re.compile(r"(?:19|20)[0-9]{2}\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日")

_LEVELS = (
    ("national", ("全国", "国家级")),
    ("provincial", ("省级", "全省", "省")),
    ("city", ("市级", "地市级", "市")),
    ("district", ("区级", "县级", "市(县)区级", "县(市、区)级", "区县级", "市(县)区", "区", "县")),
    ("town", ("乡镇街道级", "乡镇级", "街道级", "镇级", "镇(街道)", "乡镇")),
    ("park", ("园区级",)),
    ("enterprise", ("企业级", "公司级", "厂级")),
)
_ONE_CHAR_LEVEL_NEXT = ("劳动模范", "劳模", "五一", "工人先锋号", "党代表", "人大代表", "政协委员", "工匠", "技能大师")
_RANK_LEVELS = (("national", "全国"), ("provincial", "全省"), ("city", "全市"), ("district", "全区"), ("district", "全县"))

_SCOPES = (
    ("increment", ("新增", "新建", "新设", "新开工", "新培育", "新发展", "新认定", "新评", "新吸纳", "新吸收", "新引进", "新确定", "新成立", "新组建", "新招", "新结", "新选树", "命名", "授牌", "比上年", "较上年", "比去年", "比上届", "较上届", "同比")),
    ("cumulative", ("累计", "以来", "近年来", "年来", "先后", "历年")),
    ("as_of", ("截至", "截止", "目前", "现有", "现今", "已有", "在册", "在档", "年末", "年底")),
    ("as_of", ("总数", "总量", "拥有量", "余额")),  # stock nouns: they govern their own clause only
    ("annual", ("全年", "每年", "年度", "今年", "去年", "当年", "本年")),
)
@functools.cache
def _scope_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (scope, re.compile("|".join(_SCOPE_WORD_PATTERNS.get(w, re.escape(w)) for w in words)))
        for scope, words in _SCOPES
    )


_SCOPE_WORD_PATTERNS = {
    # Naming a batch is an addition, but 累计命名 (named so far, in all) is a running total.
    "命名": "(?<!累计)(?<!先后)命名",
    "授牌": "(?<!累计)(?<!先后)授牌",
    "去年": "(?<![送带寄捎])去年(?!货)",  # 送去年货 is 送去 + 年货
}


RE_NEAR_YEARS = re.compile(r"[近这][一二两三四五六七八九十0-9]+年|[一二两三四五六七八九十0-9]+年多?(?:来|内)")  # 这两年, 两年内, 一年多来
RE_TIME_SPAN = re.compile(
    r"(?=[近这连以多一二两三四五六七八九十0-9])"  # (a fast skip to the spans' first characters)
    r"(?:[近这][一二两三四五六七八九十0-9]+年|连续[一二两三四五六七八九十0-9]+年|[一二两三四五六七八九十0-9]+年多?(?:来|内)|(?<!今年)以来|近年来|多年来"
    r"|(?:19|20)[0-9]{2}\s*[—–\-~至到]\s*(?:19|20)[0-9]{2}年"
    r"|(?:19|20)[0-9]{2}年?\s*[、和及与]\s*(?:19|20)[0-9]{2}年)"
)  # 今年以来 stays within this year; 2022—2024年 is a span, and so are 2021年、2022年 (两版)

_KIND_GROUPS = {
    Kind.COUNT: "count",
    Kind.MONEY: "money",
    Kind.PERCENT: "percent",
    Kind.PERCENTAGE_POINT: "percent",
    Kind.RATIO: "percent",
    Kind.SCORE: "score",
    Kind.RANK: "rank",
    Kind.AREA: "count",
    Kind.DURATION: "count",
    Kind.OTHER: "count",
}


@dataclass(frozen=True, slots=True)
class _Alias:
    text: str
    indicator: str
    kinds: frozenset[str]
    units: frozenset[str] | None
    count_units: frozenset[str] | None = None  # the id counts people: a count needs one of these


@dataclass(frozen=True, slots=True)
class _Lexicon:
    pattern: re.Pattern[str]
    first_chars: frozenset[str]
    aliases: dict[str, tuple[_Alias, ...]]
    coverage: dict[str, str]
    kinds_of: dict[str, frozenset[str]]
    cues: tuple[tuple[str, str, frozenset[str], frozenset[str] | None], ...]
    cue_pattern: re.Pattern[str]
    ids: tuple[str, ...]


@functools.cache
def _indicator_lexicon() -> _Lexicon:
    """Load ``lexicons/indicators.yaml`` into one alias pattern (longest first) and cue lists."""
    import yaml

    path = _lexicon.lexicon_path("indicators.yaml")
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases: dict[str, list[_Alias]] = {}
    cues: list[tuple[str, str, frozenset[str], frozenset[str] | None]] = []
    coverage: dict[str, str] = {}
    kinds_of: dict[str, frozenset[str]] = {}
    ids = []
    for n, entry in enumerate(entries, 1):
        try:
            ident, kinds = entry["id"], frozenset(entry["kinds"])
        except (KeyError, TypeError):
            raise LexiconError("indicators.yaml", n, "each entry needs an id and kinds") from None
        ids.append(ident)
        own_units = frozenset(entry.get("units") or ()) or None  # ids that count people
        for alias in entry.get("aliases") or ():
            text, units = (alias, None) if isinstance(alias, str) else (alias["text"], frozenset(alias.get("units") or ()) or None)
            aliases.setdefault(text, []).append(_Alias(text, ident, kinds, units, own_units))
        for cue in entry.get("cues") or ():
            cues.append((cue, ident, kinds, own_units))
        coverage[ident] = entry.get("coverage") or ident
        kinds_of[ident] = kinds
    words = sorted(aliases, key=len, reverse=True)
    pattern = re.compile(_lexicon.literal_regex(words, searched=True))
    cues.sort(key=lambda c: -len(c[0]))
    cue_pattern = re.compile(_lexicon.literal_regex((c[0] for c in cues), searched=True))
    return _Lexicon(
        pattern, frozenset(w[0] for w in words), {k: tuple(v) for k, v in aliases.items()},
        coverage, kinds_of, tuple(cues), cue_pattern, tuple(ids),
    )


def indicator_ids() -> tuple[str, ...]:
    """The indicator ids of ``lexicons/indicators.yaml``, in its order."""
    return _indicator_lexicon().ids


@functools.cache
def indicator_names() -> dict[str, str]:
    """``name_zh`` of every indicator id (``pilot_units`` → ``产改试点单位``…), in lexicon order."""
    import yaml

    entries = yaml.safe_load(_lexicon.lexicon_path("indicators.yaml").read_text(encoding="utf-8")) or []
    return {e["id"]: str(e.get("name_zh") or "") for e in entries if isinstance(e, dict) and "id" in e}


def indicator_aliases() -> dict[str, tuple[tuple[str, frozenset[str], frozenset[str] | None], ...]]:
    """Every alias of the indicator lexicon: alias text → ``(indicator id, kinds, units or None)``
    for each indicator it names (one text may name several, told apart by kind or unit)."""
    return {
        text: tuple((a.indicator, a.kinds, a.units) for a in aliases)
        for text, aliases in _indicator_lexicon().aliases.items()
    }


def level_of(text: str) -> str | None:
    """The level a short text states, by the binder's rules: ``省级`` → ``provincial``,
    ``国家级试点单位`` → ``national``; ``None`` when it states none."""
    return _level(text, 0, len(text), 0) if text else None


def scope_of(text: str) -> str | None:
    """The scope a short text states, by the binder's rules: ``新增`` → ``increment``,
    ``累计`` → ``cumulative``, ``截至`` → ``as_of``, ``全年`` → ``annual``; else ``None``."""
    return _scope(text, text, None) if text else None


def _fits(alias: _Alias, q: Quantity) -> bool:
    group = _KIND_GROUPS[q.kind]
    if group in ("score", "rank"):
        kind_ok = bool(alias.kinds & {"score", "rank"})
    else:
        kind_ok = group in alias.kinds
    if alias.count_units is not None and q.kind is Kind.COUNT and q.unit is not None and q.unit not in alias.count_units:
        return False  # 包车84辆次接送职工: vehicles, not people
    return kind_ok and (alias.units is None or q.unit in alias.units)


@dataclass(frozen=True, slots=True)
class _Occurrences:
    """Every alias occurrence of one text, overlapping ones included, sorted by start."""

    starts: list[int]
    spans: list[tuple[int, int, str]]


def _occurrences(
    text: str, windows: Sequence[tuple[int, int]], orgs: Sequence[tuple[int, int]] = ()
) -> _Occurrences:
    """Find aliases once per text, in the clauses around figures (``windows``): one
    leftmost-longest pass, then the positions inside each match, so that 专职工会副主席 yields
    工会副主席 as well as 职工. The type word that ends a named organisation (the 工会 of
    陈埭镇总工会) names who acts, not what is counted: it is no alias there."""
    lex = _indicator_lexicon()
    pattern, first_chars = lex.pattern, lex.first_chars
    spans = []
    merged: list[list[int]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    matches = (m for a, b in merged for m in pattern.finditer(text, a, b))
    for m in matches:
        spans.append((m.start(), m.end(), m.group()))
        for inner in range(m.start() + 1, m.end()):
            if text[inner] not in first_chars:
                continue
            n = pattern.match(text, inner)
            if n is not None:
                spans.append((inner, n.end(), n.group()))
    if orgs:
        ends = {end: start for start, end in orgs}
        spans = [span for span in spans if not (span[1] in ends and ends[span[1]] < span[0])]
    spans.sort()
    return _Occurrences([span[0] for span in spans], spans)


def _fitting(occ: _Occurrences, q: Quantity, start: int, end: int) -> list[tuple[_Alias, int, int]]:
    """Every alias within ``[start, end)`` whose indicator fits ``q``, in text order; a match
    inside a longer fitting one is dropped, so the most specific alias stands."""
    aliases = _indicator_lexicon().aliases
    found = []
    for i in range(bisect.bisect_left(occ.starts, start), bisect.bisect_left(occ.starts, end)):
        a, b, word = occ.spans[i]
        if b > end:
            continue
        for alias in aliases[word]:
            if _fits(alias, q):
                found.append((alias, a, b))
                break
    return [c for c in found if not any(o is not c and o[1] <= c[1] and c[2] <= o[2] for o in found)]


@functools.cache
def _generic_heads() -> frozenset[str]:
    return frozenset(_lexicon.word_list("generic_heads.txt"))


def _strong(candidate) -> bool:
    """Whether an alias names the indicator itself, not just who is counted (``职工``)."""
    return candidate[0].text not in _generic_heads()


def _choose_indicator(text: str, occ: _Occurrences, q: Quantity, item_start: int, clause_start: int, clause_end: int):
    """The (alias, start, end) naming what ``q`` counts, or ``None``.

    Candidates: the noun right after the figure (``4个党委``, ``1名产改联络员``), the aliases
    before it in its enumeration item, then its clause (``省级试点单位25家``), and the aliases
    later in its clause (``给予81人次春蕾儿童帮助``). Specific aliases beat the generic heads of
    ``lexicons/generic_heads.txt`` (``职工``, ``企业``); among equals the noun right after the
    figure wins, then the closest alias before it, then the first one after it.
    """
    # A classifier that is itself an alias names the counted thing: 两版《…指南》 counts documents.
    unit_start = q.end - len(q.unit) if q.unit else q.end
    if q.unit and text[unit_start : q.end] == q.unit:
        own = _fitting(occ, q, unit_start, q.end)
        if own and own[0][2] == q.end and own[0][1] == unit_start:
            return own[0]
    after = _fitting(occ, q, q.end, clause_end)
    right = [c for c in after if c[1] < q.end + _RIGHT_NOUN_START]
    later = [c for c in after if c[1] >= q.end + _RIGHT_NOUN_START]
    # Its enumeration item first, else its clause. When the item names only a generic head, a
    # verb alias bound to the figure's unit earlier in the clause still counts (走访慰问困难职工、
    # 一线职工1.3万人次: 慰问 with 人次, not 一线职工).
    left = _fitting(occ, q, item_start, q.start)
    if not left:
        left = _fitting(occ, q, clause_start, item_start)
    elif not any(_strong(c) for c in left):
        left = [c for c in _fitting(occ, q, clause_start, item_start) if c[0].units] + left
    if right and not _strong(right[0]):
        # 为1.5万名职工提供免费体检: after a generic noun the predicate names the indicator.
        ordered = right[:1] + later + left[::-1]
    else:
        ordered = right[:1] + left[::-1] + later
    if left and not right and not _strong(left[-1]) and q.start - left[-1][2] <= 1:
        # 园区企业共有员工3.8万余名: the people noun right before the figure is what is counted;
        # a name before 共有/拥有/现有 is who has them.
        having = RE_HAVING.search(text, item_start, left[-1][1])
        if having is not None and not any(_strong(c) and c[1] > having.end() for c in left):
            return left[-1]
    for candidate in ordered:
        if _strong(candidate):
            return candidate
    return ordered[0] if ordered else None


RE_HAVING = re.compile("共有|拥有|现有|聚集|集聚")


def _without_org_names(text: str, start: int, end: int, orgs: Sequence[tuple[int, int]]) -> str:
    """``text[start:end]`` with the named organisations in it blanked: the 工会 of 陈埭镇总工会
    is who acts, no cue for what is counted."""
    clause = text[start:end]
    for a, b in orgs:
        if a < end and b > start:
            a, b = max(a, start), min(b, end)
            clause = clause[: a - start] + " " * (b - a) + clause[b - start :]
    return clause


def _cue_indicator(context: str, q: Quantity) -> str | None:
    """The indicator of the longest cue word in ``context`` whose kinds fit ``q``."""
    lex = _indicator_lexicon()
    present = {m.group() for m in lex.cue_pattern.finditer(context)}
    if not present:
        return None
    group = _KIND_GROUPS[q.kind]
    for cue, ident, kinds, units in lex.cues:
        if cue not in present:
            continue
        if units is not None and q.kind is Kind.COUNT and q.unit is not None and q.unit not in units:
            continue  # 包车84辆次: no people count
        if group in kinds or (group in ("score", "rank") and kinds & {"score", "rank"}):
            return ident
    return None


@functools.cache
def _level_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    words = {word: level for level, ws in _LEVELS for word in ws}
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))), words


def _level(text: str, start: int, end: int, floor: int) -> str | None:
    """The level stated in or just before the counted thing: 省级试点单位 → provincial,
    产改全国项目试点单位 → national, 江苏省五一劳动奖状 → provincial. The level word ending
    closest to the counted thing wins (the longer of two ending at the same place: 园区级, not 区级);
    a one-character 省/市/区 counts only right before a title (省劳动模范, 区人大代表)."""
    window = to_halfwidth(text[max(floor, start - 12) : end])
    pattern, words = _level_pattern()
    best: tuple[int, int, str] | None = None
    for i in range(len(window)):
        m = pattern.match(window, i)
        if m is None:
            continue
        word = m.group()
        if len(word) == 1 and not window.startswith(_ONE_CHAR_LEVEL_NEXT, m.end()):
            continue
        key = (m.end(), len(word), words[word])
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def _rank_level(text: str, q: Quantity, floor: int) -> str | None:
    """全市第二, 全省设区市…第一: the field a rank was earned in."""
    before = text[max(floor, q.start - 16) : q.start]
    found = [(before.rfind(word), level) for level, word in _RANK_LEVELS if word in before]
    return max(found)[1] if found else None


def _period_marks(sentence: str) -> tuple[list, list, list]:
    """The period words of a governing sentence (half-width), found once for all its figures:
    stated years, relative words and spans, each with where it ends."""
    if "《" in sentence:  # 《…（2022—2024年）》 dates no figure
        sentence = RE_TITLE.sub(lambda m: " " * len(m.group()), sentence)
    years = [
        (m.end(), m.start(), m.group(1) + (f"-{int(m.group(2)):02d}" if m.group(2) else ""))
        for m in RE_YEAR.finditer(sentence)
    ]
    relatives = [(m.end(), m.start(), m) for m in RE_RELATIVE_PERIOD.finditer(sentence)]
    spans = [m.end() for m in RE_TIME_SPAN.finditer(sentence)]
    return years, relatives, spans


def _period(
    marks: tuple[list, list, list], cut: int, published: date | None, paragraph_lead: str,
    report_year: str | None = None,
) -> tuple[str | None, str | None]:
    """The period of a figure and the word that fixed it, from the words of its sentence before
    it (``marks`` of the sentence, ``cut`` = where the figure starts in it).

    Relative words resolve against the report's own year when its headline states one (in
    ``惠山区2022年度工作总结``, published in 2023, 上年 is 2021), else against the publication
    date. Words of a moment (目前, 现有) need the publication month. 全年, 年底 take the year the
    sentence states before them, else the report's year."""
    years, relatives, span_ends = marks
    found: tuple[int, str | None, str] | None = None  # (position, period, word)
    for end, start, period in years:
        if end > cut:
            break
        found = (start, period, "year")
    year = int(report_year) if report_year else (published.year if published else None)
    for end, start, m in relatives:
        if end > cut:
            break
        if found is not None and found[0] > start:
            continue
        if m.group("month") and not 1 <= int(m.group("month")) <= 12:
            continue
        if m.group("year_part") and found is not None and found[2] == "year":
            continue  # 2022年全年: the year stated
        if m.group("month_now"):
            now = f"{published.year}-{published.month:02d}" if published is not None else None
            found = (start, now, "now" if now else "relative")
        elif year is None:
            if found is None or found[1] is None:  # nothing to resolve against
                found = (start, None, "relative")
        elif m.group("month"):
            month = int(m.group("month"))
            # 去年3月; a bare 12月 in a report published in March means the December before it.
            late = m.group("which") is None and published is not None and not report_year and month > published.month
            found = (start, f"{year - (m.group('which') == '去年' or late)}-{month:02d}", "month")
        elif m.group("this") or m.group("year_part"):
            found = (start, str(year), "this")
        else:
            found = (start, str(year - 1), "last")
    spans = [end for end in span_ends if end <= cut]
    if spans and (found is None or spans[-1] > found[0]):
        return None, "span"  # 近三年累计, 连续三年, 2019年以来: a span fixes no single period
    if found is None:
        m = RE_YEAR.match(paragraph_lead.lstrip())
        if m:  # 2022年，全区…: the year at the head of the paragraph carries over
            return m.group(1), "year"
        return None, None
    return found[1], found[2]


def _headline_year(text: str, article) -> tuple[str | None, str | None]:
    """The one year an article's headline states (惠山区总工会2022年度工作总结): it dates the
    article's figures that fix no period of their own."""
    # ``text`` is half-width (２０２２年度 reads as 2022年度); a full date under the title
    # ((2023年1月18日)) is when it was issued.
    headline = RE_FULL_DATE.sub("", text[article.headline_start : article.headline_end])
    years = {m.group(1) for m in RE_YEAR.finditer(headline)}
    if len(years) == 1 and not RE_TIME_SPAN.search(headline):
        return years.pop(), "headline"
    return None, None


def _scope(governing: str, clause: str, period_word: str | None) -> str | None:
    """The first scope rule that applies (ANNOTATION.md §2), in the figure's own clause first and
    then in the words that govern it from earlier clauses of its sentence: a new addition (新增)
    governs only its own clause; running totals (累计, 近年来), stocks (截至, 目前) and years
    (全年) govern the sentence, but a stock noun or year word of the figure's own clause
    (…，试点企业职工总数近4.6万人; 目前…，全年收集提案47件) is nearer than those."""
    patterns = _scope_patterns()
    for n, (scope, pattern) in enumerate(patterns):
        if (scope == "cumulative" and RE_NEAR_YEARS.search(clause)) or pattern.search(clause):
            return scope
        if n == 0 and "月" in clause and RE_MONTHS_SPAN.search(clause):
            break  # 1至6月: a flow within the year, below
    else:
        for n, (scope, pattern) in enumerate(patterns[:3]):
            if n == 0:
                continue  # an addition governs its own clause only
            if (scope == "cumulative" and RE_NEAR_YEARS.search(governing)) or pattern.search(governing):
                return scope
    if period_word in ("year", "this", "last", "month") or patterns[4][1].search(governing) or ("月" in governing and RE_MONTHS_SPAN.search(governing)):
        return "annual"
    if period_word in ("now",):
        return "as_of"
    return None


RE_MONTHS_SPAN = re.compile(r"[0-9一二三四五六七八九十]{1,2}\s*[至到\-—~]\s*[0-9一二三四五六七八九十]{1,2}\s*月")  # 1至6月


def _is_claim(text: str, q: Quantity) -> bool:
    """Whether a mention reports a measured fact rather than structuring the text."""
    after = text[q.end : q.end + 6]
    if q.unit in ("栋", "层", "幢"):
        return False  # 14栋厂房、1栋10层: a description of buildings
    if q.text.endswith("大") and q.unit is None and q.kind is Kind.COUNT:
        return False  # 六大举措, 四大产业集群
    if RE_NOT_CLAIM_AFTER.match(after):
        return False  # 四个方面的关系
    if after.startswith("的") and q.qualifier.value in ("at_least", "more_than") and q.kind is not Kind.MONEY:
        return False  # 职工200人以上的企业: a threshold
    if q.text.endswith(("以上", "以下")) and "\u4e00" <= after[:1] <= "\u9fff":
        return False  # 10人以上集体劳动争议: a bound that classifies the noun after it
    if after.startswith("的") and q.kind is Kind.MONEY and q.qualifier.value == "more_than":
        return False  # 总投资超亿美元的重大项目
    return True


@functools.cache
def _generic_orgs() -> frozenset[str]:
    return frozenset(_lexicon.word_list("generic_orgs.txt"))


@functools.cache
def _topic_stop_pattern() -> re.Pattern[str]:
    return re.compile(_lexicon.literal_regex(_lexicon.word_list("topic_stops.txt"), searched=True))


_LEVEL_CHARS = "省市区县镇乡"
_NOT_A_TOPIC_START = "全各该本积持深进推加不更要大坚围着精常认努切通依在为与对把将由从和及其共已委年每我"
RE_LEADING_TIME = re.compile(
    r"\s*(?:(?:19|20)[0-9]{2}年(?:[0-9]{1,2}月)?|今年|去年|目前|截至目前|近年来|[上下]半年|[一二三四]季度|[^，,。]{0,8}期间)[，,]?"
)
_NOT_A_NAME_START = "共开资招为与在把将由向对从和及各该本全其"


#: Topic stops that are nouns, not verbs: they stand in names (无锡市职工服务中心).
_NOUNS_AMONG_STOPS = frozenset({"职工", "员工"})


def _named(e: Entity) -> bool:
    """Whether an entity names someone in particular (惠山区, 中天科技集团), not a kind of body
    (区总工会, 人社局) or a span cut from a verb phrase (开办工会)."""
    if e.label is EntityLabel.REGION:
        return True
    text = e.text
    if text[0] in _NOT_A_NAME_START:
        return False
    if e.label is EntityLabel.ORG and any(
        len(stop) > 1 and stop not in _NOUNS_AMONG_STOPS for stop in _topic_stop_pattern().findall(text)
    ):
        return False  # 率先实现县级工匠学院: a verb phrase cut off at a suffix, not a name
    bare = text[1:] if text[0] in _LEVEL_CHARS else text
    if bare.startswith("委") and len(bare) > 2:
        bare = bare[1:]  # 区委组织部, 区委编办: a department of the party committee
    return bare not in _generic_orgs() and text not in _generic_orgs()


_MEASURE_ENDINGS = ("率", "比例", "占比", "总数", "人数", "数量", "总量", "金额", "总额")


def _topic(text: str, start: int, end: int) -> str | None:
    """The name-like topic at the head of a sentence: the words before its first verb or time
    word, after a leading time phrase (2023年，) — 华澄重工设立… → 华澄重工. Adverbs and
    quantifiers (全区, 持续, 深入) are no topic."""
    head = text[start:end]
    m = RE_LEADING_TIME.match(head)
    if m:
        head = head[m.end() :]
    offset = end - len(head)
    stop = _topic_stop_pattern().search(head)
    if stop is None or not 3 <= stop.start() <= 8:
        return None
    topic = head[: stop.start()]
    if topic[0] in _NOT_A_TOPIC_START or not all("\u4e00" <= c <= "\u9fff" for c in topic) or "的" in topic:
        return None
    if _indicator_lexicon().pattern.search(topic) or topic.endswith(tuple(_generic_orgs())):
        return None  # 试点企业覆盖, 考核细则, 联席会议: the counted thing or a bare body, not a name
    if topic.endswith(_MEASURE_ENDINGS):
        return None  # 徒弟出师率: a measure, not who it is about
    return text[offset : offset + len(topic)]


RE_MASTHEAD_AFTER = re.compile("日报|晚报|工人报|新闻网|电视台|融媒体")
#: A body named by its level alone at the head of a clause (县总工会, 区产改办): a named one of the
#: report with the same ending is meant.
RE_LEVEL_BODY = re.compile(r"(?=[省市县区镇])(?<![^，,；;。：:\n])[省市县区镇](?:总工会|产改办|产改联席会议|人社局|财政)")
RE_WHOLE_AREA = re.compile(r"(?=全)(?<![^，,；;：:。\n\s])全(省|市|县|区|镇|街道)")  # at a clause's head
RE_PARTNER_BEFORE = re.compile("(?:联合|会同|携手|协同|联手)[^，。；,;]{0,12}$")


def _clause_heads(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with a leading time phrase of each clause dropped (2023年，全省…)."""
    head = text[start:end]
    m = RE_LEADING_TIME.match(head)
    return head[m.end() :] if m else head


def _partner(text: str, e: Entity, sentence_start: int) -> bool:
    """工会工委联合区人社局、许昌职业技术学院举办…: a partner of the work, not who it is about."""
    return RE_PARTNER_BEFORE.search(text, max(sentence_start, e.start - 14), e.start) is not None


def _subject(
    text: str,
    entities: Sequence[Entity],
    starts: Sequence[int],
    structure: Structure,
    q: Quantity,
    sentence: tuple[int, int],
    counted: tuple[int, int] | None,
    clause_start: int,
) -> str | None:
    """The region or organisation a figure is about (``entities``: the named regions and
    organisations of the text, sorted, with their ``starts``): named in its sentence before it,
    else in its paragraph, else the topic at the head of its clause or sentence, else the
    article's headline or lead. A name inside the counted thing (省级工匠学院12所) is not its
    subject."""

    def between(lo: int, hi: int) -> list[Entity]:
        found = entities[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]
        if counted is None:
            return found
        return [e for e in found if not (e.start < counted[1] and counted[0] < e.end)]

    in_sentence = [e for e in between(sentence[0], q.start) if e.end <= q.start and not _partner(text, e, sentence[0])]
    if in_sentence:
        return in_sentence[-1].text
    generic = RE_LEVEL_BODY.search(text, sentence[0], q.start)
    if generic is not None:
        # 县总工会推行…: the county's federation, named elsewhere in the report (新昌县总工会)
        body = generic.group()
        article = structure.article_at(q.start)
        for e in between(article.start, article.end):
            if e.label is EntityLabel.ORG and e.text.endswith(body) and len(e.text) > len(body):
                return e.text
    whole = [m for m in RE_WHOLE_AREA.finditer(_clause_heads(text, sentence[0], q.start))]
    if whole:
        # 全省新增…46家: the whole province the report is about, named at its head (陕西省总工会…)
        level = whole[-1].group(1)
        article = structure.article_at(q.start)
        for e in between(article.headline_start, article.headline_end) + between(article.start, q.start):
            cut = e.text.find(level)  # 陕西省, or the 鞍山市 of 鞍山市总工会
            if cut >= 1 and e.text[: cut + len(level)] not in _generic_orgs():
                return e.text[: cut + len(level)]
    paragraph = structure.paragraph_at(q.start)
    if paragraph is not None:
        in_paragraph = between(paragraph.start, q.start)
        if in_paragraph:
            return in_paragraph[0].text
    topic = _topic(text, clause_start, q.start) or _topic(text, sentence[0], q.start)
    if topic is not None:
        return topic
    article = structure.article_at(q.start)
    headline = between(article.headline_start, article.headline_end)
    if headline:
        return headline[0].text
    lead = between(article.start, q.start)
    return lead[0].text if lead else None


def _indicator_text(text: str, q: Quantity, item_start: int, match) -> str | None:
    if match is not None:
        _, start, end = match
        return text[start:end]
    words = text[item_start : q.start].strip(" \t\u3000共达计为有")
    return words[-12:] or None


def bind_claims(
    text: str,
    quantities: Sequence[Quantity],
    *,
    entities: Sequence[Entity],
    structure: Structure,
    published: date | None = None,
) -> list[Quantity | Claim]:
    """Bind each quantity: a :class:`Claim` when it reports a fact, else the quantity itself.

    Enumerations share their head and period (``省级试点单位25家、市级试点单位67家``), and the
    parts of a ``其中`` breakdown get ``parent`` = the start offset of their total.
    """
    out: list[Quantity | Claim] = []
    previous: Claim | None = None
    claims_at: dict[int, Claim] = {}
    last_in_paragraph: dict[str | None, Claim] = {}
    named = sorted(
        (
            e for e in entities
            if e.label in (EntityLabel.REGION, EntityLabel.ORG) and _named(e)
            and text[e.end : e.end + 1] != "级"  # 绍兴市级26家: a level, not who
            and not RE_MASTHEAD_AFTER.match(text, e.end)  # 绍兴日报: the paper, not the story
        ),
        key=lambda e: e.start,
    )
    named_starts = [e.start for e in named]
    geometry = _geometry(text, quantities, structure)
    orgs = [(e.start, e.end) for e in named if e.label is EntityLabel.ORG]
    half = to_halfwidth(text)  # one to one: ２０２２年 reads as 2022年 at the same offsets
    headline_years: dict[int, tuple[str | None, str | None]] = {}
    period_marks: dict[tuple[int, int], tuple[list, list, list]] = {}  # by governing sentence
    occ = _occurrences(text, [(g[1], g[3]) for g in geometry], orgs)
    parent_of: dict[int, int] = _qizhong_parents(text, quantities, structure)
    for q, (sentence, clause_start, item_start, clause_end) in zip(quantities, geometry):
        if not _is_claim(text, q):
            out.append(q)
            continue
        match = _choose_indicator(text, occ, q, item_start, clause_start, clause_end)
        parent = parent_of.get(q.start)
        total = claims_at.get(parent) if parent is not None else None
        if total is None:
            parent = None  # 六大其中…: a total that is no claim has no parts to check
        if total is not None:
            indicator = total.indicator  # 在册试点单位140家，其中民营企业103家: a part of its total
        elif (base := _compared(text, q, clause_start, sentence, previous)) is not None:
            indicator = base.indicator  # 培训4.2万人次，比上年增长12.6%
        elif (base := _share_after_qizhong(text, q, clause_start, sentence, previous)) is not None:
            indicator = base.indicator  # 参训职工3900余人，其中新生代产业工人占比超过六成
        elif (became := _what_people_became(text, q, clause_end)) is not None:
            indicator = became  # 17名选手晋升技师, 326名选手获评市级技术能手
        elif match is not None and _strong(match):
            indicator = match[0].indicator
        elif (base := _share_of(text, q, clause_start, last_in_paragraph)) is not None:
            indicator = base.indicator  # 参训职工3900余人，其中新生代产业工人占比超过六成
        elif _continues(text, previous, q, sentence):
            indicator = previous.indicator  # 新建服务站210个，总数达到1460个
        else:  # only a generic head (职工) or nothing: cue words, the generic head, the paragraph
            clause = _without_org_names(text, clause_start, clause_end, orgs)
            indicator = _cue_indicator(clause, q) or (match[0].indicator if match else "other")
            topic = last_in_paragraph.get(_measure(q))
            if indicator == "other" and topic is not None and _same_paragraph(topic, q, structure):
                indicator = topic.indicator  # a paragraph keeps to its topic: 已办结661件 after 诉求件673件
        if q.kind is Kind.RANK and indicator == "other":
            indicator = "assessment_results"  # a placing reports an assessment (ANNOTATION.md §1)
        covered = _covered_by(text, q, clause_start, previous, sentence)
        if covered is not None and (match is None or not _strong(match) or match[0].indicator in _REACH_INDICATORS):
            indicator = covered
        paragraph = structure.paragraph_at(q.start)
        # Only the paragraph's head is read (2022年，全区…), so only the head is sliced.
        lead = half[paragraph.start : min(paragraph.end, paragraph.start + 40)] if paragraph is not None else ""
        # 目前，…近千名；…33家: words before a ； still govern the figures after it.
        governing_start = sentence[0]
        while governing_start > 0 and text[governing_start - 1] in "；;":
            governing_start = structure.sentence_at(governing_start - 1, governing_start - 1)[0]
        article = structure.article_at(q.start)
        if article.start not in headline_years:
            headline_years[article.start] = _headline_year(half, article)
        report_year, report_word = headline_years[article.start]
        key = (governing_start, sentence[1])
        if key not in period_marks:
            period_marks[key] = _period_marks(half[governing_start : sentence[1]])
        period, period_word = _period(period_marks[key], q.start - governing_start, published, lead, report_year)
        if period is None and period_word is None:
            period, period_word = report_year, report_word
        governing = text[governing_start : q.start]
        scope = _scope(governing, text[_enumeration_start(text, previous, clause_start, q.start) : q.start], period_word)
        if q.kind is Kind.RANK and not (scope == "annual" and period is not None):
            scope = None  # a placing is a result: of a stated year's assessment at most (2023年度考核…第一)
        if total is not None:  # 新建24家，其中省级5家: the parts share the total's scope and period
            scope = total.scope
            period = period or total.period
        out.append(
            Claim(
                quantity=q,
                indicator=indicator,
                indicator_text=_indicator_text(text, q, item_start, match),
                subject=_subject(
                    text, named, named_starts, structure, q, sentence, match[1:] if match is not None else None, clause_start
                ),
                level=_claim_level(text, q, match, item_start, sentence[0]),
                period=period,
                scope=scope,
                parent=parent,
            )
        )
        previous = out[-1]
        claims_at[q.start] = previous
        if previous.indicator != "other":
            last_in_paragraph[_measure(q)] = previous  # the paragraph's latest topic in this measure
    return out


def _claim_level(text: str, q: Quantity, match, item_start: int, sentence_start: int) -> str | None:
    if q.kind is Kind.RANK:
        return _rank_level(text, q, sentence_start)
    if match is not None:
        return _level(text, match[1], match[2], item_start)
    return None


_PERSON_UNITS = frozenset("人名位")


def _measure(q: Quantity) -> str | None:
    """What a figure counts in: 人, 名 and 位 are one measure (people); % and 个百分点 another."""
    if q.kind in (Kind.PERCENT, Kind.PERCENTAGE_POINT):
        return "%"
    return "person" if q.unit in _PERSON_UNITS else q.unit


def _continues(text: str, previous: Claim | None, q: Quantity, sentence) -> bool:
    """Whether a figure with no alias of its own continues the previous figure of its sentence
    in the same measure (总数达到1460个, 比上年提高1.8个百分点)."""
    return previous is not None and previous.quantity.start >= sentence[0] and _measure(previous.quantity) == _measure(q)


RE_SHARE = re.compile("占比|占到|占")
RE_COMPARISON = re.compile("比上年|比去年|较上年|同比|环比|比上届|较上届")


_RATES = (Kind.PERCENT, Kind.PERCENTAGE_POINT, Kind.RATIO)

#: People counted and then what they became: ``助力108万人晋升技能等级`` (skill_upgrades in
#: indicators.tsv), ``326名选手获评市级技术能手`` (craftsmen_and_models). The counted noun is a
#: kind of person, so the predicate says what the figure measures.
RE_PEOPLE_BECAME = re.compile(
    r"""
    (?:[^，。；,;\n]{0,3}?(?:职工|选手|徒弟|学员|员工|工人|农民工|技术骨干|青年))?  # 17名(选手)
    (?:通过[^，。；,;\n]{0,8}?)?                                                 # 通过考核
    (?:
        (?P<skill>晋升|取得[^，。；,;\n]{0,10}?(?:证书|资格|等级)|取证)
      | (?P<honour>(?:获评|被评为|荣获|被授予|被命名为)[^，。；,;\n]{0,10}?
                   (?:工匠|能手|劳模|劳动模范|标兵|首席技师|技能大师|五一劳动奖章))
    )
    """,
    re.VERBOSE,
)


#: Units, teams or firms counted and then what they were rated or awarded: ``4个单位被评为第一等次``
#: (assessment_results), ``3个班组获评省级工人先锋号`` (honours), ``仍有3个单位得分不足85分``.
RE_BODIES_BECAME = re.compile(
    r"""
    [^，。；,;\n]{0,4}?(?:单位|班组|集体|企业|团队|车间|工作室)
    (?:
        (?P<rated>(?:被评为|评为|获评|确定为|列为)第[一二三四五六七八九十0-9]+等次|得分|考核得分)
      | (?:被评为|评为|获评|荣获|获得|被授予)[^，。；,;\n]{0,10}?
        (?P<honour>工人先锋号|五一劳动奖状|劳动奖状|先进集体|青年文明号|巾帼文明岗|模范职工之家|示范)
    )
    """,
    re.VERBOSE,
)


def _what_people_became(text: str, q: Quantity, clause_end: int) -> str | None:
    if q.kind is not Kind.COUNT:
        return None
    if q.unit in ("个", "家", "支"):
        m = RE_BODIES_BECAME.match(text, q.end, clause_end)
        if m is None:
            return None
        if m.group("rated"):
            return "assessment_results"
        return "demonstration_units" if m.group("honour") == "示范" else "honours"
    if q.unit not in ("名", "人", "位"):
        return None
    m = RE_PEOPLE_BECAME.match(text, q.end, clause_end)
    if m is None:
        return None
    return "skill_upgrades" if m.group("skill") else "craftsmen_and_models"


def _compared(text: str, q: Quantity, clause_start: int, sentence, previous: Claim | None) -> Claim | None:
    """A change rate (比上年增长12.6%) belongs to the previous figure of its sentence."""
    if q.kind not in _RATES or previous is None or previous.quantity.start < sentence[0]:
        return None
    if previous.indicator == "other" or not RE_COMPARISON.search(text, clause_start, q.start):
        return None
    return previous


def _share_after_qizhong(text: str, q: Quantity, clause_start: int, sentence, previous: Claim | None) -> Claim | None:
    """A share that opens with 其中 right after a count of its sentence is a share of that count
    (员工3.8万余名，其中一线产业工人占比接近八成): it measures the same thing, whatever group
    the share names."""
    if q.kind not in _RATES or previous is None or previous.quantity.start < sentence[0]:
        return None
    if previous.quantity.kind is not Kind.COUNT:
        return None
    head = text[clause_start : q.start].lstrip(" \t\u3000，,")
    if not head.startswith("其中") or not RE_SHARE.search(head):
        return None
    return previous


def _share_of(text: str, q: Quantity, clause_start: int, last_in_paragraph) -> Claim | None:
    """A share with no alias of its own (其中…占比超过六成) belongs to the last count of its paragraph."""
    if q.kind not in _RATES or not RE_SHARE.search(text, clause_start, q.start):
        return None
    for measure, claim in reversed(list(last_in_paragraph.items())):
        if measure != "%":
            return claim
    return None


def _same_paragraph(earlier: Claim, q: Quantity, structure: Structure) -> bool:
    here = structure.paragraph_at(q.start)
    return here is not None and here.start <= earlier.quantity.start


#: Indicators that only say "reached" or "took part": the figure before names what in.
_REACH_INDICATORS = ("pilot_coverage", "activity_participants")
RE_COVERAGE = re.compile("覆盖|惠及|受益|带动|辐射|参与|参加")  # …200余场次，参与职工2.8万人次


def _covered_by(text: str, q: Quantity, clause_start: int, previous: Claim | None, sentence) -> str | None:
    """签订集体合同2350份…覆盖职工38.6万人: people or firms reached by the previous figure of the
    sentence count for its indicator (or the one its ``coverage`` names)."""
    if previous is None or previous.quantity.start < sentence[0] or not RE_COVERAGE.search(text, clause_start, q.start):
        return None
    lex = _indicator_lexicon()
    target = lex.coverage.get(previous.indicator, previous.indicator)
    group = _KIND_GROUPS[q.kind]
    return target if group in lex.kinds_of.get(target, ()) else None


def _enumeration_start(text: str, previous: Claim | None, clause_start: int, figure_start: int) -> int:
    """Where the words governing an enumeration item begin: an item that follows another figure
    after only a comma and a short noun phrase (新增高技能人才580人,乡土人才600人) shares the
    clause of the first item."""
    if previous is None:
        return clause_start
    own = text[clause_start:figure_start]
    if any(pattern.search(own) for _, pattern in _scope_patterns()[1:4]):
        return clause_start  # 新增3.2万人，总量达27.5万人: the item has its own governing word
    q = previous.quantity
    gap = text[q.end : clause_start]
    if q.end <= clause_start and len(gap) <= 2 and not any(c in gap for c in "。！？!?；;\n"):
        start = q.start
        while start > 0 and text[start - 1] not in _CLAUSE_BREAK:
            start -= 1
        return start
    return clause_start


def _geometry(text: str, quantities: Sequence[Quantity], structure: Structure):
    """For each quantity: its sentence, clause start, enumeration item start and clause end."""
    out = []
    previous_end = 0
    for q in quantities:
        sentence = structure.sentence_at(q.start, q.end)
        clause_start = structure.clause_start(q.start, sentence[0])
        item_start = max(clause_start, previous_end)
        enumeration = text.rfind("、", item_start, q.start)
        if enumeration != -1:
            item_start = enumeration + 1  # 省级试点单位25家、市级试点单位67家
        while item_start < q.start and text[item_start] in "、，, ":
            item_start += 1
        m = RE_ITEM_BREAK.search(text, q.end, sentence[1])
        clause_end = m.start() if m else sentence[1]
        out.append((sentence, clause_start, item_start, clause_end))
        previous_end = q.end
    return out


RE_ITEM_BREAK = re.compile(f"[{re.escape(_CLAUSE_BREAK)}、]")  # the end of a clause or enumeration item


def _qizhong_parents(text: str, quantities: Sequence[Quantity], structure: Structure) -> dict[int, int]:
    """Start of each 其中 part → start of its total: the last figure before 其中 in the sentence."""
    parents: dict[int, int] = {}
    starts = [q.start for q in quantities]  # in text order: each 其中 looks only at its sentence
    for m in RE_QIZHONG.finditer(text):
        sentence = structure.sentence_at(m.start(), m.end())
        first = bisect.bisect_left(starts, sentence[0])
        at_qizhong = bisect.bisect_left(starts, m.start(), first)
        before = [q for q in quantities[first:at_qizhong] if q.end <= m.start()]
        if not before:
            continue
        total = before[-1]
        for q in quantities[at_qizhong : bisect.bisect_left(starts, sentence[1], at_qizhong)]:
            if m.end() <= q.start and q.kind == total.kind and _measure(q) == _measure(total):
                parents[q.start] = total.start
    return parents
