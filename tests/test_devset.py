"""The dev set in ../shared: `chanjia extract ../shared/seeds` scored by shared/tools/score.py.

Skipped where ../shared is absent (a user's clone). The bar is the issue's: mention F1 ≥ 0.97.
"""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from chanjia_nlp.cli import cli


def test_mention_f1_on_dev_set(shared, tmp_path):
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(shared / "seeds"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    score = subprocess.run(
        [sys.executable, str(shared / "tools" / "score.py"), str(out), str(shared / "dev-gold")],
        capture_output=True, text=True, check=True,
    )
    last = score.stdout.strip().splitlines()[-1]
    metrics = dict(part.split("=") for part in last.split())
    assert float(metrics["mention_f1"]) >= 0.97, score.stdout
