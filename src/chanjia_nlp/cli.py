"""The ``chanjia`` command: arguments in, one library call, formatted output out.

Library errors become one ``Error: …`` line in one place, the group
(:class:`~chanjia_nlp.cli_common.ErrorMappingGroup`), for ``chanjia`` and ``CliRunner`` alike; files
are written by one rule (:func:`~chanjia_nlp.cli_common.output_options`).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import click

from . import __version__
from .cli_common import ErrorMappingGroup, command_line, output_options
from .errors import ChanjiaError, ConfigError
from .ocr import OcrOptions
from .readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_UNPACKED_BYTES, find_files, locate
from .runner import (
    DEFAULT_MAX_TEXT_CHARS, DEFAULT_TIMEOUT_PER_FILE, ENGINES, OUT_FORMATS, VERSION, ExtractOptions, FileResult,
    extract_into, load_metadata, promote_orphans, removed_lines,
)
from .logs import configure as configure_logging
from .logs import level_for
from .normalize import T2S
from .outputs import escape_name, shown_name, visible

#: The database ``chanjia extract`` writes when neither --db nor --out is given.
DEFAULT_DB = "chanjia.sqlite"
UNDATED = ("warning: {} documents state no publication date, so their 今年, 去年 and 目前 stay unresolved (see their "
           "warnings); give dates with --published or --metadata")


@contextlib.contextmanager
def _progress_bar(paths: Sequence[str], *, enabled: bool) -> Iterator[Any]:
    """A rich progress bar on standard error (files, files/s, ETA), or ``None`` when it is off
    or standard error is not a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    total = sum(1 for _ in find_files(paths))  # a walk of the folders, no file is read
    columns = (
        TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        progress.add_task("extract", total=total, rate="", scanned=0)
        yield progress


def _advance(bar: Any, result: FileResult | None = None) -> None:
    if bar is not None:
        task = bar.tasks[0]
        scanned = task.fields.get("scanned", 0)
        ocr = (result.doc or {}).get("ocr") if result is not None else None
        scanned += len(ocr.get("pages") or ()) if isinstance(ocr, dict) else 0
        pages = f", {scanned} pages read by OCR" if scanned else ""
        bar.update(task.id, advance=1, rate=f"{task.speed or 0:.1f} files/s{pages}", scanned=scanned)


def _attention(result: FileResult) -> str | None:
    """An ``error:`` or ``warning:`` line for a file that needs attention, or ``None``."""
    doc = result.doc
    if doc is None:
        return None
    if doc["status"] == "error":
        return f"error: {shown_name(doc['path'])}: {visible(doc['error'] or '')}"
    if doc["needs_ocr_pages"]:
        pages = ", ".join(map(str, doc["needs_ocr_pages"]))
        from .ocr import INSTALL, available

        how = "" if available() else f" (install it: {INSTALL})"
        return f"warning: {shown_name(doc['path'])}: pages {pages} have no usable text layer; run OCR on them{how}"
    unsure = next((w for w in doc.get("warnings") or () if "recognised with confidence under" in w), None)
    return f"warning: {shown_name(doc['path'])}: {visible(unsure)}" if unsure else None


class _Teller:
    """What ``chanjia extract`` tells on standard error as files are done: through the progress
    bar when there is one (so its lines do not tear the bar), else plain lines."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def line(self, message: str) -> None:
        if self.bar is not None:
            self.bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(message, err=True)

    def result(self, result: FileResult) -> None:
        message = _attention(result)
        if message is not None:
            self.line(message)
        _advance(self.bar, result)


#: Commands defined in other modules, by the module (under chanjia_nlp) that defines each: imported
#: when the command runs or is listed, so `chanjia extract` never loads the database, report or
#: server code it does not use (SQLAlchemy alone is half of a bare start).
LAZY_COMMANDS = {
    "claims": "store.commands", "stats": "store.commands", "table": "store.commands",
    "check": "crosscheck.commands", "report": "report.commands",
    "serve": "serve.commands", "users": "serve.commands", "reviews": "serve.commands",
}


class _LazyGroup(ErrorMappingGroup):
    """The ``chanjia`` group: its :data:`LAZY_COMMANDS` are imported on first use, and library
    errors are one line (see :class:`~chanjia_nlp.cli_common.ErrorMappingGroup`)."""

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module = importlib.import_module(f"{__package__}.{LAZY_COMMANDS[cmd_name]}")
            self.add_command(getattr(module, cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, the lazy ones imported: for help and documentation checks."""
        found = {name: self.get_command(None, name) for name in self.list_commands(None)}
        return {name: command for name, command in found.items() if command is not None}


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chanjia")
@click.option("--verbose", "-v", count=True,
              help="Say more on standard error: -v each file read, -vv how (encoding, date, pipeline) and jieba's chatter.")
@click.option("--quiet", "-q", "quiet_logs", is_flag=True, help="Errors only on standard error from the library's log.")
def cli(verbose: int, quiet_logs: bool) -> None:
    """Mine Chinese trade-union reports for the figures assessments run on.

    \b
    Example:
        chanjia -v extract corpus/
    """
    configure_logging(level_for(verbose, quiet_logs))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--db", envvar="CHANJIA_DB", metavar="PATH_OR_URL",
    help=f"Database to write into: a SQLite file or postgresql+psycopg://USER@HOST/DB (or $CHANJIA_DB). "
    f"Default: {DEFAULT_DB} in the current folder, unless --out is given.",
)
@click.option("--schema", help="The PostgreSQL schema to keep the tables in (created if missing).")
@output_options(
    OUT_FORMATS, default="jsonl", dash=True, path_type=str,
    out_help="Write records to this .jsonl or .csv file (- for JSONL on standard output) instead of the database; "
    "with --db as well (then it gets the files extracted in this run).",
)
@click.option("--workers", "-w", type=click.IntRange(min=1), help="Processes extracting at once (local engine; 1).")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True, help="Run here, or on Dask.")
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler for --engine dask, e.g. tcp://HOST:8786.")
@click.option("--force", is_flag=True, help="Extract again files the database holds unchanged (after an upgrade).")
@click.option(
    "--progress/--no-progress", default=True, show_default=True, help="Progress bar on standard error (on a terminal)."
)
@click.option("--title", help="Title of every file given, instead of the one read from it.")
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date of every file given (resolves 今年, 去年, 目前).")
@click.option("--source", help="Source (newspaper, site, office) of every file given.")
@click.option(
    "--metadata", "metadata_csv", type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="CSV with columns path,title,published,source: values per file (path as the records show it); "
    "they win over --title/--published/--source.",
)
@click.option(
    "--max-bytes", "--max-file-bytes", "max_bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
    show_default=True, help="Refuse files larger than this, before reading them (an error record says so).",
)
@click.option(
    "--max-text-chars", type=click.IntRange(min=1), default=DEFAULT_MAX_TEXT_CHARS, show_default=True,
    help="Refuse a file whose text is longer than this many characters (extraction's memory grows with it; an "
    "error record says so).",
)
@click.option(
    "--timeout-per-file", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT_PER_FILE, show_default=True,
    metavar="SECONDS", help="Stop reading and extracting a file after this long (an error record says so; the "
    "run goes on). 0: no limit.",
)
@click.option(
    "--max-unpacked-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_UNPACKED_BYTES, show_default=True,
    help="Refuse a .docx that unpacks to more than this (a zip bomb).",
)
@click.option(
    "--t2s", type=click.Choice([m.value for m in T2S]), default="auto", show_default=True,
    help="Read traditional characters as simplified (OpenCC t2s, one for one): when the text reads as "
    "traditional, always, or never. Offsets and texts still point into the file's own text.",
)
@click.option(
    "--binder", type=click.Choice(["auto", "learned", "rules"]), default="auto", show_default=True,
    help="How claims get their indicator, subject and period: the model trained on real reports weighing "
    "what every rule proposes (learned; auto uses it when it ships), or the first rule that answers (rules). "
    "Files already stored are skipped: add --force to extract them again another way.",
)
@click.option(
    "--binder-model", type=click.Path(exists=True, dir_okay=False), default=None,
    help="A model written by scripts/train_binder.py instead of the one shipped.",
)
@click.option(
    "--ocr", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Read scans by OCR (needs pip install 'chanjia_nlp[ocr]'): image files and PDF pages without a "
    "usable text layer (auto), every PDF page (always), or nothing (never: a scan is reported, not read). "
    "Figures OCR is unsure of are marked damaged.",
)
@click.option("--max-pages", type=click.IntRange(min=1), default=300, show_default=True,
              help="At most this many pages of one file are read by OCR (an image with more is refused; a PDF's "
              "later scanned pages are listed as not read, with a warning).")
@click.option("--page-timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds OCR may take on one page; a page that takes longer is listed as not read, with a warning.")
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=str),
    help="The folder the reports are filed under: display paths are relative to it, and it is stored with the "
    "run (default: the common folder of the paths given; display paths then relative to each folder given). "
    "A file is identified by where it is and its bytes, never by its display path.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on standard error.")
def extract(
    paths: tuple[str, ...], db: str | None, schema: str | None, out: str | None, fmt: str | None,
    workers: int | None, engine: str, scheduler: str | None, force: bool, progress: bool, title: str | None,
    published: str | None, source: str | None, metadata_csv: str | None, max_bytes: int, max_unpacked_bytes: int,
    t2s: str, binder: str, binder_model: str | None, ocr: str, quiet: bool, root: str | None = None,
    timeout_per_file: float = DEFAULT_TIMEOUT_PER_FILE, max_pages: int = 300, page_timeout: float = 120.0,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> None:
    """Extract records from report files and folders (searched recursively for .txt, .docx,
    .doc/.wps (with LibreOffice or antiword), .pdf and .html/.htm, and images when OCR is installed)
    into the assessment database, or a JSONL/CSV file.

    Writes one `document` record per file (with its text), one `quantity` record per figure
    (claims carry `claim: true` and their indicator, subject, period, scope), and `programme`
    and `entity` records. In the database each file is one transaction: a file already there
    with the same bytes is skipped, a changed one replaced, so an interrupted run resumes where
    it stopped. A file that cannot be read gets a `document` record with status `error` (tried
    again next run); the run goes on, and the exit code is 1 when any file failed.

    Example:

    \b
        chanjia extract corpus/ --workers 2
        chanjia extract corpus/ --out corpus.jsonl
        chanjia extract REPORTS/ --engine dask --scheduler tcp://HOST:8786 --db postgresql+psycopg://USER@HOST/DB
    """
    given = {"title": title, "published": published, "source": source}
    options = ExtractOptions(
        max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes, metadata={k: v for k, v in given.items() if v},
        t2s=t2s, binder=binder, binder_model=binder_model, timeout_per_file=timeout_per_file,
        ocr=OcrOptions(mode=ocr, max_pages=max_pages, page_seconds=page_timeout), max_text_chars=max_text_chars,
    )
    with _progress_bar(paths, enabled=progress and not quiet) as bar:
        teller = _Teller(bar)
        summary = extract_into(
            paths, store=db or (None if out else DEFAULT_DB), schema=schema, out=out, fmt=fmt, options=options,
            metadata=load_metadata(metadata_csv) if metadata_csv else None, workers=workers, engine=engine,
            scheduler=scheduler, force=force, root=root, command=command_line(), on_result=teller.result,
            warn=teller.line,
        )
    for shown in summary.unmatched:
        click.echo(f"warning: {metadata_csv}: no file {visible(shown)} was given; check its path column", err=True)
    if not quiet:
        click.echo(f"{summary.describe()} in {summary.seconds:.1f} s{summary.destinations()}", err=True)
        if summary.undated:
            click.echo(UNDATED.format(summary.undated), err=True)
    if summary.documents["error"]:
        sys.exit(1)


@cli.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, envvar="CHANJIA_DB", metavar="PATH_OR_URL",
              help="The database: a SQLite file, or postgresql+psycopg://USER@HOST/DB.")
@click.option("--schema", help="The PostgreSQL schema the tables are in.")
def prune(db: str, schema: str | None) -> None:
    """Delete the history of files marked removed (gone from their folder, or `chanjia remove`d).

    Example:

    \b
        chanjia prune --db chanjia.sqlite
    """
    from . import store

    with store.open(db, schema=schema, create=False) as st:
        dropped = st.prune()
    click.echo(f"{dropped} removed document versions deleted from {st.url}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--db", default=DEFAULT_DB, show_default=True, envvar="CHANJIA_DB", metavar="PATH_OR_URL",
              help="The database: a SQLite file, or postgresql+psycopg://USER@HOST/DB.")
@click.option("--schema", help="The PostgreSQL schema the tables are in.")
def remove(paths: tuple[str, ...], db: str, schema: str | None) -> None:
    """Mark files (or every file under a folder) removed: out of claims, stats and the table, kept
    as history until `chanjia prune`. A path is the file's path (it need not exist any more) or its
    display path as `chanjia claims` shows it.

    Example:

    \b
        chanjia remove reports/惠山/年度总结.txt
    """
    from . import store

    with store.open(db, schema=schema, create=False) as st:
        run_id = st.begin_run(command=command_line(), extractor_version=VERSION)
        gone = st.remove(run_id, [locate(path) for path in paths], paths=[escape_name(path) for path in paths])
        for result in promote_orphans(st, ExtractOptions(), None):
            if result.doc is not None:
                st.write_document(result.doc, result.records, run_id, location=result.location)
        st.end_run(run_id, {"removed": len(gone)})
    for line in removed_lines(gone, "was removed"):
        click.echo(line, err=True)
    if not gone:
        raise ConfigError(f"no current document is stored at {', '.join(shown_name(p) for p in paths)}; "
                          "check the path (chanjia claims shows the paths stored)")
    click.echo(f"{len(gone)} documents marked removed in {st.url}", err=True)




def main() -> None:
    """Entry point of the ``chanjia`` console script."""
    try:
        cli(standalone_mode=True)
    except ChanjiaError as exc:  # pragma: no cover - the group maps these; this is the last net
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
