"""The learned binder scores in plain Python for a process's first figures, then with one dense
NumPy matrix: both give the same numbers, bit for bit, as the dense NumPy sum of this test (one
matrix row per context feature, summed over the figure's features), for every figure of corpus/,
and of the seeds and real-dev in ../shared where they are beside this checkout. A short run
imports no NumPy."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import chanjia_nlp
from chanjia_nlp.claims.model import BinderScorer, IndicatorModel, default_model

from .conftest import ROOT, SHARED, run_fresh


class _Recording:
    """The shipped indicator model, keeping what it was asked for each figure."""

    def __init__(self, model: IndicatorModel) -> None:
        self.model = model
        self.asked: list[tuple[list[str], dict[str, list[str]], list[bool]]] = []

    def best(self, xfeats, cands, kinds_ok) -> str:
        self.asked.append((list(xfeats), {k: list(v) for k, v in cands.items()}, list(kinds_ok)))
        return self.model.best(xfeats, cands, kinds_ok)


def _dense(model: IndicatorModel):
    """The former scorer: one row of a dense matrix per context feature (the last row all zero,
    for a feature the model does not know), summed with NumPy, then the misfit vector and the
    candidates' shared weights added."""
    context = model.rows()
    rows = {f: i for i, f in enumerate(context)}
    matrix = np.zeros((len(rows) + 1, len(model.classes)))
    for f, i in rows.items():
        for ci, w in context[f]:
            matrix[i, ci] = w
    index = {c: i for i, c in enumerate(model.classes)}
    misfit = model.shared.get("knf", 0.0)

    def scores(xfeats, cands, kinds_ok) -> np.ndarray:
        out = matrix[[rows.get(f, len(rows)) for f in xfeats]].sum(axis=0)
        out += np.array([0.0 if ok else misfit for ok in kinds_ok])
        for ident, feats in cands.items():
            ci = index.get(ident)
            if ci is not None:
                out[ci] += sum(model.shared.get(f, 0.0) for f in feats)
        return out

    return scores


def _texts() -> list[Path]:
    found = sorted((ROOT / "corpus").glob("*.txt"))
    for folder in (SHARED / "seeds", SHARED / "real-dev" / "docs"):
        found += sorted(folder.glob("*.txt")) if folder.is_dir() else []
    return found


@pytest.mark.slow
@pytest.mark.parametrize("dense_after", [10**9, 0], ids=["plain", "numpy"])
def test_plain_python_scores_are_the_dense_sums_bit_for_bit(dense_after, monkeypatch):
    from chanjia_nlp.claims import model as model_module

    monkeypatch.setattr(model_module, "DENSE_AFTER", dense_after)
    model = model_module.BinderModel.from_json(default_model().to_json())  # a fresh copy: nothing dense yet
    assert model is not None
    scorer = BinderScorer(model)
    recording = _Recording(model.indicator)
    scorer.model = recording  # type: ignore[assignment]
    pipeline = chanjia_nlp.load(binder="learned")
    pipeline._cache["scorer"] = scorer
    for path in _texts():
        pipeline.extract(path.read_text(encoding="utf-8", errors="replace"))
    assert len(recording.asked) > 1000
    dense = _dense(model.indicator)
    differ = []
    for xfeats, cands, kinds_ok in recording.asked:
        reference = dense(xfeats, cands, kinds_ok)
        plain = model.indicator.scores(xfeats, cands, kinds_ok)
        if plain != reference.tolist() or model.indicator.best(xfeats, cands, kinds_ok) != model.indicator.classes[
                int(reference.argmax())]:
            differ.append(xfeats[:5])
    assert not differ, f"{len(differ)} of {len(recording.asked)} figures scored differently: {differ[:3]}"
    assert ("matrix" in model.indicator._dense) == (dense_after == 0)
    if model.indicator.carried:  # the dense matrix also sums the domain model's weights (Python 3.11)
        n = len(model.indicator.classes)
        weights = model.domain.weights
        carried = [xfeats for xfeats, _, _ in recording.asked
                   if sum(filter(None, map(weights.get, xfeats))) != float(model.indicator.context_sums(xfeats)[n])]
        assert not carried, f"{len(carried)} figures' domain sums differ: {carried[:3]}"
    else:
        assert dense_after != 0 or sys.version_info >= (3, 12)


def test_the_dense_matrix_sums_in_the_order_of_the_features():
    # weights of very different sizes: any other order or a pairwise sum would round differently
    classes = ("other", "a", "b")
    rows = {f"f{i}": tuple((ci, (-1) ** (i + ci) * 10.0 ** ((7 * i + 3 * ci) % 23 - 11) / 3) for ci in range(3) if (i + ci) % 4)
            for i in range(60)}
    plain = IndicatorModel(classes, {}, dict(rows))
    dense = IndicatorModel(classes, {}, dict(rows))
    dense._densify()
    assert "matrix" in dense._dense
    for n in (1, 2, 7, 59, 60):
        feats = [f"f{(i * 37) % 60}" for i in range(n)] + ["unknown", "f3"]
        expected = [0.0, 0.0, 0.0]
        for f in feats:
            for ci, w in rows.get(f, ()):
                expected[ci] += w
        assert plain.scores(feats, {}, [True] * 3) == expected
        assert dense.scores(feats, {}, [True] * 3) == expected


def test_a_row_naming_a_class_twice_keeps_the_model_in_plain_python():
    model = IndicatorModel(("other", "a"), {}, {"x": ((1, 0.1), (1, 0.2)), "y": ((0, 1.0),)})
    model._densify()
    assert "matrix" not in model._dense
    assert model.scores(["x", "y"], {}, [True, True]) == [1.0, 0.1 + 0.2]


def test_real_dev_is_among_the_texts_where_it_is_beside_this_checkout():
    if not (SHARED / "real-dev" / "docs").is_dir():
        pytest.skip("../shared/real-dev is not beside this checkout")
    assert sum(1 for p in _texts() if "real-dev" in p.parts) >= 80


def test_a_tie_goes_to_the_first_class():
    model = IndicatorModel(("other", "a", "b"), {}, {"x": ((1, 0.5), (2, 0.5))})
    assert model.best(["x"], {}, [True, True, True]) == "a"
    assert model.best([], {}, [True, True, True]) == "other"
    assert model.scores(["x", "x", "unknown"], {"b": ["nothing"]}, [True, True, True]) == [0.0, 1.0, 1.0]


def test_scoring_imports_no_numpy():
    code = ("import sys, chanjia_nlp; p = chanjia_nlp.load(binder='learned'); "
            "p.extract('2023年，惠山区总工会新增省级试点单位25家，发放送温暖资金620余万元。'); "
            "print(sorted(m for m in ('numpy', 'scipy', 'sklearn') if m in sys.modules))")
    assert run_fresh(code).strip() == "[]"


def test_a_model_saved_in_format_1_reads_as_the_shipped_one(tmp_path):
    import gzip
    import json

    from chanjia_nlp.claims.model import BinderModel

    model = default_model()
    assert model is not None
    data = model.to_json()
    data["format"] = 1
    data["indicator"]["context"] = {k: [[ci, w] for ci, w in v] for k, v in model.indicator.rows().items()}
    path = tmp_path / "format1.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(data, f)
    old = BinderModel.load(path)
    assert old.to_json() == model.to_json()
    assert {k: tuple(map(tuple, v)) for k, v in old.indicator.rows().items()} == model.indicator.rows()
    features = ["u=家", "k=count", "bias", "l1=每", "a=职工书屋", "no such feature"]
    assert old.indicator.scores(features, {}, [True] * len(model.indicator.classes)) == model.indicator.scores(
        features, {}, [True] * len(model.indicator.classes))
