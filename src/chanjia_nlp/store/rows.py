"""Record dicts (OUTPUT.md) to table rows and back.

Rows are checked against their table before anything is written, so SQLite (which would keep
``"abc"`` in an INTEGER column) and PostgreSQL refuse the same records, with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, overload

from sqlalchemy import JSON, Boolean, Integer, Table
from sqlalchemy.engine import Row

from ..errors import ConfigError
from .schema import RECORD_TABLES, ExactDecimal, record_fields

__all__ = ["MAPPERS", "RowMapper", "decimal_string"]


@overload
def decimal_string(value: Decimal) -> str: ...


@overload
def decimal_string(value: None) -> None: ...


def decimal_string(value: Decimal | None) -> str | None:
    """A stored decimal as OUTPUT.md writes it: positional notation, every digit kept.

    >>> decimal_string(Decimal("226000.00")), decimal_string(None)
    ('226000.00', None)
    """
    return None if value is None else format(value, "f")


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise TypeError("a decimal string or Decimal (never a float)")
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation:
        raise TypeError("a decimal string or Decimal") from None
    if not number.is_finite():
        raise TypeError("a finite decimal number")
    return number


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an integer")
    return value


def _as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("a string")
    return value


def _as_json(value: Any) -> Any:
    return value


class RowMapper:
    """Maps the records of one type to rows of ``table`` and rows back to records.

    ``to_row`` checks every field against its column (type and NOT NULL) and raises ``ValueError``
    naming the field; fields the table has no column for go to ``extra``, except ``ignore``d ones.
    """

    def __init__(self, table: Table, record_type: str, *, ignore: tuple[str, ...] = ("type",)) -> None:
        self.table = table
        self.record_type = record_type
        self.fields = record_fields(table)
        self._known = frozenset(self.fields) | frozenset(ignore)
        self._checks = tuple(
            (c.name, *_converter(c.type), not c.nullable) for c in table.columns if c.name in self.fields
        )
        self._decimals = tuple(c.name for c in table.columns if isinstance(c.type, ExactDecimal))

    def to_row(self, record: Mapping[str, Any], **fixed: Any) -> dict[str, Any]:
        """The row for ``record``; ``fixed`` values (``doc_id``, ``path``) override the record's."""
        row: dict[str, Any] = dict(fixed)
        get = record.get
        for name, expected, convert, required in self._checks:
            if name in row:
                continue
            value = get(name)
            if type(value) is expected:  # the common case, checked first: this runs for every record
                row[name] = value
            elif value is None:
                if required:
                    raise ConfigError(f"{self._describe(record)} has no {name!r}")
                row[name] = None
            else:
                try:
                    row[name] = convert(value)
                except TypeError as exc:
                    raise ConfigError(f"{self._describe(record)}: {name!r} = {value!r} is not {exc}") from None
        unknown = record.keys() - self._known
        row["extra"] = {key: record[key] for key in record if key in unknown} if unknown else None
        return row

    def to_record(self, row: Row[Any] | Mapping[str, Any]) -> dict[str, Any]:
        """The record dict of a stored row: ``type`` first, then the fields in OUTPUT.md order,
        decimals as strings, then whatever was kept in ``extra``."""
        values = row._mapping if isinstance(row, Row) else row
        record: dict[str, Any] = {"type": self.record_type}
        for name in self.fields:
            record[name] = values[name]
        for name in self._decimals:
            record[name] = decimal_string(record[name])
        if values.get("extra"):
            record.update(values["extra"])
        return record

    def columns(self) -> list[Any]:
        """The columns :meth:`to_record` reads."""
        return [self.table.c[name] for name in (*self.fields, "extra")]

    def _describe(self, record: Mapping[str, Any]) -> str:
        text, start = record.get("text"), record.get("start")
        where = f" {text!r}" if isinstance(text, str) else ""
        where += f" at {start}" if isinstance(start, int) and not isinstance(start, bool) else ""
        return f"the {self.record_type} record{where}"


def _converter(column_type: Any) -> tuple[type | None, Any]:
    """The Python type a column takes as is, and the check for any other value."""
    if isinstance(column_type, ExactDecimal):
        return Decimal, _as_decimal
    if isinstance(column_type, Boolean):
        return bool, _as_bool
    if isinstance(column_type, JSON):
        return None, _as_json
    if isinstance(column_type, Integer):
        return int, _as_int
    return str, _as_str


#: The mapper of each record type (``document``, ``quantity``, ``programme``, ``entity``).
MAPPERS = {kind: RowMapper(table, kind) for kind, table in RECORD_TABLES.items()}
