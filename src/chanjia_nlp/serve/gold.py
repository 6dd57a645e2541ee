"""Review decisions as gold (``spec/ANNOTATION.md`` §4), for scoring and for training the binder.

``chanjia reviews export --out DIR`` writes, for every document with a reviewed figure:

* ``DIR/gold/<name>.jsonl``: a ``document`` line (``published``, ``title``), then one ``quantity``
  line per reviewed figure, as its latest decision leaves it, with the claim fields; a rejected
  figure is written as a mention that is no claim (``claim: false``, claim fields ``null``);
* ``DIR/texts/<name>.txt``: the document's text as read (the offsets point into it);
* ``DIR/metadata.csv``: ``path,published,title``.

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

from ..store.reviews import apply_review

__all__ = ["GOLD_FIELDS", "export_gold"]

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
