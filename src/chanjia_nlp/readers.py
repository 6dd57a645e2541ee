"""Reading report files into text and a :class:`~chanjia_nlp.records.Document`.

Bytes are decoded here, at the I/O edge, never inside extractors. A file that cannot be read
gives a ``Document`` with ``status="error"`` and a message that says what to do; it never raises.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, DocumentError
from .outputs import escape_name
from .pagehead import read_head
from .records import Document

if TYPE_CHECKING:
    from .ocr import OcrOptions

__all__ = [
    "METADATA_FIELDS", "SUPPORTED_SUFFIXES", "Decoded", "decode", "decode_report", "find_files", "read_bytes", "read_document", "read_file",
    "sniff_metadata", "unread_id",
]

#: Document fields a user may set by hand (``chanjia extract --title/--published/--source/--metadata``).
METADATA_FIELDS = ("title", "published", "source")
SUPPORTED_SUFFIXES = (".txt", ".docx", ".doc", ".wps", ".pdf", ".html", ".htm")
#: Files larger than this are refused with a message instead of being read into memory.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: A .docx that would unpack to more than this is refused as a likely zip bomb.
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024

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
        encoding = _utf16_without_bom(head)
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
    encoding = _utf16_without_bom(head) if len(data) % 2 == 0 else None
    if encoding is not None:  # UTF-16 of Chinese alone has no NUL bytes
        text = data.decode(encoding, errors="replace")
        if "\ufffd" not in text and RE_HAN.search(text) and _plausible_share(text) >= PLAUSIBLE_SHARE:
            return _with_nuls(Decoded(text, encoding))
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_share(text) >= PLAUSIBLE_SHARE:
        return _with_nuls(Decoded(text, "gb18030"))
    try:
        big5 = data.decode("big5hkscs")
    except UnicodeDecodeError:
        big5 = None
    if big5 is not None and (text is None or _plausible_share(big5) > _plausible_share(text)):
        return _with_nuls(Decoded(big5, "big5"))
    if text is not None:
        return _with_nuls(Decoded(text, "gb18030"))
    best = None  # GB18030 or Big5 with a few lines that are not: the one that reads more lines, and better
    for codec, name in (("gb18030", "gb18030"), ("big5hkscs", "big5")):
        ok = [_valid(line, codec) for line in lines]
        read = sum(valid and not line.isascii() for valid, line in zip(ok, lines))
        if read and read >= ok.count(False):
            sample = "\n".join(line.decode(codec) for valid, line in zip(ok, lines) if valid)
            score = (_plausible_share(sample), read)
            if best is None or score > best[0]:
                best = (score, codec, name)
    if best is not None:
        return _with_nuls(_by_lines(data, best[1], encoding=best[2]))
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError("the text is in no encoding chanjia can read; re-save it as UTF-8")
    return _with_nuls(Decoded(str(best), best.encoding))


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
    return text if RE_HAN.search(text) and _plausible_share(text) >= PLAUSIBLE_SHARE else None


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


def _plausible_share(text: str, sample: int = 20000) -> float:
    """The share of Chinese (and private-use) characters in ``text`` that are common ones."""
    from .normalize import _t2s_table

    chars = [c for c in text[:sample] if "\u4e00" <= c <= "\u9fff" or "\ue000" <= c <= "\uf8ff"]
    if not chars:
        return 1.0
    simplified = "".join(chars).translate(_t2s_table())
    common = 0
    for c in simplified:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(chars)


def _utf16_without_bom(head: bytes) -> str | None:
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


def sniff_metadata(text: str) -> tuple[str | None, str | None]:
    """The headline and publication date (ISO) the text states, read from its page furniture
    (:mod:`~chanjia_nlp.pagehead`): ``None`` for what it does not state.

    >>> sniff_metadata("2019年08月28日\\n第A06版:\\n相山区夏季“送清凉”活动结束\\n本报讯 日前,…")
    ('相山区夏季“送清凉”活动结束', '2019-08-28')
    """
    head = read_head(text)
    return head.title, head.published


def read_document(
    path: str | os.PathLike[str],
    *,
    display_path: str | None = None,
    extractor_version: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    metadata: Mapping[str, str | None] | None = None,
    ocr: str | OcrOptions = "auto",
) -> tuple[Document, str | None]:
    """Read one file (.txt, .docx, .pdf, .html, by content first): its :class:`Document` record
    and its text (``None`` when it failed). The text of a .docx, .pdf or .html file is the plain
    text extracted from it; every record's offsets point into that text.

    ``metadata`` overrides what is read from the document (keys ``title``, ``published``,
    ``source``; a ``None`` value keeps what was read)."""
    path = Path(path)
    shown = escape_name(display_path or str(path))
    try:
        data = read_file(path, max_bytes)
    except DocumentError as exc:
        return _failed(shown, b"", str(exc), extractor_version), None
    return read_bytes(
        data, path=path, display_path=shown, extractor_version=extractor_version,
        max_unpacked_bytes=max_unpacked_bytes, metadata=metadata, ocr=ocr,
    )


def read_bytes(
    data: bytes,
    *,
    path: str | os.PathLike[str],
    display_path: str | None = None,
    extractor_version: str = "",
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    metadata: Mapping[str, str | None] | None = None,
    ocr: str | OcrOptions = "auto",
) -> tuple[Document, str | None]:
    """:func:`read_document` on bytes already read (a worker on another machine gets the bytes,
    not the file); ``path`` gives the name the format is guessed from."""
    from .formats import read_text

    path = Path(path)
    shown = escape_name(display_path or str(path))
    try:
        text, fmt, meta = read_text(path, data, max_unpacked_bytes=max_unpacked_bytes, ocr=ocr)
    except (DocumentError, UnicodeDecodeError) as exc:
        message = str(exc) if isinstance(exc, DocumentError) else "the text is not valid UTF-8; re-save it as UTF-8"
        return _failed(shown, data, message, extractor_version), None
    title, published = sniff_metadata(text)
    given = {key: value for key, value in (metadata or {}).items() if value}
    unknown = set(given) - set(METADATA_FIELDS)
    if unknown:
        raise ConfigError(f"unknown metadata field(s) {sorted(unknown)}; valid: {', '.join(METADATA_FIELDS)}")
    when, when_from, warnings = _publication(given.get("published"), published, meta, fmt)
    doc = Document(
        doc_id=hashlib.sha256(data).hexdigest(),
        path=shown,
        title=given.get("title") or _title(title, meta.get("title"), fmt),
        published=when,
        published_source=when_from,
        source=given.get("source") or meta.get("source"),
        chars=len(text),
        format=fmt,
        encoding=meta.get("encoding"),
        extractor_version=extractor_version,
        needs_ocr_pages=tuple(meta.get("needs_ocr_pages") or ()),
        warnings=(*meta.get("warnings", ()), *warnings),
        ocr=meta.get("ocr"),
    )
    return doc, text


#: What a file's own date is called in a warning, by format.
FILE_DATE_NAMES = {"docx": "core property `created`", "pdf": "CreationDate"}


def _publication(
    given: str | None, stated: str | None, meta: Mapping[str, object], fmt: str
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """``(published, published_source, warnings)``: the date given by the user, else the one the
    text states, else an HTML page's ``<meta>`` date. A .docx's or PDF's own creation date is
    never taken (it is when the file was made or exported, often from an older template); the
    warning names it, so a person who knows it is right can give it."""
    if given:
        if stated and stated != given:
            return given, "given", (f"the given publication date {given} differs from the date the text states ({stated})",)
        return given, "given", ()
    if stated:
        return stated, "text", ()
    if meta.get("published"):
        return str(meta["published"]), "html_meta", ()
    warning = "no publication date in the text, so 今年, 去年 and 目前 stay unresolved; give it with --published or --metadata"
    if meta.get("created"):
        warning += (
            f" (the file's {FILE_DATE_NAMES.get(fmt, 'creation date')} {meta['created']} was not used: "
            "it is when the file was made or exported, often from an older template)"
        )
    return None, None, (warning,)


def _title(headline: str | None, file_title: object, fmt: str) -> str | None:
    """The headline the text states, else the file's own title (docx core properties, PDF info,
    HTML ``<title>``). An HTML page's ``<title>`` wins unless it holds the headline: it names the
    page even when the article text starts without its headline, and the headline is the
    ``<title>`` without the site's name (``户外驿站成为爱意连接点_工人日报``)."""
    file_title = file_title if isinstance(file_title, str) and file_title.strip() else None
    if fmt == "html" and file_title is not None and (headline is None or headline not in file_title):
        return file_title
    return headline or file_title


def unread_id(path: str) -> str:
    """The ``doc_id`` of a file whose bytes were not read, or are none or blank: from its path, so two
    such files never share one (the SHA-256 of no bytes)."""
    return hashlib.sha256(b"chanjia unread file\x00" + escape_name(path).encode("utf-8")).hexdigest()


def _failed(path: str, data: bytes, message: str, version: str) -> Document:
    return Document(
        doc_id=hashlib.sha256(data).hexdigest() if data.strip() else unread_id(path),
        path=path,
        format=Path(path).suffix.lstrip(".").lower() or "txt",
        status="error",
        error=message,
        extractor_version=version,
    )


#: What a path that is not a regular file is, by its ``stat`` type.
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_file(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``. Never blocks: a named pipe, a device
    (``/dev/zero``, also through a symlink) or a socket is refused before anything is read, and
    no more than ``max_bytes`` are ever read (a file growing while it is read is refused too).

    Raises:
        DocumentError: not a regular file, too large, or unreadable; the message says what to do.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if isinstance(exc, PermissionError) and os.path.isdir(path):
            raise DocumentError(_folder_problem(path)) from None
        raise DocumentError(f"cannot read the file ({exc.strerror}); check the path and permissions") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DocumentError(_folder_problem(path))
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
            raise DocumentError(f"this is {kind}, not a file; chanjia reads only regular files: give the report file itself")
        if info.st_size > max_bytes:
            raise _too_large(info.st_size, max_bytes)
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(max_bytes + 1 - size, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise DocumentError(f"cannot read the file ({exc.strerror}); check the path and permissions") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    return data


def _too_large(size: int, max_bytes: int) -> DocumentError:
    return DocumentError(
        f"the file is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit; split it or raise --max-bytes"
    )


def _folder_problem(path: str | os.PathLike[str]) -> str:
    """What stops chanjia from reading the files of a folder (:func:`find_files` gives a folder
    it cannot look into as one entry)."""
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        return (f"cannot open this folder ({exc.strerror}); give it read and execute permission (chmod u+rx), "
                "or leave it out")
    if not os.access(path, os.X_OK):
        return ("cannot open the files of this folder (it has read but no execute permission); "
                "give it execute permission (chmod u+x), or leave it out")
    return "this is a folder, not a file; give it to chanjia extract to read the reports in it"


def _suffixes() -> tuple[str, ...]:
    """The suffixes a folder walk picks up: report formats, and images when OCR is installed."""
    from .ocr import IMAGE_SUFFIXES, available

    return SUPPORTED_SUFFIXES + IMAGE_SUFFIXES if available() else SUPPORTED_SUFFIXES


def locate(path: str | os.PathLike[str]) -> str:
    """The location that identifies a file: its absolute path, the folders' symbolic links
    resolved (the same file given as ``big/g0/a.txt`` or through ``big/`` is one location), with
    the bytes of a name that is not UTF-8 escaped. The file's own name is kept: a link is a
    location of its own (when it leads to a stored file, the same bytes make it a duplicate)."""
    found = os.path.abspath(path)
    try:
        found = os.path.join(os.path.realpath(os.path.dirname(found)), os.path.basename(found))
    except (OSError, ValueError):
        pass
    return escape_name(found)


def common_root(paths: Iterable[str | os.PathLike[str]]) -> str | None:
    """The folder display paths are relative to by default: the common folder of ``paths`` (a
    folder given counts as itself, a file as the folder it is in); ``None`` when there is none."""
    folders = []
    for given in paths:
        folder = os.path.realpath(given)
        folders.append(folder if os.path.isdir(folder) else os.path.dirname(folder))
    try:
        return os.path.commonpath(folders) if folders else None
    except ValueError:  # different drives
        return None


def find_files(paths: Iterable[str | os.PathLike[str]], root: str | os.PathLike[str] | None = None
               ) -> Iterator[tuple[Path, str]]:
    """Expand files and folders (recursively) into ``(path, display path)`` pairs, sorted.

    Files named directly are always yielded; inside folders only supported suffixes are (of any
    kind but folders: a named pipe called ``x.txt`` gets its error record from the reader). A
    folder that cannot be listed or entered is yielded itself, so it gets one error record too
    (:func:`read_document` says which permission is missing) and the walk goes on. A display path
    is relative to the folder it was found in (to ``root`` when given and the file is inside it),
    with the bytes of a name that is not UTF-8 escaped (:func:`~chanjia_nlp.outputs.escape_name`).
    """
    base = os.path.realpath(root) if root is not None else None
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for found in sorted(_walk(given)):
                shown = str(found.relative_to(given)) if found != given else str(given)
                yield found, escape_name(_relative(found, base) or shown)
        else:
            yield given, escape_name(_relative(given, base) or str(given))


def _relative(path: Path, base: str | None) -> str | None:
    """``path`` relative to the folder ``base`` when it is inside it, else ``None``."""
    if base is None:
        return None
    try:
        found = os.path.realpath(path)
    except (OSError, ValueError):
        return None
    if found == base or not found.startswith(base.rstrip(os.sep) + os.sep):
        return None
    return os.path.relpath(found, base)


def _walk(folder: Path) -> Iterator[Path]:
    """Report files under ``folder`` (symlinked folders are not followed), and each folder that
    cannot be listed or entered."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        yield folder
        return
    if entries and not os.access(folder, os.X_OK):  # names listed, but nothing in it can be opened
        yield folder
        return
    for entry in entries:
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
            is_link_to_folder = not is_folder and entry.is_symlink() and entry.is_dir()
        except OSError:
            is_folder = is_link_to_folder = False
        if is_folder:
            yield from _walk(Path(entry.path))
        elif not is_link_to_folder and not entry.name.startswith(".") and Path(entry.name).suffix.lower() in _suffixes():
            yield Path(entry.path)
