"""Scanned 台账: the table of a page image rebuilt into rows and cells from OCR's line boxes.

A 台账 printed, stamped and scanned (or photographed) is read by OCR (:mod:`chanjia_nlp.ocr`)
and its recognised pieces of text put back on a grid, which the ledger reader reads as if it were
a sheet (:func:`read_scanned_tables`):

- **rows** by vertical position: pieces whose boxes overlap vertically are one row; a gap of
  about two rows' pitch (the median distance between rows) or more is a blank row between them,
  so row numbers match the sheet the scan was printed from;
- **columns** by x-position clustering: the horizontal extents of the pieces in the table's body
  (the rows with at least half as many pieces as the fullest row) are merged where they overlap,
  and each band of overlapping extents is a column. The pieces of every row then take the columns
  whose centre they cover or that they overlap by a quarter of either's width (a title or a
  merged header over several columns fills each of them, the first one holding the text, as a
  merged range of a sheet does), else the column they overlap most;
- the page is read with its specks removed (a median filter, :func:`~chanjia_nlp.ocr.despeckle`)
  and without the engine's direction classifier (it turns a lone 6 into a 9);
- every cell keeps its page and box (pixels of the page image) and the confidence of its least
  certain character: a figure read with a doubtful character (:data:`~chanjia_nlp.ocr.CONFIDENCE_THRESHOLD`)
  is kept as written with a warning naming its cell, so the assessor checks it against the scan.

Where no table can be rebuilt (fewer than :data:`MIN_COLUMNS` columns or :data:`MIN_ROWS` rows of
them, or pieces that fall in no column), the page is reported as such in one warning and left out.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from dataclasses import dataclass
from typing import Any

from .errors import DocumentError
from .ocr import CONFIDENCE_THRESHOLD, OcrLine, OcrOptions, coerce_mode, layout

__all__ = ["MIN_COLUMNS", "MIN_ROWS", "ScannedCell", "read_scanned_tables", "rebuild_table"]

#: A page is a table when it has at least this many columns…
MIN_COLUMNS = 3
#: …and this many rows with a piece in two columns or more.
MIN_ROWS = 3
#: Two neighbouring characters in two columns more than this many line heights apart are cut.
BAND_GAP = 1.1
#: A gap without ink this many line heights wide inside a recognised line is a cell boundary.
INK_GAP = 0.5
#: Full-width punctuation drawn with a gap after (or before) it inside one cell's text.
PAUSES = ("、", "，", "：", "；", "。", "（", "）", ",", ":", ";")
#: Grey levels under this are ink.
INK_LEVEL = 160
#: A piece that is a figure (a number, with separators, a decimal point or a percent sign).
RE_FIGURE = re.compile(r"[0-9０-９][0-9０-９,，.．%％]*")
#: Two characters of one recognised line whose centres are more than this many line heights
#: apart stand in two cells (Chinese characters stand one height apart, digits about half).
SPLIT_GAP = 1.6


@dataclass(frozen=True, slots=True)
class ScannedCell:
    """One cell of a rebuilt table: its text, the page and box it was read from, the lowest
    confidence of its characters, and, for the columns a spanning piece fills after its first,
    the cell it was written in (``origin``: row and column, from 0)."""

    text: str
    page: int
    box: tuple[float, float, float, float]
    confidence: float
    origin: tuple[int, int] | None = None


def _bands(rows: list[list[OcrLine]]) -> list[tuple[float, float]]:
    """The columns: where the pieces of the table's body rows stand, as runs of x covered by two
    pieces or more (so a header the detector read as one piece over two narrow columns, 序号单位名称,
    does not join them), and the runs covered by one piece only that touch no such run (a column
    with one entry)."""
    fullest = max(len(row) for row in rows)
    body = [line for row in rows if len(row) >= max(2, (fullest + 1) // 2) for line in row]
    right = int(max((line.box[2] for line in body), default=0)) + 2
    cover = [0] * right
    for line in body:
        for x in range(max(0, int(line.box[0])), min(right, int(line.box[2]) + 1)):
            cover[x] += 1

    def runs(at_least: int) -> list[tuple[float, float]]:
        found: list[tuple[float, float]] = []
        start = None
        for x, n in enumerate([*cover, 0]):
            if n >= at_least and start is None:
                start = x
            elif n < at_least and start is not None:
                found.append((float(start), float(x - 1)))
                start = None
        return found

    strong = runs(2)
    single = [(a, b) for a, b in runs(1) if not any(a <= d and c <= b for c, d in strong)]
    return sorted(strong + single)


def _columns_of(line: OcrLine, bands: list[tuple[float, float]]) -> list[int]:
    """The columns a piece stands in: those whose centre it covers or that it overlaps by a quarter
    of its or their width (a piece of the body stands in one: the bands are made of them; a title or
    a merged header may stand over several), else the one it overlaps most (``[]``: none)."""
    x0, x1 = line.box[0], line.box[2]
    width = max(x1 - x0, 1.0)
    overlaps = [(min(x1, b) - max(x0, a), i) for i, (a, b) in enumerate(bands)]
    found = [i for (o, i), (a, b) in zip(overlaps, bands)
             if x0 <= (a + b) / 2 <= x1 or (o > 0 and (o >= width / 4 or o >= (b - a) / 4))]
    if found:
        return found
    best = max(overlaps, default=(0.0, -1))
    return [best[1]] if best[0] > 0 else []


def split_pieces(line: OcrLine) -> list[OcrLine]:
    """A recognised line cut where its characters stand far apart: the detector joins the texts
    of neighbouring cells a little over a character apart (``人次  2022年``) into one line; a gap
    of :data:`SPLIT_GAP` line heights between two characters' centres is a cell boundary."""
    if len(line.boxes) != len(line.text) or len(line.text) < 2:
        return [line]
    height = max(line.box[3] - line.box[1], 1.0)
    centres = [(b[0] + b[2]) / 2 for b in line.boxes]
    cuts = [i for i in range(1, len(centres)) if centres[i] - centres[i - 1] > SPLIT_GAP * height]
    return _cut(line, cuts)


def _split_at_bands(line: OcrLine, bands: list[tuple[float, float]]) -> list[OcrLine]:
    """A piece cut where two neighbouring characters stand in two columns more than
    :data:`BAND_GAP` line heights apart (the detector joins centred headers of narrow columns,
    计量单位  统计期间); a character between columns cuts nothing (a merged header over them)."""
    if len(line.boxes) != len(line.text) or len(line.text) < 2:
        return [line]
    height = max(line.box[3] - line.box[1], 1.0)
    centres = [(b[0] + b[2]) / 2 for b in line.boxes]
    band = [next((i for i, (a, b) in enumerate(bands) if a <= c <= b), None) for c in centres]
    cuts = [i for i in range(1, len(centres)) if band[i] is not None and band[i - 1] is not None
            and band[i] != band[i - 1] and centres[i] - centres[i - 1] > BAND_GAP * height]
    return _cut(line, cuts)


def _cut(line: OcrLine, cuts: list[int]) -> list[OcrLine]:
    if not cuts:
        return [line]
    pieces = []
    for a, b in zip([0, *cuts], [*cuts, len(line.text)]):
        text = line.text[a:b]
        if not text.strip():
            continue
        boxes = line.boxes[a:b]
        box = (min(x[0] for x in boxes), line.box[1], max(x[2] for x in boxes), line.box[3])
        chars = line.chars[a:b]
        pieces.append(OcrLine(text, sum(chars) / len(chars) if chars else line.score, line.page, box, chars, boxes))
    return pieces


def _merged_row(row: list[OcrLine], bands: list[tuple[float, float]], body: int) -> ScannedCell | None:
    """A row outside the table's body (fewer than ``body`` pieces) holding no figure, whose one
    text is centred on the table or stands over three columns or more, or whose texts each stand
    over two or more (a title, a 填报单位 line, a section or a note row): one cell across the
    row, as a merged row of a sheet is; else ``None``. Pieces less than a line height apart are
    one text; pieces further apart are joined by two ideographic spaces."""
    if len(row) >= body:
        return None
    texts: list[list[OcrLine]] = []
    for line in row:
        height = line.box[3] - line.box[1]
        if texts and line.box[0] - texts[-1][-1].box[2] < height:
            texts[-1].append(line)
        else:
            texts.append([line])
    spans = []
    for group in texts:
        joined = "".join(l.text for l in group)
        if RE_FIGURE.fullmatch(joined):
            return None
        piece = OcrLine(joined, group[0].score, group[0].page,
                        (group[0].box[0], min(l.box[1] for l in group), group[-1].box[2], max(l.box[3] for l in group)))
        spans.append(len(_columns_of(piece, bands)))
    middle = (min(l.box[0] for l in row) + max(l.box[2] for l in row)) / 2
    centred = abs(middle - (bands[0][0] + bands[-1][1]) / 2) < 0.15 * (bands[-1][1] - bands[0][0])
    if not (len(texts) == 1 and (centred or spans[0] >= 3) or len(texts) > 1 and all(n >= 2 for n in spans)):
        return None
    low = min((l.confidence(i) for l in row for i in range(len(l.text))), default=1.0)
    box = (min(l.box[0] for l in row), min(l.box[1] for l in row),
           max(l.box[2] for l in row), max(l.box[3] for l in row))
    text = "\u3000\u3000".join("".join(l.text for l in group) for group in texts)
    return ScannedCell(text, row[0].page, box, low)


def split_by_ink(line: OcrLine, image: Any) -> list[OcrLine]:
    """A recognised line cut where the page image shows a gap of :data:`INK_GAP` line heights
    without ink inside its box (the detector joins neighbouring cells' texts, 计量单位  统计期间;
    a grid line is not ink for this), each part read again by the recogniser alone. The line as
    it is when it has no such gap, or a part cannot be read."""
    import numpy as np

    x0, y0, x1, y1 = (int(round(v)) for v in line.box)
    height = max(y1 - y0, 1)
    if x1 - x0 < 3 * height or len(line.text) < 2:
        return [line]
    ink = np.asarray(image.crop((x0, y0, x1, y1)).convert("L")) < INK_LEVEL
    ink[ink.mean(axis=1) > 0.7] = False  # a grid line across the box is not text
    counts = ink.sum(axis=0)
    blank = (counts <= max(2, ink.shape[0] // 10)) | (counts > 0.9 * ink.shape[0])  # no stroke there, or a grid line
    gaps: list[tuple[int, int]] = []
    start = None
    for x, empty in enumerate(blank.tolist()):
        if empty and start is None:
            start = x
        elif not empty and start is not None:
            if start > 0 and x - start >= INK_GAP * height:
                gaps.append((start, x))
            start = None
    if not gaps:
        return [line]
    from .ocr import recognise_box

    edges = [0, *(v for gap in gaps for v in gap), x1 - x0]
    parts: list[OcrLine] = []
    for a, b in zip(edges[::2], edges[1::2]):
        part = recognise_box(image, (x0 + a, y0, x0 + b, y1), line.page)
        if part is None:
            return [line]
        if parts and (parts[-1].text.endswith(PAUSES) or part.text.startswith(PAUSES)):
            parts[-1] = _joined(parts[-1], part)  # the gap of a full-width 、，：； is no cell boundary
        else:
            parts.append(part)
    if "".join(part.text for part in parts) != line.text.replace(" ", ""):
        return [line]  # read otherwise in parts: the cut lost or changed a character; keep the line
    return parts


def _joined(left: OcrLine, right: OcrLine) -> OcrLine:
    box = (left.box[0], min(left.box[1], right.box[1]), right.box[2], max(left.box[3], right.box[3]))
    chars = left.chars + right.chars
    return OcrLine(left.text + right.text, sum(chars) / len(chars) if chars else left.score, left.page, box, chars,
                   left.boxes + right.boxes if left.boxes and right.boxes else ())


def rebuild_table(
    lines: list[OcrLine], page: int, image: Any = None
) -> tuple[list[list[ScannedCell | None]] | None, str]:
    """``(grid, why)``: the page's pieces as a grid of cells (``None``: an empty cell), or ``None``
    and the reason no table could be rebuilt. With the page ``image`` (PIL), lines are cut at the
    gaps it shows (:func:`split_by_ink`), else where their characters stand far apart
    (:func:`split_pieces`)."""
    if image is not None:
        lines = [part for line in lines for part in split_by_ink(line, image)]
    rows = layout([piece for line in lines for piece in split_pieces(line)])
    if not rows:
        return None, "no text was recognised on it"
    bands = _bands(rows)
    rows = layout([piece for row in rows for line in row for piece in _split_at_bands(line, bands)])
    multi = sum(1 for row in rows if len(row) >= 2)
    if len(bands) < MIN_COLUMNS or multi < MIN_ROWS:
        return None, (f"its text stands in {len(bands)} column{'s' if len(bands) != 1 else ''} and {multi} "
                      f"row{'s' if multi != 1 else ''} of cells, not a table")
    fullest = max(len(row) for row in rows)
    body = max(2, (fullest + 1) // 2)
    middles = [sum((l.box[1] + l.box[3]) / 2 for l in row) / len(row) for row in rows]
    steps = [b - a for a, b in zip(middles, middles[1:])]
    pitch = statistics.median(steps) if steps else 1.0
    grid: list[list[ScannedCell | None]] = []
    for r, row in enumerate(rows):
        if r:
            grid.extend([None] * len(bands) for _ in range(max(0, round(steps[r - 1] / pitch) - 1)))  # blank rows
        cells: list[ScannedCell | None] = [None] * len(bands)
        merged = _merged_row(row, bands, body)
        if merged is not None:
            copies: list[ScannedCell | None] = [dataclasses.replace(merged, origin=(len(grid), 0)) for _ in bands[1:]]
            grid.append([merged, *copies])
            continue
        for line in row:
            columns = _columns_of(line, bands)
            if not columns:
                return None, f"the text {line.text!r} stands outside every column"
            low = min((line.confidence(i) for i in range(len(line.text))), default=line.score)
            first = columns[0]
            cell = cells[first]
            if cell is not None:  # two pieces in one cell (a wrapped cell, or a gap in the text)
                box = (min(cell.box[0], line.box[0]), min(cell.box[1], line.box[1]),
                       max(cell.box[2], line.box[2]), max(cell.box[3], line.box[3]))
                cells[first] = ScannedCell(cell.text + line.text, page, box, min(cell.confidence, low))
            else:
                cells[first] = ScannedCell(line.text, page, line.box, low)
            for c in columns[1:]:
                cells[c] = ScannedCell(line.text, page, line.box, low, origin=(len(grid), first))
        grid.append(cells)
    _merge_header_cells(grid)
    return grid, ""


def _merge_header_cells(grid: list[list[ScannedCell | None]]) -> None:
    """A two-row header as a sheet merges it: under a header row (three cells or more, no figure)
    a row of sub-headers (some cells, no figure) gets, in each empty cell, the header above it
    (序号 over its two rows); an empty header cell over a sub-header, next to a header cell that
    also has one under it, is that header (完成情况 over 数量 and 金额)."""
    for r in range(len(grid) - 1):
        top, below = grid[r], grid[r + 1]
        written = [c for c in top if c is not None and c.origin is None]
        under = [c for c in below if c is not None]
        if (len(written) < MIN_COLUMNS or not under or len(under) >= len(written)
                or any(c.origin is not None for c in under)
                or any(RE_FIGURE.search(c.text) for c in [*written, *under])):
            continue
        for c, cell in enumerate(top):
            if cell is None and below[c] is not None:
                for n in (c - 1, c + 1):
                    beside = top[n] if 0 <= n < len(top) else None
                    if beside is not None and beside.origin is None and below[n] is not None:
                        top[c] = dataclasses.replace(beside, origin=(r, n))
                        break
        for c, cell in enumerate(below):
            above = top[c]
            if cell is None and above is not None:
                below[c] = dataclasses.replace(above, origin=above.origin if above.origin is not None else (r, c))


Grid = list[list[ScannedCell | None]]


def read_scanned_tables(data: bytes, *, ocr: str | OcrOptions = "auto") -> tuple[list[tuple[str, Grid]], list[str]]:
    """The tables of a scanned ledger (an image file, or a PDF's pages without a text layer):
    ``([(name, grid)], warnings)``, one table a page named ``第N页``; a page without one is a warning.

    Raises:
        DocumentError: OCR is not installed or off, the file cannot be read, or no page holds a
            table (the message says what to do).
    """
    from . import ocr as ocr_module

    options = coerce_mode(ocr)
    pages: list[tuple[int, list[OcrLine], Any]] = []
    warnings: list[str] = []
    kind = ocr_module.image_kind(data, ".bmp" if data.startswith(b"BM") else "")
    if kind is not None:
        ocr_module.need_engine(options.mode, f"the ledger is {kind} (a scan or photo)")
        for number, frame in ocr_module.image_pages(data, kind, max_pages=options.max_pages):
            image = _clean(frame)
            pages.append((number, _recognise(image, number, options, warnings), image))
    else:
        pages = _pdf_pages(data, options, warnings)
    tables: list[tuple[str, list[list[ScannedCell | None]]]] = []
    for number, lines, image in pages:
        grid, why = rebuild_table(lines, number, image) if lines else (None, "no text was recognised on it")
        if grid is None:
            warnings.append(f"page {number} of the scanned ledger was not read: no table could be rebuilt ({why}); "
                            "check the scan (200-300 dpi, straight), or type the table in")
            continue
        doubtful = [f"{_ref(r, c)} ({cell.text})" for r, row in enumerate(grid) for c, cell in enumerate(row)
                    if cell is not None and cell.origin is None and cell.confidence < CONFIDENCE_THRESHOLD
                    and any(ch.isdigit() for ch in cell.text)]
        if doubtful:
            cells = f"{', '.join(doubtful[:10])}{' …' if len(doubtful) > 10 else ''}"
            warnings.append(f"page {number} of the scanned ledger: OCR is unsure of cell{'s' if len(doubtful) > 1 else ''} "
                            f"{cells}; check them against the scan")
        tables.append((f"第{number}页", grid))
    if not tables:
        reason = warnings[-1] if warnings else "it has no page"
        raise DocumentError(f"no table could be read from the scanned ledger: {reason}")
    return tables, warnings


def _ref(r: int, c: int) -> str:
    """A cell's reference as a sheet names it, from 0-based row and column: ``(5, 1)`` → ``B6``
    (the ledger reader's refs; written here so that ledger.tables, which imports this module,
    is not imported back).

    >>> _ref(5, 1), _ref(0, 26)
    ('B6', 'AA1')
    """
    letters, index = "", c + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{r + 1}"


def _clean(image: Any) -> Any:
    """A page image as the table is read from it (and cut at its gaps): RGB, specks removed when
    it has them (:func:`~chanjia_nlp.ocr.despeckle`: a speck beside a lone digit reads as ``3.``)."""
    from .ocr import despeckle

    return despeckle(image)


def _recognise(image: Any, number: int, options: OcrOptions, warnings: list[str]) -> list[OcrLine]:
    from .ocr import OcrTimeout, recognise

    try:
        return recognise(image, number, seconds=options.page_seconds, turn=False)
    except OcrTimeout:
        warnings.append(f"page {number} of the scanned ledger took longer than {options.page_seconds:g} s to read "
                        "by OCR and was not read; re-scan it at 200-300 dpi, or raise --page-timeout")
        return []


def _pdf_pages(data: bytes, options: OcrOptions, warnings: list[str]) -> list[tuple[int, list[OcrLine], Any]]:
    """The OCR'd lines of a PDF's pages without a usable text layer (at most ``max_pages``)."""
    import pypdfium2 as pdfium

    from . import ocr as ocr_module
    from .formats import usable_page_text

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"the file is a PDF that cannot be opened ({exc}), damaged or password-protected; save an "
                            "unprotected copy or print it to PDF again") from exc
    out: list[tuple[int, list[OcrLine], Any]] = []
    texts = 0
    try:
        for number in range(1, len(pdf) + 1):
            page = pdf[number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range().strip()
                finally:
                    textpage.close()
                if usable_page_text(text):
                    texts += 1
                    continue
                ocr_module.need_engine(options.mode, "the ledger is a scanned PDF")
                if len(out) >= options.max_pages:
                    warnings.append(f"only the first {options.max_pages} scanned pages were read by OCR (--max-pages)")
                    break
                image = _clean(ocr_module.render_page(page))
                out.append((number, _recognise(image, number, options, warnings), image))
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"the PDF is damaged ({exc}); open it and save or print it to PDF again") from exc
    finally:
        pdf.close()
    if not out:
        raise DocumentError("the file is a PDF with a text layer, not a scan; chanjia reads 台账 as .xlsx, .xls, .csv, "
                            "tables in .docx, or scans: export the table from the original")
    if texts:
        were = "were" if texts > 1 else "was"
        warnings.append(f"{texts} page{'s' if texts > 1 else ''} of the PDF with a text layer {were} "
                        "not read as a ledger (only scanned pages are)")
    return out
