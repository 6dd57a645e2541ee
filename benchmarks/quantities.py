"""Throughput and memory of quantity extraction, side by side with its peers, in one process.

    python benchmarks/quantities.py [--mb 1.0] [--repeats 5]

The text is the bundled corpus/ repeated to at least ``--mb`` megabytes (UTF-8). Each tool runs
``--repeats`` times on the same text and the median is reported, because the machine is shared
and noisy. Baselines, run in this same process:

- ``jieba.lcut`` (a private ``jieba.Tokenizer``, dictionary loaded before timing);
- JioNLP ``ner.extract_money`` (money only) and cn2an ``transform`` (numeral conversion), which
  are installed for benchmarks only (``pip install -e '.[bench]'``) and skipped when absent.

Targets (issue 2): quantity extraction ≥ 10× the throughput of jieba segmentation of the same
text, faster than JioNLP's money-only extraction, and peak memory under 200 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chanjia_nlp import extract_quantities  # noqa: E402
from chanjia_nlp.readers import find_files, read_document  # noqa: E402


def corpus_text(megabytes: float, folder: Path = ROOT / "corpus") -> str:
    """The reports of ``folder`` joined, repeated until the UTF-8 size reaches ``megabytes``."""
    texts = []
    for path, shown in find_files([folder]):
        _, text = read_document(path, display_path=shown)
        if text:
            texts.append(text)
    one = "\n\n".join(texts)
    size = len(one.encode("utf-8"))
    return "\n\n".join([one] * max(1, int(megabytes * 1024 * 1024 / size) + 1))


def median_seconds(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_traced_mb(func: Callable[[], object]) -> float:
    """Peak Python allocation while ``func`` runs (tracemalloc), in MB."""
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0, help="size of the text in MB (default 1.0)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per tool; the median is reported (default 5)")
    parser.add_argument("--folder", type=Path, default=ROOT / "corpus", help="reports to repeat (default corpus/)")
    args = parser.parse_args(argv)

    text = corpus_text(args.mb, args.folder)
    chars = len(text)
    print(f"text: {chars:,} characters, {len(text.encode('utf-8')) / 1e6:.2f} MB ({args.folder.name}/ repeated)")

    extract_quantities("预热1200余名")  # compile the grammar before timing
    found = len(extract_quantities(text))

    import jieba

    tokenizer = jieba.Tokenizer()
    with contextlib.redirect_stderr(io.StringIO()):
        tokenizer.initialize()
    # Ours and jieba alternate, so a burst of load on the shared machine hits both sides of a
    # pair; the ratio reported is the median of the per-pair ratios.
    ours_times, jieba_times = [], []
    for _ in range(args.repeats):
        ours_times.append(median_seconds(lambda: extract_quantities(text), 1))
        jieba_times.append(median_seconds(lambda: tokenizer.lcut(text), 1))
    pair_ratios = sorted(j / o for j, o in zip(jieba_times, ours_times))
    results: dict[str, float] = {
        "chanjia extract_quantities": statistics.median(ours_times),
        "jieba lcut": statistics.median(jieba_times),
    }

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            import jionlp

            jionlp.ner.extract_money("预热265万元")
        results["JioNLP ner.extract_money"] = median_seconds(
            lambda: jionlp.ner.extract_money(text), max(1, min(args.repeats, 3))
        )
    except ImportError:
        print("JioNLP not installed (pip install -e '.[bench]'): skipped")
    try:
        import cn2an

        results["cn2an transform"] = median_seconds(lambda: cn2an.transform(text, "cn2an"), max(1, min(args.repeats, 3)))
    except ImportError:
        print("cn2an not installed (pip install -e '.[bench]'): skipped")

    ours = results["chanjia extract_quantities"]
    print(f"\n{'tool':<30}{'median s':>10}{'chars/s':>14}{'ours ÷ tool time':>18}")
    for name, seconds in results.items():
        print(f"{name:<30}{seconds:>10.3f}{chars / seconds:>14,.0f}{seconds / ours:>17.1f}×")
    peak = peak_traced_mb(lambda: extract_quantities(text))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nquantities found: {found:,} (one every {chars / max(found, 1):.0f} characters)")
    print(f"peak traced memory of extraction: {peak:.1f} MB (process max RSS, all tools loaded: {rss:.0f} MB)")
    speedup_jieba = statistics.median(pair_ratios)
    spread = ", ".join(f"{r:.1f}" for r in pair_ratios)
    print(
        f"throughput vs jieba segmentation: {speedup_jieba:.1f}× median of paired runs ({spread}) "
        f"(target ≥ 10×): {'met' if speedup_jieba >= 10 else 'NOT met'}"
    )
    if "JioNLP ner.extract_money" in results:
        vs = results["JioNLP ner.extract_money"] / ours
        print(f"throughput vs JioNLP money-only: {vs:.1f}× (target > 1×): {'met' if vs > 1 else 'NOT met'}")
    print(f"peak memory: {peak:.1f} MB (target < 200 MB): {'met' if peak < 200 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
