"""Figures in the cells of a table written as text: rows of cells split by tabs (how the HTML and
docx readers write a table) or by `` | `` (as tables are often stored from web pages)::

    指 标 | 2010年 | 2009年 |
    基层工会数(个) | 10314 | 9683 |
    工会会员数(人) | 1789570 | 1704293 |

A cell holding only a number is a quantity mention (ANNOTATION.md §1: one number as written) with
the unit its row's label gives in brackets (``(个)``, ``（万元）``: money, with its multiplier).
The quantity grammar reads the words around numbers; a table's numbers have none, so they are
found here. Only in tables: two rows or more of a label cell followed by number cells. Where the
header names no years, a number shaped like a year is a year, no figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .numbers import normalize_decimal
from .records import Kind, Qualifier, Quantity, make_quantity

__all__ = ["Cell", "table_layout", "table_quantities"]

RE_CELL_SPLIT = re.compile(r"\t+| *[|｜] *")
RE_NUMBER_CELL = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
RE_YEAR_CELL = re.compile(r"(?:19|20)[0-9]{2}\s*年?(?:度|末|底)?")
#: The unit a row's label states in brackets: 基层工会数(个), 经费收入（万元）.
RE_LABEL_UNIT = re.compile(r"[(（]\s*([^()（）]{1,4}?)\s*[)）]\s*$")
_MONEY = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000), "千元": Decimal(1000)}
_PERCENT = ("%", "％")
MIN_ROWS = 2  # rows of a label and numbers: one such line is no table


@dataclass(frozen=True, slots=True)
class Cell:
    """A number cell of a table: its column's year (from a header row of years), its row's
    label, and the rows above it in its table (their label spans and first number cells)."""

    year: str | None
    label: tuple[int, int]
    rows_above: tuple[tuple[tuple[int, int], int], ...]  # ((label start, end), first cell start), nearest first


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    block: list[tuple[int, str]] = []
    at = 0
    for line in text.split("\n"):
        if "\t" in line or "|" in line or "｜" in line:
            block.append((at, line))
        else:
            if block:
                yield block
            block = []
        at += len(line) + 1
    if block:
        yield block


def _has_rows(text: str) -> bool:
    return "\t" in text or "|" in text or "｜" in text


def table_quantities(text: str) -> list[Quantity]:
    """The number cells of the tables in ``text``, in order."""
    if not _has_rows(text):
        return []
    out = []
    for label, start, cell, years_in_header, _ in _number_cells(text):
        if not years_in_header and RE_YEAR_CELL.fullmatch(cell):
            continue  # a year, where the columns are no years
        kind, unit, scale, currency = _unit_of(label)
        try:
            value = normalize_decimal(Decimal(cell.replace(",", "")) * scale)
        except InvalidOperation:
            continue
        out.append(make_quantity(
            cell, start, start + len(cell), value, value, value, Qualifier.EXACT, kind, unit, currency, cell,
            False, None, False,
        ))
    return out


def table_layout(text: str) -> dict[int, Cell]:
    """Every number cell of the tables in ``text`` by where it starts (see :class:`Cell`)."""
    if not _has_rows(text):
        return {}
    return {start: cell for _, start, _, _, cell in _number_cells(text)}


def _number_cells(text: str) -> Iterator[tuple[str, int, str, bool, Cell]]:
    """Each number cell of each table: its row's label, its start and text, whether the header
    names years, and its :class:`Cell`."""
    for block in _blocks(text):
        rows = [_cells(start, line) for start, line in block]
        data = [r for r in rows if len(r) >= 2 and not RE_NUMBER_CELL.fullmatch(r[0][1])
                and any(RE_NUMBER_CELL.fullmatch(c) for _, c in r[1:])]
        if len(data) < MIN_ROWS:
            continue
        header = next((r for r in rows if r not in data and len(r) >= 2
                       and all(RE_YEAR_CELL.fullmatch(c) for _, c in r[1:])), None)
        years = [c[:4] for _, c in header[1:]] if header is not None else []
        above: list[tuple[tuple[int, int], int]] = []
        for row in data:
            label = (row[0][0], row[0][0] + len(row[0][1]))
            first = None
            for column, (start, cell) in enumerate(row[1:]):
                if RE_NUMBER_CELL.fullmatch(cell):
                    year = years[column] if column < len(years) else None
                    yield row[0][1], start, cell, header is not None, Cell(year, label, tuple(reversed(above)))
                    first = start if first is None else first
            if first is not None:
                above.append((label, first))


def _cells(start: int, line: str) -> list[tuple[int, str]]:
    """The cells of a row with where each starts in the text."""
    cells, at = [], 0
    for m in RE_CELL_SPLIT.finditer(line):
        cells.append((start + at, line[at : m.start()]))
        at = m.end()
    cells.append((start + at, line[at:]))
    return [(s + len(c) - len(c.lstrip()), c.strip()) for s, c in cells if c.strip()]


def _unit_of(label: str) -> tuple[Kind, str | None, Decimal, str | None]:
    m = RE_LABEL_UNIT.search(label)
    unit = m.group(1) if m else None
    if unit in _MONEY:
        return Kind.MONEY, "元", _MONEY[unit], "CNY"
    if unit in _PERCENT:
        return Kind.PERCENT, "%", Decimal(1), None
    return Kind.COUNT, unit, Decimal(1), None
