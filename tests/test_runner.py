"""The runner: files to records in one process, a process pool or a Dask cluster, streaming."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp import runner
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.runner import ExtractOptions, FileResult, iter_results, load_metadata, process_bytes

from .conftest import ROOT

CORPUS = ROOT / "corpus"
GOOD = "梁溪区总工会\n\n今年全区新增高技能人才1200余名，建成职工之家30个。\n"


def canonical(results: list[FileResult]) -> list[str]:
    """Results as sorted JSON lines: equal when the same files gave the same records, in any order."""
    return sorted(json.dumps([r.doc, r.records], ensure_ascii=False, sort_keys=True) for r in results)


def small_reports(folder: Path, count: int) -> Path:
    """``count`` short reports, each a different figure."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"r{n:03d}.txt").write_text(f"惠山区总工会\n\n全区建成职工之家{n + 1}个，培训职工{3 * n + 7}人次。\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus_results() -> list[FileResult]:
    return list(iter_results([CORPUS]))


def test_process_bytes_gives_the_document_with_its_text(tmp_path):
    data = GOOD.encode("gb18030")
    result = process_bytes(data, "a.txt", "sub/a.txt", ExtractOptions(metadata={"published": "2021-05-01"}))
    doc = result.doc
    assert doc["type"] == "document" and doc["path"] == "sub/a.txt" and doc["status"] == "ok"
    assert doc["doc_id"] == result.doc_id == hashlib.sha256(data).hexdigest()
    assert doc["text"] == GOOD and doc["encoding"] == "gb18030" and doc["extractor_version"] == runner.VERSION
    quantities = [r for r in result.records if r["type"] == "quantity"]
    assert [q["text"] for q in quantities] == ["1200余名", "30个"]
    assert {q["period"] for q in quantities} == {"2021"}  # 今年 resolved against the given date
    for record in result.records:
        assert record["doc_id"] == result.doc_id and record["path"] == "sub/a.txt"
        assert doc["text"][record["start"] : record["end"]] == record["text"]


def test_unreadable_bytes_give_an_error_document_and_no_records():
    result = process_bytes(b"\x00\x01\x02binary" * 20, "x.txt", "x.txt")
    assert result.status == "error" and result.doc["text"] is None and result.records == []
    assert "binary" in result.doc["error"]


@pytest.mark.slow
def test_two_workers_give_exactly_the_records_of_one(corpus_results):
    assert len(corpus_results) == 10
    assert canonical(list(iter_results([CORPUS], workers=2))) == canonical(corpus_results)


def test_one_worker_keeps_the_order_of_the_files(corpus_results):
    assert [r.path for r in corpus_results] == sorted(p.name for p in CORPUS.glob("*.txt"))


@pytest.mark.slow
def test_bad_files_do_not_stop_the_rest(tmp_path):
    folder = small_reports(tmp_path / "reports", 6)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK" * 50)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04broken")
    (folder / "big.txt").write_text(GOOD * 50, encoding="utf-8")
    results = list(iter_results([folder, tmp_path / "missing.txt"], workers=2, options=ExtractOptions(max_bytes=1000)))
    status = {r.path: r.status for r in results}
    errors = {path for path, s in status.items() if s == "error"}
    missing = str(tmp_path / "missing.txt")
    assert errors == {"empty.txt", "binary.txt", "broken.docx", "big.txt", missing}
    assert sorted(p for p, s in status.items() if s == "ok") == [f"r{n:03d}.txt" for n in range(6)]
    by_path = {r.path: r for r in results}
    assert "over the" in by_path["big.txt"].doc["error"] and "check the path" in by_path[missing].doc["error"]
    assert all(not by_path[p].records for p in errors)


def test_skip_is_asked_with_the_sha256_before_extracting(tmp_path):
    folder = small_reports(tmp_path / "reports", 4)
    asked = []

    def skip(path: str, doc_id: str) -> bool:
        asked.append((path, doc_id))
        return not path.endswith("/r002.txt")

    results = list(iter_results([folder], skip=skip))
    # asked with the file's location (its resolved path), which identifies it, not its display path
    assert asked == [(str(p.resolve()), hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(folder.iterdir())]
    assert [r.location for r in results] == [str(p.resolve()) for p in sorted(folder.iterdir())]
    assert [(r.path, r.status) for r in results] == [
        ("r000.txt", "skipped"), ("r001.txt", "skipped"), ("r002.txt", "ok"), ("r003.txt", "skipped")
    ]
    assert all(r.doc is None and r.records == [] for r in results if r.skipped)


@pytest.mark.slow
@pytest.mark.parametrize(
    "workers, in_flight", [(1, 1), (2, runner.WINDOW_PER_WORKER * 2 * runner.BATCH_FILES + runner.BATCH_FILES)]
)
def test_files_are_read_as_they_are_needed(tmp_path, workers, in_flight):
    folder = small_reports(tmp_path / "reports", 100)
    pulled = []

    def paths():
        for path in sorted(folder.iterdir()):
            pulled.append(path)
            yield path

    results = iter_results(paths(), workers=workers)
    next(results)
    assert len(pulled) <= in_flight < 100  # a bounded window, not the whole folder
    rest = list(results)
    assert len(rest) == 99 and len(pulled) == 100


def _pool_workers(before: set[int]) -> list[int]:
    """The pool's worker processes: started since ``before``, and children of the forkserver
    (or spawn parent), not of this process."""
    import psutil

    me = psutil.Process()
    return [p.pid for p in me.children(recursive=True) if p.pid not in before and p.ppid() != me.pid]


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_file(tmp_path):
    pytest.importorskip("psutil")
    import psutil

    if "forkserver" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("needs the forkserver start method to tell pool workers apart")
    folder = small_reports(tmp_path / "reports", 30)
    expected = canonical(list(iter_results([folder])))
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    results = iter_results([folder], workers=2)
    got = [next(results)]
    victims = _pool_workers(before)
    assert victims, "no pool worker found"
    os.kill(victims[0], signal.SIGKILL)
    got.extend(results)
    assert canonical(got) == expected  # the files in flight were retried, none blamed


@pytest.mark.slow
def test_closing_a_pool_never_waits_on_a_stuck_worker():
    # A worker that cannot exit (here: busy for an hour; in life: blocked on a lock a killed
    # sibling held) is killed once the grace is over, instead of hanging the run for ever.
    import concurrent.futures
    import multiprocessing
    import time

    pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(time.sleep, 3600)
    time.sleep(1.0)  # the worker has taken the task
    (worker,) = pool._processes.values()
    started = time.monotonic()
    runner._close(pool, grace=0.5)
    assert time.monotonic() - started < 30
    assert not worker.is_alive()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: iter_results([CORPUS], engine="spark"), "'local', 'dask'"),
        (lambda: iter_results([CORPUS], workers=0), "1 or more"),
        (lambda: iter_results([CORPUS], engine="dask"), "--scheduler tcp://"),
        (lambda: iter_results([CORPUS], scheduler="tcp://127.0.0.1:8786"), "--engine dask"),
        (lambda: iter_results([CORPUS], metadata={"a.txt": {"author": "x"}}), "valid: title, published, source"),
        (lambda: ExtractOptions(metadata={"published": "2023/04/06"}), "YYYY-MM-DD"),
        (lambda: ExtractOptions(metadata={"published": "2023-02-30"}), "YYYY-MM-DD"),
        (lambda: ExtractOptions(metadata={"titel": "x"}), "unknown field(s) titel"),
    ],
    ids=[
        "engine", "workers", "dask-without-scheduler", "scheduler-without-dask", "metadata-key", "date-form",
        "date-day", "option-key",
    ],
)
def test_bad_options_raise_at_once(call, message):
    with pytest.raises(ConfigError) as info:
        call()  # no iteration: the error comes before any file is read
    assert message in str(info.value)


def test_metadata_overrides_what_is_read(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("发布时间:2023-04-06\n\n" + GOOD, encoding="utf-8")
    (folder / "b.txt").write_text("发布时间:2023-04-06\n\n" + GOOD, encoding="utf-8")
    options = ExtractOptions(metadata={"title": "全区简报", "source": "惠山日报"})
    per_file = {"b.txt": {"published": "2020-01-02", "title": "特刊"}}
    docs = {r.path: r for r in iter_results([folder], options=options, metadata=per_file)}
    a, b = docs["a.txt"].doc, docs["b.txt"].doc
    assert (a["title"], a["published"], a["source"]) == ("全区简报", "2023-04-06", "惠山日报")
    assert (b["title"], b["published"], b["source"]) == ("特刊", "2020-01-02", "惠山日报")  # the file's row wins
    assert {q["period"] for q in docs["a.txt"].records if q.get("claim")} == {"2023"}
    assert {q["period"] for q in docs["b.txt"].records if q.get("claim")} == {"2020"}


def _write_csv(path: Path, rows: list[list[str]], *, bom: bool = False) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def test_load_metadata_reads_a_spreadsheet_export(tmp_path):
    path = _write_csv(
        tmp_path / "m.csv",
        [["path", "published", "title", "source"], ["a.txt", "2023-01-10", "", "工人日报"], ["sub/b.txt", "", "题", ""]],
        bom=True,
    )
    assert load_metadata(path) == {
        "a.txt": {"published": "2023-01-10", "source": "工人日报"}, "sub/b.txt": {"title": "题"}
    }


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [["path", "title", "author"], ["a.txt", "t", "x"]],
            "unknown column(s) 'author'; valid columns: path, title, published, source",
        ),
        ([["file", "title"], ["a.txt", "t"]], "unknown column(s) 'file'"),
        ([["title"], ["t"]], "no `path` column"),
        ([["path", "published"], ["a.txt", "2023年1月"]], "line 2: published = '2023年1月' is not a date"),
        ([["path", "title"], ["a.txt", "x"], ["a.txt", "y"]], "line 3: a.txt is listed twice"),
        ([["path", "title"], ["", "x"]], "line 2: the `path` cell is empty"),
    ],
    ids=["unknown", "renamed-path", "no-path", "bad-date", "twice", "empty-path"],
)
def test_load_metadata_refuses_bad_tables(tmp_path, rows, message):
    with pytest.raises(ConfigError) as info:
        load_metadata(_write_csv(tmp_path / "m.csv", rows))
    assert message in str(info.value)


CELL = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=12)  # no whitespace


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        CELL.filter(bool),
        st.fixed_dictionaries(
            {"title": CELL, "published": st.one_of(st.just(""), st.dates().map(str)), "source": CELL}
        ),
        max_size=6,
    )
)
def test_load_metadata_reads_back_what_a_csv_writer_wrote(tmp_path_factory, table):
    rows = [["path", "title", "published", "source"]]
    rows += [[shown, row["title"], row["published"], row["source"]] for shown, row in table.items()]
    path = _write_csv(tmp_path_factory.mktemp("meta") / "m.csv", rows)
    expected = {shown: {key: value for key, value in row.items() if value} for shown, row in table.items()}
    assert load_metadata(path) == expected


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as local_cluster:
        yield local_cluster


@pytest.mark.slow
def test_dask_cluster_gives_the_records_of_a_local_run(cluster, corpus_results, tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04broken")
    local = corpus_results + list(iter_results([tmp_path]))
    on_cluster = list(iter_results([CORPUS, tmp_path], engine="dask", scheduler=cluster))
    assert canonical(on_cluster) == canonical(local)


def test_dask_by_address_skips_as_asked(cluster):
    only_traps = lambda path, doc_id: not path.endswith("/07_traps.txt")  # noqa: E731
    results = list(iter_results([CORPUS], engine="dask", scheduler=cluster.scheduler_address, skip=only_traps))
    assert [r.path for r in results if not r.skipped] == ["07_traps.txt"] and len(results) == 10


@pytest.mark.slow
def test_chanjia_extract_on_the_cluster_stores_what_a_local_run_stores(cluster, tmp_path):
    from click.testing import CliRunner

    from chanjia_nlp import store
    from chanjia_nlp.cli import cli

    stored = {}
    for name, args in (("local", []), ("dask", ["--engine", "dask", "--scheduler", cluster.scheduler_address])):
        db = str(tmp_path / f"{name}.sqlite")
        result = CliRunner().invoke(cli, ["extract", str(CORPUS), "--db", db, *args])
        assert result.exit_code == 0, result.output
        with store.open(db, create=True) as st:
            stored[name] = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in st.records())
    assert stored["dask"] == stored["local"] and len(stored["local"]) > 10


@pytest.mark.slow
def test_unreachable_scheduler_is_a_config_error():
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    unreachable = "cannot reach the Dask scheduler at tcp://127.0.0.1:9"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(ConfigError, match=unreachable):
        iter_results([CORPUS], engine="dask", scheduler="tcp://127.0.0.1:9")


def test_summary_counts_documents_records_and_writes(corpus_results):
    summary = runner.Summary()
    for result in corpus_results:
        summary.add(result, "inserted")
    summary.add(FileResult(path="x.txt", doc_id="0" * 64, doc=None, records=[]))
    records = [r for result in corpus_results for r in result.records]
    counts = summary.as_dict()
    assert counts["ok"] == 10 and counts["skipped"] == 1 and counts["error"] == 0 and counts["inserted"] == 10
    assert counts["quantities"] == sum(r["type"] == "quantity" for r in records)
    assert counts["claims"] == sum(bool(r.get("claim")) for r in records) > 0
    assert summary.describe().startswith("11 documents (10 ok, 0 error, 1 skipped), ")
    assert counts["undated"] == sum(not result.doc["published"] for result in corpus_results)


@pytest.mark.slow
def test_workers_exit_when_the_run_is_killed(tmp_path):
    # Issue 14 class 8: kill -9 of `chanjia extract --workers 2` must not leave its worker
    # processes (nor the forkserver) alive, blocked on a pipe.
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    folder = tmp_path / "reports"
    folder.mkdir()
    text = (ROOT / "corpus" / "02_district_summary_2022.txt").read_text(encoding="utf-8")
    for n in range(600):
        (folder / f"r{n:04d}.txt").write_text(f"{text}\n编号{n}。\n", encoding="utf-8")
    run = subprocess.Popen(
        [sys.executable, "-m", "chanjia_nlp", "extract", str(folder), "--workers", "2", "--out",
         str(tmp_path / "out.jsonl"), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    children: list = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and run.poll() is None:
            children = psutil.Process(run.pid).children(recursive=True)
            if len(children) >= 3:  # the forkserver and two workers
                break
            time.sleep(0.2)
        assert run.poll() is None and len(children) >= 2, "the run ended or never started its workers"
        time.sleep(2)  # the workers have loaded the pipeline and are working
        children = psutil.Process(run.pid).children(recursive=True)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)

        def alive() -> list:
            out = []
            for child in children:
                try:
                    if child.status() != psutil.STATUS_ZOMBIE:
                        out.append(child)
                except psutil.NoSuchProcess:
                    pass
            return out

        deadline = time.monotonic() + 15
        while alive() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert not alive(), [(c.pid, c.name()) for c in alive()]
    finally:
        for child in children:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        if run.poll() is None:
            run.kill()
