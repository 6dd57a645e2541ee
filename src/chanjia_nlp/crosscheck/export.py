"""Findings out: JSONL (the full records), CSV and XLSX (one flat row per finding; the workbook has
a summary sheet and one sheet per verdict, which is what assessors open).

Each flat row carries the subject as written and its canonical region (``subject_code``,
``subject_name``), and its evidence twice: ``evidence`` as a person looks it up (``path · 第N段 ·
sentence``, the N-th non-blank line of the document) and ``evidence_location`` as a program does
(``path:start-end (role)``, character offsets). In the workbook ``expected``, ``observed`` and
``gap`` are numbers with the number format of their unit (see :mod:`chanjia_nlp.exports`)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

from ..exports import CSV_ENCODING, no_formulas, put_number, sheet_text
from ..outputs import atomic_file, atomic_path, spreadsheet_text
from ..outputs import format_of as outputs_format_of
from .findings import CHECKS, VERDICTS

__all__ = ["COLUMNS", "FORMATS", "flat_row", "format_of", "summary", "write_findings"]

FORMATS = ("xlsx", "csv", "jsonl")
#: The columns of the CSV and of each verdict sheet, in order.
COLUMNS = (
    "verdict", "check", "subject", "subject_code", "subject_name", "indicator", "period", "ledger_file",
    "ledger_sheet", "ledger_cell", "ledger_value", "reported", "expected", "observed", "gap", "message",
    "evidence_text", "evidence", "evidence_location", "finding_id",
)
#: The columns holding figures: numbers in the workbook.
NUMBER_COLUMNS = ("expected", "observed", "gap")
_WIDTHS = {"message": 70, "evidence_text": 60, "evidence": 70, "evidence_location": 40, "reported": 30,
           "ledger_file": 24}
RE_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def _location(span: Mapping[str, Any]) -> str:
    path = str(span.get("path") or span.get("doc_id") or "?")
    return f"{path}:{span.get('start')}-{span.get('end')} ({span.get('role')})"


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around ``start:end``: from the last 。！？；or line end before it to the next."""
    before = [m.end() for m in RE_SENTENCE_END.finditer(text, 0, start)]
    after = RE_SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0: after.end() if after else len(text)].strip()


def evidence_line(span: Mapping[str, Any], documents: Mapping[Any, str | None] | None = None) -> str:
    """``path · 第N段 · sentence`` for an evidence span: the paragraph (the N-th non-blank line) and
    sentence come from the document's text when ``documents`` ({doc_id: text}) has it; without
    it the span's own sentence (or text) stands, with no paragraph."""
    from ..assessment import paragraph_number

    path = str(span.get("path") or span.get("doc_id") or "?")
    text = (documents or {}).get(span.get("doc_id"))
    start, end = span.get("start"), span.get("end")
    sentence = span.get("sentence") if isinstance(span.get("sentence"), str) else None
    parts = [path]
    if isinstance(text, str) and type(start) is int and type(end) is int and 0 <= start <= end <= len(text):
        number = paragraph_number(text, start)
        if number is not None:
            parts.append(f"第{number}段")
        sentence = sentence or _sentence(text, start, end)
    parts.append(" ".join((sentence or str(span.get("text") or "")).split()))
    return " · ".join(parts)


def flat_row(finding: Mapping[str, Any], documents: Mapping[Any, str | None] | None = None) -> dict[str, Any]:
    """One finding as a flat row of :data:`COLUMNS`: evidence texts and locations one per line
    (``documents``, {doc_id: text}, gives the paragraph numbers of :func:`evidence_line`)."""
    ledger = finding.get("ledger") or {}
    spans = finding.get("evidence") or []
    reported = [s.get("text") or "" for s in spans if s.get("role") in ("supports", "contradicts", "total", "part")]
    return {
        "verdict": finding.get("verdict"),
        "check": finding.get("check"),
        "subject": finding.get("subject"),
        "subject_code": finding.get("subject_code"),
        "subject_name": finding.get("subject_name"),
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
        "evidence": "\n".join(evidence_line(s, documents) for s in spans) or None,
        "evidence_location": "\n".join(_location(s) for s in spans) or None,
        "finding_id": finding.get("finding_id"),
    }


def summary(findings: Iterable[Mapping[str, Any]]) -> Counter:
    """Counts by (check, verdict)."""
    return Counter((f.get("check"), f.get("verdict")) for f in findings)


def format_of(path: Path, fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else the file's suffix (the rule of
    :func:`chanjia_nlp.outputs.format_of`, shared by every command that writes files).

    Raises:
        ConfigError: neither names one of :data:`FORMATS`.
    """
    return outputs_format_of(path, fmt, formats=FORMATS)


def _ordered(findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    rank = {v: i for i, v in enumerate(VERDICTS)}
    check = {c: i for i, c in enumerate(CHECKS)}
    return sorted(findings, key=lambda f: (rank.get(f.get("verdict") or "", 99), check.get(f.get("check") or "", 99)))


def write_findings(findings: Sequence[Mapping[str, Any]], path: str | Path, *, fmt: str | None = None,
                   documents: Mapping[Any, str | None] | None = None) -> Path:
    """Write findings to ``path`` as XLSX, CSV (UTF-8 with a BOM, so Excel reads the Chinese) or
    JSONL, by ``fmt`` or the suffix. Returns the path written. The file is written whole or not
    at all (a temporary file renamed into place); no cell of the CSV or XLSX is a formula (a
    text that a spreadsheet would run gets a leading ``'``, OWASP's rule). ``documents``
    ({doc_id: text}) gives the ``第N段`` of the evidence column.

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
        with atomic_file(path, encoding=CSV_ENCODING, newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            for item in _ordered(findings):
                writer.writerow({name: spreadsheet_text(value) for name, value in flat_row(item, documents).items()})
    else:
        with atomic_path(path) as partial:
            _write_xlsx(findings, partial, documents)
    return path


def _write_xlsx(findings: Sequence[Mapping[str, Any]], path: Path,
                documents: Mapping[Any, str | None] | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    counts = summary(findings)
    verdicts = [v for v in VERDICTS if any(k[1] == v for k in counts)]
    sheet.append(["check", *verdicts, "total"])
    for check in CHECKS:
        tally = [counts.get((check, v), 0) for v in verdicts]
        if any(tally):
            sheet.append([check, *tally, sum(tally)])
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
        for n, item in enumerate(_ordered(f for f in findings if f.get("verdict") == verdict), start=2):
            row = flat_row(item, documents)
            page.append([None if c in NUMBER_COLUMNS else sheet_text(row[c]) for c in COLUMNS])
            for name in NUMBER_COLUMNS:  # numbers, formatted for what they count (元, %, 人次)
                put_number(page.cell(n, COLUMNS.index(name) + 1), row[name], item.get("kind"), item.get("unit"),
                           item.get("currency"))
        for cell in page[1]:
            cell.font = bold
        for i, column in enumerate(COLUMNS, 1):
            page.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(column, 14)
        for row_cells in page.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = wrap
        no_formulas(page)  # never a formula, whatever the text (openpyxl makes "=…" one)
        page.freeze_panes = "A2"
        page.auto_filter.ref = page.dimensions
    save_workbook(book, path)


def save_workbook(book: Any, path: Path) -> None:
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
