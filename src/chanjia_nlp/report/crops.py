"""Page-image crops beside the figures of scanned documents: the assessor reads the scan itself.

A figure of a document read by OCR (its record's ``ocr`` field, :mod:`chanjia_nlp.ocr`) gets a
``crop``: a small PNG, as a ``data:`` URI, of the page image around its characters (their boxes
in the ``ocr`` field, a line's height of margin above and below and a few characters' width
either side, its characters outlined in red). The page image is made again from the file itself:
the document's ``location``, else its ``path`` (absolute, or under one of ``roots``: the folders
the runs were given, then the working folder), taken only when its bytes are the document's
(their SHA-256 is the ``doc_id``), rendered at the resolution OCR read it at. A document whose
file is not found gets a note instead, and its figures no crop; nothing raises.

Bounds: a crop is at most :data:`CROP_WIDTH` × :data:`CROP_HEIGHT` pixels, 16 grey levels and
red (a few kilobytes), one per figure, and at most :data:`MAX_CROPS` in one report (then a note
says how many were left out), so a report of many scans stays small enough to open.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..ocr import span_boxes

__all__ = ["CROP_HEIGHT", "CROP_WIDTH", "MAX_CROPS", "add_crops"]

#: The largest crop, in pixels (a wider or taller one is scaled down to fit).
CROP_WIDTH = 480
CROP_HEIGHT = 120
#: At most this many crops in one report.
MAX_CROPS = 2000
#: Margin around a figure: this many line heights above and below, and character widths either side.
MARGIN_LINES = 0.6
MARGIN_CHARS = 4
#: Files larger than this are not opened again for crops.
MAX_FILE_BYTES = 200 * 1024 * 1024


def add_crops(
    docs: list[dict[str, Any]], items: list[dict[str, Any]], scans: Mapping[int, Mapping[str, Any]],
    roots: Iterable[str | os.PathLike[str]] = (),
) -> int:
    """Give the figure items of the scanned documents (``scans``: document index → its document
    record, with ``ocr``) their ``crop``; a note on a document whose file is not found. Returns
    the number of crops made."""
    wanted: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        if item.get("type") in ("claim", "quantity") and item.get("doc") in scans and "start" in item and "end" in item:
            wanted.setdefault(item["doc"], []).append(item)
    made = left = 0
    folders = [Path(root) for root in roots]
    for index, figures in wanted.items():
        row = scans[index]
        data = _source(row, folders)
        if data is None:
            if not docs[index].get("note"):
                docs[index]["note"] = (
                    "the scan was not found (or has changed) where it was read, so its figures show no page image; "
                    "write the report where the files are"
                )
            continue
        pages: dict[int, Any] = {}
        try:
            for item in figures:
                if made >= MAX_CROPS:
                    left += 1
                    continue
                found = span_boxes(row.get("ocr"), item["start"], item["end"])
                if not found:
                    continue
                number = found[0][0]
                boxes = [box for page, box in found if page == number]
                if number not in pages:
                    pages = {number: _page_image(data, row, number)}  # one page kept at a time
                image = pages[number]
                if image is None:
                    continue
                item["crop"] = _crop(image, boxes, _scale(row, number, image))
                made += 1
        finally:
            for image in pages.values():
                if image is not None:
                    image.close()
    if left:
        first = next(iter(wanted))
        docs[first]["note"] = f"{left} figures show no page image: a report holds at most {MAX_CROPS} crops"
    return made


def _source(row: Mapping[str, Any], folders: list[Path]) -> bytes | None:
    """The bytes of the document's file, if found with the same bytes (its SHA-256 is ``doc_id``)."""
    doc_id = row.get("doc_id")
    names = [str(row[key]) for key in ("location", "path") if isinstance(row.get(key), str)]
    candidates: list[Path] = []
    for name in names:
        path = Path(name)
        candidates.append(path)
        if not path.is_absolute():
            candidates.extend(folder / path for folder in folders)
    for path in candidates:
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
        except (OSError, ValueError):
            continue
        if hashlib.sha256(data).hexdigest() == doc_id:
            return data
    return None


def _page_info(row: Mapping[str, Any], number: int) -> Mapping[str, Any]:
    ocr = row.get("ocr")
    for page in (ocr.get("pages") or ()) if isinstance(ocr, Mapping) else ():
        if isinstance(page, Mapping) and page.get("page") == number:
            return page
    return {}


def _page_image(data: bytes, row: Mapping[str, Any], number: int) -> Any:
    """Page ``number`` (from 1) of the file as a greyscale PIL image, as OCR read it; ``None`` when
    it cannot be made."""
    from PIL import Image

    info = _page_info(row, number)
    try:
        if row.get("format") == "pdf" or data[:1024].find(b"%PDF-") >= 0:
            import pypdfium2 as pdfium

            from ..ocr import RENDER_DPI, render_page

            pdf = pdfium.PdfDocument(data)
            try:
                page = pdf[number - 1]
                try:
                    given = info.get("dpi")
                    dpi = given if isinstance(given, int) and given > 0 else RENDER_DPI
                    return render_page(page, dpi).convert("L")
                finally:
                    page.close()
            finally:
                pdf.close()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(number - 1)
            return image.convert("L")
    except Exception:  # a file that no longer reads as it did: no crop, never a failed report
        return None


def _scale(row: Mapping[str, Any], number: int, image: Any) -> float:
    """Image pixels per OCR pixel (1 unless the page is rendered at another size than OCR saw)."""
    width = _page_info(row, number).get("width")
    return image.width / width if isinstance(width, int) and width > 0 else 1.0


def _crop(image: Any, boxes: list[tuple[float, float, float, float]], scale: float) -> str:
    """The ``data:`` URI of the crop around ``boxes`` (OCR pixels), the boxes outlined."""
    from PIL import Image, ImageDraw

    x0 = min(b[0] for b in boxes) * scale
    y0 = min(b[1] for b in boxes) * scale
    x1 = max(b[2] for b in boxes) * scale
    y1 = max(b[3] for b in boxes) * scale
    height = max(y1 - y0, 8.0)
    left = max(0, int(x0 - MARGIN_CHARS * height))
    top = max(0, int(y0 - MARGIN_LINES * height))
    right = min(image.width, int(x1 + MARGIN_CHARS * height) + 1)
    bottom = min(image.height, int(y1 + MARGIN_LINES * height) + 1)
    piece = image.crop((left, top, max(right, left + 1), max(bottom, top + 1)))
    factor = min(1.0, CROP_WIDTH / piece.width, CROP_HEIGHT / piece.height)
    if factor < 1:
        piece = piece.resize((max(1, round(piece.width * factor)), max(1, round(piece.height * factor))),
                             Image.Resampling.LANCZOS)
    # 16 grey levels and red: a few kilobytes, still readable
    grey = piece.quantize(colors=16, dither=Image.Dither.NONE).convert("RGB")
    draw = ImageDraw.Draw(grey)
    for b in boxes:
        box = [(b[0] * scale - left) * factor - 2, (b[1] * scale - top) * factor - 2,
               (b[2] * scale - left) * factor + 2, (b[3] * scale - top) * factor + 2]
        draw.rectangle(box, outline=(220, 0, 0), width=2)
    out = io.BytesIO()
    grey.quantize(colors=20, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
