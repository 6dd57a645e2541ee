"""Whom a figure is about: the subject rule table.

The subject is the region or organisation whose work the figure reports (ANNOTATION.md §2),
named in the figure's sentence before it, else resolved from a body named by level alone
(``县总工会``) or a whole area (``全省``), else named in its paragraph, else the topic at the head
else a name at the head of its clause, else the article's headline or lead. A name inside the counted thing (``省级工匠
学院12所``) is no subject, nor is a partner (``联合区人社局``) or a newspaper (``绍兴日报``).
"""

from __future__ import annotations

import functools
import re

from .. import _lexicon
from ..records import Entity, EntityLabel
from .context import Document, Figure
from .rules import Rule, RuleTable

__all__ = ["SUBJECT_RULES", "TRUSTED_SUBJECT_RULES", "named_entities", "subject_candidates", "topic"]

RE_MASTHEAD_AFTER = re.compile("日报|晚报|工人报|新闻网|电视台|融媒体")
#: A body named by its level alone at the head of a clause (县总工会, 区产改办): a named one of the
#: report with the same ending is meant.
RE_LEVEL_BODY = re.compile(r"(?=[省市县区镇])(?<![^，,；;。：:\n])[省市县区镇](?:总工会|产改办|产改联席会议|人社局|财政)")
RE_WHOLE_AREA = re.compile(r"(?=[全我本该])(?<![^，,；;：:。\n\s覆盖])[全我本该](省|市|县|区|镇|街道)")  # at a clause's head
RE_PARTNER_BEFORE = re.compile("(?:联合|会同|携手|协同|联手|携)[^，。；,;]{0,12}$")
#: Where an event took place (在琼海召开, 于郴州市举行): a venue, not whose work is reported.
RE_VENUE_BEFORE = re.compile("(?:在|于|赴)$")
RE_VENUE_AFTER = re.compile("[^，。；,;\n]{0,8}?(?:召开|举行|举办|开幕|闭幕|落幕|开赛|启幕)")
RE_LEADING_TIME = re.compile(
    r"\s*(?:(?:19|20)[0-9]{2}年(?:[0-9]{1,2}月)?|今年|去年|目前|截至目前|近年来|[上下]半年|[一二三四]季度|[^，,。]{0,8}期间)[，,]?"
)
_LEVEL_CHARS = "省市区县镇乡"
_NOT_A_NAME_START = "共开资招为与在把将由向对从和及各该本全其"
#: Topic stops that are nouns, not verbs: they stand in names (无锡市职工服务中心).
_NOUNS_AMONG_STOPS = frozenset({"职工", "员工"})


@functools.cache
def _generic_orgs() -> frozenset[str]:
    return frozenset(_lexicon.word_list("generic_orgs.txt"))


@functools.cache
def _topic_stop_pattern() -> re.Pattern[str]:
    return re.compile(_lexicon.literal_regex(_lexicon.word_list("topic_stops.txt"), searched=True))


def _named(e: Entity) -> bool:
    """Whether an entity names someone in particular (惠山区, 中天科技集团), not a kind of body
    (区总工会, 人社局) or a span cut from a verb phrase (开办工会)."""
    if e.label is EntityLabel.REGION:
        return True
    text = e.text
    if text[0] in _NOT_A_NAME_START or any(c.isdigit() for c in text):
        return False  # 62名考入大学: a count cut off at a suffix, not a name
    if e.label is EntityLabel.ORG and any(
        len(stop) > 1 and stop not in _NOUNS_AMONG_STOPS for stop in _topic_stop_pattern().findall(text)
    ):
        return False  # 率先实现县级工匠学院: a verb phrase cut off at a suffix, not a name
    bare = text[1:] if text[0] in _LEVEL_CHARS else text
    if bare.startswith("委") and len(bare) > 2:
        bare = bare[1:]  # 区委组织部, 区委编办: a department of the party committee
    return bare not in _generic_orgs() and text not in _generic_orgs()


def named_entities(text: str, entities) -> list[Entity]:
    """The regions and organisations that can be subjects, sorted by start."""
    return sorted(
        (
            e for e in entities
            if e.label in (EntityLabel.REGION, EntityLabel.ORG) and _named(e)
            and text[e.end : e.end + 1] != "级"  # 绍兴市级26家: a level, not who
            and not RE_MASTHEAD_AFTER.match(text, e.end)  # 绍兴日报: the paper, not the story
        ),
        key=lambda e: e.start,
    )


@functools.cache
def _clause_openers() -> tuple[str, ...]:
    return tuple(_lexicon.word_list("clause_openers.txt"))


#: Words after a name and before its verb: 华澄重工每年举办…, 鑫源新材料已建成…
_TRAILING = ("每年", "每月", "今年", "去年", "全年", "已经", "已", "共", "还", "也", "均", "都")
#: A clause head that names a measure (三次产业结构比, 城镇化率, 粮食总产量) is what is counted, no body.
_MEASURE_ENDINGS = ("比", "率", "值", "量", "额", "比重", "增速", "增幅", "指数", "面积", "结构", "收入", "总数")
_NOT_A_TOPIC_START = "全各该本此积持深进推加不更要大坚围着精常认努切通依在为与对把将由从和及其共已委年每我"


@functools.cache
def _grammar_words() -> re.Pattern[str]:
    from ..grammar import grammar

    g = grammar()
    words = [w.word for name, ws in g.words.items() if name.startswith(("scope.", "period.")) for w in ws]
    words += [w for w in g.level_words if len(w) > 1]
    return re.compile(_lexicon.literal_regex(words, searched=True))


def _grammar_word(text: str) -> bool:
    """Whether a scope, period or level word stands in ``text`` (新命名市级: no name)."""
    return _grammar_words().search(text) is not None


def topic(text: str, start: int, end: int) -> str | None:
    """The name at the head of a clause or sentence, before its first verb (华澄重工设立… →
    华澄重工), for a firm named without the suffix that would make it an organisation: the
    words before the first topic stop word, three to eight characters, after a leading time
    phrase, not opened by a verb of direction or a time word (安排困难, 当年考入大学 and 鼓励企业
    按照 are no names, ``lexicons/clause_openers.txt``)."""
    from .aliases import alias_lexicon

    head = text[start:end]
    m = RE_LEADING_TIME.match(head)
    if m:
        head = head[m.end() :]
    offset = end - len(head)
    stop = _topic_stop_pattern().search(head)
    if stop is None or not 3 <= stop.start() <= 8:
        return None
    found = head[: stop.start()]
    if found[0] in _NOT_A_TOPIC_START or not all("\u4e00" <= c <= "\u9fff" for c in found) or "的" in found:
        return None
    if found.endswith(_MEASURE_ENDINGS):
        return None  # 三次产业结构比为…: a measure, not who reports it
    if alias_lexicon().pattern.search(found) or found.endswith(tuple(_generic_orgs())):
        return None  # 试点企业覆盖, 考核细则, 联席会议: the counted thing or a bare body, not a name
    for word in _TRAILING:
        if found.endswith(word):
            found = found[: -len(word)]  # 华澄重工每年举办…: the name ends before 每年
            break
    if len(found) < 2 or found.startswith(_clause_openers()) or _grammar_word(found):
        return None  # 并按月…, 去年新命名市级…: no name
    return text[offset : offset + len(found)]


def _clause_heads(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with a leading time phrase dropped (2023年，全省…)."""
    head = text[start:end]
    m = RE_LEADING_TIME.match(head)
    return head[m.end() :] if m else head


def _candidates(fig: Figure, lo: int, hi: int) -> list[Entity]:
    """Named entities starting in ``[lo, hi)`` that are not inside the counted thing."""
    found = fig.doc.between(lo, hi)
    if fig.match is None:
        return found
    _, a, b = fig.match
    return [e for e in found if not (e.start < b and a < e.end)]


def _partner(doc: Document, e: Entity, sentence_start: int) -> bool:
    """工会工委联合区人社局、许昌职业技术学院举办…: a partner of the work, not who it is about."""
    return RE_PARTNER_BEFORE.search(doc.text, max(sentence_start, e.start - 14), e.start) is not None


def _venue(text: str, e: Entity) -> bool:
    """在琼海召开, 于郴州市举行: the place of a meeting or contest, not a subject."""
    return (e.label is EntityLabel.REGION and RE_VENUE_BEFORE.search(text, max(0, e.start - 1), e.start) is not None
            and RE_VENUE_AFTER.match(text, e.end) is not None)


def _in_sentence(fig: Figure) -> str | None:
    s = fig.sentence[0]
    found = [e for e in _candidates(fig, s, fig.q.start)
             if e.end <= fig.q.start and not _partner(fig.doc, e, s) and not _venue(fig.text, e)]
    return found[-1].text if found else None


def _level_body(fig: Figure) -> str | None:
    """县总工会推行…: the county's federation, named elsewhere in the report (新昌县总工会)."""
    generic = RE_LEVEL_BODY.search(fig.text, fig.sentence[0], fig.q.start)
    if generic is None:
        return None
    body = generic.group()
    article = fig.article
    for e in _candidates(fig, article.start, article.end):
        if e.label is EntityLabel.ORG and e.text.endswith(body) and len(e.text) > len(body):
            return e.text
    return None


def _whole_area(fig: Figure) -> str | None:
    """全省新增…46家: the whole province the report is about, named at its head (陕西省总工会…)."""
    whole = list(RE_WHOLE_AREA.finditer(_clause_heads(fig.text, fig.sentence[0], fig.q.start)))
    if not whole:
        return None
    level = whole[-1].group(1)
    article = fig.article
    for e in _candidates(fig, article.headline_start, article.headline_end) + _candidates(fig, article.start, fig.q.start):
        cut = e.text.find(level)  # 陕西省, or the 鞍山市 of 鞍山市总工会
        if cut >= 1 and e.text[: cut + len(level)] not in _generic_orgs():
            return e.text[: cut + len(level)]
    return None


RE_OWN_AREA = re.compile(r"(?=我)(?<![^，,；;：:。\n\s覆盖）)])我(省|市|县|区)")  # at a clause's head
_AREA_LEVEL = {"省": "province", "市": "city", "县": "district", "区": "district"}


def _masthead_area(fig: Figure) -> str | None:
    """我市/我省 in a local paper's report, where the article names no such area: the paper's own
    (运城晚报讯…我市3个集体 → 运城; 海南日报…我省 → 海南). Found once per document."""
    whole = list(RE_OWN_AREA.finditer(_clause_heads(fig.text, fig.sentence[0], fig.q.start)))
    if not whole:
        return None
    level_word = whole[-1].group(1)
    article = fig.article
    for e in _candidates(fig, article.headline_start, article.end):
        if _area_suffix(e.text, level_word) or (e.label is EntityLabel.REGION and e.text.endswith(level_word)):
            return None  # the article names its own area: the ranker resolves 我市 to it
    doc = fig.doc
    key = ("masthead_areas",)
    if key not in doc.cache:
        from ..entities import find_division

        found: dict[str, str] = {}
        for m in RE_MASTHEAD_AFTER.finditer(doc.half, 0, 800):  # 运城晚报讯: the paper's place
            for n in (4, 3, 2):
                name = doc.half[max(0, m.start() - n) : m.start()]
                d = find_division(name) if len(name) == n else None
                if d is not None:
                    found.setdefault(d.level, name)
                    break
        doc.cache[key] = found
    return doc.cache[key].get(_AREA_LEVEL[level_word])


def _in_paragraph(fig: Figure) -> str | None:
    paragraph = fig.paragraph
    if paragraph is None:
        return None
    found = [e for e in _candidates(fig, paragraph.start, fig.q.start) if not _venue(fig.text, e)]
    return found[0].text if found else None


def _topic(fig: Figure) -> str | None:
    return topic(fig.text, fig.clause_start, fig.q.start) or topic(fig.text, fig.sentence[0], fig.q.start)


def _headline(fig: Figure) -> str | None:
    article = fig.article
    found = [e for e in _candidates(fig, article.headline_start, article.headline_end) if not _venue(fig.text, e)]
    return found[0].text if found else None


def _lead(fig: Figure) -> str | None:
    article = fig.article
    found = [e for e in _candidates(fig, article.start, fig.q.start) if not _venue(fig.text, e)]
    return found[0].text if found else None


#: Rules whose answer the learned ranker does not overrule: it has no candidate for a place the
#: article never names as a subject (a paper's masthead is no candidate).
TRUSTED_SUBJECT_RULES = frozenset({"own_area_of_masthead"})

SUBJECT_RULES: RuleTable[Figure] = RuleTable(
    "subject",
    (
        Rule("named_in_sentence", _in_sentence),
        Rule("body_named_by_level", _level_body),
        Rule("whole_area", _whole_area),
        Rule("own_area_of_masthead", _masthead_area),
        Rule("named_in_paragraph", _in_paragraph),
        Rule("clause_topic", _topic),
        Rule("named_in_headline", _headline),
        Rule("named_in_lead", _lead),
    ),
)


# --- candidates for the learned ranker --------------------------------------------------------

RE_AREA_WORD = re.compile(r"(?:全|我|本|该|此)(省|市|县|区|州|盟|旗)")
_BEFORE_WORDS = ("被", "由", "携", "联合", "会同", "为", "向", "对", "在", "到", "来自", "与", "和", "及", "经", "是", "据")
_AFTER_WORDS = ("等", "、", "的", "和", "与", "及", "授予", "举办", "召开", "主办", "承办", "联合", "共", "已", "先后")
_ORG_KINDS = (("union", ("工会", "工委", "总工会")), ("firm", ("公司", "集团", "企业", "厂", "银行")),
              ("gov", ("局", "厅", "委", "办", "政府", "法院", "中心", "部")), ("school", ("学校", "学院", "大学")))


def _area_suffix(name: str, level_word: str) -> bool:
    if level_word == "省":
        return name.endswith(("省", "自治区")) or name in ("北京市", "上海市", "天津市", "重庆市")
    return name.endswith(level_word)


def _main_names(fig: Figure) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """What the figure's article is about: the regions it names (counting those inside
    organisation names: 焦作市总工会 names 焦作市) and all its names, most named first (then
    first named): ``(name, count)`` lists, found once per article. A page of several articles
    (a newspaper page) has a main region per article."""
    doc, article = fig.doc, fig.article
    key = ("main_names", article.start)
    if key not in doc.cache:
        from ..entities import division_in

        regions: dict[str, list[int]] = {}
        names: dict[str, list[int]] = {}
        for e in doc.between(article.start, article.end):
            names.setdefault(e.text, [0, e.start])[0] += 1
            if e.label is EntityLabel.REGION:
                name = e.normalized or e.text
            else:
                inside = division_in(e.text)
                if inside is None:
                    continue
                name = inside.name
            regions.setdefault(name, [0, e.start])[0] += 1

        def ranked(counts: dict[str, list[int]]) -> list[tuple[str, int]]:
            return [(n, c) for n, (c, _) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[1][1]))]

        doc.cache[key] = (ranked(regions), ranked(names))
    return doc.cache[key]


@functools.lru_cache(maxsize=4096)
def _kind(label: EntityLabel, name: str) -> str:
    if label is EntityLabel.REGION:
        from ..entities import find_division

        d = find_division(name)
        return f"region:{d.level}" if d is not None else "region"
    for kind, endings in _ORG_KINDS:
        if name.endswith(endings):
            return f"org:{kind}"
    return "org"


def _kind_of(e: Entity) -> str:
    return _kind(e.label, e.normalized or e.text if e.label is EntityLabel.REGION else e.text)


def _near_once(doc: Document, e: Entity) -> list[str]:
    """:func:`_near` of a named entity, worked out once per document (every figure after it asks)."""
    near = doc.cache.setdefault("near", {})
    key = (e.start, e.end)
    found = near.get(key)
    if found is None:
        found = near[key] = _near(doc.text, e)
    return found


def _near(text: str, e: Entity) -> list[str]:
    out = ["venue"] if _venue(text, e) else []
    before = text[max(0, e.start - 2) : e.start]
    for w in _BEFORE_WORDS:
        if before.endswith(w):
            out.append(f"pre={w}")
            break
    after = text[e.end : e.end + 2]
    for w in _AFTER_WORDS:
        if after.startswith(w):
            out.append(f"post={w}")
            break
    return out


def subject_candidates(fig: Figure, proposals: list[tuple[str, str]]) -> dict[str | None, list[str]]:
    """Every subject the figure might have, with the features a learned ranker weighs: which rules
    propose it, where it is named (sentence, paragraph, headline, lead), how far before the figure,
    what kind of name it is, the words around it, and whether it is the document's main region
    (resolving 全市, 我县 …)."""
    text, q, doc = fig.text, fig.q, fig.doc
    out: dict[str | None, list[str]] = {None: ["none"]}

    def add(value: str | None, *features: str) -> None:
        out.setdefault(value, []).extend(features)

    for n, (rule, value) in enumerate(proposals):
        add(value, f"p:{rule}", *(["first"] if n == 0 else []))
        if n == 0 and rule == "named_in_sentence":
            add(value, "first_in_sentence")
    counted = fig.match[1:] if fig.match is not None else None
    s0 = fig.sentence[0]
    in_sentence = [e for e in doc.between(s0, q.start) if e.end <= q.start]
    for rank, e in enumerate(reversed(in_sentence)):
        distance = q.start - e.end
        bucket = "0" if distance <= 5 else "1" if distance <= 15 else "2" if distance <= 40 else "3"
        kind = _kind_of(e)
        feats = ["sent", f"sent_d{bucket}", f"sent_r{min(rank, 2)}", kind, f"sent_d{bucket}&{kind.split(':')[0]}",
                 *_near_once(doc, e)]
        if e.start >= fig.clause_start:
            feats.append("clause")
        if counted is not None and e.start < counted[1] and counted[0] < e.end:
            feats.append("in_counted")
        if _partner(doc, e, s0):
            feats.append("partner")
        add(e.text, *feats)
    paragraph = fig.paragraph
    if paragraph is not None:
        for rank, e in enumerate(doc.between(paragraph.start, s0)[:3]):
            add(e.text, "para", f"para_r{rank}", _kind_of(e), *_near_once(doc, e))
    article = fig.article
    for rank, e in enumerate(doc.between(article.headline_start, article.headline_end)[:3]):
        add(e.text, "head", f"head_r{rank}", _kind_of(e), *_near_once(doc, e))
    lead_end = min(q.start, article.start + 200)
    for rank, e in enumerate(doc.between(max(article.start, article.headline_end), lead_end)[:3]):
        add(e.text, "lead", f"lead_r{rank}", _kind_of(e), *_near_once(doc, e))
    regions, names = _main_names(fig)
    for rank, (name, count) in enumerate(regions[:3]):
        add(name, f"main_r{rank}", f"main_n{min(count, 4)}")
    area = RE_AREA_WORD.search(text, max(s0, fig.clause_start), q.start) or RE_AREA_WORD.search(text, s0, q.start)
    if area is not None:
        # 全区 of a report on 南通开发区: the article's most named area of that level, region or not
        for name, _ in sorted(regions + names, key=lambda nc: -nc[1]):
            if _area_suffix(name, area.group(1)):
                add(name, f"area:{area.group()[0]}")
                break
    previous = fig.previous
    if previous is not None and previous.subject is not None:
        add(previous.subject, "prev_subject" if previous.quantity.start >= s0 else "prev_subject_far")
    return out
