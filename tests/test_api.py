"""What a new user meets first: the library takes what it returns, refuses what the command line
refuses, exports its errors, and its help and messages name only what exists."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import chanjia_nlp
from chanjia_nlp import errors, store
from chanjia_nlp.cli import cli
from chanjia_nlp.crosscheck import check_ledger
from chanjia_nlp.ledger import read_ledger
from chanjia_nlp.readers import SUPPORTED_SUFFIXES

from .conftest import ROOT


@pytest.fixture(scope="module")
def ledger_and_records():
    rows = read_ledger(ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx").rows
    text = (ROOT / "corpus" / "02_district_summary_2022.txt").read_text(encoding="utf-8")
    return rows, chanjia_nlp.extract(text)


@pytest.mark.slow
def test_check_ledger_takes_the_records_extract_returns(ledger_and_records):
    rows, records = ledger_and_records
    from_objects = check_ledger(rows, records)
    from_dicts = check_ledger(rows, [chanjia_nlp.to_dict(r) for r in records])
    assert from_objects == from_dicts
    assert any(f["verdict"] != "unsupported" for f in from_objects if f["check"] == "ledger")


def test_every_error_of_the_tree_is_exported():
    for name in errors.__all__:
        if name[0].isupper():
            assert getattr(chanjia_nlp, name) is getattr(errors, name)
            assert name in chanjia_nlp.__all__
    assert chanjia_nlp.StoreError is store.StoreError


def test_opening_a_missing_database_refuses_as_the_commands_do(tmp_path):
    typo = tmp_path / "typo.sqlite"
    with pytest.raises(chanjia_nlp.StoreError, match="no database at .*typo.sqlite"):
        store.open(typo)
    assert not typo.exists()
    result = CliRunner().invoke(cli, ["claims", "--db", str(typo)])
    assert result.exit_code == 2  # the group prints it as one "Error: …" line, no traceback
    assert result.output.startswith("Error: no database at") and result.output.count("\n") == 1
    with store.open(typo, create=True) as made:
        assert made.stats() is not None
    with store.open(typo) as opened:  # now there is one
        assert opened.stats() is not None


def test_a_bad_record_is_an_error_of_the_tree(tmp_path):
    with store.open(tmp_path / "x.sqlite", create=True) as st:
        run_id = st.begin_run(command="test")
        with pytest.raises(chanjia_nlp.StoreError, match="`verdict` = 'flagged!' is invalid; it must be one of"):
            st.write_findings([{"finding_id": "f1", "check": "ledger", "verdict": "flagged!"}], run_id)


def test_extract_help_names_every_format_it_reads():
    result = CliRunner().invoke(cli, ["extract", "--help"])
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in flat, suffix


def test_the_pkuseg_message_names_options_that_exist():
    with pytest.raises(chanjia_nlp.SegmenterUnavailable) as info:
        chanjia_nlp.load(segmenter="pkuseg")
    message = str(info.value)
    assert "--pkuseg-model" not in message and "pkuseg_model=" in message
