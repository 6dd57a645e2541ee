"""Every check in one call, over records from a JSONL file or the store."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DocumentError
from ..logs import get_logger
from ..outputs import escape_name, shown_name, visible
from .copies import find_copies
from .internal import internal_checks
from .figures import validate_tolerance
from .matching import check_ledger

__all__ = [
    "FAILING", "Checked", "check_into", "database_records", "read_ledgers", "read_records", "run_checks",
    "save_findings",
]

#: Ledger verdicts a ledger row must not have (``chanjia check`` exits 3 on them).
FAILING = ("inconsistent", "unsupported")
_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Checked:
    """What :func:`check_into` did: the findings, the ledgers that could not be read, and where
    the findings went (``database`` as a person may see it: a URL without its password)."""

    findings: list[dict[str, Any]]
    unreadable: list[str]
    out: Path | None = None
    database: str | None = None

    @property
    def failing(self) -> int:
        """Ledger rows whose verdict is one of :data:`FAILING`."""
        return sum(1 for f in self.findings if f.get("check") == "ledger" and f.get("verdict") in FAILING)

    def destinations(self) -> str:
        """``findings.xlsx and chanjia.sqlite``, or nothing when the findings went nowhere."""
        return " and ".join(str(where) for where in (self.out, self.database) if where is not None)


def check_into(
    ledgers: Sequence[str | Path],
    *,
    db: str | None = None,
    schema: str | None = None,
    records: str | Path | None = None,
    mapping: str | Path | None = None,
    period: str | None = None,
    out: str | Path | None = None,
    fmt: str | None = None,
    money_tolerance: Decimal = Decimal("0.005"),
    internal: bool = True,
    copies: bool = True,
    command: str | None = None,
    warn: Callable[[str], Any] | None = None,
) -> Checked:
    """What ``chanjia check`` does, in one call: read the ledgers, the claims (from the JSONL file
    ``records`` or the database ``db``), run every check (:func:`run_checks`), write the findings
    to ``out`` (XLSX, CSV or JSONL by ``fmt`` or the suffix) and store them in ``db``.

    A ledger that cannot be read is told (``error: …`` to ``warn``) and listed in
    :attr:`Checked.unreadable`; the others are checked. ``warn`` gets each line worth telling a
    person (default: the ``chanjia_nlp.crosscheck.run`` logger).

    Raises:
        ConfigError: both or neither of ``db`` and ``records``; a bad format, mapping or tolerance.
        StoreError: the database cannot be read or refuses the findings.
        OutputError: ``out`` cannot be written.
        DocumentError: ``records`` cannot be read.
    """
    from .export import format_of, write_findings

    tell = warn or (lambda line: _log.warning(line.removeprefix("warning: ")))
    if (db is None) == (records is None):
        raise ConfigError("give one source of claims: a database (--db chanjia.sqlite) or records (--records x.jsonl)")
    chosen = format_of(Path(out), fmt) if out is not None else None
    unreadable: list[str] = []

    def failed(path: str, message: str) -> None:  # one line, and the other ledgers are checked
        unreadable.append(path)
        tell(f"error: {shown_name(path)}: {visible(message)}")

    rows, warnings = read_ledgers(ledgers, mapping=mapping, on_error=failed, period=period)
    for warning in warnings:
        tell(f"warning: {visible(escape_name(warning))}")
    if records is not None:
        claims, skipped = read_records(records)
        if skipped:
            lines = ("1 line is not a JSON record and was" if skipped == 1
                     else f"{skipped} lines are not JSON records and were")
            tell(f"warning: {records}: {lines} skipped")
    else:
        claims = database_records(db or "", schema=schema)
    if copies and not any(r.get("type") == "document" and r.get("text") for r in claims):
        tell("warning: the records carry no document text, so copied text was not looked for; "
             "extract the reports again with this version of chanjia")
    found = run_checks(rows, claims, money_tolerance=money_tolerance, internal=internal, copies=copies)
    if out is not None:  # first: a database that refuses the findings (read-only) must not lose the file
        documents = {r.get("doc_id"): r.get("text") for r in claims if r.get("type") == "document"}
        write_findings(found, out, fmt=chosen, documents=documents)
    if db is not None:
        save_findings(db, found, schema=schema, command=command,
                      ledgers=[escape_name(str(path)) for path in ledgers if str(path) not in unreadable])
    return Checked(found, unreadable, Path(out) if out is not None else None, _shown(db) if db is not None else None)


def _shown(db: str) -> str:
    """The database as the user may see it: a URL without its password."""
    if "://" not in db:
        return db
    from sqlalchemy.engine import make_url

    return make_url(db).render_as_string(hide_password=True)


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
