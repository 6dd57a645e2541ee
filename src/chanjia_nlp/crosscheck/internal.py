"""Checks the reports allow on their own, without a ledger.

* ``sum``: a total against its parts. Parts are the claims whose ``parent`` is the total's start
  (其中 lists), or the figures of the total's indicator that a 合计/总计/共计 figure closes in the
  same sentence (``慰问金22.68万元、救助金约4.61万元，合计27.22万元``). See :func:`.verdicts.judge_sum` for
  when a difference is flagged or explained.
* ``share``: percentages against their counts: ``…46人、…63人、…303人，分别占11.2%、15.3%、73.5%``
  pairs each count with its share, of the counts' 其中 total (or of their sum when the shares add
  up to 100%); a single ``…2.87万人，占30.5%`` is checked when the count is a 其中 part. A share is
  fine when count / total lies within its written precision (46/412 = 11.17% is ``11.2%``).
* ``conflict``: the same subject, indicator, period, scope, level and kind reported in different
  documents with numbers that cannot be the same (each figure read with its qualifier, written
  precision and the money threshold). Only claims with a period and a scope are compared, 其中
  parts are not, and only where one indicator text contains the other (``劳模创新工作室`` is not
  ``职工创新工作室``).

Targets (``target``: 力争再新建30家, 计划线上培训2万人次) are planned, not achieved: a sum or a share
is checked among figures of the total's kind only (a target in a 其中 list of achievements is left
out, as an achievement is from a list of targets), and a target never conflicts with an
achievement of the same thing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from .figures import Figure, Interval, figure_from_claim, sum_intervals, validate_tolerance
from .findings import clean_claim, evidence, finding
from .keys import subject_key, subject_label
from .verdicts import agree, judge_share, judge_sum

__all__ = ["internal_checks"]

#: Words before a figure that make it the total of the figures before it, or of a complete 其中 list.
TOTAL_WORDS = ("合计", "总计", "共计", "合共")
#: Words between counts and their shares.
SHARE_WORD = "占"
#: What may stand between two percentages of one list (``11.2%、15.3%和73.5%``).
RE_LIST_GAP = re.compile(r"^[\s、，,和及与]{0,3}$")
#: Where a clause ends: the text before a figure is read back to here.
RE_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")
RE_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
#: Units that count the same people.
PEOPLE = frozenset({"人", "名", "位"})
_HUNDRED = Decimal(100)


class _Doc:
    """One document's claims in text order, with the text between them where it is known: from the
    document's ``text``, else rebuilt from the ``sentence`` each quantity record carries."""

    def __init__(self, doc: Mapping[str, Any] | None, claims: list[dict[str, Any]]) -> None:
        self.claims = sorted(claims, key=lambda c: c["start"])
        self.by_start = {c["start"]: c for c in self.claims}
        text = doc.get("text") if doc else None
        self.text: str | None = text if isinstance(text, str) else None
        self.pieces: list[tuple[int, str]] = [] if self.text else self._sentences()

    def _sentences(self) -> list[tuple[int, str]]:
        """(start, sentence) for each run of claims sharing a sentence, where the claims agree on
        where the sentence starts."""
        out = []
        run: list[dict[str, Any]] = []
        for claim in [*self.claims, None]:
            if claim is not None and run and claim.get("sentence") == run[-1].get("sentence"):
                run.append(claim)
                continue
            if run and run[0].get("sentence"):
                sentence = run[0]["sentence"]
                common: set[int] | None = None
                for c in run:
                    starts = {c["start"] - m.start() for m in re.finditer(re.escape(c["text"]), sentence)}
                    common = starts if common is None else common & starts
                if common and len(common) == 1:
                    out.append((common.pop(), sentence))
            run = [claim] if claim is not None else []
        return out

    def span(self, start: int, end: int) -> str | None:
        """The text from ``start`` to ``end``, ``None`` when unknown."""
        if start > end:
            return None
        if self.text is not None:
            return self.text[start:end] if end <= len(self.text) else None
        for s, sentence in self.pieces:
            if s <= start and end <= s + len(sentence):
                return sentence[start - s : end - s]
        return None

    def between(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
        """The text from the end of ``a`` to the start of ``b`` when both stand in one sentence."""
        gap = self.span(a["end"], b["start"])
        return None if gap is None or RE_SENTENCE_END.search(gap) else gap

    def lead(self, claim: Mapping[str, Any], width: int = 12) -> str:
        """The clause text right before ``claim`` (at most ``width`` characters)."""
        start = claim["start"]
        for size in range(min(width, start), 0, -1):
            text = self.span(start - size, start)
            if text is not None:
                ends = list(RE_CLAUSE_END.finditer(text))
                return text[ends[-1].end() :] if ends else text
        return ""


def _unit_class(record: Mapping[str, Any]) -> str | None:
    unit = record.get("unit")
    return "人" if unit in PEOPLE else unit


def _comparable(total: Mapping[str, Any], part: Mapping[str, Any]) -> bool:
    """Whether a part is counted in its total's terms (kind, currency, unit)."""
    if total.get("kind") != part.get("kind") or total.get("currency") != part.get("currency"):
        return False
    a, b = _unit_class(total), _unit_class(part)
    return a is None or b is None or a == b


def _doc_finding(check: str, judgement, claim: Mapping[str, Any], spans: list[dict[str, Any]]) -> dict[str, Any]:
    return finding(
        check=check, verdict=judgement.verdict, message=judgement.message, indicator=claim.get("indicator"),
        subject=subject_label(claim.get("subject")), period=claim.get("period"), expected=judgement.expected,
        observed=judgement.observed, gap=judgement.gap, doc_id=claim.get("doc_id"), path=claim.get("path"),
        evidence=spans, kind=claim.get("kind"), unit=claim.get("unit"), currency=claim.get("currency"),
    )


def _total_name(doc: _Doc, total: Mapping[str, Any]) -> str:
    word = next((w for w in TOTAL_WORDS if w in doc.lead(total)), None)
    return word or "total"


def _sums(doc: _Doc, figure: Callable[[Mapping[str, Any]], Figure | None]) -> list[dict[str, Any]]:
    out = []
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for claim in doc.claims:
        if claim["parent"] is not None:
            children[claim["parent"]].append(claim)
    groups: list[tuple[dict[str, Any], list[dict[str, Any]], bool]] = []
    for start, parts in children.items():
        total = doc.by_start.get(start)
        if total is None:
            continue
        parts = [p for p in parts if _comparable(total, p) and p["target"] == total["target"]]
        complete = len(parts) >= 2 and any(w in doc.lead(total) for w in TOTAL_WORDS)
        groups.append((total, parts, complete))
    # 合计 after its parts, in one sentence: the figures before it since the sentence began.
    for i, total in enumerate(doc.claims):
        if total["start"] in children or not any(w in doc.lead(total, 6) for w in TOTAL_WORDS):
            continue
        parts = []
        for prev in reversed(doc.claims[:i]):
            if doc.between(prev, parts[-1] if parts else total) is None or prev.get("parent") is not None:
                break
            if prev["start"] in children or not _comparable(total, prev) or prev["indicator"] != total["indicator"]:
                break
            if prev["target"] != total["target"]:
                break  # 计划发放…，合计: a target is no part of what was paid, nor a payment of a plan
            parts.append(prev)
        if len(parts) >= 2:
            groups.append((total, parts[::-1], True))
    for total, parts, complete in groups:
        total_figure = figure(total)
        part_figures = _figures_of(figure, parts)
        if not parts or total_figure is None or part_figures is None:
            continue
        judgement = judge_sum(total_figure, part_figures, complete=complete,
                              total_name=_total_name(doc, total))
        if judgement.verdict is not None:
            spans = [evidence(total, "total")] + [evidence(p, "part") for p in parts]
            out.append(_doc_finding("sum", judgement, total, spans))
    return out


def _shares(doc: _Doc, figure: Callable[[Mapping[str, Any]], Figure | None]) -> list[dict[str, Any]]:
    out = []
    claims = doc.claims
    i = 0
    while i < len(claims):
        first = claims[i]
        gap = doc.between(claims[i - 1], first) if i else None
        if first.get("kind") != "percent" or gap is None or SHARE_WORD not in gap or claims[i - 1].get("kind") == "percent":
            i += 1
            continue
        j = i
        while j + 1 < len(claims) and claims[j + 1].get("kind") == "percent":
            between = doc.between(claims[j], claims[j + 1])
            if between is None or not RE_LIST_GAP.match(between):
                break
            j += 1
        shares = claims[i : j + 1]
        n = len(shares)
        counts = claims[max(0, i - n) : i]
        i = j + 1
        if len(counts) != n or any(c.get("kind") == "percent" for c in counts):
            continue
        if any(doc.between(a, b) is None for a, b in zip(counts, [*counts[1:], shares[0]])):
            continue
        parents = {c["parent"] for c in counts}
        total_record = doc.by_start.get(parents.pop()) if len(parents) == 1 and None not in parents else None
        if len({c["target"] for c in [*counts, *shares, *([total_record] if total_record else [])]}) > 1:
            continue  # targets mixed with achievements: no share of one is a share of the other
        count_figures = _figures_of(figure, counts)
        share_figures = _figures_of(figure, shares)
        if count_figures is None or share_figures is None:
            continue
        total_figure = figure(total_record) if total_record is not None else None
        if total_record is not None and total_figure is not None:
            total_interval: Interval = total_figure.reading(qualified=True)
            total_text = total_record["text"]
            role_total = [evidence(total_record, "total")]
        elif n > 1 and "分别" in gap and _adds_to_hundred(share_figures):
            total_interval = sum_intervals(f.reading(qualified=True) for f in count_figures)
            total_text = "+".join(c["text"] for c in counts)
            role_total = []
        else:
            continue
        for count, share, cf, sf in zip(counts, shares, count_figures, share_figures):
            judgement = judge_share(cf, total_interval, total_text, sf)
            if judgement.verdict is not None:
                spans = [evidence(share, "contradicts"), evidence(count, "part"), *role_total]
                out.append(_doc_finding("share", judgement, share, spans))
    return out


def _figures_of(
    figure: Callable[[Mapping[str, Any]], Figure | None], records: Iterable[Mapping[str, Any]],
) -> list[Figure] | None:
    """The figures of ``records``, or ``None`` when any of them has none (a range, a vague amount)."""
    figures = [figure(r) for r in records]
    return None if any(f is None for f in figures) else [f for f in figures if f is not None]


def _adds_to_hundred(shares: list[Figure]) -> bool:
    """Whether shares can sum to 100% (each within its written precision)."""
    return sum_intervals(f.reading(qualified=True) for f in shares).overlaps(Interval.point(_HUNDRED))


def _conflicts(claims: list[tuple[dict[str, Any], Figure]]) -> list[dict[str, Any]]:
    groups: dict[tuple, list[tuple[dict[str, Any], Figure]]] = defaultdict(list)
    for claim, fig in claims:
        if claim["period"] is None or claim["scope"] is None or claim["parent"] is not None:
            continue
        key = (subject_key(claim.get("subject")), claim.get("indicator"), claim.get("period"), claim.get("scope"),
               claim.get("level"), claim.get("kind"), claim.get("currency"), _unit_class(claim), claim["target"])
        if key[0] is not None:
            groups[key].append((claim, fig))
    out = []
    for members in groups.values():
        if len({c.get("doc_id") for c, _ in members}) < 2:
            continue
        clashing: dict[tuple[Any, Any], dict[str, Any]] = {}
        for i, (a, fa) in enumerate(members):
            for b, fb in members[i + 1 :]:
                if a.get("doc_id") == b.get("doc_id"):
                    continue
                ta, tb = a.get("indicator_text") or "", b.get("indicator_text") or ""
                if (ta in tb or tb in ta) and not agree(fa, fb):
                    clashing[(a["doc_id"], a["start"])] = a
                    clashing[(b["doc_id"], b["start"])] = b
        if not clashing:
            continue
        found = sorted(clashing.values(), key=lambda c: (c.get("path") or "", c["start"]))
        first = found[0]
        listed = " but ".join(f"{c['text']} in {PurePath(str(c.get('path') or c.get('doc_id'))).name}" for c in found)
        message = (f"flagged: {subject_label(first.get('subject'))} {first.get('indicator_text') or first.get('indicator')} "
                   f"({first.get('indicator')}, {first.get('period')}, {first.get('scope')}"
                   f"{', targets' if first['target'] else ''}) is {listed}")
        out.append(finding(
            check="conflict", verdict="flagged", message=message, indicator=first.get("indicator"),
            subject=subject_label(first.get("subject")), period=first.get("period"), doc_id=first.get("doc_id"),
            path=first.get("path"), evidence=[evidence(c, "contradicts") for c in found],
        ))
    return out


def internal_checks(
    records: Iterable[Mapping[str, Any]],
    *,
    money_tolerance: Decimal = Decimal("0.005"),
    approx_tolerance: Decimal = Decimal("0.05"),
    sums: bool = True,
    shares: bool = True,
    conflicts: bool = True,
) -> list[dict[str, Any]]:
    """``sum``, ``share`` and ``conflict`` findings for report records (dicts as ``chanjia extract``
    writes them; ``document`` dicts give the text between figures when they carry ``text``).

    Claims flagged ``repeated`` are left out: the first copy of a paragraph is checked once.

    Raises:
        ConfigError: a tolerance is not a share in [0, 1).
    """
    money = validate_tolerance("money_tolerance", money_tolerance)
    approx = validate_tolerance("approx_tolerance", approx_tolerance)
    documents: dict[Any, Mapping[str, Any]] = {}
    by_doc: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        kind = record.get("type")
        if kind == "document":
            doc_id = record.get("doc_id")
            documents[doc_id if doc_id is None or isinstance(doc_id, str) else str(doc_id)] = record
        elif (claim := clean_claim(record)) is not None and not claim["repeated"]:
            by_doc[claim["doc_id"]].append(claim)
    cache: dict[int, Figure | None] = {}

    def figure(claim: Mapping[str, Any]) -> Figure | None:
        key = id(claim)
        if key not in cache:
            cache[key] = figure_from_claim(claim, money_tolerance=money, approx_tolerance=approx)
        return cache[key]

    out: list[dict[str, Any]] = []
    for doc_id, claims in by_doc.items():
        doc = _Doc(documents.get(doc_id), claims)
        if sums:
            out.extend(_sums(doc, figure))
        if shares:
            out.extend(_shares(doc, figure))
    if conflicts:
        every = [(c, figure(c)) for claims in by_doc.values() for c in claims]
        out.extend(_conflicts([(c, f) for c, f in every if f is not None]))
    return out
