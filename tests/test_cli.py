"""The ``chanjia`` command on real files: records, bad files, exit codes, CSV, ``python -m``."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from chanjia_nlp.cli import cli

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
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["type"] == "document"
    quantities = [r for r in rows if r["type"] == "quantity"]
    assert [q["text"] for q in quantities] == ["1200余名", "近265万元"]
    assert quantities[1]["value"] == "2650000" and quantities[1]["qualifier"] == "less_than"
    assert quantities[0]["indicator"] == "high_skilled_talent" and quantities[0]["claim"] == "True"
    assert "1 documents (1 ok, 0 error), 2 quantities (2 claims)" in result.output


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


@pytest.mark.parametrize("command", list(cli.commands.values()), ids=lambda c: c.name)
def test_commands_have_help_with_example(command):
    assert command.help and "Example:" in command.help


def test_python_dash_m_runs_the_same_command(tmp_path):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "chanjia_nlp", "extract", str(tmp_path / "r.txt")],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["type"] == "document"
    assert [r["text"] for r in lines if r["type"] == "quantity"] == ["1200余名", "近265万元"]
    assert {r["type"] for r in lines} <= {"document", "quantity", "programme", "entity"}


def test_library_errors_become_one_line(tmp_path, monkeypatch, capsys):
    from chanjia_nlp import cli as cli_module
    from chanjia_nlp.errors import ConfigError

    def broken_load(**options):
        raise ConfigError("`segmenter` = 'x' is invalid; it must be one of: 'char', 'jieba', 'pkuseg'.")

    monkeypatch.setattr(cli_module, "load", broken_load)
    monkeypatch.setattr(sys, "argv", ["chanjia", "extract", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: `segmenter` = 'x' is invalid") and "Traceback" not in err


@pytest.mark.parametrize(
    "head, published",
    [
        ("标题\n\n发布时间:2023-04-06 08:57:36\n正文", "2023-04-06"),
        ("标题\n\n（２０２３年１月１８日）\n正文", "2023-01-18"),
        ("标题\n\n2022年12月5日\n正文", "2022-12-05"),
        ("标题\n\n2022年全区培训职工3000人次。", None),
    ],
)
def test_publication_date_from_the_text(head, published):
    from chanjia_nlp.readers import sniff_metadata

    assert sniff_metadata(head) == ("标题", published)
