"""What chanjia writes for people to open: files written whole or not at all, spreadsheet cells
that never run as formulas, and text whose invisible characters are shown.

Every ``--out`` writer goes through :func:`atomic_file` or :func:`atomic_path`: the output is
written to a temporary file beside the target and renamed into place once it is complete, so a
full disk or an error half-way leaves the old file (or none), never a truncated one.

>>> spreadsheet_text("=cmd|' /C calc'!A0"), spreadsheet_text("-12.5"), spreadsheet_text("+1+2 其中")
("'=cmd|' /C calc'!A0", '-12.5', "'+1+2 其中")
>>> visible("\\u202egnp.exe.txt")
'⟨U+202E⟩gnp.exe.txt'
>>> escape_name("年度\\udcc4\\udcea.txt"), shown_name("\\\\xc4\\\\xea.txt")
('年度\\\\xc4\\\\xea.txt', '年.txt')
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath
from typing import IO, Any, cast

from .errors import ConfigError, OutputError, value_invalid_msg

__all__ = [
    "FILE_ONLY_FORMATS", "atomic_file", "atomic_path", "decoded_name", "escape_name", "format_of", "shown_name",
    "spreadsheet_text", "visible",
]

#: OWASP's rule for CSV injection: a cell starting with one of these is read as a formula (or
#: as the start of one, after a tab or carriage return) by Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A plain number ("-12.5", "+3", "1e5") is read as a number, never as a formula: it is kept.
RE_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Character categories shown visibly: controls, format characters (bidi overrides, zero-width
#: spaces, the BOM, soft hyphens), line and paragraph separators, and lone surrogates.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
#: A byte of a file name that is not UTF-8, as :func:`escape_name` writes it.
RE_ESCAPED_BYTES = re.compile(r"(?:\\x[89a-f][0-9a-f])+")
#: Formats that are binary files: never written to standard output.
FILE_ONLY_FORMATS = ("xlsx", "parquet")
#: Formats only for standard output (a table drawn for a terminal): never told by a suffix.
STDOUT_ONLY_FORMATS = ("table",)


def format_of(
    out: str | os.PathLike[str] | None, fmt: str | None = None, *, formats: Sequence[str], default: str | None = None
) -> str:
    """The format to write ``out`` in, by one rule for every command and library call that
    writes files: ``fmt`` when given, else the suffix of ``out``; standard output (``out`` is
    ``None`` or ``-``) gets ``default`` (no default: nothing is written there). A suffix that names
    none of ``formats`` is refused, never guessed (``--out x.txt`` writing JSONL would surprise whoever opens it).

    >>> format_of("claims.XLSX", formats=("table", "csv", "xlsx"), default="table")
    'xlsx'
    >>> format_of(None, formats=("table", "csv"), default="table"), format_of("x.txt", "csv", formats=("csv",))
    ('table', 'csv')
    >>> format_of("records.txt", formats=("jsonl", "csv"))
    Traceback (most recent call last):
    chanjia_nlp.errors.ConfigError: cannot tell the format of records.txt from its suffix: it must be one of: \
'jsonl', 'csv'; name the file .jsonl or .csv, or give --format

    Raises:
        ConfigError: ``fmt`` is not one of ``formats``; the suffix names none of them; a format
            of :data:`FILE_ONLY_FORMATS` (or none) for standard output.
    """
    if fmt is not None and fmt.lower() not in formats:
        raise ConfigError(value_invalid_msg("format", fmt, formats))
    chosen = fmt.lower() if fmt is not None else None
    if out is None or os.fspath(out) == "-":
        if chosen is None and default is None:
            raise ConfigError("nothing to write to: give --out FILE")
        if default is None or (chosen or default) in FILE_ONLY_FORMATS:  # no default: nothing goes to stdout
            raise ConfigError(f"--format {chosen or default} writes a file; give --out FILE.{chosen or default}")
        return chosen or default
    if chosen is not None:
        return chosen
    suffix = PurePath(os.fspath(out)).suffix.lstrip(".").lower()
    if suffix in formats and suffix not in STDOUT_ONLY_FORMATS:
        return suffix
    files = [f".{name}" for name in formats if name not in STDOUT_ONLY_FORMATS]
    named = " or ".join([", ".join(files[:-1]), files[-1]] if len(files) > 1 else files)
    valid = ", ".join(repr(name) for name in formats)
    raise ConfigError(
        f"cannot tell the format of {shown_name(os.fspath(out))} from its suffix: it must be one of: {valid}; "
        f"name the file {named}, or give --format"
    )


def spreadsheet_text(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: a string that a spreadsheet would read as a
    formula (it starts with ``= + - @``, a tab or a carriage return, and is not a plain number)
    gets a leading single quote, OWASP's rule; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not RE_PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def visible(text: str, keep: str = "") -> str:
    """``text`` with every invisible or control character shown as ``⟨U+XXXX⟩`` (a right-to-left
    override would otherwise show ``\\u202egnp.exe.txt`` as ``txt.exe.png``); characters in
    ``keep`` (say ``"\\n\\t"``) stay as they are."""
    if text.isprintable() and not any(unicodedata.category(c) in INVISIBLE_CATEGORIES for c in text):
        return text
    return "".join(
        f"⟨U+{ord(c):04X}⟩" if c not in keep and unicodedata.category(c) in INVISIBLE_CATEGORIES else c for c in text
    )


def escape_name(name: str) -> str:
    """A file name as valid Unicode, losslessly: the bytes of a name that is not UTF-8 (Python
    reads them as lone surrogates, e.g. GBK names from a Chinese Windows zip) become ``\\xNN``
    escapes. A valid name is returned as it is."""
    if not any("\udc80" <= c <= "\udcff" for c in name):
        return name
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def shown_name(name: str) -> str:
    """A name of :func:`escape_name` as a person reads it (:func:`decoded_name`), with its
    invisible characters shown (:func:`visible`)."""
    return visible(decoded_name(name))


def decoded_name(name: str) -> str:
    """A name of :func:`escape_name` with each part (between ``/``) that holds escaped bytes
    decoded as GB18030 where its bytes read that way (what Chinese Windows writes), else left
    escaped."""
    name = escape_name(name)
    if "\\x" not in name:
        return name
    return "/".join(_decoded_part(part) for part in name.split("/"))


def _decoded_part(part: str) -> str:
    pieces = RE_ESCAPED_BYTES.split(part)
    if len(pieces) == 1:
        return part
    escapes = RE_ESCAPED_BYTES.findall(part)
    raw = b"".join(
        piece.encode("utf-8") + (bytes.fromhex(escapes[n].replace("\\x", "")) if n < len(escapes) else b"")
        for n, piece in enumerate(pieces)
    )
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return part


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, writes_inside: bool = True) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; renamed to ``target`` when the block ends
    without an error, removed otherwise. With ``writes_inside`` (the block only writes the
    file), an ``OSError`` raised in the block is the write failing.

    Raises:
        OutputError: the file cannot be written (no space, no permission, no such folder).
    """
    target = Path(target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _failed(target, exc) from exc
    partial = Path(name)
    try:
        yield partial
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if writes_inside:
            raise _failed(target, exc) from exc
        raise
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:
        if target.exists():  # the new file gets the permissions of the one it replaces
            with contextlib.suppress(OSError):
                os.chmod(partial, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(partial, 0o666 & ~umask)
        partial.replace(target)
    except OSError as exc:
        raise _failed(target, exc) from exc
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike[str], *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream whose content replaces ``target`` once the block ends without an error
    (see :func:`atomic_path`).

    Raises:
        OutputError: the file cannot be written.
    """
    target = Path(target)
    with atomic_path(target, writes_inside=False) as partial:
        try:
            stream = partial.open("w", encoding=encoding, newline=newline)
        except OSError as exc:
            raise _failed(target, exc) from exc
        try:
            yield cast(IO[str], _Guarded(stream, target))  # an IO[str] by delegation
        finally:
            try:
                stream.close()  # the last buffered write
            except OSError as exc:
                raise _failed(target, exc) from exc


class _Guarded:
    """A text stream whose failed writes raise :class:`OutputError` (an ``OSError`` raised by
    the code that writes, say reading a file, travels on as it is)."""

    def __init__(self, stream: IO[str], target: Path) -> None:
        self._stream, self._target = stream, target

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise _failed(self._target, exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise _failed(self._target, exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._stream)


def _failed(target: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"cannot write {shown_name(str(target))} ({exc.strerror or exc}); nothing was written there: "
        "free some disk space or choose another output file"
    )
