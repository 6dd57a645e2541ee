"""The ``chanjia`` command: arguments in, a library call, formatted output out.

Library errors become one ``Error: …`` line in exactly one place (:func:`main`).
"""

from __future__ import annotations

import collections
import contextlib
import csv
import importlib
import json
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import click

from . import __version__
from .errors import ChanjiaError, ConfigError
from .ocr import OcrOptions
from .readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_UNPACKED_BYTES, common_root, find_files, locate
from .runner import (
    DEFAULT_MAX_TEXT_CHARS, DEFAULT_TIMEOUT_PER_FILE, ENGINES, VERSION, Copies, ExtractOptions, FileResult, Summary,
    iter_results, load_metadata, skip_unchanged,
)
from .exports import CSV_ENCODING
from .logs import configure as configure_logging
from .logs import level_for
from .normalize import T2S
from .outputs import atomic_file, escape_name, shown_name, spreadsheet_text, visible

if TYPE_CHECKING:
    from . import store

FORMATS = ("jsonl", "csv")
#: The database ``chanjia extract`` writes when neither --db nor --out is given.
DEFAULT_DB = "chanjia.sqlite"
CSV_COLUMNS = (
    ["type", "doc_id", "path", "start", "end", "text", "value", "low", "high", "qualifier", "kind", "unit", "currency"]
    + ["claim", "indicator", "indicator_text", "subject", "level", "period", "scope", "parent", "sentence"]
    + ["number_text", "damaged", "repeated", "label", "normalized", "role", "code"]
    + ["title", "published", "published_source", "source", "chars", "format", "encoding", "status", "error"]
    + ["needs_ocr_pages", "warnings"]
    + ["extractor_version", "duplicate_of"]
)


class _Sinks:
    """Where a run's records go: the store (a transaction per batch of documents), a JSONL/CSV
    stream, or both. What was written waits in ``outcomes``: ``(result, the store's answer)``."""

    def __init__(self, db: str | None, schema: str | None, out: str | None, fmt: str | None,
                 root: str | None = None) -> None:
        self.db, self.schema, self.out, self.fmt, self.root = db, schema, out, fmt, root
        self.store: store.Store | None = None
        self.write: Callable[[dict[str, Any]], Any] | None = None
        self.run_id: str | None = None
        self.copies = Copies()  # identical copies, told apart here when no database does it
        self.batch: store.BatchWriter | None = None
        self.outcomes: collections.deque[tuple[FileResult, str | None]] = collections.deque()
        self._unchanged: Callable[[str, str], bool] | None = None

    def open(self, stack: contextlib.ExitStack) -> None:
        """Open the database (recording the run) and the output file."""
        if self.db is not None:
            from . import store  # SQLAlchemy only when a database is opened

            self.store = stack.enter_context(store.open(self.db, schema=self.schema, create=True))
            self._unchanged = skip_unchanged(self.store)
            command = escape_name(shlex.join(["chanjia", *sys.argv[1:]]))  # a name that is not UTF-8 stays storable
            self.run_id = self.store.begin_run(command=command, extractor_version=VERSION,
                                               root=escape_name(self.root) if self.root else None)
            self.batch = store.BatchWriter(self.store, self.run_id)
        if self.out is not None:
            fmt = self.fmt or _format_of(self.out)
            self.write = _writer(stack.enter_context(_open_out(self.out, csv=fmt == "csv")), fmt)

    def __call__(self, location: str, doc_id: str) -> bool:
        """Whether the database holds this file unchanged (asked once the sinks are open)."""
        return self._unchanged is not None and self._unchanged(location, doc_id)

    def prefetch(self, locations: list[str]) -> None:
        """Read what the database holds for a group of files in one query (see skip_unchanged)."""
        prefetch = getattr(self._unchanged, "prefetch", None)
        if prefetch is not None:
            prefetch(locations)

    def add(self, result: FileResult) -> None:
        """Write one file's records; the store writes them with the next batch. Each result
        written goes to ``outcomes`` with the store's answer (``inserted``, ``replaced``, …)."""
        if result.skipped or result.doc is None:
            self.outcomes.append((result, None))
            return
        if self.store is None and self.write is not None:
            written = self.copies.of(result)
            if written.doc is not None and written.doc.get("duplicate_of"):
                self.write(written.doc)
                self.outcomes.append((result, "duplicate"))
                return
        if self.write is not None:
            for record in (result.doc, *result.records):
                self.write(record)
        if self.batch is None:
            self.outcomes.append((result, None))
            return
        self.outcomes.extend(self.batch.add(result, result.doc, result.records, result.location))

    def flush(self) -> None:
        """Write the documents still waiting for their batch."""
        if self.batch is not None:
            self.outcomes.extend(self.batch.flush())

    def end(self, summary: Summary, *, interrupted: bool = False) -> None:
        if self.store is not None and self.run_id is not None:
            self.store.end_run(self.run_id, {**summary.as_dict(), **({"interrupted": 1} if interrupted else {})})

    def describe(self, summary: Summary) -> str:
        """`` → chanjia.sqlite (3 inserted, 1 replaced) and out.jsonl``, or nothing for standard output."""
        where = []
        if self.store is not None:
            written = ", ".join(f"{n} {what}" for what, n in sorted(summary.written.items())) or "nothing written"
            where.append(f"{self.store.url} ({written})")
        if self.out and self.out != "-":
            where.append(self.out)
        return f" → {' and '.join(where)}" if where else ""


@contextlib.contextmanager
def _interrupt_after() -> Iterator[None]:
    """Hold Ctrl-C while one document is written: it takes effect once the transaction is over,
    so it never lands inside the database driver and leaves a connection holding the lock."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _writer(stream: IO[str], fmt: str) -> Callable[[dict[str, Any]], Any]:
    if fmt == "jsonl":
        return lambda record: stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()

    def write_row(record: dict[str, Any]) -> Any:
        if record["type"] == "document":  # the whole text in one cell would overflow spreadsheet cells
            record = {**record, "text": None}
            record.update({name: json.dumps(value, ensure_ascii=False) for name, value in record.items()
                           if isinstance(value, list)})  # needs_ocr_pages, warnings: JSON lists in one cell
        return writer.writerow({name: spreadsheet_text(value) for name, value in record.items()})  # no formulas

    return write_row


def _format_of(out: str) -> str:
    suffix = out.rpartition(".")[2].lower()
    return suffix if suffix in FORMATS else "jsonl"


@contextlib.contextmanager
def _open_out(out: str, *, csv: bool = False) -> Iterator[IO[str]]:
    if out == "-":
        if csv and not sys.stdout.isatty():
            sys.stdout.write("\ufeff")  # a redirect makes a file that Excel opens
        yield sys.stdout
        sys.stdout.flush()
        return
    # whole or not at all; a CSV file with a byte-order mark, which Excel needs to read the Chinese
    with atomic_file(out, newline="", encoding=CSV_ENCODING if csv else "utf-8") as stream:
        yield stream


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


def _promote_orphans(st: store.Store, options: ExtractOptions, root: str | None) -> Iterator[FileResult]:
    """The files stored as duplicates of a document that is gone or changed since, extracted
    again: the first of the same bytes becomes the document, the others its duplicates."""
    states = st.document_states()
    orphans = [location for location in st.orphaned_duplicates() if os.path.isfile(location)]
    if orphans:
        for result in iter_results(orphans, options=options, root=root):
            if result.doc is not None and result.location in states:
                result.doc["path"] = states[result.location].path  # shown as before
            yield result


def _note_other_extractors(st: store.Store) -> None:
    """One line when the database holds documents another extractor (other rules, lexicons or
    model) made: they are extracted again as the run reaches them."""
    others = {version: n for version, n in st.extractor_versions().items() if version != VERSION}
    if others:
        total = sum(others.values())
        versions = ", ".join(sorted(others))
        click.echo(f"note: {total} stored documents were extracted by another extractor ({versions}); the files of "
                   f"this run are extracted again with {VERSION}", err=True)


def _warn_duplicate(st: store.Store | None, result: FileResult, root: str | None, bar: Any,
                    copies: Copies | None = None) -> None:
    state = st.document_state(result.location or result.path) if st is not None else None
    original = state.duplicate_of if state is not None and state.duplicate_of else "another file"
    if st is None and copies is not None:  # no database: told by the run's Copies, a display path
        original = copies.original(result.doc_id) or original
    if root and original.startswith(root.rstrip("/") + "/"):
        original = original[len(root.rstrip("/")) + 1 :]
    message = (f"warning: {shown_name(result.path)} is a duplicate submission of {shown_name(original)} (the same "
               "bytes): stored as one document with two locations, its figures counted once")
    if bar is not None:
        bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
    else:
        click.echo(message, err=True)


#: Removed files named one by one, at most this many.
REMOVED_SHOWN = 20


def _warn_removed(gone: list[tuple[str, str]], why: str = "is gone from its folder") -> None:
    for path, location in gone[:REMOVED_SHOWN]:
        click.echo(f"removed: {shown_name(location or path)} {why}; it is out of claims, stats "
                   "and the table, kept as history (chanjia prune drops it)", err=True)
    if len(gone) > REMOVED_SHOWN:
        click.echo(f"removed: … and {len(gone) - REMOVED_SHOWN} more files gone from the folders given", err=True)


def _warn(result: FileResult, bar: Any) -> None:
    """An ``error:`` or ``warning:`` line on standard error for a file that needs attention."""
    doc = result.doc
    if doc is None:
        return
    if doc["status"] == "error":
        message = f"error: {shown_name(doc['path'])}: {visible(doc['error'] or '')}"
    elif doc["needs_ocr_pages"]:
        pages = ", ".join(map(str, doc["needs_ocr_pages"]))
        from .ocr import INSTALL, available

        how = "" if available() else f" (install it: {INSTALL})"
        message = f"warning: {shown_name(doc['path'])}: pages {pages} have no usable text layer; run OCR on them{how}"
    elif any("recognised with confidence under" in w for w in doc.get("warnings") or ()):
        unsure = next(w for w in doc["warnings"] if "recognised with confidence under" in w)
        message = f"warning: {shown_name(doc['path'])}: {visible(unsure)}"
    else:
        return
    if bar is not None:
        bar.console.print(message, markup=False, highlight=False, soft_wrap=True)
    else:
        click.echo(message, err=True)


#: Commands defined in other modules, by the module (under chanjia_nlp) that defines each: imported
#: when the command runs or is listed, so `chanjia extract` never loads the database, report or
#: server code it does not use (SQLAlchemy alone is half of a bare start).
LAZY_COMMANDS = {
    "claims": "store.commands", "stats": "store.commands", "table": "store.commands",
    "check": "crosscheck.commands", "report": "report.commands",
    "serve": "serve.commands", "users": "serve.commands", "reviews": "serve.commands",
}


class _LazyGroup(click.Group):
    """A command group whose :data:`LAZY_COMMANDS` are imported on first use."""

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
@click.option(
    "--out", "-o", type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
    help="Write records to this .jsonl or .csv file (- for JSONL on standard output) instead of the database; "
    "with --db as well (then it gets the files extracted in this run).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Format of --out; default: its suffix, else jsonl.")
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
    if engine == "dask" and workers is not None:
        raise ConfigError(
            "--workers is for --engine local; a Dask cluster runs as many workers as `dask worker` started"
        )
    missing = [path for path in paths if not os.path.lexists(path)]
    if len(missing) == len(paths) and (db or not out):  # a mistyped path: say so, and make no database for it
        raise ConfigError(
            f"no such file or folder: {', '.join(shown_name(path) for path in missing)}; check the path "
            "(nothing was extracted or written)"
        )
    given = {"title": title, "published": published, "source": source}
    options = ExtractOptions(
        max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes, metadata={k: v for k, v in given.items() if v},
        t2s=t2s, binder=binder, binder_model=binder_model,
        ocr=OcrOptions(mode=ocr, max_pages=max_pages, page_seconds=page_timeout), timeout_per_file=timeout_per_file,
        max_text_chars=max_text_chars,
    )
    per_file = load_metadata(metadata_csv) if metadata_csv else {}
    if root is not None and not os.path.isdir(root):
        raise ConfigError(f"--root {shown_name(root)} is not a folder; give the folder the reports are filed under")
    # A file is identified by its location (the resolved file), never by its display path; --root
    # only makes display paths relative to one folder. The run records the root (default: the
    # common folder of the paths given).
    shown_from = os.path.realpath(root) if root is not None else None
    root = shown_from or common_root(paths)
    summary, seen, started = Summary(), set(), time.perf_counter()
    located: set[str] = set()
    unreadable: list[str] = []
    with contextlib.ExitStack() as stack:
        sinks = _Sinks(db or (None if out else DEFAULT_DB), schema, out, fmt, root)
        results = iter_results(  # checks the engine options before anything is opened
            paths, options=options, metadata=per_file, workers=workers or 1, engine=engine, scheduler=scheduler,
            skip=None if force else sinks, root=shown_from,
        )
        stack.enter_context(contextlib.closing(results))  # stops the workers, also on Ctrl-C
        sinks.open(stack)
        if sinks.store is not None and not force:
            _note_other_extractors(sinks.store)
        bar = stack.enter_context(_progress_bar(paths, enabled=progress and not quiet))

        def written() -> None:  # what the sinks wrote: counted, and warned about
            while sinks.outcomes:
                result, answer = sinks.outcomes.popleft()
                summary.add(result, answer)
                located.add(result.location or result.path)
                if result.status == "error":
                    unreadable.append(result.location or result.path)
                if answer == "duplicate":
                    _warn_duplicate(sinks.store, result, root, bar, sinks.copies)
                _warn(result, bar)
                _advance(bar, result)

        try:
            for result in results:
                if result.path in seen:
                    click.echo(f"warning: two files are both shown as {shown_name(result.path)}; both are stored (a "
                               "file is known by where it is), but to tell them apart in listings give --root", err=True)
                seen.add(result.path)
                with _interrupt_after():
                    sinks.add(result)
                written()
            with _interrupt_after():
                sinks.flush()
            written()
        except KeyboardInterrupt:
            with contextlib.suppress(KeyboardInterrupt), _interrupt_after():
                sinks.flush()  # what was extracted is kept
            written()
            sinks.end(summary, interrupted=True)
            done = summary.documents.total()
            click.echo(f"interrupted after {done} files; run the same command again to resume", err=True)
            sys.exit(130)
        if sinks.store is not None:
            walked = [locate(path) for path in paths if os.path.isdir(path)]
            gone = sinks.store.mark_removed(sinks.run_id or "", walked, located, keep_under=unreadable) if walked else []
            if gone:
                summary.written["removed"] += len(gone)
            _warn_removed(gone)
            for result in _promote_orphans(sinks.store, options, shown_from):
                sinks.add(result)
            sinks.flush()
            while sinks.outcomes:
                summary.written[sinks.outcomes.popleft()[1] or "unchanged"] += 1
        sinks.end(summary)
    for shown in sorted(per_file.keys() - seen):
        click.echo(f"warning: {metadata_csv}: no file {visible(shown)} was given; check its path column", err=True)
    if not quiet:
        elapsed = time.perf_counter() - started
        click.echo(f"{summary.describe()} in {elapsed:.1f} s{sinks.describe(summary)}", err=True)
        if summary.undated:
            click.echo(
                f"warning: {summary.undated} documents state no publication date, so their 今年, 去年 and 目前 "
                "stay unresolved (see their warnings); give dates with --published or --metadata", err=True,
            )
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
        command = escape_name(shlex.join(["chanjia", *sys.argv[1:]]))
        run_id = st.begin_run(command=command, extractor_version=VERSION)
        gone = st.remove(run_id, [locate(path) for path in paths], paths=[escape_name(path) for path in paths])
        for result in _promote_orphans(st, ExtractOptions(), None):
            if result.doc is not None:
                st.write_document(result.doc, result.records, run_id, location=result.location)
        st.end_run(run_id, {"removed": len(gone)})
    _warn_removed(gone, "was removed")
    if not gone:
        raise ConfigError(f"no current document is stored at {', '.join(shown_name(p) for p in paths)}; "
                          "check the path (chanjia claims shows the paths stored)")
    click.echo(f"{len(gone)} documents marked removed in {st.url}", err=True)




def main() -> None:
    """Entry point of the ``chanjia`` console script."""
    try:
        cli(standalone_mode=True)
    except ChanjiaError as exc:  # pragma: no cover - click exits before this for its own errors
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
