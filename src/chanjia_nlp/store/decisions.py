"""What a decision on a figure makes of it: the fields a decision keeps and a record as the
latest decision leaves it (no database here: the store's modules and the district tables use it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["SNAPSHOT", "apply_review", "reviewed_records", "snapshot"]

#: The fields ``before`` and ``after`` keep: the figure and its claim fields.
SNAPSHOT = (
    "value", "low", "high", "qualifier", "kind", "unit", "currency", "claim", "indicator", "indicator_text",
    "subject", "level", "period", "scope", "target",
)


def snapshot(record: Mapping[str, Any]) -> dict[str, Any]:
    """The reviewable fields of a record, decimals as strings."""
    out = {}
    for name in SNAPSHOT:
        value = record.get(name)
        out[name] = format(value, "f") if isinstance(value, Decimal) else value
    return out


def apply_review(record: Mapping[str, Any], review: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``record`` (a quantity dict) as the latest decision on it leaves it: ``None`` when rejected;
    else the decision's fields, ``reviewed_by``, ``reviewed_at`` and ``review`` (the action). A
    corrected subject gets its canonical ``subject_code`` and ``subject_name`` again."""
    if review is None:
        return dict(record)
    if review["action"] == "reject":
        return None
    out = dict(record)
    after = review.get("after") or {}
    for name in SNAPSHOT:
        if name in after:
            out[name] = after[name]
    if isinstance(record.get("value"), Decimal) and out.get("value") is not None:
        for name in ("value", "low", "high"):  # keep the caller's type: Decimal in, Decimal out
            out[name] = None if out.get(name) is None else Decimal(str(out[name]))
    if after.get("subject") != record.get("subject") and "subject_code" in record:
        from ..subjects import canonical_subject

        out["subject_code"], out["subject_name"] = canonical_subject(out.get("subject"))
    out["reviewed_by"] = review["reviewer"]
    out["reviewed_at"] = review["reviewed_at"]
    out["review"] = review["action"]
    return out


def reviewed_records(stream: Iterable[dict[str, Any]], latest: Mapping[tuple[Any, Any, Any], Mapping[str, Any]]
                     ) -> Iterator[dict[str, Any]]:
    """The records of ``stream`` with each reviewed quantity as its latest decision leaves it (a
    rejected one left out)."""
    for record in stream:
        if record.get("type") == "quantity" and latest:
            review = latest.get((record.get("doc_id"), record.get("start"), record.get("end")))
            if review is not None:
                changed = apply_review(record, review)
                if changed is None:
                    continue
                changed["reviewed_at"] = changed["reviewed_at"].isoformat()
                record = changed
        yield record
