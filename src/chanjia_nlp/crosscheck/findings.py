"""The ``finding`` record: what a check says, with the document spans and ledger cell it rests on.

``observed`` is the figure under check and ``expected`` what it is checked against, decimal
strings in base units; ``gap`` = observed − expected:

* ``ledger``: the ledger value against the report figure (the most precise one);
* ``sum`` and ``ledger_total``: the sum of the parts against the stated total;
* ``share``: the stated percentage against count / total × 100;
* ``uncovered_claim``: the report figure, with nothing to compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..numbers import normalize_decimal
from ..records import CHECKS, LEDGER_VERDICTS, VERDICTS

__all__ = ["CHECKS", "LEDGER_VERDICTS", "ROLES", "VERDICTS", "evidence", "clean_claim", "finding", "ledger_ref"]

ROLES = ("supports", "contradicts", "total", "part", "copy", "source")


_TEXT_FIELDS = ("indicator", "indicator_text", "subject", "subject_code", "subject_name", "level", "period", "scope",
                "qualifier", "kind", "unit",
                "currency", "sentence", "number_text", "value", "low", "high")


def clean_claim(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The fields of a claim record the checks use, or ``None``: a ``quantity`` with
    ``claim: true``, integer offsets and its text. Fields of the wrong type (messy input) become
    ``None``, so a bad record gives fewer findings, never an error."""
    if record.get("type") != "quantity" or record.get("claim") is not True:
        return None
    start, end, text = record.get("start"), record.get("end"), record.get("text")
    if type(start) is not int or type(end) is not int or not isinstance(text, str):
        return None
    out = {"type": "quantity", "claim": True, "start": start, "end": end, "text": text}
    for name in _TEXT_FIELDS:
        value = record.get(name)
        out[name] = value if isinstance(value, str) else None
    for name in ("doc_id", "path"):
        value = record.get(name)
        out[name] = value if value is None or isinstance(value, str) else str(value)
    parent = record.get("parent")
    out["parent"] = parent if type(parent) is int else None
    out["repeated"] = record.get("repeated") is True
    out["target"] = record.get("target") is True  # planned or aimed at: never evidence of what was achieved
    return out


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as the string findings carry (``2.650E+6`` → ``2650000``), ``None`` kept."""
    return None if value is None else format(normalize_decimal(value), "f")


def evidence(claim: Mapping[str, Any], role: str, *, start: int | None = None, end: int | None = None,
             text: str | None = None) -> dict[str, Any]:
    """An evidence span: a record's own span (with its ``sentence``), or (``start``, ``end``,
    ``text``) in its document."""
    span = {
        "doc_id": claim.get("doc_id"),
        "path": claim.get("path"),
        "start": claim.get("start") if start is None else start,
        "end": claim.get("end") if end is None else end,
        "text": claim.get("text") if text is None else text,
        "role": role,
    }
    if start is None and isinstance(claim.get("sentence"), str):
        span["sentence"] = claim["sentence"]
    return span


def ledger_ref(row: Any, role: str = "value") -> dict[str, Any]:
    """Where a ledger row's figure is: file, sheet, row, column letter, cell and the value as written."""
    cells = getattr(row, "cells", None) or {}
    raw = getattr(row, "raw", None) or {}
    cell = cells.get(role)
    column = cell.rstrip("0123456789") if cell else None
    return {
        "file": row.file,
        "sheet": row.sheet,
        "row": row.row,
        "column": column or None,
        "cell": cell,
        "value": raw.get(role) if raw.get(role) is not None else decimal_text(getattr(row, role, None)),
    }


def finding(
    *,
    check: str,
    verdict: str,
    message: str,
    indicator: str | None = None,
    subject: str | None = None,
    period: str | None = None,
    expected: Decimal | None = None,
    observed: Decimal | None = None,
    gap: Decimal | None = None,
    doc_id: str | None = None,
    path: str | None = None,
    evidence: Iterable[Mapping[str, Any]] = (),
    ledger: Mapping[str, Any] | None = None,
    subject_code: str | None = None,
    kind: str | None = None,
    unit: str | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """A finding dict in the shared format; ``finding_id`` hashes the check, the ledger cell and
    the evidence spans, so the same finding gets the same id on every run. ``subject_code`` and
    ``subject_name`` are the subject's canonical region (:mod:`chanjia_nlp.subjects`);
    ``subject_code`` given (a claim's own, which knows its document's region) wins over the one
    the subject alone gives. ``kind``, ``unit`` and ``currency`` (when given) say what ``expected``,
    ``observed`` and ``gap`` count (``None`` when unknown), for the number formats of a workbook."""
    from ..subjects import canonical_subject

    canonical = canonical_subject(subject, subject_code)
    spans = [dict(e) for e in evidence]
    basis = [
        check,
        [ledger["file"], ledger["sheet"], ledger["row"]] if ledger else None,
        [[e["doc_id"], e["start"], e["end"], e["role"]] for e in spans],
    ]
    digest = hashlib.sha256(json.dumps(basis, ensure_ascii=False).encode("utf-8")).hexdigest()[:20]
    out = {
        "type": "finding",
        "finding_id": digest,
        "check": check,
        "verdict": verdict,
        "message": message,
        "indicator": indicator,
        "subject": subject,
        "subject_code": canonical.code,
        "subject_name": canonical.name,
        "period": period,
        "expected": decimal_text(expected),
        "observed": decimal_text(observed),
        "gap": decimal_text(gap),
        "doc_id": doc_id,
        "path": path,
        "evidence": spans,
        "ledger": dict(ledger) if ledger else None,
    }
    out.update(kind=kind, unit=unit, currency=currency)
    return out
