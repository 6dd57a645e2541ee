"""The ledger's indicator model (TF-IDF over character 1–3-grams, cosine to the nearest lexicon
phrase) in plain Python gives the id and the score, to the 4 decimals it is rounded to, that
scikit-learn's ``TfidfVectorizer`` gave (the reference here, where scikit-learn is installed), on
the held-out ledger wordings of the case table, every lexicon phrase, and their pieces. Where
phrases of several ids are equally near, the first listed wins (scikit-learn's answer then came
from the order NumPy's quicksort left equal scores in)."""

from __future__ import annotations

import pytest
import yaml

from chanjia_nlp.ledger import indicators as ind

from .conftest import HERE, run_fresh

KINDS = (None, "count", "money", "percent", "rank")
UNITS = (None, "人", "人次", "场次", "家", "元", "个")


def _reference():
    """The former model: scikit-learn's TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3),
    sublinear_tf=True), scores by a sparse product, the nearest fitting phrase by argsort."""
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    training, kinds_of = ind.training_phrases()  # the same phrases: the scoring is what is compared
    phrases = [text for _, text in training]
    labels = [ident for ident, _ in training]
    vectorizer = sklearn_text.TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform(phrases)

    def guess(text, kind, unit):
        query = vectorizer.transform([text + (unit or "")])
        if query.nnz == 0:
            return None, 0.0
        scores = (matrix @ query.T).toarray().ravel()
        for index in scores.argsort()[::-1]:
            if ind._fits(kinds_of[labels[index]], kind):
                top = scores[index]
                tied = [labels[i] for i in range(len(labels)) if scores[i] == top and ind._fits(kinds_of[labels[i]], kind)]
                return tied, round(float(top), 4)
        return [None], 0.0

    return phrases, guess


def _texts(phrases: list[str]) -> list[str]:
    cases = yaml.safe_load((HERE / "cases" / "ledger_indicators.yaml").read_text(encoding="utf-8"))
    found = [ind._normalize(case["text"]) for case in cases]
    for phrase in phrases:  # each phrase, its halves, and two phrases run together
        found += [phrase, phrase[: len(phrase) // 2], phrase[len(phrase) // 2 :]]
    found += [a + b for a, b in zip(phrases, phrases[7:])]
    found += ["", " ", "x", "合计", "Total 2023", "职工 培训", "ABC职工"]
    return list(dict.fromkeys(found))


@pytest.mark.slow
def test_the_plain_model_guesses_what_scikit_learn_did():
    phrases, reference = _reference()
    texts = _texts(phrases)
    assert len(texts) > 1000
    differ, ties = [], 0
    for n, text in enumerate(texts):
        kind, unit = KINDS[n % len(KINDS)], UNITS[n % len(UNITS)]
        tied, score = reference(text, kind, unit)
        found = ind._model_guess(text, kind, unit)
        ties += len(set(tied)) > 1
        if found != (tied[0], score):  # of equally near phrases, the first listed
            differ.append((text, kind, unit, found, tied, score))
    assert not differ, f"{len(differ)} of {len(texts)} differ: {differ[:5]}"
    assert ties > 5  # ties of different ids were met, and went to the id listed first


def test_a_check_of_a_ledger_imports_no_scikit_learn():
    code = ("import sys; from chanjia_nlp.ledger import map_indicator; "
            "print(map_indicator('职工思想道德教育课堂开课', kind='count', unit='场次').method, "
            "sorted(m for m in ('numpy', 'scipy', 'sklearn') if m in sys.modules))")
    assert run_fresh(code).strip() == "model []"
