"""Where a ledger's header is and what each column holds.

The header is the row, among the first :data:`HEADER_SCAN_ROWS`, whose cells name the most column
roles (``lexicons/ledger_columns.yaml``); rows above it are titles, and rows below it that name
units or roles under a group header (``培训情况`` over ``人次 | 金额(万元)``) are sub-headers. A user
can give the columns per sheet instead (see :func:`check_mapping`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from .. import _lexicon
from ..errors import ConfigError, LexiconError
from ..numbers import to_halfwidth
from .fields import parse_period
from .figures import HeaderUnit, header_base, header_unit, parse_figure, to_simplified, unit_word
from .tables import Cell, Table, column_letter

__all__ = [
    "Column", "ColumnMapping", "Layout", "MULTI_ROLES", "ROLES", "check_mapping", "column_words", "find_layout",
    "has_own_text", "header_key", "header_role", "load_mapping", "mapping_hint",
]

#: Column roles, in the order ``Ledger.columns`` lists them.
ROLES = ("index", "subject", "indicator_text", "scope", "value", "money", "target", "rate", "unit", "period",
         "level", "evidence", "note", "ignore")
#: Roles several columns may have: each figure column gives its own ledger row.
MULTI_ROLES = frozenset({"value", "money", "target"})
#: Words of a header that make a figure column a target column (目标人数, 计划完成数).
TARGET_WORDS = ("目标", "计划", "任务数")
#: Keys of a per-sheet mapping besides the roles.
MAPPING_KEYS = ("header",)
#: The reserved top-level mapping key for indicator overrides: {indicator text: id}.
INDICATORS_KEY = "indicators"
HEADER_SCAN_ROWS = 20
MAX_SUB_HEADER_ROWS = 2
RE_LETTERS = re.compile(r"[A-Za-z]{1,3}")
RE_SPACE = re.compile(r"\s+")
#: The unit of a money column whose header states none (金额): yuan.
MONEY_UNIT = HeaderUnit("元", "元", Decimal(1), "money", "CNY")


@dataclass(frozen=True, slots=True)
class _ColumnWords:
    words: Mapping[str, str]  # header word → role ("ambiguous" for 单位)
    by_length: tuple[str, ...]
    totals: tuple[str, ...]
    notes: tuple[str, ...]
    blanks: frozenset[str]


@functools.cache
def column_words() -> _ColumnWords:
    """``lexicons/ledger_columns.yaml``, checked: every role known, no word under two roles."""
    name = "ledger_columns.yaml"
    data = _lexicon.read_yaml(name)
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        raise LexiconError(name, 0, "expected a mapping with `roles`, `ambiguous`, `totals`, `notes`, `blanks`")
    for key in ("ambiguous", "totals", "notes", "blanks"):
        if not all(isinstance(w, str) for w in data.get(key) or ()):
            raise LexiconError(name, 0, f"`{key}` must be a list of strings (quote words with a colon: \"注:\")")
    words: dict[str, str] = {}
    for role, role_words in data["roles"].items():
        if role not in ROLES:
            raise LexiconError(name, 0, f"unknown role {role!r}; valid: {', '.join(ROLES)}")
        for word in role_words:
            key = header_key(str(word))
            if key in words and words[key] != role:
                raise LexiconError(name, 0, f"{word!r} is listed under both {words[key]!r} and {role!r}")
            words[key] = role
    for word in data.get("ambiguous") or ():
        words[header_key(word)] = "ambiguous"
    return _ColumnWords(
        words=MappingProxyType(words),
        by_length=tuple(sorted(words, key=len, reverse=True)),
        totals=tuple(sorted((header_key(w) for w in data.get("totals") or ()), key=len, reverse=True)),
        notes=tuple(sorted((header_key(w) for w in data.get("notes") or ()), key=len, reverse=True)),
        blanks=frozenset(header_key(str(w)) for w in data.get("blanks") or ()),
    )


@functools.lru_cache(maxsize=16384)
def header_key(text: str) -> str:
    """Header text as compared: half-width, simplified, without spaces."""
    return RE_SPACE.sub("", to_simplified(to_halfwidth(text)))


def header_role(text: str) -> str | None:
    """The role a header names: its exact word, else a unit it states (``数量（人次）`` → value,
    ``金额(万元)`` → money), else the longest word it contains (``单位`` only as a whole word).

    >>> header_role("单位名称"), header_role("金额（万元）"), header_role("培训人次"), header_role("单位")
    ('subject', 'money', 'value', 'ambiguous')
    """
    key = header_key(text)
    if not key:
        return None
    lexicon = column_words()
    base = header_key(header_base(text))
    for candidate in (key, base):
        if candidate in lexicon.words:
            return lexicon.words[candidate]
    unit = header_unit(text)
    if any(lexicon.words[w] == "rate" and w in key for w in lexicon.by_length):
        return "rate"  # 年度完成率: checked against completed ÷ target, never a value
    if any(w in key for w in TARGET_WORDS) and (unit is not None or base.endswith(("数", "值", "额", "量"))):
        return "target"  # 目标人数, 计划培训人次（人次）: planned, compared with the reports' targets
    ignore = next((w for w in lexicon.by_length if lexicon.words[w] == "ignore" and w in key), None)
    if ignore is not None:
        return "ignore"  # 目标任务 (in words), 联系电话
    if unit is not None:
        return "money" if unit.kind == "money" or _contains_role(base, "money") else "value"
    for word in lexicon.by_length:
        if word in key and lexicon.words[word] != "ambiguous":
            return lexicon.words[word]
    if base.endswith(("数", "率", "额")) and len(base) >= 2:
        return "money" if base.endswith("额") else "value"  # 建会数, 入会率, 发放额
    return None


def _contains_role(text: str, role: str) -> bool:
    lexicon = column_words()
    return any(lexicon.words[w] == role and w in text for w in lexicon.by_length)


def _trailing_unit(text: str) -> HeaderUnit | None:
    """A count unit of two or more characters ending a header: ``培训人次`` → 人次."""
    key = header_key(header_base(text))
    for size in (3, 2):
        if len(key) > size:
            found = unit_word(key[-size:])
            if found is not None and found.kind in ("count", "duration") and len(found.text) >= 2:
                return found
    return None


@dataclass(frozen=True, slots=True)
class Column:
    """A column with a role, and what its header says."""

    index: int
    """0-based column number."""
    role: str
    header: str
    """The header as written; a group header and its sub-header joined by a space."""
    ref: str
    """The header cell that names it (the lowest header row with text)."""
    unit: HeaderUnit | None = None
    label: str | None = None
    """The header without its unit and generic words: what a figure column counts (培训情况)."""
    period: str | None = None
    """The period a header states (a ``2023年`` column)."""

    @property
    def letter(self) -> str:
        return column_letter(self.index + 1)


@dataclass(frozen=True, slots=True)
class Layout:
    """A sheet's header rows, column roles and title rows."""

    header_rows: tuple[int, ...]
    """0-based rows of the header (one, or a group header and its sub-headers)."""
    columns: tuple[Column, ...]
    titles: tuple[Cell, ...] = ()
    """The text cells above the header (a merged title: 2023年度惠山区产改工作台账)."""
    headers: dict[int, str] = field(default_factory=dict)
    """Every column's header text, by 0-based column, for messages and mapping by header."""

    @property
    def figures(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role in MULTI_ROLES)

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1

    def as_mapping(self) -> dict[str, object]:
        """Role → column letter (a list for ``value`` and ``money``), and the header row (1-based):
        what a mapping file may give back to override it."""
        out: dict[str, object] = {"header": self.header_rows[-1] + 1}
        for role in ROLES:
            letters = [c.letter for c in self.columns if c.role == role]
            if letters and role != "ignore":
                out[role] = letters if role in MULTI_ROLES else letters[0]
        return out


def has_own_text(cell: Cell, row: int) -> bool:
    """A cell with text that is not a horizontal repeat of a merged title or group header (the
    lower part of a vertical merge counts: a two-row 单位 header)."""
    return bool(cell.text) and (cell.origin is None or _origin_row(cell) != row)


def _origin_row(cell: Cell) -> int:
    return int(re.sub(r"^[A-Z]+", "", cell.origin or cell.ref)) - 1


def _row_roles(row: Sequence[Cell], r: int) -> set[str]:
    """The roles a row's own cells name (a merged cell counts once, in its first row)."""
    roles = set()
    for cell in row:
        if cell.text and cell.origin is None:
            role = header_role(cell.text)
            if role is not None and role != "ignore":
                roles.add(role)
    return roles


def _has_figure(row: Sequence[Cell]) -> bool:
    return any(cell.text and cell.origin is None and parse_figure(cell.text) is not None for cell in row)


def find_layout(table: Table, mapping: Mapping[str, object] | None = None) -> tuple[Layout | None, list[str]]:
    """The layout of a table, and warnings; ``None`` when no header is found.

    ``mapping`` (checked by :func:`check_mapping`) overrides roles: ``{"value": "F", "subject":
    "单位名称", "header": 3}``.
    """
    warnings: list[str] = []
    rows = table.rows
    mapping = dict(mapping or {})
    header_row = mapping.pop("header", None)
    if header_row is not None:
        first = int(cast(Any, header_row)) - 1  # an int or digits: the mapping file was checked
        if not 0 <= first < len(rows):
            raise ConfigError(
                f"{_sheet(table)}: the mapping's header row {header_row} is past its last row, {len(rows)}"
            )
        header_rows = [first]
    else:
        scores = [(len(_row_roles(row, r)), -r) for r, row in enumerate(rows[:HEADER_SCAN_ROWS])]
        best = max(scores, default=(0, 0))
        if best[0] < 2:
            if not mapping:
                return None, warnings
            header_rows = [_mapped_header_row(table, mapping, -best[1])]
        else:
            header_rows = [-best[1]]
            while len(header_rows) <= MAX_SUB_HEADER_ROWS and _is_sub_header(rows, header_rows[-1]):
                header_rows.append(header_rows[-1] + 1)
    headers, refs, parts_of = _combined_headers(rows, header_rows)
    columns: list[Column] = []
    for c, header in headers.items():
        parts = parts_of[c]
        role = header_role(parts[-1]) or header_role(header)
        period = None
        if role is None and parse_period(parts[-1]) is not None:
            role, period = "value", parse_period(parts[-1])  # a 2023年 column of figures
        if role == "ambiguous":
            role = "unit" if _mostly_units(rows, header_rows[-1] + 1, c) else "subject"
        if role is None:
            continue
        columns.append(_column(c, role, header, refs[c], parts, period))
    columns = _single_roles(columns)
    if mapping:
        columns = _override(table, columns, mapping, headers, refs, parts_of)
    titles = tuple(
        cell for r in range(0, header_rows[0]) for cell in rows[r] if cell.text and has_own_text(cell, r)
    )
    layout = Layout(tuple(header_rows), tuple(sorted(columns, key=lambda c: c.index)), titles, headers)
    if not layout.figures:
        warnings.append(
            f"{_sheet(table)}: the header in row {header_rows[-1] + 1} names no figure column (数量, 金额, 人次…); "
            + mapping_hint(table.name, {"value": "<column letter or header>"})
        )
        return None, warnings
    warnings.extend(_unread_figure_columns(table, layout))
    return layout, warnings


def _sheet(table: Table) -> str:
    return f"sheet {table.name!r}" if table.name is not None else "the csv file"


def _mapped_header_row(table: Table, mapping: Mapping[str, object], likeliest: int) -> int:
    """The header row when only a mapping names the columns: the row holding a header text it
    gives, else the row above the first figure in a column it gives by letter."""
    specs = [str(s) for spec in mapping.values() for s in _as_list(spec)]
    named = [s for s in specs if not RE_LETTERS.fullmatch(s)]
    texts = [header_key(s) for s in named]
    for r, row in enumerate(table.rows[:HEADER_SCAN_ROWS]):
        if texts and any(header_key(cell.text) in texts for cell in row if cell.text):
            return r
    if texts:
        row = table.rows[likeliest] if table.rows else ()
        found = ", ".join(f"{cell.ref.rstrip('0123456789')}={cell.text!r}" for cell in row if cell.text) or "none"
        raise ConfigError(
            f"{_sheet(table)}: the mapping names column {named[0]!r}, "
            f"which no row of its first {HEADER_SCAN_ROWS} holds; the headers found are: {found}; "
            + mapping_hint(table.name, {"value": "<column letter>"})
        )
    indices = [_letter_index(str(s)) for role, spec in mapping.items() if role in MULTI_ROLES for s in _as_list(spec)]
    for r, row in enumerate(table.rows):
        if any(i < len(row) and parse_figure(row[i].text) is not None for i in indices):
            return max(r - 1, 0)
    raise ConfigError(
        f"{_sheet(table)}: no header row was found and the mapped figure columns hold no figures; "
        "give the header row: " + mapping_hint(table.name, {"header": "<row number>"})
    )


def _is_sub_header(rows: Sequence[Sequence[Cell]], r: int) -> bool:
    """Whether row ``r + 1`` continues the header in row ``r``: it names units or roles under
    empty or merged cells of row ``r`` and holds no figures."""
    if r + 1 >= len(rows):
        return False
    above, below = rows[r], rows[r + 1]
    if _has_figure(below):
        return False
    for c, cell in enumerate(below):
        if not cell.text or (cell.origin is not None and _origin_row(cell) != r + 1):
            continue  # empty, or the lower half of a vertically merged header
        if header_role(cell.text) is None and unit_word(cell.text) is None:
            continue
        top = above[c]
        grouped = not top.text or (top.origin is not None and _origin_row(top) == r)
        grouped = grouped or (c + 1 < len(above) and above[c + 1].origin == top.ref)
        if grouped:
            return True
    return False


def _combined_headers(rows, header_rows):
    """Each column's header text (group and sub-header joined), the cell that names it, and its
    parts. A group header written once over empty cells (csv) covers the sub-headers under them."""
    width = len(rows[header_rows[0]]) if rows else 0
    grid = [[rows[r][c].text.strip() for c in range(width)] for r in header_rows]
    for level in range(len(grid) - 1):  # csv: 培训情况,, over 人次,金额(万元)
        for c in range(1, width):
            if not grid[level][c] and grid[level + 1][c] and grid[level][c - 1] and grid[level + 1][c - 1]:
                grid[level][c] = grid[level][c - 1]
    headers, refs, parts_of = {}, {}, {}
    for c in range(width):
        parts: list[str] = []
        ref = None
        for level, r in enumerate(header_rows):
            text = grid[level][c]
            if text and (not parts or parts[-1] != text):
                parts.append(text)
            if text:
                cell = rows[r][c]
                ref = cell.origin if cell.origin and _origin_row(cell) != r else cell.ref
        if parts:
            headers[c] = " ".join(parts)
            refs[c] = ref
            parts_of[c] = parts
    return headers, refs, parts_of


def _mostly_units(rows, start: int, c: int) -> bool:
    """Whether a 单位 column holds unit words (人次, 万元), not organisations."""
    texts = [row[c].text for row in rows[start:start + 200] if c < len(row) and row[c].text]
    return bool(texts) and sum(unit_word(t) is not None for t in texts) >= 0.6 * len(texts)


def _column(c: int, role: str, header: str, ref: str, parts: Sequence[str], period: str | None) -> Column:
    unit = None
    label = None
    if role in MULTI_ROLES:
        unit = header_unit(parts[-1]) or header_unit(header) or _trailing_unit(parts[-1])
        if role == "money" and unit is None:
            unit = MONEY_UNIT
        kept = [header_base(p) for p in parts]
        label = " ".join(p for p in kept if p and not _generic_figure_word(p) and parse_period(p) is None) or None
    return Column(c, role, header, ref, unit, label, period)


def _generic_figure_word(text: str) -> bool:
    """A header word that says a column holds figures but not of what (数量, 金额, 完成数), unlike
    慰问金额, which names an indicator."""
    from .indicators import alias_match

    key = header_key(text)
    return column_words().words.get(key) in MULTI_ROLES and alias_match(key, None, None)[0] is None


def _single_roles(columns: list[Column]) -> list[Column]:
    """One column per single role: the leftmost keeps it."""
    seen: set[str] = set()
    out = []
    for column in columns:
        if column.role in MULTI_ROLES or column.role not in seen:
            out.append(column)
            seen.add(column.role)
    return out


def _as_list(spec: object) -> list[object]:
    if spec is None:
        return []
    return list(spec) if isinstance(spec, (list, tuple)) else [spec]


def _letter_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _override(table, columns, mapping, headers, refs, parts_of) -> list[Column]:
    """Apply a sheet's mapping: each role given replaces the inferred columns of that role, and a
    column given a role loses the one inferred for it."""
    width = max((len(row) for row in table.rows), default=0)
    assigned: list[tuple[str, int]] = []
    for role, spec in mapping.items():
        for item in _as_list(spec):
            assigned.append((role, _resolve(table, str(item), headers, width)))
    taken = {c for _, c in assigned}
    roles = {role for role, _ in assigned}
    kept = [col for col in columns if col.role not in roles and col.index not in taken]
    for role, c in assigned:
        header = headers.get(c, "")
        parts = parts_of.get(c, [header])
        kept.append(_column(c, role, header, refs.get(c, f"{column_letter(c + 1)}1"), parts,
                            parse_period(parts[-1]) if role in MULTI_ROLES else None))
    return kept


def _resolve(table: Table, spec: str, headers: Mapping[int, str], width: int) -> int:
    """A column given by letter (``F``) or by header text (``金额（万元）``)."""
    key = header_key(spec)
    for c, header in headers.items():
        if header_key(header) == key or any(header_key(p) == key for p in header.split(" ")):
            return c
    if RE_LETTERS.fullmatch(spec) and _letter_index(spec) < max(width, 1):
        return _letter_index(spec)
    found = ", ".join(f"{column_letter(c + 1)}={h!r}" for c, h in headers.items()) or "none"
    raise ConfigError(
        f"{_sheet(table)}: the mapping names column {spec!r}, which is neither a column letter within "
        f"A–{column_letter(max(width, 1))} nor a header; the headers found are: {found}; "
        + mapping_hint(table.name, {"value": "<column letter>"})
    )


def _unread_figure_columns(table: Table, layout: Layout) -> list[str]:
    """Warn about columns with no role whose cells are mostly figures: a header we did not know."""
    used = {c.index for c in layout.columns}
    out = []
    for c, header in layout.headers.items():
        if c in used:
            continue
        texts = [row[c].text for row in table.rows[layout.data_start:] if c < len(row) and row[c].text]
        if len(texts) >= 2 and sum(parse_figure(t) is not None for t in texts) >= 0.8 * len(texts):
            out.append(
                f"{_sheet(table)}: column {column_letter(c + 1)} ({header!r}) holds figures but its header names no "
                f"role, so it was not read; " + mapping_hint(table.name, {"value": column_letter(c + 1)})
            )
    return out


# --- mapping files -----------------------------------------------------------------------------


def mapping_hint(sheet: str | None, example: Mapping[str, object]) -> str:
    """What to do about columns the reader could not name, on one line: the YAML of a mapping
    file for ``chanjia check --mapping`` (the same dict is ``mapping=`` in Python), and the roles.

    >>> mapping_hint("Sheet1", {"value": "F"})
    'map the columns in a YAML file passed with --mapping FILE.yaml (mapping= in Python), e.g. "Sheet1": {value: F, subject: <column>, indicator_text: <column>}; roles: index, subject, indicator_text, scope, value, money, target, rate, unit, period, level, evidence, note, ignore, and header: <row number>'
    """
    key = json.dumps(sheet if sheet is not None else "*", ensure_ascii=False)
    items = {**example}
    for role in ("subject", "indicator_text"):
        items.setdefault(role, "<column>")
    shown = ", ".join(f"{role}: {value}" for role, value in items.items())
    return (f"map the columns in a YAML file passed with --mapping FILE.yaml (mapping= in Python), e.g. {key}: "
            f"{{{shown}}}; roles: {', '.join(ROLES)}, and header: <row number>")


@dataclass(frozen=True)
class ColumnMapping:
    """A checked mapping: per sheet (``"*"`` for all) role → column, and indicator overrides."""

    sheets: dict[str, dict[str, object]] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)
    """Indicator text (as :func:`header_key` compares it) → id."""

    def for_sheet(self, name: str | None) -> dict[str, object]:
        """The roles for one sheet: its own over those given for every sheet."""
        every = self.sheets.get("*", {})
        return {**every, **self.sheets.get(name, {})} if name is not None else dict(every)


def load_mapping(mapping: str | Path | Mapping[str, object] | None) -> ColumnMapping:
    """A column mapping from a YAML or JSON file, or a dict: ``{sheet or "*": {role: column}}``,
    a flat ``{role: column}`` (for every sheet), and ``indicators: {text: id}``. Checked at once.

    Raises:
        ConfigError: unreadable file, unknown role or indicator id; the message lists the valid ones.
    """
    if mapping is None:
        return ColumnMapping()
    if isinstance(mapping, (str, Path)):
        path = Path(mapping)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"cannot read the mapping file {str(path)!r} ({exc.strerror}); check the path") from None
        import yaml

        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:  # json.JSONDecodeError is a ValueError
            raise ConfigError(
                f"the mapping file {str(path)!r} is not valid YAML/JSON ({type(exc).__name__}); fix it"
            ) from None
    else:
        data = mapping
    return check_mapping(data)


def check_mapping(data: object) -> ColumnMapping:
    """Check a mapping's shape, roles and indicator ids."""
    if not isinstance(data, Mapping):
        raise ConfigError("a ledger mapping must be a mapping of sheet name (or '*') to {role: column}")
    data = dict(data)
    sheets: dict[str, dict[str, object]] = {}
    overrides: dict[str, str] = {}
    indicators = data.pop(INDICATORS_KEY, None) or {}
    if not isinstance(indicators, Mapping):
        raise ConfigError("`indicators` in a ledger mapping must map indicator texts to indicator ids")
    if indicators:
        from .. import _lexicon

        valid = _lexicon.indicators().ids
        for text, ident in indicators.items():
            if ident not in valid:
                raise ConfigError(f"the mapping maps {text!r} to {ident!r}, which is no indicator id; "
                                  f"it must be one of: {', '.join(valid)}")
        overrides = {header_key(str(k)): str(v) for k, v in indicators.items()}
    if data and not all(isinstance(value, Mapping) for value in data.values()):
        data = {"*": data}  # a flat {role: column} mapping applies to every sheet
    for sheet, roles in data.items():
        if not isinstance(roles, Mapping):
            raise ConfigError(f"the mapping for sheet {sheet!r} must be {{role: column}}, not {type(roles).__name__}")
        for role, spec in roles.items():
            if role not in ROLES and role not in MAPPING_KEYS:
                raise ConfigError(
                    f"the mapping for sheet {sheet!r} names the unknown role {role!r}; "
                    f"valid roles: {', '.join(ROLES + MAPPING_KEYS)}"
                )
            if role == "header":
                if not isinstance(spec, int) or spec < 1:
                    raise ConfigError(
                        f"the mapping's header for sheet {sheet!r} must be a row number from 1, not {spec!r}"
                    )
            elif role not in MULTI_ROLES and isinstance(spec, (list, tuple)) and len(spec) != 1:
                raise ConfigError(f"the mapping gives {role!r} several columns for sheet {sheet!r}; only "
                                  f"{', '.join(sorted(MULTI_ROLES))} may have several")
        sheets[str(sheet)] = dict(roles)
    return ColumnMapping(sheets, overrides)
