"""Throughput of the full ``chanjia_nlp.extract()`` against plain ``jieba.lcut``, in one process.

    python benchmarks/extract.py [--mb 1.0] [--repeats 5] [--folder DIR]

Issue 17's target: everything ``extract()`` does (quantities, claims, programmes, entities,
document structure) at least twice as fast as jieba segmentation of the same text (issue 3
asked for as fast). Each report is extracted on its own, as the CLI does; ours and jieba
alternate and the median of the paired ratios is reported, because the machine is shared and
noisy (the load average is printed before and after).

The first pass over the text is not timed: it loads the lexicons, and the learned binder moves
its weights into one dense matrix after its first 3,000 figures (``claims/model.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quantities import ROOT, median_seconds  # noqa: E402  (benchmarks/quantities.py)

from chanjia_nlp import load  # noqa: E402
from chanjia_nlp.readers import find_files, read_document  # noqa: E402


def reports(megabytes: float, folder: Path) -> list[str]:
    """The reports of ``folder``, repeated until their UTF-8 size reaches ``megabytes``."""
    texts = [text for path, shown in find_files([folder]) if (text := read_document(path, display_path=shown)[1])]
    size = sum(len(t.encode("utf-8")) for t in texts)
    return texts * max(1, int(megabytes * 1024 * 1024 / size) + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=ROOT / "corpus")
    parser.add_argument("--binder", choices=["auto", "learned", "rules"], default="auto",
                        help="the claim binder to time (see chanjia_nlp.load)")
    args = parser.parse_args(argv)

    pipeline = load(binder=args.binder)
    extract = pipeline.extract
    texts = reports(args.mb, args.folder)
    chars = sum(len(t) for t in texts)
    print(f"text: {len(texts)} reports, {chars:,} characters ({args.folder.name}/ repeated), binder {args.binder}")
    print(f"load average {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    records = sum(len(extract(t)) for t in texts)  # not timed: lexicons, patterns, the dense binder weights

    import jieba

    tokenizer = jieba.Tokenizer()
    with contextlib.redirect_stderr(io.StringIO()):
        tokenizer.initialize()
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(median_seconds(lambda: [extract(t) for t in texts], 1))
        theirs.append(median_seconds(lambda: [tokenizer.lcut(t) for t in texts], 1))
    ratios = sorted(j / o for j, o in zip(theirs, ours))
    ratio = statistics.median(ratios)
    print(f"records: {records:,}")
    print(f"chanjia extract():  median {statistics.median(ours):.3f} s, {chars / statistics.median(ours):,.0f} chars/s")
    print(f"jieba lcut:         median {statistics.median(theirs):.3f} s, {chars / statistics.median(theirs):,.0f} chars/s")
    spread = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"extract() vs jieba: {ratio:.2f}× median of paired runs ({spread}) (target ≥ 2×): {'met' if ratio >= 2 else 'NOT met'}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
