"""Spreadsheet files → grids of cells: one :class:`Table` per sheet (.xlsx, .xls), per table
(.docx) or per file (.csv).

A merged cell's value applies to every cell of its range; the cells that only repeat it carry the
reference of the range's first cell in ``origin``, so a figure in a merged range is counted once.
The format is read from the content (zip, OLE or text), not trusted from the extension.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar
from xml.etree import ElementTree

from ..errors import DocumentError
from ..formats import OLE_MAGIC, OTHER_MAGIC, ZIP_MAGIC
from ..numbers import normalize_decimal
from ..ocr import image_kind
from ..readers import decode

__all__ = ["Cell", "Table", "column_letter", "decode_csv", "read_tables"]

T = TypeVar("T", bound=Iterable[Any])

#: Workbooks larger than this are read in openpyxl's streaming (read_only) mode.
READ_ONLY_BYTES = 8 * 1024 * 1024
#: A workbook that would unpack to more than this is refused as a likely zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Reading a sheet stops after this many blank rows in a row (formatting often reaches row 1048576).
MAX_BLANK_RUN = 200
#: Columns beyond this are not read (a ledger has a few dozen at most).
MAX_COLUMNS = 200
RE_HTML_TABLE = re.compile(rb"<(?:html|table|!doctype html)\b", re.IGNORECASE)
RE_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")
RE_MERGE_CELL = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
#: A cell whose only content is a formula, with no (or an empty) saved value.
RE_UNSAVED_FORMULA = re.compile(
    rb"""<c\b[^>]*\br="([A-Z]+[0-9]+)"[^>]*>\s*
    <f\b(?:[^>]*/>|[^>]*>[^<]*</f>)\s*
    (?:<v\s*/>|<v>\s*</v>)?\s*</c>""",
    re.VERBOSE,
)
SPREADSHEET_ML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
SUPPORTED = "chanjia reads 台账 as .xlsx, .xls, .csv, tables in .docx, or scans (images, scanned PDFs)"
PASSWORD = "the workbook is password-protected; remove the password in Excel/WPS and save it again"
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")  # OLE stream names of an encrypted Office file
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as written: numbers as decimal text (``22.68``), percent-formatted numbers with
    their ``%``, dates as ISO text, empty cells as ``""``."""

    text: str
    ref: str
    """Where it is: ``F7``."""
    origin: str | None = None
    """For a cell that only repeats a merged range's value: the range's first cell."""
    formula: bool = False
    """A formula whose value was never saved (the file was written by a program, not Excel)."""
    box: tuple[int, float, float, float, float] | None = None
    """For a table rebuilt from a scan (:mod:`chanjia_nlp.ocr_tables`): ``(page, x0, y0, x1, y1)``,
    where its text is on the page image, in pixels."""


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet or table as a rectangular grid; ``rows[i][j]`` is row ``i + 1``, column ``j + 1``."""

    name: str | None
    rows: tuple[tuple[Cell, ...], ...]
    title: str | None = None
    """Text just above the table in a .docx (its caption), else ``None``."""


@functools.lru_cache(maxsize=1024)
def column_letter(index: int) -> str:
    """1 → ``A``, 27 → ``AA``."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_tables(data: bytes) -> tuple[list[Table], str, list[str]]:
    """The tables of a ledger file, its format (``xlsx``, ``xls``, ``csv``, ``docx``) and warnings.

    Raises:
        DocumentError: empty, encrypted, damaged or not a spreadsheet; the message says what to do.
    """
    if not data.strip(b"\x00 \t\r\n"):
        raise DocumentError("the ledger file is empty; check that it was saved completely")
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        try:
            return _read_zip(data) if data.startswith(ZIP_MAGIC) else _read_ole(data)
        except DocumentError:
            raise
        except Exception as exc:  # openpyxl, xlrd and python-docx raise anything on a damaged file
            raise DocumentError(
                f"the file is damaged ({type(exc).__name__}: {str(exc)[:80]}); open it in Excel/WPS and save it again"
            ) from exc
    if image_kind(data, ".bmp") is not None or b"%PDF-" in data[:1024]:  # a scan (or photo) of a 台账
        return _read_scan(data)
    for magic, kind in OTHER_MAGIC:
        if data.startswith(magic):
            raise DocumentError(f"the file is {kind}, not a ledger; {SUPPORTED}")
    if RE_HTML_TABLE.search(data[:4096]):
        raise DocumentError(
            "the file is a web page (HTML) saved as a spreadsheet; open it in Excel/WPS and save it as .xlsx"
        )
    return [_read_csv(data)], "csv", []


# --- xlsx / docx -------------------------------------------------------------------------------


def _read_zip(data: bytes) -> tuple[list[Table], str, list[str]]:
    damaged = "the {} file is damaged ({}); open it in Excel/WPS and save it again"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(damaged.format("zip", f"not a readable zip: {exc}")) from exc
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentError(
            f"the file unpacks to {unpacked / 1e6:.0f} MB and looks like a zip bomb; "
            "split the ledger into smaller files"
        )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" in names:
        return _read_xlsx(data)
    if "word/document.xml" in names:
        return _read_docx(data), "docx", []
    kind = "a PowerPoint file" if any(n.startswith("ppt/") for n in names) else "a zip archive without a workbook"
    raise DocumentError(f"the file is {kind}, not a ledger; {SUPPORTED}")


def _read_xlsx(data: bytes) -> tuple[list[Table], str, list[str]]:
    import openpyxl

    read_only = len(data) > READ_ONLY_BYTES
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    parts = _sheet_parts(data)
    tables, warnings = [], []
    for sheet in book.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            warnings.append(f"sheet {sheet.title!r} is hidden and was not read; unhide it to include it")
            continue
        if read_only:
            ranges = parts[sheet.title].merges if sheet.title in parts else []
        else:
            ranges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in sheet.merged_cells.ranges]
        unsaved = parts[sheet.title].unsaved_formulas if sheet.title in parts else frozenset()
        grid = []
        width = min(sheet.max_column, MAX_COLUMNS) if sheet.max_column else None
        rows = _BlankRunLimit(sheet.iter_rows(max_col=width), lambda cell: cell.value is None)
        for r, row in enumerate(rows, 1):
            grid.append([
                (cell.value, getattr(cell, "number_format", None) or "General",
                 cell.value is None and bool(unsaved) and f"{column_letter(c)}{r}" in unsaved)
                for c, cell in enumerate(row, 1)
            ])
        if rows.stopped and (sheet.max_row or 0) > len(grid):
            warnings.append(
                f"sheet {sheet.title!r}: reading stopped at row {len(grid)} after {MAX_BLANK_RUN} blank rows; cells "
                f"further down (to row {sheet.max_row}) were not read: delete the blank rows or move the data up"
            )
        tables.append(_table(sheet.title, grid, ranges))
    book.close()
    return tables, "xlsx", warnings


@dataclass(frozen=True, slots=True)
class _SheetPart:
    """What openpyxl does not give for a sheet: merged ranges in read_only mode, and the cells
    holding a formula whose value was never saved (openpyxl reads those as empty)."""

    merges: list[tuple[int, int, int, int]]
    unsaved_formulas: frozenset[str]


def _sheet_parts(data: bytes) -> dict[str, _SheetPart]:
    """Per sheet name, from the sheet XML of the workbook."""
    out: dict[str, _SheetPart] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{PACKAGE_RELS}Relationship")}
        for sheet in workbook.iter(f"{SPREADSHEET_ML}sheet"):
            target = targets.get(sheet.get(f"{RELATIONSHIPS}id"), "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            xml = archive.read(part)
            merges = [_range_bounds(m.group(1).decode()) for m in RE_MERGE_CELL.finditer(xml)]
            unsaved = frozenset(m.group(1).decode() for m in RE_UNSAVED_FORMULA.finditer(xml)) if b"<f" in xml else ()
            out[sheet.get("name", "")] = _SheetPart([m for m in merges if m is not None], frozenset(unsaved))
    return out


def _range_bounds(ref: str) -> tuple[int, int, int, int] | None:
    """``B3:D4`` → (3, 2, 4, 4): min row, min column, max row, max column."""
    corners = [RE_CELL_REF.fullmatch(part) for part in ref.split(":")]
    if len(corners) != 2 or None in corners:
        return None
    (c1, r1), (c2, r2) = ((_column_index(m.group(1)), int(m.group(2))) for m in corners if m is not None)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def _read_docx(data: bytes) -> list[Table]:
    import docx  # python-docx
    import docx.table

    document = docx.Document(io.BytesIO(data))
    tables = []
    caption = None
    number = 0
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")).strip()
            caption = text or caption
        elif tag == "tbl":
            number += 1
            table = docx.table.Table(block, document)
            grid, ranges = _docx_grid(table)
            tables.append(_table(f"表{number}", grid, ranges, title=caption))
            caption = None
    return tables


def _docx_grid(table) -> tuple[list[list], list[tuple[int, int, int, int]]]:
    """Cell texts of a Word table, and its merged ranges (python-docx repeats a merged cell)."""
    grid: list[list] = []
    first_seen: dict[object, tuple[int, int]] = {}  # keyed by the <w:tc> element itself, kept alive
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(table.rows, 1):
        texts = []
        for c, cell in enumerate(row.cells, 1):
            key = cell._tc
            if key in first_seen:
                top = first_seen[key]
                low_r, low_c = spans.get(top, top)
                spans[top] = (max(low_r, r), max(low_c, c))
                texts.append(("", "General", False))
            else:
                first_seen[key] = (r, c)
                texts.append((cell.text, "General", False))
        grid.append(texts)
    ranges = [(top[0], top[1], end[0], end[1]) for top, end in spans.items()]
    return grid, ranges


# --- xls ---------------------------------------------------------------------------------------


def _read_ole(data: bytes) -> tuple[list[Table], str, list[str]]:
    """An .xls workbook; an encrypted Office file is an OLE container with these two streams."""
    if ENCRYPTION_INFO in data or ENCRYPTED_PACKAGE in data:
        raise DocumentError(PASSWORD)
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise DocumentError(PASSWORD) from exc
        raise DocumentError(
            f"the file is an Office 97-2003 file but not a readable .xls workbook ({exc}); {SUPPORTED}"
        ) from exc
    tables, warnings = [], []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.visibility:
                warnings.append(f"sheet {sheet.name!r} is hidden and was not read; unhide it to include it")
                continue
            width = min(sheet.ncols, MAX_COLUMNS)
            grid = [[_xls_value(book, sheet, r, c) for c in range(width)] for r in range(sheet.nrows)]
            # xlrd's ranges are half-open and 0-based: (rlo, rhi, clo, chi).
            ranges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
            tables.append(_table(sheet.name, grid, ranges))
    finally:
        book.release_resources()
    return tables, "xls", warnings


def _xls_value(book, sheet, r: int, c: int) -> tuple[object, str, bool]:
    import xlrd

    cell = sheet.cell(r, c)
    fmt = "General"
    xf = book.xf_list[cell.xf_index] if cell.xf_index is not None and cell.xf_index < len(book.xf_list) else None
    if xf is not None and xf.format_key in book.format_map:
        fmt = book.format_map[xf.format_key].format_str
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, book.datemode), fmt, False
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value, "General", False
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None, fmt, False
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value), fmt, False
    return cell.value, fmt, False


# --- scans -------------------------------------------------------------------------------------


def _read_scan(data: bytes) -> tuple[list[Table], str, list[str]]:
    """The tables rebuilt from a scanned ledger's pages (:mod:`chanjia_nlp.ocr_tables`), one per
    page, each cell with its page and box."""
    from ..ocr_tables import read_scanned_tables

    found, warnings = read_scanned_tables(data)
    return scanned_tables(found), "scan", warnings


def scanned_tables(found: Iterable[tuple[str, Sequence[Sequence[Any]]]]) -> list[Table]:
    """:class:`Table` s of the grids :func:`chanjia_nlp.ocr_tables.read_scanned_tables` rebuilt
    (``ScannedCell`` or ``None`` each), every cell with its page and box."""
    tables = []
    for name, grid in found:
        width = max((len(row) for row in grid), default=0)
        rows = []
        for r, row in enumerate(grid):
            cells = []
            for c in range(width):
                cell = row[c] if c < len(row) else None
                ref = f"{column_letter(c + 1)}{r + 1}"
                if cell is None:
                    cells.append(Cell("", ref))
                else:
                    origin = None if cell.origin is None else f"{column_letter(cell.origin[1] + 1)}{cell.origin[0] + 1}"
                    cells.append(Cell(cell.text, ref, origin, box=(cell.page, *cell.box)))
            rows.append(tuple(cells))
        tables.append(Table(name, tuple(rows)))
    return tables


# --- csv ---------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> Table:
    text = decode_csv(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = list(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DocumentError(
                f"line {reader.line_num} of the .csv file has a cell over {csv.field_size_limit():,} characters, "
                "which no 台账 has; check that it is the ledger, re-saved from Excel/WPS as CSV"
            ) from None
        raise DocumentError(f"the .csv file cannot be parsed ({exc}); re-save it from Excel/WPS as CSV") from exc
    grid: list[list[tuple[object, str, bool]]] = [[(value, "General", False) for value in row[:MAX_COLUMNS]] for row in rows]
    return _table(None, grid, [])


def decode_csv(data: bytes) -> str:
    """CSV text in UTF-8 (with or without BOM), GB18030/GBK, Big5 or UTF-16, through
    :func:`chanjia_nlp.readers.decode`, with its messages worded for a ledger."""
    try:
        text, _ = decode(data)
    except UnicodeDecodeError as exc:
        raise DocumentError("the .csv text is in no encoding chanjia can read; re-save it as UTF-8") from exc
    except DocumentError as exc:
        raise DocumentError(f"{exc}".replace("report", "ledger").replace(".txt (UTF-8)", ".csv (UTF-8)")) from exc
    controls = sum(1 for ch in text[:4096] if ch < " " and ch not in "\t\n\r\f") + text[:4096].count("\ufffd")
    if controls > min(len(text), 4096) * 0.05:
        raise DocumentError(f"the file is binary data, not a ledger; {SUPPORTED}")
    return text


# --- common ------------------------------------------------------------------------------------


def _table(
    name: str | None, grid: list[list[tuple[object, str, bool]]], ranges: Iterable[tuple[int, int, int, int]],
    title: str | None = None,
) -> Table:
    """A rectangular :class:`Table` from (value, number format, unsaved formula) triples, with the
    merged ranges' value copied into every cell of the range."""
    rows = _trim(grid)
    width = max((len(row) for row in rows), default=0)
    texts = [[_cell_text(*row[c][:2]) if c < len(row) else "" for c in range(width)] for row in rows]
    formulas = {(r, c) for r, row in enumerate(rows) for c, cell in enumerate(row) if cell[2]}
    origins: dict[tuple[int, int], tuple[int, int]] = {}
    for min_row, min_col, max_row, max_col in ranges:
        for r in range(min_row - 1, min(max_row, len(rows))):
            for c in range(min_col - 1, min(max_col, width)):
                if (r, c) != (min_row - 1, min_col - 1):
                    origins[(r, c)] = (min_row - 1, min_col - 1)
    cells = []
    for r in range(len(rows)):
        out = []
        for c in range(width):
            ref = f"{column_letter(c + 1)}{r + 1}"
            if (r, c) in origins:
                top = origins[(r, c)]
                out.append(Cell(texts[top[0]][top[1]] if top[0] < len(texts) else "", ref,
                                f"{column_letter(top[1] + 1)}{top[0] + 1}"))
            else:
                out.append(Cell(texts[r][c], ref, None, (r, c) in formulas))
        cells.append(tuple(out))
    return Table(name, tuple(cells), title)


class _BlankRunLimit(Generic[T]):
    """The rows, stopping at a run of more than :data:`MAX_BLANK_RUN` blank rows (formatting often
    reaches row 1048576; reading that far would build a million empty rows). ``stopped`` tells
    whether it stopped there."""

    def __init__(self, rows: Iterable[T], empty: Callable[[Any], bool]) -> None:
        self.rows, self.empty, self.stopped = rows, empty, False

    def __iter__(self) -> Iterator[T]:
        blank_run = 0
        for row in self.rows:
            blank_run = blank_run + 1 if all(self.empty(cell) for cell in row) else 0
            if blank_run > MAX_BLANK_RUN:
                self.stopped = True
                return
            yield row


def _trim(grid: list[list[tuple[object, str, bool]]]) -> list[list[tuple[object, str, bool]]]:
    """The rows up to the last non-empty one."""
    end = len(grid)
    while end and not any(v not in (None, "") or formula for v, _, formula in grid[end - 1]):
        end -= 1
    return grid[:end]


def _cell_text(value: object, number_format: str) -> str:
    """A cell's value as text: numbers exactly as decimals (15 significant digits, as Excel keeps),
    percent-formatted numbers times 100 with ``%``, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(f"{value:.15g}") if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, ValueError):
            return str(value)
        if not number.is_finite():
            return ""
        if "%" in number_format:
            return _plain(number * 100) + "%"
        return _plain(number)
    return str(value).replace("\r\n", "\n").strip()


def _plain(number: Decimal) -> str:
    """A cell's number as plain digits, however many (a 1E+30 cell is 1 and 30 zeros)."""
    return format(normalize_decimal(number), "f")
