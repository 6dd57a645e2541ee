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
from typing import TYPE_CHECKING

from .decoding import Decoded, decode, decode_report
from .errors import ConfigError, DocumentError
from .formats import DEFAULT_MAX_UNPACKED_BYTES, read_text
from .logs import get_logger
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
log = get_logger(__name__)


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
    path = Path(path)
    shown = escape_name(display_path or str(path))
    try:
        text, fmt, meta = read_text(path, data, max_unpacked_bytes=max_unpacked_bytes, ocr=ocr)
    except (DocumentError, UnicodeDecodeError) as exc:
        message = str(exc) if isinstance(exc, DocumentError) else "the text is not valid UTF-8; re-save it as UTF-8"
        log.info("%s: not read: %s", shown, message)
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
    log.info("%s: read as %s, %d characters", shown, fmt, doc.chars)
    log.debug("%s: encoding %s, published %s (from the %s)", shown, doc.encoding, doc.published, doc.published_source)
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
    return DocumentError(f"the file is {_size(size)}, over the {_size(max_bytes)} limit; split it or raise --max-bytes")


def _size(count: int) -> str:
    """``60 MB`` from a megabyte up, else ``12,345 bytes`` (a limit of 2,000 bytes is not "0 MB")."""
    return f"{count / 2**20:.0f} MB" if count >= 2**20 else f"{count:,} bytes"


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
