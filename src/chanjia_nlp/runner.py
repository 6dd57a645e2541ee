"""Files to records, in one process, a local process pool or a Dask cluster.

This is the one place a report file becomes records. :func:`process_bytes` turns one file's
bytes into its ``document`` dict and record dicts (pure; the pipeline is loaded once per
process). :func:`iter_results` streams that over files and folders: the main process reads and
hashes each file, asks ``skip`` whether it is already done (so an unchanged file costs one read),
and keeps at most a small window of files in flight, so memory does not grow with the corpus.
Results come in the order they finish. :func:`extract_into` is the whole of ``chanjia
extract`` as one call: files into the database and/or a JSONL or CSV file, with a
:class:`Summary` back.

    >>> from chanjia_nlp import runner
    >>> summary = runner.extract_into(["corpus/"], store="chanjia.sqlite", workers=2)  # doctest: +SKIP

or, a step at a time:

    >>> from chanjia_nlp import runner, store
    >>> with store.open("chanjia.sqlite") as st:  # doctest: +SKIP
    ...     run_id = st.begin_run(command="python", extractor_version=runner.VERSION)
    ...     summary = runner.Summary()
    ...     for result in runner.iter_results(["corpus/"], workers=2, skip=runner.skip_unchanged(st)):
    ...         summary.add(result, None if result.skipped else st.write_document(result.doc, result.records, run_id))
    ...     st.end_run(run_id, summary.as_dict())
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import dataclasses
import functools
import hashlib
import os
import json
import re
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeVar

from . import __version__
from .errors import ChanjiaError, ConfigError, DocumentError, Interrupted, value_invalid_msg
from .exports import CSV_ENCODING
from .logs import get_logger
from .normalize import coerce_t2s
from .ocr import OcrOptions
from .ocr import coerce_mode as coerce_ocr
from .outputs import atomic_file, escape_name, format_of, shown_name, spreadsheet_text
from .pipeline import Pipeline, coerce_binder, load
from .readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UNPACKED_BYTES,
    METADATA_FIELDS,
    common_root,
    find_files,
    locate,
    read_bytes,
    read_document,
    read_file,
    unread_id,
)
from .records import Document, to_dict
from .subjects import annotate as annotate_subjects

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .store import Store

__all__ = [
    "CSV_COLUMNS",
    "ENGINES",
    "OUT_FORMATS",
    "VERSION",
    "Copies",
    "ExtractOptions",
    "FileResult",
    "Interrupted",
    "Summary",
    "extract_into",
    "iter_results",
    "load_metadata",
    "process_bytes",
    "promote_orphans",
    "removed_lines",
    "skip_unchanged",
]

#: Where :func:`iter_results` runs the extraction.
ENGINES = ("local", "dask")
_log = get_logger(__name__)


@functools.cache
def extractor_digest() -> str:
    """A digest of what decides the records: every lexicon file and every shipped model file
    (names and bytes), computed once per process. It changes when a rule, a lexicon or the model
    changes, even when the package version does not."""
    from importlib import resources

    packaged = resources.files("chanjia_nlp").joinpath("lexicons")
    source = Path(__file__).resolve().parents[2] / "lexicons"
    return folders_digest([Path(str(packaged)) if packaged.is_dir() else source, Path(__file__).resolve().parent / "models"])


def folders_digest(folders: Iterable[Path]) -> str:
    """12 hex digits of SHA-256 over the names and bytes of every file in ``folders``."""
    digest = hashlib.sha256()
    for folder in folders:
        try:
            files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        except OSError:
            files = []
        for file in files:
            if file.suffix == ".pyc":
                continue
            digest.update(f"{file.parent.name}/{file.relative_to(folder).as_posix()}\0".encode())
            try:
                digest.update(file.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
            digest.update(b"\0")
    return digest.hexdigest()[:12]


def extractor_version(package: str = __version__) -> str:
    """``0.1.0+lex.1a2b3c4d5e6f``: the package version and :func:`extractor_digest`."""
    return f"{package}+lex.{extractor_digest()}"


#: The ``extractor_version`` every document record carries: the package version and a digest of
#: the lexicons and the shipped model, so a database built by other rules is extracted again.
VERSION = extractor_version()
#: Batches in flight per worker: enough to keep workers busy, few enough to bound memory.
WINDOW_PER_WORKER = 4
#: Files sent to a worker at once, up to this many or this many bytes: one task per small file
#: would cost the main process more than a tenth of what extracting it costs a worker.
BATCH_FILES = 8
BATCH_BYTES = 256 * 1024
#: Files larger than this go to Dask workers by ``scatter`` instead of inside the task.
SCATTER_BYTES = 1_000_000
#: Seconds one file may take to be read and extracted (``--timeout-per-file``): a report of a few
#: MB takes seconds, so only a runaway file reaches it.
DEFAULT_TIMEOUT_PER_FILE = 120.0
#: Characters of text one file may have (``--max-text-chars``): extraction's memory grows with
#: the text (measured December 6: ``chanjia extract`` of 1.99 million characters, some 1,300 pages,
#: peaks at 350 MB RSS in 38 s), so a file's run stays within a few hundred MB; longer texts are
#: refused whole, never half read.
DEFAULT_MAX_TEXT_CHARS = 2_000_000
RE_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Extracted once in each new worker so lexicons and patterns are built before the first file.
WARM_UP_TEXT = "2023年，全市共培育省级试点单位25家，培训职工1.2万人次。"


def _check_metadata(metadata: Mapping[str, str], *, where: str) -> None:
    where = f"{where}: " if where else ""
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    if unknown:
        raise ConfigError(f"{where}unknown field(s) {', '.join(unknown)}; valid: {', '.join(METADATA_FIELDS)}")
    published = metadata.get("published")
    if published and not _is_iso_date(published):
        raise ConfigError(f"{where}published = {published!r} is not a date; write it as YYYY-MM-DD, e.g. 2023-04-06")


def _is_iso_date(value: str) -> bool:
    if not RE_ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:  # 2023-02-30
        return False
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractOptions:
    """How files are read: size limits, metadata that overrides what is read from each file
    (keys ``title``, ``published`` as an ISO date, ``source``), and when to read traditional
    characters as simplified ones (``t2s``).

    Raises:
        ConfigError: an unknown metadata key, a ``published`` that is not ``YYYY-MM-DD``, an
            unknown ``t2s`` or ``binder``, or a binder model that cannot be read.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
    metadata: Mapping[str, str] = field(default_factory=dict)
    t2s: str = "auto"  # traditional → simplified before extracting: auto, always, never (see load())
    binder: str = "auto"  # how claims get their indicator, subject and period: auto, learned, rules (see load())
    binder_model: str | None = None  # a model file of scripts/train_binder.py instead of the shipped one
    ocr: str | OcrOptions = "auto"  # scans: auto, always, never, or OcrOptions with page limits (see chanjia_nlp.ocr)
    timeout_per_file: float = DEFAULT_TIMEOUT_PER_FILE  # seconds one file may take to read and extract; 0: no limit
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS  # characters of text one file may have (the memory of extraction)

    def __post_init__(self) -> None:
        _check_metadata(self.metadata, where="")
        coerce_t2s(self.t2s)
        coerce_binder(self.binder)
        coerce_ocr(self.ocr)
        if self.binder_model is not None:
            _pipeline(self.t2s, self.binder, self.binder_model)  # a model that cannot be read raises now, not per file
        if self.max_bytes < 1 or self.max_unpacked_bytes < 1:
            raise ConfigError("`max_bytes` and `max_unpacked_bytes` must be positive byte counts")
        if isinstance(self.max_text_chars, bool) or not isinstance(self.max_text_chars, int) or self.max_text_chars < 1:
            raise ConfigError(f"`max_text_chars` = {self.max_text_chars!r} is invalid; give a positive number of characters")
        seconds = self.timeout_per_file
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < float("inf"):
            raise ConfigError(f"`timeout_per_file` = {seconds!r} is invalid; give seconds (0 or more; 0 = no limit)")


@dataclass(frozen=True, slots=True, kw_only=True)
class FileResult:
    """One file's outcome: its ``document`` dict (with ``text``, the extracted text, ``None`` on
    error) and its record dicts, as :func:`~chanjia_nlp.records.to_dict` makes them.

    ``doc`` is ``None`` when the file was skipped (``skip`` said it is already done).
    """

    path: str
    doc_id: str
    doc: dict[str, Any] | None
    records: list[dict[str, Any]]
    location: str | None = None  # the resolved file (see readers.locate): what identifies it in the store

    @property
    def skipped(self) -> bool:
        return self.doc is None

    @property
    def status(self) -> str:
        """``ok``, ``error`` or ``skipped``."""
        return "skipped" if self.doc is None else self.doc["status"]


class _Job(NamedTuple):
    """One file to extract: the arguments of :func:`process_bytes`."""

    data: bytes
    path: str
    display_path: str
    options: ExtractOptions


@functools.cache
def _pipeline(t2s: str = "auto", binder: str = "auto", binder_model: str | None = None) -> Pipeline:
    """This process's pipeline, loaded on first use and kept for every later file."""
    return load(t2s=t2s, binder=binder, binder_model=binder_model)


def process_bytes(
    data: bytes, path: str, display_path: str, options: ExtractOptions = ExtractOptions()
) -> FileResult:
    """The records of one file, from its bytes (a worker on another machine needs no access to
    the file). ``path`` names the file the format is guessed from; ``display_path`` is the
    ``path`` the records carry. Never raises on bad input: a file that cannot be read, that the
    extractor fails on, or that takes longer than ``options.timeout_per_file`` (see
    :func:`within_budget`) gives a ``document`` with ``status: "error"`` and no other records.

    >>> result = process_bytes("省级试点单位25家".encode(), "a.txt", "a.txt")
    >>> result.doc["status"], result.doc["text"], [r["text"] for r in result.records]
    ('ok', '省级试点单位25家', ['25家'])
    """
    if not options.timeout_per_file:
        return _process(data, path, display_path, options)
    _warm(options.t2s, options.binder, options.binder_model)  # loading the pipeline is not the file's time
    result = within_budget(lambda: _process(data, path, display_path, options), options.timeout_per_file)
    if result is None:
        return _over_budget(data, path, display_path, options.timeout_per_file)
    return result


def _process(data: bytes, path: str, display_path: str, options: ExtractOptions) -> FileResult:
    doc, text = read_bytes(
        data, path=path, display_path=display_path, extractor_version=VERSION,
        max_unpacked_bytes=options.max_unpacked_bytes, metadata=options.metadata, ocr=options.ocr,
    )
    return _extract(doc, text, options)


@functools.cache
def _warm(t2s: str, binder: str, binder_model: str | None) -> None:
    """Load this process's pipeline and build what its first document would build (once)."""
    _pipeline(t2s, binder, binder_model).extract(WARM_UP_TEXT)


class _OverBudget(BaseException):
    """Raised inside a file's extraction when its time is up. A ``BaseException``, so that no
    ``except Exception`` on the way (a parser's, the pipeline's) takes it for a damaged file."""


_T = TypeVar("_T")


def within_budget(work: Callable[[], _T], seconds: float) -> _T | None:
    """``work()``, or ``None`` when it has not returned after ``seconds``: it is then stopped by
    an exception raised inside it, so it runs no further in this process.

    On the main thread of a POSIX process (one worker in-process, each worker of the local pool)
    a ``SIGALRM`` timer raises it: that stops Python code, a regular expression that backtracks
    (``re`` checks for signals while it matches) and a blocking read. On other threads (the task
    threads of a Dask worker) a timer thread raises it in the working thread
    (``PyThreadState_SetAsyncExc``), which stops Python code but not a call into C that never
    returns to Python; the local pool also stops that, by killing and replacing the worker (see
    :func:`_run_pool`).

    >>> within_budget(lambda: sum(range(10)), 5.0)
    45
    >>> import time
    >>> within_budget(lambda: time.sleep(10), 0.05) is None
    True
    """
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(work, seconds)
    return _with_async_exception(work, seconds)


#: After the budget, the stop is repeated this often until the work has stopped: an exception
#: raised inside a finalizer or a callback from C is printed and dropped, never lost for good.
REPEAT_SECONDS = 0.05


def _with_alarm(work: Callable[[], _T], seconds: float) -> _T | None:
    armed = [True]

    def alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _OverBudget

    def disarm() -> None:
        while True:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)  # no alarm is sent after this …
                armed[0] = False  # … and one already sent does nothing
                return
            except _OverBudget:  # an alarm that landed while disarming: the time was up anyway
                continue

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_SECONDS)
            return work()
        finally:
            disarm()
    except _OverBudget:
        disarm()
        return None
    finally:
        signal.signal(signal.SIGALRM, previous)


def _with_async_exception(work: Callable[[], _T], seconds: float) -> _T | None:
    ident = ctypes.c_ulong(threading.get_ident())
    raise_in = ctypes.pythonapi.PyThreadState_SetAsyncExc
    lock = threading.Lock()
    armed = [True]
    stop = threading.Event()

    def expire() -> None:
        if stop.wait(seconds):
            return
        while not stop.is_set():
            with lock:
                if not armed[0]:
                    return
                raise_in(ident, ctypes.py_object(_OverBudget))
            stop.wait(REPEAT_SECONDS)

    def disarm() -> None:
        while True:
            try:
                with lock:
                    armed[0] = False  # the timer raises no more …
                    raise_in(ident, None)  # … and one raised but not yet arrived is dropped
                stop.set()
                return
            except _OverBudget:  # one that arrived while disarming: the time was up anyway
                continue

    timer = threading.Thread(target=expire, name="chanjia-budget", daemon=True)
    try:
        try:
            timer.start()
            return work()
        finally:
            disarm()
    except _OverBudget:
        disarm()
        return None


def _over_budget(data: bytes, path: str, display_path: str, seconds: float) -> FileResult:
    """The error result of a file that took longer than its time budget."""
    doc = Document(
        doc_id=hashlib.sha256(data).hexdigest() if data.strip() else unread_id(display_path), path=display_path,
        format=Path(path).suffix.lstrip(".").lower() or "txt", status="error",
        error=f"reading and extracting this file took longer than the {seconds:g} s allowed, so it was stopped; "
        "split it into smaller files, or raise --timeout-per-file (0 = no limit)",
        extractor_version=VERSION,
    )
    return _extract(doc, None)


def _extract(doc: Document, text: str | None, options: ExtractOptions = ExtractOptions()) -> FileResult:
    records: list[dict[str, Any]] = []
    if text is not None and len(text) > options.max_text_chars:
        doc = dataclasses.replace(
            doc, status="error",
            error=(f"its text is {len(text):,} characters, more than the {options.max_text_chars:,} one file may have "
                   "(extracting it would hold too much memory); split it into smaller files, or raise --max-text-chars"),
        )
        text = None
    if text is not None:
        try:
            records = [
                to_dict(record, doc_id=doc.doc_id, path=doc.path)
                for record in _pipeline(options.t2s, options.binder, options.binder_model).extract(
                    text, published=doc.published, ocr=doc.ocr
                )
            ]
            annotate_subjects(records)  # subject_code, subject_name: the claims' regions
        except Exception as exc:  # a bug hit by one file must not end a run over thousands: report it as data
            doc = dataclasses.replace(
                doc, status="error",
                error=f"chanjia failed on this file ({type(exc).__name__}: {exc}); please report it with the file",
            )
            text, records = None, []
    row = to_dict(doc)
    row["text"] = text
    return FileResult(path=doc.path, doc_id=doc.doc_id, doc=row, records=records)


def _crashed(job: _Job, why: str) -> FileResult:
    """The error result of a file whose worker died (a crash in a parser library, out of memory)."""
    doc = Document(
        doc_id=hashlib.sha256(job.data).hexdigest() if job.data else unread_id(job.display_path), path=job.display_path,
        format=Path(job.path).suffix.lstrip(".").lower() or "txt", status="error",
        error=f"{why} while reading this file; check that it opens, or raise the machine's memory",
        extractor_version=VERSION,
    )
    return _extract(doc, None)


def iter_results(
    paths: Iterable[str | os.PathLike[str]],
    *,
    options: ExtractOptions = ExtractOptions(),
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    workers: int = 1,
    engine: str = "local",
    scheduler: Any = None,
    skip: Callable[[str, str], bool] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Generator[FileResult, None, None]:
    """Extract every file under ``paths`` (files, and folders searched recursively), streaming
    one :class:`FileResult` per file in the order they finish.

    Args:
        options: size limits and metadata overrides for every file.
        metadata: per-file overrides by display path (see :func:`load_metadata`); they win over
            ``options.metadata``.
        workers: processes for ``engine="local"``: 1 extracts in this process; more start a pool
            of that many processes, each loading the pipeline once.
        engine: ``local`` or ``dask``.
        scheduler: for ``dask``: the scheduler address (``tcp://HOST:8786``), a
            ``distributed.Client``, or a cluster object such as ``distributed.LocalCluster``.
            The client reads the files and sends their bytes, so workers need no shared folder.
        skip: ``skip(location, doc_id)`` is asked before a file is extracted (``location``: the
            resolved file, :func:`~chanjia_nlp.readers.locate`); ``True`` yields a skipped result
            without extracting (see :func:`skip_unchanged`).
        root: display paths are relative to this folder (for files inside it).

    Raises:
        ConfigError: at once, for an unknown engine, ``workers`` below 1, a missing or unusable
            scheduler, or bad metadata.
    """
    if engine not in ENGINES:
        raise ConfigError(value_invalid_msg("engine", engine, ENGINES))
    if not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"`workers` = {workers!r} is invalid; it must be a whole number of processes, 1 or more")
    if engine == "dask" and scheduler is None:
        raise ConfigError(
            "the dask engine needs a scheduler: pass --scheduler tcp://HOST:8786 (where `dask scheduler` runs)"
        )
    if engine == "local" and scheduler is not None:
        raise ConfigError("a scheduler is only used by the dask engine; add --engine dask or drop --scheduler")
    for shown, row in (metadata or {}).items():
        _check_metadata(row, where=f"metadata for {shown}")
    where: dict[str, deque[str]] = {}  # display path → the locations of the files shown so, in order
    jobs = _jobs(paths, options, metadata or {}, skip, root, where)
    if engine == "dask":
        results = _run_dask(_batched(jobs), _client(scheduler))
    elif workers == 1:
        results = (job if isinstance(job, FileResult) else process_bytes(*job) for job in jobs)
    else:
        results = _run_pool(_batched(jobs), workers, options.timeout_per_file)
    return _located(results, where)


def _located(results: Iterator[FileResult], where: dict[str, deque[str]]) -> Generator[FileResult, None, None]:
    """The results with their ``location``: results come back in the order they finish (and
    from other processes), so it is found again from the display path."""
    try:
        for result in results:
            if result.location is None:
                found = where.get(result.path)
                result = dataclasses.replace(result, location=found.popleft() if found else locate(result.path))
                if found is not None and not found:
                    del where[result.path]
            yield result
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


def _jobs(
    paths: Iterable[str | os.PathLike[str]],
    options: ExtractOptions,
    metadata: Mapping[str, Mapping[str, str]],
    skip: Callable[[str, str], bool] | None,
    root: Any = None,
    where: dict[str, deque[str]] | None = None,
) -> Iterator[_Job | FileResult]:
    """Read and hash each file in this process: a job to extract, or a result already known
    (skipped, or unreadable)."""
    prefetch = getattr(skip, "prefetch", None)
    for path, shown, location in _located_files(paths, root, prefetch):
        file_options = options
        if shown in metadata:
            file_options = dataclasses.replace(options, metadata={**options.metadata, **metadata[shown]})
        data = _read(path, options.max_bytes)
        if data is None:  # missing, unreadable or too large: the reader's error record says which
            doc, text = read_document(
                path, display_path=shown, extractor_version=VERSION, max_bytes=options.max_bytes,
                max_unpacked_bytes=options.max_unpacked_bytes, metadata=file_options.metadata, ocr=options.ocr,
            )
            yield dataclasses.replace(_extract(doc, text, options), location=location)
            continue
        doc_id = hashlib.sha256(data).hexdigest()
        if skip is not None and skip(location, doc_id):
            yield FileResult(path=shown, doc_id=doc_id, doc=None, records=[], location=location)
        else:
            if where is not None:
                where.setdefault(shown, deque()).append(location)
            yield _Job(data, str(path), shown, file_options)


#: Files whose stored state ``skip`` is asked for at once (see :func:`skip_unchanged`).
SKIP_LOOKAHEAD = 64


def _located_files(
    paths: Iterable[str | os.PathLike[str]], root: Any, prefetch: Callable[[list[str]], Any] | None
) -> Iterator[tuple[Path, str, str]]:
    """``(path, display path, location)`` of every file, ``SKIP_LOOKAHEAD`` at a time: each group's
    locations go to ``prefetch`` first, so deciding what to skip costs one query per group."""
    if prefetch is None:  # nothing to ask ahead: one file at a time
        for path, shown in find_files(paths, root):
            yield path, shown, locate(path)
        return
    group: list[tuple[Path, str, str]] = []
    for path, shown in find_files(paths, root):
        group.append((path, shown, locate(path)))
        if len(group) >= SKIP_LOOKAHEAD:
            prefetch([location for _, _, location in group])
            yield from group
            group = []
    if group:
        prefetch([location for _, _, location in group])
    yield from group


def _read(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes; ``None`` when it is missing, unreadable, larger than ``max_bytes`` or
    not a regular file (a named pipe or a device is never read: it could block for ever)."""
    try:
        return read_file(path, max_bytes)
    except DocumentError:
        return None


def _batched(jobs: Iterator[_Job | FileResult]) -> Iterator[list[_Job] | FileResult]:
    """Jobs grouped into batches of up to ``BATCH_FILES`` files or ``BATCH_BYTES``; known results
    pass straight through."""
    batch: list[_Job] = []
    size = 0
    for job in jobs:
        if isinstance(job, FileResult):
            yield job
            continue
        batch.append(job)
        size += len(job.data)
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _process_batch(batch: Sequence[tuple[bytes, str, str, ExtractOptions]]) -> list[FileResult]:
    """The task a worker runs: :func:`process_bytes` on each file of a batch."""
    return [process_bytes(*job) for job in batch]


#: How often a worker looks whether the process that started the run is still there.
PARENT_CHECK_SECONDS = 1.0


def _start_worker(parent: int | None = None) -> None:
    """Pool initializer: leave Ctrl-C to the main process, exit when it is gone (``kill -9`` of
    the run must not leave workers blocked on a pipe), and load the pipeline once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), name="chanjia-parent-watch", daemon=True).start()
    _pipeline().extract(WARM_UP_TEXT)


def _exit_with(parent: int) -> None:
    """Exit this worker at once when the process ``parent`` no longer exists (with forkserver
    the worker's own parent is the server, so the run's process is watched by its id)."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass  # it exists but is not ours to signal


def _new_pool(workers: int) -> ProcessPoolExecutor:
    """A started pool whose workers have loaded the pipeline.

    Raises:
        ChanjiaError: the worker processes cannot start (then no file is to blame).
    """
    import multiprocessing  # here: a run of one process does not start a pool
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Never fork: the parent may run threads (the progress bar, a database driver).
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(method), initializer=_start_worker, initargs=(os.getpid(),)
    )
    try:
        pool.submit(int).result()
    except BrokenProcessPool as exc:
        pool.shutdown()
        raise ChanjiaError("the worker processes could not start; run with --workers 1 to see why") from exc
    return pool


def _run_pool(
    batches: Iterator[list[_Job] | FileResult],
    workers: int,
    budget: float = 0,
    task: Callable[[list[_Job]], list[FileResult]] = _process_batch,
) -> Iterator[FileResult]:
    """Run batches on a process pool, at most ``WINDOW_PER_WORKER × workers`` in flight.

    A worker that dies (a crash in a parser library, the OOM killer) breaks the whole pool and
    fails every batch in flight. Their files are retried one at a time in a fresh pool, so only
    a file that kills a worker on its own gets an error record.

    Each file's time ``budget`` is kept inside the worker (:func:`within_budget`); a batch still
    running well past what its files' budgets allow is stuck where no exception reaches (inside
    a C library): its worker is killed with the pool, the other batches in flight are sent again
    to a fresh pool, and the stuck batch's files are retried one at a time, so that only the file
    at fault gets an over-budget error record (see :func:`_overdue_after`).
    """
    from concurrent.futures import FIRST_COMPLETED, Future, wait
    from concurrent.futures.process import BrokenProcessPool

    window = WINDOW_PER_WORKER * workers
    pool = _new_pool(workers)
    pending: dict[Future[list[FileResult]], tuple[list[_Job], bool]] = {}  # future → (batch, a suspect alone)
    running_since: dict[Future[list[FileResult]], float] = {}
    suspects: deque[_Job] = deque()
    again: deque[tuple[list[_Job], bool]] = deque()  # batches in flight when a stuck worker was killed
    exhausted = False

    def submit(batch: list[_Job], alone: bool) -> None:
        nonlocal pool
        try:
            future = pool.submit(task, batch)
        except BrokenProcessPool:  # a worker died while none of our files was in flight
            _discard(pool)
            pool = _new_pool(workers)
            future = pool.submit(task, batch)
        pending[future] = (batch, alone)

    try:
        while True:
            while again:
                submit(*again.popleft())
            while not exhausted and not suspects and len(pending) < window:
                batch = next(batches, None)
                if batch is None:
                    exhausted = True
                elif isinstance(batch, FileResult):
                    yield batch
                else:
                    submit(batch, False)
            if suspects and not pending:
                submit([suspects.popleft()], True)
            if not pending:
                return
            done, _ = wait(pending, timeout=POLL_SECONDS if budget else None, return_when=FIRST_COMPLETED)
            broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
            if broken:
                wait(pending)  # a broken pool fails every future still pending
                done = set(pending)
            for future in done:
                batch, alone = pending.pop(future)
                running_since.pop(future, None)
                error = future.exception()
                if error is None:
                    yield from future.result()
                elif not isinstance(error, BrokenProcessPool):
                    raise error  # not the file's fault: a bug here
                elif alone:
                    yield _crashed(batch[0], "a worker process died")
                else:
                    suspects.extend(batch)
            now = time.monotonic()
            for future in pending:
                if future.running():
                    running_since.setdefault(future, now)
            stuck = [
                f for f, (batch, alone) in pending.items()
                if f in running_since and now - running_since[f] > _overdue_after(budget, len(batch), alone)
            ]
            over: list[FileResult] = []
            for future in stuck:
                batch, alone = pending.pop(future)
                if alone:
                    over.append(_over_budget(batch[0].data, batch[0].path, batch[0].display_path, budget))
                else:
                    suspects.extend(batch)
            if stuck:
                again.extend(pending.values())  # innocent: sent again as they were
                pending.clear()
                running_since.clear()
            if broken or stuck:
                _discard(pool)
                pool = _new_pool(workers)
            yield from over  # once the worker that was stuck on it is gone
    finally:
        _close(pool)


#: How often the pool's batches are looked at for one stuck past its time budget.
POLL_SECONDS = 1.0
#: Seconds a batch may run past its files' budgets before its worker is taken to be stuck.
STUCK_GRACE_SECONDS = 10.0


def _overdue_after(budget: float, files: int, alone: bool) -> float:
    """Seconds after which a batch seen running (``inf`` without a budget) is stuck. A batch is
    seen running once it is queued to the workers, where it may wait behind a batch of up to
    ``BATCH_FILES`` files; a file retried alone runs with nothing before it."""
    if not budget:
        return float("inf")
    return budget * (files if alone else files + BATCH_FILES) + STUCK_GRACE_SECONDS


#: Seconds a pool's workers get to exit after the pool is shut down before they are killed.
WORKER_EXIT_SECONDS = 10


def _discard(pool: ProcessPoolExecutor) -> None:
    """Shut down a pool one of whose workers died: its survivors are killed at once (see
    :func:`_close`); they hold no file of ours that is not retried."""
    _close(pool, grace=0)


def _close(pool: ProcessPoolExecutor, grace: float = WORKER_EXIT_SECONDS) -> None:
    """Shut a pool down without hanging on a worker that cannot exit.

    A worker killed while it held the task queue's lock (the OOM killer, a crash in a parser
    library, a user's kill) can leave a sibling blocked on that lock for ever, and
    ``shutdown(wait=True)`` would then wait for ever too. Workers get ``grace`` seconds to exit
    after the shutdown; any still running is killed.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join()
    pool.shutdown(wait=True)


def _client(scheduler: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``scheduler`` and whether we own it (and must close it)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError("the dask engine needs dask.distributed: pip install 'chanjia_nlp[dask]'") from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler), True  # waits distributed.comm.timeouts.connect (30 s) for the scheduler
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler}; start `dask scheduler` there or fix --scheduler"
        ) from exc


def _run_dask(batches: Iterator[list[_Job] | FileResult], client_owned: tuple[Any, bool]) -> Iterator[FileResult]:
    """Run batches as Dask tasks, at most ``WINDOW_PER_WORKER`` per worker thread in flight; the
    results come back to this process (the caller writes them). A batch whose task fails (its
    worker died more often than ``distributed.scheduler.allowed-failures``) is run again file by
    file, so only the file at fault gets an error record."""
    from distributed import as_completed

    client, owned = client_owned
    try:
        client.wait_for_workers(1, timeout="120s")
        window = WINDOW_PER_WORKER * max(1, sum(client.nthreads().values()))
    except TimeoutError as exc:
        if owned:
            client.close()
        raise ConfigError("no Dask worker joined the scheduler in 120 s; start `dask worker tcp://HOST:8786`") from exc

    def submit(batch: list[_Job]) -> Any:
        items = [
            (client.scatter(job.data) if len(job.data) > SCATTER_BYTES else job.data, *job[1:]) for job in batch
        ]  # futures inside the list are resolved on the worker
        return client.submit(_process_batch, items, pure=False)

    def stream() -> Iterator[FileResult]:
        batch: list[_Job] | FileResult | None
        pending: dict[Any, tuple[list[_Job], bool]] = {}  # future → (batch, a suspect alone)
        suspects: deque[_Job] = deque()
        finished = as_completed()
        exhausted = False
        try:
            while True:
                while len(pending) < window and (suspects or not exhausted):
                    if suspects:
                        job = suspects.popleft()
                        batch, alone = [job], True
                    else:
                        batch, alone = next(batches, None), False
                        if batch is None:
                            exhausted = True
                            continue
                        if isinstance(batch, FileResult):
                            yield batch
                            continue
                    future = submit(batch)
                    pending[future] = (batch, alone)
                    finished.add(future)
                if not pending:
                    return
                future = next(finished)
                batch, alone = pending.pop(future)
                try:
                    results = future.result()
                except Exception as exc:  # a lost worker: the fault of a file, not of the run
                    if alone:
                        yield _crashed(batch[0], f"the Dask task failed ({type(exc).__name__})")
                    else:
                        suspects.extend(batch)
                    continue
                finally:
                    future.release()
                yield from results
        finally:
            for future in pending:
                future.cancel()
            if owned:
                client.close()

    return stream()


def skip_unchanged(store: Store, *, extractor_version: str | None = None) -> Callable[[str, str], bool]:
    """A ``skip`` for :func:`iter_results`: a file is skipped when the store already holds it at
    the same location with the same bytes (``doc_id``), the same extractor version, and status
    ``ok`` (files that failed are tried again); a duplicate submission whose original is gone or
    changed is extracted again, to be stored as the document itself."""

    return _Unchanged(store, extractor_version or VERSION)  # read now: the version of this process's extractor


class _Unchanged:
    """The ``skip`` of :func:`skip_unchanged`. ``prefetch(locations)`` reads the stored state of
    a group of files in one query (:func:`iter_results` calls it for each group of files it is
    about to read); a file asked about outside a prefetched group costs a query of its own."""

    def __init__(self, store: Store, wanted: str) -> None:
        self.store, self.wanted = store, wanted
        self._known: dict[str, Any] = {}  # location → DocumentState or None, for the group prefetched

    def prefetch(self, locations: list[str]) -> None:
        states = self.store.document_states_at(locations)
        self._known = {location: states.get(location) for location in locations}

    def __call__(self, location: str, doc_id: str) -> bool:
        state = self._known.pop(location) if location in self._known else self.store.document_state(location)
        return (
            state is not None
            and state.doc_id == doc_id
            and state.extractor_version == self.wanted
            and state.status == "ok"
            and state.original_current
        )


class Copies:
    """Identical copies among a run's files, for outputs without a database (``chanjia extract
    --out x.jsonl``), told as the database tells them: the first file read with some bytes is the
    document; a later file with the same bytes is a duplicate submission of it, written as its
    ``document`` record alone, with ``duplicate_of`` (the first one's ``path``) and no text or
    figures of its own, so nothing is counted twice.

    >>> copies = Copies()
    >>> first = process_bytes("省级试点单位25家".encode(), "a.txt", "a.txt")
    >>> again = process_bytes("省级试点单位25家".encode(), "b.txt", "b.txt")
    >>> copies.of(first) is first, copies.of(again).doc["duplicate_of"], copies.of(again).records
    (True, 'a.txt', [])
    """

    def __init__(self) -> None:
        self._first: dict[str, str] = {}  # doc_id → path of the first file read with those bytes

    def of(self, result: FileResult) -> FileResult:
        """``result`` as it is to be written: unchanged, or the duplicate submission of an earlier file."""
        if result.doc is None or result.doc["status"] != "ok":
            return result  # skipped, or failed: nothing of it is counted
        first = self._first.setdefault(result.doc_id, result.path)
        if first == result.path:
            return result
        return dataclasses.replace(result, doc={**result.doc, "text": None, "duplicate_of": first}, records=[])

    def original(self, doc_id: str) -> str | None:
        """The ``path`` of the first file read with these bytes, if any was."""
        return self._first.get(doc_id)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """Per-file metadata from a CSV with the columns ``path,title,published,source`` (``path``
    as the records show it, i.e. relative to the folder given; empty cells keep what is read
    from the file). Saved by Excel with a BOM or without, in UTF-8.

    Raises:
        ConfigError: the file cannot be read, has no ``path`` column or unknown columns, repeats a
            path, or has a ``published`` that is not ``YYYY-MM-DD``.
    """
    valid = ("path", *METADATA_FIELDS)
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
            columns = [column.strip() for column in reader.fieldnames or ()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(
            f"cannot read the metadata file {path} ({exc}); give a UTF-8 CSV with columns {', '.join(valid)}"
        ) from exc
    unknown = [c for c in columns if c not in valid]
    if unknown or "path" not in columns:
        what = f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown else "no `path` column"
        raise ConfigError(f"the metadata file {path} has {what}; valid columns: {', '.join(valid)}")
    table: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        row = {key.strip(): (value or "").strip() for key, value in row.items() if key is not None}
        shown = row.pop("path")
        if not shown:
            raise ConfigError(f"{path}, line {number}: the `path` cell is empty; give the file as the records show it")
        if shown in table:
            raise ConfigError(f"{path}, line {number}: {shown} is listed twice; keep one row per file")
        entry = {key: value for key, value in row.items() if value}
        _check_metadata(entry, where=f"{path}, line {number}")
        table[shown] = entry
    return table


@dataclass(slots=True)
class Summary:
    """Counts over a run: documents by status, records by type, and what the store did."""

    documents: Counter[str] = field(default_factory=Counter)  # ok, error, skipped
    records: Counter[str] = field(default_factory=Counter)  # quantity, claim, programme, entity
    written: Counter[str] = field(default_factory=Counter)  # inserted, replaced, unchanged
    undated: int = 0  # documents read with no publication date: their 今年, 去年 stay unresolved
    database: str | None = None  # where extract_into wrote: the database's URL …
    out: str | None = None  # … and the file (not standard output or a stream)
    seconds: float = 0.0  # how long extract_into took
    unmatched: list[str] = field(default_factory=list)  # display paths of the metadata no file had
    interrupted: bool = False  # stopped by Ctrl-C (see Interrupted)

    def add(self, result: FileResult, outcome: str | None = None) -> None:
        """Count one result, and the store's answer to writing it (``inserted`` …)."""
        self.documents[result.status] += 1
        self.undated += result.status == "ok" and not (result.doc or {}).get("published")
        if outcome == "duplicate":  # the same bytes as a document stored: its figures are that one's
            self.written[outcome] += 1
            return
        for record in result.records:
            self.records[record["type"]] += 1
            self.records["claim"] += bool(record.get("claim"))
        if outcome is not None:
            self.written[outcome] += 1

    def as_dict(self) -> dict[str, int]:
        """Flat counts, for the store's run table."""
        plural = {"quantity": "quantities", "claim": "claims", "programme": "programmes", "entity": "entities"}
        out = {key: self.documents[key] for key in ("ok", "error", "skipped")}
        out.update((name, self.records[key]) for key, name in plural.items())
        out.update(self.written)
        out["undated"] = self.undated
        return out

    def destinations(self) -> str:
        """`` → chanjia.sqlite (3 inserted, 1 replaced) and out.jsonl``, or nothing when the
        records went to standard output or a stream only."""
        where = []
        if self.database is not None:
            written = ", ".join(f"{n} {what}" for what, n in sorted(self.written.items())) or "nothing written"
            where.append(f"{self.database} ({written})")
        if self.out:
            where.append(self.out)
        return f" → {' and '.join(where)}" if where else ""

    def describe(self) -> str:
        """One line: ``12 documents (10 ok, 1 error, 1 skipped), 340 quantities (200 claims), …``."""
        d, r = self.documents, self.records
        return (
            f"{d.total()} documents ({d['ok']} ok, {d['error']} error, {d['skipped']} skipped), "
            f"{r['quantity']} quantities ({r['claim']} claims), {r['programme']} programmes, {r['entity']} entities"
        )


# -- one call: files into the database and/or a file ------------------------------------------------

#: The formats :func:`extract_into` writes to ``out``.
OUT_FORMATS = ("jsonl", "csv")
#: The columns of ``out`` in CSV: every record type's fields, one row per record.
CSV_COLUMNS = (
    ["type", "doc_id", "path", "start", "end", "text", "value", "low", "high", "qualifier", "kind", "unit", "currency"]
    + ["claim", "indicator", "indicator_text", "subject", "level", "period", "scope", "parent", "sentence"]
    + ["number_text", "damaged", "repeated", "label", "normalized", "role", "code"]
    + ["title", "published", "published_source", "source", "chars", "format", "encoding", "status", "error"]
    + ["needs_ocr_pages", "warnings"]
    + ["extractor_version", "duplicate_of"]
)
#: Removed files named one by one in the warnings of a run, at most this many.
REMOVED_SHOWN = 20


def extract_into(
    paths: Sequence[str | os.PathLike[str]],
    *,
    store: Store | str | os.PathLike[str] | None = None,
    schema: str | None = None,
    out: str | os.PathLike[str] | IO[str] | None = None,
    fmt: str | None = None,
    options: ExtractOptions = ExtractOptions(),
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    workers: int | None = None,
    engine: str = "local",
    scheduler: Any = None,
    force: bool = False,
    root: str | os.PathLike[str] | None = None,
    command: str | None = None,
    on_result: Callable[[FileResult], Any] | None = None,
    warn: Callable[[str], Any] | None = None,
) -> Summary:
    """Extract every file under ``paths`` into the assessment database ``store``, a JSONL or CSV
    file ``out``, or both: what ``chanjia extract`` does, in one call.

    The database gets each file in batches of documents, each batch one transaction; a file it
    holds unchanged (same place, same bytes, same extractor) is skipped unless ``force``; files
    gone from a folder given are marked removed. Without a database, copies within the run are
    told apart as the database tells them (see :class:`Copies`).

    Args:
        store: a :class:`~chanjia_nlp.store.Store` (left open), or the path or URL of one (opened
            here, created when missing; ``schema`` for PostgreSQL).
        out: a file path (written whole or not at all), ``-`` for standard output, or a text
            stream; ``fmt`` (``jsonl`` or ``csv``) or else the file's suffix says the format.
        options, metadata, workers, engine, scheduler: as :func:`iter_results` takes them;
            ``workers`` is for the local engine only.
        root: display paths are relative to this folder, and it is stored with the run (default:
            the common folder of ``paths``).
        command: the command line the run records in the database.
        on_result: called with each file's result once it is written (a skipped one too).
        warn: called with each line worth telling a person (a duplicate submission, files
            removed, an older extractor's documents, two files shown alike); default: the
            ``chanjia_nlp.runner`` logger.

    Returns:
        The :class:`Summary` of the run: documents by status, records by type, what the
        database did, where the records went, seconds taken.

    Raises:
        ConfigError: a bad option (format, engine, workers, root, metadata), or every path is
            missing when a database would be written.
        StoreError: the database cannot be opened or refuses a write.
        OutputError: ``out`` cannot be written (no partial file is left).
        Interrupted: Ctrl-C; what was extracted so far is stored.

    >>> import io, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.txt").write_text("全市共培育省级试点单位25家。", encoding="utf-8")
    >>> stream = io.StringIO()
    >>> summary = extract_into([folder], out=stream)
    >>> summary.describe()
    '1 documents (1 ok, 0 error, 0 skipped), 1 quantities (1 claims), 0 programmes, 0 entities'
    >>> [line[:24] for line in stream.getvalue().splitlines()][:2]
    ['{"type": "document", "do', '{"type": "quantity", "do']
    """
    started = time.perf_counter()
    paths = list(paths)
    out_format = _out_format(out, fmt)
    if engine == "dask" and workers is not None:
        raise ConfigError(
            "--workers is for --engine local; a Dask cluster runs as many workers as `dask worker` started"
        )
    if store is not None and paths and not any(os.path.lexists(path) for path in paths):
        raise ConfigError(  # a mistyped path: say so, and make no database for it
            f"no such file or folder: {', '.join(shown_name(os.fspath(path)) for path in paths)}; check the path "
            "(nothing was extracted or written)"
        )
    if root is not None and not os.path.isdir(root):
        raise ConfigError(f"--root {shown_name(os.fspath(root))} is not a folder; give the folder the reports are "
                          "filed under")
    # A file is identified by its location (the resolved file), never by its display path; root
    # only makes display paths relative to one folder. The run records it (default: the common
    # folder of the paths given).
    shown_from = os.path.realpath(root) if root is not None else None
    run = _Run(Summary(), shown_from or common_root(paths), warn or _log_line, on_result)
    with contextlib.ExitStack() as stack:
        results = iter_results(  # checks the engine options before anything is opened
            paths, options=options, metadata=metadata, workers=workers or 1, engine=engine, scheduler=scheduler,
            skip=None if force else run, root=shown_from,
        )
        stack.enter_context(contextlib.closing(results))  # stops the workers, also on Ctrl-C
        run.open(stack, store, schema, out, out_format, command)
        if run.store is not None and not force:
            run.note_other_extractors()
        run.write_all(results)
        if run.store is not None:
            run.finish_store(paths, options, shown_from)
        run.end()
    run.summary.unmatched = sorted((metadata or {}).keys() - run.seen)
    run.summary.seconds = time.perf_counter() - started
    return run.summary


def _log_line(line: str) -> None:
    """The default ``warn`` of :func:`extract_into`: a line to the logger, its ``warning:`` said by the level."""
    _log.warning(line.removeprefix("warning: "))


def _out_format(out: str | os.PathLike[str] | IO[str] | None, fmt: str | None) -> str | None:
    """The format of ``out`` (see :func:`~chanjia_nlp.outputs.format_of`); ``None`` without one."""
    if out is None:
        return None
    if isinstance(out, (str, os.PathLike)):
        return format_of(out, fmt, formats=OUT_FORMATS, default="jsonl")
    return format_of(None, fmt, formats=OUT_FORMATS, default="jsonl")  # a stream: jsonl unless told


class _Run:
    """One :func:`extract_into`: where its records go (the store, a batch at a time, and/or a
    JSONL/CSV stream), what it tells, and its counts. It is also the run's ``skip``."""

    def __init__(self, summary: Summary, root: str | None, warn: Callable[[str], Any],
                 on_result: Callable[[FileResult], Any] | None) -> None:
        self.summary, self.root, self.warn, self.on_result = summary, root, warn, on_result
        self.store: Store | None = None
        self.write: Callable[[dict[str, Any]], Any] | None = None
        self.run_id: str | None = None
        self.copies = Copies()  # identical copies, told apart here when no database does it
        self.batch: Any = None  # a store.BatchWriter
        self.outcomes: deque[tuple[FileResult, str | None]] = deque()
        self.seen: set[str] = set()  # display paths
        self.located: set[str] = set()  # locations written
        self.unreadable: list[str] = []  # locations that failed
        self._unchanged: Callable[[str, str], bool] | None = None

    def open(self, stack: contextlib.ExitStack, store: Any, schema: str | None, out: Any, fmt: str | None,
             command: str | None) -> None:
        """Open the database (recording the run) and the output."""
        if store is not None:
            from . import store as stores  # SQLAlchemy only when a database is opened

            if isinstance(store, (str, os.PathLike)):
                store = stack.enter_context(stores.open(store, schema=schema, create=True))
            self.store = store
            self._unchanged = skip_unchanged(store)
            self.run_id = store.begin_run(command=command, extractor_version=VERSION,
                                          root=escape_name(self.root) if self.root else None)
            self.batch = stores.BatchWriter(store, self.run_id)
            self.summary.database = store.url
        if out is not None and fmt is not None:
            if isinstance(out, (str, os.PathLike)):
                stream = stack.enter_context(_open_out(os.fspath(out), csv=fmt == "csv"))
                self.summary.out = None if os.fspath(out) == "-" else os.fspath(out)
            else:
                stream = out
            self.write = _writer(stream, fmt)

    def __call__(self, location: str, doc_id: str) -> bool:
        """Whether the database holds this file unchanged (asked once the run is open)."""
        return self._unchanged is not None and self._unchanged(location, doc_id)

    def prefetch(self, locations: list[str]) -> None:
        """Read what the database holds for a group of files in one query (see skip_unchanged)."""
        prefetch = getattr(self._unchanged, "prefetch", None)
        if prefetch is not None:
            prefetch(locations)

    def note_other_extractors(self) -> None:
        """One line when the database holds documents another extractor (other rules, lexicons
        or model) made: they are extracted again as the run reaches them."""
        assert self.store is not None
        others = {version: n for version, n in self.store.extractor_versions().items() if version != VERSION}
        if others:
            self.warn(f"note: {sum(others.values())} stored documents were extracted by another extractor "
                      f"({', '.join(sorted(others))}); the files of this run are extracted again with {VERSION}")

    def write_all(self, results: Iterator[FileResult]) -> None:
        """Write every result; on Ctrl-C what was extracted is kept and :class:`Interrupted` raised."""
        try:
            for result in results:
                if result.path in self.seen:
                    self.warn(f"warning: two files are both shown as {shown_name(result.path)}; both are stored (a "
                              "file is known by where it is), but to tell them apart in listings give --root")
                self.seen.add(result.path)
                with _interrupt_after():
                    self.add(result)
                self.told()
            with _interrupt_after():
                self.flush()
            self.told()
        except KeyboardInterrupt:
            with contextlib.suppress(KeyboardInterrupt), _interrupt_after():
                self.flush()  # what was extracted is kept
            self.told()
            self.summary.interrupted = True
            self.end()
            raise Interrupted(self.summary) from None

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

    def told(self) -> None:
        """What was written: counted, and told about."""
        while self.outcomes:
            result, answer = self.outcomes.popleft()
            self.summary.add(result, answer)
            self.located.add(result.location or result.path)
            if result.status == "error":
                self.unreadable.append(result.location or result.path)
            if answer == "duplicate":
                self.warn(self.duplicate_line(result))
            if self.on_result is not None:
                self.on_result(result)

    def duplicate_line(self, result: FileResult) -> str:
        state = self.store.document_state(result.location or result.path) if self.store is not None else None
        original = state.duplicate_of if state is not None and state.duplicate_of else "another file"
        if self.store is None:  # no database: told by the run's Copies, a display path
            original = self.copies.original(result.doc_id) or original
        if self.root and original.startswith(self.root.rstrip("/") + "/"):
            original = original[len(self.root.rstrip("/")) + 1 :]
        return (f"warning: {shown_name(result.path)} is a duplicate submission of {shown_name(original)} (the same "
                "bytes): stored as one document with two locations, its figures counted once")

    def finish_store(self, paths: Sequence[str | os.PathLike[str]], options: ExtractOptions,
                     shown_from: str | None) -> None:
        """Mark files gone from the folders given removed, and extract again the duplicates
        whose original is gone or changed."""
        assert self.store is not None
        walked = [locate(path) for path in paths if os.path.isdir(path)]
        gone = (
            self.store.mark_removed(self.run_id or "", walked, self.located, keep_under=self.unreadable) if walked else []
        )
        if gone:
            self.summary.written["removed"] += len(gone)
        for line in removed_lines(gone):
            self.warn(line)
        for result in promote_orphans(self.store, options, shown_from):
            self.add(result)
        self.flush()
        while self.outcomes:
            self.summary.written[self.outcomes.popleft()[1] or "unchanged"] += 1

    def end(self) -> None:
        if self.store is not None and self.run_id is not None:
            interrupted = {"interrupted": 1} if self.summary.interrupted else {}
            self.store.end_run(self.run_id, {**self.summary.as_dict(), **interrupted})


def removed_lines(gone: Sequence[tuple[str, str]], why: str = "is gone from its folder") -> list[str]:
    """A ``removed:`` line for each file marked removed (``(path, location)``), at most
    :data:`REMOVED_SHOWN` of them and a line for the rest."""
    lines = [f"removed: {shown_name(location or path)} {why}; it is out of claims, stats and the table, kept as "
             "history (chanjia prune drops it)" for path, location in gone[:REMOVED_SHOWN]]
    if len(gone) > REMOVED_SHOWN:
        lines.append(f"removed: … and {len(gone) - REMOVED_SHOWN} more files gone from the folders given")
    return lines


def promote_orphans(st: Store, options: ExtractOptions, root: str | None) -> Iterator[FileResult]:
    """The files stored as duplicates of a document that is gone or changed since, extracted
    again: the first of the same bytes becomes the document, the others its duplicates."""
    states = st.document_states()
    orphans = [location for location in st.orphaned_duplicates() if os.path.isfile(location)]
    if orphans:
        for result in iter_results(orphans, options=options, root=root):
            if result.doc is not None and result.location in states:
                result.doc["path"] = states[result.location].path  # shown as before
            yield result


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
