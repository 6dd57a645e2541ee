"""The ``chanjia`` command on real files: records, bad files, exit codes, CSV, ``python -m``."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chanjia_nlp import store
from chanjia_nlp.cli import cli
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.runner import ExtractOptions

from .conftest import ROOT

GOOD = "惠山区总工会\n\n全区新增高技能人才1200余名，累计奖励金额近265万元。\n"


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "reports"
    (root / "sub").mkdir(parents=True)
    (root / "a_utf8.txt").write_text(GOOD, encoding="utf-8")
    (root / "sub" / "b_gb18030.txt").write_bytes("梁溪区建成职工之家30个。".encode("gb18030"))
    (root / "c_bom.txt").write_bytes(b"\xef\xbb\xbf" + "省级试点单位25家".encode())
    (root / "d_empty.txt").write_bytes(b"")
    (root / "e_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (root / "f_latin1.txt").write_bytes("caf\xe9 \xff\xfe\xfd".encode("latin-1") * 3)
    (root / "g_broken.docx").write_bytes(b"PK\x03\x04broken")
    (root / "ignored.xlsx").write_bytes(b"PK")  # not a report format: left to the ledger reader
    return root


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_extract_folder_goes_on_past_bad_files(folder, tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(folder), "--out", str(out)])
    assert result.exit_code == 1, result.output  # some files failed
    records = _records(out)
    docs = {r["path"]: r for r in records if r["type"] == "document"}
    assert sorted(docs) == [
        "a_utf8.txt", "c_bom.txt", "d_empty.txt", "e_binary.txt", "f_latin1.txt", "g_broken.docx", "sub/b_gb18030.txt"
    ]
    assert docs["g_broken.docx"]["status"] == "error" and "save it again" in docs["g_broken.docx"]["error"]
    assert docs["a_utf8.txt"]["status"] == "ok" and docs["a_utf8.txt"]["encoding"] == "utf-8"
    assert docs["sub/b_gb18030.txt"]["encoding"] == "gb18030"
    assert docs["c_bom.txt"]["encoding"] == "utf-8-sig"
    assert docs["d_empty.txt"]["status"] == "error" and "empty" in docs["d_empty.txt"]["error"]
    assert docs["e_binary.txt"]["status"] == "error" and "binary" in docs["e_binary.txt"]["error"]
    for doc in docs.values():
        assert doc["extractor_version"]
    assert docs["a_utf8.txt"]["doc_id"] == hashlib.sha256(GOOD.encode()).hexdigest()
    quantities = [r for r in records if r["type"] == "quantity"]
    by_path = {}
    for q in quantities:
        by_path.setdefault(q["path"], []).append(q["text"])
    assert by_path == {"a_utf8.txt": ["1200余名", "近265万元"], "sub/b_gb18030.txt": ["30个"], "c_bom.txt": ["25家"]}
    assert "error: d_empty.txt" in result.output


def test_offsets_slice_the_decoded_file(folder, tmp_path):
    out = tmp_path / "out.jsonl"
    CliRunner().invoke(cli, ["extract", str(folder), "--out", str(out)])
    for r in _records(out):
        if r["type"] == "quantity":
            raw = (folder / r["path"]).read_bytes()
            text = raw.decode("utf-8-sig") if r["path"] != "sub/b_gb18030.txt" else raw.decode("gb18030")
            assert text[r["start"] : r["end"]] == r["text"]


def test_all_good_exits_zero_and_writes_csv(tmp_path):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "r.txt"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbftype,")  # a byte-order mark: Excel reads the Chinese
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows[0]["type"] == "document"
    quantities = [r for r in rows if r["type"] == "quantity"]
    assert [q["text"] for q in quantities] == ["1200余名", "近265万元"]
    assert quantities[1]["value"] == "2650000" and quantities[1]["qualifier"] == "less_than"
    assert quantities[0]["indicator"] == "high_skilled_talent" and quantities[0]["claim"] == "True"
    assert "1 documents (1 ok, 0 error, 0 skipped), 2 quantities (2 claims)" in result.output
    assert not (tmp_path / "chanjia.sqlite").exists()  # --out alone writes no database


def test_missing_path_is_an_error_record(tmp_path):
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt"), "--out", str(out)])
    assert result.exit_code == 1
    (doc,) = _records(out)
    assert doc["status"] == "error" and "check the path" in doc["error"]


def test_max_bytes_refuses_large_files(tmp_path):
    (tmp_path / "big.txt").write_text(GOOD * 100, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "--out", str(out), "--max-bytes", "1000"])
    assert result.exit_code == 1
    assert "over the" in _records(out)[0]["error"]


def test_max_text_chars_refuses_long_texts_and_goes_on(tmp_path):
    # extraction's memory grows with the text: a text over the limit is refused whole (never half
    # read), with what to do; the file beside it is extracted
    (tmp_path / "a_long.txt").write_text(GOOD * 20, encoding="utf-8")
    (tmp_path / "b_short.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(
        cli, ["extract", str(tmp_path), "--out", str(out), "--max-text-chars", str(len(GOOD) * 2)]
    )
    assert result.exit_code == 1, result.output
    docs = {r["path"]: r for r in _records(out) if r["type"] == "document"}
    long_doc, short_doc = docs["a_long.txt"], docs["b_short.txt"]
    assert long_doc["status"] == "error" and "split it into smaller files" in long_doc["error"]
    assert short_doc["status"] == "ok"
    assert [r for r in _records(out) if r["type"] == "quantity" and r["path"] == "b_short.txt"]
    assert not [r for r in _records(out) if r["type"] == "quantity" and r["path"] == "a_long.txt"]


def test_max_text_chars_must_be_positive():
    with pytest.raises(ConfigError, match="max_text_chars"):
        ExtractOptions(max_text_chars=0)


@pytest.mark.parametrize("command", list(cli.all_commands().values()), ids=lambda c: c.name)
def test_commands_have_help_with_example(command):
    assert command.help and "Example:" in command.help


@pytest.mark.slow
def test_python_dash_m_runs_the_same_command(tmp_path):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "chanjia_nlp", "extract", str(tmp_path / "r.txt"), "--out", "-"],
        capture_output=True, text=True, encoding="utf-8", check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["type"] == "document" and lines[0]["text"] == GOOD  # the JSONL is self-contained
    quantities = [r for r in lines if r["type"] == "quantity"]
    assert [r["text"] for r in quantities] == ["1200余名", "近265万元"]
    assert all(GOOD[q["start"] : q["end"]] == q["text"] for q in quantities)
    assert {r["type"] for r in lines} <= {"document", "quantity", "programme", "entity"}
    assert not (tmp_path / "chanjia.sqlite").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--published", "2023-02-30"], "Error: published = '2023-02-30' is not a date; write it as YYYY-MM-DD"),
        (["--engine", "dask"], "Error: the dask engine needs a scheduler: pass --scheduler tcp://HOST:8786"),
        (["--engine", "dask", "--scheduler", "tcp://h:8786", "-w", "2"], "Error: --workers is for --engine local"),
        (["--scheduler", "tcp://h:8786"], "Error: a scheduler is only used by the dask engine"),
        (["--db", "mysql://u@h/db"], "Error: the database URL mysql://… is not supported"),
    ],
    ids=["published", "dask-without-scheduler", "dask-with-workers", "scheduler-without-dask", "db-url"],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, args, message):
    from chanjia_nlp import cli as cli_module

    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["chanjia", "extract", "r.txt", "--out", "o.jsonl", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o.jsonl").exists()  # nothing was extracted


@pytest.mark.parametrize(
    "head, published",
    [
        ("标题\n\n发布时间:2023-04-06 08:57:36\n正文", "2023-04-06"),
        ("标题\n\n（２０２３年１月１８日）\n正文", "2023-01-18"),
        ("标题\n\n2022年12月5日\n正文", "2022-12-05"),
        ("标题\n\n2022年全区培训职工3000人次。", None),
        ("标题\n\n湖南工人报　2023年12月06日　星期三　第03版：基层之声\n正文", "2023-12-06"),  # a masthead
        ("标题\n\n工人日报 2024年1月5日 周五\n正文", "2024-01-05"),
        ("标题\n\n绍兴日报 2024年5月8日 第A05版 区县新闻\n正文", "2024-05-08"),
        ("标题\n\n2023年12月6日星期三上午，市总工会召开会议，100人参加。", None),  # an event, not a masthead
    ],
)
def test_publication_date_from_the_text(head, published):
    from chanjia_nlp.readers import sniff_metadata

    assert sniff_metadata(head) == ("标题", published)


# -- into the database: incremental, resumable, concurrent ----------------------------------------

MAKE_CORPUS = ROOT / "scripts" / "make_corpus.py"


def _stored(target: str, schema: str | None = None) -> list[str]:
    """Every current record of a database, as sorted JSON lines."""
    from chanjia_nlp import store

    with store.open(target, schema=schema, create=True) as st:
        return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in st.records())


def _expected(*folders: Path) -> list[str]:
    """What a clean run over ``folders`` stores, as sorted JSON lines."""
    from chanjia_nlp.runner import iter_results

    found = {}
    for result in iter_results(folders):
        found[result.path] = [result.doc, *result.records]
    return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for records in found.values() for r in records)


def _extract(*args: str, cwd: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chanjia_nlp", "extract", *args], cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """300 small generated reports (scripts/make_corpus.py), in 0000/r00000.txt …"""
    root = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(MAKE_CORPUS), str(root), "--docs", "300", "--mb", "0.12"], check=True)
    return root


@pytest.fixture(scope="module")
def expected_generated(generated) -> list[str]:
    return _expected(generated)


@pytest.fixture
def good_folder(tmp_path) -> Path:
    root = tmp_path / "reports"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(GOOD, encoding="utf-8")
    (root / "sub" / "b.txt").write_bytes("梁溪区建成职工之家30个。".encode("gb18030"))
    (root / "c.txt").write_text("省级试点单位25家，市级试点单位67家。", encoding="utf-8")
    return root


def test_default_is_the_database_in_the_current_folder(good_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["extract", str(good_folder)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "chanjia.sqlite").is_file()
    assert "3 documents (3 ok, 0 error, 0 skipped)" in result.output
    assert "→ chanjia.sqlite (3 inserted)" in result.output
    assert _stored(str(tmp_path / "chanjia.sqlite")) == _expected(good_folder)


def test_rerun_skips_unchanged_files_and_retries_errors(good_folder, tmp_path):
    db = str(tmp_path / "x.sqlite")
    (good_folder / "empty.txt").write_bytes(b"")
    first = CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db])
    assert first.exit_code == 1 and "4 documents (3 ok, 1 error, 0 skipped)" in first.output
    tables = _stored(db)
    again = CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db])
    assert again.exit_code == 1  # the empty file is tried again, and fails again
    assert "4 documents (0 ok, 1 error, 3 skipped), 0 quantities" in again.output
    assert _stored(db) == tables
    from chanjia_nlp import store

    with store.open(db, create=True) as st:
        runs = st.runs()
    assert len(runs) == 2 and runs["summary"].iloc[1]["skipped"] == 3 and runs["finished"].notna().all()


def test_changed_file_is_replaced_and_the_old_version_kept(good_folder, tmp_path):
    db = str(tmp_path / "x.sqlite")
    assert CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db]).exit_code == 0
    (good_folder / "c.txt").write_text("省级试点单位26家。", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db])
    assert result.exit_code == 0, result.output
    assert "3 documents (1 ok, 0 error, 2 skipped)" in result.output and "(1 replaced)" in result.output
    assert _stored(db) == _expected(good_folder)
    from chanjia_nlp import store

    with store.open(db, create=True) as st:
        (old,) = st.history("c.txt")
    assert old["quantities"] == 2


def test_force_extracts_everything_again(good_folder, tmp_path):
    db = str(tmp_path / "x.sqlite")
    assert CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db]).exit_code == 0
    tables = _stored(db)
    result = CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db, "--force"])
    assert result.exit_code == 0 and "3 documents (3 ok, 0 error, 0 skipped)" in result.output
    assert _stored(db) == tables


def test_two_files_shown_as_one_path_are_warned_about(tmp_path):
    for folder, figure in (("a", 25), ("b", 26)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "r.txt").write_text(f"省级试点单位{figure}家。", encoding="utf-8")
    args = ["extract", str(tmp_path / "a"), str(tmp_path / "b"), "--db", str(tmp_path / "x.sqlite")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert "warning: two files are both shown as r.txt" in result.output and "(2 inserted)" in result.output
    with store.open(str(tmp_path / "x.sqlite"), create=True) as st:  # two files at two locations: two documents
        assert st.stats()["claims"] == 2 and sorted(st.documents()["path"]) == ["r.txt", "r.txt"]
    result = CliRunner().invoke(cli, [*args, "--root", str(tmp_path)])
    assert result.exit_code == 0 and "two files are both shown" not in result.output


@pytest.mark.slow
def test_out_with_db_writes_both(good_folder, tmp_path):
    db, out = str(tmp_path / "x.sqlite"), tmp_path / "o.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(good_folder), "--db", db, "--out", str(out), "-w", "2"])
    assert result.exit_code == 0, result.output
    assert sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in _records(out)) == _stored(db)
    assert f"→ {db} (3 inserted) and {out}" in result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    "stop, workers, rerun_workers",
    [(signal.SIGKILL, "1", "2"), (signal.SIGINT, "2", "1")],
    ids=["kill-9", "ctrl-c"],
)
def test_interrupted_run_then_rerun_gives_a_complete_database(
    generated, expected_generated, tmp_path, stop, workers, rerun_workers
):
    db = tmp_path / "k.sqlite"
    process = _extract(str(generated), "--db", str(db), "--workers", workers)
    stored = 0
    while process.poll() is None and stored < 5:  # wait until some documents are committed
        with contextlib.suppress(sqlite3.Error):
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert process.poll() is None, "the run ended before it could be stopped"
    process.send_signal(stop)
    _, err = process.communicate()
    if stop == signal.SIGINT:
        assert process.returncode == 130 and "run the same command again to resume" in err, err
    rerun = _extract(str(generated), "--db", str(db), "--workers", rerun_workers)
    _, err = rerun.communicate()
    assert rerun.returncode == 0, err
    assert re.search(r"300 documents \(\d+ ok, 0 error, (\d+) skipped\)", err).group(1) != "0"  # it resumed
    assert _stored(str(db)) == expected_generated


def _overlapping(generated: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two folders sharing 100 of the generated reports at the same relative paths."""
    files = sorted(generated.rglob("*.txt"))
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, chosen in ((first, files[:200]), (second, files[100:])):
        for path in chosen:
            target = folder / path.relative_to(generated)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return first, second


def _run_together(db: list[str], first: Path, second: Path) -> None:
    runs = [_extract(str(folder), "--db", *db, "-q") for folder in (first, second)]
    for run in runs:
        _, err = run.communicate()
        assert run.returncode == 0, err


def _inserted_once(target: str, schema: str | None = None) -> None:
    """The two runs' summaries: 300 documents inserted between them, the 100 both were given
    (the same bytes in two folders) stored by the later one as duplicate submissions."""
    from chanjia_nlp import store

    with store.open(target, schema=schema, create=True) as st:
        summaries = list(st.runs()["summary"])
    assert len(summaries) == 2
    assert sum(s.get("inserted", 0) for s in summaries) == 300
    assert sum(s.get("duplicate", 0) for s in summaries) == 100


@pytest.mark.slow
def test_two_concurrent_runs_into_one_sqlite_database(generated, expected_generated, tmp_path):
    first, second = _overlapping(generated, tmp_path)
    db = str(tmp_path / "c.sqlite")
    _run_together([db], first, second)
    assert _stored(db) == expected_generated  # every document once, with all its records
    _inserted_once(db)


@pytest.mark.slow
def test_two_concurrent_runs_into_one_postgresql_schema(generated, expected_generated, tmp_path, pg_schema):
    url, schema = pg_schema
    first, second = _overlapping(generated, tmp_path)
    _run_together([url, "--schema", schema], first, second)
    assert _stored(url, schema) == expected_generated
    _inserted_once(url, schema)


# -- metadata overrides ---------------------------------------------------------------------------

DATED = "惠山区总工会\n\n发布时间:2023-04-06\n\n今年全区新增高技能人才1200余名。\n"


def test_title_published_and_source_apply_to_every_file(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(DATED, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    args = ["--title", "年度总结", "--published", "2021-12-31", "--source", "惠山区总工会"]
    files = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    result = CliRunner().invoke(cli, ["extract", *files, "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    records = _records(out)
    docs = [r for r in records if r["type"] == "document"]
    assert {(d["title"], d["published"], d["source"]) for d in docs} == {("年度总结", "2021-12-31", "惠山区总工会")}
    assert {r["period"] for r in records if r.get("claim")} == {"2021"}  # 今年 follows the given date


def test_metadata_csv_sets_each_file(tmp_path):
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(DATED, encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(DATED, encoding="utf-8")
    table = tmp_path / "meta.csv"
    table.write_text("path,published,source\nsub/b.txt,2020-06-30,工人日报\nc.txt,2020-01-01,\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    args = ["extract", str(folder), "--metadata", str(table), "--source", "晚报", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    docs = {r["path"]: r for r in _records(out) if r["type"] == "document"}
    assert (docs["a.txt"]["published"], docs["a.txt"]["source"]) == ("2023-04-06", "晚报")
    assert (docs["sub/b.txt"]["published"], docs["sub/b.txt"]["source"]) == ("2020-06-30", "工人日报")
    assert (docs["a.txt"]["published_source"], docs["sub/b.txt"]["published_source"]) == ("text", "given")
    assert docs["sub/b.txt"]["warnings"] == [
        "the given publication date 2020-06-30 differs from the date the text states (2023-04-06)"
    ]
    assert f"warning: {table}: no file c.txt was given; check its path column" in result.output


def test_csv_says_where_the_date_came_from(tmp_path):
    (tmp_path / "dated.txt").write_text(DATED, encoding="utf-8")
    (tmp_path / "undated.txt").write_text("全区新增高技能人才1200余名。\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: 1 documents state no publication date" in result.output
    docs = {r["path"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig")) if r["type"] == "document"}
    assert (docs["dated.txt"]["published"], docs["dated.txt"]["published_source"]) == ("2023-04-06", "text")
    assert docs["dated.txt"]["warnings"] == "[]"
    assert (docs["undated.txt"]["published"], docs["undated.txt"]["published_source"]) == ("", "")
    [warning] = json.loads(docs["undated.txt"]["warnings"])  # a JSON list in one cell
    assert warning.startswith("no publication date in the text")


@pytest.mark.slow
def test_metadata_csv_with_unknown_columns_names_the_valid_ones(tmp_path):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    table = tmp_path / "meta.csv"
    table.write_text("path,author\nr.txt,张三\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "chanjia_nlp", "extract", "r.txt", "--metadata", str(table), "--out", "o.jsonl"],
        capture_output=True, text=True, encoding="utf-8", check=False, cwd=tmp_path,
    )
    assert result.returncode == 2
    valid = "valid columns: path, title, published, source"
    assert result.stderr == f"Error: the metadata file {table} has unknown column(s) 'author'; {valid}\n"


# -- the terminal ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_progress_bar_on_a_terminal_only(tmp_path):
    pty = pytest.importorskip("pty")
    command = [sys.executable, "-m", "chanjia_nlp", "extract", str(ROOT / "corpus"), "--out", str(tmp_path / "o.jsonl")]
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=secondary, env={**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    )
    os.close(secondary)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once the process has closed the terminal
        while chunk := os.read(primary, 65536):
            shown += chunk
    os.close(primary)
    assert process.wait() == 0
    screen = shown.decode("utf-8", errors="replace")
    assert "10/10" in screen and "files/s" in screen and "ETA" in screen and "10 documents (10 ok" in screen
    piped = CliRunner().invoke(cli, command[3:])  # standard error is no terminal here
    assert piped.exit_code == 0 and "files/s" not in piped.output and piped.output.startswith("10 documents (10 ok")
