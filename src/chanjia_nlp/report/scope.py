"""A report of one district or year: ``chanjia report --subject 惠山 --period 2022``.

:func:`in_scope` keeps the claims about a subject (a region and everything under it, as
:meth:`chanjia_nlp.store.Store.claims` finds them) in a period, the documents that state one of
them (with their other figures, programmes and entities, which are the context a reviewer
reads), and the findings about them: those whose evidence points at a kept claim, and those
without evidence (a 台账 row no report states) whose own subject and period are in scope.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from ..store.reviews import matches

__all__ = ["findings_in_scope", "in_scope"]

Key = tuple[Any, Any, Any]


def _key(row: Mapping[str, Any]) -> Key:
    return (row.get("doc_id"), row.get("start"), row.get("end"))


def in_scope(
    records: Iterable[Mapping[str, Any]], *, subject: str | None, period: str | None,
    claims: Collection[Key] | None = None, kept: set[Key] | None = None,
) -> Iterator[Mapping[str, Any]]:
    """The records of the documents with a claim in scope: their document record and non-claim
    records, and their claims in scope. ``records`` come document by document (a ``document``
    record, then its records), as :meth:`Store.records` and ``chanjia extract`` give them.

    Args:
        claims: the ``(doc_id, start, end)`` of the claims in scope, when a database query found
            them; without it each claim is tested with the store's own filter in Python.
        kept: filled with the keys of the claims kept (for :func:`findings_in_scope`).
    """
    kept = set() if kept is None else kept
    held: list[Mapping[str, Any]] = []
    wanted = False

    def flush() -> Iterator[Mapping[str, Any]]:
        if wanted:
            yield from held

    for row in records:
        if not isinstance(row, Mapping):
            continue
        if row.get("type") == "document":
            yield from flush()
            held, wanted = [row], False
            continue
        if row.get("claim") is True:
            inside = _key(row) in claims if claims is not None else matches(row, subject=subject, period=period)
            if not inside:
                continue
            kept.add(_key(row))
            wanted = True
        elif row.get("type") == "finding":
            continue  # findings are chosen by findings_in_scope
        if held and held[0].get("doc_id") == row.get("doc_id"):
            held.append(row)
        else:  # a record without its document record first: a group of its own
            yield from flush()
            held, wanted = [row], row.get("claim") is True
    yield from flush()


def findings_in_scope(
    found: Iterable[Mapping[str, Any]], kept: Collection[Key], *, subject: str | None, period: str | None
) -> Iterator[Mapping[str, Any]]:
    """The findings that point at a kept claim, or that point at none and are themselves about
    ``subject`` in ``period``."""
    from ..subjects import resolve_region

    for row in found:
        if not isinstance(row, Mapping):
            continue
        given = row.get("evidence")
        evidence = given if isinstance(given, list) else []
        keys = [_key(e) for e in evidence if isinstance(e, Mapping)]
        if any(key in kept for key in keys):
            yield row
            continue
        if keys and any(key[1] is not None for key in keys):
            continue  # it points at claims, none of them in scope
        label = row.get("subject") if isinstance(row.get("subject"), str) else None
        region = resolve_region(label) if label else None
        claim = {"claim": True, "subject": label, "subject_code": region.code if region else None,
                 "period": row.get("period") if isinstance(row.get("period"), str) else None}
        if matches(claim, subject=subject, period=period):
            yield row
