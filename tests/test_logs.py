"""Logging: the library logs under ``chanjia_nlp`` and configures nothing; ``chanjia -v/-vv/-q``
sets the level; jieba's "Building prefix dict" chatter shows only at ``-vv``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from chanjia_nlp import logs
from chanjia_nlp.cli import cli

from .conftest import ROOT, run_fresh

REPORT = ROOT / "corpus" / "01_news_page_multi.txt"


@pytest.fixture(autouse=True)
def _restore_logging():
    logger = logging.getLogger(logs.LOGGER_NAME)
    handlers, level = list(logger.handlers), logger.level
    jieba_level = logging.getLogger("jieba").level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logging.getLogger("jieba").setLevel(jieba_level)


@pytest.mark.slow
def test_the_library_configures_no_output():
    """Importing and using the library adds no handler (only the command line configures one)."""
    code = ("import logging, chanjia_nlp; chanjia_nlp.extract('新增高技能人才1200余名'); "
            "print([type(h).__name__ for h in logging.getLogger('chanjia_nlp').handlers], logging.getLogger().handlers)")
    assert run_fresh(code).strip() == "['NullHandler'] []"


def test_module_loggers_sit_under_the_package():
    assert logs.get_logger("chanjia_nlp.readers").name == "chanjia_nlp.readers"
    assert logs.get_logger("helpers").name == "chanjia_nlp.helpers"


@pytest.mark.parametrize(
    ("options", "shown", "hidden"),
    [
        ([], [], ["info:", "debug:"]),
        (["-v"], ["info: ", "01_news_page_multi.txt: read as txt, 1914 characters"], ["debug:"]),
        (["-vv"], ["info: ", "debug: ", "01_news_page_multi.txt: encoding utf-8, published 2023-05-12"], []),
        (["-q"], [], ["info:", "debug:"]),
    ],
    ids=["default", "v", "vv", "q"],
)
def test_verbosity_of_the_command(tmp_path, options, shown, hidden):
    result = CliRunner().invoke(cli, [*options, "extract", str(REPORT), "--out", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    for text in shown:
        assert text in result.stderr
    for text in hidden:
        assert text not in result.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") > 10  # the run itself is unchanged


def test_configure_twice_keeps_one_handler():
    logs.configure(logging.INFO)
    logs.configure(logging.DEBUG)
    ours = [h for h in logging.getLogger(logs.LOGGER_NAME).handlers if not isinstance(h, logging.NullHandler)]
    assert len(ours) == 1


_SEGMENT = "from chanjia_nlp.segment import make_segmenter; print(make_segmenter('jieba')('职工书屋'))"


@pytest.mark.slow
@pytest.mark.parametrize(("debug", "chatter"), [(False, False), (True, True)])
def test_jieba_chatter_only_at_debug(debug, chatter):
    """jieba writes through a handler of its own: a fresh interpreter shows what a user sees."""
    setup = "import logging; logging.getLogger('chanjia_nlp').setLevel(logging.DEBUG); " if debug else ""
    done = subprocess.run(
        [sys.executable, "-c", setup + _SEGMENT], capture_output=True, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "职工" in done.stdout
    assert ("Building prefix dict" in done.stderr) is chatter
