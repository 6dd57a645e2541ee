"""Train the learned binder (indicator scorer, subject and period rankers) and write the model
the package ships, ``src/chanjia_nlp/models/binder-model.json.gz``.

    python scripts/train_binder.py [--shared ../shared] [--out PATH]

It reads the gold sets of :func:`chanjia_nlp.claims.train.standard_sets`: the real reports of
``../shared/real-dev`` and the seeds with ``../shared/dev-gold`` (beside this checkout), and the
team's own sets under ``benchmarks/``. The texts are only read, never copied: the model holds
feature weights, not text. Training is deterministic: the same gold gives the same bytes.
Measure what it does on reports it was not trained on with ``python benchmarks/accuracy.py``.
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
    args = parser.parse_args(argv)

    from chanjia_nlp.claims import train

    sets = train.standard_sets(ROOT, args.shared)
    if "real-dev" not in sets:
        print(f"no real-dev gold under {args.shared}: the model is trained on real reports; "
              "pass --shared PATH to the folder holding real-dev/ and dev-gold/", file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    raise SystemExit(main())
