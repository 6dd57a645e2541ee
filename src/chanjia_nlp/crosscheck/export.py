"""Findings out: JSONL (the full records), CSV and XLSX (one flat row per finding; the workbook has
a summary sheet and one sheet per verdict, which is what assessors open)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

from ..errors import ConfigError, value_invalid_msg
from ..outputs import atomic_file, atomic_path, spreadsheet_text
from .findings import CHECKS, VERDICTS

__all__ = ["COLUMNS", "FORMATS", "flat_row", "format_of", "summary", "write_findings"]

FORMATS = ("xlsx", "csv", "jsonl")
#: The columns of the CSV and of each verdict sheet, in order.
COLUMNS = (
    "verdict", "check", "subject", "indicator", "period", "ledger_file", "ledger_sheet", "ledger_cell",
    "ledger_value", "reported", "expected", "observed", "gap", "message", "evidence_text", "evidence_location",
    "finding_id",
)
_CELL_LIMIT = 32767
_WIDTHS = {"message": 70, "evidence_text": 60, "evidence_location": 40, "reported": 30, "ledger_file": 24}


def _location(span: Mapping[str, Any]) -> str:
    name = PurePath(str(span.get("path") or span.get("doc_id") or "?")).name
    return f"{name}:{span.get('start')}-{span.get('end')} ({span.get('role')})"


def flat_row(finding: Mapping[str, Any]) -> dict[str, Any]:
    """One finding as a flat row of :data:`COLUMNS`: evidence texts and locations one per line."""
    ledger = finding.get("ledger") or {}
    spans = finding.get("evidence") or []
    reported = [s.get("text") or "" for s in spans if s.get("role") in ("supports", "contradicts", "total", "part")]
    return {
        "verdict": finding.get("verdict"),
        "check": finding.get("check"),
        "subject": finding.get("subject"),
        "indicator": finding.get("indicator"),
        "period": finding.get("period"),
        "ledger_file": PurePath(str(ledger["file"])).name if ledger.get("file") else None,
        "ledger_sheet": ledger.get("sheet"),
        "ledger_cell": ledger.get("cell") or (f"row {ledger['row']}" if ledger.get("row") else None),
        "ledger_value": ledger.get("value"),
        "reported": "; ".join(reported) or None,
        "expected": finding.get("expected"),
        "observed": finding.get("observed"),
        "gap": finding.get("gap"),
        "message": finding.get("message"),
        "evidence_text": "\n".join(s.get("text") or "" for s in spans) or None,
        "evidence_location": "\n".join(_location(s) for s in spans) or None,
        "finding_id": finding.get("finding_id"),
    }


def summary(findings: Iterable[Mapping[str, Any]]) -> Counter:
    """Counts by (check, verdict)."""
    return Counter((f.get("check"), f.get("verdict")) for f in findings)


def format_of(path: Path, fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else the file's suffix.

    Raises:
        ConfigError: neither names one of :data:`FORMATS`.
    """
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ConfigError(value_invalid_msg("format", chosen or str(path), FORMATS) + " Name the file .xlsx, .csv or .jsonl.")
    return chosen


def _ordered(findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    rank = {v: i for i, v in enumerate(VERDICTS)}
    check = {c: i for i, c in enumerate(CHECKS)}
    return sorted(findings, key=lambda f: (rank.get(f.get("verdict"), 99), check.get(f.get("check"), 99)))


def write_findings(findings: Sequence[Mapping[str, Any]], path: str | Path, *, fmt: str | None = None) -> Path:
    """Write findings to ``path`` as XLSX, CSV (UTF-8 with a BOM, so Excel reads the Chinese) or
    JSONL, by ``fmt`` or the suffix. Returns the path written. The file is written whole or not
    at all (a temporary file renamed into place); no cell of the CSV or XLSX is a formula (a
    text that a spreadsheet would run gets a leading ``'``, OWASP's rule).

    Raises:
        ConfigError: the format is not one of :data:`FORMATS`.
        OutputError: the file cannot be written.
    """
    path = Path(path)
    chosen = format_of(path, fmt)
    if chosen == "jsonl":
        with atomic_file(path) as f:
            for item in findings:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    elif chosen == "csv":
        with atomic_file(path, encoding="utf-8-sig", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            for item in _ordered(findings):
                writer.writerow({name: spreadsheet_text(value) for name, value in flat_row(item).items()})
    else:
        with atomic_path(path) as partial:
            _write_xlsx(findings, partial)
    return path


def _write_xlsx(findings: Sequence[Mapping[str, Any]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    def clean(value: Any) -> Any:
        # Control characters from damaged reports are not allowed in a workbook; a cell holds 32,767
        # characters; a text a spreadsheet would run as a formula gets a leading '.
        return spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))[:_CELL_LIMIT] if isinstance(value, str) else value

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    counts = summary(findings)
    verdicts = [v for v in VERDICTS if any(k[1] == v for k in counts)]
    sheet.append(["check", *verdicts, "total"])
    for check in CHECKS:
        row = [counts.get((check, v), 0) for v in verdicts]
        if any(row):
            sheet.append([check, *row, sum(row)])
    sheet.append(["total", *[sum(n for (_, v), n in counts.items() if v == verdict) for verdict in verdicts],
                  sum(counts.values())])
    for cell in sheet[1]:
        cell.font = bold
    sheet.column_dimensions["A"].width = 18
    for i in range(2, len(verdicts) + 3):
        sheet.column_dimensions[get_column_letter(i)].width = 16
    for verdict in verdicts:
        page = book.create_sheet(verdict)
        page.append(list(COLUMNS))
        for item in _ordered(f for f in findings if f.get("verdict") == verdict):
            row = flat_row(item)
            page.append([clean(row[c]) for c in COLUMNS])
        for cell in page[1]:
            cell.font = bold
        for i, column in enumerate(COLUMNS, 1):
            page.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(column, 14)
        for row_cells in page.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = wrap
                if cell.data_type == "f":  # never a formula, whatever the text (openpyxl makes "=…" one)
                    cell.data_type = "s"
        page.freeze_panes = "A2"
        page.auto_filter.ref = page.dimensions
    _save(book, path)


def _save(book: Any, path: Path) -> None:
    """``book.save(path)``; a write that fails inside lxml (openpyxl streams each sheet to a
    temporary file through it: a full disk gives ``SerialisationError: IO_ENOSPC``) raises the
    ``OSError`` it stands for, and the half-written sheet streams lxml leaves behind are closed
    quietly (not as "Exception ignored" tracebacks on standard error)."""
    import errno
    import gc
    import os
    import sys

    from lxml.etree import SerialisationError

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None if isinstance(unraisable.exc_value, SerialisationError) else hook(unraisable)
    failure = None
    try:
        book.save(path)
    except SerialisationError as exc:
        failure = str(exc)  # the exception (and the frames holding the sheet writers) goes here
    finally:
        gc.collect()  # the sheet writers' generators, closed while the quiet hook is in place
        sys.unraisablehook = hook
    if failure is not None:
        code = getattr(errno, failure.removeprefix("IO_"), None)
        raise OSError(code, os.strerror(code)) if isinstance(code, int) else OSError(failure)
