"""Whole folders: throughput with 1 and 2 worker processes, peak memory, and database write cost.

    python benchmarks/folder.py [--docs 20000] [--mb 50] [--repeats 3] [--pg-url URL] [--cache DIR]

Issue 5's targets, on a generated corpus of ≥ 20,000 reports totalling ≥ 50 MB
(``scripts/make_corpus.py``, cached between runs): a speed-up of ≥ 1.7× with 2 workers on 2
cores, peak memory per process < 400 MB, and the share of a run that SQLite and PostgreSQL
writes cost. Extraction alone is ``runner.iter_results`` with the records discarded; runs with
1 and 2 workers alternate, and the median of the paired ratios is the speed-up, because the
machine is shared and noisy. A database run is what ``chanjia extract --workers 2`` does:
extraction in the pool, writes in the main process, one transaction per document; its write
cost is given twice, as time inside ``write_document`` and as wall-clock time over extraction
alone. PostgreSQL runs where ``--pg-url`` (or ``$CHANJIA_TEST_PG_URL``) is given, in a
fresh schema dropped afterwards. Peak memory is each process's high-water mark (``VmHWM``),
sampled while it runs.
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


def extract_only(folder: Path, workers: int, processes: Processes) -> tuple[float, float]:
    """Seconds to extract every file, and the CPU seconds all processes spent on it."""
    cpu, started = processes.cpu_seconds(), time.perf_counter()
    for _ in iter_results([folder], workers=workers):
        pass
    return time.perf_counter() - started, processes.cpu_seconds() - cpu


def into_store(folder: Path, target: str, schema: str | None, workers: int) -> tuple[float, float, int]:
    """A ``chanjia extract`` run into ``target``: total seconds, seconds inside write_document,
    and files skipped as already stored."""
    with store.open(target, schema=schema, create=True) as st:
        run_id = st.begin_run(command="benchmarks/folder.py", extractor_version=VERSION)
        writing, skipped = 0.0, 0
        started = time.perf_counter()
        for result in iter_results([folder], workers=workers, skip=skip_unchanged(st)):
            if result.skipped:
                skipped += 1
                continue
            before = time.perf_counter()
            st.write_document(result.doc, result.records, run_id)
            writing += time.perf_counter() - before
        total = time.perf_counter() - started
        st.end_run(run_id, {"benchmark": 1})
    return total, writing, skipped


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
    rows: list[tuple[str, float, float | None, str]] = []  # name, seconds, CPU seconds, write cost
    with Processes() as processes:
        one, many = [], []
        for _ in range(args.repeats):
            one.append(extract_only(folder, 1, processes))
            many.append(extract_only(folder, args.workers, processes))
        ratios = sorted(a[0] / b[0] for a, b in zip(one, many))
        extract_seconds = statistics.median(seconds for seconds, _ in many)
        one_seconds, one_cpu = statistics.median(s for s, _ in one), statistics.median(c for _, c in one)
        rows.append(("extract, 1 worker", one_seconds, one_cpu, ""))
        rows.append((f"extract, {args.workers} workers", extract_seconds, statistics.median(c for _, c in many), ""))

        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "bench.sqlite")
            total, writing, _ = into_store(folder, db, None, args.workers)
            cost = _write_cost(total, writing, extract_seconds)
            rows.append((f"+ SQLite, {args.workers} workers", total, None, cost))
            again, _, skipped = into_store(folder, db, None, args.workers)
            rows.append((f"re-run into SQLite ({skipped:,} skipped)", again, None, ""))
        if args.pg_url:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            try:
                total, writing, _ = into_store(folder, args.pg_url, schema, args.workers)
                cost = _write_cost(total, writing, extract_seconds)
                rows.append((f"+ PostgreSQL, {args.workers} workers", total, None, cost))
            finally:
                _drop_schema(args.pg_url, schema)

    print()
    print("| run | median s | docs/s | MB/s | CPU s (all processes) | write cost |")
    print("|---|---|---|---|---|---|")
    for name, seconds, cpu, note in rows:
        cpu_text = f"{cpu:.1f}" if cpu is not None else ""
        print(f"| {name} | {seconds:.1f} | {args.docs / seconds:,.0f} | {mb / seconds:.2f} | {cpu_text} | {note} |")
    print()
    spread = ", ".join(f"{r:.2f}" for r in ratios)
    speedup = statistics.median(ratios)
    verdict = "met" if speedup >= 1.7 else "NOT met"
    print(f"speed-up {args.workers} vs 1 worker: {speedup:.2f}× median of paired runs ({spread}) "
          f"(target ≥ 1.7×): {verdict}")
    main_pid = os.getpid()
    main_peak = processes.peaks.get(main_pid, 0) / 1e6
    worker_peak = max((v for pid, v in processes.peaks.items() if pid != main_pid), default=0) / 1e6
    verdict = "met" if max(main_peak, worker_peak) < 400 else "NOT met"
    print(f"peak memory: main process {main_peak:.0f} MB, largest other process {worker_peak:.0f} MB "
          f"(target < 400 MB): {verdict}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (above {os.cpu_count()}, other work shared the CPUs and the timings)")
    return 0


def _write_cost(total: float, writing: float, extract_seconds: float) -> str:
    """Time in write_document as a share of the run, and the run's extra wall-clock time over extraction alone."""
    over = max(0.0, total - extract_seconds) / total
    return f"{writing / total:.0%} of the run in write_document; {over:.0%} wall-clock over extraction"


def _drop_schema(url: str, schema: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
