"""``chanjia claims`` and ``chanjia stats``: read the assessment database from the terminal.

Arguments in, one :mod:`chanjia_nlp.store` call, formatted output out; library errors travel up
to :func:`chanjia_nlp.cli.main`, which prints them as one line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from ..cli_common import output_options
from ..exports import CSV_ENCODING, no_formulas, put_number, sheet_text, write_parquet
from ..outputs import atomic_file, atomic_path, spreadsheet_text
from .database import LEVELS, TARGETS
from .database import open as open_store
from .rows import decimal_string

if TYPE_CHECKING:
    import pandas as pd  # the store makes the frames; `chanjia extract` never loads pandas for this module

__all__ = ["claims", "db_options", "stats", "table"]

CLAIM_FORMATS = ("table", "csv", "jsonl", "xlsx", "parquet")
#: What the claims table shows on a terminal; csv, jsonl and parquet carry every column.
TABLE_COLUMNS = ("path", "text", "value", "indicator", "subject", "level", "period", "scope", "target")
#: Columns of nested values: JSON text in CSV and Parquet, objects in JSONL.
JSON_COLUMNS = ("why",)
DECIMAL_COLUMNS = ("value", "low", "high")
_DONE = {"confirm": "confirmed", "correct": "corrected"}
#: The Parquet types of the claims' columns that are not text (see :mod:`chanjia_nlp.exports`).
CLAIM_INTEGERS = ("start", "end", "parent")
CLAIM_BOOLEANS = ("target", "repeated", "damaged")
OUT_HELP = "Write here (.csv, .jsonl, .xlsx, .parquet) instead of standard output."
#: Table width when the output is a file or a pipe, not a terminal: wide enough not to fold.
WIDE = 160


def db_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--db`` (default ``chanjia.sqlite``, or ``$CHANJIA_DB``) and ``--schema``."""
    command = click.option("--schema", help="The PostgreSQL schema the tables are in.")(command)
    return click.option(
        "--db", default="chanjia.sqlite", show_default=True, envvar="CHANJIA_DB", metavar="PATH_OR_URL",
        help="The database: a SQLite file, or postgresql+psycopg://USER@HOST/DB.",
    )(command)


@click.command()
@db_options
@click.option("--indicator", metavar="ID", help="Only this indicator id (see lexicons/indicators.yaml).")
@click.option(
    "--subject", metavar="TEXT",
    help="Only this region and what lies under it (无锡: 无锡市, its districts, towns and organisations; "
    "惠山区总工会 is 惠山区); a name that is no region: subjects containing it.",
)
@click.option("--subject-exact", is_flag=True, help="Match --subject against the subject as written only (无锡 ⊂ 无锡市).")
@click.option("--period", metavar="YEAR", help="Only this year (2022) or year-month (2022-03).")
@click.option("--level", type=click.Choice(LEVELS), help="Only claims about things of this level.")
@click.option(
    "--targets", type=click.Choice(TARGETS), default="include", show_default=True,
    help="Targets (figures planned or aimed at: 力争, 计划 …): keep them beside what was achieved, leave them out "
    "(to add figures up), or list only them.",
)
@output_options(CLAIM_FORMATS, default="table", out_help=OUT_HELP)
def claims(
    db: str, schema: str | None, indicator: str | None, subject: str | None, subject_exact: bool,
    period: str | None, level: str | None, targets: str, fmt: str | None, out: Path | None,
) -> None:
    """List the claims in the database, filtered by indicator, subject, period and level, with
    or without targets (the target column says which claims are planned, not achieved).

    A figure reviewed in `chanjia serve` is listed as its latest decision leaves it (the review
    column says `corrected, reviewed by NAME`); a rejected one is left out.

    Values are exact decimals: strings in CSV and JSONL, numbers with a format for their unit in
    XLSX, decimal128(38, 6) in Parquet (the same schema on every export, so files concatenate).
    CSV files are UTF-8 with a byte-order mark, which Excel needs for Chinese. The why column
    (what decided each field) is an object in JSONL, JSON text in CSV, XLSX and Parquet.

    Example:

    \b
        chanjia claims --indicator pilot_units --subject 无锡 --period 2023 --format csv
        chanjia claims --period 2023 --targets only
        chanjia claims --subject 惠山区 --out claims.xlsx
    """
    with open_store(db, schema=schema, create=False) as st:
        frame = st.claims(
            indicator=indicator, subject=subject, period=period, level=level, targets=targets, subject_exact=subject_exact
        )
    if fmt == "parquet" and out is not None:  # out was required above
        write_parquet(_json_text(frame), out, decimals=DECIMAL_COLUMNS, integers=CLAIM_INTEGERS,
                      booleans=CLAIM_BOOLEANS)
        return
    if fmt == "xlsx" and out is not None:  # out was required above
        _write_claims_xlsx(_json_text(frame), out)
        return
    with _output(out, csv=fmt == "csv") as stream:
        if fmt == "table":
            table = Table(title=f"{len(frame)} claims", title_justify="left")
            reviewed = bool(frame["reviewed_by"].notna().any())  # the review column once anything is reviewed
            for name in (*TABLE_COLUMNS, *(("review",) if reviewed else ())):
                wraps = name in ("path", "text", "subject", "review")  # ids, codes and numbers stay on one line
                table.add_column(name, justify="right" if name == "value" else "left", no_wrap=not wraps, overflow="fold")
            planned = frame["target"].fillna(False).astype(bool)  # NA: stored before targets were marked
            for row, target, action, who in zip(frame[list(TABLE_COLUMNS[:-1])].itertuples(index=False), planned,
                                                 frame["review"], frame["reviewed_by"], strict=True):
                review = f"{_DONE.get(action, action)}, reviewed by {who}" if isinstance(who, str) else ""
                table.add_row(*(_cell(value) for value in row), "target" if target else "", *((review,) if reviewed else ()))
            Console(file=stream, width=None if stream.isatty() else WIDE).print(table)
        elif fmt == "csv":
            _plain(_json_text(frame)).map(spreadsheet_text).to_csv(stream, index=False, lineterminator="\n")
        else:
            for record in _plain(frame).to_dict("records"):
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")


@click.command()
@db_options
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Rows per table (json: all).")
def stats(db: str, schema: str | None, fmt: str, top: int) -> None:
    """Count what the database holds: documents (ok/error), records, and claims per indicator,
    subject and year, achieved and targets (planned or aimed at) apart, and findings per check
    and verdict.

    Example:

    \b
        chanjia stats --db postgresql+psycopg://assessor@db.example/chanjia --format json
    """
    with open_store(db, schema=schema, create=False) as st:
        numbers = st.stats()
    if fmt == "json":
        click.echo(json.dumps(numbers, ensure_ascii=False, indent=2))
        return
    stdout = sys.stdout
    console = Console(file=stdout, width=None if stdout.isatty() else WIDE)
    docs = numbers["documents"]
    totals = Table(title="documents and records", title_justify="left")
    totals.add_column("what")
    totals.add_column("count", justify="right")
    lines = [*(("documents " + k, v) for k, v in docs.items()),
             ("duplicate submissions (counted once)", numbers["duplicates"]),
             ("removed (kept as history)", numbers["removed"]), ("quantities", numbers["quantities"]),
             ("claims", numbers["claims"]), ("  achieved", numbers["achieved"]), ("  targets", numbers["targets"]),
             *((k, numbers[k]) for k in ("programmes", "entities", "runs"))]
    for what, count in lines:
        totals.add_row(what, str(count))
    console.print(totals)
    for key, column in (("claims_per_indicator", "indicator"), ("claims_per_subject", "subject"), ("claims_per_year", "year")):
        rows = numbers[key]
        shown = rows if key == "claims_per_year" else rows[:top]
        title = f"claims per {column}" + (f" (top {top} of {len(rows)})" if len(shown) < len(rows) else "")
        table = Table(title=title, title_justify="left", min_width=len(title))
        table.add_column(column)
        table.add_column("achieved", justify="right")
        table.add_column("targets", justify="right")
        for row in shown:
            table.add_row(_cell(row[column]), str(row["achieved"]), str(row["targets"]))
        console.print(table)
    if numbers["findings"]:
        table = Table(title="findings", title_justify="left")
        for name in ("check", "verdict", "findings"):
            table.add_column(name, justify="right" if name == "findings" else "left")
        for row in numbers["findings"]:
            table.add_row(row["check"], row["verdict"], str(row["findings"]))
        console.print(table)


@contextmanager
def _output(path: Path | None, *, csv: bool = False) -> Iterator[IO[str]]:
    """Standard output, or ``path`` opened for writing (written whole or not at all). CSV is UTF-8
    with a byte-order mark, so Excel reads the Chinese: in a file, and on standard output unless
    it is a terminal (a shell redirect makes a file too)."""
    if path is None:
        if csv and not sys.stdout.isatty():
            sys.stdout.write("\ufeff")  # `chanjia claims --format csv > x.csv` opens in Excel too
        yield sys.stdout
        return
    with atomic_file(path, newline="", encoding=CSV_ENCODING if csv else "utf-8") as stream:
        yield stream


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with decimals as exact strings and missing values as ``None``."""
    plain = frame.astype(object)
    plain = plain.where(plain.notna(), None)
    for name in DECIMAL_COLUMNS:
        plain[name] = plain[name].map(decimal_string)
    return plain


def _json_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with nested values (``why``) as JSON text, for flat formats."""
    flat = frame.copy()
    for name in JSON_COLUMNS:
        flat[name] = [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else None for v in flat[name]]
    return flat


def _write_claims_xlsx(frame: pd.DataFrame, out: Path) -> None:
    """One sheet of claims: value, low and high numbers formatted for their unit, the rest text."""
    from openpyxl import Workbook

    from ..crosscheck.export import save_workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "claims"
    columns = list(frame.columns)
    sheet.append(columns)
    _figures_rows(sheet, _plain(frame).to_dict("records"), columns, DECIMAL_COLUMNS)
    _finish_sheet(sheet)
    with atomic_path(out) as partial:
        save_workbook(book, partial)


def _figures_rows(sheet: Any, rows: list[dict[str, Any]], columns: list[str], figures: tuple[str, ...]) -> None:
    """Append ``rows``: the ``figures`` columns as numbers in the row's kind and unit, the rest as text."""
    for n, row in enumerate(rows, start=sheet.max_row + 1):
        sheet.append([None if name in figures else sheet_text(_sheet_value(row.get(name))) for name in columns])
        for name in figures:
            if name in columns:
                put_number(sheet.cell(n, columns.index(name) + 1), row.get(name), row.get("kind"), row.get("unit"),
                           row.get("currency"))


def _sheet_value(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _finish_sheet(sheet: Any) -> None:
    from openpyxl.styles import Font

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    no_formulas(sheet)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return decimal_string(value) if isinstance(value, Decimal) else str(value)



TABLE_FORMATS = ("table", "csv", "jsonl", "xlsx", "parquet")
#: What the assessment table shows on a terminal; the files carry every column.
TABLE_DECIMALS = ("value", "low", "high", "ledger_value")
TABLE_INTEGERS = ("year", "paragraph", "start", "end")
TABLE_SHOWN = ("region", "indicator", "year", "target", "text", "value", "scope", "basis", "evidence", "ledger")


@click.command("table")
@db_options
@click.option("--by", type=click.Choice(("district", "city", "province")), default="district", show_default=True,
              help="The level of the regions: districts and counties, cities, provinces.")
@click.option("--indicator", metavar="ID", help="Only this indicator id (see lexicons/indicators.yaml).")
@click.option("--year", metavar="YEAR", help="Only this year (2022).")
@click.option("--subject", metavar="REGION", help="Only this region and the regions under it (无锡, 惠山区).")
@click.option(
    "--targets", type=click.Choice(TARGETS), default="include", show_default=True,
    help="Rows of targets (planned, 力争/计划) beside the achieved ones, without them, or only them.",
)
@output_options(TABLE_FORMATS, default="table", out_help=OUT_HELP)
def table(
    db: str, schema: str | None, by: str, indicator: str | None, year: str | None, subject: str | None,
    targets: str, fmt: str | None, out: Path | None,
) -> None:
    """The assessment table: for each region, indicator and year, the figure to score, chosen by
    a stated policy (a stock: the latest of the year, year-end first; a flow: the year's figure,
    else its additions added up; never two kinds or units; targets in rows of their own), with its
    evidence (document, 第N段, sentence, span), the other candidates and why each lost, and the
    台账 value and verdict when `chanjia check --db` has checked a ledger.

    Example:

    \b
        chanjia extract corpus/ && chanjia check corpus/ledger/2023年度产改工作台账.xlsx
        chanjia table --by district
        chanjia table --by city --year 2022 --out table.xlsx
    """
    with open_store(db, schema=schema, create=False) as st:
        frame = st.table(by=by, indicator=indicator, year=year, subject=subject, targets=targets)
    if fmt == "xlsx" and out is not None:  # out was required above
        _write_table_xlsx(frame, out)
        return
    if fmt == "parquet" and out is not None:  # out was required above
        write_parquet(_flat_table(frame, decimals=False), out, decimals=TABLE_DECIMALS, integers=TABLE_INTEGERS,
                      booleans=("target",))
        return
    with _output(out, csv=fmt == "csv") as stream:
        if fmt == "table":
            shown = Table(title=f"{len(frame)} rows (by {by})", title_justify="left")
            for name in TABLE_SHOWN:
                shown.add_column(name, justify="right" if name == "value" else "left", overflow="fold",
                                 no_wrap=name in ("indicator", "year", "basis"))
            for row in frame.to_dict("records"):
                ledger = ""
                if row["ledger_verdict"]:
                    ledger = f"{_cell(row['ledger_value'])} {row['ledger_verdict']} ({row['ledger_cell']})"
                where = _where(row) + (f"\nreviewed by {row['reviewed_by']}" if row.get("reviewed_by") else "")
                shown.add_row(
                    row["region"], row["indicator"], str(row["year"]), "target" if row["target"] else "",
                    _cell(row["text"]), _cell(row["value"]), _cell(row["scope"]), row["basis"],
                    where, ledger,
                )
            Console(file=stream, width=None if stream.isatty() else WIDE).print(shown)
        elif fmt == "csv":
            _flat_table(frame).map(spreadsheet_text).to_csv(stream, index=False, lineterminator="\n")
        else:
            for row in frame.to_dict("records"):
                stream.write(json.dumps(row, ensure_ascii=False, default=_json_value) + "\n")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_string(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _where(row: Mapping[str, Any]) -> str:
    """``02_district_summary_2022.txt · 第9段 · 718–725``: where the chosen figure stands."""
    spans = row.get("evidence") or []
    return "\n".join(
        f"{span['path']} · 第{span['paragraph']}段 · {span['start']}–{span['end']}" for span in spans
    )


def _flat_table(frame: pd.DataFrame, *, decimals: bool = True) -> pd.DataFrame:
    """The table with one cell per value: evidence as ``path · 第N段 · sentence`` lines (with the
    span), the candidates as ``text (why it lost)`` lines, decimals as exact strings (kept as
    ``Decimal`` without ``decimals``)."""
    flat = frame.copy()
    flat["evidence"] = [
        "\n".join(f"{s['path']} · 第{s['paragraph']}段 · {s['sentence']} ({s['start']}–{s['end']})" for s in spans or [])
        or None
        for spans in flat["evidence"]
    ]
    flat["candidates"] = [
        "\n".join(f"{c['text']} ({c['path']}:{c['start']}): {c['lost']}" for c in cands or []) or None
        for cands in flat["candidates"]
    ]
    if decimals:
        for name in TABLE_DECIMALS:
            flat[name] = flat[name].map(lambda v: decimal_string(v) if isinstance(v, Decimal) else None)
    return flat.astype(object).where(flat.notna(), None)


def _write_table_xlsx(frame: pd.DataFrame, out: Path) -> None:
    """The assessment sheet, then one sheet per 台账 verdict (the rows with that verdict): figures
    as numbers formatted for their unit (value, low, high, ledger value), the rest as text."""
    from openpyxl import Workbook

    from ..crosscheck.export import save_workbook
    from ..records import VERDICTS

    flat = _flat_table(frame)
    columns = list(flat.columns)
    rows = flat.to_dict("records")
    book = Workbook()
    sheet = book.active
    sheet.title = "assessment"
    pages = [(sheet, rows)]
    for verdict in VERDICTS:
        chosen = [r for r in rows if r.get("ledger_verdict") == verdict]
        if chosen:
            pages.append((book.create_sheet(verdict), chosen))
    for page, page_rows in pages:
        page.append(columns)
        _figures_rows(page, page_rows, columns, TABLE_DECIMALS)
        _finish_sheet(page)
    with atomic_path(out) as partial:
        save_workbook(book, partial)
