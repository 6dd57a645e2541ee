"""The project's own scorer (chanjia_nlp.scoring): table cases from tests/cases/scoring.yaml, and
the same numbers and output as the dev-set scorer in ../shared wherever that is beside us."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import random

import pytest
from click.testing import CliRunner

from chanjia_nlp import scoring
from chanjia_nlp.cli import cli

from .conftest import ROOT, SHARED, load_cases

HELDOUT = ROOT / "benchmarks" / "heldout-2"


@pytest.mark.parametrize("case", load_cases("scoring"))
def test_scoring_table(case):
    result = scoring.score(case["pred"], {"doc": case["gold"]}, loose=case.get("loose", False))
    for path, expected in case["expected"].items():
        section, key = path.split(".")
        assert result[section][key] == expected, path


@pytest.fixture(scope="module")
def predictions(tmp_path_factory):
    """``chanjia extract`` on the heldout-2 texts, as the score tests run it."""
    out = tmp_path_factory.mktemp("pred") / "pred.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(HELDOUT / "texts"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def _variants(pred_path, tmp_path):
    """The real predictions, and some damaged on purpose: dropped, shifted, relabelled records."""
    records = [json.loads(line) for line in pred_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rnd = random.Random(18)
    yield pred_path
    for n in range(3):
        damaged = []
        for r in records:
            if rnd.random() < 0.15:
                continue
            r = dict(r)
            if "start" in r and rnd.random() < 0.1:
                r["start"] += rnd.choice([-2, 1, 3])
            if r.get("claim") and rnd.random() < 0.1:
                r["indicator"] = "other"
            if r.get("type") == "programme" and rnd.random() < 0.2:
                r["kind"] = "activity"
            damaged.append(r)
        path = tmp_path / f"damaged{n}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in damaged), encoding="utf-8")
        yield path


def _output(main, argv):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(argv)
    return buffer.getvalue()


def test_the_same_as_the_shared_scorer(predictions, tmp_path):
    path = SHARED / "tools" / "score.py"
    if not path.is_file():
        pytest.skip("../shared/tools/score.py is not beside this checkout")
    spec = importlib.util.spec_from_file_location("shared_score", path)
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    for pred in _variants(predictions, tmp_path):
        for options in ([], ["--json"], ["--loose"], ["--show-errors", "40"]):
            argv = [str(pred), str(HELDOUT / "gold"), *options]
            assert _output(scoring.main, argv) == _output(shared.main, argv), (pred.name, options)

