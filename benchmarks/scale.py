"""Does ``chanjia_nlp.extract()`` stay linear as a document grows? Seconds per MB at several sizes.

    python benchmarks/scale.py [--sizes 0.05,0.2,1] [--repeats 3] [--cases reports,one-doc,...]

Four shapes of text, each built from the bundled ``corpus/`` (or, for the last, generated):

- ``reports``: the corpus reports as many documents (the normal case: the baseline);
- ``one-doc``: the same reports joined into one document;
- ``one-paragraph``: the same text with every line break removed (one paragraph, no headings);
- ``numerals``: numeral-dense text without punctuation (``１２３４５６７８９０万亿余多近约`` and
  report figures run together), the shape a damaged scan or a table dump gives.

For each case the cost per MB at the smallest size is the baseline and every larger size is
printed as a ratio to it (run in the same process, medians of ``--repeats``). Linear time means
ratios near 1; issue 17's bar is at most 1.3 from 0.1 to 5 MB. The machine is shared: read
the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quantities import ROOT  # noqa: E402  (benchmarks/quantities.py)

from chanjia_nlp import load  # noqa: E402
from chanjia_nlp.readers import find_files, read_document  # noqa: E402

MB = 1024 * 1024
CASES = ("reports", "one-doc", "one-paragraph", "numerals")


def corpus_texts(folder: Path) -> list[str]:
    return [text for path, shown in find_files([folder]) if (text := read_document(path, display_path=shown)[1])]


def repeated(texts: list[str], size: float) -> list[str]:
    """The texts repeated until their UTF-8 size reaches ``size`` MB (whole texts, so at least one)."""
    out, total = [], 0
    while total < size * MB:
        for t in texts:
            out.append(t)
            total += len(t.encode("utf-8"))
            if total >= size * MB:
                break
    return out


def documents(case: str, texts: list[str], size: float) -> list[str]:
    """The documents of one case at ``size`` MB."""
    if case == "reports":
        return repeated(texts, size)
    if case == "one-doc":
        return ["\n\n".join(repeated(texts, size))]
    if case == "one-paragraph":
        return ["".join(t.replace("\n", "") for t in repeated(texts, size))]
    unit = "１２３４５６７８９０万亿余多近约" + "新增职工1200余名培训3.5万人次投入资金265万元" + "二〇二三年一千二百名"
    n = max(1, int(size * MB / len(unit.encode("utf-8"))))
    return [unit * n]


def seconds(extract, docs: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for d in docs:
            extract(d)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0.1,0.5,1", help="document sizes in MB, smallest first")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES), help=f"some of {', '.join(CASES)}")
    parser.add_argument("--folder", type=Path, default=ROOT / "corpus")
    parser.add_argument("--binder", choices=["auto", "learned", "rules"], default="auto")
    args = parser.parse_args(argv)
    sizes = sorted(float(s) for s in args.sizes.split(","))
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; valid: {', '.join(CASES)}")
    extract = load(binder=args.binder).extract
    texts = corpus_texts(args.folder)
    extract(texts[0])  # lexicons and models loaded before timing
    print(f"extract() seconds per MB, medians of {args.repeats}; ratio = per-MB cost / the {sizes[0]} MB cost")
    print(f"{'case':<15}" + "".join(f"{f'{s:g} MB':>17}" for s in sizes) + "   worst ratio")
    worst_all = 0.0
    for case in cases:
        per_mb = []
        for size in sizes:
            docs = documents(case, texts, size)
            mb = sum(len(d.encode("utf-8")) for d in docs) / MB
            per_mb.append(seconds(extract, docs, args.repeats) / mb)
        ratios = [p / per_mb[0] for p in per_mb]
        worst_all = max(worst_all, max(ratios))
        cells = "".join(f"{f'{p:.2f} s ({r:.2f})':>17}" for p, r in zip(per_mb, ratios))
        print(f"{case:<15}{cells}   {max(ratios):.2f}")
    verdict = "met" if worst_all <= 1.3 else "NOT met"
    print(f"worst growth of the per-MB cost: {worst_all:.2f}× (target ≤ 1.3×): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
