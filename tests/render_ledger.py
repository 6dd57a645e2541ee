"""A 台账 sheet drawn as a printed table would be scanned: each written cell's text in its grid
position (a merged range's text centred over its columns, in its first row; words centred,
figures at the left), with or without grid lines over the table's body, in WenQuanYi Micro Hei;
for the tests of scanned ledgers (tests/test_ocr_ledger.py)."""

from __future__ import annotations

import unicodedata

from PIL import Image, ImageDraw, ImageFont

from chanjia_nlp.ledger.tables import Table

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def draw_table(table: Table, *, grid: bool = True, size: int = 24, row_height: int = 52) -> Image.Image:
    font = ImageFont.truetype(FONT, size)
    rows = table.rows
    width = max(len(row) for row in rows)
    spans: dict[str, list[tuple[int, int]]] = {}  # origin ref → the cells of its range
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            spans.setdefault(cell.origin or cell.ref, []).append((r, c))
    widths = [80] * width
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell.origin is None and len(spans[cell.ref]) == 1 and cell.text:
                widths[c] = max(widths[c], int(font.getlength(cell.text)) + 2 * size)
    xs = [20]
    for w in widths:
        xs.append(xs[-1] + w)
    image = Image.new("RGB", (xs[-1] + 20, 20 + row_height * len(rows) + 20), "white")
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell.origin is not None or not cell.text:
                continue
            cells = spans[cell.ref]
            c0, c1 = min(c for _, c in cells), max(c for _, c in cells)
            r0 = min(r for r, _ in cells)
            left, right = xs[c0], xs[c1 + 1]
            top = 20 + r0 * row_height
            text = cell.text
            # a merged range's text and words centred, figures at the left as typed
            centred = c1 > c0 or not any(ch.isdigit() for ch in text)
            x = (left + right - font.getlength(text)) / 2 if centred else left + size / 2
            draw.text((x, top + (row_height - size) / 2 - 2), text, font=font, fill="black")
    if grid:
        body = next(r for r, row in enumerate(rows) if any(cell.text == "序号" for cell in row))
        bottom = max(r for r, row in enumerate(rows)
                     if sum(1 for cell in row if cell.text and cell.origin is None) >= 3)
        y0, y1 = 20 + body * row_height, 20 + (bottom + 1) * row_height
        for x in xs:
            draw.line([(x, y0), (x, y1)], fill="black", width=2)
        for r in range(body, bottom + 2):
            y = 20 + r * row_height
            draw.line([(xs[0], y), (xs[-1], y)], fill="black", width=2)
    return image


def same_text(a: str, b: str) -> bool:
    """Cell texts equal up to character width and spaces (OCR reads （ as ( and drops 　)."""
    def norm(t: str) -> str:
        return "".join(unicodedata.normalize("NFKC", t).split())
    return norm(a) == norm(b)
