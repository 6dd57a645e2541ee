"""Claim binding: which quantities report a measured fact, and about what, whom and when.

For each quantity this decides (ANNOTATION.md §2) whether it is a claim at all, the indicator
it counts, ``indicator_text``, ``level``, ``subject``, ``period``, ``scope``, ``target`` and
``parent`` (the total of a 其中 breakdown), and records in ``why`` which rule or model decided
each field. The design, in the order a figure goes through it:

- :mod:`.context`: the document and each figure's place in it (sentence, clause, item);
- :mod:`.aliases`: candidates, the words of ``lexicons/indicators.yaml`` around the figure;
- :mod:`.rules`: named rules in ordered tables (Duckling's ``Rule { name, pattern, prod }``):
  :mod:`.indicator`, :mod:`.subject`, :mod:`.time` (period and scope), :mod:`.target`;
- :mod:`.model`: a learned scorer that chooses the indicator from what every indicator rule
  proposes and the words around the figure, where rules stop scaling (``binder="rules"`` keeps
  the rules alone);
- :mod:`.binder`: :func:`bind_claims`, which runs them.

The grammar words (scope, period, level, target) live in ``lexicons/grammar.yaml``
(:mod:`chanjia_nlp.grammar`), the indicator registry in ``lexicons/indicators.yaml``
(:func:`chanjia_nlp._lexicon.indicators`).
"""

from __future__ import annotations

from .. import _lexicon
from ..grammar import level_of, scope_of
from .binder import bind_claims, is_claim

__all__ = ["bind_claims", "indicator_aliases", "indicator_ids", "indicator_names", "is_claim", "level_of", "scope_of"]


def indicator_ids() -> tuple[str, ...]:
    """The indicator ids of ``lexicons/indicators.yaml``, in ``spec/indicators.tsv`` order."""
    return _lexicon.indicators().ids


def indicator_names() -> dict[str, str]:
    """``name_zh`` of every indicator id (``pilot_units`` → ``产改试点单位``…), in lexicon order."""
    return _lexicon.indicators().names()


def indicator_aliases() -> dict[str, tuple[tuple[str, frozenset[str], frozenset[str] | None], ...]]:
    """Every alias of the indicator lexicon: alias text → ``(indicator id, kinds, units or None)``
    for each indicator it names (one text may name several, told apart by kind or unit)."""
    return {
        text: tuple((a.indicator, a.kinds, a.units) for a in aliases)
        for text, aliases in _lexicon.indicators().aliases.items()
    }
