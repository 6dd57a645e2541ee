"""The writer process of ``test_store.py``'s concurrency test, in a module of its own: a spawned
process imports the module of its target, and this one needs only the store.

It holds no tests.
"""

from __future__ import annotations

from typing import Any

from chanjia_nlp import store


def write_all(url: str, schema: str | None, jobs: list[tuple[dict[str, Any], list[dict[str, Any]]]], barrier, results) -> None:
    """Open the (maybe new) database, wait for the other writer, then write every job as fast as
    possible and report ``(path, doc_id, outcome)`` for each."""
    with store.open(url, schema=schema, create=True) as opened:
        run_id = opened.begin_run(command="concurrent writer")
        barrier.wait(timeout=60)
        results.put([(doc["path"], doc["doc_id"], opened.write_document(doc, records, run_id)) for doc, records in jobs])
