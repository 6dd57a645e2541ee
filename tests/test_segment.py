"""The segmentation layer: a private jieba tokenizer, pkuseg from a model directory, and the spaCy
pipeline putting quantities on doc.spans."""

from __future__ import annotations

import random

import numpy
import pytest

import chanjia_nlp
from chanjia_nlp.errors import ConfigError, SegmenterUnavailable
from chanjia_nlp.components import make_nlp
from chanjia_nlp.segment import make_segmenter

jieba = pytest.importorskip("jieba")
pytest.importorskip("spacy")

TEXT = "南通开发区新增高技能人才1200余名，省级试点单位25家。"


@pytest.mark.slow
def test_jieba_is_private_and_keeps_domain_terms():
    global_freq_size = len(jieba.dt.FREQ)
    global_initialized = jieba.dt.initialized
    cut = make_segmenter("jieba")
    words = cut(TEXT)
    assert "".join(words) == TEXT
    assert "高技能人才" in words  # a domain term from lexicons/terms.txt
    # The module-level tokenizer was neither loaded nor given our terms.
    assert jieba.dt.initialized == global_initialized
    assert len(jieba.dt.FREQ) == global_freq_size
    assert "高技能人才" not in jieba.dt.FREQ


@pytest.mark.slow
def test_domain_terms_can_be_left_out():
    assert "高技能人才" not in make_segmenter("jieba", domain_terms=False)(TEXT)


@pytest.mark.slow
@pytest.mark.parametrize("segmenter", ["char", "jieba"])
def test_spacy_pipeline_puts_quantities_on_spans(segmenter):
    nlp = make_nlp(segmenter)
    doc = nlp(TEXT)
    assert doc.text == TEXT
    spans = doc.spans["chanjia_nlp.quantities"]
    assert [s.text for s in spans] == ["1200余名", "25家"]
    assert [s.label_ for s in spans] == ["count", "count"]
    records = doc.user_data["chanjia_nlp.quantities"]
    assert [str(q.value) for q in records] == ["1200", "25"]


@pytest.mark.slow
def test_spans_expand_to_token_boundaries():
    doc = make_nlp("jieba")("累计奖励金额近265万元")
    (span,) = doc.spans["chanjia_nlp.quantities"]
    assert "近265万元" in span.text
    assert doc.user_data["chanjia_nlp.quantities"][0].text == "近265万元"


def test_unknown_segmenter_names_the_valid_ones():
    with pytest.raises(ConfigError, match="'char', 'jieba', 'pkuseg'"):
        chanjia_nlp.load(segmenter="ltp")


def test_pkuseg_without_model_says_what_to_give():
    with pytest.raises(SegmenterUnavailable, match="model directory"):
        chanjia_nlp.load(segmenter="pkuseg")


def test_pkuseg_with_missing_model_names_the_file(tmp_path):
    with pytest.raises(SegmenterUnavailable, match="weights.npz"):
        chanjia_nlp.load(segmenter="pkuseg", pkuseg_model=tmp_path)


LINES = [
    "新增 高技能 人才 1200 余名 。",
    "省级 试点 单位 25 家 ， 市级 试点 单位 67 家",
    "培训 职工 近 万 人",
    "工会 组织 职工 参加 技能 竞赛 ， 建成 职工 之家 30 个",
    "建成 职工 之家 30 个 。",
]


@pytest.fixture(scope="module")
def pkuseg_model(tmp_path_factory):
    """A tiny pkuseg model trained here, on a few segmented lines (no model is ever downloaded)."""
    spacy_pkuseg = pytest.importorskip("spacy_pkuseg")
    folder = tmp_path_factory.mktemp("pkuseg")
    train = folder / "train.txt"
    train.write_text("\n".join(LINES * 4) + "\n", encoding="utf-8")
    random.seed(0)  # training shuffles: seed it so the model, and this test, are the same every run
    numpy.random.seed(0)
    spacy_pkuseg.train(str(train), str(train), str(folder / "model"), train_iter=5)
    return folder / "model"


def test_pkuseg_model_loads_through_the_pipeline(pkuseg_model):
    pipeline = chanjia_nlp.load(segmenter="pkuseg", pkuseg_model=pkuseg_model)
    doc = pipeline("工会组织职工参加技能竞赛，建成职工之家30个")
    words = [t.text for t in doc]
    assert "".join(words) == "工会组织职工参加技能竞赛，建成职工之家30个"
    assert "工会" in words and "竞赛" in words  # learned from the training lines, not characters
    assert [s.text for s in doc.spans["chanjia_nlp.quantities"]] == ["30个"]
