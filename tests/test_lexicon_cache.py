"""Lexicon YAML kept as JSON in the user's cache, under the SHA-256 of the file: the next process
reads it without PyYAML, a changed file is parsed again, and what JSON cannot give back unchanged
is never cached."""

from __future__ import annotations

import pytest

from chanjia_nlp import _lexicon

from .conftest import run_fresh


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CHANJIA_CACHE_DIR", str(folder))
    _lexicon._parsed_yaml.cache_clear()
    yield folder
    _lexicon._parsed_yaml.cache_clear()


def _read(path) -> object:
    stat = path.stat()
    return _lexicon._parsed_yaml(str(path), stat.st_mtime_ns, stat.st_size)


def test_a_second_process_reads_the_cached_form_without_pyyaml(cache):
    code = ("import sys, json; from chanjia_nlp import _lexicon; data = _lexicon.read_yaml('indicators.yaml'); "
            "print('yaml' in sys.modules, len(data), data[0]['id'])")
    first = run_fresh(code, CHANJIA_CACHE_DIR=str(cache))
    second = run_fresh(code, CHANJIA_CACHE_DIR=str(cache))
    assert first.split()[0] == "True" and second.split()[0] == "False"
    assert first.split()[1:] == second.split()[1:]
    assert len(list(cache.glob("indicators.*.json"))) == 1


def test_the_cached_form_is_what_the_yaml_says(cache, tmp_path):
    import yaml

    source = _lexicon.lexicon_path("indicators.yaml")
    parsed = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert _read(source) == parsed  # parsed, and kept
    _lexicon._parsed_yaml.cache_clear()
    assert _read(source) == parsed  # read back from the cache


def test_a_changed_file_is_parsed_again(cache, tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text("a: [1, 2]\n", encoding="utf-8")
    assert _read(path) == {"a": [1, 2]}
    path.write_text("a: [1, 2, 3]\n", encoding="utf-8")
    assert _read(path) == {"a": [1, 2, 3]}
    assert len(list(cache.glob("words.*.json"))) == 2  # one per content


def test_what_json_would_change_is_not_cached(cache, tmp_path):
    path = tmp_path / "dates.yaml"
    path.write_text("1: 2023-01-05\n", encoding="utf-8")  # a number key and a date
    first = _read(path)
    assert list(cache.glob("dates.*.json")) == []
    _lexicon._parsed_yaml.cache_clear()
    assert _read(path) == first


def test_a_broken_cache_file_is_parsed_over(cache, tmp_path):
    path = tmp_path / "words.yaml"
    path.write_text("a: [1, 2]\n", encoding="utf-8")
    _read(path)
    (kept,) = cache.glob("words.*.json")
    kept.write_text("{not json", encoding="utf-8")
    _lexicon._parsed_yaml.cache_clear()
    assert _read(path) == {"a": [1, 2]}


def test_no_cache_when_the_variable_is_empty(monkeypatch, tmp_path):
    monkeypatch.setenv("CHANJIA_CACHE_DIR", "")
    assert _lexicon.cache_dir() is None
    path = tmp_path / "words.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    _lexicon._parsed_yaml.cache_clear()
    assert _read(path) == {"a": 1}
    _lexicon._parsed_yaml.cache_clear()


def test_an_unwritable_cache_is_skipped(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("CHANJIA_CACHE_DIR", str(blocker / "below a file"))
    path = tmp_path / "words.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    _lexicon._parsed_yaml.cache_clear()
    assert _read(path) == {"a": 1}
    _lexicon._parsed_yaml.cache_clear()
