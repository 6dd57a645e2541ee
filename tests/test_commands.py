"""Thin commands: ``chanjia extract`` and ``chanjia check`` are each one library call
(:func:`chanjia_nlp.runner.extract_into`, :func:`chanjia_nlp.crosscheck.run.check_into`) plus
printing; every command that writes files decides the format by one rule
(:func:`chanjia_nlp.outputs.format_of`); library errors are one line through the group."""

from __future__ import annotations

import ast
import inspect
import io
import json
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from chanjia_nlp import store
from chanjia_nlp.cli import cli
from chanjia_nlp.cli_common import ErrorMappingGroup
from chanjia_nlp.crosscheck.commands import check
from chanjia_nlp.crosscheck.run import check_into, read_records, run_checks
from chanjia_nlp.errors import ConfigError, Interrupted, StoreError
from chanjia_nlp.ledger import read_ledger
from chanjia_nlp.outputs import format_of
from chanjia_nlp.runner import ExtractOptions, Summary, extract_into

from .conftest import ROOT
from .test_crosscheck_corpus import EXPECTED, corpus_records

GOOD = "惠山区总工会\n\n全区新增高技能人才1200余名，累计奖励金额近265万元。\n"
LEDGER = ROOT / EXPECTED["ledger"]
#: The bar of issue 18: a command's body (after its docstring) is under this many lines.
BODY_LINES = 25


def body_lines(function) -> int:
    """Lines from a function's first statement after its docstring to the end of its last one
    (blank lines and comments among them count): what a reader of the command reads."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(function)))
    (definition,) = ast.parse(source).body
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring is the command's help, not its body
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


@pytest.mark.parametrize("command", [cli.all_commands()["extract"], check], ids=["extract", "check"])
def test_command_bodies_are_short(command):
    assert body_lines(command.callback) < BODY_LINES


def test_the_body_measure_counts_what_it_should(tmp_path):
    def long_one(x):
        """Help text, not counted."""
        y = x + 1
        # a comment line counts
        if y:
            y += 2

        return y

    assert body_lines(long_one) == 6
    many = "def f():\n    '''doc'''\n" + "".join(f"    a{n} = {n}\n" for n in range(30))
    namespace: dict = {}
    module = tmp_path / "long_body.py"
    module.write_text(many, encoding="utf-8")
    exec(compile(many, str(module), "exec"), namespace)  # inspect reads the source from the file
    assert body_lines(namespace["f"]) == 30  # a command this long would fail the bar


# -- one format rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "out, fmt, formats, default, expected",
    [
        ("x.jsonl", None, ("jsonl", "csv"), "jsonl", "jsonl"),
        ("X.CSV", None, ("jsonl", "csv"), "jsonl", "csv"),
        ("-", None, ("jsonl", "csv"), "jsonl", "jsonl"),
        ("-", "csv", ("jsonl", "csv"), "jsonl", "csv"),
        ("x.txt", "csv", ("jsonl", "csv"), "jsonl", "csv"),  # --format wins over the suffix
        (None, None, ("table", "csv", "xlsx"), "table", "table"),
        ("t.xlsx", None, ("table", "csv", "xlsx"), "table", "xlsx"),
        ("findings.xlsx", None, ("xlsx", "csv", "jsonl"), None, "xlsx"),
    ],
)
def test_format_of(out, fmt, formats, default, expected):
    assert format_of(out, fmt, formats=formats, default=default) == expected


@pytest.mark.parametrize(
    "out, fmt, formats, default, words",
    [
        ("x.txt", None, ("jsonl", "csv"), "jsonl", "'jsonl', 'csv'; name the file .jsonl or .csv"),
        ("records", None, ("jsonl", "csv"), "jsonl", "cannot tell the format of records"),
        ("t.table", None, ("table", "csv"), "table", "name the file .csv"),  # a terminal table is never a suffix
        (None, "xlsx", ("table", "xlsx"), "table", "--format xlsx writes a file; give --out FILE.xlsx"),
        ("x.csv", "pdf", ("jsonl", "csv"), "jsonl", "must be one of: 'jsonl', 'csv'"),
        (None, None, ("xlsx",), None, "give --out FILE"),
    ],
)
def test_format_of_refuses_naming_the_valid_ones(out, fmt, formats, default, words):
    with pytest.raises(ConfigError) as raised:
        format_of(out, fmt, formats=formats, default=default)
    assert words in str(raised.value)


@pytest.fixture
def db_with_claims(tmp_path) -> Path:
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    db = tmp_path / "x.sqlite"
    extract_into([tmp_path / "r.txt"], store=str(db))
    return db


@pytest.mark.parametrize(
    "args, valid",
    [
        (["extract", "{dir}/r.txt", "--out", "{dir}/out.txt"], "'jsonl', 'csv'"),
        (["extract", "{dir}/r.txt", "--out", "{dir}/out"], "'jsonl', 'csv'"),
        (["check", "--db", "{db}", "--out", "{dir}/out.txt"], "'xlsx', 'csv', 'jsonl'"),
        (["claims", "--db", "{db}", "--out", "{dir}/out.txt"], "name the file .csv, .jsonl, .xlsx or .parquet"),
        (["table", "--db", "{db}", "--out", "{dir}/out.txt"], "name the file .csv, .jsonl, .xlsx or .parquet"),
        (["claims", "--db", "{db}", "--format", "xlsx"], "--format xlsx writes a file; give --out FILE.xlsx"),
        (["check", "--db", "{db}", "--format", "csv"], "--format csv writes a file; give --out FILE.csv"),
    ],
    ids=["extract-txt", "extract-no-suffix", "check-txt", "claims-txt", "table-txt", "claims-xlsx-stdout",
         "check-format-without-out"],
)
def test_every_command_refuses_an_output_it_cannot_name(args, valid, db_with_claims, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(cli, [a.format(dir=tmp_path, db=db_with_claims) for a in args])
    assert result.exit_code == 2, result.output
    assert valid in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no file, no database: nothing ran


def test_check_takes_format_like_every_command(tmp_path):
    jsonl = tmp_path / "records.jsonl"
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    extract_into([tmp_path / "r.txt"], out=jsonl)
    result = CliRunner().invoke(cli, ["check", "--records", str(jsonl), "--out", str(tmp_path / "f.data"),
                                      "--format", "jsonl", "--no-copies"])
    assert result.exit_code == 0, result.output
    assert all(json.loads(line)["type"] == "finding" for line in (tmp_path / "f.data").read_text().splitlines())


# -- library errors are one line through the group ---------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["extract", "{dir}/r.txt", "--db", "{dir}/not_a_database.sqlite"], "Error: cannot open"),
        (["claims", "--db", "{dir}/typo.sqlite"], "Error: no database at"),
        (["check", "--db", "{dir}/typo.sqlite"], "Error: no database at"),
        (["extract", "{dir}/r.txt", "--root", "{dir}/nope", "--out", "{dir}/o.jsonl"], "Error: --root"),
    ],
    ids=["not-sqlite", "claims-missing-db", "check-missing-db", "root-not-a-folder"],
)
def test_library_errors_are_one_line_and_exit_2_under_clirunner(args, message, tmp_path):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "not_a_database.sqlite").write_text("hello, not SQLite\n" * 20, encoding="utf-8")
    result = CliRunner().invoke(cli, [a.format(dir=tmp_path) for a in args])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.output
    assert "Traceback" not in result.output and not (tmp_path / "o.jsonl").exists()


def test_an_interrupted_run_says_how_far_it_got_and_exits_130():
    group = ErrorMappingGroup()

    @group.command()
    def stop() -> None:
        summary = Summary()
        summary.documents["ok"] += 3
        raise Interrupted(summary)

    result = CliRunner().invoke(group, ["stop"])
    assert result.exit_code == 130
    assert result.output == "interrupted after 3 files; run the same command again to resume\n"


def test_click_errors_stay_as_click_shows_them():
    result = CliRunner().invoke(cli, ["extract", "x.txt", "--workers", "0"])
    assert result.exit_code == 2 and "Invalid value for '--workers'" in result.output


# -- extract_into, the library call of chanjia extract --------------------------------------------------


@pytest.fixture
def reports(tmp_path) -> Path:
    root = tmp_path / "reports"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(GOOD, encoding="utf-8")
    (root / "sub" / "b.txt").write_bytes("梁溪区建成职工之家30个。".encode("gb18030"))
    (root / "copy.txt").write_text(GOOD, encoding="utf-8")  # the same bytes as a.txt
    (root / "empty.txt").write_bytes(b"")
    return root


def test_extract_into_a_database_and_a_file_gives_what_the_command_gives(reports, tmp_path):
    told, done = [], []
    db, out = tmp_path / "lib.sqlite", tmp_path / "lib.jsonl"
    summary = extract_into([reports], store=str(db), out=out, warn=told.append, on_result=done.append)
    assert summary.documents == {"ok": 3, "error": 1}
    assert summary.written == {"inserted": 3, "duplicate": 1}
    assert summary.database == str(db) and summary.out == str(out)
    assert summary.destinations() == f" → {db} (1 duplicate, 3 inserted) and {out}"
    assert sorted(r.path for r in done) == ["a.txt", "copy.txt", "empty.txt", "sub/b.txt"]
    assert told == ["warning: copy.txt is a duplicate submission of a.txt (the same bytes): stored as one document "
                    "with two locations, its figures counted once"]
    cli_db, cli_out = tmp_path / "cli.sqlite", tmp_path / "cli.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(reports), "--db", str(cli_db), "--out", str(cli_out)])
    assert result.exit_code == 1  # the empty file
    assert out.read_text(encoding="utf-8") == cli_out.read_text(encoding="utf-8")
    with store.open(db) as lib, store.open(cli_db) as command:
        assert lib.claims().drop(columns=["doc_id"]).equals(command.claims().drop(columns=["doc_id"]))
    again = extract_into([reports], store=str(db))
    assert again.documents == {"skipped": 3, "error": 1}  # the empty file is tried again
    assert "inserted" not in again.written and "replaced" not in again.written


def test_extract_into_an_open_store_and_a_stream(reports, tmp_path):
    stream = io.StringIO()
    with store.open(tmp_path / "x.sqlite", create=True) as st:
        summary = extract_into([reports / "a.txt"], store=st, out=stream, fmt="csv")
        assert st.stats()["claims"] == 2  # the store stays open for the caller
    assert summary.out is None and stream.getvalue().startswith("type,doc_id,path")
    assert summary.records["quantity"] == 2


def test_extract_into_without_a_database_tells_copies_apart(reports):
    stream, told = io.StringIO(), []
    summary = extract_into([reports], out=stream, warn=told.append)
    docs = {r["path"]: r for r in map(json.loads, stream.getvalue().splitlines()) if r["type"] == "document"}
    assert docs["copy.txt"]["duplicate_of"] == "a.txt" and docs["copy.txt"]["text"] is None
    assert summary.written == {"duplicate": 1} and len(told) == 1


def test_extract_into_ctrl_c_keeps_what_was_done_and_resumes(reports, tmp_path):
    db = tmp_path / "x.sqlite"
    seen = []

    def stop_at_the_first(result):  # Ctrl-C as the first file is told about: its batch is stored
        seen.append(result)
        if len(seen) == 1:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as raised:
        extract_into([reports], store=str(db), on_result=stop_at_the_first)
    assert isinstance(raised.value, KeyboardInterrupt) and raised.value.summary.interrupted
    assert raised.value.summary.documents == {"ok": 3, "error": 1}  # what was written is counted, and kept
    with store.open(db) as st:
        (summary,) = st.runs()["summary"]
    assert summary["interrupted"] == 1 and summary["inserted"] == 3
    again = extract_into([reports], store=str(db))
    assert again.documents == {"skipped": 3, "error": 1} and not again.interrupted


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"out": "x.txt"}, "cannot tell the format of x.txt"),
        ({"store": "{dir}/x.sqlite", "workers": 2, "engine": "dask", "scheduler": "tcp://h:8786"},
         "--workers is for --engine local"),
        ({"store": "{dir}/x.sqlite", "paths": ["{dir}/nope.txt"]}, "no such file or folder"),
        ({"out": "{dir}/o.jsonl", "root": "{dir}/nope"}, "is not a folder"),
        ({"out": "{dir}/o.jsonl", "engine": "spark"}, "`engine` = 'spark' is invalid"),
    ],
)
def test_extract_into_refuses_bad_options_before_writing_anything(kwargs, words, tmp_path):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    kwargs = {k: [p.format(dir=tmp_path) for p in v] if isinstance(v, list) else
              v.format(dir=tmp_path) if isinstance(v, str) else v for k, v in kwargs.items()}
    paths = kwargs.pop("paths", [str(tmp_path / "r.txt")])
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        extract_into(paths, **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_extract_into_options_reach_every_file(tmp_path):
    (tmp_path / "r.txt").write_text("今年全区新增高技能人才1200余名。", encoding="utf-8")
    stream = io.StringIO()
    summary = extract_into([tmp_path / "r.txt"], out=stream,
                           options=ExtractOptions(metadata={"published": "2021-05-01"}), metadata={str(tmp_path / "r.txt"): {"title": "年度总结"}, "gone.txt": {"title": "x"}})
    doc = json.loads(stream.getvalue().splitlines()[0])
    assert (doc["published"], doc["title"]) == ("2021-05-01", "年度总结")
    assert summary.unmatched == ["gone.txt"] and summary.undated == 0


# -- check_into, the library call of chanjia check -------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_jsonl(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("records") / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus_records()), encoding="utf-8")
    return path


def test_check_into_gives_the_findings_of_run_checks(corpus_jsonl, tmp_path):
    told = []
    checked = check_into([LEDGER], records=corpus_jsonl, out=tmp_path / "f.jsonl", warn=told.append)
    expected = run_checks(read_ledger(LEDGER).rows, read_records(corpus_jsonl)[0])
    assert checked.findings == expected and checked.unreadable == [] and told == []
    assert checked.failing == sum(f["check"] == "ledger" and f["verdict"] in ("inconsistent", "unsupported")
                                  for f in expected) > 0
    assert [json.loads(line) for line in (tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()] == expected
    assert checked.destinations() == str(tmp_path / "f.jsonl")


def test_check_into_goes_on_past_an_unreadable_ledger(corpus_jsonl, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    told = []
    checked = check_into([broken, LEDGER], records=corpus_jsonl, warn=told.append, copies=False)
    assert checked.unreadable == [str(broken)] and told[0].startswith("error: ")
    assert checked.failing > 0


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({}, ConfigError, "give one source of claims"),
        ({"db": "x.sqlite", "records": "r.jsonl"}, ConfigError, "give one source of claims"),
        ({"db": "{dir}/typo.sqlite"}, StoreError, "no database at"),
        ({"db": "{dir}/typo.sqlite", "out": "f.txt"}, ConfigError, "'xlsx', 'csv', 'jsonl'"),
    ],
)
def test_check_into_refuses_bad_options(kwargs, error, words, tmp_path):
    kwargs = {k: v.format(dir=tmp_path) for k, v in kwargs.items()}
    with pytest.raises(error, match=words):
        check_into([], **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_a_lazy_command_group_is_an_error_mapping_group():
    assert isinstance(cli, ErrorMappingGroup) and isinstance(cli, click.Group)
