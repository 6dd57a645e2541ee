"""When a figure is, and whether it is a stock or a flow: the period and scope rule tables.

Periods (ANNOTATION.md §2): the last time word before the figure in its governing sentence
decides (a stated year ``2022年``, a month ``截至6月底``, a relative word ``今年``/``去年``/``目前``
resolved against the report's own year or the publication date); a span (``近三年``,
``2019年以来``) fixes no single period; else the year at the head of the paragraph, else the
year the headline states. Scopes follow the spec's rule order over the grammar words of
``lexicons/grammar.yaml``.
"""

from __future__ import annotations

import functools
import re
from datetime import date

from .. import _lexicon
from ..grammar import grammar
from ..records import Kind
from ..structure import RE_SENTENCE_BREAK
from .context import Figure
from .rules import NOTHING, Rule, RuleTable

__all__ = ["PERIOD_RULES", "RE_YEAR", "SCOPE_RULES", "headline_year", "period_marks"]

RE_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年(?:度)?(?:([0-9]{1,2})\s*月|(底|末))?(?!以来|来)")
RE_TITLE = re.compile("《[^《》\n]*》")
RE_FULL_DATE = re.compile(r"(?:19|20)[0-9]{2}\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日")
_NUM = "一二两三四五六七八九十0-9"
RE_NEAR_YEARS = re.compile(f"[近这][{_NUM}]+年|[{_NUM}]+年多?(?:来|内)")  # 这两年, 两年内, 一年多来
RE_THIS_YEAR_BEFORE = re.compile("今年|本年|当年")
#: A year that dates no figure of the report: the base of a comparison (比2020年增长) or a
#: body's founding (于1949年5月成立).
RE_COMPARED_BEFORE = re.compile("(?:比|较|与|同)$")
RE_FOUNDED_AFTER = re.compile(r"^[0-9\s月日]{0,6}(?:成立|创立|创建|建立|组建)")
#: A year that opens a report's title rather than heading a paragraph (2020年某县政府工作报告).
RE_REPORT_TITLE_AFTER_YEAR = re.compile(r"[^，。,；;\n]{0,16}?(?:工作报告|工作总结|执行情况)")
#: A year that opens a span rather than heading a paragraph: 2018年启动…至今, 2018年起.
RE_SPAN_AFTER_YEAR = re.compile(r"[^，。,；;]{0,24}?(?:至今|以来|起|开始)")
#: The month a part of the year ends in: 截至今年上半年 is June (the end of the half).
_PART_END = {"上半年": 6, "一季度": 3, "二季度": 6, "三季度": 9, "前三季度": 9, "四季度": 12, "下半年": 12}
RE_UP_TO = re.compile("(?:截至|截止|到)(?:今年|本年|当年)?$")
#: A span of years (2014年至2016年, 2024至2025年, 2021—2023年): a running total over it.
RE_YEARS_SPAN = re.compile(r"(?:19|20)[0-9]{2}\s*年?\s*[—–\-~至到]\s*(?:19|20)[0-9]{2}\s*年(?!底|末|[0-9]{1,2}\s*月)")
RE_MONTHS_SPAN = re.compile(r"[0-9一二三四五六七八九十]{1,2}\s*[至到\-—~]\s*[0-9一二三四五六七八九十]{1,2}\s*月")  # 1至6月


@functools.cache
def _relative_pattern() -> re.Pattern[str]:
    """The relative period words of the grammar, each in its named group."""
    g = grammar()
    group = {name: g.pattern(f"period.{name}").pattern for name in ("now", "this_year", "year_part", "last_year")}
    words = [w.word for name in ("now", "this_year", "year_part", "last_year") for w in g.words[f"period.{name}"]]
    first = "".join(sorted({w[0] for w in words} | set("截0123456789")))
    return re.compile(
        f"(?=[{re.escape(first)}])"  # a fast skip to the words' first characters
        f"(?:(?P<month_now>{group['now']})"  # a stock now: the publication year-month
        # 截至今年2月, 今年3月, 截至6月底, 5月份 (not 2023年5月, 1至5月)
        r"|(?:截[至止])?(?P<which>今年|去年)?(?<![0-9月日\-—~到])(?<![^今去]年)(?<![^截止]至)(?P<month>[0-9]{1,2})月份?"
        f"|(?P<this>{group['this_year']})"  # this year, or part of it
        f"|(?P<year_part>{group['year_part']})"  # the year in question
        f"|(?P<last>{group['last_year']}))"  # last year
    )


@functools.cache
def _span_pattern() -> re.Pattern[str]:
    """Spans of time that fix no single period: 近三年, 连续三年, 两年内, 2019年以来, 2022—2024年,
    2021年、2022年 (两版); 今年以来 stays within this year."""
    words = grammar().pattern("period.span").pattern
    return re.compile(
        f"(?=[近这连以多{_NUM}])"
        f"(?:[近这][{_NUM}]+年|连续[{_NUM}]+年|(?!一年[来内])[{_NUM}]+年多?(?:来|内)|{words}"
        r"|(?:19|20)[0-9]{2}\s*年?\s*[—–\-~至到]\s*(?:19|20)[0-9]{2}\s*年"
        r"|(?:19|20)[0-9]{2}年?\s*[、和及与]\s*(?:19|20)[0-9]{2}年)"
    )


def period_marks(sentence: str) -> tuple[list, list, list]:
    """The period words of a governing sentence (half-width), found once for all its figures:
    stated years, relative words and spans, each with where it ends."""
    if "《" in sentence:  # 《…（2022—2024年）》 dates no figure
        sentence = RE_TITLE.sub(lambda m: " " * len(m.group()), sentence)
    years = [
        (m.end(), m.start(), m.group(1) + (f"-{int(m.group(2)):02d}" if m.group(2) else "-12" if m.group(3) else ""))
        for m in RE_YEAR.finditer(sentence)
        if not RE_COMPARED_BEFORE.search(sentence, max(0, m.start() - 1), m.start())
    ]  # 截至2023年底: December; 比2020年增长 compares with a year, it dates nothing
    relatives = [(m.end(), m.start(), m) for m in _relative_pattern().finditer(sentence)]
    spans = [
        m.end() for m in _span_pattern().finditer(sentence)
        if not (m.group() == "以来" and RE_THIS_YEAR_BEFORE.search(sentence, max(0, m.start() - 8), m.start()))
    ]  # 今年高温季以来: within this year, no span
    return years, relatives, spans


def resolve_period(
    marks: tuple[list, list, list], cut: int, published: date | None, report_year: str | None = None,
    *, review: bool = False,
) -> tuple[str | None, str | None]:
    """The period of a figure and the word that fixed it, from the words of its sentence before
    it (``marks`` of the sentence, ``cut`` = where the figure starts in it); ``(None, None)``
    when no word does.

    Relative words resolve against the report's own year when its headline states one (in
    ``惠山区2022年度工作总结``, published in 2023, 上年 is 2021), else against the publication
    date. Words of a moment (目前, 现有) need the publication month. 全年, 年底 take the year the
    sentence states before them, else the report's year. In a yearly review read early in a year
    (``review``: the report's year is the one before publication), 全年 and 一年来 are that year,
    while 今年 and 去年 are said from the day of writing (the year planned for, the year reviewed)."""
    years, relatives, span_ends = marks
    found: tuple[int, str | None, str] | None = None  # (position, period, word)
    for end, start, period in years:
        if end > cut:
            break
        found = (start, period, "year")
    year = int(report_year) if report_year else (published.year if published else None)
    # 今年 and 去年 are said from the day of writing: in a review read early in a year (the
    # report's year is the one before), they resolve against the publication date
    spoken = published.year if review and published is not None else year
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
        elif year is None or spoken is None:
            if found is None or found[1] is None:  # nothing to resolve against
                found = (start, None, "relative")
        elif m.group("month") and m.group("which") is None and review:
            found = (start, f"{year}-{int(m.group('month')):02d}", "month")  # 10月份 in a review: of the year reviewed
        elif m.group("month"):
            month = int(m.group("month"))
            # 去年3月; a bare 12月 in a report published in March means the December before it.
            late = m.group("which") is None and published is not None and not report_year and month > published.month
            found = (start, f"{spoken - (m.group('which') == '去年' or late)}-{month:02d}", "month")
        elif m.group("this") in _PART_END and RE_UP_TO.search(m.string, max(0, start - 5), start):
            found = (start, f"{year}-{_PART_END[m.group('this')]:02d}", "month")  # 截至今年上半年
        elif m.group("year_part") and review:
            found = (start, str(year), "this")  # 全年, 一年来 in a review read early in a year: the year reviewed
        elif m.group("this") or m.group("year_part"):
            found = (start, str(spoken), "this")
        else:
            found = (start, str(spoken - 1), "last")
    spans = [end for end in span_ends if end <= cut]
    if spans and (found is None or spans[-1] > found[0]):
        return None, "span"  # 近三年累计, 连续三年, 2019年以来: a span fixes no single period
    if found is None:
        return None, None
    return found[1], found[2]


def headline_year(half: str, article) -> tuple[str | None, str | None]:
    """The one year an article's headline states (惠山区总工会2022年度工作总结): it dates the
    article's figures that fix no period of their own. A full date under the title
    ((2023年1月18日)) is when it was issued."""
    headline = RE_FULL_DATE.sub("", half[article.headline_start : article.headline_end])
    executed = RE_EXECUTED.search(headline)
    if executed is not None:  # 2015年…计划执行情况与2016年…计划: the year whose plan was carried out
        return executed.group(1), "report"
    years = {m.group(1) for m in RE_YEAR.finditer(headline)}
    if len(years) == 1 and not _span_pattern().search(headline):
        year = years.pop()
        if RE_GOV_WORK_REPORT.search(headline):
            return str(int(year) - 1), "report"  # 2020年政府工作报告 is read in 2020 and reviews 2019
        return year, "headline"
    return None, None


#: A report on how a year's plan or budget was carried out reviews that year.
RE_EXECUTED = re.compile(r"((?:19|20)[0-9]{2})\s*年[^\n。]{0,24}?(?:执行情况|执行结果)")
#: A government's work report, titled by the year it is delivered in.
RE_GOV_WORK_REPORT = re.compile("政府工作报告")


#: A report's heading for the year it reviews (一、2022年工作回顾): it outranks a title's year (a
#: site reposting a report delivered in January 2020 may title it 2019年…政府工作报告).
RE_YEAR_REVIEWED = re.compile(r"((?:19|20)[0-9]{2})\s*年(?:度)?(?:主要)?工作回顾")
#: A report that reviews a year: read early in year Y, its 全年, 一年来 and 过去一年 are year Y−1.
RE_REVIEW = re.compile("政府工作报告|工作报告|工作总结|年度总结|全委会|工作会议|(?<!人民)代表大会|年鉴|工作回顾")
REVIEW_MONTHS = 4  # a yearly report is read by the end of April


def _report_year(fig: Figure) -> tuple[str | None, str | None]:
    """The year the article reports on: the one its headline states, else — for a yearly
    review (政府工作报告, 工作总结, 全委会) published early in a year — the year before."""
    doc = fig.doc
    article = fig.article
    key = ("headline", article.start)
    if key not in doc.cache:
        year, word = headline_year(doc.half, article)
        published = doc.published
        if (
            year is None and published is not None and published.month <= REVIEW_MONTHS
            and (RE_REVIEW.search(doc.half, 0, min(len(doc.half), article.headline_end + 300))
                 or _opens_with_year(doc.half, article, published.year - 1))
        ):
            year, word = str(published.year - 1), "review"
        reviewed = RE_YEAR_REVIEWED.search(doc.half, article.start, article.end)
        if reviewed is not None and reviewed.group(1) != year:
            # 2019年工作回顾: the report's own heading names the year it reviews
            year, word = reviewed.group(1), word or "report"
        doc.cache[key] = (year, word)
    return doc.cache[key]


def _opens_with_year(half: str, article, year: int) -> bool:
    """Whether the article's body opens with the year before its publication (2015年，区总工会…
    in a page of March 2016): it reviews that year, though no word says 总结."""
    body = half[article.headline_end : min(article.end, article.headline_end + 120)]
    for line in body.split("\n"):
        line = line.strip()
        if not line or not "\u4e00" <= line[0] <= "\u9fff" and not line[0].isdigit():
            continue
        if RE_DATELINE_LINE.match(line):
            continue  # 时间:2016年3月1日, 来源:…: the page's own lines
        m = RE_YEAR.match(line)
        return m is not None and m.group(1) == str(year) and not m.group(2) and not RE_OPENS_SPAN.match(line, m.end())
    return False


#: A line of the page's own (date, source, author) before the article's first sentence.
RE_DATELINE_LINE = re.compile(r"(?:时间|日期|发布时间|发布日期|来源|作者|编辑|记者|通讯员)[:：\s]|(?:19|20)[0-9]{2}[-/年.][0-9]{1,2}[-/月.][0-9]{1,2}日?\s")


def _marks(fig: Figure) -> tuple[list, list, list]:
    doc = fig.doc
    key = ("marks", fig.governing_start, fig.sentence[1])
    if key not in doc.cache:
        doc.cache[key] = period_marks(doc.half[fig.governing_start : fig.sentence[1]])
    return doc.cache[key]


# --- period rules: each answers (period, word) or passes ---------------------------------------


def _first_body_line(half: str, article, reach: int) -> str | None:
    """The first line of an article's body within ``reach`` characters of its headline, past the
    page's own lines (时间:…, 来源:…, a dateline), stripped; ``None`` when there is none."""
    for line in half[article.headline_end : min(article.end, article.headline_end + reach)].split("\n"):
        line = line.strip()
        if line and not RE_DATELINE_LINE.match(line):
            return line
    return None


def _lead_year(fig: Figure) -> str | None:
    """For a page with no publication date, the year its headline or first sentence states
    (平凉市总工会2019年“金秋助学”…发放仪式在…举行): what its 今年 and 去年 are said from (the
    fresh sets' annotators and real-dev's batch 40x resolved them so). Not a year that opens a
    span (自2019年…以来), nor one further on (background: 2020年园区被确定为试点后). Found once
    per article."""
    doc, article = fig.doc, fig.article
    key = ("lead_year", article.start)
    if key not in doc.cache:
        first = _first_body_line(doc.half, article, 400)
        heads = [doc.half[article.headline_start : article.headline_end], RE_SENTENCE_BREAK.split(first or "", 1)[0]]
        doc.cache[key] = next((m.group(1) for head in heads for m in RE_YEAR.finditer(head)
                               if _report_year_mention(head, m) and not RE_SPAN_AFTER_YEAR.match(head, m.end())), None)
    return doc.cache[key]


def _time_word(fig: Figure) -> tuple[str | None, str] | None:
    """The last time word before the figure in its governing sentence (or a span: no period)."""
    year, word = _report_year(fig)
    if year is None and fig.doc.published is None:
        year = _lead_year(fig)
    period, word = resolve_period(
        _marks(fig), fig.q.start - fig.governing_start, fig.doc.published, year, review=word in ("review", "report")
    )
    return (period, word) if word is not None else None


def _paragraph_year(fig: Figure) -> tuple[str, str] | None:
    """2022年，全区…: the year at the head of the paragraph carries over."""
    paragraph = fig.paragraph
    if paragraph is None:
        return None
    # Only the paragraph's head is read, so only the head is sliced.
    lead = fig.doc.half[paragraph.start : min(paragraph.end, paragraph.start + 40)].lstrip()
    m = RE_YEAR.match(lead)
    if m is None or RE_SPAN_AFTER_YEAR.match(lead, m.end()):
        return None  # 2018年启动…至今: the start of a span, no heading
    if RE_REPORT_TITLE_AFTER_YEAR.match(lead, m.end()):
        return None  # 2020年某县政府工作报告——…: a report's title, the year it was delivered in
    return m.group(1), "year"


#: An article whose body opens with a year and a comma (2021年，郏县总工会…; 【概况】2020年，…)
#: reviews that year: its figures with no time word of their own belong to it, in every paragraph.
#: Measured: a fresh real set's period 0.687 → 0.721 and scope 0.721 → 0.754; real-dev unchanged.
RE_OPENING_YEAR = re.compile(r"(?:【[^】\n]{1,12}】\s*)?((?:19|20)[0-9]{2})\s*年度?\s*[，,]")


def _opening_year(fig: Figure) -> tuple[str, str] | None:
    doc, article = fig.doc, fig.article
    key = ("opening_year", article.start)
    if key not in doc.cache:
        m = RE_OPENING_YEAR.match(_first_body_line(doc.half, article, 200) or "")
        # (published two years or more later, the year is background: 2019年，某区被确定为试点…)
        fits = m is not None and (doc.published is None or doc.published.year - int(m.group(1)) in (0, 1))
        doc.cache[key] = m.group(1) if m is not None and fits else None
    year = doc.cache[key]
    return (year, "year") if year is not None else None  # a stated year: its flows are annual


def _headline(fig: Figure) -> tuple[str, str] | None:
    year, word = _report_year(fig)
    return (year, word) if year is not None and word is not None else None


RE_THIS_EVENT = re.compile("此次|本次|本届")


def _this_event(fig: Figure) -> tuple[str, str] | None:
    """此次走访慰问…141200元, 本届大赛…108名: a figure of the event the report is published about,
    with no time word of its own: the publication month (real-dev's annotators: 18 the month, 14
    the year, never the year before)."""
    pub = fig.doc.published
    if pub is None or not RE_THIS_EVENT.search(fig.text, fig.sentence[0], fig.q.start):
        return None
    return f"{pub.year}-{pub.month:02d}", "event"


def _table_column(fig: Figure) -> tuple[str, str] | None:
    """A table's cell takes the year heading its column (指标 | 2010年 | 2009年)."""
    cell = fig.table_cell
    return (cell.year, "table") if cell is not None and cell.year is not None else None


PERIOD_RULES: RuleTable[Figure] = RuleTable(
    "period",
    (
        Rule("table_column_year", _table_column),
        Rule("time_word_in_sentence", _time_word),
        Rule("year_heading_paragraph", _paragraph_year),
        Rule("this_event", _this_event),
        Rule("year_in_headline", _headline),
        Rule("year_opening_article", _opening_year),
    ),
)


# --- scope rules --------------------------------------------------------------------------------

_OWN = ("increment", "cumulative", "as_of", "as_of_nouns", "annual")


def _enumeration_clause(fig: Figure) -> str:
    from .context import enumeration_start

    patterns = [p for _, p in grammar().scope_patterns[1:4]]
    return fig.text[enumeration_start(fig.text, fig.previous, fig.clause_start, fig.q.start, patterns) : fig.q.start]


#: Honours given to the figure's people or units, after it in its clause: 37个集体被授予…, 31名职工
#: 荣获… (an addition, ANNOTATION.md §2 rule 1); 上榜 alone says only that they are on a list.
RE_AWARDED_AFTER = re.compile(
    "(?:被授予|授予|荣获|获评|被评为|评为|受到表彰|获表彰|进行了?表彰|予以表彰|被命名|获得[^，,。；;]{0,12}(?:称号|奖章|奖状|荣誉))"
    "(?!第[一二三四五六七八九十0-9]+(?:等次|等级|名))"  # 被评为第一等次: an assessment's result, not an honour
)


@functools.cache
def _increment_without_comparison() -> re.Pattern[str]:
    g = grammar()
    comparison = set(g.texts("comparison"))
    from ..grammar import word_pattern

    return word_pattern(w for w in g.words["scope.increment"] if w.word not in comparison)


def _run_end(fig: Figure) -> int:
    """The end of the figure's enumeration (a 、 list shares the predicate after its last item)."""
    text, end = fig.text, fig.sentence[1]
    for at in range(fig.q.end, end):
        if text[at] in "，,；;。！？!?\n":
            return at
    return end


def _scope_standard(fig: Figure):
    """每人发放助学金5000元, 最低工资标准2490元: a standard has no scope."""
    if grammar().pattern("standard").search(fig.text, fig.clause_start, fig.q.start):
        return NOTHING
    return None


def _scope_in_clause(fig: Figure) -> str | None:
    """A scope word of the figure's own clause (enumeration items share one): it is nearest.
    A growth rate (同比增长5.8%) is no addition, it is the year's flow; honours given after the
    figure (37个集体被授予…) are an addition. 1至6月 is a flow within the year (rule 4, below),
    whatever comes after it."""
    clause = _enumeration_clause(fig)
    rate = fig.q.kind is Kind.PERCENT  # 同比增长5.8%
    for n, (name, pattern) in enumerate(grammar().scope_patterns):
        if n == 0:
            if fig.q.kind is Kind.RANK:
                continue  # 被评为第一等次: a placing is no addition
            if fig.q.kind is Kind.PERCENTAGE_POINT:
                # a change in points is an addition where its own clause compares (比上届提高3.1个
                # 百分点); in 同比增长3.5%，拉动…增长0.7个百分点 the 同比 compares the item before it
                added = _increment_without_comparison().search(clause) or pattern.search(
                    fig.text, fig.clause_start, fig.q.start)
            else:
                added = (_increment_without_comparison() if rate else pattern).search(clause)
            if added:
                return name
            if RE_AWARDED_AFTER.search(fig.text, fig.q.end, _run_end(fig)):
                return "increment"
            if "月" in clause and RE_MONTHS_SPAN.search(clause):
                fig.notes["months_span"] = True
                return None
            continue
        if (name == "cumulative" and RE_NEAR_YEARS.search(clause)) or pattern.search(clause):
            return "as_of" if name == "as_of_nouns" else name
    return None


def _scope_governing(fig: Figure) -> str | None:
    """Running totals (累计, 近年来), stocks (截至, 目前) govern the sentence from earlier clauses;
    an addition (新增) governs its own clause only."""
    if fig.notes.get("months_span"):
        return None
    governing = fig.text[fig.governing_start : fig.q.start]
    for name, pattern in grammar().scope_patterns[1:3]:
        if (name == "cumulative" and RE_NEAR_YEARS.search(governing)) or pattern.search(governing):
            return name
    return None


#: The last year before the figure is a plan's deadline (力争到2027年，…): no year's flow.
RE_DEADLINE_LAST = re.compile(r"到\s*(?:19|20)[0-9]{2}\s*年(?!.*(?:19|20)[0-9]{2}\s*年)", re.S)


def _scope_annual(fig: Figure) -> str | None:
    """A flow within a year: the figure's own year, 全年/今年 in the sentence, a span of months (not an
    event's month: a figure dated by it has no scope)."""
    governing = fig.text[fig.governing_start : fig.q.start]
    if grammar().scope_patterns[4][1].search(governing):
        return "annual"
    by_year = fig.period_word in ("this", "last", "report") or (
        fig.period_word == "year" and not RE_DEADLINE_LAST.search(governing))  # 到2035年: a deadline
    if by_year:  # the figure's own year: a flow's year, or the moment a stock is counted at
        # indicators marked `stock` in lexicons/indicators.yaml (members, organisations, a system's
        # coverage rate): counted at that moment (real-dev's annotators: 15 as_of, 3 annual)
        indicator = _lexicon.indicators().by_id.get(fig.indicator or "")
        return "as_of" if indicator is not None and indicator.stock else "annual"
    if "月" in governing and RE_MONTHS_SPAN.search(governing):
        return "annual"
    return None


RE_GROWTH_BEFORE = re.compile("(?:增长|增速|下降|回落|提高|提升)(?:了|为|达|达到)?$")
RE_BASE_YEAR = re.compile(r"[比较](?:19|20)[0-9]{2}年")  # 比2021年增长35%: over a span, not the year's


def _scope_growth_rate(fig: Figure) -> str | None:
    """同比增长5.8%, 财政支出增长9.5%: a rate of growth is the year's flow (rule 4) when no stock or
    running-total word governs it (real-dev: 44 of 46 such rates are annual)."""
    if fig.q.kind is not Kind.PERCENT or RE_BASE_YEAR.search(fig.text, fig.clause_start, fig.q.start):
        return None
    return "annual" if RE_GROWTH_BEFORE.search(fig.text, max(fig.clause_start, fig.q.start - 6), fig.q.start) else None


def _scope_years_span(fig: Figure) -> str | None:
    """2014年至2016年，全市法院受理…53732件: a total over the span of years (rule 2)."""
    if fig.period_word != "span":
        return None
    return "cumulative" if RE_YEARS_SPAN.search(fig.doc.half, fig.governing_start, fig.q.start) else None


def _scope_moment(fig: Figure) -> str | None:
    return "as_of" if fig.period_word == "now" else None


#: Reports that review one year as a whole: every flow they give is the year's (rule 4, "the
#: figure's own year"), though no sentence repeats the year.
_YEARLY_GENRES = ("stats", "summary")


def _scope_yearly_report(fig: Figure) -> str | None:
    """A figure of a statistics bulletin (any measure), or a count or sum of money in a yearly work
    summary or yearbook entry, that no scope word governs: the year's flow. A placing (全市第三)
    has none."""
    genre = _document_period_info(fig)["genre"]
    if fig.q.kind is Kind.RANK or genre not in _YEARLY_GENRES:
        return None
    if genre == "summary" and fig.q.kind not in (Kind.COUNT, Kind.MONEY):
        return None  # a summary's rates and shares (签订率98%) are levels, not the year's flow
    return "annual"


SCOPE_RULES: RuleTable[Figure] = RuleTable(
    "scope",
    (
        Rule("standard", _scope_standard),
        Rule("scope_word_in_clause", _scope_in_clause),
        Rule("scope_word_in_sentence", _scope_governing),
        Rule("span_of_years", _scope_years_span),
        Rule("flow_within_year", _scope_annual),
        Rule("stock_now", _scope_moment),
        Rule("flow_of_yearly_report", _scope_yearly_report),
        Rule("growth_rate_of_year", _scope_growth_rate),
    ),
)



# --- candidates for the learned ranker --------------------------------------------------------

RE_GOV_REPORT = re.compile("政府工作报告|工作报告|人民代表大会|全委会|代表大会")
RE_STATS = re.compile("统计公报|国民经济和社会发展|经济运行|初步核算|初步测算|地区生产总值")
RE_SUMMARY = re.compile("工作总结|工作回顾|年鉴|【概况】|概况|年度工作")
RE_EVENT = re.compile(r"[0-9一二三四五六七八九十]{1,2}月[0-9一二三四五六七八九十]{1,3}日|日前|近日|昨日|昨天|今天|当天|[上下]午|开幕|闭幕|举行|举办|召开|颁奖|启动")
RE_HEADING_YEAR = re.compile(r"(?:^|\n)[\s　]*[一二三四五六七八九十0-9（(、.]*[^\n]{0,6}?((?:19|20)[0-9]{2})\s*年(?:度)?[^\n，。,]{0,12}(?:\n|$)")
RE_HORIZON = re.compile(r"到\s*((?:19|20)[0-9]{2})\s*年")  # 到2027年: the year a plan aims at
RE_FUTURE = re.compile("将|计划|力争|确保|目标|争取|到(?:19|20)[0-9]{2}年")
RE_STOCK = re.compile("共有|拥有|现有|已有|建成|已达|达到|总数|总量|累计")


def _document_period_info(fig: Figure) -> dict:
    doc = fig.doc
    key = ("period_info",)
    if key not in doc.cache:
        head = doc.half[:400]
        genre = ("gov" if RE_GOV_REPORT.search(head) else "stats" if RE_STATS.search(head)
                 else "summary" if RE_SUMMARY.search(head) else "news")
        first_year = next((m for m in RE_YEAR.finditer(doc.half) if _report_year_mention(doc.half, m)), None)
        doc.cache[key] = {
            "genre": genre,
            "event": bool(RE_EVENT.search(doc.half[:300])),
            "first_year": first_year.group(1) if first_year else None,
            "headings": [(m.start(1), m.group(1)) for m in RE_HEADING_YEAR.finditer(doc.half)],
            "horizons": [(m.start(), m.group(1)) for m in RE_HORIZON.finditer(doc.half)],
        }
    return doc.cache[key]


def _report_year_mention(text: str, m: re.Match[str]) -> bool:
    """Whether a stated year may date the report's figures: not a comparison's base
    (比2020年增长), not a founding date (于1949年5月成立)."""
    return not (RE_COMPARED_BEFORE.search(text, max(0, m.start() - 1), m.start())
                or RE_FOUNDED_AFTER.match(text[m.end() : m.end() + 10])
                or RE_OPENS_SPAN.match(text, m.end()))


#: A year that opens a span (自2011年至今, 2014年至2016年, 2019年以来): it dates no report.
RE_OPENS_SPAN = re.compile(r"\s*(?:至今|以来|起|开始|[至到—–\-~]\s*(?:19|20)[0-9]{2})")


@functools.lru_cache(maxsize=4096)
def _crossed(kind: str, context: tuple[str, ...]) -> tuple[str, ...]:
    """A candidate's kind and the kind crossed with each context feature (made once)."""
    return (kind, *(f"{kind}&{c}" for c in context))


def period_candidates(fig: Figure, proposals: list[tuple[str, tuple[str | None, str]]]) -> dict[str | None, list[str]]:
    """Every period the figure might have, with the features a learned ranker weighs: what the
    rules answer (and by which word), the publication year and month (and the year before it,
    which a report read early in a year reviews), the year of the section heading above the
    figure and the document's first year; each crossed with what kind of document it is and
    whether the figure sits in an event report."""
    doc, q = fig.doc, fig.q
    info = _document_period_info(fig)
    pub = doc.published
    genre = info["genre"]
    context = [f"g:{genre}", f"ev:{int(info['event'])}"]
    if pub is not None:
        context.append(f"pm:{'q1' if pub.month <= 3 else 'later'}")
    governing = fig.text[fig.governing_start : q.start]
    if RE_FUTURE.search(governing):
        context.append("future")
    if RE_STOCK.search(fig.text[fig.clause_start : fig.clause_end]):
        context.append("stock")
    article = fig.article
    if article.headline_start <= q.start < article.headline_end:
        context.append("in_headline")
    out: dict[str | None, list[str]] = {}
    crossed = tuple(context)

    def add(value: str | None, kind: str) -> None:
        out.setdefault(value, []).extend(_crossed(kind, crossed))

    add(None, "none")
    for rule, (value, word) in proposals:
        add(value, f"p:{rule}:{word}")
    if pub is not None:
        add(str(pub.year), "pubY")
        add(f"{pub.year}-{pub.month:02d}", "pubYM")
        add(str(pub.year - 1), "pubY-1")
    if info["first_year"]:
        add(info["first_year"], "doc_year")
    headings = [year for at, year in info["headings"] if at < q.start]
    if headings:
        add(headings[-1], "heading_year")
    paragraph = fig.paragraph
    horizons = [year for at, year in info["horizons"] if (paragraph.start if paragraph else 0) <= at < q.start]
    if horizons:  # 《规划》明确，到2027年…；…400场: the year the plan aims at
        add(horizons[-1], "horizon")
    # (the periods of earlier claims are no candidates: a wrong one would be copied on; a 其中
    # part still takes its total's period when it has none, in the binder)
    return out
