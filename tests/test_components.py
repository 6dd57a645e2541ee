"""The spaCy components: what each writes, and a pipeline with all of them that saves with
``nlp.to_disk`` and loads with ``spacy.load`` in a fresh interpreter, through the package's
entry points, giving the same spans."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import chanjia_nlp
from chanjia_nlp.components import CLAIMS_KEY, ENTITIES_KEY, FACTORIES, PROGRAMMES_KEY, QUANTITIES_KEY
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.components import make_nlp

from .conftest import ROOT

TEXT = (ROOT / "corpus" / "02_district_summary_2022.txt").read_text(encoding="utf-8")
ALL = tuple(FACTORIES)


@pytest.fixture(scope="module")
def doc():
    return make_nlp("char", components=ALL)(TEXT)


def _cover(span, start, end):
    return span.start_char <= start and end <= span.end_char


def test_every_component_writes_its_records_and_spans(doc):
    expected = {
        QUANTITIES_KEY: (chanjia_nlp.extract_quantities(TEXT), lambda r: (r.start, r.end, r.kind.value)),
        PROGRAMMES_KEY: (chanjia_nlp.extract_programmes(TEXT), lambda r: (r.start, r.end, r.kind.value)),
        ENTITIES_KEY: (chanjia_nlp.extract_entities(TEXT), lambda r: (r.start, r.end, r.label.value)),
        CLAIMS_KEY: ([r for r in chanjia_nlp.load(segmenter="char").extract(TEXT) if isinstance(r, chanjia_nlp.Claim)],
                     lambda r: (r.quantity.start, r.quantity.end, r.indicator)),
    }
    for key, (records, where) in expected.items():
        assert records, key
        assert doc.user_data[key] == records
        spans = list(doc.spans[key])
        assert len(spans) == len(records)
        for span, record in zip(spans, records):
            start, end, label = where(record)
            assert _cover(span, start, end) and span.label_ == label


def test_entities_are_the_docs_ents_without_overlaps(doc):
    ents = list(doc.ents)
    assert ents and all(e.label_ in {"date", "region", "org", "person"} | {x.value for x in chanjia_nlp.EntityLabel}
                        for e in ents)
    assert all(a.end <= b.start for a, b in zip(ents, ents[1:]))
    grouped = {(s.start, s.end) for s in doc.spans[ENTITIES_KEY]}
    assert {(e.start, e.end) for e in ents} <= grouped


def test_a_bad_claims_option_fails_when_the_pipe_is_added():
    nlp = make_nlp("char", components=())
    with pytest.raises(ConfigError, match="binder"):
        nlp.add_pipe("chanjia_nlp_claims", config={"binder": "neural"})


def test_unknown_component_names_the_valid_ones():
    with pytest.raises(ConfigError, match="claims.*entities.*programmes.*quantities"):
        make_nlp("char", components=("slogans",))


def test_the_load_pipeline_saves(tmp_path):
    nlp = chanjia_nlp.load(segmenter="char").nlp
    nlp.to_disk(tmp_path / "saved")
    assert "chanjia_nlp.ChineseTokenizer.v1" in (tmp_path / "saved" / "config.cfg").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "saved" / "tokenizer").read_text(encoding="utf-8"))["segmenter"] == "char"


_RUN = """
import json, sys
mode, path, text_path = sys.argv[1:4]
keys = {keys!r}
if mode == "save":
    from chanjia_nlp.components import make_nlp
    nlp = make_nlp("char", components={all!r})
    nlp.to_disk(path)
else:
    import spacy

    assert "chanjia_nlp" not in sys.modules  # nothing of ours imported: the entry points find it
    nlp = spacy.load(path)
doc = nlp(open(text_path, encoding="utf-8").read())
out = {{k: [(s.start_char, s.end_char, s.label_) for s in doc.spans[k]] for k in keys}}
out["ents"] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
out["pipe_names"] = nlp.pipe_names
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.mark.slow
def test_a_saved_pipeline_loads_in_a_fresh_interpreter(built_wheel, tmp_path):
    site = tmp_path / "site"  # the package as pip installs it: its entry points included
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(built_wheel)],
                   check=True)
    code = _RUN.format(keys=[QUANTITIES_KEY, CLAIMS_KEY, PROGRAMMES_KEY, ENTITIES_KEY], all=ALL)
    env = {**os.environ, "PYTHONPATH": str(site)}
    text = ROOT / "corpus" / "02_district_summary_2022.txt"

    def run(mode):
        done = subprocess.run([sys.executable, "-c", code, mode, str(tmp_path / "nlp"), str(text)],
                              capture_output=True, text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)

    saved, loaded = run("save"), run("load")
    assert loaded == saved
    assert loaded["pipe_names"] == [FACTORIES[name] for name in ALL]
    assert all(loaded[key] for key in (QUANTITIES_KEY, CLAIMS_KEY, PROGRAMMES_KEY, ENTITIES_KEY, "ents"))
