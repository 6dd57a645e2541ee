"""Train the learned binder (indicator scorer, subject and period rankers) and write the model
the package ships, ``src/chanjia_nlp/models/binder-model.json.gz``.

    python scripts/train_binder.py [--shared ../shared] [--out PATH] [--extra-gold DIR …]

It reads the gold sets of :func:`chanjia_nlp.claims.train.standard_sets`: the real reports of
``../shared/real-dev`` and the seeds with ``../shared/dev-gold`` (beside this checkout), and the
team's own sets under ``benchmarks/``. The texts are only read, never copied: the model holds
feature weights, not text. Training is deterministic: the same gold gives the same bytes.
Measure what it does on reports it was not trained on with ``python benchmarks/accuracy.py``.

``--extra-gold DIR`` adds a folder of ``texts/<name>.txt`` and ``gold/<name>.jsonl`` (with an
optional ``metadata.csv``), such as ``chanjia reviews export --out DIR`` writes from the figures
assessors reviewed, as one more training set (``extra-1``, ``extra-2`` … in the model's meta).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "chanjia_nlp" / "models" / "binder-model.json.gz")
    parser.add_argument("--extra-gold", type=Path, action="append", default=[], metavar="DIR",
                        help="a folder with texts/ and gold/ (chanjia reviews export --out DIR) to train on as well")
    args = parser.parse_args(argv)

    from chanjia_nlp.claims import train

    try:
        extra = extra_sets(args.extra_gold)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    sets = train.standard_sets(ROOT, args.shared)
    if "real-dev" not in sets:
        print(f"no real-dev gold under {args.shared}: the model is trained on real reports; "
              "pass --shared PATH to the folder holding real-dev/ and dev-gold/", file=sys.stderr)
        return 2
    sets.update(extra)
    examples = train.no_examples()
    counts = {}
    for name, docs in sets.items():
        found = train.collect(docs)
        counts[name] = {"documents": len(docs), "claims": len(found.indicator)}
        examples = examples + found
    model = train.fit_binder(examples, meta={"trained_on": counts})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    size = args.out.stat().st_size
    print(f"{args.out} ({size / 1024:.0f} KB, sha256 {digest}…) from "
          + ", ".join(f"{k}: {v['documents']} reports, {v['claims']} claims" for k, v in counts.items()))
    return 0


def extra_sets(folders: list[Path]) -> dict[str, list]:
    """The gold sets of ``--extra-gold`` folders, ``extra-1``, ``extra-2`` … in order.

    Raises:
        ValueError: a folder without gold/ and texts/, or without a document in them.
    """
    from chanjia_nlp.claims import train

    sets = {}
    for n, folder in enumerate(folders, 1):
        if not (folder / "gold").is_dir() or not (folder / "texts").is_dir():
            raise ValueError(f"--extra-gold {folder}: no gold/ and texts/ folders in it; give a folder "
                             "chanjia reviews export --out wrote")
        docs = train.gold_set(f"extra-{n}", folder / "texts", folder / "gold", folder / "metadata.csv")
        if not docs:
            raise ValueError(f"--extra-gold {folder}: no gold/<name>.jsonl with a texts/<name>.txt beside it")
        sets[f"extra-{n}"] = docs
    return sets


if __name__ == "__main__":
    raise SystemExit(main())
