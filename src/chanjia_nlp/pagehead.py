"""The headline and publication date a report's text states, read from its page furniture.

A report copied from a web page, an e-paper or a government portal seldom opens with its headline.
Before (and around) it stand a newspaper's masthead and page label (``荆州日报`` / ``2024年12月03日`` /
``第A002版:荆州要闻``), a site's date line (``2020-12-26 20:17:14来源:央视新闻``,
``//www.workercn.cn2014-10-30 15:17:46来源: 中工网``), a forum byline (``zj66 发表于 2021-4-10
09:47:13``), a kicker ending in ``——``, a reporter's byline, a speech's date line (``——2023年2月2日
在…会议上``). :func:`read_head` reads them as a rule table, best rule first (:data:`DATE_RULES`):

========== =========================================================================== ===========
rule       shape                                                                       where
========== =========================================================================== ===========
labelled   ``发布时间:2023-04-06``, ``时间 2023-05-04 15:39``, ``发表于 2021-4-10``   head lines
dateline   a line of furniture only, with a date: ``苏州日报 2023-04-23 11:45``,        head lines
           ``《工人日报》(2024年05月24日 02版)``, ``作者:  2025年04月19日``,
           ``工人日报 2023年09月08日 星期一``, ``12.05.2015  12:05`` (day.month.year)
issue      an e-paper's issue line: ``… 2015年10月29日 星期四``                        head, foot
signature  a date alone on one of the last lines (a report's signature)               foot lines
speech     ``——2023年2月2日在…代表大会…上``, ``(2023年1月6日在…会议上)``                head lines
news_lead  ``中新网广州12月2日电 …2020年…表彰大会2日…``: month and day from the dateline, first body
           the year only when the lead sentence states one (never guessed)           line
opening    the first body line opens with the full date: ``2022年12月30日,…``          first body
========== =========================================================================== ===========

A date that is part of the story (``4月29日,记者从…获悉``) states no year and is never taken.
The headline is the first line that is no furniture; when that line is already the story (a
sentence ending in ``。``, a news lead ``本报讯…``, a salutation ``各位代表:``), the excerpt has no
headline and the title is ``None``. Everything here works on the first and last lines only, so it
costs next to nothing on a long report.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from ._lexicon import literal_regex, page_furniture
from .formats import RE_CHROME_LINE  # share buttons, 返回顶部…: the lines the HTML reader drops
from .numbers import to_halfwidth

__all__ = ["DATE_RULES", "PageHead", "read_head"]

#: Date rules in rank order: the first rule that finds a date gives the publication date.
DATE_RULES = ("labelled", "dateline", "issue", "signature", "speech", "news_lead", "opening")
#: How many non-blank lines open a page (its furniture and headline stand among them) …
HEAD_LINES = 15
#: … and how many close it (an e-paper's issue line, a report's signature date).
FOOT_LINES = 6
#: The labelled rule also reads this far into the text for the specific labels (发布时间…).
LABEL_CHARS = 3000
#: A line longer than this is a paragraph, never a headline or a line of furniture.
MAX_LINE = 120
MAX_TITLE = 80
#: A headline with a comma in it is short; a longer line with commas is the story.
MAX_TITLE_WITH_COMMA = 50
#: Labels too common to mark a date line anywhere but at the head of the page.
GENERIC_DATE_LABELS = frozenset({"时间", "日期"})

RE_YMD_NUMERIC = re.compile(
    r"""
    (?<![0-9])(?P<y>(?:19|20)[0-9]{2})  # 2020-12-26, 2021-4-10, 2023/01/18, 2023.01.18
    (?P<sep>[-/.])(?P<m>[0-9]{1,2})
    (?P=sep)(?P<d>[0-9]{1,2})(?![0-9])  # the same separator twice
    """,
    re.VERBOSE,
)
RE_YMD_CJK = re.compile(
    r"""
    (?<![0-9])(?P<y>(?:19|20)[0-9]{2})\s*年  # 2023年1月17日, 2025 年 3 月 30 日
    \s*(?P<m>[0-9]{1,2})\s*月
    \s*(?P<d>[0-9]{1,2})\s*日
    """,
    re.VERBOSE,
)
RE_DMY_DOTTED = re.compile(
    r"""
    (?<![0-9.])(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.  # 12.05.2015: day.month.year, the dotted
    (?P<y>(?:19|20)[0-9]{2})(?![0-9.])                 # European order some sites print
    """,
    re.VERBOSE,
)
RE_ANY_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
RE_ANY_WIDE_YEAR = re.compile(r"[12１２][09０９][0-9０-９]{2}")  # the same before to_halfwidth
RE_SENTENCE_MARK = re.compile(r"[。,;!?]")  # (after to_halfwidth) a line with one of these is a sentence
RE_TIME = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"
RE_AFTER_CJK_DATE = re.compile(
    rf"""
    \s*(?:{RE_TIME}                 # 2023年04月23日 11:45
      | (?:星期|周)[一二三四五六日天]  # 2023年09月08日 星期一
      | [A-Z]?[0-9]*\s*版           # (2024年05月24日 02版)
      | 第                          # 2024年5月8日 第A05版
      | \)                          # (2023年1月18日)
      | $                           # a date that ends the line: 作者:  2025年04月19日
    )
    """,
    re.VERBOSE,
)
RE_BEFORE_CJK_DATE = re.compile(r"(?:^|[\s(:》])$")  # the date stands apart: at the start, after a space, ( or :
RE_WEEKDAY_AFTER = re.compile(r"\s*(?:星期|周)[一二三四五六日天]")
RE_SPEECH_LEAD = re.compile(r"^[\s—\-(]*$")  # what may stand before a speech's date: ——, (
RE_SPEECH_AFTER = re.compile(r"\s*在")  # ——2023年2月2日在…会议上
RE_NEWS_LEAD = re.compile(
    r"""
    ^\s*[^\s,。:]{0,20}?                      # 中新网广州, 本报嘉积, 泉州网
    (?<![0-9])(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日
    (?:电|讯)                                 # 12月2日电, 4月25日讯
    """,
    re.VERBOSE,
)
RE_LEAD_YEAR = re.compile(
    r"""
    (?<![0-9自从至到止])(?P<y>(?:19|20)[0-9]{2})年  # 2020年广东省劳动模范…表彰大会2日; not 自2018年, 截至2021年
    (?!度|底|末|初|以来|前|后|[0-9])              # 2016年度 is the year before, 2021年底 a span's end
    """,
    re.VERBOSE,
)
RE_OPENING_AFTER = re.compile(r"(?:[上下]午|晚上?|早上)?\s*[,\s]")  # 2022年12月30日,… / 2022年12月30日上午,…

# Lines that are furniture, not the headline (after to_halfwidth).
RE_PAGE_LABEL = re.compile(r"^(?:第\s*[A-Z]?[0-9]+\s*版|[A-Z]?[0-9]{1,5}\s*版)\s*(?::.*)?$")  # 00002版:工会, 第A06版:
RE_KICKER = re.compile(r"[—－]+$")  # a kicker (引题) ends in —— before the main line
RE_SUBTITLE = re.compile(r"^[—－]")  # a subtitle (副题) opens with ——: ——在全市工会工作会议上的讲话
RE_COLUMN_LABEL = re.compile(r"^【[^】]{1,12}】$")  # 【主席之声】: a column, not a headline
RE_ENTRY_HEADING = re.compile(r"^【(?P<heading>[^】]{1,20})】\s*\S")  # a yearbook entry: 【劳模表彰与关怀】2021年,…
RE_BYLINE = re.compile(
    r"""
    (?:记者|通讯员|实习生)                                  # 本报记者 裴龙翔, ■ 记者 韩惠 通讯员 代鹏鹏,
    (?:\s|[\u4e00-\u9fff]{2,4}(?:\s|$|、|通讯员|记者))     # 工人日报-中工网记者刘旭 通讯员宋雅金
    """,
    re.VERBOSE,
)
RE_OFFICE_BYLINE = re.compile(
    r"""
    ^\S.{0,40}?(?:长|主席|书记|主任|委员|召集人|负责人)  # 封丘县人民政府县长 王振海
    \s+[\u4e00-\u9fff·]{2,4}$                           # then the speaker's name
    """,
    re.VERBOSE,
)
RE_NEWS_LEAD_START = re.compile(r"^[^\s,:]{0,20}?(?:讯|[0-9]{1,2}日电)(?:[\s(]|$)")  # 本报讯(…, 中工网讯 …
RE_URL_LINE = re.compile(r"^(?:https?:)?//\S+$")
RE_BREADCRUMB = re.compile(r"^[^>›»]{1,20}(?:[>›»][^>›»]{1,20}){2,}$")  # 南通开发区总工会 > 工作动态 > 正文
RE_PICTURE = re.compile(r"^\((?:资料)?图片?\)$")  # (资料图), (图)
RE_ORIGINAL_TITLE = re.compile(r"^原标题\s*:")
RE_OFFICIAL_TITLE = re.compile(
    r"""
    ^关于.{2,80}?的[\u4e00-\u9fff]{0,4}?            # 关于2022年度…完成情况的, 关于…的实施
    (?:报告|通知|通报|意见|决定|请示|批复|函|汇报|方案|办法|规定|细则|总结|公告|通告|决议|纪要|计划|规划)
    (?:\s*\([^()]*\))?$                             # (嘉总工〔2022〕15号)
    """,
    re.VERBOSE,
)  # an official document's title: it wins over the issuing body's name above it (江都区总工会)
RE_CONTINUED_SPEECH = re.compile(r"^.{1,20}上$")  # 六次会议上: the rest of a speech's date line


@dataclass(frozen=True, slots=True)
class PageHead:
    """What a text's furniture says: the headline, the publication date (ISO) and the rule
    of :data:`DATE_RULES` that found it, each ``None`` when the text states none."""

    title: str | None = None
    published: str | None = None
    rule: str | None = None


@functools.cache
def _labels() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Patterns built from ``page_furniture.tsv``: a date label before a date, a field label
    (``来源:``, ``版次:``) that starts trailing furniture, a masthead line, a yearbook section."""
    words = page_furniture()
    date_labels = literal_regex(words["date_label"])
    specific = literal_regex([w for w in words["date_label"] if w not in GENERIC_DATE_LABELS])
    fields = literal_regex(words["field"] + words["date_label"])
    papers = literal_regex(words["paper"])
    labelled = re.compile(rf"(?<![\u4e00-\u9fff])(?:(?P<specific>{specific})|{date_labels})\s*:?\s*$")
    field = re.compile(rf"(?:^|\s)(?:{fields})\s*:")
    masthead = re.compile(rf"^《?[\u4e00-\u9fff·]{{2,12}}(?:{papers})》?$")
    section = re.compile(rf"^(?:{literal_regex(words['section'])})$")
    return labelled, field, masthead, section


def _iso(y: str, m: str, d: str) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _dates(line: str) -> list[tuple[re.Match[str], str, str]]:
    """``(match, shape, iso)`` for every valid full date in a line, in order; ``shape`` is
    ``numeric``, ``cjk`` or ``dmy``. A dotted ``12.05.2015`` is day.month.year (the order of the
    sites that print it); read month.day only when the day-first reading is no date."""
    found: list[tuple[re.Match[str], str, str]] = []
    if RE_ANY_YEAR.search(line) is None:
        return found  # most lines: no year, no date
    for shape, pattern in (("numeric", RE_YMD_NUMERIC), ("cjk", RE_YMD_CJK), ("dmy", RE_DMY_DOTTED)):
        for m in pattern.finditer(line):
            iso = _iso(m["y"], m["m"], m["d"])
            if iso is None and shape == "dmy":
                iso = _iso(m["y"], m["d"], m["m"])
            if iso is not None:
                found.append((m, shape, iso))
    found.sort(key=lambda item: item[0].start())
    return found


def _line_date(line: str, *, head: bool) -> tuple[str, str] | None:
    """``(rule, iso)`` of the best date a line of furniture states (rules labelled, dateline,
    issue, speech), else ``None``. Outside the head only specific labels and issue lines count."""
    if len(line) > MAX_LINE:
        return None
    labelled, _, _, _ = _labels()
    dates = _dates(line)
    if not dates:
        return None
    sentence = RE_SENTENCE_MARK.search(line) is not None
    best: tuple[int, str] | None = None
    for m, shape, iso in dates:
        before, after = line[: m.start()], line[m.end():]
        label = labelled.search(before)
        if label and (head or label["specific"]):
            rule = "labelled"
        elif sentence:
            continue
        elif shape == "cjk" and RE_WEEKDAY_AFTER.match(after):
            rule = "dateline" if head else "issue"
        elif not head:
            continue
        elif shape != "cjk" or (RE_BEFORE_CJK_DATE.search(before) and RE_AFTER_CJK_DATE.match(after)):
            rule = "dateline"
        elif shape == "cjk" and RE_SPEECH_LEAD.match(before) and RE_SPEECH_AFTER.match(after):
            rule = "speech"
        else:
            continue
        rank = DATE_RULES.index(rule)
        if best is None or rank < best[0]:
            best = (rank, iso)
    return (DATE_RULES[best[0]], best[1]) if best else None


def _news_lead(line: str) -> str | None:
    """The date of a news lead (``中新网广州12月2日电``) when its lead sentence states the year once."""
    m = RE_NEWS_LEAD.match(line)
    if m is None:
        return None
    sentence = line[m.end():].split("。", 1)[0]
    years = {y["y"] for y in RE_LEAD_YEAR.finditer(sentence)}
    if len(years) != 1:
        return None  # no year, or two: never guess which
    return _iso(years.pop(), m["m"], m["d"])


def _opening(line: str) -> str | None:
    """The date a body line opens with (``2022年12月30日,张家口市新闻办举行…``)."""
    m = RE_YMD_CJK.match(line)
    if m is None or not RE_OPENING_AFTER.match(line, m.end()):
        return None
    return _iso(m["y"], m["m"], m["d"])


def _is_furniture(line: str) -> bool:
    """A line of page furniture: a date line, masthead, page label, byline, kicker, column label…"""
    _, field, masthead, _ = _labels()
    cut = field.search(line)
    kept = line[: cut.start()].strip() if cut else line  # 标题 版次:A02  作者: …, 来源:湖北日报
    return (
        not kept
        or _line_date(kept, head=True) is not None
        or masthead.match(kept) is not None
        or RE_PAGE_LABEL.match(kept) is not None
        or RE_KICKER.search(kept) is not None
        or RE_SUBTITLE.match(kept) is not None
        or RE_COLUMN_LABEL.match(kept) is not None
        or (len(kept) <= 40 and not RE_SENTENCE_MARK.search(kept)
            and (RE_BYLINE.search(kept) is not None or RE_OFFICE_BYLINE.match(kept) is not None))
        or RE_URL_LINE.match(kept) is not None
        or RE_BREADCRUMB.match(kept) is not None
        or RE_PICTURE.match(kept) is not None
        or RE_ORIGINAL_TITLE.match(kept) is not None
        or RE_CHROME_LINE.match(kept) is not None
    )


def _headline_like(line: str) -> bool:
    """Whether a line can be a headline: no sentence, no news lead, no salutation."""
    if not line or "。" in line or line[-1] in ";:." or RE_NEWS_LEAD_START.match(line):
        return False
    limit = MAX_TITLE_WITH_COMMA if "," in line else MAX_TITLE
    return len(line) <= limit


def _front(lines: list[str], raw: list[str]) -> tuple[str | None, int]:
    """The headline (as written, trailing furniture cut) and where the body starts: the first
    line that is neither furniture nor headline-like (a subtitle). The lines before it are the
    page's front, where date lines stand."""
    _, field, _, section = _labels()
    title: str | None = None
    found = official = speech_open = False
    for k, text in enumerate(lines):
        if speech_open and RE_CONTINUED_SPEECH.match(text):
            speech_open = False
            continue
        speech_open = False
        if _is_furniture(text):
            hit = _line_date(text, head=True)
            speech_open = hit is not None and hit[0] == "speech" and not text.endswith("上")
            continue
        entry = RE_ENTRY_HEADING.match(text)
        raw_entry = RE_ENTRY_HEADING.match(raw[k]) if entry and not found else None
        if raw_entry is not None:
            heading = raw_entry["heading"].strip()
            return (None if section.match(heading) else heading), k
        if not _headline_like(text):
            return title, k
        if not found or (not official and RE_OFFICIAL_TITLE.match(text)):
            cut = field.search(text)
            title = raw[k][: cut.start() if cut else len(text)].strip() or None  # as written
            official = RE_OFFICIAL_TITLE.match(text) is not None
            found = True
    return title, len(lines)


def read_head(text: str) -> PageHead:
    """The headline and publication date ``text`` states (see the module's rule table).

    >>> read_head("荆州日报\\n2024年12月03日\\n第A002版:荆州要闻\\n全省技能大赛结果出炉\\n本报讯 11月30日,…")
    PageHead(title='全省技能大赛结果出炉', published='2024-12-03', rule='dateline')
    >>> read_head("广东表彰劳模\\n中新网广州12月2日电 2020年广东省劳模表彰大会2日在广州举行。").published
    '2020-12-02'
    >>> read_head("广东表彰劳模\\n中新网广州12月2日电 表彰大会2日在广州举行。").published is None
    True
    """
    raw, page = _lines(text)
    if not raw:
        return PageHead()
    head = [to_halfwidth(line) for line in raw[:HEAD_LINES]]
    title, body = _front(head, raw)

    found: dict[str, str] = {}  # rule → the first date it found

    def note(rule: str, iso: str | None) -> None:
        if iso is not None and rule not in found:
            found[rule] = iso

    for line in head[:body]:  # the front: date lines, mastheads, speech date lines
        hit = _line_date(line, head=True)
        if hit:
            note(*hit)
    rest = [*head[body:], *(to_halfwidth(line) for line in raw[HEAD_LINES:] + page if RE_ANY_WIDE_YEAR.search(line))]
    for line in rest:
        hit = _line_date(line, head=False)  # the rest: 发布时间:…, an e-paper's issue line, a signature
        if hit:
            note(*hit)
        if _is_date_alone(line):
            note("signature", _dates(line)[0][2])
    if body < len(head):
        note("news_lead", _news_lead(head[body]))
        note("opening", _opening(head[body]))
    for rule in DATE_RULES:
        if rule in found:
            return PageHead(title=title, published=found[rule], rule=rule)
    return PageHead(title=title)


def _lines(text: str) -> tuple[list[str], list[str]]:
    """The stripped non-blank lines of the page's top (at least HEAD_LINES lines and LABEL_CHARS
    characters) and of its foot (the last FOOT_LINES lines below them): a long report is never
    split whole."""
    top: list[str] = []
    at = chars = 0
    while at < len(text) and (len(top) < HEAD_LINES or chars < LABEL_CHARS):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        line = text[at:end].strip()
        if line:
            top.append(line)
            chars += len(line)
        at = end + 1
    rest = text[max(at, len(text) - FOOT_LINES * MAX_LINE):]
    foot = [line.strip() for line in rest.splitlines() if line.strip()][-FOOT_LINES:]
    return top, foot


def _is_date_alone(line: str) -> bool:
    """A line holding one date and nothing else (a signature date: ``2022年7月15日``)."""
    if len(line) > 40:
        return False
    dates = _dates(line)
    if len(dates) != 1:
        return False
    m = dates[0][0]
    rest = (line[: m.start()] + line[m.end():]).strip(" ()[]")
    return not rest
