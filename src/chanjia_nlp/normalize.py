"""Normalization with an offset map: the text the extractors read, and the way back to the raw text.

Reports arrive in full-width digits, traditional characters, and with sentences cut in two by a
photo and its caption or by a page break (``带领数百⏎⏎(市总工会供图)⏎⏎家物联网领域企业``). The
extractors read a normalized text in which

- full-width ASCII, the ideographic space and NBSP are half-width (``９８％`` → ``98%``; ``。`` stays
  ``。``: it is not ASCII),
- Kangxi radicals that stand for ideographs are the ideographs (``⼀座`` with U+2F00 → ``一座``),
  whatever the width option: text copied out of PDFs carries them,
- traditional characters are simplified, one character for one, with OpenCC's ``t2s`` character
  table (when the text is detected as traditional, or always, or never: the ``t2s`` option),
- invisible and format characters are dropped: zero-width spaces and joiners, the BOM, the soft
  hyphen, bidi controls anywhere; combining marks after a digit; a thin or narrow space between
  two digits (``资金3\u2009000万元`` reads ``资金3000万元``, ``1\u200b200余名`` ``1200余名``),
- a caption, byline or page number that interrupts a sentence is moved to the end of the line the
  sentence resumes on, so the sentence reads whole.

Every normalized position maps back to a raw one (:meth:`Normalized.to_raw`), so records keep
``raw[start:end] == text``. The conversions keep the length; the drops shorten the text (a span
across a dropped character maps to the raw span that holds it: ``3\u2009000万元``), and the moves
reorder it (a span the raw text does not hold in one piece, ``数百|…caption…|家``, maps to its first
piece, ``数百``).

>>> n = normalize("带领数百\\n\\n(市总工会供图)\\n\\n家企业。")
>>> n.text
'带领数百家企业。\\n\\n(市总工会供图)\\n\\n'
>>> start, end = n.to_raw(2, 5)   # 数百家 in the normalized text
>>> n.raw[start:end]
'数百'
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from .errors import ChanjiaError, ConfigError
from .numbers import radicals_to_ideographs, to_halfwidth

__all__ = ["Normalized", "T2S", "normalize"]


class T2S(StrEnum):
    """When to convert traditional characters to simplified ones."""

    auto = "auto"  # when the text reads as traditional Chinese
    always = "always"
    never = "never"


#: A text is traditional when at least this share of its CJK characters have a simplified form.
TRADITIONAL_SHARE = 0.05

#: Characters that are never text: dropped wherever they stand.
_FORMAT_CHARS = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
_DIGIT = "[0-9\uff10-\uff19]"
_DROP = re.compile(
    f"""
    [{_FORMAT_CHARS}]+                                             # zero-width, BOM, soft hyphen, bidi controls
    | (?<={_DIGIT})[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+  # combining marks on a digit
    | (?<={_DIGIT})[\u2006-\u200a\u202f](?={_DIGIT})             # a thin or narrow space grouping digits
    """,
    re.VERBOSE,
)
_SPACES = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u2007": " ", "\u202f": " "})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LINE = re.compile(r"[^\n]*\n?")
_NOISE_LINE = re.compile(
    r"""
    ^[ \t\u3000\f]*(?:
        [(（][^()（）\n]{0,24}(?:供图|摄影?|图片|提供|记者|通讯员)[^()（）\n]{0,12}[)）]  # (市总工会供图), (晚报记者 潘凡)
      | 本版图片由[^\n]{0,30}提供                                              # 本版图片由…提供
      | [-—–]?[ ]*[0-9]{1,4}[ ]*[-—–]?                                          # - 3 -: a page number
      | 第[ ]*[0-9]{1,4}[ ]*页(?:[ ]*[,，/]?[ ]*共[ ]*[0-9]{1,4}[ ]*页)?           # 第3页 共12页
      | [0-9]{1,4}[ ]*/[ ]*[0-9]{1,4}                                            # 3/12
    )[ \t\u3000]*$
    """,
    re.VERBOSE,
)
_CAPTION_LINE = re.compile(r"^[ \t\u3000]*[(（][^()（）\n]{0,24}(?:供图|摄影?|图片|提供)[^()（）\n]{0,12}[)）][ \t\u3000]*$")
_ANY_NOISE = re.compile(f"(?m:{_NOISE_LINE.pattern})|(?m:{_CAPTION_LINE.pattern})", re.VERBOSE)
_SENTENCE_END = frozenset("。！？!?；;：:…”」』)）】.")
_HEADING = re.compile(r"[ \t\u3000]*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]+[)）]|[0-9]+[、.．]|第[一二三四五六七八九十]+[章节部分条])")
_DESCRIPTION_MAX = 80  # a photo's description line, when a caption follows it


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and its map back to ``raw``.

    The map is a list of pieces: normalized ``[starts[i], starts[i+1])`` is raw
    ``[raw_starts[i], raw_starts[i] + length)``. Without moves there is a single piece.
    """

    raw: str
    text: str
    starts: tuple[int, ...]
    raw_starts: tuple[int, ...]
    t2s: bool = False
    moved: tuple[tuple[int, int], ...] = ()  # raw spans moved out of a sentence they interrupted
    dropped: tuple[int, ...] = ()  # raw positions of the invisible characters dropped, ascending

    @property
    def same_offsets(self) -> bool:
        """Whether every normalized offset is the raw offset (no moves, no drops)."""
        return not self.moved and not self.dropped

    @property
    def reordered(self) -> str:
        """The raw characters in normalized order (without the dropped ones): what a sentence
        looks like to a reader, offset for offset with :attr:`text`."""
        if self.same_offsets:
            return self.raw
        bounds = (*self.starts[1:], len(self.text))
        return "".join(self.raw[r : r + (e - s)] for s, e, r in zip(self.starts, bounds, self.raw_starts))

    def raw_offset(self, pos: int) -> int:
        """The raw position of normalized position ``pos`` (``len(text)`` maps to ``len(raw)``)."""
        if self.same_offsets:
            return pos
        if pos >= len(self.text):
            return len(self.raw)
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.raw_starts[i] + pos - self.starts[i]

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The raw span of normalized ``[start, end)``. A span across dropped characters holds
        them (``3\u2009000万元``); a span across a move is cut at the end of the piece it starts
        in, so the raw span is one piece of text that was written so."""
        if self.same_offsets or end <= start:
            return start, end
        i = bisect.bisect_right(self.starts, start) - 1
        raw_start = self.raw_starts[i] + start - self.starts[i]
        while True:
            piece_end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
            if end <= piece_end:
                return raw_start, self.raw_starts[i] + end - self.starts[i]
            raw_end = self.raw_starts[i] + piece_end - self.starts[i]
            if i + 1 >= len(self.starts) or not self._only_dropped(raw_end, self.raw_starts[i + 1]):
                return raw_start, raw_end
            i += 1

    def _only_dropped(self, start: int, end: int) -> bool:
        """Whether raw ``[start, end)`` holds dropped characters alone (the pieces on either side
        were written next to each other)."""
        if end < start:
            return False
        return bisect.bisect_left(self.dropped, end) - bisect.bisect_left(self.dropped, start) == end - start


def normalize(
    raw: str, *, width: bool = True, t2s: str | T2S = T2S.auto, join_cut_sentences: bool = True
) -> Normalized:
    """Normalize ``raw`` for extraction, keeping a map back to it (see the module docstring).

    Args:
        width: full-width ASCII, the ideographic space and NBSP to half-width. The extractors
            read both widths themselves; :class:`~chanjia_nlp.Pipeline` keeps the width so that
            subjects and other strings it reports read as written.
        t2s: ``auto`` (convert when the text reads as traditional), ``always`` or ``never``.
        join_cut_sentences: move captions, bylines and page numbers that cut a sentence in two.

    Raises:
        ConfigError: an unknown ``t2s`` value.
    """
    mode = coerce_t2s(t2s)
    kept, dropped = _drop_invisible(raw)
    text = to_halfwidth(kept).translate(_SPACES) if width else kept
    text = radicals_to_ideographs(text)
    converted = False
    if mode is T2S.always or (mode is T2S.auto and _reads_traditional(text)):
        simplified = text.translate(t2s_table())
        converted = simplified != text
        text = simplified
    pieces = _cut_sentence_moves(text) if join_cut_sentences else []
    if not pieces and not dropped:
        return Normalized(raw, text, (0,), (0,), converted)
    # kept runs: text [kept_starts[k], kept_starts[k + 1]) is raw [kept_raw[k], …): a run ends at each drop
    kept_starts, kept_raw = [], []
    at = done = 0
    for position in (*dropped, len(raw)):
        if position > at:
            kept_starts.append(done)
            kept_raw.append(at)
            done += position - at
        at = position + 1
    if not kept_starts:  # nothing but invisible characters
        kept_starts, kept_raw = [0], [0]

    def raw_of(pos: int) -> int:
        k = bisect.bisect_right(kept_starts, pos) - 1
        return kept_raw[k] + pos - kept_starts[k]

    starts, raw_starts, chunks, moved = [], [], [], []
    pos = 0
    for start, end, was_moved in pieces or [(0, len(text), False)]:
        chunks.append(text[start:end])
        k = bisect.bisect_right(kept_starts, start) - 1
        at = start
        while at < end:  # one map piece per kept run the piece spans
            starts.append(pos + at - start)
            raw_starts.append(kept_raw[k] + at - kept_starts[k])
            k += 1
            at = min(end, kept_starts[k]) if k < len(kept_starts) else end
        pos += end - start
        if was_moved:
            moved.append((raw_of(start), raw_of(end - 1) + 1))
    return Normalized(raw, "".join(chunks), tuple(starts) or (0,), tuple(raw_starts) or (0,), converted, tuple(moved),
                      dropped)


def _drop_invisible(raw: str) -> tuple[str, tuple[int, ...]]:
    """``raw`` without its invisible and format characters (see the module docstring), and the
    positions they had."""
    if _DROP.search(raw) is None:  # the common case
        return raw, ()
    dropped: list[int] = []
    for m in _DROP.finditer(raw):
        dropped.extend(range(m.start(), m.end()))
    return _DROP.sub("", raw), tuple(dropped)


def coerce_t2s(value: str | T2S) -> T2S:
    try:
        return T2S(value)
    except ValueError:
        raise ConfigError(f"t2s = {value!r} is invalid; choose one of: {', '.join(m.value for m in T2S)}") from None


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """OpenCC's t2s conversion of every CJK character on its own: a one-for-one table."""
    import opencc

    chars = [chr(c) for r in ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)) for c in range(*r)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - a line break is never converted
        raise ChanjiaError(
            "OpenCC t2s changed the number of lines, so no one-for-one table can be built; "
            "reinstall it: pip install --force-reinstall opencc"
        )
    return {ord(a): b for a, b in zip(chars, converted) if a != b and len(b) == 1}


@lru_cache(maxsize=1)
def _traditional_chars() -> re.Pattern[str]:
    return re.compile("[" + "".join(map(chr, sorted(t2s_table()))) + "]")


def _reads_traditional(text: str) -> bool:
    traditional = _traditional_chars()
    if traditional.search(text) is None:  # the common case, without counting anything
        return False
    return len(traditional.findall(text)) >= max(2, TRADITIONAL_SHARE * len(_CJK.findall(text)))


def _cut_sentence_moves(text: str) -> list[tuple[int, int, bool]]:
    """The text as pieces ``(start, end, moved)`` in reading order, or ``[]`` when nothing moves.

    An interruption is a run of blank and noise lines (captions, bylines, page numbers, and a
    photo's description when its caption follows) holding at least one noise line, between a
    line that stops mid-sentence and one that carries on. It moves to the end of the line the
    sentence resumes on. A description stands apart (a blank line before it, or the line it cuts)
    and its caption comes next."""
    if _ANY_NOISE.search(text) is None:
        return []
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.end() > m.start()]
    kinds = [_line_kind(text, s, e) for s, e in lines]
    after = None  # the kind of the next non-blank line, walking backwards
    for i in range(len(kinds) - 1, 0, -1):  # a description line is noise when its caption comes next
        kind = kinds[i]
        apart = kinds[i - 1] == "blank" or (kinds[i - 1] == "text" and _stops_mid_sentence(text, _content_end(text, *lines[i - 1])))
        if kind == "text" and apart and after == "caption":
            s, e = lines[i]
            if e - s <= _DESCRIPTION_MAX and text[s:e].rstrip()[-1:] not in _SENTENCE_END:
                kinds[i] = "description"
        if kind != "blank":
            after = kind
    pieces: list[tuple[int, int, bool]] = []
    done = 0  # raw text before this is in pieces
    i = 0
    while i < len(lines):
        if kinds[i] == "text" or i == 0:
            i += 1
            continue
        j = i
        while j < len(lines) and kinds[j] != "text":
            j += 1
        run_has_noise = any(k not in ("blank",) for k in kinds[i:j])
        if not run_has_noise or j >= len(lines) or kinds[i - 1] != "text":
            i = j
            continue
        before_end = _content_end(text, *lines[i - 1])
        resume = lines[j][0] + len(text[lines[j][0] : lines[j][1]]) - len(text[lines[j][0] : lines[j][1]].lstrip())
        if before_end < done or not _stops_mid_sentence(text, before_end) or not _carries_on(text, resume):
            i = j
            continue
        line_end = lines[j][1] - (1 if text[lines[j][1] - 1 : lines[j][1]] == "\n" else 0)
        pieces += [(done, before_end, False), (resume, line_end, False), (before_end, resume, True)]
        done = line_end
        i = j + 1
    if not pieces:
        return []
    pieces.append((done, len(text), False))
    return [p for p in pieces if p[1] > p[0]]


def _content_end(text: str, start: int, end: int) -> int:
    """Where a line's text ends, before its trailing spaces and line break."""
    return start + len(text[start:end].rstrip())


def _line_kind(text: str, start: int, end: int) -> str:
    line = text[start:end].rstrip("\n")
    if not line.strip(" \t\u3000\f\r"):
        return "blank"
    if _CAPTION_LINE.match(line):
        return "caption"
    if _NOISE_LINE.match(line):
        return "noise"
    return "text"


def _stops_mid_sentence(text: str, end: int) -> bool:
    last = text[end - 1 : end]
    return bool(last) and last not in _SENTENCE_END and (last.isalnum() or "\u4e00" <= last <= "\u9fff")


def _carries_on(text: str, start: int) -> bool:
    first = text[start : start + 1]
    return bool(first) and ("\u4e00" <= first <= "\u9fff" or first.isalnum()) and not _HEADING.match(text, start)
