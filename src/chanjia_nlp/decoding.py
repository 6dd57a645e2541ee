"""Bytes → str: the encodings report files come in, and what could not be read.

UTF-8 (with or without BOM), UTF-16 (with a BOM, or without one when the bytes read as text),
GB18030 and Big5, line by line where a file mixes them, else what charset-normalizer finds.
:mod:`~chanjia_nlp.readers` (files) and :mod:`~chanjia_nlp.formats` (.txt inside other formats,
HTML pages) both decode here, so the imports run one way: readers → formats → decoding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import DocumentError

__all__ = [
    "BINARY", "Decoded", "PLAUSIBLE_SHARE", "decode", "decode_report", "few_nuls", "plausible_share",
    "utf16_without_bom",
]


def decode(data: bytes) -> tuple[str, str]:
    """Decode report bytes: UTF-8 (with or without BOM), UTF-16 (with a BOM, or ASCII-rich
    without one), GB18030, Big5 (when GB18030 reads the bytes only as nonsense), else what
    charset-normalizer finds. Returns ``(text, encoding)``; :func:`decode_report` also says which
    lines were read in another encoding or could not be read whole.

    >>> decode("職工書屋覆蓋率達到98%".encode("big5"))
    ('職工書屋覆蓋率達到98%', 'big5')

    Raises:
        DocumentError: binary data or bytes no Chinese encoding reads.
    """
    decoded = decode_report(data)
    return decoded.text, decoded.encoding


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from report bytes, and what could not be read as the rest was.

    ``other_lines`` are (1-based) lines in another encoding than the rest, read in it
    (``(line, encoding)``: one GB18030 line pasted into a UTF-8 file, a CESU-8 character);
    ``damaged_lines`` hold bytes no encoding reads, or NUL bytes: each such byte is U+FFFD in
    the text, and the pipeline marks the figures on those lines ``damaged``.
    """

    text: str
    encoding: str
    other_lines: tuple[tuple[int, str], ...] = ()
    damaged_lines: tuple[int, ...] = ()

    def warnings(self) -> tuple[str, ...]:
        """Sentences for the document's ``warnings``: which lines, and what was done with them."""
        found = []
        by_encoding: dict[str, list[int]] = {}
        for line, encoding in self.other_lines:
            by_encoding.setdefault(encoding, []).append(line)
        for encoding, lines in by_encoding.items():
            name, base = _encoding_name(encoding), _encoding_name(self.encoding)
            found.append(f"{_lines(lines)} {'is' if len(lines) == 1 else 'are'} in {name}, not {base} "
                         f"like the rest of the file, and {'was' if len(lines) == 1 else 'were'} read as {name}")
        if self.damaged_lines:
            found.append(
                f"{_lines(self.damaged_lines)} {'holds' if len(self.damaged_lines) == 1 else 'hold'} bytes that are "
                f"no {_encoding_name(self.encoding)} text (shown as U+FFFD �); the rest was kept and the figures on "
                f"{'it' if len(self.damaged_lines) == 1 else 'them'} are marked damaged: re-save the file as UTF-8 to read them"
            )
        return tuple(found)


#: How encodings are named in warnings.
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030", "big5": "Big5", "utf-16": "UTF-16",
                  "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}


def _encoding_name(encoding: str) -> str:
    return ENCODING_NAMES.get(encoding, encoding)


#: At most this many line numbers are named in a warning.
NAMED_LINES = 10


def _lines(numbers: Sequence[int]) -> str:
    """``line 3``, ``lines 3, 7``, ``lines 1, 2, … (40 lines)``."""
    shown = ", ".join(map(str, numbers[:NAMED_LINES]))
    if len(numbers) > NAMED_LINES:
        return f"lines {shown}, … ({len(numbers)} lines)"
    return f"line {shown}" if len(numbers) == 1 else f"lines {shown}"


#: A text file may hold at most this share of NUL bytes (padding, a damaged sector) and still be
#: read as text, the NULs as damaged characters; more is binary data.
NUL_SHARE = 0.01
BINARY = "the file is binary, not text; export the report as .txt (UTF-8)"


def few_nuls(head: bytes) -> bool:
    """Whether the NUL bytes in ``head`` are few enough for text with damage (not binary data):
    a small share of NULs, and few other control bytes (binary data has both)."""
    controls = sum(1 for b in head if 0 < b < 32 and b not in b"\t\n\r\f\x1a\x1b")
    return head.count(b"\x00") <= max(4, NUL_SHARE * len(head)) and controls <= 0.05 * len(head)


def decode_report(data: bytes) -> Decoded:
    """:func:`decode`, line by line where the bytes are mixed: a file in one encoding with a few
    lines in another (a GB18030 line pasted into UTF-8, a CESU-8 surrogate pair) keeps every line,
    each read in the encoding it is in; bytes no encoding reads, and NUL bytes, become U+FFFD
    and their lines are named in :attr:`Decoded.damaged_lines`.

    >>> d = decode_report("职工1200名\\n".encode() + "奖励265万元".encode("gb18030"))
    >>> d.text, d.encoding, d.other_lines
    ('职工1200名\\n奖励265万元', 'utf-8', ((2, 'gb18030'),))

    Raises:
        DocumentError: empty, binary data, or bytes no Chinese encoding reads.
    """
    if not data.strip():
        raise DocumentError("the file is empty; check that the report was saved completely")
    if data.startswith(b"\xef\xbb\xbf"):
        return _with_nuls(_by_lines(data[3:], "utf-8", encoding="utf-8-sig"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _with_nuls(_utf16(data[2:], "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be", "utf-16"))
    head = data[:4096]
    if b"\x00" in head:
        encoding = utf16_without_bom(head)
        if encoding is not None:
            return _with_nuls(_utf16(data, encoding, encoding))
        if not few_nuls(head):
            raise DocumentError(BINARY)
    try:
        return _with_nuls(Decoded(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8 = [_valid(line, "utf-8") for line in lines]
    if sum(ok and not line.isascii() for ok, line in zip(utf8, lines)) >= utf8.count(False):
        return _with_nuls(_by_lines(data, "utf-8"))  # UTF-8 with a few lines that are not
    encoding = utf16_without_bom(head) if len(data) % 2 == 0 else None
    if encoding is not None:  # UTF-16 of Chinese alone has no NUL bytes
        text = data.decode(encoding, errors="replace")
        if "\ufffd" not in text and RE_HAN.search(text) and plausible_share(text) >= PLAUSIBLE_SHARE:
            return _with_nuls(Decoded(text, encoding))
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    if gb is not None and plausible_share(gb) >= PLAUSIBLE_SHARE:
        return _with_nuls(Decoded(gb, "gb18030"))
    try:
        big5 = data.decode("big5hkscs")
    except UnicodeDecodeError:
        big5 = None
    if big5 is not None and (gb is None or plausible_share(big5) > plausible_share(gb)):
        return _with_nuls(Decoded(big5, "big5"))
    if gb is not None:
        return _with_nuls(Decoded(gb, "gb18030"))
    best = None  # GB18030 or Big5 with a few lines that are not: the one that reads more lines, and better
    for codec, name in (("gb18030", "gb18030"), ("big5hkscs", "big5")):
        ok = [_valid(line, codec) for line in lines]
        read = sum(valid and not line.isascii() for valid, line in zip(ok, lines))
        if read and read >= ok.count(False):
            sample = "\n".join(line.decode(codec) for valid, line in zip(ok, lines) if valid)
            score = (plausible_share(sample), read)
            if best is None or score > best[0]:
                best = (score, codec, name)
    if best is not None:
        return _with_nuls(_by_lines(data, best[1], encoding=best[2]))
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is None:
        raise DocumentError("the text is in no encoding chanjia can read; re-save it as UTF-8")
    return _with_nuls(Decoded(str(guess), guess.encoding))


RE_HAN = re.compile(r"[\u4e00-\u9fff]")


def _valid(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _by_lines(data: bytes, base: str, *, encoding: str | None = None) -> Decoded:
    """``data`` in ``base`` line by line; a line that is not reads as GB18030 or UTF-8 (whichever
    ``base`` is not) when that gives Chinese text, as CESU-8 (UTF-8 with surrogate pairs), else
    with U+FFFD for the bytes ``base`` does not read."""
    other = "gb18030" if base == "utf-8" else "utf-8"
    texts, others, damaged = [], [], []
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            texts.append(line.decode(base))
            continue
        except UnicodeDecodeError:
            pass
        text = _other_encoding(line, other)
        if text is not None:
            texts.append(text)
            others.append((number, other))
            continue
        text = line.decode(base, errors="replace")
        if base == "utf-8":
            try:  # CESU-8: surrogates encoded one by one; a pair is one character, a lone one is damage
                text = line.decode("utf-8", errors="surrogatepass").encode("utf-16-le", "surrogatepass").decode(
                    "utf-16-le", errors="replace")
            except UnicodeDecodeError:
                pass
            else:
                if "\ufffd" not in text:
                    texts.append(text)
                    others.append((number, "CESU-8"))
                    continue
        texts.append(text)
        damaged.append(number)
    return Decoded("\n".join(texts), encoding or base, tuple(others), tuple(damaged))


def _other_encoding(line: bytes, encoding: str) -> str | None:
    """``line`` read in ``encoding`` when that gives plausible Chinese text, else ``None``."""
    try:
        text = line.decode(encoding)
    except UnicodeDecodeError:
        return None
    if encoding == "utf-8":
        return text if not line.isascii() else None
    return text if RE_HAN.search(text) and plausible_share(text) >= PLAUSIBLE_SHARE else None


def _utf16(data: bytes, codec: str, encoding: str) -> Decoded:
    """UTF-16 text; an odd last byte or a lone surrogate is damage on its line."""
    text = data[: len(data) // 2 * 2].decode(codec, errors="replace")
    if len(data) % 2:
        text += "\ufffd"
    return Decoded(text, encoding, (), _damaged_lines(text, "\ufffd"))


def _with_nuls(decoded: Decoded) -> Decoded:
    """NUL characters become U+FFFD, and their lines damaged."""
    if "\x00" not in decoded.text:
        return decoded
    lines = sorted(set(decoded.damaged_lines) | set(_damaged_lines(decoded.text, "\x00")))
    return Decoded(decoded.text.replace("\x00", "\ufffd"), decoded.encoding, decoded.other_lines, tuple(lines))


def _damaged_lines(text: str, char: str) -> tuple[int, ...]:
    """The 1-based numbers of the lines of ``text`` that hold ``char``."""
    if char not in text:
        return ()
    return tuple(n for n, line in enumerate(text.split("\n"), 1) if char in line)


#: Text read in the right encoding has at least this share of its Chinese characters among the
#: common ones (GB2312, after traditional → simplified); Big5 bytes read as GB18030 have far fewer.
PLAUSIBLE_SHARE = 0.9


def plausible_share(text: str, sample: int = 20000) -> float:
    """The share of Chinese (and private-use) characters in ``text`` that are common ones."""
    from .normalize import t2s_table

    chars = [c for c in text[:sample] if "\u4e00" <= c <= "\u9fff" or "\ue000" <= c <= "\uf8ff"]
    if not chars:
        return 1.0
    simplified = "".join(chars).translate(t2s_table())
    common = 0
    for c in simplified:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(chars)


def utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the bytes read as text in one of them, else ``None``."""
    head = head[: len(head) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        readable = sum(
            1 for c in text
            if c.isprintable() and (c.isascii() or "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
                                    or "\uff00" <= c <= "\uffef" or "\u2010" <= c <= "\u206f")
            or c in "\r\n\t"
        )
        if readable >= 0.95 * len(text):
            return encoding
    return None
