"""What the claim rules read: one document's context, and each figure's place in it.

A figure stands in a *sentence* (up to 。；！？ or a line break), a *clause* (up to ，：), an
*enumeration item* (up to 、 or the previous figure: ``省级试点单位25家、市级试点单位67家``) and a
*governing sentence* (a sentence after a ；still depends on the words before it:
``目前，…近千名；…33家``). Everything is computed once per document or per figure and read by the
rule tables of :mod:`.indicator`, :mod:`.subject` and :mod:`.time`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..records import Claim, Entity, Kind, Quantity
from ..structure import Structure
from ..tables import Cell, table_layout
from .aliases import AliasHit, Occurrences, fitting

__all__ = ["Document", "Figure", "geometry", "measure", "qizhong_parents"]

CLAUSE_BREAK = "，,；;：:。！？!?\n"
#: How far a figure's sentence and clause reach on each side, in characters. Real sentences are
#: far shorter (the longest in the real reports we measure on: about 250, clauses 170).
MAX_SENTENCE_REACH = 600
MAX_CLAUSE_REACH = 250
_RE_ITEM_BREAK = re.compile(f"[{re.escape(CLAUSE_BREAK)}、]")  # the end of a clause or enumeration item
_PERSON_UNITS = frozenset("人名位")


@dataclass(slots=True)
class Document:
    """One text being bound: what every figure's rules share."""

    text: str
    half: str  # ``text`` half-width, one to one (２０２２年 reads as 2022年 at the same offsets)
    structure: Structure
    published: date | None
    named: list[Entity]  # regions and organisations naming someone in particular, sorted
    named_starts: list[int]
    orgs: list[tuple[int, int]]  # spans of the named organisations
    occ: Occurrences
    parent_of: dict[int, int]  # start of a 其中 part → start of its total
    claims_at: dict[int, Claim] = field(default_factory=dict)  # start → claim, as bound so far
    last_in_paragraph: dict[str | None, Claim] = field(default_factory=dict)  # measure → the latest topic
    cache: dict[Any, Any] = field(default_factory=dict)  # per article / sentence lookups

    def between(self, lo: int, hi: int) -> list[Entity]:
        """The named entities starting in ``[lo, hi)``."""
        return self.named[bisect.bisect_left(self.named_starts, lo) : bisect.bisect_left(self.named_starts, hi)]


@dataclass(slots=True)
class Figure:
    """One quantity being bound, with its place in the text and what was bound before it."""

    q: Quantity
    doc: Document
    sentence: tuple[int, int]
    clause_start: int
    item_start: int
    clause_end: int
    governing_start: int
    previous: Claim | None  # the claim bound just before, anywhere
    match: AliasHit | None = None  # the alias naming what is counted, by the candidate rules
    total: Claim | None = None  # the total a 其中 part belongs to
    indicator: str | None = None  # once decided: later rules (period, scope) may read it
    period_word: str | None = None
    notes: dict[Any, Any] = field(default_factory=dict)  # per-figure lookups, by name or (name, span)

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def paragraph(self):
        """The paragraph the figure stands in (looked up once)."""
        if "paragraph" not in self.notes:
            self.notes["paragraph"] = self.doc.structure.paragraph_at(self.q.start)
        return self.notes["paragraph"]

    @property
    def article(self):
        """The article the figure stands in (looked up once)."""
        if "article" not in self.notes:
            self.notes["article"] = self.doc.structure.article_at(self.q.start)
        return self.notes["article"]

    def fitting(self, start: int, end: int) -> list[AliasHit]:
        """:func:`.aliases.fitting` for this figure (each window found once)."""
        key = ("fitting", start, end)
        found = self.notes.get(key)
        if found is None:
            found = self.notes[key] = fitting(self.doc.occ, self.q, start, end)
        return found

    @property
    def table_cell(self) -> Cell | None:
        """The figure's cell in a table of the text (:func:`chanjia_nlp.tables.table_layout`,
        laid out once per document), or ``None``."""
        layout = self.doc.cache.get("tables")
        if layout is None:
            layout = self.doc.cache["tables"] = table_layout(self.doc.text)
        return layout.get(self.q.start)

    def previous_in_sentence(self) -> Claim | None:
        p = self.previous
        return p if p is not None and p.quantity.start >= self.sentence[0] else None


def measure(q: Quantity) -> str | None:
    """What a figure counts in: 人, 名 and 位 are one measure (people); % and 个百分点 another; a
    placing (第二名) is none of them (it is no count of people)."""
    if q.kind in (Kind.PERCENT, Kind.PERCENTAGE_POINT):
        return "%"
    if q.kind in (Kind.RANK, Kind.SCORE):
        return q.kind.value
    return "person" if q.unit in _PERSON_UNITS else q.unit


def geometry(text: str, quantities: Sequence[Quantity], structure: Structure) -> list[tuple[tuple[int, int], int, int, int, int]]:
    """For each quantity: its sentence, clause start, enumeration item start, clause end and the
    start of its governing sentence."""
    out = []
    previous_end = 0
    for q in quantities:
        sentence = structure.sentence_at(q.start, q.end)
        # Text without punctuation (a table dump, a damaged scan) would make every figure read all
        # of it: a figure's sentence and clause reach a bounded distance from it.
        sentence = (max(sentence[0], q.start - MAX_SENTENCE_REACH), min(sentence[1], q.end + MAX_SENTENCE_REACH))
        clause_start = max(structure.clause_start(q.start, sentence[0]), q.start - MAX_CLAUSE_REACH)
        item_start = max(clause_start, previous_end)
        enumeration = text.rfind("、", item_start, q.start)
        if enumeration != -1:
            item_start = enumeration + 1  # 省级试点单位25家、市级试点单位67家
        while item_start < q.start and text[item_start] in "、，, ":
            item_start += 1
        m = _RE_ITEM_BREAK.search(text, q.end, min(sentence[1], q.end + MAX_CLAUSE_REACH))
        clause_end = m.start() if m else min(sentence[1], q.end + MAX_CLAUSE_REACH)
        governing = sentence[0]
        while governing > 0 and text[governing - 1] in "；;" and q.start - governing < MAX_SENTENCE_REACH:
            governing = structure.sentence_at(governing - 1, governing - 1)[0]
        governing = max(governing, q.start - MAX_SENTENCE_REACH)
        out.append((sentence, clause_start, item_start, clause_end, governing))
        previous_end = q.end
    return out


def qizhong_parents(text: str, quantities: Sequence[Quantity], structure: Structure) -> dict[int, int]:
    """Start of each 其中 part → start of its total: the last figure before 其中 in the sentence."""
    parents: dict[int, int] = {}
    starts = [q.start for q in quantities]  # in text order: each 其中 looks only at its sentence
    at = text.find("其中")
    while at != -1:
        sentence = structure.sentence_at(at, at + 2)
        first = bisect.bisect_left(starts, sentence[0])
        at_qizhong = bisect.bisect_left(starts, at, first)
        before = [q for q in quantities[first:at_qizhong] if q.end <= at]
        if before:
            total = before[-1]
            for q in quantities[at_qizhong : bisect.bisect_left(starts, sentence[1], at_qizhong)]:
                if at + 2 <= q.start and q.kind == total.kind and measure(q) == measure(total):
                    parents[q.start] = total.start
        at = text.find("其中", at + 2)
    return parents


def enumeration_start(text: str, previous: Claim | None, clause_start: int, figure_start: int, scope_words) -> int:
    """Where the words governing an enumeration item begin: an item that follows another figure
    after only a comma and a short noun phrase (新增高技能人才580人,乡土人才600人) shares the
    clause of the first item, unless the item has a governing word of its own (``scope_words``:
    新增3.2万人，总量达27.5万人)."""
    if previous is None:
        return clause_start
    own = text[clause_start:figure_start]
    if any(pattern.search(own) for pattern in scope_words):
        return clause_start
    from ..grammar import grammar

    if grammar().coverage_pattern.search(own):
        return clause_start  # 新建书屋10家，力争覆盖职工2万人: the item has a verb of its own
    q = previous.quantity
    gap = text[q.end : clause_start]
    if q.end <= clause_start and len(gap) <= 2 and not any(c in gap for c in "。！？!?；;\n"):
        start = q.start
        while start > 0 and text[start - 1] not in CLAUSE_BREAK:
            start -= 1
        return start
    return clause_start
