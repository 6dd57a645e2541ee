"""The per-file time budget (issue 14 class 7, ``--timeout-per-file``): a file that takes too long
becomes an error record and the run goes on, in every engine.

The slow file is genuinely slow: real report text, a few MB of it, which takes the extractor
seconds (many times the 1 s budget given here), never a sleep; the good files beside it take
milliseconds. Nothing here asserts a time other than the budget itself.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chanjia_nlp import runner
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.runner import ExtractOptions, FileResult, iter_results, within_budget

from .conftest import ROOT, fresh_pg_schema

BUDGET = 1.0
OVER_BUDGET = "took longer than the 1 s allowed"


def slow_text() -> str:
    """About 3 MB of the sample reports: seconds of extraction, far past the budget."""
    text = "".join((ROOT / "corpus" / name).read_text(encoding="utf-8") for name in (
        "02_district_summary_2022.txt", "03_breakdown_qizhong.txt", "08_enterprise_news.txt",
    ))
    return text * (3 * 2**20 // len(text.encode()) + 1)


def reports(folder: Path, good: int = 5) -> tuple[set[str], str]:
    """A folder with ``good`` short reports around one slow one; (good display paths, the slow one)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = set()
    for n in range(good):
        name = f"r{n:02d}.txt"
        (folder / name).write_text(f"惠山区总工会\n\n全区建成职工之家{n + 1}个，培训职工{3 * n + 7}人次。\n", encoding="utf-8")
        names.add(name)
    (folder / "r02_slow.txt").write_text(slow_text(), encoding="utf-8")
    return names, "r02_slow.txt"


def check(results: list[FileResult], good: set[str], slow: str) -> None:
    by_path = {r.path: r for r in results}
    assert len(by_path) == len(results) == len(good) + 1  # one result per file
    assert {p for p, r in by_path.items() if r.status == "ok"} == good
    assert all(by_path[p].records for p in good)  # the good files were extracted whole
    failed = by_path[slow]
    assert failed.status == "error" and OVER_BUDGET in failed.doc["error"] and "--timeout-per-file" in failed.doc["error"]
    assert failed.records == [] and failed.doc["text"] is None
    assert failed.doc_id == runner.hashlib.sha256((Path(failed.location or "").read_bytes())).hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_slow_file_is_stopped_and_the_files_after_it_are_extracted(tmp_path, workers):
    good, slow = reports(tmp_path / "reports")
    options = ExtractOptions(timeout_per_file=BUDGET)
    check(list(iter_results([tmp_path / "reports"], options=options, workers=workers)), good, slow)


def test_in_process_budget_leaves_the_pipeline_usable(tmp_path):
    # Stopped in the middle of extracting, the in-process pipeline must give the same records as
    # a fresh one for the files after it.
    folder = tmp_path / "reports"
    good, slow = reports(folder)
    files = [folder / name for name in sorted(good)]
    before = {r.path: r.records for r in iter_results(files, root=folder)}
    results = list(iter_results([folder], options=ExtractOptions(timeout_per_file=BUDGET)))
    assert {r.path: r.records for r in results if r.path != slow} == before
    assert {r.path: r.records for r in iter_results(files, root=folder)} == before


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, processes=True, threads_per_worker=2, dashboard_address=None
    ) as local_cluster:
        yield local_cluster


@pytest.mark.slow
def test_dask_workers_keep_the_budget_in_their_task_threads(tmp_path, cluster):
    good, slow = reports(tmp_path / "reports")
    options = ExtractOptions(timeout_per_file=BUDGET)
    check(list(iter_results([tmp_path / "reports"], options=options, engine="dask", scheduler=cluster)), good, slow)
    again = list(iter_results([tmp_path / "reports"], options=options, engine="dask", scheduler=cluster))
    check(again, good, slow)  # the worker that stopped the slow file works on


def stuck_in_c(batch: list) -> list[FileResult]:
    """A pool task whose file ``stuck.txt`` never returns and never sees the budget's alarm,
    as inside a C library: SIGALRM is blocked while it waits."""
    out = []
    for job in batch:
        if job.display_path == "stuck.txt":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            threading.Event().wait()
        out.append(runner.process_bytes(*job))
    return out


@pytest.mark.slow
def test_a_worker_stuck_past_the_budget_is_killed_and_replaced(tmp_path, monkeypatch):
    psutil = pytest.importorskip("psutil")
    if "forkserver" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("needs the forkserver start method to tell pool workers apart")
    monkeypatch.setattr(runner, "STUCK_GRACE_SECONDS", 1.0)
    monkeypatch.setattr(runner, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(runner, "BATCH_FILES", 3)
    folder = tmp_path / "reports"
    folder.mkdir()
    names = {f"r{n:02d}.txt" for n in range(12)}
    for name in names:
        (folder / name).write_text(f"惠山区总工会\n\n全区建成职工之家{name[1:3]}个。\n", encoding="utf-8")
    (folder / "stuck.txt").write_text("惠山区总工会\n\n全区建成职工之家3个。\n", encoding="utf-8")
    options = ExtractOptions(timeout_per_file=BUDGET)
    jobs = runner._batched(runner._jobs([folder], options, {}, None, folder))
    me = psutil.Process()

    def pool_workers() -> set[int]:  # children of the forkserver, not of this process
        return {p.pid for p in me.children(recursive=True) if p.ppid() != me.pid and p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE}

    results, first, at_stuck = [], set(), set()
    for result in runner._run_pool(jobs, 2, BUDGET, stuck_in_c):
        first = first or pool_workers()
        if result.path == "stuck.txt":
            at_stuck = pool_workers()
        results.append(result)
    by_path = {r.path: r for r in results}
    assert len(results) == len(by_path) == 13
    assert {p for p, r in by_path.items() if r.status == "ok"} == names  # the batch beside it was retried
    assert by_path["stuck.txt"].status == "error" and OVER_BUDGET in by_path["stuck.txt"].doc["error"]
    assert first and at_stuck and not first & at_stuck  # the stuck worker was killed, and replaced


def test_within_budget_stops_work_on_the_main_thread_and_on_others():
    assert within_budget(lambda: "done", 5.0) == "done"

    def spin() -> None:
        while True:
            pass

    assert within_budget(spin, 0.2) is None
    assert within_budget(lambda: re.match(r"(a+)+$", "a" * 40 + "b"), 0.2) is None  # backtracking, in C
    found: list[object] = []
    thread = threading.Thread(target=lambda: found.extend([within_budget(spin, 0.2), within_budget(lambda: 7, 5.0)]))
    thread.start()
    thread.join(60)
    assert found == [None, 7]
    time.sleep(0.3)  # a timer that fired late must not reach this thread afterwards
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


def test_bad_budgets_raise_at_once():
    for bad in (-1, float("nan"), float("inf"), "10", True):
        with pytest.raises(ConfigError, match="timeout_per_file"):
            ExtractOptions(timeout_per_file=bad)  # type: ignore[arg-type]


def chanjia(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chanjia_nlp", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_chanjia_extract_stores_the_good_files_and_an_error_for_the_slow_one(tmp_path, workers):
    good, slow = reports(tmp_path / "reports")
    db = tmp_path / "c.sqlite"
    done = chanjia("extract", "reports", "--db", str(db), "--timeout-per-file", "1", "-w", workers, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {slow}: reading and extracting this file {OVER_BUDGET}, so it was stopped; split it "
                      "into smaller files, or raise --timeout-per-file (0 = no limit)"]
    assert "Traceback" not in done.stderr
    rows = dict(sqlite3.connect(db).execute("SELECT path, status FROM documents"))
    assert rows == {**{name: "ok" for name in good}, slow: "error"}


def test_chanjia_extract_into_postgresql_with_a_budget(tmp_path):
    good, slow = reports(tmp_path / "reports")
    with fresh_pg_schema() as (url, schema):
        done = chanjia("extract", "reports", "--db", url, "--schema", schema, "--timeout-per-file", "1", "-w", "2",
                       cwd=tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        with engine.connect() as conn:
            rows = dict(conn.exec_driver_sql(f'SELECT path, status FROM "{schema}".documents').all())
        engine.dispose()
    assert rows == {**{name: "ok" for name in good}, slow: "error"}
