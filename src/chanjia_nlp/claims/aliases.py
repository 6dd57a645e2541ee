"""Indicator candidates: where the words of ``lexicons/indicators.yaml`` stand around a figure.

An *alias* names the counted thing (``省级试点单位``, ``高技能人才``); a *cue* is a weaker
context word (a verb, a topic word). The binder finds every alias once per document, in the
clauses around figures, and asks for the ones that fit a figure (its kind and unit) inside a
window. Specific aliases beat the generic heads of ``lexicons/generic_heads.txt`` (``职工``,
``企业``), which say who is counted but not which indicator the figure reports.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import _lexicon
from .._lexicon import Alias
from ..records import Kind, Quantity

__all__ = ["AliasHit", "Occurrences", "alias_lexicon", "cue_indicators", "fits", "fitting", "strong"]

#: Quantity kinds as the indicator lexicon groups them.
KIND_GROUPS = {
    Kind.COUNT: "count",
    Kind.MONEY: "money",
    Kind.PERCENT: "percent",
    Kind.PERCENTAGE_POINT: "percent",
    Kind.RATIO: "percent",
    Kind.SCORE: "score",
    Kind.RANK: "rank",
    Kind.AREA: "count",
    Kind.DURATION: "count",
    Kind.OTHER: "count",
}

#: (alias, start, end): an alias occurrence in the text.
AliasHit = tuple[Alias, int, int]


@dataclass(frozen=True, slots=True)
class AliasLexicon:
    pattern: re.Pattern[str]
    first_chars: frozenset[str]
    cues: dict[str, tuple[tuple[str, frozenset[str], frozenset[str] | None], ...]]  # cue → (id, kinds, units)…
    cue_pattern: re.Pattern[str]
    cue_order: dict[str, tuple[int, int]]  # cue → (longest first, then lexicon order)


@functools.cache
def alias_lexicon() -> AliasLexicon:
    """The aliases of the registry as one pattern (a trie, longest match first), and the cues."""
    registry = _lexicon.indicators()
    words = sorted(registry.aliases, key=len, reverse=True)
    cues: dict[str, list[tuple[str, frozenset[str], frozenset[str] | None]]] = {}
    for ind in registry.by_id.values():
        for cue in ind.cues:
            cues.setdefault(cue, []).append((ind.id, ind.kinds, ind.count_units))
    return AliasLexicon(
        re.compile(_lexicon.literal_regex(words, searched=True)),
        frozenset(w[0] for w in words),
        {cue: tuple(v) for cue, v in cues.items()},
        re.compile(_lexicon.literal_regex(cues, searched=True)),
        {cue: (-len(cue), n) for n, cue in enumerate(cues)},
    )


def kind_fits(kinds: frozenset[str], q: Quantity) -> bool:
    group = KIND_GROUPS[q.kind]
    if group in ("score", "rank"):
        return bool(kinds & {"score", "rank"})
    return group in kinds


def fits(alias: Alias, q: Quantity) -> bool:
    """Whether ``alias`` can name what ``q`` counts: its indicator takes ``q``'s kind, its units
    (if it has any) include ``q``'s, and an indicator that counts people gets a people unit
    (包车84辆次接送职工 counts vehicles, not 职工)."""
    if alias.count_units is not None and q.kind is Kind.COUNT and q.unit is not None and q.unit not in alias.count_units:
        return False
    return kind_fits(alias.kinds, q) and (alias.units is None or q.unit in alias.units)


@dataclass(frozen=True, slots=True)
class Occurrences:
    """Every alias occurrence of one text, overlapping ones included, sorted by start."""

    starts: list[int]
    spans: list[tuple[int, int, str]]

    @classmethod
    def find(cls, text: str, windows: Sequence[tuple[int, int]], orgs: Sequence[tuple[int, int]] = ()) -> Occurrences:
        """Find aliases once per text, in the clauses around figures (``windows``): one
        leftmost-longest pass, then the positions inside each match, so that 专职工会副主席 yields
        工会副主席 as well as 职工. The type word that ends a named organisation (the 工会 of
        陈埭镇总工会) names who acts, not what is counted: it is no alias there."""
        lex = alias_lexicon()
        pattern, first_chars = lex.pattern, lex.first_chars
        spans = []
        merged: list[list[int]] = []
        for a, b in sorted(windows):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        for a, b in merged:
            for m in pattern.finditer(text, a, b):
                spans.append((m.start(), m.end(), m.group()))
                for inner in range(m.start() + 1, m.end()):
                    if text[inner] not in first_chars:
                        continue
                    n = pattern.match(text, inner)
                    if n is not None:
                        spans.append((inner, n.end(), n.group()))
        if orgs:
            ends = {end: start for start, end in orgs}
            spans = [span for span in spans if not (span[1] in ends and ends[span[1]] < span[0])]
        spans.sort()
        return cls([span[0] for span in spans], spans)

    def within(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The occurrences inside ``[start, end)``."""
        lo, hi = bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)
        return [span for span in self.spans[lo:hi] if span[1] <= end]


def fitting(occ: Occurrences, q: Quantity, start: int, end: int) -> list[AliasHit]:
    """Every alias within ``[start, end)`` whose indicator fits ``q``, in text order; a match
    inside a longer fitting one is dropped, so the most specific alias stands."""
    aliases = _lexicon.indicators().aliases
    found = []
    for a, b, word in occ.within(start, end):
        for alias in aliases[word]:
            if fits(alias, q):
                found.append((alias, a, b))
                break
    return _outermost(found)


def _outermost(found: list[AliasHit]) -> list[AliasHit]:
    """The hits no other hit contains (an equal span counts as containing), in text order: one
    sweep over the hits sorted by start, longest first, so a long run of aliases stays linear."""
    if len(found) < 2:
        return found
    order = sorted(range(len(found)), key=lambda i: (found[i][1], -found[i][2]))
    dropped = set()
    reach = -1  # the furthest end of the hits that start before (or at) the current one
    previous, previous_i = None, -1
    for i in order:
        span = (found[i][1], found[i][2])
        if span == previous:
            dropped.update((i, previous_i))  # two hits of one span contain each other
        elif reach >= span[1]:
            dropped.add(i)
        reach = max(reach, span[1])
        previous, previous_i = span, i
    return [c for i, c in enumerate(found) if i not in dropped]


@functools.cache
def _generic_heads() -> frozenset[str]:
    return frozenset(_lexicon.word_list("generic_heads.txt"))


def strong(hit: AliasHit) -> bool:
    """Whether an alias names the indicator itself, not just who is counted (``职工``)."""
    return hit[0].text not in _generic_heads()


@functools.lru_cache(maxsize=1024)
def cues_in(context: str) -> frozenset[str]:
    """The cue words of ``context`` (a clause shared by several figures is read once)."""
    return frozenset(m.group() for m in alias_lexicon().cue_pattern.finditer(context))


def cue_indicators(context: str, q: Quantity) -> list[str]:
    """The indicators of the cue words in ``context`` that fit ``q``, longest cue first (then in
    lexicon order)."""
    lex = alias_lexicon()
    present = cues_in(context)
    if not present:
        return []
    out: list[str] = []
    for cue in sorted(present, key=lex.cue_order.__getitem__):
        for ident, kinds, units in lex.cues[cue]:
            if ident in out:
                continue
            if units is not None and q.kind is Kind.COUNT and q.unit is not None and q.unit not in units:
                continue  # 包车84辆次: no people count
            if kind_fits(kinds, q):
                out.append(ident)
    return out
