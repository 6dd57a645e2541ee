"""``read_ledger``: a 台账 file → :class:`Ledger` rows, one per figure.

Rows are read under the layout :mod:`chanjia_nlp.ledger.layout` finds. Blank rows, note rows
(``注：…``) and section rows (``一、思想政治引领`` across the table) end a block; a 合计/小计 row sums
the rows above it in its block (within its subject when the subject column names one), a grand
total the subtotals above it, and a total written first the rows below it. A subject cell left
empty by merging or by hand is inherited from the row above.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ConfigError, DocumentError
from .fields import parse_level, parse_period, parse_scope
from .figures import Figure, parse_figure, unit_word
from .indicators import IndicatorMatch, map_indicator
from .layout import (
    HEADER_SCAN_ROWS, Column, ColumnMapping, Layout, column_words, find_layout, has_own_text, header_key, load_mapping,
    mapping_hint,
)
from .rows import Ledger, LedgerRow
from .tables import Cell, Table, read_tables

__all__ = ["read_ledger"]

#: A lone text this long, with no figure, is a note even without 注/说明 before it.
NOTE_MIN_CHARS = 40
#: Total words of a subtotal; other total words (合计, 总计) make a grand total.
SUBTOTAL_WORDS = ("小计", "分计")
#: How a section heading row starts: 一、思想政治引领, （二）技能提升.
RE_SECTION = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]")
#: Words before the date a form was filled in (填报日期：2024年1月8日).
FILL_DATE_WORDS = ("填报日期", "填报时间", "填表日期", "填表时间", "制表日期", "制表时间", "报送日期", "报送时间")
#: A form filled in during these months reports the year before (a 2023 台账 filled in in January 2024).
LAST_YEARS_MONTHS = (1, 2)
RE_YEAR_OPTION = re.compile(r"(?:19|20)[0-9]{2}")


def check_period(period: object) -> str | None:
    """``--period`` as a year string, ``None`` kept.

    Raises:
        ConfigError: it is not a year from 1900 to 2099.
    """
    if period is None:
        return None
    text = str(period).strip()
    if not RE_YEAR_OPTION.fullmatch(text):
        raise ConfigError(f"--period (period=) must be a year such as 2023, not {period!r}")
    return text


def read_ledger(path: str | os.PathLike[str], *, mapping: str | Path | Mapping[str, object] | None = None,
                period: int | str | None = None) -> Ledger:
    """Read a 台账 (.xlsx, .xls, .csv, or the tables of a .docx) into one :class:`LedgerRow` per
    figure, with the warnings met and the columns inferred per sheet (``Ledger.columns``; give
    them back, edited, as ``mapping`` to override).

    ``mapping`` is a YAML/JSON file or a dict: ``{"*" or sheet name: {role: column letter or
    header text}}`` with roles ``index subject indicator_text scope value money unit period level
    evidence note ignore`` and optionally ``header`` (the header's row number), plus
    ``indicators: {indicator text: id}`` to fix a mapping.

    Columns: a target column (目标值, 计划数) gives rows with ``target`` set, compared with the
    reports' targets only; a completion-rate column (完成率) is kept in each row's ``cells`` and
    ``raw`` as ``rate`` and checked against completed ÷ target, never read as a value.

    The period of a row: its 年度/期间 cell, else its column header's year (a ``2023年`` column),
    else ``period`` (``--period``), else the year the title, caption or sheet name states, else
    the year of the 填报日期 (a form filled in in January or February reports the year before);
    a warning says which, and a sheet with none of these is compared with every year.

    Raises:
        ConfigError: a bad mapping (unknown role, sheet, column or indicator id), at once.
        DocumentError: a file that is empty, encrypted, damaged, not a spreadsheet, or has no sheet
            with a recognisable header; the one-line message says what to do.
    """
    config = load_mapping(mapping)
    period = check_period(period)
    shown = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DocumentError(
            f"cannot read the ledger {shown!r} ({exc.strerror}); check the path and permissions"
        ) from None
    tables, _, warnings = read_tables(data)
    _check_sheets(config, tables)
    rows: list[LedgerRow] = []
    columns: dict[str, dict[str, object]] = {}
    notes: dict[str, tuple[str, ...]] = {}
    for table in tables:
        key = table.name if table.name is not None else "*"
        layout, found = find_layout(table, config.for_sheet(table.name))
        warnings.extend(found)
        if layout is None:
            if any(cell.text for row in table.rows for cell in row) and not found:
                warnings.append(
                    f"{_where(table)} has no header row naming its columns (指标, 单位, 数量, 金额…) in its "
                    f"first {HEADER_SCAN_ROWS} rows and was not read; "
                    + mapping_hint(table.name, {"value": "<column letter>", "header": "<row number>"})
                )
            continue
        columns[key] = layout.as_mapping()
        sheet = _SheetReader(shown, table, layout, config.indicators, period)
        rows.extend(sheet.read())
        warnings.extend(sheet.warnings)
        if sheet.notes:
            notes[key] = tuple(sheet.notes)
    if not columns:
        reason = warnings[-1] if warnings else "it holds no table"
        raise DocumentError(f"no sheet of the ledger {shown!r} could be read: {reason}")
    return Ledger(tuple(rows), tuple(warnings), columns, notes)


def _check_sheets(config: ColumnMapping, tables: Sequence[Table]) -> None:
    """Every sheet a mapping names must be in the file."""
    names = {t.name for t in tables if t.name is not None}
    for sheet in config.sheets:
        if sheet != "*" and sheet not in names:
            found = ", ".join(repr(n) for n in sorted(names)) or "none (a csv file has one table: use '*')"
            raise ConfigError(f"the mapping names sheet {sheet!r}, which the ledger does not have; its sheets: {found}")


def _where(table: Table) -> str:
    return f"sheet {table.name!r}" if table.name is not None else "the csv file"


@dataclass(slots=True)
class _Entry:
    """What total detection needs to know about one data row."""

    position: int  # in the table's list of entries
    row: int
    block: int
    is_total: bool
    subject: str | None
    subject_is_label: bool  # the total word stands in the subject column: a total over subjects
    subtotal: bool = False  # 小计, as opposed to a grand total (合计, 总计)
    figures: set[int] = field(default_factory=set)  # figure columns with a figure in this row


@dataclass(frozen=True, slots=True)
class _Draft:
    """A ledger row before its indicator, scope, level and total_of are worked out."""

    figure: Figure | None
    kind: str | None
    unit: str | None
    currency: str | None
    indicator_text: str | None
    subject: str | None
    period: str | None
    cells: dict[str, str]
    raw: dict[str, str]


@dataclass
class _SheetReader:
    """Reads the data rows of one table under its layout; collects warnings and note rows."""

    file: str
    table: Table
    layout: Layout
    overrides: Mapping[str, str]
    given_period: str | None = None
    """``--period``: the year of rows whose sheet states none in a 年度 column or header."""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period: tuple[str, str] | None = field(init=False)
    """The period the titles state, and the cell that states it."""
    default_subject: tuple[str, str, bool] | None = field(init=False)
    """Without a subject column: the subject the titles name."""
    unmapped: set[str] = field(default_factory=set)
    """Indicator texts already warned about."""

    roles: dict[str, Column] = field(init=False)
    """The layout's single-role columns by role."""
    boxes: dict[str, tuple[int, float, float, float, float]] = field(init=False)
    """A scanned table's cells: where each is on its page (see :class:`~.tables.Cell`)."""

    def __post_init__(self) -> None:
        self.roles = {c.role: c for c in reversed(self.layout.columns)}
        self.boxes = {cell.ref: cell.box for row in self.table.rows for cell in row if cell.box is not None}
        self.period = self._sheet_period()
        self.default_subject = self._title_subject()
        if "period" not in self.roles and not any(c.period for c in self.layout.figures):
            self._say_period()

    def read(self) -> list[LedgerRow]:
        layout, rows = self.layout, self.table.rows
        entries: list[_Entry] = []
        pending: list[tuple[_Entry, Column | None, _Draft]] = []
        block = 0
        inherited: tuple[str, str] | None = None
        words = column_words()
        header_texts = {c: header_key(h) for c, h in layout.headers.items()}
        for r in range(layout.data_start, len(rows)):
            row = rows[r]
            own = [cell for cell in row if has_own_text(cell, r) or cell.formula]
            if not own:
                block, inherited = block + 1, None
                continue
            kind = self._row_kind(row, own, r, header_texts)
            if kind is not None:
                if kind == "note":
                    self.notes.append(" ".join(dict.fromkeys(cell.text for cell in own)))
                block, inherited = block + 1, None
                continue
            labels = [self._text(row, self.roles.get(role)) for role in ("index", "subject", "indicator_text")]
            labels.append(own[0].text)
            is_total = any(_is_total(text, words.totals) for text in labels if text)
            subtotal = is_total and any(header_key(text).startswith(SUBTOTAL_WORDS) for text in labels if text)
            subject, subject_ref, subject_is_label = self._subject(row, inherited)
            if subject is not None and subject_ref is not None and not subject_is_label:
                inherited = (subject, subject_ref)
            entry = _Entry(len(entries), r + 1, block, is_total, subject, subject_is_label, subtotal)
            entries.append(entry)
            emitted = False
            for column in layout.figures:
                cell = row[column.index]
                if cell.origin is not None:
                    continue  # a merged figure counts once, in the range's first cell
                if not cell.text and not cell.formula or header_key(cell.text) in words.blanks:
                    continue
                draft = self._draft(row, column, cell, subject, subject_ref, is_total)
                if draft.figure is not None and draft.figure.value is not None:
                    entry.figures.add(column.index)
                pending.append((entry, column, draft))
                emitted = True
            indicator_cell = self._cell(row, self.roles.get("indicator_text"))
            if not emitted and not is_total and indicator_cell is not None and has_own_text(indicator_cell, r):
                # an item listed without its figure: kept, so a missing figure can be seen
                pending.append((entry, None, self._draft(row, None, None, subject, subject_ref, False)))
        return _total_indicators([self._finish(entries, entry, column, draft) for entry, column, draft in pending])

    # --- rows ---------------------------------------------------------------------------------

    def _row_kind(self, row: Sequence[Cell], own: Sequence[Cell], r: int, header_texts) -> str | None:
        """``note``, ``section`` or ``header`` (a header repeated on a printed page) for rows that
        hold no data, else ``None``."""
        words = column_words()
        texts = list(dict.fromkeys(cell.text for cell in own if cell.text))
        if texts and all(header_key(t).startswith(words.notes) for t in texts):
            return "note"
        if len(texts) == 1:
            text = texts[0]
            index = self.roles.get("index")
            figure = any(
                parse_figure(cell.text) is not None
                for c, cell in enumerate(row)
                if cell.text and (index is None or c != index.index) and has_own_text(cell, r)
            )
            merged = any(cell.origin is not None and not has_own_text(cell, r) and cell.text == text for cell in row)
            if not figure and len(text) >= NOTE_MIN_CHARS:
                return "note"
            if not figure and (merged or RE_SECTION.match(text)):
                return "section"
        repeats = sum(1 for c, cell in enumerate(row) if cell.text and header_key(cell.text) == header_texts.get(c))
        return "header" if repeats >= 2 else None

    def _cell(self, row: Sequence[Cell], column: Column | None) -> Cell | None:
        return row[column.index] if column is not None and column.index < len(row) else None

    def _text(self, row: Sequence[Cell], column: Column | None) -> str | None:
        cell = self._cell(row, column)
        return cell.text if cell is not None and cell.text else None

    def _subject(self, row: Sequence[Cell], inherited: tuple[str, str] | None) -> tuple[str | None, str | None, bool]:
        """The row's subject, the cell it is written in, and whether that cell holds a total word."""
        column = self.roles.get("subject")
        if column is None:
            return self.default_subject if self.default_subject else (None, None, False)
        cell = row[column.index]
        if cell.text:
            if _is_total(cell.text, column_words().totals):
                return None, cell.origin or cell.ref, True
            return cell.text, cell.origin or cell.ref, False
        if inherited is not None:
            return inherited[0], inherited[1], False
        return None, None, False

    # --- sheet-wide defaults ------------------------------------------------------------------

    def _sheet_period(self) -> tuple[str, str] | None:
        """The one period the titles, caption or sheet name state (2023年度…台账), and where; not
        the date a form was filled in (填报时间：2024年1月)."""
        notes = column_words().notes
        candidates: list[tuple[str | None, str]] = [
            (_before_words(header_key(cell.text), notes), cell.ref) for cell in self.layout.titles]
        candidates += [(self.table.title, "caption"), (self.table.name, "sheet name")]
        for text, ref in candidates:
            period = parse_period(text)
            if period is not None:
                return period, ref
        return None

    def _say_period(self) -> None:
        """For a sheet with no 年度 column: the period its rows get (``--period``, the title's year,
        or the 填报日期's), said in a warning."""
        where = _where(self.table)
        if self.given_period is not None:
            self.period = (self.given_period, "period")
            self.warnings.append(f"{where} has no 年度 column: its figures are read as {self.given_period}, "
                                 "as --period says")
            return
        if self.period is not None:
            year, ref = self.period
            source = f"the {ref}" if ref in ("caption", "sheet name") else f"the title ({ref})"
            self.warnings.append(f"{where} has no 年度 column: its figures are read as {year}, the year of {source}; "
                                 "give --period YEAR to read them as another year")
            return
        filled = self._fill_date()
        if filled is not None:
            (filled_year, month), ref, text = filled
            year_read = filled_year - 1 if month in LAST_YEARS_MONTHS else filled_year
            self.period = (str(year_read), ref)
            why = " (a form filled in in January or February reports the year before)" if year_read != filled_year else ""
            self.warnings.append(f"{where} has no 年度 column: its figures are read as {year_read}, from the 填报日期 "
                                 f"{text!r} in {ref}{why}; give --period YEAR to read them as another year")
            return
        self.warnings.append(f"{where} states no year (no 年度 column, no year in its title, no 填报日期): its figures "
                             "are compared with the reports of every year; give --period YEAR")

    def _fill_date(self) -> tuple[tuple[int, int], str, str] | None:
        """The year and month of the date the form was filled in (填报日期：2024年1月8日), the cell
        and the date as written: after the word in its cell, or in the next cell of the row."""
        for row in self.table.rows:
            for c, cell in enumerate(row):
                key = header_key(cell.text) if cell.text else ""
                word = next((w for w in FILL_DATE_WORDS if w in key), None)
                if word is None:
                    continue
                rest = key.split(word, 1)[1].lstrip(":：")
                texts = [rest] + [other.text for other in row[c + 1:c + 3] if other.text]
                for text in texts:
                    found = parse_period(text)
                    if found is not None:
                        year, _, month = found.partition("-")
                        return (int(year), int(month) if month.isdigit() else 12), cell.ref, text
        return None

    def _title_subject(self) -> tuple[str, str, bool] | None:
        """Without a subject column: the region or organisation the title, caption or sheet name names."""
        from ..entities import extract_entities
        from ..records import EntityLabel

        candidates = [(cell.text, cell.ref) for cell in self.layout.titles]
        if self.table.title:
            candidates.append((self.table.title, "caption"))
        if self.table.name:
            candidates.append((self.table.name, "sheet name"))  # a sheet per district: 惠山区, 江都区
        for text, ref in candidates:
            for entity in extract_entities(text):
                if entity.label in (EntityLabel.ORG, EntityLabel.REGION):
                    return entity.text, ref, False
        return None

    # --- one figure ---------------------------------------------------------------------------

    def _draft(self, row: Sequence[Cell], column: Column | None, cell: Cell | None, subject: str | None,
               subject_ref: str | None, is_total: bool) -> _Draft:
        """What one figure cell (``None``: an item listed without one) and its row say."""
        cells: dict[str, str] = {}
        raw: dict[str, str] = {}
        for role in ("index", "scope", "unit", "period", "level", "evidence", "note", "rate"):
            found = self._cell(row, self.roles.get(role))
            if found is not None and found.text:
                cells[role], raw[role] = found.origin or found.ref, found.text
        if subject is not None and subject_ref is not None:
            cells["subject"], raw["subject"] = subject_ref, subject
        indicator_cell = self._cell(row, self.roles.get("indicator_text"))
        indicator_text = None
        totals = column_words().totals
        if indicator_cell is not None and indicator_cell.text and not _is_total(indicator_cell.text, totals):
            indicator_text = indicator_cell.text
            cells["indicator_text"] = indicator_cell.origin or indicator_cell.ref
            raw["indicator_text"] = indicator_text
        elif column is not None and column.label and (indicator_cell is None or not is_total):
            indicator_text = column.label  # a wide ledger: the column header names what is counted
            cells["indicator_text"], raw["indicator_text"] = column.ref, column.header
        header = column.unit if column is not None else None
        figure = None
        if cell is not None:
            cells["value"], raw["value"] = cell.ref, cell.text
            row_unit = unit_word(raw["unit"]) if "unit" in raw else None
            figure = parse_figure(cell.text, header or row_unit) if cell.text else None
            if cell.formula:
                self.warnings.append(
                    f"{_where(self.table)} cell {cell.ref} holds a formula whose value was never saved; "
                    "open the file in Excel/WPS and save it to keep the computed values"
                )
            elif figure is None:
                self.warnings.append(
                    f"{_where(self.table)} cell {cell.ref}: {cell.text!r} is not one figure; "
                    "the row is kept without a value"
                )
        period = None
        if "period" in raw:
            period = parse_period(raw["period"])
        elif column is not None and column.period is not None:
            period = column.period
            cells["period"] = column.ref
        elif self.period is not None:
            period, ref = self.period
            if ref != "period":  # --period names no cell
                cells["period"] = ref
        return _Draft(
            figure=figure,
            kind=figure.kind if figure else (header.kind if header else None),
            unit=(figure.unit if figure else None) or (header.unit if header else None) or raw.get("unit"),
            currency=figure.currency if figure else (header.currency if header else None),
            indicator_text=indicator_text, subject=subject, period=period, cells=cells, raw=raw,
        )

    def _finish(self, entries: list[_Entry], entry: _Entry, column: Column | None, draft: _Draft) -> LedgerRow:
        figure, raw = draft.figure, draft.raw
        total_of: tuple[int, ...] = ()
        if column is not None and entry.is_total:
            total_of = _total_of(entries, entry.position, column.index)
        match = self._indicator(draft.indicator_text, draft.kind, draft.unit, entry.row)
        scope: str | None
        if "scope" in raw:
            scope = parse_scope(raw["scope"]) or raw["scope"]  # 口径 as written when no rule names it
        else:
            scope = parse_scope(draft.indicator_text)
        level = parse_level(raw["level"]) if "level" in raw else parse_level(draft.indicator_text)
        return LedgerRow(
            file=self.file,
            sheet=self.table.name,
            row=entry.row,
            subject=draft.subject,
            indicator_text=draft.indicator_text,
            indicator=match.indicator,
            indicator_score=match.score,
            indicator_method=match.method,
            scope=scope,
            value=figure.value if figure else None,
            low=figure.low if figure else None,
            high=figure.high if figure else None,
            qualifier=figure.qualifier if figure else "exact",
            precision=figure.precision if figure else None,
            kind=draft.kind,
            unit=draft.unit,
            currency=draft.currency,
            period=draft.period,
            level=level,
            evidence=raw.get("evidence"),
            note=raw.get("note"),
            is_total=entry.is_total,
            total_of=total_of,
            cells=draft.cells,
            raw=raw,
            target=column is not None and column.role == "target",
            boxes={role: self.boxes[ref] for role, ref in draft.cells.items() if ref in self.boxes} or None,
        )

    def _indicator(self, text: str | None, kind: str | None, unit: str | None, row: int) -> IndicatorMatch:
        if text is None:
            return IndicatorMatch(None, 0.0, "none")
        override = self.overrides.get(header_key(text))
        if override is not None:
            return IndicatorMatch(override, 1.0, "override")
        match = map_indicator(text, kind=kind, unit=unit)
        if match.method == "none" and text not in self.unmapped:
            self.unmapped.add(text)
            guess = f" (best guess {match.guess!r}, score {match.score:.2f})" if match.guess else ""
            self.warnings.append(
                f"{_where(self.table)} row {row}: no indicator fits {text!r}{guess}; "
                f"map it in the YAML file of --mapping: indicators: {{{json.dumps(text, ensure_ascii=False)}: <id>}}"
            )
        return match


def _total_indicators(rows: list[LedgerRow]) -> list[LedgerRow]:
    """A total row that names no indicator (小计) counts what all its parts count."""
    by_cell = {(r.row, _column_of(r.cells.get("value"))): r for r in rows}
    out = []
    for row in rows:
        if row.is_total and row.indicator is None and row.indicator_text is None and row.total_of:
            column = _column_of(row.cells.get("value"))
            parts = [by_cell[(n, column)] for n in row.total_of if (n, column) in by_cell]
            ids = {p.indicator for p in parts}
            if len(ids) == 1 and None not in ids:
                methods = {p.indicator_method for p in parts}
                row = replace(
                    row, indicator=ids.pop(), indicator_score=min(p.indicator_score for p in parts),
                    indicator_method=methods.pop() if len(methods) == 1 else "model",
                )
                by_cell[(row.row, column)] = row  # a grand total below reads this subtotal
        out.append(row)
    return out


def _column_of(ref: str | None) -> str | None:
    return ref.rstrip("0123456789") if ref else None


def _before_words(text: str, words: tuple[str, ...]) -> str:
    """``text`` up to the first of ``words`` in it (a title up to its 填报时间)."""
    cut = min((i for i in (text.find(w) for w in words) if i >= 0), default=len(text))
    return text[:cut]


def _is_total(text: str, totals: tuple[str, ...]) -> bool:
    key = header_key(text)
    return bool(key) and key.startswith(totals)


def _total_of(entries: list[_Entry], i: int, column: int) -> tuple[int, ...]:
    """The rows a total sums in one figure column: the rows above it back to the previous
    total or the block's start (within its subject), else the subtotals above it back to the
    previous grand total, else the rows below it (a total written first)."""
    total = entries[i]
    same_subject = total.subject is not None and not total.subject_is_label

    def fits(e: _Entry) -> bool:
        return e.block == total.block and (not same_subject or e.subject == total.subject)

    parts: list[int] = []
    for e in reversed(entries[:i]):
        if e.block != total.block or e.is_total:
            break
        if same_subject and e.subject != total.subject:
            if parts:
                break
            continue
        if column in e.figures:
            parts.append(e.row)
    if not parts and not total.subtotal:  # a grand total under subtotals
        for e in reversed(entries[:i]):
            if e.block != total.block or e.is_total and not e.subtotal:
                break
            if e.is_total and fits(e) and column in e.figures:
                parts.append(e.row)
    if not parts:  # a total written above its parts; a grand total reads past subtotals
        for e in entries[i + 1:]:
            if e.block != total.block or e.is_total and (total.subtotal or not e.subtotal):
                break
            if not e.is_total and fits(e) and column in e.figures:
                parts.append(e.row)
    return tuple(sorted(parts))
