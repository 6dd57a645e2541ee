"""Which indicator a figure counts for: candidate aliases and the indicator rule table.

The candidate alias (:func:`counted_alias`) is the noun naming what is counted: the noun right
after the figure (``4个党委``), the aliases before it in its enumeration item, then in its
clause (``省级试点单位25家``), then later in its clause (``给予81人次春蕾儿童帮助``). The rules
then decide, first answer wins (:data:`INDICATOR_RULES`); a learned scorer may weigh all their
answers instead (:mod:`.model`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from .. import _lexicon
from ..grammar import grammar
from ..records import Claim, Kind, Quantity
from ..tables import RE_LABEL_UNIT
from .aliases import AliasHit, alias_lexicon, cue_indicators, fits, kind_fits, strong
from .context import Figure, measure
from .rules import Rule, RuleTable

__all__ = ["INDICATOR_RULES", "counted_alias", "indicator_text"]

_RIGHT_NOUN_START = 3  # a counted noun starts this close after its figure: 4个党委, 两版《…》
_RATES = (Kind.PERCENT, Kind.PERCENTAGE_POINT, Kind.RATIO)
#: Indicators that only say "reached" or "took part": the figure before names what in.
_REACH_INDICATORS = ("pilot_coverage", "activity_participants")


def counted_alias(fig: Figure) -> AliasHit | None:
    """The (alias, start, end) naming what the figure counts, or ``None``.

    Specific aliases beat the generic heads (``职工``, ``企业``); among equals the noun right
    after the figure wins, then the closest alias before it, then the first one after it.
    """
    text, q = fig.text, fig.q
    item_start, clause_start, clause_end = fig.item_start, fig.clause_start, fig.clause_end
    # A classifier that is itself an alias names the counted thing: 两版《…指南》 counts documents.
    unit_start = q.end - len(q.unit) if q.unit else q.end
    if q.unit and text[unit_start : q.end] == q.unit:
        own = fig.fitting(unit_start, q.end)
        if own and own[0][2] == q.end and own[0][1] == unit_start:
            return own[0]
    after = fig.fitting(q.end, clause_end)
    right = [c for c in after if c[1] < q.end + _RIGHT_NOUN_START]
    later = [c for c in after if c[1] >= q.end + _RIGHT_NOUN_START]
    # Its enumeration item first, else its clause. When the item names only a generic head, a
    # verb alias bound to the figure's unit earlier in the clause still counts (走访慰问困难职工、
    # 一线职工1.3万人次: 慰问 with 人次, not 一线职工).
    left = fig.fitting(item_start, q.start)
    if not left:
        left = fig.fitting(clause_start, item_start)
    elif not any(strong(c) for c in left):
        left = [c for c in fig.fitting(clause_start, item_start) if c[0].units] + left
    if right and not strong(right[0]):
        # 为1.5万名职工提供免费体检: after a generic noun the predicate names the indicator.
        ordered = right[:1] + later + left[::-1]
    else:
        ordered = right[:1] + left[::-1] + later
    if left and not right and not strong(left[-1]) and q.start - left[-1][2] <= 1:
        # 园区企业共有员工3.8万余名: the people noun right before the figure is what is counted;
        # a name before 共有/拥有/现有 is who has them.
        having = grammar().having_pattern.search(text, item_start, left[-1][1])
        if having is not None and not any(strong(c) and c[1] > having.end() for c in left):
            return left[-1]
    for candidate in ordered:
        if strong(candidate):
            return candidate
    return ordered[0] if ordered else None


def indicator_text(fig: Figure) -> str | None:
    """The words naming what is counted: the candidate alias, else the item's words before the
    figure (at most 12 characters)."""
    if fig.match is not None:
        _, start, end = fig.match
        return fig.text[start:end]
    words = fig.text[fig.item_start : fig.q.start].strip(" \t\u3000共达计为有|｜")
    if not words or "|" in words or "｜" in words or "\t" in words:
        cell = fig.table_cell
        if cell is not None:  # a table's cell: its row's label (其中:企业合计 → 企业合计), not the cells before it
            label = fig.text[cell.label[0] : cell.label[1]]
            words = re.sub(r"^其中[:：]?|[(（][^()（）]*[)）]$", "", label).strip()
    return words[-12:] or None


# --- the rules ---------------------------------------------------------------------------------


def _covered(fig: Figure) -> str | None:
    """签订集体合同2350份…覆盖职工38.6万人: people or firms reached by the previous figure of the
    sentence count for its indicator (or the one its ``coverage`` names)."""
    previous = fig.previous_in_sentence()
    if previous is None:
        return None
    coverage = grammar().coverage_pattern
    if not coverage.search(fig.text, fig.clause_start, fig.q.start):
        # …竞赛5场，吸引500余名职工参与: the verb may follow the people it counts
        if fig.q.unit not in _PEOPLE_UNITS or not coverage.match(fig.text, _after_noun(fig), fig.clause_end):
            return None
    m = fig.match
    if m is not None and strong(m) and m[0].indicator not in _REACH_INDICATORS:
        return None  # the figure names its own indicator
    from .. import _lexicon
    from .aliases import kind_fits

    registry = _lexicon.indicators().by_id
    target = registry[previous.indicator].coverage if previous.indicator in registry else previous.indicator
    return target if target in registry and kind_fits(registry[target].kinds, fig.q) else None


_PEOPLE_UNITS = frozenset({"人", "名", "位", "人次"})


def _after_noun(fig: Figure) -> int:
    """Where the words after a figure's counted noun begin (500余名职工|参与)."""
    m = fig.match
    if m is not None and m[1] >= fig.q.end and m[1] - fig.q.end <= 2:
        return m[2]
    at = fig.q.end
    text = fig.text
    while at < fig.clause_end and at - fig.q.end < 6 and not grammar().coverage_pattern.match(text, at):
        at += 1
    return at


def _part_of_total(fig: Figure) -> str | None:
    """在册试点单位140家，其中民营企业103家: a part counts for its total's indicator, unless it
    names another of its own (技能人才总量35万名，其中高技能人才4.8万名: high_skilled_talent)."""
    if fig.total is None:
        return None
    m = fig.match
    if m is not None and strong(m) and m[0].indicator != fig.total.indicator and fig.total.indicator != "other":
        return None
    return fig.total.indicator


#: A count in brackets that ends its line, after at most a short label: 名单 / (8个) / 安亭镇(2个).
RE_BRACKETED_LINE_END = re.compile(r"\s*[)）]\s*$")
_LIST_LABEL = 12  # characters of label (a town, a unit) before a bracketed count
_HEADING_LINES = 3  # lines looked at above a bracketed count for the list's title


#: A government's own yearly report (政府工作报告, read to a people's congress), not a union's.
RE_GOVERNMENT_REPORT = re.compile("政府工作报告|人民政府")
RE_UNION_REPORT = re.compile("工会|职工代表大会|职代会")
#: Words of union and workforce work: a clause holding one may still be about it.
RE_UNION_WORK = re.compile("工会|职工|劳模|劳动模范|工匠|会员|技能人才|产业工人|劳动者|农民工|集体合同|困难群众")


def _government_report(fig: Figure) -> str | None:
    """A county's patents, rankings and parks in a government work report (政府工作报告) are the
    economy's: other, unless the clause speaks of union or workforce work."""
    doc = fig.doc
    key = ("government_report",)
    if key not in doc.cache:
        head = doc.text[:300]
        doc.cache[key] = bool(RE_GOVERNMENT_REPORT.search(head)) and not RE_UNION_REPORT.search(head)
    if not doc.cache[key]:
        return None
    return None if RE_UNION_WORK.search(fig.text, fig.sentence[0], fig.sentence[1]) else "other"


def _list_heading(fig: Figure) -> str | None:
    """2021年度…工作室名单 / (8个) / 安亭镇(2个): a bracketed count on a line of its own counts
    what the list's title above names; a label's count (a town's part) continues the list."""
    text, q = fig.text, fig.q
    line_start = text.rfind("\n", 0, q.start) + 1
    line_end = text.find("\n", q.end)
    line_end = len(text) if line_end == -1 else line_end
    before = text[line_start : q.start].rstrip()
    if not before.endswith(("(", "（")) or len(before) > _LIST_LABEL + 1:
        return None
    if not RE_BRACKETED_LINE_END.match(text[q.end : line_end]):
        return None
    doc = fig.doc
    key = ("list_heading", line_start)
    previous = doc.cache.get(("list_heading_last",))
    if previous is not None and previous[0] >= text.rfind("\n\n", 0, q.start) and before[:-1].strip():
        return previous[1]  # 安亭镇(2个) after (8个): a part of the same list
    end = line_start - 1
    for _ in range(_HEADING_LINES):
        if end <= 0:
            break
        start = text.rfind("\n", 0, end) + 1
        lex = alias_lexicon()
        hits = [(m.start(), m.group()) for m in lex.pattern.finditer(text, start, end)]
        aliases = _lexicon.indicators().aliases
        for _, word in reversed(hits):
            for alias in aliases[word]:
                if fits(alias, q) and strong((alias, 0, 0)):
                    doc.cache[("list_heading_last",)] = (line_start, alias.indicator)
                    doc.cache[key] = alias.indicator
                    return alias.indicator
        end = start - 1
    return None


def _compared_rate(fig: Figure) -> str | None:
    """A change rate (培训4.2万人次，比上年增长12.6%) belongs to the previous figure of its sentence."""
    previous = fig.previous_in_sentence()
    if fig.q.kind not in _RATES or previous is None or previous.indicator == "other":
        return None
    if not grammar().comparison_pattern.search(fig.text, fig.clause_start, fig.q.start):
        return None
    return previous.indicator


def _share_after_qizhong(fig: Figure) -> str | None:
    """A share that opens with 其中 right after a count of its sentence is a share of that count
    (员工3.8万余名，其中一线产业工人占比接近八成): it measures the same thing."""
    previous = fig.previous_in_sentence()
    if fig.q.kind not in _RATES or previous is None or previous.quantity.kind is not Kind.COUNT:
        return None
    head = fig.text[fig.clause_start : fig.q.start].lstrip(" \t\u3000，,")
    if not head.startswith("其中") or not grammar().share_pattern.search(head):
        return None
    return previous.indicator


#: People counted and then what they became: ``助力108万人晋升技能等级`` (skill_upgrades in
#: indicators.tsv), ``326名选手获评市级技术能手`` (craftsmen_and_models).
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
#: (assessment_results), ``3个班组获评省级工人先锋号`` (honours).
RE_BODIES_BECAME = re.compile(
    r"""
    [^，。；,;\n]{0,4}?(?:单位|班组|集体|企业|团队|车间|工作室|个人|职工)?
    (?:
        (?P<rated>(?:被评为|评为|获评|确定为|列为)第[一二三四五六七八九十0-9]+等次|得分|考核得分)
      | (?:被评为|评为|获评|荣获|获得|被授予|被[^，。；,;\n]{1,12}?授予|分别荣获|受到表彰|获)[^，。；,;\n]{0,12}?
        (?P<honour>工人先锋号|五一劳动奖状|劳动奖状|劳动奖章|五一劳动奖|先进集体|青年文明号|巾帼文明岗|模范职工之家|
                   荣誉称号|称号|奖状|奖章|示范)
    )
    """,
    re.VERBOSE,
)


#: Units or people on an honour list: 12家单位和56名个人上榜 (a service on a list, 20家爱心托管班上榜,
#: keeps its own indicator).
RE_LISTED = re.compile(
    "(?:单位|个人|集体|企业|班组|职工)[^，。；,;\n]{0,12}?(?:上榜|榜上有名|入选[^，。；,;\n]{0,8}?(?:名单|榜单))"
)
#: Counted things named with an honorific (优秀, 先进, 模范, 最美 …) in a sentence that commends them.
RE_HONORIFIC = re.compile("(?:个|家|名|位|人|支)?(?:优秀|先进|模范|最美|十佳|杰出|突出贡献)")
RE_COMMENDATION = re.compile("表彰|授予|命名|评为|评选|获评|荣获|上榜|嘉奖|通报表扬")
#: An award given before its receivers are counted: ``授予207家单位全国五一劳动奖状``.
RE_AWARD_BEFORE = re.compile("(?:授予|表彰|命名)[^，。；,;\n]{0,6}$")
RE_AWARD_AFTER = re.compile("[^，。；,;\n]{0,16}?(?:奖状|奖章|先锋号|称号|荣誉|先进集体|先进个人)")


def _what_became(fig: Figure) -> str | None:
    """``17名选手晋升技师`` → skill_upgrades; ``4个单位被评为第一等次`` → assessment_results;
    ``授予207家单位全国五一劳动奖状`` → honours."""
    q = fig.q
    if q.kind is not Kind.COUNT:
        return None
    if RE_AWARD_BEFORE.search(fig.text, fig.clause_start, q.start) and RE_AWARD_AFTER.match(fig.text, q.end, fig.clause_end):
        return "honours"
    if RE_HONORIFIC.match(fig.text, q.end) and RE_COMMENDATION.search(fig.text, fig.sentence[0], fig.sentence[1]):
        return "honours"  # 对…5家优秀基层工会、17名优秀工会工作者进行表彰: the commended
    if q.unit in ("个", "家", "支", "名", "人", "位") and RE_LISTED.match(fig.text, q.end, fig.clause_end):
        return "honours"  # 全省12家单位和56名个人上榜: an honour list
    if q.unit in ("个", "家", "支"):
        m = RE_BODIES_BECAME.match(fig.text, q.end, fig.clause_end)
        if m is None:
            return None
        if m.group("rated"):
            return "assessment_results"
        return "demonstration_units" if m.group("honour") == "示范" else "honours"
    if q.unit not in ("名", "人", "位"):
        return None
    m = RE_PEOPLE_BECAME.match(fig.text, q.end, fig.clause_end)
    if m is None:
        return None
    return "skill_upgrades" if m.group("skill") else "craftsmen_and_models"


#: Verbs of help: people counted after them (or right before them) are helped, whoever they are
#: (慰问…劳模59人次, 向136名劳模发放专项补助资金: assisted_people, not craftsmen_and_models).
RE_HELP = re.compile("慰问|走访|看望|帮扶|救助|补助|送温暖|送清凉|送去|帮助")
RE_STUDENTS = re.compile("子女|学生|新生|大学|助学")


def _people_helped(fig: Figure) -> str | None:
    """Also people a help campaign reached (开展送清凉等活动10余场次，覆盖…一线工人1300余人次)."""
    q = fig.q
    if q.kind is not Kind.COUNT or q.unit not in ("人", "名", "位", "人次", "户", "户次"):
        return None
    before = fig.text[fig.clause_start : q.start]
    after = fig.text[q.end : fig.clause_end]
    helped = RE_HELP.search(before) or RE_HELP.search(after, 0, 12)
    if helped is None and RE_REACHED.search(before):
        helped = RE_CAMPAIGN.search(fig.text, fig.sentence[0], fig.clause_start)
    if helped is None or RE_STUDENTS.search(before) or RE_STUDENTS.search(after, 0, 8):
        return None
    return "assisted_people"


RE_REACHED = re.compile("覆盖|惠及|受益|服务")
RE_CAMPAIGN = re.compile("送温暖|送清凉|慰问|帮扶|救助")


#: Items of a contest: 设有玉雕、根雕、石雕三个项目, 决出40个项目的金银铜牌.
RE_CONTEST = re.compile("竞赛|大赛|比赛|技能赛|运动会|比武|赛事")
RE_ITEMS = re.compile("(?:个|项)?(?:比赛|竞赛)?(?:项目|工种|赛项)")


#: Items that won medals or prizes (在2个项目获得银牌) are honours, not contest items.
RE_ITEMS_WON = re.compile("[^，。；,;]{0,6}?(?:获得?|夺得|斩获|摘得)[^，。；,;]{0,4}?(?:金牌|银牌|铜牌|奖牌|一等奖|二等奖|三等奖|优胜奖)")


def _contest_items(fig: Figure) -> str | None:
    """设有玉雕、根雕、石雕三个项目, 决出40个项目的金银铜牌: items of a contest; and editions of
    one held (举办六届职工技术运动会): a count of contests."""
    q = fig.q
    editions = q.unit == "届"
    if q.kind is not Kind.COUNT:
        return None
    if not editions:
        items = RE_ITEMS.match(fig.text, q.end - (1 if q.unit else 0), fig.clause_end)
        if items is None:
            return None
        if RE_ITEMS_WON.match(fig.text, items.end(), fig.clause_end):
            return "honours"
    article = fig.article
    if RE_CONTEST.search(fig.text, fig.sentence[0], fig.sentence[1]) or RE_CONTEST.search(
        fig.text, article.headline_start, article.headline_end
    ):
        return "competitions"
    return None


#: The systems a bare 建制率 may rate (grammar.yaml ``system_rate``).
_SYSTEMS = ("collective_contracts", "democratic_management")


def _system_rate(fig: Figure) -> str | None:
    """A bare 建制率 rates the system named last before it: in its sentence (全区…建立工资集体协商
    制度，建制率93%), else earlier in its paragraph; with none named, the alias decides."""
    match = fig.match
    rates = grammar().texts("system_rate")
    if match is None or match[0].text not in rates:
        return None
    windows = [(fig.governing_start, match[1])]
    paragraph = fig.paragraph
    if paragraph is not None and paragraph.start < fig.governing_start:
        windows.append((paragraph.start, fig.governing_start))
    for lo, hi in windows:
        named = [ident for word, ident in _specific_aliases(fig.text, lo, hi) if ident in _SYSTEMS and word not in rates]
        if named:
            return named[-1]
    return None


def _specific_aliases(text: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    """(alias, indicator) of each specific alias of the registry in ``text[start:end]``, in order
    (generic heads such as 职工 left out)."""
    aliases = _lexicon.indicators().aliases
    for m in alias_lexicon().pattern.finditer(text, start, end):
        for alias in aliases[m.group()]:
            if strong((alias, 0, 0)):
                yield m.group(), alias.indicator


def _alias(fig: Figure) -> str | None:
    """The specific alias naming what is counted (``省级试点单位25家``)."""
    return fig.match[0].indicator if fig.match is not None and strong(fig.match) else None


@functools.cache
def _purposes() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every purpose word of the registry and the indicator it files money under."""
    words: dict[str, str] = {}
    for ind in _lexicon.indicators().by_id.values():
        for word in ind.purposes:
            words.setdefault(word, ind.id)
    return re.compile(_lexicon.literal_regex(words, searched=True)), words


def _purpose(fig: Figure) -> str | None:
    """Money whose own words are generic (投入资金, 发放救助金, 专项资金) counts for what it is for:
    the nearest purpose before it in its clause, else after it there, else in its sentence, its
    paragraph, its headline (送温暖 → assistance_funds, 金秋助学 → student_aid, 驿站建设 → other)."""
    q = fig.q
    if q.kind is not Kind.MONEY or (fig.match is not None and strong(fig.match)):
        return None
    pattern, words = _purposes()
    text = fig.text
    paragraph = fig.paragraph
    article = fig.article
    windows = [(fig.clause_start, q.start), (q.end, fig.clause_end), (fig.sentence[0], fig.clause_start)]
    if paragraph is not None:
        windows.append((paragraph.start, fig.sentence[0]))
    windows.append((article.headline_start, article.headline_end))
    own = fig.match[1:] if fig.match is not None else (q.start, q.start)
    for lo, hi in windows:
        # (the money word itself is no purpose: the 救助 of 发放救助金)
        found = [m for m in pattern.finditer(text, lo, hi) if not (m.start() < own[1] and own[0] < m.end())]
        if found:
            ident = words[found[-1].group()] if hi <= q.start else words[found[0].group()]
            return ident if kind_fits(_lexicon.indicators().by_id[ident].kinds, q) else None
    return None


def _share_of(fig: Figure) -> str | None:
    """A share with no alias of its own (其中…占比超过六成) belongs to the last count of its paragraph."""
    if fig.q.kind not in _RATES or not grammar().share_pattern.search(fig.text, fig.clause_start, fig.q.start):
        return None
    for m, claim in reversed(list(fig.doc.last_in_paragraph.items())):
        if m != "%":
            return claim.indicator
    return None


def _continues(fig: Figure) -> str | None:
    """A figure with no alias of its own continues the previous figure of its sentence in the
    same measure (新建服务站210个，总数达到1460个, 比上年提高1.8个百分点)."""
    previous = fig.previous_in_sentence()
    return previous.indicator if previous is not None and measure(previous.quantity) == measure(fig.q) else None


def _clause_without_orgs(fig: Figure) -> str:
    """The figure's clause with the named organisations in it blanked: the 工会 of 陈埭镇总工会 is
    who acts, no cue for what is counted."""
    start, end = fig.clause_start, fig.clause_end
    clause = fig.text[start:end]
    for a, b in fig.doc.orgs:
        if a < end and b > start:
            a, b = max(a, start), min(b, end)
            clause = clause[: a - start] + " " * (b - a) + clause[b - start :]
    return clause


def clause_cues(fig: Figure) -> list[str]:
    """The indicators the cue words of the figure's clause name (organisation names blanked),
    longest cue first; found once per figure."""
    found = fig.notes.get("cues")
    if found is None:
        found = fig.notes["cues"] = cue_indicators(_clause_without_orgs(fig), fig.q)
    return found


def _cue(fig: Figure) -> str | None:
    """The longest cue word of the clause that fits (``开展宣讲`` → propaganda_events)."""
    found = clause_cues(fig)
    return found[0] if found else None


def _generic_head(fig: Figure) -> str | None:
    """Only a generic head names the counted thing (``职工2000余人`` → workforce_size)."""
    return fig.match[0].indicator if fig.match is not None else None


def _paragraph_topic(fig: Figure) -> str | None:
    """A paragraph keeps to its topic: 已办结661件 after 诉求件673件."""
    topic = fig.doc.last_in_paragraph.get(measure(fig.q))
    if topic is None:
        return None
    here = fig.paragraph
    return topic.indicator if here is not None and here.start <= topic.quantity.start else None


def _rank(fig: Figure) -> str | None:
    """A placing reports an assessment (ANNOTATION.md §1)."""
    return "assessment_results" if fig.q.kind is Kind.RANK else None


INDICATOR_RULES: RuleTable[Figure] = RuleTable(
    "indicator",
    (
        Rule("covered_by_previous", _covered),
        Rule("part_of_total", _part_of_total),
        Rule("list_heading", _list_heading),
        Rule("compared_rate", _compared_rate),
        Rule("share_after_qizhong", _share_after_qizhong),
        Rule("what_counted_became", _what_became),
        Rule("people_helped", _people_helped),
        Rule("contest_items", _contest_items),
        Rule("alias", _alias),
        Rule("money_purpose", _purpose),
        Rule("share_of_paragraph_count", _share_of),
        Rule("continues_previous", _continues),
        Rule("cue_word", _cue),
        Rule("generic_head", _generic_head),
        Rule("paragraph_topic", _paragraph_topic),
        Rule("rank", _rank),
        Rule("default_other", lambda fig: "other"),
    ),
)


#: Decisions about what a whole document is that no figure's context can overturn: they come
#: before the indicator rules and before the learned scorer (which never sees these figures).
DOMAIN_RULES: RuleTable[Figure] = RuleTable("domain", (Rule("government_report", _government_report),))

def _table_breakdown(fig: Figure) -> str | None:
    """A table row whose label names nothing counted of its own and states no unit (其中:企业合计,
    港澳台商投资企业, 其中:女性) breaks down the nearest row above that names one: it counts what
    that row counts. A label with its own unit (专职工会工作人员(人)) starts a measure of its own."""
    cell = fig.table_cell
    if cell is None or _names_a_count(fig.text, *cell.label):
        return None
    label = fig.text[cell.label[0] : cell.label[1]]
    if RE_LABEL_UNIT.search(label) and not label.startswith("其中"):
        return None
    for above, first in cell.rows_above:
        if _names_a_count(fig.text, *above):
            claim = fig.doc.claims_at.get(first)
            return claim.indicator if claim is not None and claim.indicator != "other" else None
    return None


RE_STAR_RATED = re.compile("[一二三四五1-5]?星级")


def _star_rated(fig: Figure) -> str | None:
    """Units rated with stars (评出五星级职工服务中心12个, 45家五星级小屋): a rating is an honour
    given, whatever the units are (two independent annotators' reading of real reports)."""
    q, text = fig.q, fig.text
    if q.kind is not Kind.COUNT:
        return None
    if RE_STAR_RATED.search(text, fig.item_start, q.start) or RE_STAR_RATED.match(text, q.end, min(fig.clause_end, q.end + 4)):
        return "honours"
    return None


def _names_a_count(text: str, start: int, end: int) -> bool:
    """Whether a specific alias of the registry stands in ``text[start:end]``."""
    return next(_specific_aliases(text, start, end), None) is not None


#: What a word or a layout means wherever it stands, after the indicator is chosen (by the rules or
#: the learned scorer, which never weighs these): a bare 建制率 rates the system named before it; a
#: table's breakdown row counts what the row above it counts.
LEXICAL_RULES: RuleTable[Figure] = RuleTable(
    "lexical",
    (Rule("system_rate", _system_rate), Rule("table_breakdown", _table_breakdown), Rule("star_rated", _star_rated)),
)


def remember(doc_last: dict, claim: Claim, q: Quantity) -> None:
    """The paragraph's latest topic in this measure (other is no topic)."""
    if claim.indicator != "other":
        doc_last[measure(q)] = claim
