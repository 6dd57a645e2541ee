"""Copied text: near-duplicate passages in documents about different subjects.

Every document's text is cut into sentences; each sentence of at least ``min_sentence``
characters becomes a TF-IDF vector of character 3–5-grams (digits folded to ``0``, so a pasted
paragraph with its figures changed still matches), and pairs with cosine ≥ ``threshold`` are
found with sparse matrix products, a block of rows at a time. Matching sentences that follow
each other in both documents are joined into one passage; a passage is reported when it has at
least ``min_chars`` characters, so a one-line slogan is not; and a sentence that documents of at
least half of all subjects (three or more) share is boilerplate, not a copy. Documents count as
about different subjects when the subjects their claims name most often (else their titles)
differ by the gazetteer (惠山 = 惠山区总工会), so one district's two reports never match.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from .findings import clean_claim, evidence, finding
from .keys import subject_key, subject_label

__all__ = ["find_copies"]

RE_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
RE_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_BLOCK_CELLS = 4_000_000  # rows × columns of one block of the similarity product


def _sentences(text: str, min_sentence: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding blanks, of at least ``min_sentence`` characters."""
    out = []
    for m in RE_SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= min_sentence:
            out.append((s, e))
    return out


def _fold(sentence: str) -> str:
    return RE_DIGITS.sub("0", unicodedata.normalize("NFKC", sentence))


def _doc_subjects(
    records: Iterable[Mapping[str, Any]],
) -> tuple[dict[Any, Mapping[str, Any]], dict[Any, tuple[str, str]]]:
    """Documents with text, and the (key, label) of each one's subject: the subject its claims
    name most often, else its title's."""
    docs: dict[Any, Mapping[str, Any]] = {}
    counts: dict[Any, Counter] = defaultdict(Counter)
    labels: dict[str, str] = {}
    for record in records:
        if record.get("type") == "document" and isinstance(record.get("doc_id"), str) and isinstance(
            record.get("text"), str
        ) and record["text"]:
            docs[record.get("doc_id")] = record
        elif (claim := clean_claim(record)) is not None and claim["subject"]:
            key = subject_key(claim["subject"])
            if key is not None:
                counts[claim["doc_id"]][key] += 1
                labels.setdefault(key, subject_label(claim["subject"]) or key)
    subjects = {}
    for doc_id, doc in docs.items():
        if counts[doc_id]:
            key = counts[doc_id].most_common(1)[0][0]
            subjects[doc_id] = (key, labels[key])
        elif (key := subject_key(doc.get("title"))) is not None:
            subjects[doc_id] = (key, subject_label(doc.get("title")) or key)
    return docs, subjects


def _pairs(vectors, owner: list[int], group: list[Any], threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, cosine) for i < j, similar enough, in documents of different subjects."""
    import numpy as np

    n = vectors.shape[0]
    block = max(1, _BLOCK_CELLS // max(n, 1))
    owner_arr, group_arr = np.asarray(owner), np.asarray(group, dtype=object)
    out: list[tuple[int, int, float]] = []
    transposed = vectors.T.tocsr()
    for first in range(0, n, block):
        product = (vectors[first : first + block] @ transposed).tocoo()
        keep = product.data >= threshold
        rows, cols, sims = product.row[keep] + first, product.col[keep], product.data[keep]
        wanted = (rows < cols) & (owner_arr[rows] != owner_arr[cols]) & (group_arr[rows] != group_arr[cols])
        out.extend(zip(rows[wanted].tolist(), cols[wanted].tolist(), sims[wanted].tolist()))
    return out


def _common_removed(pairs: list[tuple[int, int, float]], groups: list[Any]) -> list[tuple[int, int, float]]:
    """The pairs without boilerplate: a sentence that documents of at least half of all subjects
    (and at least three) share is a slogan or a formula everyone writes, not a copy."""
    everyone = len(set(groups))
    sharing: dict[int, set[Any]] = defaultdict(set)
    for i, j, _ in pairs:
        sharing[i].add(groups[j])
        sharing[j].add(groups[i])
    common = {i for i, found in sharing.items() if len(found | {groups[i]}) >= max(3, everyone / 2)}
    return [(i, j, sim) for i, j, sim in pairs if i not in common and j not in common]


def find_copies(
    records: Iterable[Mapping[str, Any]],
    *,
    threshold: float = 0.8,
    min_chars: int = 80,
    min_sentence: int = 12,
) -> list[dict[str, Any]]:
    """``copied_text`` findings: passages of at least ``min_chars`` characters that documents of
    different subjects share (cosine ≥ ``threshold`` sentence by sentence).

    Needs ``document`` records carrying ``text``; documents without it are skipped. The evidence is
    the pair of spans: ``source`` in the document published first (else the first path), ``copy``
    in the other.
    """
    records = list(records)
    docs, subjects = _doc_subjects(records)
    corpus = _Sentences(docs, subjects, min_sentence)
    if len({key for key, _ in subjects.values()}) < 2 or not corpus.spans:
        return []  # nothing to compare: scikit-learn (two seconds to import) is not needed
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32).fit_transform(
        corpus.folded()
    )
    groups = [subjects[corpus.doc_ids[o]][0] for o in corpus.owner]
    similar = {(i, j): sim for i, j, sim in _common_removed(_pairs(vectors, corpus.owner, groups, threshold), groups)}
    out = []
    for i, j in sorted(similar):
        if corpus.follows(i - 1, i) and corpus.follows(j - 1, j) and (i - 1, j - 1) in similar:
            continue  # inside a passage that began earlier
        run = [(i, j)]
        while corpus.follows(run[-1][0], run[-1][0] + 1) and corpus.follows(run[-1][1], run[-1][1] + 1) and (
            (run[-1][0] + 1, run[-1][1] + 1) in similar
        ):
            run.append((run[-1][0] + 1, run[-1][1] + 1))
        passage = corpus.passage(run, min(similar[p] for p in run), min_chars)
        if passage is not None:
            out.append(passage)
    return out


class _Sentences:
    """The sentences of every document with text and a subject, in one numbered list."""

    def __init__(self, docs: Mapping[Any, Mapping[str, Any]], subjects: Mapping[Any, tuple[str, str]],
                 min_sentence: int) -> None:
        self.docs, self.subjects = docs, subjects
        self.doc_ids = sorted((d for d in docs if d in subjects), key=lambda d: str(docs[d].get("path") or d))
        self.spans: list[tuple[int, int]] = []
        self.owner: list[int] = []  # the document (index into doc_ids) of each sentence
        for number, doc_id in enumerate(self.doc_ids):
            for span in _sentences(docs[doc_id]["text"], min_sentence):
                self.spans.append(span)
                self.owner.append(number)

    def folded(self) -> list[str]:
        return [_fold(self.docs[self.doc_ids[o]]["text"][s:e]) for (s, e), o in zip(self.spans, self.owner)]

    def follows(self, i: int, j: int) -> bool:
        """Whether sentence ``j`` comes right after sentence ``i`` in the same document."""
        return 0 <= i and j < len(self.spans) and self.owner[i] == self.owner[j]

    def passage(self, run: list[tuple[int, int]], similarity: float, min_chars: int) -> dict[str, Any] | None:
        """The finding for a run of matching sentences, when both passages are long enough."""
        a_id, b_id = self.doc_ids[self.owner[run[0][0]]], self.doc_ids[self.owner[run[0][1]]]
        a_span = (self.spans[run[0][0]][0], self.spans[run[-1][0]][1])
        b_span = (self.spans[run[0][1]][0], self.spans[run[-1][1]][1])
        if min(a_span[1] - a_span[0], b_span[1] - b_span[0]) < min_chars:
            return None
        a, b = self.docs[a_id], self.docs[b_id]
        if str(b.get("published") or "9999") < str(a.get("published") or "9999"):
            (a, a_span, a_id), (b, b_span, b_id) = (b, b_span, b_id), (a, a_span, a_id)
        spans = [
            evidence(a, "source", start=a_span[0], end=a_span[1], text=a["text"][a_span[0] : a_span[1]]),
            evidence(b, "copy", start=b_span[0], end=b_span[1], text=b["text"][b_span[0] : b_span[1]]),
        ]
        label_a, label_b = self.subjects[a_id][1], self.subjects[b_id][1]
        message = (f"flagged: {b_span[1] - b_span[0]} characters of {_name(b)} ({label_b}) repeat {_name(a)} "
                   f"({label_a}), similarity {similarity:.2f}")
        return finding(check="copied_text", verdict="flagged", message=message, subject=label_b,
                       doc_id=b.get("doc_id"), path=b.get("path"), evidence=spans)


def _name(doc: Mapping[str, Any]) -> str:
    return PurePath(str(doc.get("path") or doc.get("doc_id"))).name
