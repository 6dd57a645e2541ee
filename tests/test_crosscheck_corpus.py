"""The sample 台账 against the sample reports: every planted error is found, and nothing else.

Runs the real extractor on ``corpus/``, the real ledger reader on the sample ledger and every
check; the expected findings are in ``tests/cases/crosscheck_corpus.yaml`` and the planted errors
are explained in ``corpus/ledger/README.md``.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from decimal import Decimal
from pathlib import PurePath

import pytest
import yaml

import chanjia_nlp
from chanjia_nlp import to_dict
from chanjia_nlp.crosscheck.keys import year_of
from chanjia_nlp.crosscheck.run import run_checks
from chanjia_nlp.ledger import read_ledger
from chanjia_nlp.readers import find_files, read_document

from .conftest import HERE, ROOT

EXPECTED = yaml.safe_load((HERE / "cases" / "crosscheck_corpus.yaml").read_text(encoding="utf-8"))


def corpus_records() -> list[dict]:
    """Every record of corpus/, with the document text, as the store gives them."""
    nlp = chanjia_nlp.load()
    records = []
    for path, shown in find_files([ROOT / "corpus"]):
        doc, text = read_document(path, display_path=shown)
        records.append({**to_dict(doc), "text": text})
        if text is not None:
            records.extend(to_dict(r, doc_id=doc.doc_id, path=doc.path) for r in nlp.extract(text, published=doc.published))
    return records


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    ledger = read_ledger(ROOT / EXPECTED["ledger"])
    return run_checks(ledger.rows, corpus_records())


def _name(finding_or_span: dict) -> str:
    return PurePath(finding_or_span["path"]).name


@pytest.mark.slow
def test_every_ledger_row_gets_its_planted_verdict(findings):
    got = {(f["ledger"]["sheet"], f["ledger"]["cell"]): f for f in findings if f["check"] == "ledger"}
    assert sorted(got) == sorted((r["sheet"], r["cell"]) for r in EXPECTED["rows"])
    for row in EXPECTED["rows"]:
        finding = got[(row["sheet"], row["cell"])]
        assert finding["verdict"] == row["verdict"], finding["message"]
        assert sorted(e["text"] for e in finding["evidence"]) == sorted(row["evidence"])
        if "gap" in row:
            assert Decimal(finding["gap"]) == Decimal(row["gap"])


def test_the_wrong_heji_row_is_flagged(findings):
    got = [(f["ledger"]["sheet"], f["ledger"]["cell"], f["verdict"], f["gap"]) for f in findings if f["check"] == "ledger_total"]
    assert got == [(t["sheet"], t["cell"], t["verdict"], t["gap"]) for t in EXPECTED["totals"]]


def test_nothing_else_is_flagged(findings):
    counted = Counter(f["check"] for f in findings)
    assert set(counted) <= {"ledger", "ledger_total", "uncovered_claim"} | {i["check"] for i in EXPECTED["internal"]}
    internal = [f for f in findings if f["check"] in ("sum", "share", "conflict", "copied_text")]
    assert [(f["check"], f["verdict"]) for f in internal] == [(i["check"], i["verdict"]) for i in EXPECTED["internal"]]


def test_uncovered_claims(findings):
    uncovered = [f for f in findings if f["check"] == "uncovered_claim"]
    spec = EXPECTED["uncovered"]
    listed = {f"{_name(f)} {f['evidence'][0]['text']}" for f in uncovered}
    assert {f["subject"] for f in uncovered} == set(spec["subjects"])
    assert {str(year_of(f["period"])) for f in uncovered} == set(spec["years"])
    assert set(spec["includes"]) <= listed
    assert not set(spec["excludes"]) & listed
    matched = {(e["doc_id"], e["start"]) for f in findings if f["check"] == "ledger" for e in f["evidence"]}
    assert not matched & {(f["evidence"][0]["doc_id"], f["evidence"][0]["start"]) for f in uncovered}


def test_sample_ledger_is_what_the_script_writes():
    spec = importlib.util.spec_from_file_location("make_ledger", ROOT / "scripts" / "make_ledger.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
