"""Reading report files into text and a :class:`~chanjia_nlp.records.Document`.

Bytes are decoded here, at the I/O edge, never inside extractors. A file that cannot be read
gives a ``Document`` with ``status="error"`` and a message that says what to do; it never raises.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .errors import ConfigError, DocumentError
from .outputs import escape_name
from .pagehead import read_head
from .records import Document

__all__ = [
    "METADATA_FIELDS", "SUPPORTED_SUFFIXES", "decode", "find_files", "read_bytes", "read_document", "read_file",
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
    charset-normalizer finds. Returns ``(text, encoding)``.

    >>> decode("職工書屋覆蓋率達到98%".encode("big5"))
    ('職工書屋覆蓋率達到98%', 'big5')

    Raises:
        DocumentError: binary data or bytes no Chinese encoding reads.
    """
    if not data.strip():
        raise DocumentError("the file is empty; check that the report was saved completely")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        encoding = _utf16_without_bom(data[:4096])
        if encoding is None:
            raise DocumentError("the file is binary, not text; export the report as .txt (UTF-8)")
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            raise DocumentError("the file is binary, not text; export the report as .txt (UTF-8)") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_share(text) >= PLAUSIBLE_SHARE:
        return text, "gb18030"
    try:
        big5 = data.decode("big5hkscs")
    except UnicodeDecodeError:
        big5 = None
    if big5 is not None and (text is None or _plausible_share(big5) > _plausible_share(text)):
        return big5, "big5"
    if text is not None:
        return text, "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError("the text is in no encoding chanjia can read; re-save it as UTF-8")
    return str(best), best.encoding


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
        max_unpacked_bytes=max_unpacked_bytes, metadata=metadata,
    )


def read_bytes(
    data: bytes,
    *,
    path: str | os.PathLike[str],
    display_path: str | None = None,
    extractor_version: str = "",
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    metadata: Mapping[str, str | None] | None = None,
) -> tuple[Document, str | None]:
    """:func:`read_document` on bytes already read (a worker on another machine gets the bytes,
    not the file); ``path`` gives the name the format is guessed from."""
    from .formats import read_text

    path = Path(path)
    shown = escape_name(display_path or str(path))
    try:
        text, fmt, meta = read_text(path, data, max_unpacked_bytes=max_unpacked_bytes)
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
        warnings=warnings,
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


def find_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, str]]:
    """Expand files and folders (recursively) into ``(path, display path)`` pairs, sorted.

    Files named directly are always yielded; inside folders only supported suffixes are (of any
    kind but folders: a named pipe called ``x.txt`` gets its error record from the reader). A
    folder that cannot be listed or entered is yielded itself, so it gets one error record too
    (:func:`read_document` says which permission is missing) and the walk goes on. A display path
    is relative to the folder it was found in, with the bytes of a name that is not UTF-8 escaped
    (:func:`~chanjia_nlp.outputs.escape_name`).
    """
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for found in sorted(_walk(given)):
                shown = str(found.relative_to(given)) if found != given else str(given)
                yield found, escape_name(shown)
        else:
            yield given, escape_name(str(given))


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
        elif not is_link_to_folder and not entry.name.startswith(".") and Path(entry.name).suffix.lower() in SUPPORTED_SUFFIXES:
            yield Path(entry.path)
