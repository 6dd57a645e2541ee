"""Shared fixtures: case tables as data, the shared dev set, and golden-file updating."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def assert_spans(text: str, records) -> None:
    """Every record's span slices back to its text; records come in order and never overlap."""
    previous_end = -1
    for r in records:
        assert text[r.start : r.end] == r.text
        assert r.start >= previous_end
        previous_end = r.end


def run_fresh(code: str, **env: str) -> str:
    """What ``python -c code`` prints in a fresh interpreter importing this checkout's package
    (``env`` added to the environment); a failure fails the test with the child's error output."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


def load_cases(name: str) -> list:
    """``tests/cases/<name>.yaml`` as ``pytest.param`` objects; an ``xfail`` key marks a known limit."""
    cases = yaml.safe_load((HERE / "cases" / f"{name}.yaml").read_text(encoding="utf-8"))
    params = []
    ids = [case["id"] for case in cases]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:  # a second case of the same id would hide the first one's result
        raise ValueError(f"tests/cases/{name}.yaml: case ids used twice: {repeated}")
    for case in cases:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` (seeds, dev gold, scorer) — skipped where it is absent, as in a user's clone."""
    if not (SHARED / "seeds").is_dir() or not (SHARED / "dev-gold").is_dir():
        pytest.skip("../shared (seeds and dev-gold) is not beside this checkout")
    return SHARED


@pytest.fixture
def bad_lexicon(tmp_path, monkeypatch):
    """Serve one malformed lexicon file to a cached loader for the length of a test:
    ``bad_lexicon(loader, "units.tsv", content)`` then call ``loader()``."""
    from chanjia_nlp import _lexicon

    loaders = []

    def install(loader, name: str, content: str) -> None:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        monkeypatch.setattr(_lexicon, "lexicon_path", lambda requested: path)
        loader.cache_clear()
        _lexicon.word_list.cache_clear()  # shared by the word-list loaders
        loaders.append(loader)

    yield install
    for loader in loaders:
        loader.cache_clear()  # the next test loads the real file again
    _lexicon.word_list.cache_clear()


@contextlib.contextmanager
def fresh_pg_schema() -> Iterator[tuple[str, str]]:
    """``(url, schema)``: a new schema in the PostgreSQL database of ``$CHANJIA_TEST_PG_URL``,
    dropped afterwards; the test is skipped when the variable is unset."""
    url = os.environ.get("CHANJIA_TEST_PG_URL")
    if not url:
        pytest.skip("set CHANJIA_TEST_PG_URL (postgresql+psycopg://postgres@127.0.0.1:5432/test) to test PostgreSQL")
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url, schema
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema for one test (see :func:`fresh_pg_schema`)."""
    with fresh_pg_schema() as found:
        yield found


#: Debian's Chromium, which the browser tests drive through Playwright (never a browser of its own).
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module (the modules skip first where it is missing)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel, as ``pip install .`` would (without build isolation: no network)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder), str(ROOT)],
        check=True,
    )
    return next(folder.glob("chanjia_nlp-*.whl"))
