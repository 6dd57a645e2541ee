"""Golden output for the bundled corpus/: every quantity of every sample report, reviewed by hand.

Regenerate with ``pytest tests/test_corpus.py --update-golden`` and review the diff like code.
"""

from __future__ import annotations

import json

from chanjia_nlp import Claim, Entity, Programme, extract, extract_quantities
from chanjia_nlp.readers import find_files, read_document

from .conftest import HERE, ROOT

GOLDEN = HERE / "golden" / "corpus.quantities.jsonl"
GOLDEN_RECORDS = HERE / "golden" / "corpus.records.jsonl"
KEYS = ("path", "start", "end", "text", "value", "low", "high", "qualifier", "kind", "unit", "currency")


def _current() -> list[str]:
    lines = []
    for path, shown in find_files([ROOT / "corpus"]):
        doc, text = read_document(path, display_path=shown)
        assert doc.status == "ok", (shown, doc.error)
        for q in extract_quantities(text):
            row = {"path": shown, "start": q.start, "end": q.end, "text": q.text}
            row |= {k: (None if getattr(q, k) is None else str(getattr(q, k))) for k in KEYS[4:]}
            lines.append(json.dumps(row, ensure_ascii=False, sort_keys=False))
    return lines


def test_corpus_matches_golden(update_golden):
    current = _current()
    if update_golden:
        GOLDEN.write_text("\n".join(current) + "\n", encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert current == expected


def test_corpus_has_the_promised_files():
    names = sorted(p.name for p in (ROOT / "corpus").glob("*.txt"))
    assert len(names) >= 8
    gb = ROOT / "corpus" / "04_gb18030_report.txt"
    doc, _ = read_document(gb)
    assert doc.encoding == "gb18030"


def _records() -> list[str]:
    """Claims, programmes and entities of every corpus report, one compact line each."""
    lines = []
    for path, shown in find_files([ROOT / "corpus"]):
        doc, text = read_document(path, display_path=shown)
        for r in extract(text, published=doc.published):
            if isinstance(r, Claim):
                row = {"path": shown, "type": "claim", "start": r.quantity.start, "text": r.quantity.text}
                row |= {k: getattr(r, k) for k in ("indicator", "subject", "level", "period", "scope", "parent")}
            elif isinstance(r, Programme):
                row = {"path": shown, "type": "programme", "start": r.start, "text": r.text, "kind": r.kind.value}
            elif isinstance(r, Entity):
                row = {"path": shown, "type": "entity", "start": r.start, "text": r.text, "label": r.label.value}
                row |= {"normalized": r.normalized, "role": r.role}
            else:
                continue
            lines.append(json.dumps(row, ensure_ascii=False))
    return lines


def test_corpus_records_match_golden(update_golden):
    current = _records()
    if update_golden:
        GOLDEN_RECORDS.write_text("\n".join(current) + "\n", encoding="utf-8")
    assert current == GOLDEN_RECORDS.read_text(encoding="utf-8").splitlines()
