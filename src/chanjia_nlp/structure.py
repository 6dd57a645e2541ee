"""Document structure: paragraphs, sentences, articles and repeated paragraphs.

A newspaper page often holds several short articles, each with a headline, a body and a byline
(``(晚报记者 潘凡)``, ``(庄婷)``); subjects and dates must not leak from one to the next. Pages
also print a paragraph twice: both copies are reported, the later one flagged as a repeat.
All offsets are into the text as given.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["Article", "Paragraph", "Structure", "analyse"]

RE_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")  # lines up to a blank line
RE_SENTENCE_BREAK = re.compile("[。！？!?；;\n]")  # the characters sentence_span stops at
RE_CLAUSE_BREAK = re.compile("[，,；;：:。！？!?\n]")
RE_BYLINE = re.compile(
    r"""
    [(（]\s*                                   # an opening bracket
    (?:[^()（）\n]{0,12}?(?:记者|通讯员|供稿|作者|来源|编辑)[^()（）\n]{0,20}  # (晚报记者 潘凡)
      | [\u4e00-\u9fff]{2,4}                   # (庄婷): a bare name
    )
    \s*[)）]\s*$                               # closing the paragraph
    """,
    re.VERBOSE,
)
RE_CAPTION = re.compile(r"^\s*[(（][^()（）\n]{0,20}(?:供图|摄|图片|提供)[^()（）\n]{0,10}[)）]\s*$")
RE_SOURCE_LINE = re.compile(
    r"""
    ^\s*(?:来源|稿源|文/图|图/文|小编说|编者按|编后语?|责任编辑|责编)[:：]   # closing notes: 来源:, 小编说:
    | ^\s*[\u4e00-\u9fff]{2,4}\s+(?:图/文|文/图)\s*$                   # 唐佩 图/文
    """,
    re.VERBOSE,
)
RE_SECTION = re.compile(r"^\s*【[^】\n]{1,16}】\s*$")  # 【主席之声】: a column of the page
RE_AUTHOR_LINE = re.compile(
    r"""
    ^\s*[\u4e00-\u9fff、()（）·]{2,40}   # the author's organisation and title
    \s+[\u4e00-\u9fff]{2,4}\s*$        # a space, then the name: 江都区委常委 张春萍
    """,
    re.VERBOSE,
)
_HEADLINE_MAX = 40
RE_LINE_END = re.compile(r"\n")
_PARAGRAPH_END = "。！？!?；;”」』…"
_TERMINAL = "。！？!?；;：:，,"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A block of text between blank lines; ``repeat_of`` is the start of an identical earlier one."""

    start: int
    end: int
    repeat_of: int | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a page: its headline (may be empty) and its body, up to its byline."""

    start: int
    end: int
    headline_start: int
    headline_end: int


@dataclass(frozen=True, slots=True)
class Structure:
    """Paragraphs and articles of one text, with lookups by offset."""

    text: str
    paragraphs: tuple[Paragraph, ...]
    articles: tuple[Article, ...]
    paragraph_starts: tuple[int, ...] = ()
    sentence_ends: tuple[int, ...] = ()
    clause_breaks: tuple[int, ...] = ()
    article_starts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "paragraph_starts", tuple(p.start for p in self.paragraphs))
        object.__setattr__(self, "article_starts", tuple(a.start for a in self.articles))
        ends = tuple(m.end() for m in RE_SENTENCE_BREAK.finditer(self.text))
        object.__setattr__(self, "sentence_ends", ends)
        object.__setattr__(self, "clause_breaks", tuple(m.start() for m in RE_CLAUSE_BREAK.finditer(self.text)))

    def clause_start(self, offset: int, floor: int) -> int:
        """Just after the last clause break (，；：。 …) before ``offset``, not before ``floor``."""
        i = bisect.bisect_left(self.clause_breaks, offset)
        return max(floor, self.clause_breaks[i - 1] + 1) if i else floor

    def sentence_at(self, start: int, end: int) -> tuple[int, int]:
        """Start and end of the sentence holding ``text[start:end]`` (as :func:`sentence_span`)."""
        ends = self.sentence_ends
        i = bisect.bisect_right(ends, start)
        left = ends[i - 1] if i else 0
        j = bisect.bisect_left(ends, end + 1)  # the first break at or after ``end``
        if j == len(ends):
            return left, len(self.text)
        right = ends[j]
        if self.text[right - 1] == "\n":
            right -= 1  # a line break ends the sentence but is not part of it
        return left, right

    def paragraph_at(self, offset: int) -> Paragraph | None:
        i = bisect.bisect_right(self.paragraph_starts, offset) - 1
        if i >= 0 and offset < self.paragraphs[i].end:
            return self.paragraphs[i]
        return None

    def article_at(self, offset: int) -> Article:
        """The article holding ``offset`` (articles tile the text in order: a bisect)."""
        i = bisect.bisect_right(self.article_starts, offset) - 1
        if i >= 0 and offset < self.articles[i].end:
            return self.articles[i]
        return self.articles[-1]

    def paragraphs_in(self, article: Article) -> list[Paragraph]:
        lo = bisect.bisect_left(self.paragraph_starts, article.start)
        hi = bisect.bisect_left(self.paragraph_starts, article.end)
        return list(self.paragraphs[lo:hi])


def _is_headline(text: str) -> bool:
    """A short paragraph with no sentence end in it that is neither a caption nor a byline."""
    stripped = text.strip()
    if not 0 < len(stripped) <= _HEADLINE_MAX or stripped[-1] in _TERMINAL:
        return False
    if any(c in stripped for c in "。！？!?；;"):
        return False
    last_line = stripped.rsplit("\n", 1)[-1]
    return not RE_CAPTION.match(last_line) and not RE_BYLINE.search(last_line)


def analyse(text: str) -> Structure:
    """Split ``text`` into paragraphs and articles and find repeated paragraphs.

    An article ends at a byline paragraph (or a paragraph ending in a byline); the next one
    starts with the following paragraph, whose first short unpunctuated paragraph(s) are its
    headline.

    >>> s = analyse("无锡新闻\\n\\n全市新增25家。(晚报记者 潘凡)\\n\\n惠山快讯\\n\\n全区培训300人。")
    >>> [s.text[a.headline_start:a.headline_end] for a in s.articles]
    ['无锡新闻', '惠山快讯']
    """
    paragraphs: list[Paragraph] = []
    seen: dict[str, int] = {}
    for start, end in _blocks(text):
        body = text[start:end].strip()
        if not body:
            continue
        key = re.sub(r"\s+", "", body)
        first = seen.get(key) if len(key) >= 20 else None
        if first is None:
            seen[key] = start
        paragraphs.append(Paragraph(start, end, first))
    bodies = [text[p.start : p.end].strip() for p in paragraphs]
    starts = {0}
    for i, body in enumerate(bodies):
        if RE_SECTION.match(body):
            starts.add(i)  # 【他山之石】 opens a new column
        elif _is_headline(body) and i + 1 < len(bodies) and RE_AUTHOR_LINE.match(bodies[i + 1]):
            starts.add(i)  # a headline over its author line
        last_line = body.rsplit("\n", 1)[-1]
        closing = RE_SOURCE_LINE.match(last_line) or RE_SOURCE_LINE.match(body)
        if (RE_BYLINE.search(last_line) and not RE_CAPTION.match(last_line)) or closing:
            starts.add(i + 1)  # a byline or source line closes its article
    # Consecutive section markers and headlines belong to one article: 【主席之声】⏎【主席之声】⏎标题
    ordered = sorted(i for i in starts if i < len(paragraphs))
    merged = [i for n, i in enumerate(ordered) if n == 0 or i - 1 not in starts or not _heading(bodies[i - 1])]
    articles = []
    offsets = [p.start for p in paragraphs]
    for n, i in enumerate(merged):
        begin = 0 if n == 0 else paragraphs[i].start
        finish = paragraphs[merged[n + 1]].start if n + 1 < len(merged) else len(text)
        articles.append(_article(text, paragraphs, offsets, begin, finish))
    if not articles:
        articles.append(Article(0, len(text), 0, 0))
    return Structure(text, tuple(paragraphs), tuple(articles))


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blocks between blank lines, each split again at a line break that ends a
    paragraph in pages written without blank lines: after a line ending a sentence (。！？；”)
    or a short line with no sentence end (a headline, a dateline, a section heading). A line
    broken in mid-sentence (hard-wrapped text) goes on."""
    out = []
    for m in RE_PARAGRAPH.finditer(text):
        start = m.start()
        for line in RE_LINE_END.finditer(text, m.start(), m.end()):
            line_text = text[start : line.start()].strip()
            if text.startswith(("(", "（"), line.end()):
                continue  # a caption or byline line stays with what it closes
            if line_text and (line_text[-1] in _PARAGRAPH_END or _is_headline(line_text)):
                out.append((start, line.start()))
                start = line.end()
        out.append((start, m.end()))
    return out


def _heading(body: str) -> bool:
    return bool(RE_SECTION.match(body)) or _is_headline(body)


def _article(text: str, paragraphs: list[Paragraph], starts: list[int], start: int, end: int) -> Article:
    """An article from ``start`` to ``end`` (``starts``: where each paragraph starts); its
    headline is its leading short paragraphs."""
    inside = paragraphs[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]
    head_end = start
    headline_start = inside[0].start if inside else start
    while inside and RE_CAPTION.match(text[inside[0].start : inside[0].end].strip().rsplit("\n", 1)[-1]):
        inside = inside[1:]  # a photo caption left between two articles
        headline_start = inside[0].start if inside else start
    for p in inside[:4]:
        body = text[p.start : p.end].strip()
        if RE_SECTION.match(body):
            headline_start = inside[1].start if len(inside) > 1 and p is inside[0] else headline_start
            continue
        if not _is_headline(body):
            break
        head_end = p.end
    return Article(start, end, headline_start, head_end if head_end > start else headline_start)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the sentence holding ``text[start:end]``."""
    left = start
    while left > 0 and text[left - 1] not in "。！？!?；;\n":
        left -= 1
    right = end
    n = len(text)
    while right < n and text[right] not in "。！？!?；;\n":
        right += 1
    if right < n and text[right] != "\n":
        right += 1
    return left, right
