"""Whole folders: throughput with 1 and 2 worker processes against a CPU control, peak memory,
and what writing into SQLite and PostgreSQL adds.

    python benchmarks/folder.py [--docs 20000] [--mb 50] [--repeats 3] [--pg-url URL] [--cache DIR]

On a generated corpus (``scripts/make_corpus.py``, cached between runs; issue 5 asks for ≥ 20,000
reports, ≥ 50 MB). The machine is shared, so every figure is relative to something measured in
the same process at the same moment, and medians of paired runs are reported:

- **CPU control** first and before each repeat: the same pure-Python work in one process, then
  in two side by side; ``2 × alone / together`` is how many cores were actually free (2.00: two).
- **speed-up**: 1 worker's run time over ``--workers`` workers' run time, paired per repeat, and
  the share of what the control allowed (target ≥ 1.7× when the control finds two free cores).
- **over extraction**: what ``chanjia extract --workers N`` does into SQLite and PostgreSQL
  (batched writes in the main process, one query per group of files to decide what to skip) as a
  ratio of its run time to the extraction-only run of the same repeat (target ≤ 1.2×).
  PostgreSQL runs where ``--pg-url`` (or ``$CHANJIA_TEST_PG_URL``) is given, in a fresh schema.
- **writes alone**: the store's own CPU cost per document without extraction, one transaction
  per document against batches (``store.BatchWriter``), paired in fresh databases.
- peak memory: each process's high-water mark (``VmHWM``), sampled while it runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from make_corpus import make_corpus  # noqa: E402  (scripts/make_corpus.py)

from chanjia_nlp import store  # noqa: E402
from chanjia_nlp.runner import VERSION, iter_results, skip_unchanged  # noqa: E402

#: Average bytes per generated report: 20,000 reports make 50 MB.
BYTES_PER_DOC = 2500


def corpus(docs: int, megabytes: float, cache: Path) -> tuple[Path, int]:
    """The generated folder (made once per corpus/, generator and size) and its size in bytes."""
    sources = [ROOT / "scripts" / "make_corpus.py", *sorted((ROOT / "corpus").glob("*.txt"))]
    key = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
    folder = cache / f"folder-{docs}-{megabytes:g}-{key}"
    done = folder / ".complete"
    if not done.is_file():
        print(f"generating {docs:,} reports into {folder} …", flush=True)
        make_corpus(folder, docs=docs, megabytes=megabytes)
        done.write_text("ok\n")
    size = sum(p.stat().st_size for p in folder.rglob("*.txt"))
    return folder, size


class Processes:
    """Samples this process and its descendants (pool workers are grandchildren under
    forkserver) every ``every`` seconds: the peak RSS of each, and the CPU time each has used
    (so a run's CPU seconds can be told apart from its wall-clock time on a busy machine)."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.peaks: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Processes:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def cpu_seconds(self) -> float:
        """CPU time used so far by every process seen (a process that ended counts as last sampled)."""
        self._sample()
        return sum(self.cpu.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.every)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        for process in [me, *me.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self.cpu[process.pid] = times.user + times.system
            peak = _high_water_bytes(process)
            if peak:
                self.peaks[process.pid] = max(peak, self.peaks.get(process.pid, 0))


def _high_water_bytes(process) -> int:
    """``VmHWM`` (the kernel's peak RSS) where /proc has it, else the current RSS; 0 for a
    process that ended between listing and reading."""
    import psutil

    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return process.memory_info().rss
    except (OSError, ValueError, psutil.Error):
        return 0


def spin(rounds: int) -> float:
    """CPU seconds-worth of pure Python work (the control); returns its wall-clock time."""
    started = time.perf_counter()
    total = 0
    for n in range(rounds):
        total += n * n % 7
    return time.perf_counter() - started


def control(rounds: int = 3_000_000) -> float:
    """How many cores were free: the same CPU-bound work in one process, then in two at once
    (two fresh processes, as the pool's workers are). 2.0 when both ran side by side at full
    speed; 1.0 when only one core was to be had."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pool.map(spin, [rounds // 10] * 2)  # both started and warm
        alone = pool.apply(spin, (rounds,))
        started = time.perf_counter()
        pool.map(spin, [rounds, rounds], chunksize=1)
        together = time.perf_counter() - started
    return 2 * alone / together


def extract_only(folder: Path, workers: int, processes: Processes) -> tuple[float, float]:
    """Seconds to extract every file, and the CPU seconds all processes spent on it."""
    cpu, started = processes.cpu_seconds(), time.perf_counter()
    for _ in iter_results([folder], workers=workers):
        pass
    return time.perf_counter() - started, processes.cpu_seconds() - cpu


def into_store(folder: Path, target: str, schema: str | None, workers: int, *, batch: int = 32) -> tuple[float, int]:
    """What ``chanjia extract --workers N`` does: extraction in the pool, the main process
    deciding what to skip (one query per group of files) and writing batches of documents
    (``batch=1``: one transaction per document, as before batching). Returns the run's seconds
    and the files skipped as already stored."""
    started = time.perf_counter()
    skipped = 0
    with store.open(target, schema=schema, create=True) as st:
        run_id = st.begin_run(command="benchmarks/folder.py", extractor_version=VERSION)
        writer = store.BatchWriter(st, run_id, docs=batch)
        for result in iter_results([folder], workers=workers, skip=skip_unchanged(st)):
            if result.doc is None:  # skipped: stored already
                skipped += 1
                continue
            writer.add(result.path, result.doc, result.records, result.location)
        writer.flush()
        st.end_run(run_id, {"benchmark": 1})
    return time.perf_counter() - started, skipped


def writes_alone(folder: Path, target: str, schema: bool, repeats: int, docs: int = 1000
                 ) -> tuple[float, float, list[float]]:
    """The store's own cost, without extraction: up to ``docs`` extracted files written one
    transaction per document, then in batches, alternating in fresh databases (PostgreSQL:
    ``schema``, a fresh schema each time). Returns the
    median CPU seconds of this process for each way, and the paired ratios (one by one ÷ batched)."""
    results = []
    for result in iter_results([folder]):
        results.append(result)
        if len(results) >= docs:
            break
    cpu: dict[bool, list[float]] = {False: [], True: []}
    ratios = []
    for _ in range(repeats):
        for batched in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                where = target if target.startswith("postgresql") else str(Path(tmp) / "writes.sqlite")
                name = f"bench_{uuid.uuid4().hex[:8]}" if schema else None
                try:
                    with store.open(where, schema=name, create=True) as st:
                        run_id = st.begin_run(command="benchmarks/folder.py")
                        started = time.process_time()
                        if batched:
                            writer = store.BatchWriter(st, run_id)
                            for r in results:
                                writer.add(r.path, r.doc or {}, r.records, r.location)
                            writer.flush()
                        else:
                            for r in results:
                                st.write_document(r.doc or {}, r.records, run_id, location=r.location)
                        cpu[batched].append(time.process_time() - started)
                finally:
                    if name:
                        _drop_schema(target, name)
        ratios.append(cpu[False][-1] / cpu[True][-1])
    return statistics.median(cpu[False]) / len(results), statistics.median(cpu[True]) / len(results), sorted(ratios)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--mb", type=float, help="total size in MB (10⁶ bytes); default 2.5 kB a report")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="the pool size compared with 1 worker")
    parser.add_argument("--pg-url", default=os.environ.get("CHANJIA_TEST_PG_URL"))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "chanjia-bench")
    args = parser.parse_args(argv)
    megabytes = args.mb or args.docs * BYTES_PER_DOC / 1e6

    folder, size = corpus(args.docs, megabytes, args.cache)
    mb = size / 1e6
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"corpus: {args.docs:,} reports, {mb:.1f} MB; {os.cpu_count()} CPUs, load average {load}; "
          f"{args.repeats} repeats")
    free = [control()]
    print(f"CPU control before the runs: {free[0]:.2f} cores free (2 processes of pure Python side by side; "
          "2.00 = both at full speed)", flush=True)
    one: list[tuple[float, float]] = []
    many: list[tuple[float, float]] = []
    over: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": [], "SQLite, a transaction per document": []}
    runs: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": [], "SQLite, a transaction per document": []}
    rerun: list[tuple[float, int]] = []
    with Processes() as processes:
        for _ in range(args.repeats):
            free.append(control())
            one.append(extract_only(folder, 1, processes))
            many.append(extract_only(folder, args.workers, processes))
            with tempfile.TemporaryDirectory() as tmp:
                db = str(Path(tmp) / "bench.sqlite")
                seconds, _ = into_store(folder, db, None, args.workers)
                runs["SQLite"].append(seconds)
                over["SQLite"].append(seconds / many[-1][0])
                rerun.append(into_store(folder, db, None, args.workers))
            with tempfile.TemporaryDirectory() as tmp:
                seconds, _ = into_store(folder, str(Path(tmp) / "single.sqlite"), None, args.workers, batch=1)
                runs["SQLite, a transaction per document"].append(seconds)
                over["SQLite, a transaction per document"].append(seconds / many[-1][0])
            if args.pg_url:
                schema = f"bench_{uuid.uuid4().hex[:8]}"
                try:
                    seconds, _ = into_store(folder, args.pg_url, schema, args.workers)
                finally:
                    _drop_schema(args.pg_url, schema)
                runs["PostgreSQL"].append(seconds)
                over["PostgreSQL"].append(seconds / many[-1][0])
            print(f"  repeat {len(one)}: control {free[-1]:.2f} cores; 1 worker {one[-1][0]:.1f} s, "
                  f"{args.workers} workers {many[-1][0]:.1f} s, "
                  + ", ".join(f"{name} {r[-1]:.1f} s" for name, r in runs.items() if r), flush=True)

    median = statistics.median
    print()
    print("| run | median s | docs/s | MB/s | CPU s (all processes) | over extraction (ratio of run times) |")
    print("|---|---|---|---|---|---|")
    rows: list[tuple[str, float, float | None, str]] = [("extract, 1 worker", median(s for s, _ in one), median(c for _, c in one), ""),
            (f"extract, {args.workers} workers", median(s for s, _ in many), median(c for _, c in many), "1.00×")]
    for name in runs:
        if runs[name]:
            spread = ", ".join(f"{r:.2f}" for r in sorted(over[name]))
            rows.append((f"+ {name}, {args.workers} workers", median(runs[name]), None,
                         f"{median(over[name]):.2f}× ({spread}; target ≤ 1.20×)"))
    rows.append((f"re-run into SQLite ({rerun[-1][1]:,} skipped)", median(s for s, _ in rerun), None, ""))
    for name, seconds, cpu, note in rows:
        cpu_text = f"{cpu:.1f}" if cpu is not None else ""
        print(f"| {name} | {seconds:.1f} | {args.docs / seconds:,.0f} | {mb / seconds:.2f} | {cpu_text} | {note} |")
    print()
    ratios = sorted(a[0] / b[0] for a, b in zip(one, many))
    speedup, cores = median(ratios), median(free)
    spread = ", ".join(f"{r:.2f}" for r in ratios)
    controls = ", ".join(f"{c:.2f}" for c in free)
    print(f"CPU control: {cores:.2f} cores free, median of {len(free)} ({controls})")
    print(f"speed-up {args.workers} vs 1 worker: {speedup:.2f}× median of paired runs ({spread}); the control "
          f"allowed {cores:.2f}×, so the pool reached {speedup / cores:.0%} of what the free cores allowed")
    if cores >= 1.9:
        print(f"target ≥ 1.7× with two free cores: {'met' if speedup >= 1.7 else 'NOT met'}")
    else:
        print("target ≥ 1.7× not judged: the control did not find two free cores (the machine was shared)")
    for name in ("SQLite", "PostgreSQL"):
        if over[name]:
            verdict = "met" if median(over[name]) <= 1.2 else "NOT met"
            print(f"{name}: the database run takes {median(over[name]):.2f}× the extraction-only run "
                  f"(median of paired runs; target ≤ 1.2×): {verdict}")
    stores: list[tuple[str, str | None, bool]] = [("SQLite", "sqlite", False), ("PostgreSQL", args.pg_url, True)]
    for name, target, fresh_schema in stores:
        if target:
            single, batched, paired = writes_alone(folder, target, fresh_schema, args.repeats)
            spread = ", ".join(f"{r:.2f}" for r in paired)
            print(f"{name} writes alone (no extraction; CPU of the main process per document): one transaction per "
                  f"document {single * 1000:.2f} ms, batched {batched * 1000:.2f} ms: "
                  f"{statistics.median(paired):.2f}× less ({spread})")
    main_pid = os.getpid()
    main_peak = processes.peaks.get(main_pid, 0) / 1e6
    worker_peak = max((v for pid, v in processes.peaks.items() if pid != main_pid), default=0) / 1e6
    verdict = "met" if max(main_peak, worker_peak) < 400 else "NOT met"
    print(f"peak memory: main process {main_peak:.0f} MB, largest other process {worker_peak:.0f} MB "
          f"(target < 400 MB): {verdict}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (above {os.cpu_count()}, other work shared the CPUs and the timings)")
    return 0


def _drop_schema(url: str, schema: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
