"""Programme names, document titles, honours, activities, slogans and works (ANNOTATION.md §3).

Most names stand in marks. A ``《…》`` title is a policy document unless the words around it make
it a work (歌曲《…》, 《…》等作品) or it is a newspaper. A quoted text (“…”, ‘…’, 「…」, 『…』,
"…") is a name only when something says so, because reports quote ordinary words for emphasis
just as often (“点”, “老板”). The evidence, strongest first:

1. a cue after the closing mark, the head of the phrase (“薪火”工程, “江都杯”创业大赛, “四敢”精神);
2. a cue the name ends with (“江海先锋培育工程”, “星湖工匠”, “农民工学法活动周”);
3. its shape: a ``+`` formula (“党建+工建”), a numbered working method (“三融入三把握”,
   “精一会二通三岗”), or a family of sibling names that a cue marks as names at all
   (开展“小产改”“中产改”“大产改”);
4. a head count before it (60余名“…” is an honour);
5. a cue verb right before the opening mark, when the name ends its phrase (开展“…”，, 选树“…”。);
6. parallel clauses, which make a slogan (“劳动光荣、创造伟大”);
7. weakest: a numbered name (“双提升”, “两个维护”), or a subheading made of a verb and a
   numbered name (落实“一份责”).

Cue words live in ``lexicons/programme_cues.tsv``, ordinary words that reports quote (产改,
两新) in ``lexicons/programme_generic.txt``: they are never names, and neither is a quoted list
of items followed by 等 (“喝水、充电、热饭”等服务), unless its clauses keep a motto's rhythm.
Standard facility types (职工之家, 工会驿站: ``lexicons/programme_facilities.txt``) are names only
by evidence outside their marks, not by their own ending. Evidence 1-4 and 6 lend the
kind to the other mentions of the same name in the text (“小产改”即…, 《王大刚考证记》火了), a
slogan of eight characters or more even where it is repeated without marks; a verb before one
mention (5) speaks for that mention only. Within a list (供电公司“火花说”、住建局“思享会”) a name
nothing speaks for takes the kind of a classified member.

Without marks, names are read by a small grammar (``lexicons/programme_names.tsv``): a head noun
(大赛, 推进会, 先进单位, 劳模) and, leftwards from it, a topic and the modifiers a name opens with —
a year, an edition (第四届, 首届), a level word (全国, 全省) or a region (湖南省第二届职业技能大赛,
2025年焦作市…职工技术运动会, 全国劳模). A verb can stand in for the modifier where it says what
follows is a name (召开职工之家建设工作推进会), and unit honours and prizes make names as a
、-list (…建设示范单位、…示范项目; 五一劳动奖、兴滇人才奖). Plans (…工程, …计划) need a modifier
and a topic of four characters. Standard honours (五一劳动奖章) and standing campaigns (送温暖)
are names on their own, and a 、-list of campaigns before a brand is that brand (春送岗位、夏送清凉、
金秋助学、冬送温暖“四送”服务品牌); a name the text also quotes counts only where quoted.
Tighter patterns add repeated-numeral working methods (四强化四构建), formulas (6+X, 1+10+N),
plans named after a launching verb (实施职业技能提升行动), documents named after a verb that
takes one (贯彻落实…队伍建设意见) and caption lines that name an event (…职工技能大赛).

The span never includes the marks. Records are sorted by start and never cross; a name quoted
inside another one is a record of its own after it (《关于深入推进“智汇龙川”工程的意见》 gives the
document and the programme), which is how the annotators mark nested names; so is a quote inside
an unmarked document (实施助力“两都”建设行动方案). Other unmarked names never nest in anything.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from . import _lexicon
from .errors import LexiconError
from .records import Programme, ProgrammeKind

__all__ = ["extract_programmes"]

_CUES_FILE = "programme_cues.tsv"
_GENERIC_FILE = "programme_generic.txt"
_FACILITIES_FILE = "programme_facilities.txt"
_WHERE = frozenset(
    {"end", "after", "after_near", "after_de", "before", "title_near", "title_end", "title_after"}  # around a mark
    | {"line_end", "line_verb", "plan_verb", "plan_end", "doc_verb", "doc_end"}  # names without marks
)
_KINDS = {k.value: k for k in ProgrammeKind}

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_NUMERALS = "一二三四五六七八九十两双百千万"
_NUMERALS_SET = frozenset(_NUMERALS)
_STOPS = frozenset("，,。；;：:！？!?、\n\r\t 　“”‘’「」『』《》〈〉()（）和与及")  # end of the phrase after a mark
_CLAUSE_STOPS = frozenset("，,。；;：:！？!?\n")  # the clause a title stands in (、 joins titles)
_SPEECH_CHARS = frozenset("我你咱了吗呢啊呀吧")  # clauses with these are quoted speech, not a slogan
_VERBAL_STARTS = frozenset("在为被把将让使是已正也都就还又则即于向从对给由")  # a clause, not a noun, follows
_TRAILING_PARTICLES = "的了出"  # 精心打造的“…”, 推出了“…”: the verb cue stands before these
_AFTER_WINDOW = 14  # characters after a closing mark that may hold its head noun
_THEME_WINDOW = 24  # … and for the theme of an event, its long name (“…”粤港澳大湾区第四届职业技能大赛)
_BEFORE_WINDOW = 6  # characters before an opening mark that may hold a cue verb
_TITLE_WINDOW = 10  # characters of a title's clause, either side, that may make it a work
_HEADING_PREFIX = 3  # at most this many characters before the quote in a subheading (落实“一份责”)
_MAX_QUOTE = 40  # longer quotes are speech or sentences
_MAX_DOCUMENT = 40  # characters of an unmarked document's verb and name
_MIN_UNMARKED_SLOGAN = 8  # a slogan this long is found again without its quotes


@dataclass(frozen=True, slots=True)
class _Cues:
    """The cue tables of ``programme_cues.tsv``, one frozen mapping or pattern per position."""

    end: Mapping[str, ProgrammeKind]
    end_lengths: tuple[int, ...]
    end_never: Mapping[str, None]  # “八大群体”, “三举措”: a category or a count of measures
    end_never_lengths: tuple[int, ...]
    after: re.Pattern[str]
    after_reversed: re.Pattern[str]  # the cues spelt backwards: the first match ends last
    after_kind: Mapping[str, ProgrammeKind]
    after_near: frozenset[str]  # heads that speak for a quote only right after it: “…”工作
    after_de: re.Pattern[str]  # a method's head ending the phrase after 的: “…”的建会模式
    after_de_kind: Mapping[str, ProgrammeKind]
    before: Mapping[str, ProgrammeKind]
    before_any: re.Pattern[str]  # any before cue: is one worth looking for behind a level or place
    before_lengths: tuple[int, ...]
    title_near: re.Pattern[str]
    title_end: Mapping[str, ProgrammeKind | None]
    title_end_lengths: tuple[int, ...]
    title_after: re.Pattern[str]  # 《…》杂志: a periodical, not a programme
    caption: re.Pattern[str]
    caption_verbs: re.Pattern[str]
    bare_plan: re.Pattern[str]
    bare_document: re.Pattern[str]
    document_tails: tuple[str, ...]  # the last two characters of the doc_end heads (意见, 方案)
    plan_kind: Mapping[str, ProgrammeKind]  # 计划 → programme, 行动 → activity
    plan_lengths: tuple[int, ...]
    generic: frozenset[str]
    facilities: frozenset[str]  # 职工之家: a name only with evidence outside its marks


_or = _lexicon.literal_regex  # the longest of several words, as a trie


def _lengths(table: Mapping[str, object]) -> tuple[int, ...]:
    return tuple(sorted({len(k) for k in table}, reverse=True))


@functools.cache
def _cues() -> _Cues:
    """Read and validate the cue lexicons and compile their patterns, once per process."""
    by_where: dict[str, dict[str, ProgrammeKind | None]] = {w: {} for w in _WHERE}
    for number, row in _lexicon.read_rows(_CUES_FILE, ("cue", "where", "kind")):
        cue, where, kind = row["cue"].strip(), row["where"], row["kind"]
        if not cue:
            raise LexiconError(_CUES_FILE, number, "empty cue")
        if where not in _WHERE:
            raise LexiconError(_CUES_FILE, number, f"unknown where {where!r}; valid: {sorted(_WHERE)}")
        if kind != "none" and kind not in _KINDS:
            raise LexiconError(_CUES_FILE, number, f"unknown kind {kind!r}; valid: {sorted(_KINDS)} or 'none'")
        if kind == "none" and where not in ("end", "title_end", "title_after", "line_verb"):
            only = "kind 'none' is only for end, title_end, title_after and line_verb cues"
            raise LexiconError(_CUES_FILE, number, only)
        by_where[where][cue] = _KINDS.get(kind)
    generic = frozenset(_lexicon.word_list(_GENERIC_FILE))
    end = {k: v for k, v in by_where["end"].items() if v is not None}
    end_never = {k: v for k, v in by_where["end"].items() if v is None}
    after_near = {k: v for k, v in by_where["after_near"].items() if v is not None}
    after = {k: v for k, v in by_where["after"].items() if v is not None} | after_near
    before = {k: v for k, v in by_where["before"].items() if v is not None}
    after_de = {k: v for k, v in by_where["after_de"].items() if v is not None}
    title_end = by_where["title_end"]
    name = rf"[{_CJK}A-Za-z0-9+＋·()（）\-]"  # what a caption or a bare plan name is made of
    caption = re.compile(
        rf"""
        ^[ \t\u3000]*                                  # a line of its own (a caption, a subheading)
        (?P<name>{name}{{2,30}}?                       # 2020年南通开发区企业职工技能大赛
            (?:{_or(by_where["line_end"]) or "(?!)"})) # … ending with an event word
        [ \t\u3000]*$                                  # and nothing else on the line
        """,
        re.VERBOSE | re.MULTILINE,
    )
    bare_plan = re.compile(
        rf"""
        (?:{_or(by_where["plan_verb"]) or "(?!)"})     # 实施, 启动: a verb that launches a plan
        (?P<name>
            [^\W\d_的了和与及等各项类些系这该此其本{_NUMERALS}]{{3,10}}?  # 职业技能提升: no particles, counts
            (?:{_or(by_where["plan_end"]) or "(?!)"})  # … 行动, 计划, 工程
        )
        (?=[，,。；;、\s]|$)                           # and the phrase ends with the name
        """,
        re.VERBOSE,
    )
    bare_document = re.compile(
        rf"""
        (?:{_or(by_where["doc_verb"]) or "(?!)"})      # 贯彻落实, 印发: a verb that takes a document
        (?P<name>
            (?![各相有本该])                            # 各项…措施, 相关意见: no particular document
            (?:[^\W\d_的了和与及等各项类些系这该此其]|[“”‘’]){{6,30}}?  # 新时代高技能人才队伍建设: no figures
            (?:{_or(by_where["doc_end"]) or "(?!)"})   # … 意见, 行动方案
        )
        $                                            # searched up to where a head ends its phrase
        """,
        re.VERBOSE,
    )
    return _Cues(
        end=MappingProxyType(end),
        end_lengths=_lengths(end),
        end_never=MappingProxyType(end_never),
        end_never_lengths=_lengths(end_never),
        after=re.compile(_or(after) or "(?!)"),
        after_reversed=re.compile(_or(cue[::-1] for cue in after) or "(?!)"),
        after_kind=MappingProxyType(after),
        after_near=frozenset(after_near),
        after_de=re.compile("(?:" + (_or(after_de) or "(?!)") + ")$"),
        after_de_kind=MappingProxyType(after_de),
        before=MappingProxyType(before),
        before_any=re.compile(_or(before) or "(?!)"),
        before_lengths=_lengths(before),
        title_near=re.compile(_or(by_where["title_near"]) or "(?!)"),
        title_end=MappingProxyType(title_end),
        title_end_lengths=_lengths(title_end),
        title_after=re.compile(_or(by_where["title_after"]) or "(?!)"),
        caption=caption,
        caption_verbs=re.compile(_or(by_where["line_verb"]) or "(?!)"),
        bare_plan=bare_plan,
        bare_document=bare_document,
        document_tails=tuple(sorted({end[-2:] for end in by_where["doc_end"]})),
        plan_kind=MappingProxyType({k: v for k, v in by_where["plan_end"].items() if v is not None}),
        plan_lengths=_lengths(by_where["plan_end"]),
        generic=generic,
        facilities=frozenset(_lexicon.word_list(_FACILITIES_FILE)),
    )


RE_MARKED = re.compile(
    r"""
      《(?P<title>[^《》\n。]{1,100})》       # a title: document, plan, form, song, play, book
    | 〈(?P<inner_title>[^〈〉《》\n。]{1,100})〉  # a title inside a title (《关于印发〈…方案〉的通知》)
    | “(?P<dq>[^“”《》]{1,40})”              # curly double quotes, the usual marks for names
    | ‘(?P<sq>[^‘’“”《》]{1,40})’            # curly single quotes (also nested in a speech quote)
    | 「(?P<cq>[^「」《》]{1,40})」           # corner brackets
    | 『(?P<wq>[^『』《》]{1,40})』           # white corner brackets (『四个强化』)
    | "(?P<aq>[^"\n《》]{1,40})"             # straight quotes, paired in order of appearance
    """,
    re.VERBOSE,
)

RE_SPACED_TITLE = re.compile(
    r"""
    [\u4e00-\u9fff][ \u3000]+[\u4e00-\u9fff]  # words spaced like a headline: documents are one phrase
    """,
    re.VERBOSE,
)

RE_NESTED_OPEN = re.compile(r"[‘「『\"]")  # a mark that may open a name inside a double quote
RE_NESTED_IN_TITLE = re.compile(r"[“‘「『\"〈]")  # … or inside a title
_TITLE_GROUPS = frozenset({"title", "inner_title"})

RE_HEAD_COUNT = re.compile(
    rf"""
    (?:[0-9]+|[{_NUMERALS}]+)                  # 60, 两: how many people hold the honour
    (?:余|多)?                                 # 60余
    名                                         # 名: people, so the quote names an honour
    (?:以上)?                                  # 20名以上
    (?:[\u4e00-\u9fff]{{1,5}}[省市县区])?         # 张家口市: whose honour it is
    $
    """,
    re.VERBOSE,
)

RE_NUMBERED_NAME = re.compile(
    rf"""
      (?:[{_NUMERALS}][^\W\d_{_NUMERALS}]{{1,3}}){{2,4}}  # 三融入三把握, 五强五促, 四带八共, 一企一品牌
    | (?:[^\W\d_{_NUMERALS}][{_NUMERALS}]){{3,4}}[^\W\d_{_NUMERALS}]?  # 精一会二通三岗
    """,
    re.VERBOSE,
)

_NOT_CLASSIFIER = rf"[^\W\d_{_NUMERALS}个项名次届年月日天种类级批家条位人大]"  # a verb or adjective, no count word

RE_BARE_METHOD = re.compile(
    rf"""
    (?P<n>[二三四五六七八九十两])              # the same numeral twice: not 一 (一心一意 is an idiom)
    (?:
        {_NOT_CLASSIFIER}(?P=n){_NOT_CLASSIFIER}           # 五强五促
      | {_NOT_CLASSIFIER}{{2}}(?P=n)[^\W\d_{_NUMERALS}]{{2}}  # 三融入三把握
    )
    """,
    re.VERBOSE,
)

RE_BARE_ASCENDING = re.compile(
    rf"""
    一[^\W\d_{_NUMERALS}]                     # 一会: the character before the 一 (精) is checked apart,
    二[^\W\d_{_NUMERALS}]                     # 二通   so the scan can start at a plain 一
    三[^\W\d_{_NUMERALS}]                     # 三岗
    """,
    re.VERBOSE,
)

RE_NUMBERED_TENET = re.compile(
    rf"""
    [二三四五六七八九十两]个                   # 两个, 四个: a count of tenets
    [^\W\d_{_NUMERALS}]{{2}}                 # 确立, 维护, 意识, 所有: one abstract word
    """,
    re.VERBOSE,
)

RE_FIVE_YEAR_PLAN = re.compile(
    r"""
    (?:十[一二三四五六七八九]?|[一二三四五六七八九])  # 七, 十三, 十四: the number of a five-year plan
    五                                          # 七五, 十四五: the plan (a policy document)
    """,
    re.VERBOSE,
)

RE_PARALLEL_SPLIT = re.compile(r"[、，,；;\s]+|——")  # clause separators inside a slogan
RE_SENTENCE_MARK = re.compile(r"[。！？!?；;：:]")  # a quote holding these is speech, not a name
RE_AFTER_PHRASE = re.compile(
    rf"""
    [^{re.escape("".join(sorted(_STOPS)))}]{{0,{_AFTER_WINDOW}}}  # up to the next stop: 创业大赛, 工作机制
    """,
    re.VERBOSE,
)

RE_THEME_PHRASE = re.compile(
    rf"""
    [^{re.escape("".join(sorted(_STOPS)))}]{{0,{_THEME_WINDOW}}}  # up to the next stop: 2021海口劳模事迹巡回宣讲
    """,
    re.VERBOSE,
)

RE_LIST_GAP = re.compile(
    r"""
    [^，,。；;：:！？!?、\n“”‘’「」『』《》]{0,6}   # 30名, or nothing: what closes one member
    、                                         # the list separator
    [^，,。；;：:！？!?、\n“”‘’「」『』《》]{0,6}   # 供电公司: the owner of the next member
    """,
    re.VERBOSE,
)
RE_PLUS = re.compile(r"[+＋]")  # 党建+工建: a formula names a programme

RE_FORMULA_PARTS = (re.compile(r"[0-9]"), re.compile(r"[A-Z]"))  # 6+X: a figure and an open part (1+1 is a sum)

RE_BARE_FORMULA = re.compile(
    r"""
    (?<![0-9A-Za-z+＋.])                       # not inside a longer token or a sum (1.5+2)
    (?:[0-9]{1,3}|[A-Z])                       # 6, 1: the fixed part
    (?:[+＋](?:[0-9]{1,3}|[A-Z])){1,4}         # +X, +10+N: and what each place adds
    (?![0-9A-Za-z+＋.%])                       # not a longer token, not a sum of percentages
    """,
    re.VERBOSE,
)


@dataclass(slots=True)
class _Mark:
    """One pair of marks and the text between them."""

    open: int  # index of the opening mark
    start: int  # start of the name (after the mark and leading blanks)
    end: int  # end of the name
    close: int  # index just after the closing mark
    body: str  # text[start:end]
    title: bool  # 《…》
    nested: bool = False  # inside a double quote


def extract_programmes(text: str) -> list[Programme]:
    """Find the programme names, document titles, honours, activities, slogans and works in ``text``.

    Records are sorted by start. They never cross; a name quoted inside another one is reported
    after it, the only case where records nest (《关于实施“江城工匠孵化行动”的意见》 gives the
    document and the campaign). Messy text never raises, it gives fewer records.

    >>> [(p.text, p.kind.value) for p in extract_programmes("定期选树“星湖工匠”，出台《工作指南》。")]
    [('星湖工匠', 'title'), ('工作指南', 'policy_document')]
    >>> extract_programmes("由“点”到“面”，当好“老板”")
    []

    Raises:
        TypeError: ``text`` is not a ``str`` (decode bytes before extracting).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}; decode bytes before extracting")
    cues = _cues()
    marks = _find_marks(text)
    found: list[Programme] = []
    if marks:
        found.extend(_classify_marks(text, marks, cues))
    outer = [m for m in marks if not m.nested]  # disjoint, in order
    bare = _bare_names(text, outer, cues)
    found.extend(bare)
    found.extend(_unmarked_names(text, outer))
    found.sort(key=lambda p: (p.start, -p.end))
    nested = {(m.start, m.end) for m in marks if m.nested}
    for p in bare:  # 实施助力“两都”建设行动方案: a quote inside an unmarked document nests in it
        if p.kind is ProgrammeKind.POLICY_DOCUMENT:
            nested.update((m.start, m.end) for m in outer if p.start <= m.open and m.close <= p.end)
    out: list[Programme] = []
    last_end = -1
    for p in found:
        if p.start >= last_end:
            out.append(p)
            last_end = p.end
        elif p.end <= last_end and (p.start, p.end) in nested:
            out.append(p)  # a name quoted inside a name: 《关于深化“智汇江城”工程的意见》
    return out


# --------------------------------------------------------------------------------------------
# Names without marks: modifiers + topic + head (lexicons/programme_names.tsv)

_NAMES_FILE = "programme_names.tsv"
_ROLES = frozenset(
    {"event", "meeting", "award", "honour", "fixed", "campaign", "plan", "level", "alias", "stop", "verb", "compound"}
)
_HEAD_ROLES = frozenset({"event", "meeting", "award", "honour", "fixed", "campaign", "plan"})
_MAX_RUN = 30  # characters of a name before its head
_MIN_UNQUOTED_CAMPAIGN = 3  # characters of a campaign name found without quotes
_CAMPAIGN_MONEY = ("资金", "款", "金")  # 送温暖资金, 金秋助学金: money named after a campaign
_MAX_PLACE = 6  # characters of a place before the first modifier, where punctuation opens the run
_MIN_NAME = 4  # 全国竞赛: after its modifiers, an event's name has four characters or more (技能大赛)
_MIN_PLAN_TOPIC = 4  # 全国工会职工书屋工程, not 全省民生工程: a plan's topic before its head
_MIN_LICENSED_TOPIC = 3  # 召开职工大会 is no name: a verb licenses a topic of three characters or more
_REGION_LENGTHS = (7, 6, 5, 4, 3, 2)  # 中华人民共和国 … 温县
_JOINERS = "和与及、"  # 甘肃省和全国…运动会: modifiers joined so name a kind of event, not one event
_DETERMINERS = frozenset("该本我各此这其每")  # 该省劳动模范: the province just named, not a level
_PRIZE_VERBS = frozenset("颁获抽领得评嘉发受兑设等")  # 颁奖, 获奖, 一等奖: 奖 is no prize's name here
_PRIZE_NOUNS = frozenset("励金项品杯券惩罚补学牌状章")  # 奖励, 奖金, 奖补: 奖 starts another word

RE_YEAR_MODIFIER = re.compile(
    r"""
    (?:19|20)[0-9]{2}                          # 2016, 2020: the year of an event
    (?:年度                                    # 2021年度
      |年(?![0-9月底初末中内])                  # 2016年, not a date (2023年8月, 2025年底)
      |(?![0-9年])                              # 2020齐鲁大工匠, not a longer number
    )
    """,
    re.VERBOSE,
)

RE_EDITION_MODIFIER = re.compile(
    rf"""
    (?:第[0-9{_NUMERALS}]{{1,4}}|首)          # 第四届, 第十七次, 首届
    [届次期]
    """,
    re.VERBOSE,
)

RE_ORGANISATION_AFTER = re.compile(
    r"""
    (?:师|局|学院                                # 工程师, 工程局, 工程学院: a trade, an office
      |[^，,。；;、\s]{0,10}?(?:公司|集团|研究院|设计院)  # 中国…工程第二建设有限公司: a firm
    )
    """,
    re.VERBOSE,
)
RE_CLASS_LEVEL = re.compile(r"(?:国家|省|市|县|区)级")  # 省级大赛, 区级工作室: a class, not a name
RE_NAME_RUN = re.compile(r"[\u4e00-\u9fff0-9０-９·•()（）]+$")  # the characters a name is made of, up to its head
RE_DIGIT = re.compile(r"[0-9０-９]")  # a figure in a topic: a clause (共有5个先进单位), not a name
RE_COUNTED = re.compile(rf"[首{_NUMERALS}几]+[个家名项批]")  # 首个, 两家: a count in a topic


@dataclass(frozen=True, slots=True)
class _Grammar:
    """The tables of ``programme_names.tsv``: heads, modifiers, stops and licensing verbs."""

    heads: Mapping[str, tuple[str, ProgrammeKind]]  # head → (role, kind)
    head_re: re.Pattern[str]
    levels: frozenset[str]
    aliases: frozenset[str]
    modifiers: frozenset[str]  # levels and aliases
    modifier_lengths: tuple[int, ...]  # of levels and aliases, longest first
    stops: Mapping[str, ProgrammeKind | None]  # stop words, and verbs with the kind they license
    stop_lengths: tuple[int, ...]
    event_head_end: re.Pattern[str]  # a head of an event or meeting ending the text searched (… + 和)
    compound: re.Pattern[str]  # 学院, 精神: after a personal honour, a longer noun (工匠学院)
    campaigns: Mapping[str, ProgrammeKind]  # 送温暖: names of standing campaigns, quoted or not
    fixed: Mapping[str, None]  # standard honours (a quote ending with one is that honour)
    fixed_lengths: tuple[int, ...]


@functools.cache
def _grammar() -> _Grammar:
    """Read and validate ``programme_names.tsv`` and compile its patterns, once per process."""
    heads: dict[str, tuple[str, ProgrammeKind]] = {}
    levels, aliases, compound = set(), set(), set()
    stops: dict[str, ProgrammeKind | None] = {}
    for number, row in _lexicon.read_rows(_NAMES_FILE, ("word", "role", "kind")):
        word, role, kind = row["word"].strip(), row["role"], row["kind"]
        if not word:
            raise LexiconError(_NAMES_FILE, number, "empty word")
        if role not in _ROLES:
            raise LexiconError(_NAMES_FILE, number, f"unknown role {role!r}; valid: {sorted(_ROLES)}")
        takes_kind = role in _HEAD_ROLES or role == "verb"
        if takes_kind and kind not in _KINDS:
            raise LexiconError(_NAMES_FILE, number, f"unknown kind {kind!r} for a {role}; valid: {sorted(_KINDS)}")
        if not takes_kind and kind != "-":
            raise LexiconError(_NAMES_FILE, number, f"a {role} takes kind '-', not {kind!r}")
        if role in _HEAD_ROLES:
            heads[word] = (role, _KINDS[kind])
        elif role == "level":
            levels.add(word)
        elif role == "alias":
            aliases.add(word)
        elif role == "compound":
            compound.add(word)
        else:
            stops[word] = _KINDS[kind] if role == "verb" else None
    return _Grammar(
        heads=MappingProxyType(heads),
        head_re=re.compile(_or(heads, searched=True)),
        levels=frozenset(levels),
        aliases=frozenset(aliases),
        modifiers=frozenset(levels | aliases),
        modifier_lengths=_lengths(dict.fromkeys(levels | aliases)),
        stops=MappingProxyType(stops),
        stop_lengths=_lengths(stops),
        event_head_end=re.compile("(?:" + _or(h for h, (r, _) in heads.items() if r in ("event", "meeting")) + ")$"),
        compound=re.compile(_or(compound)),
        campaigns=MappingProxyType({h: kind for h, (role, kind) in heads.items() if role == "campaign"}),
        fixed=MappingProxyType({h: None for h, (role, _) in heads.items() if role == "fixed"}),
        fixed_lengths=_lengths({h: None for h, (role, _) in heads.items() if role == "fixed"}),
    )


def _is_region(name: str) -> bool:
    """Whether ``name`` is a region of the gazetteer (a full name or a short form)."""
    return name in _region_names()


@functools.cache
def _region_names() -> Mapping[str, object]:
    """The gazetteer's names and short forms (what ``entities.find_division`` looks up), loaded
    once; a membership test is all the grammar needs, and it runs for every character of a run."""
    from .entities import gazetteer  # the gazetteer, already loaded for entities

    return gazetteer().by_text


def _unmarked_names(text: str, marks: list[_Mark]) -> list[Programme]:
    """Named events, meetings, honours and campaigns written without marks, read from their head
    noun leftwards (see ``lexicons/programme_names.tsv``).

    >>> [(p.text, p.kind.value) for p in _unmarked_names("7月4日，湖南省第一届职业技能大赛开幕。", [])]
    [('湖南省第一届职业技能大赛', 'activity')]
    >>> [p.text for p in _unmarked_names("召开职工大会和全市工会宣传工作推进会", [])]
    ['全市工会宣传工作推进会']
    >>> [p.text for p in _unmarked_names("全国劳模和省劳模中，全市劳模100名", [])]
    ['全国劳模', '省劳模']
    """
    g = _grammar()
    quoted = [m.body for m in marks if not m.title]
    out: list[Programme] = []
    last_award_end = -1  # the end of the last unit honour, for 、-lists of them
    heads = list(g.head_re.finditer(text))
    for k, m in enumerate(heads):
        hs, he = m.span()
        role, kind = g.heads[m.group()]
        start: int | None
        if role == "campaign":
            if he - hs < _MIN_UNQUOTED_CAMPAIGN:
                continue  # 五小 in 五小件车间: a short name counts only in quotes
            if text.startswith(_CAMPAIGN_MONEY, he):
                continue  # 筹集送温暖资金: the campaign's money, not the campaign
            start = hs
        elif role in ("fixed", "honour"):
            start = _modifier_before(text, hs, g)
            if role == "honour" and (start is None or g.compound.match(text, he)):
                continue  # 劳模 alone is a noun; 工匠学院, 劳模精神 are other things
            if start is None:
                if _stop_before(text, hs, g) in ("各", "各级", "各类"):
                    continue  # 各级五一劳动奖获得者: the holders of any such honour
                start = hs
        else:
            if m.group() == "奖" and (text[hs - 1 : hs] in _PRIZE_VERBS or text[he : he + 1] in _PRIZE_NOUNS):
                continue  # 颁奖, 获奖名单, 奖励, 奖金: the act or the money, not a named prize
            item = -1  # where this honour starts as a member of a 、-list of unit honours
            if role == "award":
                after_list = last_award_end >= 0 and text.startswith("、", last_award_end)
                if after_list and _list_item(text, last_award_end + 1, hs):
                    item = last_award_end + 1
                elif text.startswith("、", he) and k + 1 < len(heads) and g.heads[heads[k + 1].group()][0] == "award":
                    item = -2 if _list_item(text, he + 1, heads[k + 1].start()) else -1  # the first member
            start = _name_start(text, hs, he, role, kind, g, item)
            if start is None:
                continue
        if not _outside_marks(marks, start, he) or _quoted_elsewhere(text[start:he], quoted):
            continue
        out.append(Programme(text=text[start:he], start=start, end=he, kind=kind))
        if role == "award" or (role == "fixed" and k + 1 < len(heads) and heads[k + 1].group() == "奖"):
            last_award_end = he  # 五一劳动奖、兴滇人才奖: a standard honour opens a list of prizes
    return _campaign_brands(text, out, g)


RE_BRAND_AFTER = re.compile(
    r"""
    (?:“[^“”\n]{1,10}”)?                       # “四送”: the brand's own short name
    [\u4e00-\u9fff]{0,4}?                      # 服务, 系列
    品牌                                        # a brand
    """,
    re.VERBOSE,
)


def _campaign_brands(text: str, found: list[Programme], g: _Grammar) -> list[Programme]:
    """A 、-list of three or more standing campaigns before a brand is that brand, one programme
    (擦亮春送岗位、夏送清凉、金秋助学、冬送温暖“四送”服务品牌), not the campaigns one by one."""
    out: list[Programme] = []
    i = 0
    while i < len(found):
        j = i
        while (
            j + 1 < len(found)
            and found[j].text in g.campaigns
            and found[j + 1].text in g.campaigns
            and found[j + 1].start == found[j].end + 1
            and text[found[j].end] == "、"
        ):
            j += 1
        if j - i >= 2 and found[i].text in g.campaigns and RE_BRAND_AFTER.match(text, found[j].end):
            start, end = found[i].start, found[j].end
            out.append(Programme(text=text[start:end], start=start, end=end, kind=ProgrammeKind.PROGRAMME))
            i = j + 1
        else:
            out.append(found[i])
            i += 1
    return out


def _quoted_elsewhere(name: str, quoted: list[str]) -> bool:
    """Whether the text also quotes ``name`` (“送清凉”活动 … 送清凉慰问): then only its quoted
    mentions are names, the annotators' convention for names that are sometimes quoted."""
    return any(name in body for body in quoted)


def _modifier_before(text: str, hs: int, g: _Grammar) -> int | None:
    """Where a level word, a region or an alias right before ``hs`` starts (全国|劳模,
    郑州市|技术标兵, 齐鲁|工匠), or ``None``.

    全省, 全市 before a personal honour mean "all of them" (全市劳模), not a level; a level word
    of one character (省, 市) must stand on its own (作为省劳模, 全国劳模和省劳模), not end a name
    (综保区劳动模范) or a list of levels (全国、省、市劳动模范).
    """
    for n in _REGION_LENGTHS:
        if n <= hs and _is_region(text[hs - n : hs]):
            return hs - n
    for n in g.modifier_lengths:
        if n > hs:
            continue
        word = text[hs - n : hs]
        if word in g.aliases:
            return hs - n
        if word in g.levels and not (word[0] == "全" and word != "全国"):
            return hs - n if n > 1 or _stands_alone(text, hs - 1, g) else None
    return None


def _stands_alone(text: str, i: int, g: _Grammar) -> bool:
    """Whether the one-character word at ``i`` starts a phrase: at the start of the text, after
    punctuation (after 、 only where no level word ends the item before), after 和/与/及, or after
    a stop word or a verb."""
    if i == 0:
        return True
    before = text[i - 1]
    if before == "、":
        return not _modifier_ending(text, i - 1, g)  # 12个、区五一劳动奖章, but not 省、市劳模
    if before in _DETERMINERS:
        return False
    return before in "和与及" or not _is_name_char(before) or _stop_before(text, i, g) is not None


def _stop_before(text: str, i: int, g: _Grammar) -> str | None:
    """The longest stop word or verb that ends right before ``i``, or ``None``."""
    for n in g.stop_lengths:
        if n <= i and text[i - n : i] in g.stops:
            return text[i - n : i]
    return None


def _is_name_char(ch: str) -> bool:
    """A character an unmarked name is made of: Chinese, digits (2016年), 平安建设(综治)…."""
    return "\u4e00" <= ch <= "\u9fff" or ch.isdigit() or ch in "·•()（）"


def _list_item(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` can open a member of a 、-list of honours before its head: name
    characters only (市基层工会组织建设|先进单位), a topic of three characters or more."""
    return _MIN_LICENSED_TOPIC <= end - start <= _MAX_RUN and all(_is_name_char(ch) for ch in text[start:end])


def _name_start(text: str, hs: int, he: int, role: str, kind: ProgrammeKind, g: _Grammar, item: int = -1) -> int | None:
    """Where the name whose head is ``text[hs:he]`` starts, or ``None`` when nothing makes it a name.

    The run of name characters before the head ends at a stop word, a verb or punctuation. The
    name starts at the leftmost modifier of the run; without one, at the run's start, when a
    verb of the head's kind stands right before it (召开…推进会, 荣获…先进单位), or, for unit
    honours, when they make a 、-list (``item`` is where a later member starts, -2 marks the first
    one) or 称号 follows. A member of a list runs from the 、 whatever words it holds (…工会组织建设
    先进单位). A unit honour of four characters or more is a whole name after a verb of honour
    that stands right before it, when the phrase ends with it (被评为优秀组织单位。).
    """
    if item >= 0:
        return item if _name_checks(text, item, hs, he, role, g) else None
    run = RE_NAME_RUN.search(text, max(0, hs - _MAX_RUN), hs)
    floor = run.start() if run else hs
    stops, lengths = g.stops, g.stop_lengths
    i = hs
    stop = None
    while True:
        for n in lengths:  # the longest stop word or verb ending at i (as _stop_before)
            if n <= i and text[i - n : i] in stops:
                stop = text[i - n : i]
                break
        if stop is not None or i <= floor:
            break
        if text[i - 1] in "和与及" and g.event_head_end.search(text, 0, i - 1):
            break  # 召开A推进会和B座谈会: the second name starts after 和
        i -= 1
    run_start = i
    if run_start >= 2 and text[run_start - 1] in _JOINERS and _modifier_ending(text, run_start - 1, g):
        return None  # 省、市技能竞赛: contests of several levels, not one named contest
    if RE_CLASS_LEVEL.match(text, run_start, hs):
        return None  # 命名区级劳模创新工作室12家, 省级大赛: a class of honours or contests
    start = _first_modifier(text, run_start, hs, g, role)
    if start is not None and stop is None and 0 < start - run_start <= _MAX_PLACE and _all_cjk(text, run_start, start):
        start = run_start  # “…”粤港澳大湾区第四届职业技能大赛: a place the gazetteer lacks opens the name
    if role == "plan" and (start is None or RE_ORGANISATION_AFTER.match(text, he)):
        return None  # 民生工程, 工作计划: a plan is a name only with its level, place or year
    if start is None:
        licensed = stop is not None and g.stops[stop] is kind and role in ("meeting", "award")
        if hs - run_start < _MIN_LICENSED_TOPIC:
            whole = licensed and role == "award" and hs == run_start and he - hs >= 4
            return hs if whole and (he == len(text) or not _is_name_char(text[he])) else None
        listed = item == -2
        titled = role == "award" and text.startswith(("称号", "荣誉"), he)
        if not (licensed or listed or titled):
            return None
        start = run_start
    return start if _name_checks(text, start, hs, he, role, g) else None


def _name_checks(text: str, start: int, hs: int, he: int, role: str, g: _Grammar) -> bool:
    """Whether the words between ``start`` and the head make a name: no figure (共有5个…), no
    count (首个), no joined levels (省、市…), whole pairs of brackets."""
    topic = _strip_modifiers(text, start, hs, g)
    if role in ("event", "meeting") and he - topic < _MIN_NAME:
        return False
    if role == "plan" and hs - topic < _MIN_PLAN_TOPIC:
        return False
    if RE_DIGIT.search(text, topic, hs) and not RE_EDITION_MODIFIER.search(text, topic, hs):
        return False
    if RE_COUNTED.search(text, topic, hs):
        return False  # 太仓首个劳模创新工作室: a count of things, not a name
    if any(text[k] in _JOINERS and _modifier_at(text, k + 1, hs, g) for k in range(topic, hs)):
        return False
    # 刘娅)2020年…: a name holds whole pairs of brackets
    return all(text.count(a, start, he) == text.count(b, start, he) for a, b in ("()", "（）"))


def _all_cjk(text: str, start: int, end: int) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text[start:end])


def _modifier_at(text: str, j: int, hi: int, g: _Grammar) -> int:
    """The length of the modifier at ``j`` (a year, an edition, a level word, an alias, a region;
    not a level of a category: 省级, 国家级), or 0."""
    first = text[j]
    pattern = RE_YEAR_MODIFIER if first in "12" else RE_EDITION_MODIFIER if first in "第首" else None
    if pattern is not None and (m := pattern.match(text, j, hi)) and (j == 0 or not text[j - 1].isdigit()):
        return m.end() - j
    n = 0
    modifiers = g.modifiers
    for k in g.modifier_lengths:
        if text[j : j + k] in modifiers:
            n = k
            break
    if not n:
        regions = _region_names()
        for k in _REGION_LENGTHS:
            if j + k <= hi and text[j : j + k] in regions:
                n = k
                break
    if n and text.startswith("级", j + n):
        return 0  # 省级大赛, 国家级竞赛: a class of contests
    if n == 1 and j + 1 < len(text) and text[j + 1] in "省市县区":
        return 0  # 市区两级: not the level of a name
    return n


def _modifier_ending(text: str, i: int, g: _Grammar) -> bool:
    """Whether a level word, an alias or a region ends right before ``i`` (省、市…)."""
    return any(n <= i and text[i - n : i] in g.modifiers for n in g.modifier_lengths) or any(
        n <= i and _is_region(text[i - n : i]) for n in _REGION_LENGTHS
    )


def _first_modifier(text: str, lo: int, hi: int, g: _Grammar, role: str = "event") -> int | None:
    """The position of the leftmost modifier in ``text[lo:hi]``; a level word of one character
    (省, 市) only at ``lo``. Before a unit honour 全省, 全市 mean "all of them" (全区劳模创新工作室
    总数), not a level: only a verb or a list makes such words a name."""
    for j in range(lo, hi):
        n = _modifier_at(text, j, hi, g)
        if n and role == "award" and text[j] == "全" and text[j : j + n] != "全国" and text[j : j + n] in g.levels:
            continue
        if n and (n > 1 or j == lo or text[j] not in g.levels):
            return j
    return None


def _strip_modifiers(text: str, start: int, hi: int, g: _Grammar) -> int:
    """Where the topic starts: after the chain of modifiers at ``start`` (2025年|焦作市|…)."""
    j = start
    while j < hi and (n := _modifier_at(text, j, hi, g)):
        j += n
    return j


def _find_marks(text: str) -> list[_Mark]:
    """Every pair of title or quotation marks around something that could be a name, in order.

    Marks nested in a double quote or a title (“他说：‘有利于…’。”, 《关于深化“智汇江城”工程的
    意见》) follow it: when the quote turns out to be speech, the name inside it still counts, and
    a name inside a name is a name of its own, however deep (《关于印发〈推进“…”建设方案〉的通知》).
    """
    marks: list[_Mark] = []
    for m in RE_MARKED.finditer(text):
        mark = _mark(text, *m.span(), m.lastgroup in _TITLE_GROUPS)
        if mark is not None:
            marks.append(mark)
        _find_nested(text, m, marks)
    return marks


def _find_nested(text: str, m: re.Match[str], marks: list[_Mark]) -> None:
    """Append the marks nested in the double quote or title ``m``, and those nested in them."""
    opens = RE_NESTED_OPEN if m.lastgroup == "dq" else RE_NESTED_IN_TITLE if m.lastgroup in _TITLE_GROUPS else None
    if opens is None or not opens.search(text, m.start() + 1, m.end() - 1):
        return
    for inner in RE_MARKED.finditer(text, m.start() + 1, m.end() - 1):
        nested = _mark(text, *inner.span(), inner.lastgroup in _TITLE_GROUPS)
        if nested is not None:
            nested.nested = True
            marks.append(nested)
        _find_nested(text, inner, marks)


def _mark(text: str, open_: int, close: int, title: bool) -> _Mark | None:
    """The mark that spans ``text[open_:close]`` (every mark is one character), its name stripped
    of blanks."""
    body = text[open_ + 1 : close - 1]
    if not body[0].isspace() and not body[-1].isspace():
        return _Mark(open_, open_ + 1, close - 1, close, body, title)
    stripped = body.strip()
    if not stripped:
        return None
    start = open_ + 1 + len(body) - len(body.lstrip())
    return _Mark(open_, start, start + len(stripped), close, stripped, title)


def _chains(text: str, marks: list[_Mark], generic: frozenset[str]) -> list[list[_Mark]]:
    """Runs of marks of one sort that touch or are joined by 、, 和, 与 or 及: “小产改”“中产改”
    “大产改”, “面对面、心贴心”和“春雨行动”活动 (the head noun after the last speaks for all).

    An ordinary word ends a run: in 建立“产改”“根据地” the first quote qualifies the second.
    """
    chains: list[list[_Mark]] = []
    for mark in marks:
        if chains:
            prev = chains[-1][-1]
            touching = mark.open >= prev.close and text[prev.close : mark.open] in ("", "、", "和", "与", "及")
            if touching and prev.title == mark.title and prev.body not in generic:
                chains[-1].append(mark)
                continue
        chains.append([mark])
    return chains


# Evidence strength: a strong kind is lent to the other mentions of the name, a weak one is not;
# -1 marks a text that is never a name (an ordinary word, a sentence, a newspaper).
_STRONG, _WEAK = 2, 1


def _classify_marks(text: str, marks: list[_Mark], cues: _Cues) -> list[Programme]:
    """Classify every marked text, then let names borrow the kind of their siblings and of
    their other mentions."""
    decided: list[list] = []  # [mark, kind, strength]; strength -1 = never a name
    figures = _figures_of_speech(text)
    for chain in _chains(text, marks, cues.generic):
        if chain[0].title:
            rows = [[mark, *_classify_title(text, mark, cues)] for mark in chain]
            if RE_PERIODICALS_AFTER.match(text, chain[-1].close):
                rows = [[mark, None, -1] for mark in chain]  # 《…》《…》等工会报刊: newspapers, magazines
            decided.extend(rows)
        else:
            decided.extend(list(row) for row in _classify_quote_chain(text, chain, cues, figures))
    _lend_to_list_members(text, decided)
    strong: dict[str, ProgrammeKind] = {}
    for mark, kind, strength in decided:
        if kind is not None and strength == _STRONG:
            strong.setdefault(mark.body, kind)
    out = []
    for mark, kind, strength in decided:
        if 0 <= strength < _STRONG and mark.body in strong:
            kind = strong[mark.body]
        if kind is not None:
            out.append(Programme(text=mark.body, start=mark.start, end=mark.end, kind=kind))
    out.extend(_unmarked_slogans(text, [m for m in marks if not m.nested], strong))
    return out


def _lend_to_list_members(text: str, decided: list[list]) -> None:
    """In a list of quoted names (龙腾公司“江都讲堂”、供电公司“火花说”、住建局“思享会”), a name
    nothing else speaks for takes the kind of a member that was classified."""
    run: list[list] = []
    for row in [*decided, None]:
        if row is not None and run and not row[0].title and not run[-1][0].title:
            if RE_LIST_GAP.fullmatch(text, run[-1][0].close, row[0].open):
                run.append(row)
                continue
        if len(run) > 1:
            kinds = [kind for _, kind, strength in run if kind is not None and strength > 0]
            if kinds:
                for member in run:
                    if member[1] is None and member[2] == 0 and len(member[0].body) > 2:
                        member[1], member[2] = kinds[0], _WEAK
        run = [row] if row is not None else []


def _unmarked_slogans(text: str, marks: list[_Mark], strong: Mapping[str, ProgrammeKind]) -> list[Programme]:
    """A long slogan quoted once is the same slogan where it is repeated without marks."""
    out = []
    for body, kind in strong.items():
        if kind is not ProgrammeKind.SLOGAN or len(body) < _MIN_UNMARKED_SLOGAN:
            continue
        i = text.find(body)
        while i != -1:
            if _outside_marks(marks, i, i + len(body)):
                out.append(Programme(text=body, start=i, end=i + len(body), kind=kind))
            i = text.find(body, i + len(body))
    return out


def _outside_marks(marks: list[_Mark], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps no pair of marks (``marks`` are in order, disjoint)."""
    i = bisect.bisect_left(marks, end, key=lambda m: m.open)  # marks opening before ``end``
    return i == 0 or marks[i - 1].close <= start


def _suffix(body: str, table: Mapping[str, object], lengths: tuple[int, ...], *, shorter: bool) -> str | None:
    """The longest key of ``table`` that ``body`` ends with (and, if ``shorter``, is not all of)."""
    for n in lengths:
        if n < len(body) or (n == len(body) and not shorter):
            key = body[-n:]
            if key in table:
                return key
    return None


def _classify_title(text: str, mark: _Mark, cues: _Cues) -> tuple[ProgrammeKind | None, int]:
    """A 《…》 title: a newspaper or magazine (nothing), a work, or else a policy document."""
    key = _suffix(mark.body, cues.title_end, cues.title_end_lengths, shorter=True)
    if key is not None:
        kind = cues.title_end[key]
        return (kind, _STRONG) if kind is not None else (None, -1)
    if cues.title_after.match(text, mark.close):
        return None, -1
    if cues.title_near.search(_title_clause(text, mark)):
        return ProgrammeKind.WORK, _STRONG
    if RE_SPACED_TITLE.search(mark.body) and not mark.body.startswith("关于"):
        return ProgrammeKind.WORK, _WEAK  # 《凝聚力量强服务 接续奋斗开新局》: a speech, a chapter, an article
    return ProgrammeKind.POLICY_DOCUMENT, _WEAK


def _title_clause(text: str, mark: _Mark) -> str:
    """The words of the clause around a title, other titles left out: 创作歌曲《…》《…》、情景剧《…》."""
    left: list[str] = []
    i = mark.open
    floor = max(0, mark.open - 60)
    while i > floor and len(left) < _TITLE_WINDOW:
        ch = text[i - 1]
        if ch in _CLAUSE_STOPS:
            break
        if ch == "》":  # skip a whole title before this one
            j = text.rfind("《", floor, i - 1)
            if j == -1:
                break
            i = j
            continue
        left.append(ch)
        i -= 1
    right: list[str] = []
    i = mark.close
    ceiling = min(len(text), mark.close + 60)
    while i < ceiling and len(right) < _TITLE_WINDOW:
        ch = text[i]
        if ch in _CLAUSE_STOPS:
            break
        if ch == "《":
            j = text.find("》", i + 1, ceiling)
            if j == -1:
                break
            i = j + 1
            continue
        right.append(ch)
        i += 1
    return "".join(reversed(left)) + "|" + "".join(right)


def _classify_quote_chain(
    text: str, chain: list[_Mark], cues: _Cues, figures: frozenset[int] = frozenset()
) -> list[tuple[_Mark, ProgrammeKind | None, int]]:
    """Classify the quotes of one chain: the cue after the last one and the verb before the
    first one speak for all of them."""
    last = chain[-1]
    after_short, after_long = _after_cues(text, last.close, cues, short=len(last.body) <= 2)
    before = _before_cue(text, chain[0].open, cues)
    # the quote ends its noun phrase: a stop, or a clause starts (牢记“…”在思想上…)
    phrase_ends = last.close >= len(text) or text[last.close] in _STOPS or text[last.close] in _VERBAL_STARTS
    # Siblings sharing a stem (“小产改”“中产改”“大产改”) are a family of schemes when a cue
    # around them says they are names at all (“烦心事”“揪心事”“操心事” are just worries).
    cued = before is not None or after_short is not None or after_long is not None
    family = len(chain) >= 3 and cued and _share_affix([m.body for m in chain])
    g = _grammar()
    campaigns = g.campaigns
    out: list[tuple[_Mark, ProgrammeKind | None, int]] = []
    for mark in chain:
        body = mark.body
        if (
            body in cues.generic
            or len(body) > _MAX_QUOTE
            or RE_SENTENCE_MARK.search(body)
            or mark.open in figures
            or _suffix(body, cues.end_never, cues.end_never_lengths, shorter=True)
            or (text.startswith("等", mark.close) and _enumeration(body))
        ):
            out.append((mark, None, -1))  # an ordinary word, a sentence, a category, a list: never a name
            continue
        short = len(body) <= 2
        parallel = not short and _parallel(body) and not RE_DIGIT.search(body)  # “步行15分钟…”: a rule
        # a word of one or two characters needs the head right after its own mark: in
        # 开展“两节”“送温暖”活动 the head speaks for the campaign, not for the festival before it
        after = (after_short if mark is last else None) if short else after_long
        own, own_outweighs = _own_kind(body, short, parallel, cues)
        if body in cues.facilities:
            own, own_outweighs = None, False  # 升级“职工之家”: every union has one; 之家 says nothing
        kind, strength = None, 0
        if (known := campaigns.get(body)) is not None:
            kind, strength = known, _STRONG  # a standing campaign: “金秋助学”品牌 is still the campaign
        elif not short and not parallel and _suffix(body, g.fixed, g.fixed_lengths, shorter=False):
            kind, strength = ProgrammeKind.TITLE, _STRONG  # a standard honour: “湖南省模范职工之家”
        elif RE_FIVE_YEAR_PLAN.fullmatch(body):
            kind, strength = ProgrammeKind.POLICY_DOCUMENT, _STRONG  # “十四五”规划目标, 建功‘十四五’
        elif own_outweighs and after is not None:
            kind, strength = own, _STRONG  # “泉城工匠”颁奖典礼, “工匠杯”比赛品牌: the honour, the cup
        elif after is not None:
            kind, strength = after, _STRONG
        elif own is not None:
            kind, strength = own, _STRONG
        elif not short and (family or RE_PLUS.search(body) or RE_NUMBERED_NAME.fullmatch(body)):
            kind, strength = ProgrammeKind.PROGRAMME, _STRONG
        elif mark is chain[0] and RE_HEAD_COUNT.search(text, max(0, mark.open - 16), mark.open):
            kind, strength = ProgrammeKind.TITLE, _STRONG
        elif before is not None and (phrase_ends or _counted_after(text, last.close)):
            kind, strength = before, _WEAK  # a verb speaks for these mentions only (建起“…”“…”15个)
        elif parallel and mark is last and _event_after(text, mark.close, cues):
            kind, strength = ProgrammeKind.ACTIVITY, _STRONG  # the theme of the event that follows
        elif parallel:
            kind, strength = ProgrammeKind.SLOGAN, _STRONG
        elif not short and RE_NUMBERED_TENET.fullmatch(body):
            kind, strength = ProgrammeKind.SLOGAN, _WEAK
        elif not short and body[0] in _NUMERALS and body[0] != "一":
            kind, strength = ProgrammeKind.PROGRAMME, _WEAK
        elif len(chain) == 1 and body[0] in _NUMERALS and _is_subheading(text, mark):
            kind, strength = ProgrammeKind.PROGRAMME, _WEAK
        out.append((mark, kind, strength))
    return out


RE_COUNT_AFTER = re.compile(r"[0-9０-９一二两三四五六七八九十百千万]+[余多]?(?:期|场|场次|次|个|家|项|批|届|名|人|人次)")


RE_PERIODICALS_AFTER = re.compile(
    r"""
    等?[^，,。；;、《》\n]{0,4}?              # 等工会: what the titles before are
    (?:报刊|报纸|刊物|杂志|期刊)              # periodicals, not documents
    """,
    re.VERBOSE,
)

RE_FROM_TO = re.compile(
    r"""
    [由从]“[^“”]{1,10}”                       # 由“精英赛”: from one thing
    (?:向|到|转向|转为|迈向|延伸到)            # … to another
    “[^“”]{1,10}”                             # “全员赛”: a figure of speech, not two names
    """,
    re.VERBOSE,
)


def _figures_of_speech(text: str) -> frozenset[int]:
    """The opening marks of quotes in a from-to figure (由“点”到“面”, 由“精英赛”向“全员赛”)."""
    if "由“" not in text and "从“" not in text:
        return frozenset()
    opens = set()
    for m in RE_FROM_TO.finditer(text):
        opens.add(m.start() + 1)
        opens.add(text.index("“", m.start() + 2))
    return frozenset(opens)


def _counted_after(text: str, close: int) -> bool:
    """Whether the name is counted right after its closing mark (“惠匠夜校”86期): a named thing."""
    return RE_COUNT_AFTER.match(text, close) is not None


def _after_cues(
    text: str, close: int, cues: _Cues, short: bool = False
) -> tuple[ProgrammeKind | None, ProgrammeKind | None]:
    """The kinds the head noun after a closing mark gives: “…”创业大赛 → activity.

    The phrase runs to the next stop. The first kind is that of a cue right after the mark, the
    only one a word of one or two characters may use (“薪火”工程, not “家”小微企业活动), or of a
    cue after one word of two characters that heads the phrase: the phrase ends with it or a count
    follows (“四送”服务品牌。, “卫民”暖心驿站5家, not “马东”公路建设现场), looked for only when the
    quote is ``short``. The second
    is that of the cue ending last in the phrase, its head (“…”大型青年职工联谊交友活动,
    “…”等一批工作品牌 → 品牌).
    """
    after = RE_AFTER_PHRASE.match(text, close)  # matches anywhere: every part of it is optional
    phrase = after.group() if after else ""
    category = phrase.startswith("等")  # what follows 等 names the category of a list of names
    if category:
        phrase = phrase[1:]  # “…”“…”等活动
    elif phrase.startswith("的"):
        phrase = phrase[1:]  # “…”的目标, but not “…”的特色产业园区为目标
        m = cues.after.match(phrase)
        kind = None
        if m is not None and m.end() == len(phrase) and m.group() not in cues.after_near:
            kind = cues.after_kind[m.group()]  # the whole head: not 的工作格局, not “…”的队伍
        if kind is None and (m := cues.after_de.search(phrase)):
            kind = cues.after_de_kind[m.group()]  # “重点建、行业建”的建会模式: the method it names
        return kind, kind
    m = cues.after.match(phrase)
    first = cues.after_kind[m.group()] if m else None
    gap_word = len(phrase) > 2 and _all_cjk(phrase, 0, 2) and _NUMERALS_SET.isdisjoint(phrase[:2])
    if short and first is None and gap_word:
        m = cues.after.match(phrase, 2)
        if m and (m.end() == len(phrase) or _counted_after(text, close + m.end())):
            first = cues.after_kind[m.group()]
    if not phrase or phrase[0] in _VERBAL_STARTS:
        return first, first  # “…”在比武中脱颖而出: a clause follows, not a head noun
    m = None
    if (cut := phrase.find("等")) > 0:  # “…”公益课堂等群众性文体活动: the list's category follows 等
        m = cues.after_reversed.search(phrase[:cut][::-1])
    if m is None:
        m = cues.after_reversed.search(phrase[::-1])
    if m is None and phrase and text[close + len(phrase) : close + len(phrase) + 1] in ("和", "与", "及"):
        end = close + len(phrase) + 1  # “…”纺织行业劳动和技能竞赛: 和 inside the head phrase
        phrase += text[end - 1] + _phrase_at(RE_AFTER_PHRASE, text, end)
        m = cues.after_reversed.search(phrase[::-1])
    while m is not None and m.group()[::-1] in cues.after_near and not category and m.end() != len(m.string):
        # “…”特色产业园区产改工作: 工作 heads the phrase only right after the mark; a head before
        # it may (“…”建设工作方案 → 建设)
        m = cues.after_reversed.search(m.string, m.end())
    head = cues.after_kind[m.group()[::-1]] if m else None
    return first, head


_SELF_NAMED = (ProgrammeKind.TITLE, ProgrammeKind.ACTIVITY)  # end cues that outweigh a head noun after
_WEAK_END_CUES = frozenset({"职工"})  # “关爱职工”行动: too common an ending to outweigh a head noun


def _own_kind(body: str, short: bool, parallel: bool, cues: _Cues) -> tuple[ProgrammeKind | None, bool]:
    """The kind the cue a quoted name ends with gives (“星湖工匠” → title), not for short
    names or parallel clauses (where it would name the last clause only); and whether that
    last word says what the name is even before a head noun (“泉城工匠”颁奖典礼 is the honour,
    “工匠杯”比赛品牌 the contest)."""
    if short or parallel:
        return None, False
    key = _suffix(body, cues.end, cues.end_lengths, shorter=True)
    if key is None:
        return None, False
    kind = cues.end[key]
    # “互联网+竞赛”评价模式: a formula is a working method, named by its head
    outweighs = kind in _SELF_NAMED and key not in _WEAK_END_CUES and not RE_PLUS.search(body)
    return kind, outweighs


def _phrase_at(pattern: re.Pattern[str], text: str, pos: int) -> str:
    """The phrase ``pattern`` reads at ``pos`` (it matches everywhere, maybe empty)."""
    m = pattern.match(text, pos)
    return m.group() if m else ""


def _event_after(text: str, close: int, cues: _Cues) -> bool:
    """Whether the phrase after a closing mark, read further than for other names, ends with an
    event: parallel clauses before an event's long name are its theme, not a slogan
    (“湾区同心 技能报国”粤港澳大湾区第四届职业技能大赛)."""
    phrase = _phrase_at(RE_THEME_PHRASE, text, close)
    if phrase and not phrase.strip("—") and text.startswith("“", close + len(phrase)):
        end = text.find("”", close + len(phrase), close + len(phrase) + _MAX_QUOTE)
        if end != -1:  # “匠心筑梦 建功泉城”——“泉城工匠”颁奖典礼: the event is named after a dash
            phrase = _phrase_at(RE_THEME_PHRASE, text, end + 1)
    m = cues.after_reversed.search(phrase[::-1])
    return m is not None and cues.after_kind[m.group()[::-1]] is ProgrammeKind.ACTIVITY


def _before_cue(text: str, open_: int, cues: _Cues) -> ProgrammeKind | None:
    """The kind a verb right before an opening mark gives: 开展“…” → activity. The verb may stand
    before the level or the place the name belongs to (被选树为全国“…”, 荣获江南省“…”)."""
    left = text[max(0, open_ - _BEFORE_WINDOW) : open_]
    kind = _ending_cue(left, cues.before, cues.before_lengths)
    if kind is None and left and left[-1] in _TRAILING_PARTICLES:
        kind = _ending_cue(left[:-1], cues.before, cues.before_lengths)
    if (
        kind is None
        and open_ > 0
        and text[open_ - 1] in _owner_tails()  # 国, 省, 市: a level or a place may end here
        and cues.before_any.search(text, max(0, open_ - 2 * _BEFORE_WINDOW), open_ - 1)
        and (n := _owner_before(text, open_))
    ):
        left = text[max(0, open_ - n - _BEFORE_WINDOW) : open_ - n]
        kind = _ending_cue(left.removesuffix("为"), cues.before, cues.before_lengths)
    return kind


@functools.cache
def _owner_tails() -> frozenset[str]:
    """The last characters of the level words, aliases and regions (a quick test before the lookup)."""
    return frozenset({name[-1] for name in _region_names()} | {word[-1] for word in _grammar().modifiers})


def _owner_before(text: str, i: int) -> int:
    """The length of a level word or a region ending right before ``i`` (全国, 江南省), or 0."""
    g = _grammar()
    for n in _REGION_LENGTHS:
        if n <= i and _is_region(text[i - n : i]):
            return n
    for n in g.modifier_lengths:
        if n <= i and text[i - n : i] in g.modifiers:
            return n
    return 0


def _ending_cue(s: str, table: Mapping[str, ProgrammeKind], lengths: tuple[int, ...]) -> ProgrammeKind | None:
    """The kind of the longest key of ``table`` that ``s`` ends with."""
    for n in lengths:
        if n <= len(s) and s[-n:] in table:
            return table[s[-n:]]
    return None


def _share_affix(bodies: list[str]) -> bool:
    """Whether sibling names share a prefix or suffix of two characters or more (物联网+…, …产改)."""
    prefix = os.path.commonprefix(bodies)
    suffix = os.path.commonprefix([b[::-1] for b in bodies])
    return max(len(prefix), len(suffix)) >= 2 and all(len(b) > 2 for b in bodies)


def _parallel(body: str) -> bool:
    """Two or more clauses of two characters or more: 有利于…、有利于…; 惠山王大刚，全国都闪光.

    Quoted speech is no slogan: a first or second person or a sentence particle gives it away.
    """
    if not RE_PARALLEL_SPLIT.search(body) or not _SPEECH_CHARS.isdisjoint(body):
        return False
    parts = [p for p in RE_PARALLEL_SPLIT.split(body) if p]
    return len(parts) >= 2 and all(len(p) >= 2 for p in parts)


RE_LIST_SPLIT = re.compile(r"[、，,；;]")  # the separators of a list of items


def _enumeration(body: str) -> bool:
    """Whether a quote followed by 等 lists items rather than naming one thing: “喝水、充电、热饭”等
    服务, “组织入会、宣传教育、心理健康辅导”等工作. A motto's clauses keep one rhythm (three
    characters or more each, all of one length: “有困难找工会、要维权找工会”等口号); a list's items
    are plain words of any length."""
    parts = [p for p in RE_LIST_SPLIT.split(body) if p]
    if len(parts) < 2:
        return False
    lengths = {len(p) for p in parts}
    return len(lengths) > 1 or min(lengths) < 3


def _is_subheading(text: str, mark: _Mark) -> bool:
    """A short line of a verb and the quoted name alone: 落实“一份责”, 做实『四个强化』 推进….

    Only numbered names are read so (the caller checks): 打好“组合拳”, 下好“先手棋” are figures
    of speech, the commonest subheadings of all."""
    line_start = text.rfind("\n", 0, mark.open) + 1
    prefix = text[line_start : mark.open].strip()
    if not 1 <= len(prefix) <= _HEADING_PREFIX or not all("\u4e00" <= ch <= "\u9fff" for ch in prefix):
        return False
    line_end = text.find("\n", mark.close)
    rest = text[mark.close : line_end if line_end != -1 else len(text)]
    if rest and not rest[0].isspace():
        return False
    return not any(ch in "，,。；;！？!?“”‘’「」『』《》\"" for ch in rest)


def _is_word_char(ch: str) -> bool:
    """A Chinese character that is not a numeral (the 精 of 精一会二通三岗)."""
    return ("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf") and ch not in _NUMERALS


_DOCUMENT_BOUNDARY = frozenset("，,。；;、和及与 \t\n\r\u3000")  # what may follow an unmarked document


def _document_ends(text: str, tails: tuple[str, ...]) -> list[int]:
    """Where a head of an unmarked document (…意见, …方案) ends its phrase, in order."""
    ends = []
    for tail in tails:
        i = text.find(tail)
        while i != -1:
            end = i + len(tail)
            if end == len(text) or text[end] in _DOCUMENT_BOUNDARY:
                ends.append(end)
            i = text.find(tail, end)
    return sorted(ends)


def _bare_names(text: str, marks: list[_Mark], cues: _Cues) -> list[Programme]:
    """Names without marks: working methods, formulas (6+X), plans after a launching verb, event captions."""
    out = []
    spans = [m.span() for m in RE_BARE_METHOD.finditer(text)]
    for m in RE_BARE_ASCENDING.finditer(text):
        if m.start() > 0 and _is_word_char(text[m.start() - 1]):
            spans.append((m.start() - 1, m.end()))  # 精 + 一会二通三岗
    if "+" in text or "＋" in text:
        for m in RE_BARE_FORMULA.finditer(text):
            if all(part.search(m.group()) for part in RE_FORMULA_PARTS):
                spans.append(m.span())  # 6+X, 1+10+N: a formula without quotes
    for start, end in spans:
        if _outside_marks(marks, start, end) and text[start:end] not in cues.generic:
            out.append(Programme(text=text[start:end], start=start, end=end, kind=ProgrammeKind.PROGRAMME))
    quoted = [m.body for m in marks if not m.title]
    for m in cues.bare_plan.finditer(text):
        start, end = m.span("name")
        name = m.group("name")
        if _outside_marks(marks, start, end) and name not in cues.generic and not _quoted_elsewhere(name, quoted):
            kind = cues.plan_kind.get(_suffix(name, cues.plan_kind, cues.plan_lengths, shorter=True) or "")
            out.append(Programme(text=name, start=start, end=end, kind=kind or ProgrammeKind.PROGRAMME))
    last = 0
    for head_end in _document_ends(text, cues.document_tails):  # heads are rarer than verbs: read back
        doc = cues.bare_document.search(text, max(last, head_end - _MAX_DOCUMENT), head_end)
        if doc is None:
            continue
        start, end = doc.span("name")
        if all(k.close <= start or k.open >= end or start <= k.open and k.close <= end for k in marks):
            out.append(Programme(text=doc.group("name"), start=start, end=end, kind=ProgrammeKind.POLICY_DOCUMENT))
            last = end
    for m in cues.caption.finditer(text):
        start, end = m.span("name")
        name = m.group("name")
        if _outside_marks(marks, start, end) and not cues.caption_verbs.search(name):
            out.append(Programme(text=name, start=start, end=end, kind=ProgrammeKind.ACTIVITY))
    return out
