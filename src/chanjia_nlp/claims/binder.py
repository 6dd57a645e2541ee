"""The binder: each quantity through the candidate stage and the rule tables, into a claim.

For each quantity, in text order:

1. *claim or mention*: counts that only structure the text (``处理好四个方面的关系``, ``14栋厂房``,
   thresholds such as ``职工200人以上的企业``) stay mentions;
2. *candidates*: the alias naming what is counted (:func:`.indicator.counted_alias`), the
   其中 total it belongs to, the claim before it;
3. *rule tables* decide indicator, subject, period, scope and target (:mod:`.indicator`,
   :mod:`.subject`, :mod:`.time`, :mod:`.target`); a learned scorer (:mod:`.model`) may choose
   the indicator from what all the indicator rules propose;
4. the rule (or model) that decided each field is recorded in the claim's ``why``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date

from ..grammar import grammar, level_in
from ..numbers import to_halfwidth
from ..records import Claim, Entity, EntityLabel, Kind, Quantity
from ..structure import Structure
from .aliases import Occurrences
from .context import Document, Figure, geometry, qizhong_parents
from .indicator import DOMAIN_RULES, INDICATOR_RULES, LEXICAL_RULES, counted_alias, indicator_text, remember
from .subject import SUBJECT_RULES, TRUSTED_SUBJECT_RULES, named_entities
from .target import TARGET_RULES
from .time import PERIOD_RULES, SCOPE_RULES

__all__ = ["bind_claims", "is_claim"]


@functools.cache
def _structural_after() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(grammar().texts("structural_nouns"), key=len, reverse=True))
    return re.compile(f"^(?:的)?(?:{words})")


def is_claim(text: str, q: Quantity) -> bool:
    """Whether a mention reports a measured fact rather than structuring the text."""
    after = text[q.end : q.end + 6]
    if q.unit in ("栋", "层", "幢"):
        return False  # 14栋厂房、1栋10层: a description of buildings
    if q.text.endswith("大") and q.unit is None and q.kind is Kind.COUNT:
        return False  # 六大举措, 四大产业集群
    if _structural_after().match(after):
        return False  # 四个方面的关系
    if after.startswith("的") and q.qualifier.value in ("at_least", "more_than") and q.kind is not Kind.MONEY:
        return False  # 职工200人以上的企业: a threshold
    if q.text.endswith(("以上", "以下")) and "\u4e00" <= after[:1] <= "\u9fff":
        return False  # 10人以上集体劳动争议: a bound that classifies the noun after it
    if after.startswith("的") and q.kind is Kind.MONEY and q.qualifier.value == "more_than":
        return False  # 总投资超亿美元的重大项目
    return True


def _level(fig: Figure) -> tuple[str | None, str | None]:
    """The level the counted thing states (省级试点单位 → provincial); for a rank, the field it
    was earned in (全市第二 → city)."""
    q, half = fig.q, fig.doc.half
    if q.kind is Kind.RANK:
        lo = max(fig.sentence[0], q.start - 16)
        found = [(half.rfind(word, lo, q.start), level) for level, word in grammar().rank_fields]
        found = [f for f in found if f[0] != -1]
        return (max(found)[1], "rank_field") if found else (None, None)
    if fig.match is None:
        return None, None
    _, start, end = fig.match
    level = level_in(half, max(fig.item_start, start - 12), end)
    return (level, "level_word") if level is not None else (None, None)


def bind_claims(
    text: str,
    quantities: Sequence[Quantity],
    *,
    entities: Sequence[Entity],
    structure: Structure,
    published: date | None = None,
    scorer=None,
) -> list[Quantity | Claim]:
    """Bind each quantity: a :class:`Claim` when it reports a fact, else the quantity itself.

    Enumerations share their head and period (``省级试点单位25家、市级试点单位67家``), and the
    parts of a ``其中`` breakdown get ``parent`` = the start offset of their total. ``scorer``
    (a :class:`.model.BinderScorer`) chooses each indicator, subject and period from what the
    rules propose and the words around the figure; without it the first rule that answers decides.
    """
    named = named_entities(text, entities)
    geo = geometry(text, quantities, structure)
    orgs = [(e.start, e.end) for e in named if e.label is EntityLabel.ORG]
    doc = Document(
        text=text,
        half=to_halfwidth(text),
        structure=structure,
        published=published,
        named=named,
        named_starts=[e.start for e in named],
        orgs=orgs,
        occ=Occurrences.find(text, [(g[1], g[3]) for g in geo], orgs),
        parent_of=qizhong_parents(text, quantities, structure),
    )
    if scorer is not None:
        scorer.start_document(doc)
    out: list[Quantity | Claim] = []
    previous: Claim | None = None
    for q, (sentence, clause_start, item_start, clause_end, governing) in zip(quantities, geo):
        if not is_claim(text, q):
            out.append(q)
            continue
        fig = Figure(q, doc, sentence, clause_start, item_start, clause_end, governing, previous)
        fig.match = counted_alias(fig)
        parent = doc.parent_of.get(q.start)
        fig.total = doc.claims_at.get(parent) if parent is not None else None
        if fig.total is None:
            parent = None  # 六大其中…: a total that is no claim has no parts to check
        why: list[tuple[str, str]] = []
        if scorer is not None:  # (asked for every figure: a training recorder counts on it)
            indicator, decided_by = scorer.choose(fig, INDICATOR_RULES.proposals(fig))
        else:
            indicator, decided_by = INDICATOR_RULES.decide(fig)
        domain, domain_by = DOMAIN_RULES.decide(fig)
        if domain is None:
            domain, domain_by = LEXICAL_RULES.decide(fig)
        if domain is not None:
            indicator, decided_by = domain, domain_by
        fig.indicator = indicator
        why.append(("indicator", decided_by))
        if scorer is not None and scorer.period is not None:
            proposals = PERIOD_RULES.proposals(fig)
            period, _, period_by = scorer.choose_period(fig, proposals)
            # the scope rules read the time word the text states, whatever period was chosen
            period_word = proposals[0][1][1] if proposals else None
        else:
            decided, period_by = PERIOD_RULES.decide(fig)
            period, period_word = decided if decided is not None else (None, None)
        fig.period_word = period_word
        fig.notes["period"] = period
        target, target_by = TARGET_RULES.decide(fig)
        if fig.total is not None and fig.total.target:
            target, target_by = True, "part_of_total"
        fig.notes["target"] = bool(target)
        scope, scope_by = SCOPE_RULES.decide(fig)
        if q.kind is Kind.RANK and not (scope == "annual" and period is not None):
            scope, scope_by = None, "rank_has_no_scope"  # a placing: of a stated year's assessment at most
        if fig.total is not None:  # 新建24家，其中省级5家: the parts share the total's scope and period
            scope, scope_by = fig.total.scope, "part_of_total"
            if period is None and fig.total.period is not None:
                period, period_by = fig.total.period, "part_of_total"
        if scorer is not None and scorer.subject is not None:
            proposals = SUBJECT_RULES.proposals(fig)
            subject, subject_by = scorer.choose_subject(fig, proposals)  # (asked always: a recorder counts on it)
            if proposals and proposals[0][0] in TRUSTED_SUBJECT_RULES:
                subject_by, subject = proposals[0]
        else:
            subject, subject_by = SUBJECT_RULES.decide(fig)
        level, level_by = _level(fig)
        for name, by in (("subject", subject_by), ("level", level_by), ("period", period_by), ("scope", scope_by),
                         ("target", target_by)):
            if by is not None:
                why.append((name, by))
        claim = Claim(
            quantity=q,
            indicator=indicator,
            indicator_text=indicator_text(fig),
            subject=subject,
            level=level,
            period=period,
            scope=scope,
            parent=parent,
            target=bool(target),
            why=tuple(why),
        )
        out.append(claim)
        previous = claim
        doc.claims_at[q.start] = claim
        remember(doc.last_in_paragraph, claim, q)
    return out
