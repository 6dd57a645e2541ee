"""``chanjia check``: ledgers against the reports' claims, plus the internal checks."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from ..cli_common import command_line, output_options
from ..errors import ConfigError
from .export import FORMATS, summary
from .figures import validate_tolerance
from ..ledger.layout import ROLES
from .findings import CHECKS, VERDICTS
from .run import FAILING, check_into

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
@output_options(FORMATS, out_help=f"Write the findings here ({', '.join('.' + f for f in FORMATS)}).")
@click.option("--money-tolerance", type=_Share(), default="0.005", show_default=True,
              help="Relative rounding threshold for money (0.005 = 0.5%).")
@click.option("--no-internal", is_flag=True, help="Skip the checks of the reports against themselves (sums, shares, conflicts).")
@click.option("--no-copies", is_flag=True, help="Skip the search for text copied between subjects.")
@click.option("--no-fail", is_flag=True,
              help=f"Exit 0 even when a ledger row is {' or '.join(FAILING)} (otherwise {EXIT_FINDINGS}).")
def check(
    ledgers: tuple[Path, ...], db: str | None, schema: str | None, records_path: Path | None, mapping: Path | None,
    period: str | None, out: Path | None, fmt: str | None, money_tolerance: Decimal, no_internal: bool,
    no_copies: bool, no_fail: bool,
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
    if schema is not None and records_path is not None:
        raise click.UsageError("--schema names the PostgreSQL schema of --db; give --db too")
    checked = check_into(
        ledgers, db=db or (None if records_path else "chanjia.sqlite"), schema=schema, records=records_path,
        mapping=mapping, period=period, out=out, fmt=fmt, money_tolerance=money_tolerance, internal=not no_internal,
        copies=not no_copies, command=command_line(), warn=lambda line: click.echo(line, err=True),
    )
    _print_summary(checked.findings)
    _print_rows(checked.findings)
    if checked.destinations():
        click.echo(f"{len(checked.findings)} findings → {checked.destinations()}", err=True)
    if checked.failing and not no_fail:
        click.echo(f"{checked.failing} ledger rows are {' or '.join(FAILING)}; exit code {EXIT_FINDINGS} "
                   "(--no-fail to exit 0)", err=True)
    if checked.unreadable:
        sys.exit(1)  # a ledger that could not be read is an error, whatever the others found
    if checked.failing and not no_fail:
        sys.exit(EXIT_FINDINGS)
