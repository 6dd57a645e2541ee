"""Review decisions as gold (``spec/ANNOTATION.md`` §4), for scoring and for training the binder.

``chanjia reviews export --out DIR`` writes, for every document with a reviewed figure:

* ``DIR/gold/<name>.jsonl``: a ``document`` line (``published``, ``title``), then one ``quantity``
  line per reviewed figure, as its latest decision leaves it, with the claim fields; a rejected
  figure is written as a mention that is no claim (``claim: false``, claim fields ``null``);
* ``DIR/texts/<name>.txt``: the document's text as read (the offsets point into it);
* ``DIR/metadata.csv``: ``path,published,title``.

* ``DIR/findings.jsonl``: one line per reviewed 台账 finding (:func:`export_findings`), as its
  latest decision leaves it.

``score.py PRED.jsonl DIR/gold`` reads it (``<name>`` is the stem of the document's path, as
score.py matches predictions); ``scripts/train_binder.py --extra-gold DIR`` trains on it
(:func:`chanjia_nlp.claims.train.gold_set` reads exactly this layout). The gold is partial: it
holds the figures reviewers decided on, not every figure of the document.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..store.reviews import apply_finding_review, apply_review

__all__ = ["FINDING_FIELDS", "GOLD_FIELDS", "export_findings", "export_gold"]

GOLD_FIELDS = (
    "type", "start", "end", "text", "value", "low", "high", "qualifier", "kind", "unit", "currency", "optional",
    "claim", "indicator", "indicator_text", "subject", "level", "period", "scope", "target",
)
_CLAIM_ONLY = ("indicator", "indicator_text", "subject", "level", "period", "scope", "target")


def _stem(path: str) -> str:
    name = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    cleaned = "".join(c if c.isprintable() and c not in '/\\:*?"<>|' else "_" for c in stem).strip(". ")
    return cleaned[:120] or "document"


def export_gold(opened: Any, out: Path) -> dict[str, int]:
    """Write the reviewed figures of the store ``opened`` as gold under ``out``; returns counts
    (``documents``, ``figures``, ``confirmed``, ``corrected``, ``rejected``)."""
    latest = opened.latest_reviews()
    counts = {"documents": 0, "figures": 0, "confirm": 0, "correct": 0, "reject": 0}
    if not latest:
        return counts
    doc_ids = sorted({key[0] for key in latest})
    gold_dir, text_dir = out / "gold", out / "texts"
    gold_dir.mkdir(parents=True, exist_ok=True)
    text_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    meta_rows = []
    doc: dict[str, Any] | None = None
    figures: list[dict[str, Any]] = []

    def flush() -> None:
        if doc is None or not figures:
            return
        name = _stem(doc["path"])
        if name in used:
            name = f"{name}_{doc['doc_id'][:8]}"
        used.add(name)
        lines = [{"type": "document", "published": doc.get("published"), "title": doc.get("title")}]
        lines += sorted(figures, key=lambda f: (f["start"], f["end"]))
        (gold_dir / f"{name}.jsonl").write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
        (text_dir / f"{name}.txt").write_text(doc.get("text") or "", encoding="utf-8", newline="")
        meta_rows.append({"path": f"{name}.txt", "published": doc.get("published") or "", "title": doc.get("title") or ""})
        counts["documents"] += 1

    for record in opened.records(types=["document", "quantity"], doc_ids=doc_ids):
        if record["type"] == "document":
            flush()
            doc, figures = record, []
            continue
        review = latest.get((record["doc_id"], record["start"], record["end"]))
        if review is None:
            continue
        reviewed = apply_review(record, review)
        if reviewed is None:  # rejected: a mention that reports no fact
            line = {name: record.get(name) for name in GOLD_FIELDS}
            line.update(type="quantity", optional=False, claim=False, **dict.fromkeys(_CLAIM_ONLY))
        else:
            line = {name: reviewed.get(name) for name in GOLD_FIELDS}
            line.update(type="quantity", optional=False, claim=reviewed.get("claim") is True)
            if not line["claim"]:
                line.update(dict.fromkeys(_CLAIM_ONLY))
            line["target"] = bool(reviewed.get("target")) if line["claim"] else None
        figures.append(line)
        counts["figures"] += 1
        counts[review["action"]] += 1
    flush()
    with (out / "metadata.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["path", "published", "title"])
        writer.writeheader()
        writer.writerows(meta_rows)
    return counts


#: The fields of a line of ``findings.jsonl``: the finding as reviewed (``verdict``, ``expected``,
#: ``observed``, ``gap``), the checker's verdict (``checked_verdict``), and the latest decision.
FINDING_FIELDS = (
    "finding_id", "check", "ledger", "indicator", "subject", "subject_code", "period", "verdict", "expected",
    "observed", "gap", "checked_verdict", "review", "reviewed_by", "reviewed_at", "version", "note", "message",
    "doc_id", "path", "evidence",
)


def export_findings(opened: Any, out: Path) -> dict[str, int]:
    """Write every reviewed 台账 finding of the store ``opened`` to ``out/findings.jsonl`` (in the
    order the findings were stored), as its latest decision leaves it: a corrected verdict or value
    replaces the checker's (``checked_verdict`` keeps it), a rejected finding says ``review:
    "reject"``. Returns counts (``findings``, ``confirm``, ``correct``, ``reject``); no file
    without reviewed findings."""
    latest = opened.latest_finding_reviews()
    counts = {"findings": 0, "confirm": 0, "correct": 0, "reject": 0}
    if not latest:
        return counts
    lines = []
    for found in opened.findings():
        review = latest.get(found["finding_id"])
        if review is None:
            continue
        reviewed = apply_finding_review(found, review)
        reviewed.update(checked_verdict=found.get("verdict"), version=review["version"], note=review.get("note"),
                        reviewed_at=review["reviewed_at"].isoformat())
        lines.append({name: _plain(reviewed.get(name)) for name in FINDING_FIELDS})
        counts["findings"] += 1
        counts[review["action"]] += 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "findings.jsonl").write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                                        encoding="utf-8")
    return counts


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
