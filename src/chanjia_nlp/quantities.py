"""Quantity extraction: number + multiplier + unit/classifier + qualifier.

The patterns are built from the data in ``lexicons/`` (numerals, units, qualifiers, vague words,
set phrases); this module only says how the pieces combine and which candidates are not
quantities (dates, ordinals, names and slogans with numerals, codes).

Matching runs over a one-to-one normalized copy of the text (full-width → half-width, see
:data:`chanjia_nlp.numbers.FULLWIDTH_TABLE`), so every offset is an offset into the raw text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Iterator, Mapping

from . import _lexicon
from .numbers import FULLWIDTH_TABLE, RADICAL_TABLE, normalize_decimal, parse_halfwidth, parse_range, parse_vague
from .records import Kind, Qualifier, Quantity, make_quantity

__all__ = ["extract_quantities", "iter_quantities"]

_RANGE_SEPARATORS = ("——", "—", "–", "-", "~", "至", "到")
_BETWEEN_SEPARATORS = ("与", "和")  # 5000与10000元之间: a range only before 之间
_INCLUDED = ("(含)", "（含）")  # 1万(含)-5万元: the left end is in the range (issue 13 item 14)
#: The separators as the scan reads them: 1万(含)-5万 is one word in the trie, not an optional group
#: every number would try.
_RANGE_SEPARATOR_WORDS = _RANGE_SEPARATORS + tuple(i + s for i in _INCLUDED for s in _RANGE_SEPARATORS)
_UNITS_WITH_RULES = frozenset({"分", "个", "版", "届", "篇", "间", "升", "折", "区", "县", "镇", "乡", "村"})  # units _build checks one by one
_PLAIN_YUAN = frozenset({"元", "圆", "块钱", "人民币元"})  # yuan words: a currency before the number says whose
_DAMAGED_BEFORE = frozenset("?0123456789")  # a digit lost just before: the slow path flags it
_TIME_AFTER = frozenset("年月日天周时秒号点届岁")  # a unitless number before these is time or age
_DA_NOT_COUNT = frozenset("会学家众概力约都型量批")  # 大会, 大学 … are not "N大 + noun" counts
_SCORE_NOT_AFTER = frozenset("之公局院厂会类别析享工配解布为批期队站校区行中社")  # 3分公司, 分之
_YUE_NOT_AFTER = frozenset("签合预节制公违履特邀相条和规")  # 签约3家 is not "about 3"
_QUOTE_PAIRS = {"“": "”", "‘": "’", "《": "》", "「": "」", "『": "』"}
RE_OPENING_QUOTE = re.compile("[“‘《「『]")
_QUOTE_WINDOW = 12  # a numeral this close inside short quotes is part of a name or slogan
_CLAUSE_STOP = "。；;，,！!？?\n：:"
_PLACE_MARKS = "十百千万亿拾佰仟萬億"
_ONE = Decimal(1)
_KINDS = {k.value: k for k in Kind}


_or = _lexicon.literal_regex  # the longest of several words, as a trie


@dataclass(frozen=True, slots=True)
class _Grammar:
    quantity: re.Pattern[str]
    spaced: re.Pattern[str]  # the same with a space after the numeral: 共有 25 家
    prefixes_by_last_char: Mapping[str, tuple[str, ...]]
    rank: re.Pattern[str]
    rank_verb: re.Pattern[str]
    rank_scope: re.Pattern[str]
    exclusion: re.Pattern[str]  # the set phrases, and the marks of a congress's numbering and of a URL
    session: re.Pattern[str]  # what follows the 届 of a congress's numbering (十届五次, 十五届人大)
    session_numerals: frozenset[str]
    units: Mapping[str, _lexicon.Unit]
    fast_units: Mapping[str, tuple[Kind, str, str | None, bool]]  # unit text → kind, unit, currency, and
    # whether what follows or precedes it may call a rule (156元5角, 港币500元), for
    # the units the fast path takes: scale 1, after any numeral, no duration, no rule in _build but 个's
    prefix: Mapping[str, Qualifier]
    infix: Mapping[str, Qualifier]
    suffix: Mapping[str, Qualifier]
    money_cues: tuple[str, ...]
    tally_next: re.Pattern[str]  # a medal count right after another (3金|2银)
    number_chars: frozenset[str]  # numerals and the last characters of units: 3人-5% is no sign
    tally_ends: frozenset[str]  # the last characters of the medal words
    sub_units: Mapping[str, tuple[_lexicon.SubUnit, ...]]  # 元 → 角, 毛, 分; 小时 → 分钟
    fraction: re.Pattern[str]  # 3分之1, 千分之2.4, 一又二分之一: the fractions the scan leaves to _build
    between: re.Pattern[str]  # 5000与10000元之间: a range the scan leaves to _build
    sub_amount: re.Pattern[str]  # the amount before a smaller unit (5 of 156元5角, 三十 of 三十分钟)
    suffix_re: re.Pattern[str]  # a suffix qualifier after the smaller units (156元5角以上)
    half_units: frozenset[str]  # units a trailing 半 adds half of: 吨, 成, 小时 (一吨半, 三成半)
    ge_half: tuple[tuple[str, str], ...]  # N个半 + the rest of a 个 unit: (小时, 个小时), (百分点, 个百分点)
    extendable: frozenset[str]  # units that may take smaller units or a 半 after them
    extension_starts: frozenset[str]  # what may start those: 半 and the digits
    currency_before: re.Pattern[str]  # a currency word written before the number (港币两千九百六十元)
    worded: re.Pattern[str]  # amounts written as a word (对折), searched for apart from the numbers
    worded_values: Mapping[str, tuple[Decimal, str, str]]
    currency_ends: frozenset[str]  # the last characters of those words


@functools.cache
def _grammar() -> _Grammar:
    """Compile the patterns from the lexicons, once per process."""
    numerals = _lexicon.numerals()
    cn = "".join(sorted(numerals)) + "几幾"
    # 参 is the 大写 3 after OpenCC t2s (參), and the first character of 参加, 参与: no numeral starts
    # there, so the scan does not stop at every 参加; _build reads it before the places it stands
    # before (参万肆仟…: issue 13 item 16).
    cn_start = cn.replace(_CAN, "")
    quals = _lexicon.qualifiers()
    prefix = {word: Qualifier(q) for word, q in quals["prefix"]}
    infix = {word: Qualifier(q) for word, q in quals["infix"]}
    suffix = {word: Qualifier(q) for word, q in quals["suffix"]}
    units = _lexicon.units()
    arabic = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
    # Multipliers: 万, 亿, 百, 千 and their products (百万, 千亿, 万亿, 千万亿, 10万万; issue 13 item 19),
    # with the colloquial 个 before 亿 (两个亿: item 12). The 千 of 千瓦时, 千克, 千米 is the unit's.
    small_place = "(?:百(?!分)|千(?![瓦克米]))"  # 百分之, 百分点, 百分位 start no multiplier
    # Written as a trie (one character decides each step), so a number with no multiplier after it
    # fails at the first character.
    mult = rf"(?=[万萬亿億百千个])(?:[万萬][万萬亿億]?|[亿億]|{small_place}(?:[万萬][亿億]?|[亿億])?|个[亿億])"
    # Arabic digits with Chinese places after them (5万4千6百, 1千零1, 2千零30万, 3亿5000万: issue 13
    # item 2): the places and digits after the first digits, and the places that close them (2亿8千万).
    place = "(?:[十百万萬亿億]|千(?![瓦克米]))"
    mixed_places = rf"(?P<places>(?=[十百千万萬亿億])(?:(?:{place}+零?[0-9]+)+(?:[十百]|千(?![瓦克米]))?[万萬亿億]?|十))?"
    sep = _or(_RANGE_SEPARATOR_WORDS)
    # N与M之间 (between N and M: issue 13 item 23), read by _build where a number stops before 与/和
    unit_words = _or(units)
    between = "[与和]".join(
        rf"(?P<{e}>{arabic}|[{cn}]+)(?P<{e}_mult>{mult})?(?P<{e}_unit>{unit_words})?" for e in ("low", "high")
    ) + "(?=之间)"
    fraction_arabic = r"[0-9]+(?:\.[0-9]+)?"
    fraction_part = rf"(?:{fraction_arabic}|[{cn}]+)"
    # Fractions with Arabic digits or a whole number before 又 (3分之1, 千分之2.4, 一百分之2,
    # 一又二分之一, 3又一千分之23: issue 13 items 20, 21), matched where the scan stops at a 分 or 又
    fraction = rf"(?:{fraction_part}又)?{fraction_part}分之(?:[{cn}]+(?:[点點][{cn}]+)?|{fraction_arabic})"
    vague_phrases = _or(w for w in _lexicon.vague_words() if len(w) > 1)
    # A candidate starts at a numeral character: the lookahead lets `re` skip every other
    # position at C speed. A qualifier prefix (近, 超过) is looked up behind the match, not
    # matched, because an optional leading group would defeat that skip.
    by_last: dict[str, list[str]] = {}
    for word in sorted(prefix, key=len, reverse=True):
        by_last.setdefault(word[-1], []).append(word)
    # A numeral with nothing after it (2023年, 一线, 二、) is a quantity only in the few contexts
    # _could_stand_alone allows; the pattern drops the rest so Python never sees them. The test is
    # a superset of the Python one (over-allowing costs time, never records): the numeral forms
    # that stand alone set `free`, a character before that may end a qualifier (近, 超过), a rank's
    # 第 or a lost digit's ? sets `ctx`, and 大 may follow (六大举措). The numeral is atomic, so a
    # bare numeral that fails is not retried shorter (一百 as 一 + 百).
    ctx_before = re.escape("".join(sorted(set(by_last) | {"第", "前", "?"})))
    seps = re.escape("".join(sorted(set("".join(_RANGE_SEPARATORS)))))
    source = rf"""
        (?=[0-9{cn_start}数成])                           # only where a numeral starts
        (?:(?<=[{ctx_before}])(?P<ctx>))?                 # 近, 超过, 第, ? just before
        (?>(?P<num>
            (?:
                百分之(?:(?!百分)[{cn}])+(?:[点點][{cn}]+)?       # 百分之九十八, 百分之一点五 (not 百分位's 百)
              | 百分之(?:{arabic})                           # 百分之98
              | [{cn}]+分之[{cn}]+(?:[点點][{cn}]+)?             # 三分之一 (3分之1, 千分之2.4, 一又二分之一:
                                                            #   g.fraction, from _build)
              | {vague_phrases}                             # 成千上万
              | 数(?=[十百千万亿])[十百千万亿]+               # 数百, 数千万
              | [0-9](?<![0-9/.][0-9])[0-9]{{0,2}}+/[0-9]{{1,3}}+(?![0-9./])  # 1/3: a fraction or a date
            )(?P<free>)
          | (?<![0-9])(?<![0-9][.])(?<![0-9第][ ])(?:{arabic}){mixed_places}  # 25, 3.8, 1,227, 5万4千 (never from inside one, nor
                                                            # from spaced-out digits 1 2 0 0, nor 第 3), ranges:
                                                            # 1-2, 3万-5万,
            (?:(?:{mult})?(?P<left_unit>{_or(units)})?[ ]?{sep}[ ]?(?:{arabic})  #   300元至800元, 1万(含)-5万
              (?(left_unit)(?=(?:{mult})?(?P=left_unit))))?  #   …with the same unit on both ends (5人至10家 is two)
          | (?=[{cn}点點{seps}]*?[万萬亿億几幾])(?P<cn_free>        # 三万五, 十几 (a 万, 亿 or 几 ahead)
                [{cn}]+(?:[点點][{cn}]+)?(?:{sep}[{cn}]+)?)
          | [{cn}]+(?:[点點][{cn}]+)?(?:{sep}[{cn}]+)?          # 三万五千, 两三, 三至五, 一点五
        ))
        <SPACE>                                           # (the spaced form: 共有 25 家, 3.8 万余名)
        (?P<inf1>{_or(infix)})?                          # 600余万元, 十多个
        (?P<mult>{mult})?<SPACE2>                        # 万, 亿, 百万 (spaced: 3.8 万 元)
        (?P<tail>[0-9](?![0-9.,])|(?<=万)[0-9]{{4}}(?![0-9.,]))?  # 13万2, 1万2000
        (?:(?P<inf2>{_or(infix)})(?P<mult2>[万萬亿億])?)?     # 3.8万余名, 817万多元, 3千余万元, 500万余亿
        (?P<unit>{_or(units)})?                          # 名, 人次, 万元 → 元, %
        (?P<suf>{_or(suffix)})?                          # 以上, 左右
        (?(inf1)|(?(mult)|(?(tail)|(?(inf2)|(?(unit)|(?(suf)|  # nothing after the numeral:
            <ALONE>))))))                                   #   only a form or context that may stand alone
        <END>"""
    # A numeral with nothing after it stands alone in a few forms and contexts, or as 六大 (举措); one
    # followed by a space goes on to Python, which tries the spaced form (PDF and HTML text put a
    # space between digits and unit: 共有 25 家). The spaced form is the same pattern with that space.
    alone = r"(?(free)|(?(cn_free)|(?(places)|(?(ctx)|(?=[大 又与和])))))"
    quantity = re.compile(
        source.replace("<SPACE>", "").replace("<SPACE2>", "").replace("<ALONE>", alone).replace("<END>", ""), re.VERBOSE
    )
    spaced = re.compile(  # a space may follow the numeral and the multiplier, never end the figure
        source.replace("<SPACE>", "[ ]?").replace("<SPACE2>", "(?(mult)[ ]?)").replace("<ALONE>", "(?!)")
        .replace("<END>", "(?<![ ])"),
        re.VERBOSE,
    )
    assert quantity.groupindex["num"] == _NUM_GROUP and quantity.groupindex["suf"] == quantity.groups
    assert quantity.groupindex["mult"] == _MULT_GROUP
    read = tuple(quantity.groupindex[name] for name in _READ_NAMES)
    assert read == _READ_GROUPS == (2, *range(7, quantity.groups + 1))
    assert spaced.groupindex == quantity.groupindex
    ordinal = rf"[0-9]+|[{cn}]+"
    sub_units = _lexicon.sub_units()
    digits = "".join(c for c, (_, role) in numerals.items() if role == "digit")
    # 一吨半, 三成半, 两小时半: units of measure written with Chinese characters (not the counts of
    # things, 一个半 … is read by ge_half, nor symbols and Arabic-only units: 5%, 3分)
    half_units = frozenset(
        text for text, unit in units.items()
        if unit.kind != "count" and not unit.arabic_only and not unit.tally and "\u4e00" <= text[0] <= "\u9fff"
    )
    ge_half = tuple(sorted(((t[1:], t) for t in units if t.startswith("个") and len(t) > 1), key=lambda p: -len(p[0])))
    # Currency words that may stand before the number (港币两千九百六十元, 美元5000万): the money units
    # other than the plain yuan words a number is followed by.
    currency_words = [t for t, u in units.items() if u.kind == "money" and u.currency and t not in _PLAIN_YUAN]
    extendable = frozenset(sub_units) | half_units | {"个"}
    # What reports a placing, searched in the few characters before a 第 or 前 (the text up to it is
    # the search's end, so `$` is the 第): a verb (位居, 排名; 居 alone), or the field ranked in
    # (全省, 全市 … 第四: 增速全市第一, 全省同类开发区第四), with up to 8 characters between.
    rank_verb = re.compile(
        r"""
        (?P<verb>位居|位列|名列|排名|排在|位于|居于|荣获|获得|分获|分别获|夺得|勇夺|评为|确定为|列为|升至|跃居|升居|居|
                 跻身|进入|入围|挺进)
        [^，。；,;、\n第前]{0,8}$
        """,
        re.VERBOSE,
    )
    rank_scope = re.compile(r"全(?:国|省|市|区|县|州|盟|旗|镇|球)[^，。；,;、\n第前]{0,8}$")
    # The placing itself, at the 第: 第一, 第2位, 第一等次第一名; never an ordinal of things (第一批,
    # 第三届, 第一家, 第二大港).
    rank = re.compile(
        rf"""
        第(?:{ordinal})(?:名|位|等次?(?:第(?:{ordinal})名)?)?
        (?![批届期次轮季号章节条款阶段年个家大部项种类座所场份件])
        """,
        re.VERBOSE,
    )
    phrases = _lexicon.exclusions()
    # 十届五次全委会, 十九届六中全会, 县十五届人大(…一次会议), 第十五届人民代表大会⏎六次会议: the
    # numbering of a congress and of its sessions. Matched at the 届; the session number (次) comes
    # right after it, or after the body within the same clause.
    session = re.compile(
        rf"""
        届(?:
            (?P<next>[0-9{cn}]+)(?=[次中])                               # 十届五次, 十九届六中全会
          | [ \t]*{_or(_lexicon.session_bodies())}                       # 十五届人大, 十二届全委
            (?:[^。；;，,！!？?]{{0,12}}?(?<!第)(?P<sitting>[0-9{cn}]+)次(?=会议|全会|全委|全体|常委))?
        )
        """,
        re.VERBOSE,
    )
    return _Grammar(
        quantity=quantity,
        spaced=spaced,
        prefixes_by_last_char=MappingProxyType({k: tuple(v) for k, v in by_last.items()}),
        rank=rank,
        rank_verb=rank_verb,
        rank_scope=rank_scope,
        exclusion=re.compile(_or((*phrases, *_BLOCK_MARKS), searched=True)),
        session=session,
        session_numerals=frozenset("0123456789" + cn),
        units=units,
        fast_units=MappingProxyType({
            text: (_KINDS[unit.kind], unit.text, unit.currency, text in extendable or text in _PLAIN_YUAN)
            for text, unit in units.items()
            if unit.scale == 1 and not unit.arabic_only and not unit.tally and unit.kind != "duration"
            and (unit.text == "个" or unit.text not in _UNITS_WITH_RULES)
        }),
        prefix=prefix,
        infix=infix,
        suffix=suffix,
        money_cues=_lexicon.money_cues(),
        tally_next=re.compile(rf"[0-9{cn}]+{_or(u for u in units if units[u].tally)}"),
        tally_ends=frozenset(u[-1] for u in units if units[u].tally),
        number_chars=frozenset(cn) | frozenset(u[-1] for u in units),
        sub_units=sub_units,
        fraction=re.compile(fraction),
        between=re.compile(between),
        sub_amount=re.compile(rf"[0-9]{{1,2}}(?![0-9.])|[{digits}十拾]{{1,3}}"),
        suffix_re=re.compile(_or(suffix)),
        half_units=half_units,
        ge_half=ge_half,
        extendable=extendable,
        extension_starts=frozenset("半0123456789十拾" + digits),
        currency_before=re.compile(_or(currency_words) + "$"),
        currency_ends=frozenset(w[-1] for w in currency_words),
        worded=re.compile(_or(_lexicon.worded_amounts(), searched=True)),
        worded_values=_lexicon.worded_amounts(),
    )


def extract_quantities(text: str) -> list[Quantity]:
    """Find every quantity mention in ``text``, in order.

    Messy text never raises; it gives fewer records.

    >>> [(q.text, str(q.value), q.qualifier.value) for q in extract_quantities("累计奖励金额近265万元")]
    [('近265万元', '2650000', 'less_than')]
    >>> extract_quantities("荣获全国五一劳动奖状")
    []
    """
    return list(iter_quantities(text))


# ０-９ Ａ-ｚ ％．－～＋, and the Kangxi radicals that look like ideographs (⼀座: RADICAL_TABLE)
_FULLWIDTH_CLASS = "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\uff0d\uff5e\uff0b\u3000\u00a0\u2f00-\u2fd5]"
_MATCH_TABLE = FULLWIDTH_TABLE | RADICAL_TABLE
RE_FULLWIDTH_NUMERIC = re.compile(
    # One class and then a repeat of it, not `[…]+`: a pattern that opens with a plain class lets
    # `re` skip the characters outside it in a tight loop (a repeat at the start does not).
    f"""
    {_FULLWIDTH_CLASS}{_FULLWIDTH_CLASS}*
    (?:\uff0c[\uff10-\uff19]+)*                # ， between digits: １，２３４
    """,
    re.VERBOSE,
)


def _match_form(text: str) -> str:
    """The text with full-width digits, letters and number signs made half-width and Kangxi radicals
    made the ideographs they look like (⼀ → 一), one to one.

    Only what the grammar reads is translated: Chinese commas, colons and brackets stay as they
    are, so most of a report is not touched at all.
    """
    return RE_FULLWIDTH_NUMERIC.sub(lambda m: m.group().translate(_MATCH_TABLE), text)


def iter_quantities(text: str) -> Iterator[Quantity]:
    """Yield the quantity mentions of ``text`` in order (see :func:`extract_quantities`)."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, not {type(text).__name__}; decode bytes before extracting")
    g = _grammar()
    norm = _match_form(text)
    words = g.worded.search(norm)
    numbers = _with_shared_units(_iter_numbers(text, norm, g), text, norm)
    if words is None:
        return numbers  # the common case: no amount written as a word
    return _merge_words(numbers, text, norm, g, words.start())


#: Bare numbers listed before a figure that share its unit: 分别拉动1.7、0.2和4.0个百分点,
#: 分别为12、15、20家 (each a mention with the last one's unit and multiplier, ANNOTATION.md §1).
RE_SHARED_UNIT_LIST = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?[、和及与])+$")
RE_BARE_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_LIST_JOINERS = frozenset("、和及与")
_SHARED_KINDS = frozenset({Kind.COUNT, Kind.MONEY, Kind.PERCENT, Kind.PERCENTAGE_POINT, Kind.SCORE, Kind.AREA})
_SHARED_REACH = 48  # characters of a list before its last figure


def _with_shared_units(numbers: Iterator[Quantity], text: str, norm: str) -> Iterator[Quantity]:
    """``numbers``, with the bare numbers of a list that ends in a figure with a unit added
    before it (the list must follow a word, not open a line: 2、30家 there is an item number)."""
    previous_end = 0
    for q in numbers:
        if (
            q.start >= 2 and norm[q.start - 1] in _LIST_JOINERS and norm[q.start - 2].isdigit()
            and q.unit and q.kind in _SHARED_KINDS and q.qualifier is Qualifier.EXACT
            and q.value is not None and norm.startswith(q.number_text, q.start)
        ):
            yield from _shared(q, text, norm, max(previous_end, q.start - _SHARED_REACH))
        previous_end = q.end
        yield q


def _shared(q: Quantity, text: str, norm: str, floor: int) -> Iterator[Quantity]:
    m = RE_SHARED_UNIT_LIST.search(norm, floor, q.start)
    if m is None or m.start() == floor and floor > 0 and not norm[floor - 1].isspace():
        return  # (a list cut by the reach: its head is unknown)
    before = norm[m.start() - 1] if m.start() > 0 else "\n"
    if not "\u4e00" <= before <= "\u9fff" or before == "第":
        return  # the list opens a line or follows a figure (item numbers, a longer number) or is ordinal (第1、2批)
    if q.value is None:
        return
    try:
        scale = q.value / Decimal(q.number_text)
    except (ArithmeticError, ValueError):
        return
    for n in RE_BARE_NUMBER.finditer(norm, m.start(), m.end()):
        value = normalize_decimal(Decimal(n.group()) * scale)
        yield make_quantity(
            text[n.start() : n.end()], n.start(), n.end(), value, value, value, Qualifier.EXACT, q.kind,
            q.unit, q.currency, text[n.start() : n.end()], False, None, False,
        )


def _merge_words(numbers: Iterator[Quantity], text: str, norm: str, g: _Grammar, first: int) -> Iterator[Quantity]:
    """The figures of ``numbers`` and the amounts written as words (对折), in text order; a word
    inside a figure is no amount of its own."""
    words = []
    for m in g.worded.finditer(norm, first):
        value, kind, unit = g.worded_values[m.group()]
        words.append(make_quantity(
            text[m.start() : m.end()], m.start(), m.end(), value, value, value, Qualifier.EXACT, _KINDS[kind],
            unit, None, text[m.start() : m.end()], False, None, False,
        ))
    i, previous_end = 0, 0
    for q in numbers:
        while i < len(words) and words[i].start < q.start:
            if words[i].start >= previous_end and words[i].end <= q.start:
                previous_end = words[i].end
                yield words[i]
            i += 1
        previous_end = q.end
        yield q
    for w in words[i:]:
        if w.start >= previous_end:
            previous_end = w.end
            yield w


def _iter_numbers(text: str, norm: str, g: _Grammar) -> Iterator[Quantity]:
    """The figures written with numerals, in order."""
    blocked = _blocked_spans(norm, g)
    prefixes = g.prefixes_by_last_char
    fast_units = g.fast_units
    previous_end = 0  # end of the last quantity yielded: a prefix may not reach into it
    rank_end = -1  # end of the last rank yielded: 居全国第17、长三角第2 continues its list
    # The last 《 before the candidate, and the next one: a title mark close before a number sends it
    # down the rule walk. Candidates come in order, so the marks are walked once, not searched for each.
    last_title, next_title = -_TITLE_REACH - 1, _find_or_end(norm, "《", 0)
    for m in g.quantity.finditer(norm):
        num_start = m.start()
        if num_start < previous_end:
            continue  # inside a rank just yielded: the second 第 of 第一等次第一名
        before = norm[num_start - 1] if num_start else ""
        if before in _RANK_MARKS:
            if before == "第":
                q = _rank(g, text, norm, num_start - 1, rank_end)  # 位居全市第一, or 第三批: an ordinal
                if q is not None:
                    previous_end = rank_end = q.end
                    yield q
                continue
            q = _rank_bound(g, text, norm, m)  # 排名全省前三, 前3名, 前50%
            if q is not None:
                previous_end = q.end
                yield q
                continue
        pre = None
        if before in prefixes:
            for word in prefixes[before]:
                if num_start - len(word) >= previous_end and norm.startswith(word, num_start - len(word)):
                    pre = word
                    break
        if m.lastindex in _MAY_BE_SPACED and norm.startswith(" ", m.end()):
            m = g.spaced.match(norm, num_start) or m  # 共有 25 家, 3.8 万 元
        if pre is None and m.lastindex == _NUM_GROUP and not _could_stand_alone(norm, m):
            continue  # 一线, 2022年, 一是: a bare numeral
        # The commonest shapes, 25家, 467人, 3.8万名, 1200余名, 近265万元, 98%以上 (Arabic digits and
        # a unit with no rule of its own): what _build's rules give them, without walking them.
        # The one positional read of the groups (every candidate passes here: m.group(*_READ_GROUPS)
        # costs 70 ns more, 1% of extract_quantities); _grammar() asserts these are _READ_GROUPS' places.
        _, num, _, _, _, _, inf1, mult_text, tail, inf2, mult2, unit_text, suf = m.groups()
        unit = fast_units.get(unit_text)
        while next_title < num_start:
            last_title, next_title = next_title, _find_or_end(norm, "《", next_title + 1)
        end = m.end()
        if (
            unit is None or tail or mult2 or num_start in blocked or not ("1" <= num[0] <= "9" or num[:2] == "0.")
            or not num.isascii()
            or before in _FAST_NOT_BEFORE or (before.isascii() and before.isalpha())
            or (unit_text == "个" and (suf or norm.startswith(_MONTH_WORDS, end)))
            # 156元5角, 一吨半, 5000元与10000元之间; 港币500元: rules of their own
            or (unit[3] and _unit_calls_a_rule(norm, end, num_start - len(pre) if pre else num_start, unit_text, g))
            or pre in _PREFIXES_WITH_RULES or suf in _SUFFIXES_WITH_RULES
            or num_start - last_title <= _TITLE_REACH
            or (value := parse_halfwidth(num)) is None
            or value.adjusted() + (_multiplier(mult_text).adjusted() if mult_text else 0) >= _MAX_FIGURE_EXPONENT
        ):
            q = _build(m, pre, text, norm, g, blocked)
        else:
            if mult_text:
                value = normalize_decimal(value * _multiplier(mult_text))
            qualifier = _qualifier(g, pre, inf1, inf2, suf)
            if pre:
                num_start -= len(pre)  # the span starts at the prefix, whatever word qualifies
            low = value if qualifier in _LOW_IS_VALUE else None
            high = value if qualifier in _HIGH_IS_VALUE else None
            kind, unit_out, currency, _ = unit
            q = make_quantity(
                text[num_start:end], num_start, end, value, low, high, qualifier, kind,
                unit_out, currency, text[m.start() : m.end(_NUM_GROUP)], False, None, False,
            )
        if q is not None:
            previous_end = q.end
            yield q


def _unit_calls_a_rule(norm: str, end: int, start: int, unit_text: str, g: _Grammar) -> bool:
    """Whether a figure of the fast path with one of the units that have rules around them (个, 元,
    吨 …) needs them: smaller units or 半 after it (156元5角, 一吨半, 1个半小时), N与M之间 (5000元与
    10000元之间), or a currency word before it (港币500元)."""
    return (
        (unit_text in g.extendable and norm[end : end + 1] in g.extension_starts)
        or norm.startswith(_BETWEEN_SEPARATORS, end)
        or (unit_text in _PLAIN_YUAN and _char_before(norm, start) in g.currency_ends)
    )


def _char_before(norm: str, at: int) -> str:
    """The character before ``at``, or ``""`` at the start."""
    return norm[at - 1] if at > 0 else ""


@functools.lru_cache(maxsize=64)
def _multiplier(text: str) -> Decimal:
    """The value of a multiplier: 万 10^4, 千万亿 10^15, 10万万's 万万 10^8, 两个亿's 个亿 10^8
    (the product of its places; 个 is the colloquial classifier before 亿)."""
    table = _lexicon.numerals()
    value = _ONE
    for c in text:
        if c != "个":
            value *= table[c][0]
    return value


def _qualifier(g: _Grammar, pre: str | None, inf1: str | None, inf2: str | None, suf: str | None) -> Qualifier:
    """The qualifier the words give: a suffix (以上), else an infix (余), else a prefix (近)."""
    if suf:
        return g.suffix[suf]
    infix = inf2 or inf1
    if infix:
        return g.infix[infix]
    if pre:
        return g.prefix[pre]
    return Qualifier.EXACT


RE_SERVICE_RADIUS = re.compile(r"[^，。；、,;:：\s]{0,6}圈")  # 15分钟(职工服务)圈, 半小时生活圈
_PREFIXES_WITH_RULES = frozenset({"约", "上", "过"})  # 签约3家, 会上3家, 通过3项: _build decides
_GUO_NOT_AFTER = frozenset("经通超不度跨越穿错难胜路走闯")  # 经过, 通过, 不过 …: 过 ends a word
_SUFFIXES_WITH_RULES = frozenset({"上下", "+"})  # 上下班, 5+2 模式: _build decides
_FAST_NOT_BEFORE = frozenset("?0123456789×*:：/-−负“‘.兆")  # a lost digit (the slow path flags it), 7×24, 20:17
_MONTH_WORDS = ("月", "多月", "半月", "工作日")  # 3个月: a duration, not a count of 个


_NUM_GROUP = 2  # index of the (?P<num>) group: lastindex == 2 means nothing after the numeral matched
_MULT_GROUP = 8  # index of the (?P<mult>) group: a space after it may stand before the unit (3.8万 元)
_MAY_BE_SPACED = (_NUM_GROUP, _MULT_GROUP)
RE_STANDS_ALONE = re.compile(r"[万萬亿億几幾/]|分之|^数|^成")  # 12万, 三万五, 数百, 几十, 成千上万, 百分之十, 1/3


_MAY_FOLLOW_ALONE = frozenset("大又与和")  # 六大举措, 一又二分之一, 5000与10000元之间


def _could_stand_alone(norm: str, m: re.Match[str]) -> bool:
    """Whether a numeral with no unit, multiplier or qualifier after it may still be a quantity."""
    if RE_STANDS_ALONE.search(m.group("num")):
        return True
    end = m.end()
    start = m.start()
    return norm[end : end + 1] in _MAY_FOLLOW_ALONE or (start > 0 and norm[start - 1] == "?")




_BLOCK_MARKS = ("届", "://", "www.", "@")  # found in the same scan as the set phrases
_SPECIAL_ENDS = frozenset("届分/.@")  # the last characters of 届, 十分, ://, www., @


def _blocked_spans(norm: str, g: _Grammar) -> frozenset[int]:
    """Every position inside a set phrase with numerals (五一, 一企一品牌, 二十大) or a web address,
    and the start of a congress's numbering (十届五次): a number that starts there is no quantity."""
    blocked: set[int] = set()
    update = blocked.update
    url_end = 0
    for m in g.exclusion.finditer(norm):
        start, end = m.span()
        last = norm[end - 1]
        if last not in _SPECIAL_ENDS:
            update(range(start, end))  # the common case: a set phrase
        elif last == "届":
            if end - start > 1:
                update(range(start, end))  # 十九届
            update(_session_numbers(norm, end - 1, g))
        elif last == "分":
            if not norm.startswith("之", end):  # 十分之一 is no 十分
                update(range(start, end))
        elif last == "@":
            update(range(*_email_span(norm, start)))  # 100yuan@gh.cn: nothing in an e-mail address
        elif start >= url_end and m.group() in _BLOCK_MARKS:  # :// or www.
            start, url_end = _url_span(norm, start)
            update(range(start, url_end))
    return frozenset(blocked)


def _url_span(norm: str, at: int) -> tuple[int, int]:
    """The web address around ``at`` (its ``://`` or ``www.``): nothing inside one is a quantity
    (``?q=%E5%B7%A5%20`` holds no 20%; issue 13 item 18). It runs over ASCII that is no space."""
    start = at
    while start > 0 and norm[start - 1].isascii() and norm[start - 1].isalpha():
        start -= 1
    end = at
    while end < len(norm) and norm[end].isascii() and not norm[end].isspace():
        end += 1
    return start, end


_EMAIL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def _email_span(norm: str, at: int) -> tuple[int, int]:
    """The e-mail address around the ``@`` at ``at`` (its local part and domain), or an empty span
    when one side is missing (@全体职工 is a mention of people, no address)."""
    start = at
    while start > 0 and norm[start - 1] in _EMAIL_CHARS:
        start -= 1
    end = at + 1
    while end < len(norm) and norm[end] in _EMAIL_CHARS:
        end += 1
    return (start, end) if start < at and end > at + 1 else (at, at)


def _session_numbers(norm: str, at: int, g: _Grammar) -> list[int]:
    """Where the numbers of a congress's numbering start, for the 届 at ``at``: 十届五次全委会 gives
    十 and 五, 县十五届人大一次会议 gives 十五 (and 一), 举办六届运动会 nothing (a count of editions)."""
    start = at
    while start > 0 and norm[start - 1] in g.session_numerals:
        start -= 1
    m = g.session.match(norm, at) if start < at else None
    if m is None:
        return []
    out = [start]
    for group in ("next", "sitting"):
        if m.group(group) is not None:
            out.append(m.start(group))
    return out


def _in_short_quotes(norm: str, start: int, end: int) -> bool:
    """Whether ``norm[start:end]`` sits inside a short quoted or titled name (“五个一”, 《…》)."""
    left = max(0, start - _QUOTE_WINDOW)
    if RE_OPENING_QUOTE.search(norm, left, start) is None:
        return False  # the common case: no quote opens just before
    for i in range(start - 1, left - 1, -1):
        ch = norm[i]
        if ch in _QUOTE_PAIRS:
            close = _QUOTE_PAIRS[ch]
            j = norm.find(close, end, end + _QUOTE_WINDOW)
            if ch == "《":  # a title: any numeral inside is part of the name
                j = norm.find(close, end, end + 60)
            return j != -1 and (ch == "《" or j - i <= _QUOTE_WINDOW)
        if ch in "”’》」』\n":
            return False
    return False


_QUOTE_OPENS = frozenset("“‘")


def _opens_a_quoted_name(norm: str, start: int, end: int) -> bool:
    """Whether the figure ``norm[start:end]`` opens short quotes that hold more than it: a slogan or
    name (“24小时不打烊”, “3个100%”, “1+10+N”), not a quoted figure alone (“100%”) nor the start of
    quoted speech (“3年前我们…”, longer than a name)."""
    close = norm.find(_QUOTE_PAIRS[norm[start - 1]], end, start + _QUOTE_WINDOW)
    return close > end and bool(norm[end:close].strip())


def _money_context(norm: str, start: int, cues: tuple[str, ...]) -> bool:
    """Whether the clause before ``start`` talks about money (增效创收数千万)."""
    left = start
    floor = max(0, start - 16)
    while left > floor and norm[left - 1] not in _CLAUSE_STOP:
        left -= 1
    clause = norm[left:start]
    return any(cue in clause for cue in cues)


_AMBIGUOUS_MULTIPLIER = "兆"  # 10^6 in mainland usage, 10^12 elsewhere (issue 13 item 19)
#: Words a unit starts as another word: 升 as a verb (由5升至8, 升为), 折 in 折合, 间 in 间隔.
_UNIT_NOT_BEFORE = {
    "升": frozenset("至到为高级格学职值温幅了入任调降华迁旗空"),
    "折": frozenset("合算旧叠扣射腾服线返成价"),
    "间": frozenset("隔距断歇接"),
}
_HALF = "半"
_HALF_NOT_BEFORE = frozenset("年月日天小岁导成径数价场程身途夜山岛个票拉职百分")  # 一吨半年, 半导体: a word's 半


def _prefix_before(norm: str, at: int, g: _Grammar) -> str | None:
    """The qualifier word (近, 约, 超过) ending right before ``at``, if any."""
    for word in g.prefixes_by_last_char.get(_char_before(norm, at), ()):
        if norm.startswith(word, at - len(word)):
            return word
    return None


def _opens_with_a_point(norm: str, at: int) -> bool:
    """Whether the ``.`` at ``at`` opens a decimal written without its 0 (``.5人``, issue 13 item
    22): it follows no digit, letter or other point (No.5, 1.2.5 stay as they are)."""
    c = norm[at - 1 : at]
    return not c or not (c.isascii() and (c.isalnum() or c in "./-"))


@dataclass(frozen=True, slots=True)
class _Extension:
    """What follows a unit and belongs to its amount: smaller units (156元5角: 0.5 more 元; 两小时十分:
    2 × 60 + 10 分钟) or a 半 (一吨半). The value becomes ``value * scale + add`` in ``unit``."""

    end: int
    unit: _lexicon.Unit
    scale: Decimal
    add: Decimal


def _unit_extension(norm: str, end: int, unit_text: str, g: _Grammar) -> _Extension | None:
    """Smaller units or a 半 right after the unit ending at ``end``, if any."""
    if norm.startswith(_HALF, end):
        return _half_after(norm, end, unit_text, g)
    rows = g.sub_units.get(unit_text)
    return _smaller_units(norm, end, unit_text, rows, g) if rows else None


def _half_after(norm: str, end: int, unit_text: str, g: _Grammar) -> _Extension | None:
    """``一吨半``, ``三成半``, ``两小时半`` (half a unit more), and ``1个半小时``, ``3个半百分点``, where the
    半 stands inside the unit that takes 个 (issue 13 item 11)."""
    at = end + len(_HALF)
    if unit_text == "个":
        for rest, whole in g.ge_half:
            if norm.startswith(rest, at):
                return _Extension(at + len(rest), g.units[whole], _ONE, Decimal("0.5"))
        return None
    if unit_text not in g.half_units or norm[at : at + 1] in _HALF_NOT_BEFORE:
        return None
    return _Extension(at, g.units[unit_text], _ONE, Decimal("0.5"))


_SMALL_UNIT_MAY_FOLLOW = frozenset("的钱")  # 两小时十分的课, 三毛五分钱


def _smaller_units(
    norm: str, end: int, major: str, rows: tuple[_lexicon.SubUnit, ...], g: _Grammar
) -> _Extension | None:
    """``156元5角``, ``壹拾壹元壹角壹分``, ``十块三毛``, ``一块二``, ``两小时十分``, ``一个小时三十分钟``:
    the amounts in smaller units after a unit, each unit smaller than the one before."""
    pos, add, last_per, row = end, Decimal(0), _ONE, None
    while True:
        amount = g.sub_amount.match(norm, pos)
        if amount is None:
            break
        after = amount.end()
        found = None
        for candidate in rows:
            if (
                candidate.per > last_per and candidate.minor and norm.startswith(candidate.minor, after)
                and (found is None or len(candidate.minor) > len(found.minor))
            ):
                found = candidate
        if found is None and row is None:
            # the next place abbreviated (一块二): one digit closing the amount
            found = next((r for r in rows if not r.minor), None)
            nxt = norm[after : after + 1]
            if found is None or after - pos != 1 or nxt.isdigit() or "\u4e00" <= nxt <= "\u9fff":
                break
        if found is None:
            break
        value = parse_halfwidth(amount.group())
        if value is None or not 0 < value < found.per or value != value.to_integral_value():
            break
        stop = after + len(found.minor)
        if found.minor == "分":
            nxt = norm[stop : stop + 1]
            if "\u4e00" <= nxt <= "\u9fff" and nxt not in _SMALL_UNIT_MAY_FOLLOW:
                break  # 十分重要: the 分 starts a word
        in_major = found.unit.text == major
        if not in_major and row is not None:
            break  # a value in the smaller unit (分钟) takes one smaller unit only
        add += value / found.per if in_major else value
        pos, last_per, row = stop, found.per, found
    if row is None:
        return None
    if row.unit.text == major:
        return _Extension(pos, row.unit, _ONE, add)
    return _Extension(pos, row.unit, row.per, add)  # in the smaller unit, so that the value stays exact


def _discount(num: str) -> Decimal | None:
    """The tenths of a discount: ``8`` (8折), ``8.5``, ``八五`` and ``85`` (八五折, 85折: 8.5 tenths),
    ``七``; a discount is under ten tenths."""
    value = parse_halfwidth(num)
    if value is not None and 10 < value < 100 and num.isdigit() and value % 10:
        value = value / 10  # 85折, 95折: two digits are tenths and hundredths
    if value is None and len(num) == 2:
        first, second = parse_halfwidth(num[0]), parse_halfwidth(num[1])
        if first is not None and second is not None and first < 10 and second < 10:
            value = first + second / 10
    return value if value is not None and 0 < value < 10 else None


def _ends_a_between(norm: str, num_start: int, g: _Grammar) -> bool:
    """Whether the number at ``num_start`` closes ``N与M间`` / ``N和M间`` (between N and M)."""
    return (
        num_start > 1
        and norm[num_start - 1] in _BETWEEN_SEPARATORS
        and norm[num_start - 2] in g.number_chars | _DIGIT_CHARS
    )


_DIGIT_CHARS = frozenset("0123456789")


def _currency_before(norm: str, start: int, g: _Grammar) -> str | None:
    """A currency word written right before the figure at ``start`` (港币两千九百六十元: HKD)."""
    if start == 0 or norm[start - 1] not in g.currency_ends:
        return None
    m = g.currency_before.search(norm, max(0, start - 6), start)
    return m.group() if m else None


#: The named groups of the quantity pattern that the rules read, in this order, and their indices
#: (``m.group(*_READ_GROUPS)``; :func:`_grammar` asserts that they are these names' groups).
_READ_NAMES = ("num", "inf1", "mult", "tail", "inf2", "mult2", "unit", "suf")
_READ_GROUPS = (2, 7, 8, 9, 10, 11, 12, 13)


class _Go:
    """Returned by a phase of :func:`_build` to let the reading go on to the next phase."""


_GO = _Go()


class _Reading:
    """One candidate as the phases of :func:`_build` read it: the words the pattern matched
    (named groups), where they stand, and what the phases have concluded so far. Made once per
    candidate that gets past its context (:func:`_read_context`); each later phase refines it in
    place or decides (no figure, or a quantity of a shape of its own)."""

    __slots__ = (
        "text", "norm", "g", "pre", "pre_start", "num", "num_start", "num_end", "end", "before",
        "inf1", "mult_text", "tail", "inf2", "mult2", "unit_text", "suf", "unit", "ext", "one", "damaged_start",
        "is_arabic", "kind", "value", "low", "high", "vague_or_range", "mult", "qualifier", "span_start",
    )
    # Set by the phases, each before any later phase reads it (a candidate is read by thousands):
    kind: Kind | None  # count, money, percent …: :func:`_read_numeral`, then the unit and the context
    value: Decimal | None  # what the numeral is worth, or None for a range or a vague amount …
    low: Decimal | None  # … whose ends these are (:func:`_read_numeral`, scaled by the later phases)
    high: Decimal | None
    vague_or_range: Qualifier | None
    mult: Decimal  # the multiplier applied (:func:`_apply_multiplier`; _ONE, the object, when none is)
    qualifier: Qualifier  # the qualifier the words give, and where the span starts (:func:`_read_amount`)
    span_start: int

    def __init__(
        self, text: str, norm: str, g: _Grammar, pre: str | None, pre_start: int, num: str, num_start: int,
        num_end: int, end: int, before: str, inf1: str | None, mult_text: str | None, tail: str | None,
        inf2: str | None, mult2: str | None, unit_text: str | None, suf: str | None, unit: _lexicon.Unit | None,
        ext: _Extension | None, one: bool, damaged_start: int | None, is_arabic: bool,
    ) -> None:
        self.text, self.norm, self.g = text, norm, g
        self.pre, self.pre_start = pre, pre_start  # the qualifier word before the numeral (近, 约, 超过)
        self.num, self.num_start, self.num_end = num, num_start, num_end  # the numeral (3.8, 二十几, 1/3)
        self.end, self.before = end, before  # where the figure ends; the character before the numeral
        self.inf1, self.mult_text, self.tail = inf1, mult_text, tail  # 600余万元; 万, 亿; 13万2, 1万2000
        self.inf2, self.mult2 = inf2, mult2  # 3.8万余名; 3千余万元
        self.unit_text, self.suf = unit_text, suf  # 名, 万元; 以上, 左右
        self.unit, self.ext = unit, ext  # the unit read, and smaller units or a 半 after it (156元5角, 一吨半)
        self.one, self.damaged_start, self.is_arabic = one, damaged_start, is_arabic
        self.mult = _ONE


_Step = Quantity | None | _Go


def _build(m: re.Match[str], pre: str | None, text: str, norm: str, g: _Grammar, blocked) -> Quantity | None:
    """Turn one candidate (the anchored match and the prefix before it) into a quantity, or
    ``None`` when it is not one: its context (:func:`_read_context`) makes the :class:`_Reading`
    of a candidate that may be a figure, and each phase after it refines the reading or decides."""
    num_start, num_end = m.span(_NUM_GROUP)
    if num_start in blocked:
        return None
    r = _read_context(m, pre, text, norm, g, num_start, num_end)
    if type(r) is not _Reading:
        return r  # type: ignore[return-value]
    if (step := _read_numeral(r)) is not _GO:
        return step  # type: ignore[return-value]
    # (a phase with nothing to read is not called: most figures have no multiplier, many no unit)
    if (r.mult_text or r.mult2 or r.tail or r.ext) and (step := _apply_multiplier(r)) is not _GO:
        return step  # type: ignore[return-value]
    if r.unit is not None and (step := _check_unit(r)) is not _GO:
        return step  # type: ignore[return-value]
    if (step := _read_amount(r)) is not _GO:
        return step  # type: ignore[return-value]
    return _finish(r)


def _read_context(
    m: re.Match[str], pre: str | None, text: str, norm: str, g: _Grammar, num_start: int, num_end: int
) -> _Reading | Quantity | None:
    """What stands around the numeral: a label's letters (G20, No.5), a lone 零, the shapes read
    on their own (3分之1, 5000与10000元之间, 1/3), a 参 or a leading point that belongs to the
    numeral, a medal word outside a tally, smaller units after the unit, a generic 一, 来, a lost
    digit before, a page label or a clock: the reading of a candidate that may be a figure."""
    num, inf1, mult_text, tail, inf2, mult2, unit_text, suf = m.group(*_READ_GROUPS)
    pre_start = num_start - len(pre) if pre else num_start
    end = m.end()
    before = norm[num_start - 1] if num_start else ""
    if before and (before.isascii() and before.isalpha() or before in "×*"):
        return None  # G20, No.5, 7×24
    if num in ("零", "〇"):
        return None  # 零部件, 零距离: a lone zero is a word, not a figure
    if norm.startswith(_FRACTION_MARKS, num_end) and (f := g.fraction.match(norm, num_start)) is not None:
        if pre in ("上", "过") or (pre == "约" and pre_start > 0 and norm[pre_start - 1] in _YUE_NOT_AFTER):
            pre = None
        return _fraction(f, pre, text, norm, g)  # 3分之1, 千分之2.4, 一又二分之一
    if norm.startswith(_BETWEEN_SEPARATORS, end) and (b := g.between.match(norm, num_start)) is not None:
        return _between(b, text, g)  # 5000与10000元之间
    if before == _CAN and num[0] in _FINANCIAL_PLACES and _has_financial_digit(num):
        num, num_start, before = _CAN + num, num_start - 1, _char_before(norm, num_start - 1)  # 参万肆仟
        pre, pre_start = None, num_start
    if before == "." and num.isdigit():
        if not _opens_with_a_point(norm, num_start - 1):
            if _char_before(norm, num_start - 1).isalpha():
                return None  # No.5: a label's number
        else:
            num, num_start, before = "0." + num, num_start - 1, _char_before(norm, num_start - 1)  # .5人
            pre = _prefix_before(norm, num_start, g)  # 约.25万元
            pre_start = num_start - len(pre) if pre else num_start
    if (unit_text is None and norm.startswith(_AMBIGUOUS_MULTIPLIER, end)) or before == _AMBIGUOUS_MULTIPLIER:
        return None  # 3兆, 四十九兆九千…億元: 10^6 in mainland usage, 10^12 elsewhere; refused, never guessed
    unit = g.units[unit_text] if unit_text else None
    if unit is not None and unit.tally and not _in_tally(norm, num_start, end, g):
        if suf:
            return None
        unit = unit_text = None  # 压降两金: a medal word is a unit only in a tally
        end = m.start("unit")
    ext = None  # smaller units or a 半 after the unit: 156元5角, 两小时十分, 一吨半, 1个半小时
    if unit_text in g.extendable and not suf and norm[end : end + 1] in g.extension_starts:
        ext = _unit_extension(norm, end, unit_text, g)
        if ext is not None:
            end, unit, unit_text = ext.end, ext.unit, ext.unit.text
            if (suf_m := g.suffix_re.match(norm, end)) is not None:
                suf, end = suf_m.group(), suf_m.end()  # 156元5角以上
    one = False  # 一 that is a figure: a medal (斩获一金) or closing a phrase after its noun (一座、)
    if num == "一" or num == "壹":
        one = (
            (unit is not None and (unit.tally or unit.text == "折")) or ext is not None  # 斩获一金, 一折
            or _one_after_noun(norm, num_start, end, unit_text)
        )
        if not (pre or inf1 or inf2 or suf or one):
            return None  # 一个, 一家: a generic "a/one" (the rule at the end, decided before the work)
    if (inf1 == "来" or inf2 == "来") and not (mult_text or unit_text):
        return None  # 来 rounds a number before a measure (十来个, 20来万); 14来源 is no figure
    damaged_start = _damaged_start(norm, num_start) if before and before in "?0123456789" else None
    if pre == "约" and pre_start > 0 and norm[pre_start - 1] in _YUE_NOT_AFTER:
        pre = None  # 签约3家: 约 belongs to the verb
    is_arabic = num[0].isdigit()
    if is_arabic and (num[0] == "0" or before in ":：/" or "/" in num or norm[num_end : num_end + 1] == "/"):
        if _is_label_or_clock(norm, num, num_start, num_end):
            return None  # 02版, 00002版, 007号: a page label or code; 20:17:14: a clock time; 2023/4/6
        if "/" in num:
            return _slash_fraction(m, pre, text, norm, g)
    if not is_arabic and _lone_financial_numeral(num) and not (unit is not None and unit.kind == "money"):
        return None  # 队伍, 陆续, 参加: a single 大写 digit inside an ordinary word (贰元 is money)
    return _Reading(
        text, norm, g, pre, pre_start, num, num_start, num_end, end, before, inf1, mult_text, tail, inf2, mult2,
        unit_text, suf, unit, ext, one, damaged_start, is_arabic,
    )


def _read_numeral(r: _Reading) -> _Step:
    """What the numeral is worth: a value (a percentage, a ratio, a discount), or the interval of
    a range or a vague amount; a bare place marker (万, 千) only with a qualifier (近万人)."""
    num, unit_text, pre, mult_text = r.num, r.unit_text, r.pre, r.mult_text
    kind: Kind | None = None
    value = low = high = None
    vague_or_range: Qualifier | None = None
    if num.startswith("百分之"):
        value, kind = parse_halfwidth(num), Kind.PERCENT
        if unit_text is not None:
            return None  # 百分之五十人: not a written percentage
    elif "分之" in num:
        value, kind = parse_halfwidth(num), Kind.RATIO
        if unit_text is not None:
            return None
    else:
        value = parse_halfwidth(num) if unit_text != "折" else _discount(num)
        if value is None:
            mult = _multiplier(mult_text) if mult_text else _ONE
            bounds = _parse_range_text(num, mult) if not num.startswith("数") else None
            if bounds is not None:
                vague_or_range = Qualifier.RANGE
            else:
                bounds = parse_vague(num)
                vague_or_range = Qualifier.VAGUE if bounds is not None else None
            if bounds is None:
                return None
            low, high = bounds
    if value is None and vague_or_range is None:
        return None
    if pre == "过":
        norm, pre_start = r.norm, r.pre_start
        if (pre_start == 0 or norm[pre_start - 1] in _GUO_NOT_AFTER
                or not (unit_text or mult_text or norm[r.end : r.end + 1] in _CLAUSE_STOP)):
            pre = None  # 过 is 超过 only where it does not end a word (经过, 通过) and a measure follows
    # A bare place marker (万, 千) is a number only with a qualifier: 近万人, 上千, 百余名, 超亿美元.
    # A 十 in front makes it a number (十万元, 十亿: issue 13 item 1); 百万职工 stays a phrase.
    if vague_or_range is None and kind is None and num != "十" and not num.strip(_PLACE_MARKS):
        if not (pre or r.inf1 or r.inf2 or r.suf) and num[0] not in "十拾":
            return None
        if pre == "上" and num.startswith("百") and not (r.inf1 or r.inf2 or r.suf or mult_text):
            # 上百 when not a bound is vague (ANNOTATION.md: 上百 → [100, 900]; 上千 stays at_least)
            vague_or_range, low, high, value = Qualifier.VAGUE, value, value * 9 if value is not None else None, None
    elif pre in ("上", "过"):
        pre = None  # 上, 过 are qualifiers only before a bare 百/千/万/亿 (会上3家 is exact, 过3家 too)
    r.pre = pre
    r.kind = kind
    r.value = value
    r.low = low
    r.high = high
    r.vague_or_range = vague_or_range
    return _GO


def _apply_multiplier(r: _Reading) -> _Step:
    """The multipliers (万, 亿; 500万余亿), the lower places after one (13万2, 1万2000) and the
    smaller units (156元5角) applied to the value and the ends of a range."""
    mult_text, mult2, tail, ext = r.mult_text, r.mult2, r.tail, r.ext
    value, low, high, vague_or_range = r.value, r.low, r.high, r.vague_or_range
    mult = _multiplier(mult_text) if mult_text else _ONE
    if mult2:
        mult *= _multiplier(mult2)  # 500万余亿, 3千余万元: the 余 stands between two multipliers
    if tail:
        if not r.is_arabic or mult_text not in ("万", "亿") or value is None or value != value.to_integral_value():
            return None  # (a range has no single value to extend: 0-8亿1)
        # 13万2: the next place abbreviated (132000); 1万2000: the lower places written out (12000)
        value = value * mult + (Decimal(tail) if len(tail) == 4 else Decimal(tail) * mult / 10)
        mult = _ONE
    if mult is not _ONE:
        value = value * mult if value is not None else None
        # 3万至5万元: the left end has its own 万, the trailing one belongs to the right end.
        own = vague_or_range is Qualifier.RANGE and _left_has_multiplier(r.num)
        high = high * mult if high is not None else None
        if low is not None and not own and (
            high is not None and low * mult < high or vague_or_range is not Qualifier.RANGE
        ):
            low = low * mult  # 3-5万: the right end's 万 is shared; 500到1万: it is not
    if ext is not None:
        if value is None:
            return None  # 两三元五角: smaller units after a range or a vague amount are no amount
        value = value * ext.scale + ext.add
    r.mult, r.value, r.low, r.high = mult, value, low, high
    return _GO


def _check_unit(r: _Reading) -> _Step:
    """The unit's own rules: some follow only Arabic digits (分), some words are not units where
    they stand (3个月, 9时30分, 由5升至8, (2021版)); the unit gives the kind and its scale (七成)."""
    unit = r.unit
    if unit is None:
        return _GO
    if unit.arabic_only and not r.is_arabic:
        return None  # 十分, 三分
    norm, end, num_start = r.norm, r.end, r.num_start
    ut = unit.text
    if ut in _UNITS_WITH_RULES:
        after = norm[end : end + 1]
        if ut == "分":
            if after in _SCORE_NOT_AFTER or (num_start > 0 and norm[num_start - 1] in "时点:："):
                return None  # 3分公司, 分之; 9时30分: a clock time
        elif ut == "个":
            if norm.startswith(_MONTH_WORDS, end - (1 if r.suf else 0)):
                return None  # 3个月: a duration in months
        elif ut == "篇":
            if _writes_an_essay(norm, r.pre_start, end):
                return None  # 做好…两篇文章: the idiom for two lines of work, no articles
        elif ut in _UNIT_NOT_BEFORE:
            if after in _UNIT_NOT_BEFORE[ut]:
                return None  # 由5升至8, 折合: a verb, not the unit
            if ut == "间" and _ends_a_between(norm, num_start, r.g):
                return None  # 10000与20000间: 间 is 'between', no rooms
        else:  # 版, 届; 区, 县, 镇, 乡, 村 (8区10县)
            num = r.num
            if r.is_arabic and (len(num) == 4 and num.startswith(("19", "20")) or "." in num):
                return None  # (2021版), 2.0版: an edition or version; 2016县总工会: a year
            if ut == "版" and after in ":：":
                return None  # 4版:要闻: a newspaper's page label
    if unit.kind == "duration" and RE_SERVICE_RADIUS.match(norm, end):
        return None  # 15分钟职工服务圈: the name of a service radius, not a time taken
    if r.kind is None:
        r.kind = _KINDS[unit.kind]
    if unit.scale != 1:  # 七成 → 70 percent
        scale = unit.scale
        r.value = r.value * scale if r.value is not None else None
        r.low = r.low * scale if r.low is not None else None
        r.high = r.high * scale if r.high is not None else None
    return _GO


def _read_amount(r: _Reading) -> _Step:
    """The qualifier the words give (suffix, then infix, then prefix) and where the span starts
    (上下班 and 5+2 are no qualified figures); without a unit a number needs something else that
    says it is an amount (a multiplier, a qualifier, 六大 …), and money is told by its context; a
    generic 一 and a numeral in short quotes (“五个一”) or opening a quoted name are no figures."""
    pre, suf, norm, end, num_start, g = r.pre, r.suf, r.norm, r.end, r.num_start, r.g
    vague_or_range = r.vague_or_range
    span_start = num_start - len(pre) if pre else num_start  # pre may have been dropped above
    qualifier = _qualifier(g, pre, r.inf1, r.inf2, suf)
    if suf == "上下" and norm[end : end + 1] in "班游级联功":
        return None  # 上下班
    if suf == "+" and norm[end : end + 1].isalnum():
        return None  # 5+2 模式
    if vague_or_range is not None:
        qualifier = vague_or_range
        span_start = r.pre_start if pre else num_start
    r.qualifier, r.span_start = qualifier, span_start
    num, kind, is_arabic = r.num, r.kind, r.is_arabic
    if r.unit is None and kind not in (Kind.PERCENT, Kind.RATIO):
        # Without a unit a number needs something else that says it is an amount.
        has_mult = r.mult_text is not None or not _BIG_PLACE_CHARS.isdisjoint(num)
        counts_as_amount = (
            vague_or_range is Qualifier.VAGUE
            or (has_mult and (is_arabic or qualifier is not Qualifier.EXACT or _has_digit(num)))
            or (qualifier is not Qualifier.EXACT and vague_or_range is None and is_arabic)
        )
        da = _da_count(num, norm, end) if not counts_as_amount else False
        if not counts_as_amount and not da:
            return None
        if norm[end : end + 1] in _TIME_AFTER or (norm[end : end + 1].isascii() and norm[end : end + 1].isalpha()):
            return None  # 近三年, 2019年, 5G
        if da:
            r.end = end = end + 1
            kind = Kind.COUNT
        elif (has_mult or vague_or_range) and (
            _money_context(norm, span_start, g.money_cues) or _currency_before(norm, span_start, g) is not None
        ):
            kind = Kind.MONEY
    r.kind = Kind.COUNT if kind is None else kind
    if vague_or_range is None and not is_arabic and num in ("一", "壹") and qualifier is Qualifier.EXACT and not r.one:
        return None  # 一个, 一家: a generic "a/one", not a reported figure
    if not is_arabic and vague_or_range is None and _in_short_quotes(norm, num_start, end):
        return None  # “五个一”, “两个维护”
    if is_arabic and r.before in _QUOTE_OPENS and _opens_a_quoted_name(norm, num_start, end):
        return None  # “24小时不打烊”: a figure opening a short quoted slogan or name
    if norm.rfind("《", num_start - 60 if num_start > 60 else 0, num_start) != -1 and _in_short_quotes(
        norm, num_start, end
    ):
        return None
    return _GO


def _finish(r: _Reading) -> Quantity:
    """The quantity: a lost digit flags it (no value, never guessed), values normalized, a
    written minus sign, an absurd size flagged, the currency (from the unit or a word before)."""
    kind, unit, value, low, high, qualifier = r.kind, r.unit, r.value, r.low, r.high, r.qualifier
    span_start, damaged_start, num_start = r.span_start, r.damaged_start, r.num_start
    prefix_currency = _currency_before(r.norm, span_start, r.g) if kind is Kind.MONEY else None
    if damaged_start is not None:
        # 1?3人次: digits were lost in conversion. Keep the mention, flagged, and never guess it.
        span_start = min(span_start, damaged_start)
        value = low = high = None
        if qualifier in (Qualifier.RANGE, Qualifier.VAGUE):
            qualifier = Qualifier.EXACT
    elif r.vague_or_range is None and value is not None:  # (a figure with no range has a value)
        if r.mult is not _ONE or r.ext is not None or (unit is not None and unit.scale != 1):
            value = normalize_decimal(value)  # 3.8 × 10000 = 38000.0 → 38000
        if r.pre is None and kind in _SIGNED_KINDS and _minus_before(r.norm, num_start, r.g):
            value, span_start = -value, num_start - 1  # 增长-0.5%, 负40%: the sign is written
        low = value if qualifier in _LOW_IS_VALUE else None
        high = value if qualifier in _HIGH_IS_VALUE else None
    elif low is not None and high is not None:  # (a range or vague amount has both ends)
        value = None
        low, high = normalize_decimal(low), normalize_decimal(high)
    # 29 digits of 1: a mistyped or damaged figure, kept and flagged (each number once: an exact
    # figure's low and high are its value)
    absurd = (
        (value is not None and value.is_finite() and value.adjusted() >= _MAX_FIGURE_EXPONENT)
        or (low is not None and low is not value and low.is_finite() and low.adjusted() >= _MAX_FIGURE_EXPONENT)
        or (high is not None and high is not value and high is not low and high.is_finite()
            and high.adjusted() >= _MAX_FIGURE_EXPONENT)
    )
    if absurd:
        value = low = high = None
    currency = unit.currency if unit is not None else ("CNY" if kind is Kind.MONEY else None)
    unit_out = unit.text if unit is not None else None
    if prefix_currency is not None and (unit is None or unit.text in _PLAIN_YUAN):
        kind, currency = Kind.MONEY, r.g.units[prefix_currency].currency  # 港币两千九百六十元, 美元5000万
        unit_out = unit_out or prefix_currency
    if kind is Kind.PERCENT and unit_out is None:
        unit_out = "%"
    text, end = r.text, r.end
    return make_quantity(
        text[span_start:end], span_start, end, value, low, high, qualifier, kind, unit_out, currency,
        text[num_start : r.num_end], damaged_start is not None or absurd, None, False,
    )


#: More digits than any reported figure has (10^20 yuan is hundreds of times the world's output):
#: such a figure is mistyped or damaged; it is kept, flagged ``damaged``, and given no value.
_MAX_FIGURE_EXPONENT = 20


_WIN_ENDS = frozenset("获得夺摘揽")  # 斩获, 获得, 勇夺, 摘得, 揽获 3金


def _in_tally(norm: str, start: int, end: int, g: _Grammar) -> bool:
    """Whether the medal count ``norm[start:end]`` (3金) stands in a tally of medals (3金2银,
    2银3铜, 3铜10优胜奖) or right after a verb of winning (斩获3金)."""
    if g.tally_next.match(norm, end):
        return True
    before = norm[start - 1 : start]
    if before in g.tally_ends and start > 1 and norm[start - 2] in g.session_numerals:
        return True
    i = start
    while i > 0 and norm[i - 1] == " ":
        i -= 1
    return i > 0 and norm[i - 1] in _WIN_ENDS


_SIGNED_KINDS = frozenset({Kind.PERCENT, Kind.PERCENTAGE_POINT})  # growth rates may fall below zero
_SIGN_OPENERS = frozenset(" \t\n(（[【,，、:：;；=")  # what may stand before a minus sign


def _minus_before(norm: str, num_start: int, g: _Grammar) -> bool:
    """Whether the number at ``num_start`` is written with a minus: ``负40%``, or ``-0.5%`` and
    ``－6.6%`` where the dash opens the number (after a word or a comma), not a range or a code
    (``3-5%``, ``A-1``, ``2023-04``). A word such as 下降 is no sign: its number stays positive."""
    sign = norm[num_start - 1 : num_start]
    if sign == "负":
        return True
    if sign not in ("-", "−"):
        return False
    c = norm[num_start - 2 : num_start - 1]
    return not c or c in _SIGN_OPENERS or ("\u4e00" <= c <= "\u9fff" and c not in g.number_chars)


def _is_label_or_clock(norm: str, num: str, num_start: int, num_end: int) -> bool:
    """An Arabic number written with a leading zero (``02版``, ``00002``: a page label or code),
    following ``HH:`` (``20:17:14来源``: the seconds of a dateline's clock), or a part of a
    slashed date or code (``2023/4/6``, ``12/25``)."""
    if num[0] == "0" and num[1:2].isdigit():
        return True
    if num_start > 1 and norm[num_start - 1] in ":：/" and norm[num_start - 2].isdigit():
        return True
    return norm[num_end : num_end + 1] == "/" and norm[num_end + 1 : num_end + 2].isdigit()


_FRACTION_FOLLOWERS = frozenset("的左")  # 1/3的企业, 1/3左右


def _slash_fraction(m: re.Match[str], pre: str | None, text: str, norm: str, g: _Grammar) -> Quantity | None:
    """``超过1/3的企业`` → a ratio of 1/3 (issue 13 item 17). N/M is a fraction only where it cannot
    be a date (1/3 may be 3 January): a qualifier before it or 的 after it, and N < M; else nothing."""
    num, inf1, mult_text, tail, inf2, _, unit_text, suf = m.group(*_READ_GROUPS)
    numerator, _, denominator = num.partition("/")
    n, d = Decimal(numerator), Decimal(denominator)
    end = m.end()
    if inf1 or mult_text or tail or inf2 or unit_text or not 0 < n < d:
        return None
    if not (pre or suf or norm[end : end + 1] in _FRACTION_FOLLOWERS):
        return None
    value = n / d
    qualifier = _qualifier(g, pre, None, None, suf)
    start = m.start() - len(pre) if pre else m.start()
    low = value if qualifier in _LOW_IS_VALUE else None
    high = value if qualifier in _HIGH_IS_VALUE else None
    return make_quantity(
        text[start:end], start, end, value, low, high, qualifier, Kind.RATIO, None, None,
        text[m.start() : m.end(_NUM_GROUP)], False, None, False,
    )


_FRACTION_MARKS = ("分之", "又")


def _fraction(f: re.Match[str], pre: str | None, text: str, norm: str, g: _Grammar) -> Quantity | None:
    """A fraction the scan leaves to the rules: ``3分之1``, ``千分之2.4``, ``一百分之2``, ``一又二分之一``
    (issue 13 items 20, 21), a ratio like 三分之一, with the qualifiers around it."""
    value = parse_halfwidth(f.group())
    if value is None:
        return None
    start, end = f.span()
    suf = None
    if (suf_m := g.suffix_re.match(norm, end)) is not None:
        suf, end = suf_m.group(), suf_m.end()
    qualifier = _qualifier(g, pre, None, None, suf)
    span_start = start - len(pre) if pre else start
    low = value if qualifier in _LOW_IS_VALUE else None
    high = value if qualifier in _HIGH_IS_VALUE else None
    return make_quantity(
        text[span_start:end], span_start, end, value, low, high, qualifier, Kind.RATIO, None, None,
        text[start : f.end()], False, None, False,
    )


def _between(b: re.Match[str], text: str, g: _Grammar) -> Quantity | None:
    """``5000与10000元之间``, ``三与五万元之间``: a range between two numbers (issue 13 item 23), with the
    unit of either end (both ends' units must agree) and the right end's multiplier shared where the
    left end has none and it keeps low below high."""
    low, high = parse_halfwidth(b.group("low")), parse_halfwidth(b.group("high"))
    low_unit, high_unit = b.group("low_unit"), b.group("high_unit")
    if low is None or high is None or (low_unit and high_unit and low_unit != high_unit):
        return None
    if b.group("low_mult"):
        low *= _multiplier(b.group("low_mult"))
    if b.group("high_mult"):
        high_mult = _multiplier(b.group("high_mult"))
        high *= high_mult
        if not b.group("low_mult") and not low_unit and low * high_mult < high:
            low *= high_mult  # 3与5万元之间: 3万 to 5万
    unit_text = high_unit or low_unit
    if not low < high or unit_text is None:
        return None  # a range needs its measure (10000与20000之间 alone is no amount)
    unit = g.units[unit_text]
    if unit.tally or unit.arabic_only or unit.scale != 1:
        return None
    start, end = b.span()
    return make_quantity(
        text[start:end], start, end, None, normalize_decimal(low), normalize_decimal(high), Qualifier.RANGE,
        _KINDS[unit.kind], unit.text, unit.currency, text[start : b.end("high")], False, None, False,
    )


def _damaged_start(norm: str, num_start: int) -> int | None:
    """Where a figure starts if digits before ``num_start`` were lost to ``?`` (``1?3人次``)."""
    i = num_start
    while i > 0 and (norm[i - 1].isdigit() or norm[i - 1] == "?"):
        i -= 1
    return i if "?" in norm[i:num_start] else None


@functools.cache
def _left_unit() -> re.Pattern[str]:
    """What follows the left end's number in a range: 300元至800元's 元, 1万(含)-5万's (含); never
    a Chinese numeral (一百二十至一百五十 keeps its 二十)."""
    cn = re.escape("".join(_lexicon.numerals()))
    return re.compile(rf"(?<=[0-9{cn}])[^0-9.{cn}]+$")


_BIG_PLACES = "万亿萬億"
_BIG_PLACE_CHARS = frozenset(_BIG_PLACES)


def _has_digit(num: str) -> bool:
    """Whether a Chinese numeral has a digit, not only place markers (三万五, not 千万)."""
    table = _lexicon.numerals()
    return any(table.get(c, (0, ""))[1] == "digit" for c in num)


_ALL_SEPARATORS = (*_RANGE_SEPARATORS, *_BETWEEN_SEPARATORS)


def _separator_in(num: str) -> str | None:
    """The range separator written in ``num`` (3-5, 三至五, 5000与10000), if any."""
    for sep in _ALL_SEPARATORS:
        if sep in num:
            return sep
    return None


def _left_has_multiplier(num: str) -> bool:
    """``3万-5`` (the left end carries its own 万) as opposed to ``3-5``."""
    sep = _separator_in(num)
    return sep is not None and _left_unit().sub("", num.partition(sep)[0].strip())[-1] in "万亿千百"


def _shared_places(left: str, right: str) -> Decimal:
    """The places the left end of a Chinese range shares with the right one (issue 13 item 3):
    两到三万 (万), 三到五千万 (千万: the left end is a bare digit, the right a digit and places),
    七千到九千亿 (亿: the right end's 万/亿 that the left end lacks); else 1."""
    table = _lexicon.numerals()
    roles = [table.get(c, (0, ""))[1] for c in right]
    if (
        all(table.get(c, (0, ""))[1] == "digit" for c in left) and roles[:1] == ["digit"] and len(roles) > 1
        and all(r in ("small", "big") for r in roles[1:])
    ):
        return _multiplier(right[1:])
    if not any(c in _BIG_PLACES for c in left):
        trailing = len(right) - len(right.rstrip(_BIG_PLACES))
        if trailing and trailing < len(right):
            return _multiplier(right[-trailing:])
    return _ONE


def _parse_range_text(num: str, mult: Decimal = _ONE) -> tuple[Decimal, Decimal] | None:
    """``1-2``, ``3万-5万``, ``20%-30``, ``三至五``, ``两到三万`` (explicit separators) or ``两三``,
    ``三四十`` (adjacent digits). ``mult`` is the multiplier written after the right end (500到1 万):
    the ends are compared with it."""
    sep = _separator_in(num)
    if sep is None:
        return parse_range(num)
    left, _, right = num.partition(sep)
    left, right = _left_unit().sub("", left.strip()), right.strip()
    if not left or not right:
        return None
    low, high = parse_halfwidth(left), parse_halfwidth(right)
    if low is None or high is None:
        return None
    if not right[0].isdigit() and not left[0].isdigit():
        shared = _shared_places(left, right)
        if shared != 1 and low * shared < high:
            return low * shared, high
    # 3万至5万元: the right end's 万 comes after the match; compare in the same units.
    scale = _multiplier(left[-1]) if left[-1] in "万亿千百" and right[-1].isdigit() else 1
    return (low, high) if low < high * scale * mult else None


_FINANCIAL_DIGITS = frozenset("壹贰貳叁參参肆伍陆陸柒捌玖")
_CAN = "参"  # 參, the 大写 3, after OpenCC t2s


def _has_financial_digit(num: str) -> bool:
    """Whether ``num`` is written in 大写 (万肆仟, 佰 are; 万四千 is not)."""
    return any(c in _FINANCIAL_DIGITS or c in "拾佰仟萬億" for c in num)


_FINANCIAL_PLACES = frozenset("拾佰仟万亿萬億十百千")  # 伍千元, 壹百元: 大写 digits with 小写 places


def _lone_financial_numeral(num: str) -> bool:
    """A 大写 numeral written alone (伍, 陆): in reports those are word characters (队伍, 陆续);
    real 大写 amounts come with their places (壹佰贰拾, 伍万)."""
    return not _FINANCIAL_DIGITS.isdisjoint(num) and _FINANCIAL_PLACES.isdisjoint(num)


RE_ESSAY_IDIOM = re.compile(r"大?文章")


def _writes_an_essay(norm: str, start: int, end: int) -> bool:
    """``做好产业和人才两篇文章``, ``做足…两篇大文章``: N篇文章 after 做 in its clause is the idiom
    for lines of work, not a count of articles (刊发文章两篇 is)."""
    if RE_ESSAY_IDIOM.match(norm, end) is None:
        return False
    left = start
    while left > max(0, start - 20) and norm[left - 1] not in _CLAUSE_STOP:
        left -= 1
    return "做" in norm[left:start]


_TITLE_SCOPES = ("中华", "中国", "全国", "世界", "全球")  # 中华十大绝技, 全国十大工匠: a list's title


def _da_count(num: str, norm: str, end: int) -> bool:
    """``六大举措`` → 6: a single Chinese digit + 大 + noun (never 二十大, 大会, 大学, nor the title of
    an honours list: 中华十大绝技, 中国十大…)."""
    start = end - len(num)
    return (
        len(num) == 1
        and num in "两二三四五六七八九十"
        and norm[end : end + 1] == "大"
        and "\u4e00" <= norm[end + 1 : end + 2] <= "\u9fff"
        and norm[end + 1 : end + 2] not in _DA_NOT_COUNT
        and not norm.endswith(_TITLE_SCOPES, max(0, start - 2), start)
    )


#: Classifiers of things a report counts one of after naming them (老城区一座、新城区一座; 市级命名的
#: 一所，为…): there 一 + classifier ends its phrase and reports a figure, not a generic "a/one".
_ONE_AFTER_NOUN = frozenset("家所座个名位处项支户套台间栋幢张辆艘株只块")
_ONE_NOT_AFTER = frozenset("每这那哪某同唯任第另又再逐单其之")  # 每一个, 其中一家, 又一个: no figure
_PHRASE_ENDS = frozenset("、，,。；;：:）)")


def _one_after_noun(norm: str, num_start: int, end: int, unit_text: str | None) -> bool:
    """Whether ``一`` + classifier at ``num_start`` closes a phrase after the counted noun
    (老城区一座、新城区一座), so it is a figure of one, not a generic "a/one" before a noun."""
    return (
        unit_text is not None
        and unit_text in _ONE_AFTER_NOUN
        and norm[end : end + 1] in _PHRASE_ENDS
        and num_start > 0
        and norm[num_start - 1] not in _ONE_NOT_AFTER
        and not norm.endswith("其中", 0, num_start)
    )


#: The interval each qualifier allows around a stated value (ANNOTATION.md §1): the value is its low
#: end, its high end, both (exact) or neither (approx, an open interval).
_LOW_IS_VALUE = frozenset({Qualifier.EXACT, Qualifier.MORE_THAN, Qualifier.AT_LEAST})
_HIGH_IS_VALUE = frozenset({Qualifier.EXACT, Qualifier.LESS_THAN, Qualifier.AT_MOST})


_TITLE_REACH = 60  # a 《 this close before a number may open the title it is part of


def _find_or_end(text: str, mark: str, start: int) -> int:
    """``text.find(mark, start)``, or the text's length where there is none."""
    at = text.find(mark, start)
    return len(text) if at == -1 else at




_RANK_MARKS = frozenset("第前")  # a rank (第一) or a bound on one (前三) follows
_RANK_BEFORE = 12  # a verb of up to three characters and up to 8 between it and 第
_RANK_LIST = re.compile(r"(?:、|和|及|与)[^，。；,;、\n第0-9]{0,6}")  # 居全国第17、长三角第2, 第二名和第十名: the next of a list
_RANK_MAY_FOLLOW = frozenset("的并且和与")  # 全市第一的成绩; any other character makes a name


def _rank_followed_well(norm: str, end: int) -> bool:
    """Whether a placing found without a verb ends where a placing can: 全市第四, not 全市第一书记."""
    after = norm[end : end + 1]
    return not ("\u4e00" <= after <= "\u9fff") or after in _RANK_MAY_FOLLOW


def _rank(g: _Grammar, text: str, norm: str, at: int, list_end: int = -1) -> Quantity | None:
    """A placing reported as a result, for the 第 at ``at``: 位居全市第一 → rank 1. What reports it
    (a verb, the field ranked in, or the rank before it in a list) is looked for just before,
    only where a 第 is met."""
    m = g.rank.match(norm, at)
    if m is None:
        return None
    start, end = m.span()
    window = max(0, at - _RANK_BEFORE)
    verb = g.rank_verb.search(norm, window, at)
    if verb is None or verb.group("verb") == "居":
        # 居, 全市 … 第 and a list's next item are weaker cues: the placing must end there.
        weak = (
            verb is not None
            or g.rank_scope.search(norm, window, at) is not None
            or (list_end >= 0 and _RANK_LIST.fullmatch(norm, list_end, at) is not None)
        )
        if not weak or not _rank_followed_well(norm, end):
            return None
    span = norm[start:end]
    numbers = re.findall(r"第([0-9]+|[^第等次名位]+)", span)
    value = parse_halfwidth(numbers[-1]) if numbers else None
    if value is None:
        return None
    return Quantity(
        text=text[start:end],
        start=start,
        end=end,
        value=value,
        low=value,
        high=value,
        qualifier=Qualifier.EXACT,
        kind=Kind.RANK,
        unit="名" if span.endswith("名") else ("位" if span.endswith("位") else None),
        number_text=text[start:end],
    )


#: The first characters of the words that end in 前 (目前, 此前, 之前, 日前, 提前, 当前, 以前, 事前,
#: 眼前, 面前, 空前, 生前, 先前, 年前, 赛前, 会前, 节前, 岗前, 向前, 超前, 从前): a number after them is
#: no bound on a placing.
_QIAN_WORD_HEADS = frozenset("目此之日提当以事眼面空生先年赛会节岗向超从")


def _rank_bound(g: _Grammar, text: str, norm: str, m: re.Match[str]) -> Quantity | None:
    """A bound on a placing after 前: 排名全省前三 and 前3名 (rank, at most 3), 前50% (percent, at
    most 50). The 前 must start the bound (不是 目前, 提前, 此前): a placing verb or field comes just
    before it, or no word does (…各1名,前3名之后)."""
    num, inf1, mult_text, tail, inf2, _, unit_text, suf = m.group(*_READ_GROUPS)
    start = m.start() - 1
    if inf1 or mult_text or tail or inf2 or suf or unit_text not in (None, "名", "位", "%"):
        return None
    previous = norm[start - 1 : start]
    window = max(0, start - _RANK_BEFORE)
    after_word = "\u4e00" <= previous <= "\u9fff" and not (
        g.rank_verb.search(norm, window, start) or g.rank_scope.search(norm, window, start)
    )
    if after_word and (unit_text is None or previous in _QIAN_WORD_HEADS):
        return None  # 目前3名, 此前3名: the 前 ends a word; a bare 前三 needs a placing cue
    end = m.end()
    if unit_text is None and not _rank_followed_well(norm, end):
        return None  # 前三季度, 前10月: a span of time
    value = parse_halfwidth(num)
    if value is None or value <= 0 or value != value.to_integral_value():
        return None
    kind = Kind.PERCENT if unit_text == "%" else Kind.RANK
    return make_quantity(
        text[start:end], start, end, value, None, value, Qualifier.AT_MOST, kind,
        unit_text, None, text[m.start() : m.end(_NUM_GROUP)], False, None, False,
    )
