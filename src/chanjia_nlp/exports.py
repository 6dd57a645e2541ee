"""Files assessors open: CSV that Excel reads, workbooks with numbers as numbers, and Parquet
files of one fixed schema.

* **CSV** is written in UTF-8 with a byte-order mark (:data:`CSV_ENCODING`, ``utf-8-sig``): Excel
  on a Chinese Windows reads a CSV without one as GBK and shows the Chinese garbled. Every CSV
  file chanjia writes (``extract --out x.csv``, ``claims``, ``table``, ``check --out``) uses it;
  CSV written to standard output has no mark (a pipe is read by programs, not by Excel).
* **XLSX** cells of figures are numbers, not text, each with a number format for its unit
  (:func:`number_format`): money in yuan with thousands separators and 元 (``1,234,567.5元``),
  percentages as percentages (12.6% is the number 0.126 shown ``12.6%``), counts with their
  unit (``1,200人次``). No text cell is a formula (:func:`chanjia_nlp.outputs.spreadsheet_text`).
* **Parquet** columns have one type whatever the rows hold (:func:`parquet_schema`): figures
  (``value``, ``low``, ``high``, ``ledger_value``) are ``decimal128(38, 6)`` — exact to six decimal
  places, rounded half-even beyond (no figure of a report has more); counts, offsets and years
  ``int64``; flags ``bool``; everything else ``string`` (nested values as JSON text). Two exports
  of the same command therefore concatenate (``pyarrow.concat_tables``) without casting.

>>> number_format("money", "元", "CNY", Decimal("2650000"))
'#,##0"元"'
>>> number_format("percent", "%", None, Decimal("12.6"))
'0.0%'
>>> xlsx_number(Decimal("12.6"), "percent")
0.126
>>> number_format("count", "人次", None, Decimal("1200"))
'#,##0"人次"'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .outputs import atomic_path, spreadsheet_text

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "CSV_ENCODING", "DECIMAL_PRECISION", "DECIMAL_SCALE", "number_format", "parquet_decimal", "parquet_schema",
    "sheet_text", "write_parquet", "xlsx_number",
]

#: The encoding of every CSV file chanjia writes: UTF-8 with a byte-order mark, so Excel reads it.
CSV_ENCODING = "utf-8-sig"
#: The Parquet type of every figure column: decimal128(DECIMAL_PRECISION, DECIMAL_SCALE).
DECIMAL_PRECISION, DECIMAL_SCALE = 38, 6
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)
_CELL_LIMIT = 32767
_HUNDRED = Decimal(100)
RE_UNSAFE_UNIT = re.compile(r'["\\;\[\]@#0?*_]')


def _places(value: Decimal | None, most: int = 6) -> int:
    """How many decimal places ``value`` is written with (at most ``most``)."""
    if value is None or not value.is_finite():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return min(max(-int(exponent), 0), most) if isinstance(exponent, int) else 0


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number_format(kind: str | None, unit: str | None, currency: str | None, value: Any) -> str:
    """The Excel number format of a figure: thousands separators and as many decimals as
    ``value`` has; ``元`` after yuan, a percent sign for ``percent`` (the cell holds value / 100),
    ``个百分点`` after percentage points, the unit after other figures."""
    number = _decimal(value)
    places = _places(number, 4 if kind == "percent" else 6)
    if kind == "percent":
        return "0" + ("." + "0" * places if places else "") + "%"
    digits = "#,##0" + ("." + "0" * places if places else "")
    if kind == "money":
        return digits + ('"元"' if (currency or "CNY") == "CNY" else "")
    if kind == "percentage_point":
        return digits + '"个百分点"'
    if unit and len(unit) <= 4 and not RE_UNSAFE_UNIT.search(unit) and kind not in ("ratio", "rank", "score"):
        return digits + f'"{unit}"'
    return digits


def xlsx_number(value: Any, kind: str | None = None) -> int | float | None:
    """A figure as the number a cell holds: an int when whole, else a float; a percentage as
    value / 100 (its format shows it as a percentage). ``None`` for no figure."""
    number = _decimal(value)
    if number is None:
        return None
    if kind == "percent":
        number = number / _HUNDRED
    if number == number.to_integral_value() and abs(number) < Decimal(10) ** 15:
        return int(number)
    return float(number)


def sheet_text(value: Any) -> Any:
    """A text for a workbook cell: without the control characters a workbook may not hold, cut
    to a cell's 32,767 characters, never a formula; anything else as it is."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))[:_CELL_LIMIT]
    return value


def put_number(cell: Any, value: Any, kind: str | None, unit: str | None, currency: str | None) -> None:
    """Write a figure into an openpyxl cell as a number with its format (nothing when no figure)."""
    number = xlsx_number(value, kind)
    if number is None:
        return
    cell.value = number
    cell.number_format = number_format(kind, unit, currency, value)


def no_formulas(sheet: Any) -> None:
    """Keep every cell of a sheet a value: openpyxl makes any text starting with ``=`` a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


# --- Parquet ---------------------------------------------------------------------------------


def parquet_decimal(value: Any) -> Decimal | None:
    """A figure as the Parquet decimal holds it: rounded half-even to :data:`DECIMAL_SCALE` places."""
    number = _decimal(value)
    return None if number is None else number.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def parquet_schema(columns: Sequence[str], *, decimals: Iterable[str] = (), integers: Iterable[str] = (),
                   booleans: Iterable[str] = ()) -> pa.Schema:
    """The fixed schema of an export: the named decimal, integer and boolean columns, strings else."""
    import pyarrow as pa

    decimals, integers, booleans = set(decimals), set(integers), set(booleans)

    def kind(name: str) -> pa.DataType:
        if name in decimals:
            return pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE)
        if name in integers:
            return pa.int64()
        if name in booleans:
            return pa.bool_()
        return pa.string()

    return pa.schema([pa.field(name, kind(name)) for name in columns])


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN: a missing value
        return None
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, dict, tuple)) else False
    except (TypeError, ValueError):
        return False


def write_parquet(frame: pd.DataFrame, out: str | Path, *, decimals: Iterable[str] = (), integers: Iterable[str] = (),
                  booleans: Iterable[str] = ()) -> Path:
    """Write ``frame`` to ``out`` under :func:`parquet_schema` (whole or not at all).

    Raises:
        ConfigError: pyarrow is not installed.
        OutputError: the file cannot be written.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError("Parquet output needs pyarrow; pip install 'chanjia_nlp[parquet]'") from None
    decimals, integers, booleans = list(decimals), list(integers), list(booleans)
    schema = parquet_schema(list(frame.columns), decimals=decimals, integers=integers, booleans=booleans)
    arrays = []
    for field in schema:
        values = [None if _missing(v) else v for v in frame[field.name].tolist()]
        if field.name in decimals:
            values = [parquet_decimal(v) for v in values]
        elif field.name in integers:
            values = [None if v is None else int(v) for v in values]
        elif field.name in booleans:
            values = [None if v is None else bool(v) for v in values]
        else:
            values = [_text(v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    table = pa.Table.from_arrays(arrays, schema=schema)
    out = Path(out)
    with atomic_path(out) as partial:
        pq.write_table(table, partial)
    return out
