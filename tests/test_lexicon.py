"""Lexicons are data: every file loads and validates, a bad row names its file and line, and the
installed wheel carries them."""

from __future__ import annotations

import zipfile

import pytest

from chanjia_nlp import _lexicon
from chanjia_nlp.errors import LexiconError

from .conftest import ROOT

LOADERS = [
    _lexicon.numerals,
    _lexicon.units,
    _lexicon.qualifiers,
    _lexicon.vague_words,
    _lexicon.exclusions,
    _lexicon.session_bodies,
    _lexicon.money_cues,
    _lexicon.jieba_terms,
    _lexicon.page_furniture,
]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_every_lexicon_loads_and_is_frozen(loader):
    data = loader()
    assert len(data) > 0
    if hasattr(data, "keys"):
        with pytest.raises(TypeError):
            data["新"] = None  # type: ignore[index]


def test_every_lexicon_states_its_source():
    for path in sorted((ROOT / "lexicons").iterdir()):
        head = path.read_text(encoding="utf-8").splitlines()[:6]
        assert any("Source" in line for line in head), f"{path.name} does not state its source"


def test_bad_row_names_file_and_line(bad_lexicon):
    bad_lexicon(_lexicon.units, "units.tsv", "unit\tkind\tcurrency\tafter\tscale\n家\tcountt\t\tany\t1\n")
    with pytest.raises(LexiconError, match=r"units.tsv:2: unknown kind 'countt'"):
        _lexicon.units()


@pytest.mark.slow
def test_wheel_packages_the_lexicons(built_wheel):
    names = zipfile.ZipFile(built_wheel).namelist()
    for path in (ROOT / "lexicons").iterdir():
        assert f"chanjia_nlp/lexicons/{path.name}" in names
    assert "chanjia_nlp/models/binder-model.json.gz" in names  # the learned binder ships in the wheel
