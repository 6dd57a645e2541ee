"""Every check in one call, over records from a JSONL file or the store."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import DocumentError
from .copies import find_copies
from .internal import internal_checks
from .figures import validate_tolerance
from .matching import check_ledger

__all__ = ["database_records", "read_ledgers", "read_records", "run_checks", "save_findings"]


def read_records(path: str | Path) -> tuple[list[dict[str, Any]], int]:
    """The record dicts of a JSONL file ``chanjia extract --out`` wrote, and how many lines were
    skipped because they are not a JSON object.

    Raises:
        DocumentError: the file cannot be read.
    """
    records, skipped = [], 0
    try:
        with Path(path).open(encoding="utf-8-sig", errors="replace") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    skipped += 1
                    continue
                if isinstance(record, dict):
                    records.append(record)
                else:
                    skipped += 1
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read the records ({exc.strerror}); check the path") from exc
    return records, skipped


def read_ledgers(
    paths: Iterable[str | Path],
    *,
    mapping: str | Path | None = None,
    on_error: Callable[[str, str], None] | None = None,
    period: str | None = None,
) -> tuple[list[Any], list[str]]:
    """The rows of every ledger file, and the reader's warnings prefixed with their file.

    ``period`` is the year of sheets without 年度 (see :func:`chanjia_nlp.ledger.read_ledger`).
    ``on_error(path, message)``, when given, is told about a ledger that cannot be read, and the
    others are read on; without it the first such ledger raises.

    Raises:
        ConfigError: a bad mapping.
        DocumentError: a ledger that cannot be read (without ``on_error``).
    """
    from ..ledger import read_ledger

    rows: list[Any] = []
    warnings: list[str] = []
    for path in paths:
        try:
            ledger = read_ledger(path, mapping=mapping, period=period)
        except DocumentError as exc:
            if on_error is None:
                raise
            on_error(str(path), str(exc))
            continue
        rows.extend(ledger.rows)
        warnings.extend(f"{path}: {warning}" for warning in ledger.warnings)
    return rows, warnings


def database_records(db: str, *, schema: str | None = None) -> list[dict[str, Any]]:
    """The current documents (with their text) and quantities of the assessment database, each
    reviewed figure as its latest review decision leaves it (rejected ones left out).

    Raises:
        StoreError: there is no database at ``db``, or it cannot be read.
    """
    from .. import store

    with store.open(db, schema=schema, create=False) as st:
        return list(st.records(types=["document", "quantity"], reviewed=True))  # reviewed values win


def save_findings(db: str, findings: Sequence[Mapping[str, Any]], *, schema: str | None = None,
                  command: str | None = None, ledgers: Sequence[str] = ()) -> str:
    """Store findings in the database as one run (counts by check and verdict as its summary);
    returns the run id. A finding stored before is updated, not added again; the ``ledger``
    findings stored for the files ``ledgers`` (checked again) are replaced by the new ones.

    Raises:
        StoreError: the database refuses the write; nothing was stored.
    """
    from .. import store

    counts = Counter(f"{f.get('check')}:{f.get('verdict')}" for f in findings)
    with store.open(db, schema=schema, create=False) as st:
        run_id = st.begin_run(command=command)
        st.write_findings(findings, run_id=run_id, replace_ledgers=[str(path) for path in ledgers])
        st.end_run(run_id, dict(counts))
    return run_id


def run_checks(
    rows: Iterable[Any],
    records: Iterable[Mapping[str, Any]],
    *,
    money_tolerance: Decimal = Decimal("0.005"),
    internal: bool = True,
    copies: bool = True,
) -> list[dict[str, Any]]:
    """Ledger rows against the records' claims (:func:`.check_ledger`), then, when asked, the
    internal checks (:func:`.internal_checks`) and copied text (:func:`.find_copies`).

    Raises:
        ConfigError: ``money_tolerance`` is not a share in [0, 1).
    """
    money_tolerance = validate_tolerance("money_tolerance", money_tolerance)
    records = list(records)
    rows = list(rows)
    found = check_ledger(rows, records, money_tolerance=money_tolerance) if rows else []
    if internal:
        found.extend(internal_checks(records, money_tolerance=money_tolerance))
    if copies:
        found.extend(find_copies(records))
    return found
