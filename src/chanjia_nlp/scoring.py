"""Scoring extractor output against gold files written to ANNOTATION.md: mention, claim and
programme precision, recall and F1, as the project's dev-set scorer computes them, so the score
tests and benchmarks run in any clone.

    python -m chanjia_nlp.scoring PRED.jsonl GOLD_DIR [--json] [--show-errors N] [--loose]

``PRED.jsonl`` is what ``chanjia extract DOCS --out PRED.jsonl`` writes; its records are matched
to the gold file ``GOLD_DIR/<name>.jsonl`` by the file name of their ``path`` (without the
extension). The last line printed is ``mention_f1=… claim_f1=… programme_f1=…``.

The rules (ANNOTATION.md §5):

- A predicted and a gold mention *match* when their spans overlap and, where both texts hold
  numerals, they share one (``25家`` never matches ``67家`` in ``25家、67家``); each gold mention
  takes at most one prediction, the largest overlaps first.
- A matched mention is *correct* when ``value``, ``low``, ``high`` (as decimals), ``qualifier``
  and ``kind`` are all the gold's; with ``loose``, when the predicted value equals the gold
  value or a bound (for plain number extractors that know no qualifiers).
- Gold mentions marked ``optional`` count neither way: a prediction matched to one is left
  out of the predictions too.
- A claim is correct when its mention is correct and its ``indicator`` is the gold's; the
  subject (either contains the other, or both empty), period and scope are reported as
  accuracies over the correct claims.
- A programme is correct when its span overlaps a gold programme's (one to one) and its
  ``kind`` is the gold's; ``span_f1`` counts the overlap alone.

>>> gold = {"r": [{"type": "quantity", "start": 0, "end": 3, "text": "25家", "value": "25", "low": "25",
...                "high": "25", "qualifier": "exact", "kind": "count", "claim": True, "indicator": "pilot_units"}]}
>>> pred = [dict(gold["r"][0], path="reports/r.txt", value="25.0")]
>>> result = score(pred, gold)
>>> result["mention"]["f1"], result["claim"]["f1"]
(1.0, 1.0)
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = ["load_gold", "main", "score", "summary_line"]

Record = Mapping[str, Any]

#: The characters that make a numeral: a span with none of them shares a numeral with any span.
_NUMERAL_CHARS = frozenset("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")


def _decimal(value: Any) -> Decimal | str | None:
    """A value as a normalized decimal; ``None`` for none; an unreadable one as ``bad:…`` (equal
    only to the same unreadable text)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        return "bad:" + str(value)


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _numerals(text: str) -> set[str]:
    return {ch for ch in text if ch.isdigit() or ch in _NUMERAL_CHARS}


def _overlap(a: Record, b: Record) -> bool:
    if not (a["start"] < b["end"] and b["start"] < a["end"]):
        return False
    na, nb = _numerals(a.get("text") or ""), _numerals(b.get("text") or "")
    return not na or not nb or bool(na & nb)


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _same_quantity(gold: Record, pred: Record, *, loose: bool) -> bool:
    if loose:
        value = _decimal(pred.get("value"))
        return value is not None and value in {_decimal(gold.get(k)) for k in ("value", "low", "high")}
    return (
        all(_decimal(gold.get(k)) == _decimal(pred.get(k)) for k in ("value", "low", "high"))
        and gold.get("qualifier") == pred.get("qualifier") and gold.get("kind") == pred.get("kind")
    )


def _subject_ok(gold: Record, pred: Record) -> bool:
    a, b = gold.get("subject") or "", pred.get("subject") or ""
    if not a and not b:
        return True
    return bool(a and b and (a in b or b in a))


def _match(golds: Sequence[Record], preds: Sequence[Record]) -> list[tuple[Record, Record]]:
    """One-to-one pairs by overlap, the largest overlap first (ties: gold order, then prediction order)."""
    pairs = []
    for gi, g in enumerate(golds):
        for pi, p in enumerate(preds):
            if _overlap(g, p):
                pairs.append((-(min(g["end"], p["end"]) - max(g["start"], p["start"])), gi, pi))
    pairs.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    out = []
    for _, gi, pi in pairs:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        out.append((golds[gi], preds[pi]))
    return out


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_gold(gold_dir: str | os.PathLike[str]) -> dict[str, list[dict[str, Any]]]:
    """The gold records of every ``<name>.jsonl`` in ``gold_dir``, by name."""
    folder = Path(gold_dir)
    names = sorted(f[:-6] for f in os.listdir(folder) if f.endswith(".jsonl"))
    return {name: _read_jsonl(folder / f"{name}.jsonl") for name in names}


def score(
    predictions: Iterable[Record], gold: Mapping[str, Sequence[Record]], *, loose: bool = False,
    errors: list[tuple[Any, ...]] | None = None,
) -> dict[str, Any]:
    """The scores of ``predictions`` (records with ``path``) against ``gold`` (records by
    document name): ``{"docs", "mention", "claim", "programme"}`` as the ``--json`` output
    gives them. ``errors``, when given, receives ``(doc, kind, text, gold, predicted)`` tuples."""
    found: defaultdict[str, dict[str, list[Record]]] = defaultdict(lambda: {"quantity": [], "programme": []})
    for r in predictions:
        if r.get("type") in ("quantity", "programme") and r.get("path") is not None:
            found[_stem(r["path"])][r["type"]].append(r)
    errors = errors if errors is not None else []
    t: defaultdict[str, int] = defaultdict(int)
    for name in sorted(gold):
        gq = [g for g in gold[name] if g.get("type") == "quantity"]
        gp = [g for g in gold[name] if g.get("type") == "programme"]
        pq, pp = found[name]["quantity"], found[name]["programme"]
        pairs = _match(gq, pq)
        optional = {id(g) for g in gq if g.get("optional")}
        taken_by_optional = {id(p) for g, p in pairs if id(g) in optional}
        matched_gold = set()
        tp = 0
        for g, p in pairs:
            if id(g) in optional:
                continue
            matched_gold.add(id(g))
            t["q_span_ok"] += 1
            if _same_quantity(g, p, loose=loose):
                tp += 1
            else:
                errors.append((name, "value", g["text"], {k: g.get(k) for k in ("value", "low", "high", "qualifier", "kind")},
                               {k: p.get(k) for k in ("text", "value", "low", "high", "qualifier", "kind")}))
        for g in gq:
            if not g.get("optional") and id(g) not in matched_gold:
                errors.append((name, "missed", g["text"], g["start"], None))
        matched_pred = {id(p) for _, p in pairs}
        for p in pq:
            if id(p) not in matched_pred:
                errors.append((name, "spurious", p.get("text"), p.get("start"), None))
        t["q_tp"] += tp
        t["q_gold"] += sum(1 for g in gq if not g.get("optional"))
        t["q_pred"] += sum(1 for p in pq if id(p) not in taken_by_optional)
        t["c_gold"] += sum(1 for g in gq if g.get("claim") and not g.get("optional"))
        t["c_pred"] += sum(1 for p in pq if p.get("claim") and id(p) not in taken_by_optional)
        for g, p in pairs:
            if not g.get("claim") or g.get("optional") or not p.get("claim"):
                continue
            if _same_quantity(g, p, loose=loose) and g.get("indicator") == p.get("indicator"):
                t["c_tp"] += 1
                t["c_subj"] += _subject_ok(g, p)
                t["c_period"] += (g.get("period") or None) == (p.get("period") or None)
                t["c_scope"] += (g.get("scope") or None) == (p.get("scope") or None)
            elif _same_quantity(g, p, loose=loose):
                errors.append((name, "indicator", g["text"], g.get("indicator"), p.get("indicator")))
        programme_pairs = _match([dict(g, text="") for g in gp], [dict(p, text="") for p in pp])
        t["p_gold"] += len(gp)
        t["p_pred"] += len(pp)
        t["p_span_tp"] += len(programme_pairs)
        t["p_tp"] += sum(1 for g, p in programme_pairs if g.get("kind") == p.get("kind"))
    qp, qr, qf = _prf(t["q_tp"], t["q_pred"], t["q_gold"])
    cp, cr, cf = _prf(t["c_tp"], t["c_pred"], t["c_gold"])
    pp_, pr_, pf = _prf(t["p_tp"], t["p_pred"], t["p_gold"])
    psf = _prf(t["p_span_tp"], t["p_pred"], t["p_gold"])[2]

    def share(n: int) -> float:
        return round(n / t["c_tp"], 4) if t["c_tp"] else 0.0

    return {
        "docs": len(gold),
        "mention": {"p": round(qp, 4), "r": round(qr, 4), "f1": round(qf, 4), "gold": t["q_gold"], "pred": t["q_pred"]},
        "claim": {"p": round(cp, 4), "r": round(cr, 4), "f1": round(cf, 4), "gold": t["c_gold"], "pred": t["c_pred"],
                  "subject_acc": share(t["c_subj"]), "period_acc": share(t["c_period"]),
                  "scope_acc": share(t["c_scope"])},
        "programme": {"p": round(pp_, 4), "r": round(pr_, 4), "f1": round(pf, 4), "span_f1": round(psf, 4),
                      "gold": t["p_gold"], "pred": t["p_pred"]},
    }


def summary_line(result: Mapping[str, Any]) -> str:
    """``mention_f1=… claim_f1=… programme_f1=…``."""
    return (f"mention_f1={result['mention']['f1']} claim_f1={result['claim']['f1']} "
            f"programme_f1={result['programme']['f1']}")


def main(argv: Sequence[str] | None = None) -> int:
    """The command: ``PRED.jsonl GOLD_DIR [--json] [--show-errors N] [--loose]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    show = int(args[args.index("--show-errors") + 1]) if "--show-errors" in args else 0
    errors: list[tuple[Any, ...]] = []
    result = score(_read_jsonl(Path(args[0])), load_gold(args[1]), loose="--loose" in args, errors=errors)
    if "--json" in args:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key in ("mention", "claim", "programme"):
            print(key, json.dumps(result[key], ensure_ascii=False))
        for error in errors[:show]:
            print("  ", *error)
    print(summary_line(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
