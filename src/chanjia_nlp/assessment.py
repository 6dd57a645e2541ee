"""The assessment table: one figure per region, indicator and year, chosen by a stated policy,
with its evidence, the candidates it was chosen over and why each lost, and the 台账 beside it.

Rows are keyed by the region (``subject_code`` at the level asked: district, city or province),
the indicator, the year of the claims' ``period`` and whether the figures are targets (targets are
rows of their own, never mixed with what was achieved). The candidates of a row are the claims
whose subject *is* the region or one of its bodies (惠山, 惠山区, 惠山区总工会, 惠山区产改办); the
figures of towns, parks and companies under it are theirs, not the region's. Claims with no year,
claims of ``other``, and paragraphs printed twice (``repeated``) are left out.

The policy, step by step; each candidate that drops out keeps the reason (``lost``):

1. **A figure**: a damaged figure, or a range or vague amount without a value, is no figure to score.
2. **One kind**: the indicator's own kind (the first of its ``kinds`` in ``lexicons/indicators.yaml``:
   a count for ``pilot_units``, money for ``reform_funds``) when any candidate has it, else the
   commonest; figures of another kind (13.4%, 3.6个百分点 beside 134家) drop out.
3. **One unit**: of that kind, the commonest unit (名, 人 and 位 are one unit; money is compared in
   yuan of one currency); 人次 never adds to 人.
4. **Totals, not parts**: a ``其中`` part (``parent`` set) drops out.
5. **All levels**: a figure for one level (省级试点单位6家) drops out when a figure for every level
   is there; with only per-level figures, the region's own level (区级 for a district) stays.
6. **Stock or flow**, by the claims' ``scope``:

   * a **stock** (``as_of``: 截至, 现有, 年末): the latest of the year, year-end preferred
     (the period's month 12, or 年末/年底 in its sentence) — ``stock_year_end`` / ``stock_latest``;
   * else a **flow** stated for the **year** (``annual``: 全年, 2022年) — ``annual``;
   * else **additions** (``increment``: 新增): one is the figure (``increment``); several whose
     periods do not overlap (2022-H1, 2022-H2) are added up (``sum_of_increments``); overlapping
     ones are not: the one covering the longest time is kept (新增 of 2022 over 新增 of 2022-03,
     which it may include);
   * else a running total (``cumulative``: 累计) — ``cumulative``; else a figure with no scope
     (``scope_unstated``).

   Among several figures of the chosen scope the order is: for a stock year-end, then the latest
   month; for additions the longest time; then an exact figure before a qualified one, the
   latest document, the first in the text.

A region rolled up (``by="city"``) takes the city's own figure; when the city states none, the
districts' chosen figures are added up when they are all of one kind, unit and scope
(``sum_of_districts``), and the row says which districts it covers: a sum of the districts the
reports name is not the city's total.

Claims reviewed in ``chanjia serve`` take part as their latest decision leaves them (the store
hands them over reviewed: corrected fields, rejected figures left out), and ``reviewed_by`` names
who reviewed the chosen figures.

Each row's evidence names the document (title and path), the paragraph (``第N段``: the N-th
non-blank line of the text), the sentence and the character span (``raw[start:end] == text``).
When ledger findings are given (``chanjia check --db``), the row carries the 台账 value, cell and
verdict of the row of the same region, indicator and year (the one whose evidence holds the chosen
figure, if several).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ConfigError, value_invalid_msg
from .subjects import ROLLUP_LEVELS, is_region, rollup_code

__all__ = ["BASES", "COLUMNS", "ROLLUP_LEVELS", "TARGETS", "assessment_table", "paragraph_number", "row_key"]

#: What ``targets`` may be: rows of targets beside achieved ones, without them, or only them.
TARGETS = ("include", "exclude", "only")
#: How a row's figure was chosen (the ``basis`` column).
BASES = ("stock_year_end", "stock_latest", "annual", "increment", "sum_of_increments", "cumulative",
         "scope_unstated", "own_level_only", "sum_of_districts", "none")
#: The columns of a table row, in order (``candidates`` and ``evidence`` are lists of dicts).
COLUMNS = (
    "level", "region_code", "region", "indicator", "year", "target", "value", "low", "high", "qualifier", "text",
    "kind", "unit", "currency", "scope", "basis", "note", "title", "path", "paragraph", "sentence", "start", "end",
    "evidence", "candidates", "ledger_value", "ledger_cell", "ledger_verdict", "ledger_message", "reviewed_by",
)
_PEOPLE = {"名": "人", "位": "人", "人": "人"}
_YEAR_END_WORDS = ("年末", "年底", "年终")


@functools.cache
def _primary_kinds() -> Mapping[str, str]:
    """Each indicator's own kind: the first of its ``kinds`` in ``lexicons/indicators.yaml``."""
    from ._lexicon import read_yaml

    entries = read_yaml("indicators.yaml")
    return {e["id"]: e["kinds"][0] for e in entries if e.get("kinds")}


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _year(period: Any) -> int | None:
    if not isinstance(period, str) or len(period) < 4 or not period[:4].isdigit():
        return None
    return int(period[:4])


def _months(period: str | None) -> tuple[int, int]:
    """The months a period covers: ``2022`` → (1, 12), ``2022-03`` → (3, 3), ``2022-H2`` → (7, 12)."""
    from .crosscheck.keys import period_range

    found = period_range(period)
    return (found[1], found[2]) if found else (1, 12)


def paragraph_number(text: str | None, start: int) -> int | None:
    """The 1-based number of the paragraph (non-blank line) holding offset ``start``.

    >>> paragraph_number("标题\\n\\n第一段。\\n第二段，25家。", 12)
    3
    """
    if not isinstance(text, str) or not 0 <= start <= len(text):
        return None
    line_start = text.rfind("\n", 0, start) + 1
    return sum(1 for line in text[:line_start].split("\n") if line.strip()) + 1


class _Candidate:
    """A claim in a row, with what the policy reads from it."""

    __slots__ = ("record", "value", "published", "order", "lost")

    def __init__(self, record: Mapping[str, Any], published: str, order: int) -> None:
        self.record = record
        self.value = _decimal(record.get("value"))
        self.published = published
        self.order = order
        self.lost: str | None = None

    def get(self, name: str) -> Any:
        return self.record.get(name)

    @property
    def unit_class(self) -> tuple[Any, ...]:
        if self.get("kind") == "money":
            return ("money", self.get("currency") or "CNY")
        unit = self.get("unit")
        return (self.get("kind"), _PEOPLE.get(unit, unit))

    @property
    def year_end(self) -> bool:
        first, last = _months(self.get("period"))
        month_given = "-" in str(self.get("period") or "")
        sentence = self.get("sentence") or ""
        return (month_given and last == 12) or any(word in sentence for word in _YEAR_END_WORDS)

    def rank(self, scope: str | None) -> tuple[Any, ...]:
        """Best first. A stock: year-end, then the latest month; an addition: the longest time it
        covers (the year's over a month's); then an exact figure, the latest document, the first
        in the text."""
        first, last = _months(self.get("period"))
        month_given = "-" in str(self.get("period") or "")
        if scope == "as_of":
            when: tuple[Any, ...] = (not self.year_end, -last if month_given else 0)
        elif scope == "increment":
            when = (first - last,)
        else:
            when = ()
        return (*when, self.get("qualifier") != "exact", _neg(self.published), self.order)

    def describe(self) -> dict[str, Any]:
        r = self.record
        return {
            "text": r.get("text"), "value": self.value, "kind": r.get("kind"), "unit": r.get("unit"),
            "scope": r.get("scope"), "period": r.get("period"), "level": r.get("level"), "subject": r.get("subject"),
            "path": r.get("path"), "start": r.get("start"), "end": r.get("end"), "lost": self.lost,
            "reviewed_by": r.get("reviewed_by"),
        }


def _neg(text: str) -> tuple[int, ...]:
    """A sort key that puts later ISO dates first."""
    return tuple(-ord(c) for c in text)


_LEVEL_OF_REGION = {"district": "district", "city": "city", "province": "provincial"}


def _choose(cands: list[_Candidate], indicator: str, region_level: str) -> tuple[list[_Candidate], str]:
    """The chosen candidates (one, or several added up) and the basis; losers get ``lost`` set."""

    def drop(items: Iterable[_Candidate], why: str) -> None:
        for c in items:
            if c.lost is None:
                c.lost = why

    live = [c for c in cands if c.lost is None]
    drop((c for c in live if c.value is None or c.get("damaged")), "no value to score (damaged, a range or vague)")
    live = [c for c in live if c.lost is None]
    if not live:
        return [], "none"
    kinds = [c.get("kind") for c in live]
    own = _primary_kinds().get(indicator)
    kind = own if own in kinds else max(dict.fromkeys(kinds), key=kinds.count)
    drop((c for c in live if c.get("kind") != kind), f"another kind: the row is a {kind}")
    live = [c for c in live if c.lost is None]
    classes = [c.unit_class for c in live]
    unit = max(dict.fromkeys(classes), key=classes.count)
    shown = unit[1] or "no unit"
    drop((c for c in live if c.unit_class != unit), f"another unit: the row counts {shown}")
    live = [c for c in live if c.lost is None]
    drop((c for c in live if c.get("parent") is not None), "a 其中 part of a total")
    live = [c for c in live if c.lost is None]
    basis_note = None
    if any(c.get("level") is None for c in live):
        for c in live:
            if c.get("level") is not None:
                c.lost = f"one level only ({c.get('level')}); a figure for all levels is chosen"
    elif len({c.get("level") for c in live}) > 1:
        wanted = _LEVEL_OF_REGION.get(region_level)
        for c in live:
            if c.get("level") != wanted:
                c.lost = f"one level only ({c.get('level')}); levels are not added up"
        basis_note = "own_level_only"
    live = [c for c in live if c.lost is None]
    if not live:
        return [], "none"
    by_scope: dict[Any, list[_Candidate]] = defaultdict(list)
    for c in live:
        by_scope[c.get("scope")].append(c)
    for scope, reason in (("as_of", None), ("annual", "a stock is chosen; this is a flow"),
                          ("increment", None), ("cumulative", None), (None, None)):
        if scope in by_scope:
            break
    pool = sorted(by_scope[scope], key=lambda c: c.rank(scope))
    others = [c for c in live if c.get("scope") != scope]
    scope_word = {"as_of": "a stock (as_of)", "annual": "a flow of the year (annual)", "increment": "an addition (increment)",
                  "cumulative": "a running total (cumulative)", None: "a figure with no scope"}
    for c in others:
        c.lost = f"{scope_word[c.get('scope')]}; {scope_word[scope]} is chosen first"
    if scope == "increment" and len(pool) > 1:
        spans = [_months(c.get("period")) for c in pool]
        ordered = sorted(spans)
        if all(a[1] < b[0] for a, b in zip(ordered, ordered[1:])):
            return pool, "sum_of_increments"
    best = pool[0]
    for c in pool[1:]:
        if scope == "increment":
            c.lost = "an addition within the time of the chosen one (it may be counted in it)"
        elif scope == "as_of" and not c.year_end and best.year_end:
            c.lost = "a stock before the year's end"
        elif scope == "as_of" and _months(c.get("period"))[1] < _months(best.get("period"))[1]:
            c.lost = "an earlier stock of the year"
        elif c.value == best.value:
            c.lost = "the same figure, stated again"
        else:
            c.lost = f"another figure of the same scope ({best.get('text')} is exact or in a later document or first)"
    if basis_note:
        return [best], basis_note
    basis = {"as_of": "stock_year_end" if best.year_end else "stock_latest", "annual": "annual",
             "increment": "increment", "cumulative": "cumulative", None: "scope_unstated"}[scope]
    return [best], basis


def _span(record: Mapping[str, Any], docs: Mapping[Any, Mapping[str, Any]]) -> dict[str, Any]:
    doc = docs.get(record.get("doc_id")) or {}
    start = record.get("start")
    return {
        "title": doc.get("title"), "path": record.get("path"),
        "paragraph": paragraph_number(doc.get("text"), start) if isinstance(start, int) else None,
        "sentence": record.get("sentence"), "start": start, "end": record.get("end"), "text": record.get("text"),
    }


def _ledger_for(found: Sequence[Mapping[str, Any]], chosen: Sequence[_Candidate]) -> Mapping[str, Any] | None:
    """The ledger finding whose evidence holds a chosen figure, else the only one there is."""
    spans = {(c.get("doc_id"), c.get("start")) for c in chosen}
    for f in found:
        if any((e.get("doc_id"), e.get("start")) in spans for e in f.get("evidence") or ()):
            return f
    return found[0] if len(found) == 1 else None


def _row(level: str, code: str, indicator: str, year: int, target: bool, chosen: list[_Candidate], basis: str,
         cands: list[_Candidate], docs: Mapping[Any, Mapping[str, Any]]) -> dict[str, Any]:
    from .entities import divisions

    division = divisions().get(code)
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(level=level, region_code=code, region=division.name if division else code, indicator=indicator,
               year=year, target=target, basis=basis)
    evidence = [_span(c.record, docs) for c in chosen]
    row["evidence"] = evidence
    row["candidates"] = [c.describe() for c in cands if c.lost is not None]
    if chosen:
        first = chosen[0]
        values = [c.value for c in chosen if c.value is not None]  # all of them: valueless ones were dropped
        row.update(
            value=sum(values, Decimal(0)) if len(chosen) > 1 else values[0],
            text=" + ".join(str(c.get("text")) for c in chosen),
            kind=first.get("kind"), unit=first.get("unit"), currency=first.get("currency"), scope=first.get("scope"),
            qualifier=first.get("qualifier") if len(chosen) == 1 else (
                "exact" if all(c.get("qualifier") == "exact" for c in chosen) else "approx"),
            low=_decimal(first.get("low")) if len(chosen) == 1 else None,
            high=_decimal(first.get("high")) if len(chosen) == 1 else None,
            **{k: evidence[0][k] for k in ("title", "path", "paragraph", "sentence", "start", "end")},
        )
        reviewers = sorted({str(c.get("reviewed_by")) for c in chosen if c.get("reviewed_by")})
        row["reviewed_by"] = ", ".join(reviewers) or None
    return row


def _attach_ledger(row: dict[str, Any], found: Sequence[Mapping[str, Any]], chosen: Sequence[_Candidate]) -> None:
    if not found:
        return
    hit = _ledger_for(found, chosen)
    if hit is None:
        cells = ", ".join(_cell(f) for f in found)
        row["ledger_message"] = f"{len(found)} 台账 rows of this indicator ({cells}), none about the chosen figure"
        return
    where = _cell(hit)
    message = str(hit.get("message") or "")
    spans = {(c.get("doc_id"), c.get("start")) for c in chosen}
    if chosen and not any((e.get("doc_id"), e.get("start")) in spans for e in hit.get("evidence") or ()):
        message = f"the 台账 row is not compared with the chosen figure but with the reports' own: {message}"
    row.update(ledger_value=_decimal(hit.get("observed")), ledger_cell=where or None,
               ledger_verdict=hit.get("verdict"), ledger_message=message)


def _cell(finding: Mapping[str, Any]) -> str:
    ledger = finding.get("ledger") or {}
    return "!".join(str(x) for x in (ledger.get("sheet"), ledger.get("cell") or ledger.get("row")) if x)


def assessment_table(
    records: Iterable[Mapping[str, Any]],
    findings: Iterable[Mapping[str, Any]] = (),
    *,
    by: str = "district",
    indicator: str | None = None,
    year: int | str | None = None,
    region: str | None = None,
    targets: str = "include",
) -> list[dict[str, Any]]:
    """The assessment table of ``records`` (document and quantity dicts as ``chanjia extract``
    writes them, claims with ``subject_code``), by region at level ``by``, one row per region,
    indicator, year and target-or-not, sorted by region code, indicator, year; see the module
    docstring for the policy. ``findings`` (``ledger`` findings of ``chanjia check``) give the
    台账 columns. ``region`` (a code) keeps the rows of that region and the regions under it.

    Raises:
        ConfigError: ``by`` or ``targets`` is not one of the valid values.
    """
    if by not in ROLLUP_LEVELS:
        raise ConfigError(value_invalid_msg("by", by, ROLLUP_LEVELS))
    if targets not in TARGETS:
        raise ConfigError(value_invalid_msg("targets", targets, TARGETS))
    from .subjects import canonical_subject, codes_under

    records = records if isinstance(records, list) else list(records)
    findings = findings if isinstance(findings, list) else list(findings)
    wanted_year = int(year) if year is not None else None
    inside = codes_under(region) if region else None
    docs: dict[Any, Mapping[str, Any]] = {}
    groups: dict[tuple[str, str, int, bool], list[_Candidate]] = defaultdict(list)
    order = 0
    for r in records:
        kind = r.get("type")
        if kind == "document":
            docs[r.get("doc_id")] = r
            continue
        key = row_key(r, by=by)
        if key is None or (inside is not None and key[0] not in inside):
            continue
        if (indicator is not None and key[1] != indicator) or (wanted_year is not None and key[2] != wanted_year):
            continue
        if (targets == "exclude" and key[3]) or (targets == "only" and not key[3]):
            continue
        doc = docs.get(r.get("doc_id")) or {}
        order += 1
        groups[key].append(_Candidate(r, str(doc.get("published") or ""), order))
    ledger: dict[tuple[str | None, str | None, int | None], list[Mapping[str, Any]]] = defaultdict(list)
    for f in findings:
        if f.get("check") == "ledger":
            code = f.get("subject_code") if "subject_code" in f else canonical_subject(f.get("subject")).code
            ledger[(code, f.get("indicator"), _year(f.get("period")))].append(f)
    rows = []
    for (code, ident, when, planned), cands in groups.items():
        # Candidates get their published date once documents are all read (documents come first per file).
        for c in cands:
            c.published = str((docs.get(c.get("doc_id")) or {}).get("published") or "")
        chosen, basis = _choose(cands, ident, by)
        row = _row(by, code, ident, when, planned, chosen, basis, cands, docs)
        if not planned:
            _attach_ledger(row, ledger.get((code, ident, when), ()), chosen)
        rows.append(row)
    if by != "district":
        lower = assessment_table(records, findings, by=_BELOW[by], indicator=indicator, year=year, region=region,
                                 targets=targets)
        rows = _rolled_up(rows, lower, by=by)
    rows.sort(key=lambda row: (row["region_code"], row["indicator"], row["year"], row["target"]))
    return rows


def row_key(record: Mapping[str, Any], *, by: str = "district") -> tuple[str, str, int, bool] | None:
    """The row of the table at level ``by`` that the quantity ``record`` is a candidate of:
    ``(region code, indicator, year, target)``; ``None`` for a record no row takes (no claim, a
    repeated paragraph, no indicator or ``other``, no year, no region at that level)."""
    if record.get("type") != "quantity" or record.get("claim") is not True or record.get("repeated") is True:
        return None
    ident = record.get("indicator")
    if not ident or ident == "other":
        return None
    when = _year(record.get("period"))
    if when is None:
        return None
    from .entities import divisions
    from .subjects import canonical_subject

    code, name = (record.get("subject_code"), record.get("subject_name")) if "subject_code" in record else (
        canonical_subject(record.get("subject") if isinstance(record.get("subject"), str) else None))
    if code is None or not is_region((code, name)) or divisions()[code].level != by:
        return None
    return (code, ident, when, record.get("target") is True)


_BELOW = {"city": "district", "province": "city"}
#: Kinds whose figures of several regions add up to the figure of the region above them.
_ADDABLE = frozenset({"count", "money"})


def _scope_family(row: Mapping[str, Any]) -> str:
    return "stock" if str(row["basis"]).startswith("stock") else str(row["scope"])


def _rolled_up(rows: list[dict[str, Any]], lower: list[dict[str, Any]], *, by: str) -> list[dict[str, Any]]:
    """The rows of the regions' own figures, and for a region that states none, the sum of the
    chosen figures of the regions below it, when they are of one kind, unit and scope."""
    from .entities import divisions

    own = {(r["region_code"], r["indicator"], r["year"], r["target"]): r for r in rows}
    parts: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in lower:
        parent = rollup_code(r["region_code"], by)
        if parent is not None and r["value"] is not None:
            parts[(parent, r["indicator"], r["year"], r["target"])].append(r)
    for key, below in parts.items():
        mine = own.get(key)
        listed = "、".join(r["region"] for r in below)
        if mine is not None and mine["value"] is not None:
            mine["candidates"].extend(
                {"text": r["text"], "value": r["value"], "kind": r["kind"], "unit": r["unit"], "scope": r["scope"],
                 "period": str(r["year"]), "level": None, "subject": r["region"], "path": r["path"], "start": r["start"],
                 "end": r["end"], "lost": f"the figure of {r['region']}, a part: the region's own figure is chosen"}
                for r in below
            )
            continue
        code, ident, year, planned = key
        division = divisions().get(code)
        row: dict[str, Any] = mine or dict.fromkeys(COLUMNS)
        row.update(level=by, region_code=code, region=division.name if division else code, indicator=ident,
                   year=year, target=planned)
        row["candidates"] = row.get("candidates") or []
        same = {(r["kind"], r["unit"], r["currency"], _scope_family(r)) for r in below}
        if len(same) > 1 or below[0]["kind"] not in _ADDABLE:
            row.update(basis="none", evidence=[])
            row["candidates"].extend(
                {"text": r["text"], "value": r["value"], "kind": r["kind"], "unit": r["unit"], "scope": r["scope"],
                 "period": str(year), "level": None, "subject": r["region"], "path": r["path"], "start": r["start"],
                 "end": r["end"], "lost": "the regions below state figures of different kinds, units or scopes"
                 if len(same) > 1 else f"a {r['kind']} of a region below: shares, ranks and scores do not add up"}
                for r in below
            )
        else:
            evidence = [e for r in below for e in r["evidence"]]
            first = below[0]
            row.update(
                value=sum((r["value"] for r in below), Decimal(0)), text=" + ".join(r["text"] for r in below),
                kind=first["kind"], unit=first["unit"], currency=first["currency"], scope=first["scope"],
                qualifier=first["qualifier"] if len(below) == 1 else (
                    "exact" if all(r["qualifier"] == "exact" for r in below) else "approx"),
                basis="sum_of_districts", evidence=evidence,
                **{k: evidence[0][k] for k in ("title", "path", "paragraph", "sentence", "start", "end")},
            )
            row["note"] = f"the sum of {listed}: the regions below that the reports give it for, maybe not all"
        if mine is None:
            rows.append(row)
    return rows
