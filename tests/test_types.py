"""The type check as a test: mypy over ``src/chanjia_nlp`` with pyproject's ``[tool.mypy]``
settings, and the ``py.typed`` marker that makes users' type checkers read our annotations."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_mypy_passes(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert "No module named mypy" not in done.stderr, "mypy is in the test extra: pip install -e '.[test]'"
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_package_is_marked_typed():
    assert (ROOT / "src" / "chanjia_nlp" / "py.typed").is_file()


@pytest.mark.slow
def test_wheel_ships_py_typed(built_wheel):
    names = zipfile.ZipFile(built_wheel).namelist()
    assert "chanjia_nlp/py.typed" in names
