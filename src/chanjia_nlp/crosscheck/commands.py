"""``chanjia check``: ledgers against the reports' claims, plus the internal checks."""

from __future__ import annotations

import shlex
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigError
from ..outputs import escape_name, shown_name, visible
from .export import FORMATS, format_of, summary, write_findings
from .figures import validate_tolerance
from ..ledger.layout import ROLES
from .findings import CHECKS, VERDICTS
from .run import database_records, read_ledgers, read_records, run_checks, save_findings

__all__ = ["check"]


class _Share(click.ParamType):
    """A relative tolerance such as 0.005, as a Decimal in [0, 1)."""

    name = "share"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        try:
            return validate_tolerance(param.name if param else "value", Decimal(str(value)))
        except (InvalidOperation, ConfigError):
            self.fail(f"{value!r} is not a share from 0 up to 1 (0.005 is 0.5%)", param, ctx)


def _print_summary(found: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    if not found:
        click.echo("0 findings")
        return
    counts = summary(found)
    verdicts = [v for v in VERDICTS if any(k[1] == v for k in counts)]
    table = Table(title=f"{len(found)} findings")
    table.add_column("check", no_wrap=True)
    for verdict in verdicts:
        table.add_column(verdict, justify="right", no_wrap=True)
    for name in CHECKS:
        row = [counts.get((name, v), 0) for v in verdicts]
        if any(row):
            table.add_row(name, *[str(n) if n else "" for n in row])
    Console(file=sys.stdout, width=22 + sum(len(v) + 3 for v in verdicts)).print(table)


#: Ledger verdicts that make ``chanjia check`` exit with :data:`EXIT_FINDINGS`.
FAILING = ("inconsistent", "unsupported")
#: The exit code when a ledger row is inconsistent or unsupported (``--no-fail``: 0).
EXIT_FINDINGS = 3
_AGREEING = ("consistent", "consistent_within_qualifier")


def _print_rows(found: list[dict[str, Any]]) -> None:
    """The ledger rows that are not consistent, one line each: cell, values, message."""
    rows = [f for f in found if f.get("check") in ("ledger", "ledger_total", "ledger_rate")
            and f.get("verdict") not in _AGREEING]
    if not rows:
        return
    click.echo(f"{len(rows)} ledger rows not consistent:")
    for f in rows:
        ledger = f.get("ledger") or {}
        cell = "!".join(str(x) for x in (ledger.get("sheet"), ledger.get("cell") or ledger.get("row")) if x) or "?"
        values = f"台账 {ledger.get('value') or f.get('observed') or '?'}"
        if f.get("check") == "ledger" and f.get("expected") is not None:
            values += f", reports {f['expected']}"
        click.echo(f"  {f['verdict']:<12} {cell:<10} {values}: {f.get('message')}")


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ..ledger.reader import check_period

    try:
        return check_period(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("ledgers", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--db", envvar="CHANJIA_DB", metavar="PATH_OR_URL",
    help="Read claims from this database (a SQLite path or a PostgreSQL URL) and store the findings in it. "
    "Default: chanjia.sqlite (or $CHANJIA_DB), unless --records is given.",
)
@click.option("--schema", help="The PostgreSQL schema the --db tables are in.")
@click.option("--records", "records_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read claims from this JSONL file (chanjia extract --out x.jsonl).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A YAML file naming the ledger's columns by role, per sheet: "
              "'Sheet1: {subject: B, indicator_text: C, target: D, value: E, rate: F}' (or '\"*\"' for every "
              "sheet), and 'indicators: {指标文字: indicator_id}'. Roles: " + ", ".join(ROLES) + ".")
@click.option("--period", metavar="YEAR", callback=_period,
              help="The year of sheets with no 年度 column (default: the year of the title, else of the 填报日期).")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Write the findings here ({', '.join('.' + f for f in FORMATS)}).")
@click.option("--money-tolerance", type=_Share(), default="0.005", show_default=True,
              help="Relative rounding threshold for money (0.005 = 0.5%).")
@click.option("--no-internal", is_flag=True, help="Skip the checks of the reports against themselves (sums, shares, conflicts).")
@click.option("--no-copies", is_flag=True, help="Skip the search for text copied between subjects.")
@click.option("--no-fail", is_flag=True,
              help=f"Exit 0 even when a ledger row is {' or '.join(FAILING)} (otherwise {EXIT_FINDINGS}).")
def check(
    ledgers: tuple[Path, ...], db: str | None, schema: str | None, records_path: Path | None, mapping: Path | None,
    period: str | None, out: Path | None, money_tolerance: Decimal, no_internal: bool, no_copies: bool, no_fail: bool,
) -> None:
    """Check 台账 (ledger) files against the claims of the reports, and the reports against
    themselves: totals and their 其中 parts, shares, conflicting figures, copied text.

    Every ledger row gets a verdict (consistent, consistent_within_qualifier, inconsistent,
    unsupported, ambiguous) with the report spans it rests on; claims of the ledger's subjects
    that no row covers are listed as uncovered. Prints a table of the verdicts and, beneath it,
    the ledger rows that are not consistent (cell, values, message); --out writes the findings,
    --db also stores them in the database. Exits 3 when a ledger row is inconsistent or
    unsupported (0 with --no-fail), 2 for bad options.

    Example:

        chanjia check 台账.xlsx --records corpus.jsonl --out findings.xlsx
    """
    if db is not None and records_path is not None:
        raise click.UsageError("give one source of claims: --db chanjia.sqlite or --records x.jsonl, not both")
    if records_path is None:
        db = db or "chanjia.sqlite"
    if schema is not None and db is None:
        raise click.UsageError("--schema names the PostgreSQL schema of --db; give --db too")
    if out is not None:
        try:
            format_of(out)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), param_hint="--out") from None
    failed: list[str] = []

    def unreadable(path: str, message: str) -> None:  # one line, and the other ledgers are checked
        failed.append(path)
        click.echo(f"error: {shown_name(path)}: {visible(message)}", err=True)

    rows, warnings = read_ledgers(ledgers, mapping=mapping, on_error=unreadable, period=period)
    for warning in warnings:
        click.echo(f"warning: {visible(escape_name(warning))}", err=True)
    if records_path is not None:
        records, skipped = read_records(records_path)
        if skipped:
            lines = "1 line is not a JSON record and was" if skipped == 1 else f"{skipped} lines are not JSON records and were"
            click.echo(f"warning: {records_path}: {lines} skipped", err=True)
    else:
        records = database_records(db or "chanjia.sqlite", schema=schema)
    if not no_copies and not any(r.get("type") == "document" and r.get("text") for r in records):
        click.echo("warning: the records carry no document text, so copied text was not looked for; "
                   "extract the reports again with this version of chanjia", err=True)
    found = run_checks(rows, records, money_tolerance=money_tolerance, internal=not no_internal, copies=not no_copies)
    if out is not None:  # first: a database that refuses the findings (read-only) must not lose the file
        documents = {r.get("doc_id"): r.get("text") for r in records if r.get("type") == "document"}
        write_findings(found, out, documents=documents)
    if db is not None:
        save_findings(db, found, schema=schema, command=escape_name(shlex.join(["chanjia", *sys.argv[1:]])),
                      ledgers=[escape_name(str(path)) for path in ledgers if str(path) not in failed])
    _print_summary(found)
    _print_rows(found)
    if out is not None or db is not None:
        where = " and ".join(str(w) for w in (out, db and _shown(db)) if w is not None)
        click.echo(f"{len(found)} findings → {where}", err=True)
    failing = sum(1 for f in found if f.get("check") == "ledger" and f.get("verdict") in FAILING)
    if failing and not no_fail:
        click.echo(f"{failing} ledger rows are {' or '.join(FAILING)}; exit code {EXIT_FINDINGS} "
                   "(--no-fail to exit 0)", err=True)
    if failed:
        sys.exit(1)  # a ledger that could not be read is an error, whatever the others found
    if failing and not no_fail:
        sys.exit(EXIT_FINDINGS)


def _shown(db: str) -> str:
    """The database as the user may see it: a URL without its password."""
    if "://" not in db:
        return db
    from sqlalchemy.engine import make_url

    return make_url(db).render_as_string(hide_password=True)
