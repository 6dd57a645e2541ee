"""Fuzz the library functions with messy strings under 10 kB: any exception is a bug, and the
slowest inputs are reported (issue 14's bar: none over 1 s). Not a timed test: run it by hand.

    python benchmarks/fuzz.py [--examples 2000] [--seed 0] [--function extract|extract_quantities|both]

Inputs are built from report pieces (numerals, units, qualifiers, captions), long digit runs
(29 and 40 digits), invisible and format characters, and random Unicode, repeated to sizes up
to 10 kB. The slowest input of each function is written to ``benchmarks/fuzz-slowest-*.txt``
(escaped, so invisible characters show).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chanjia_nlp import extract, extract_quantities  # noqa: E402

LIMIT = 10_000
PIECES = [
    "全区", "新增", "职工", "会员", "其中", "累计", "近", "约", "余", "多", "万", "亿", "千", "百", "名", "人次", "元",
    "万元", "家", "%", "％", "个", "-", "—", "～", "至", "到", "、", "，", "。", "\n", "\n\n", "(", ")", "（", "）",
    "0", "1", "2", "5", "9", ".", ",", "１", "２", "０", "一", "二", "三", "十", "两", "几", "数", "【要闻】",
    "\u200b", "\ufeff", "\u00ad", "\u0301", "\u2009", "\u202f", "\u202e", "\u3000", "\ufffd", "\x00", "\t",
    "1" * 29, "9" * 40, "１" * 25, "0-8亿1", "3\u2009000万元", "2023年", "第3页", "(市总工会供图)", "几职工",
    "１２３４５６７８９０万亿余多近约",
]


def sample(rng: random.Random) -> str:
    """One input under LIMIT characters: pieces, random code points, or a short motif repeated."""
    kind = rng.random()
    if kind < 0.5:
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 400)))
    elif kind < 0.7:
        text = "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 2000)))
        text = text.encode("utf-8", "replace").decode("utf-8", "replace")  # no lone surrogates
    else:
        motif = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
        text = motif * (LIMIT // max(len(motif), 1))
    return text[:LIMIT - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--function", choices=["extract", "extract_quantities", "both"], default="both")
    args = parser.parse_args(argv)
    functions = {"extract": extract, "extract_quantities": extract_quantities}
    chosen = functions if args.function == "both" else {args.function: functions[args.function]}
    rng = random.Random(args.seed)
    inputs = [sample(rng) for _ in range(args.examples)]
    failed = 0
    for name, function in chosen.items():
        slowest, errors = (0.0, ""), {}
        for text in inputs:
            started = time.perf_counter()
            try:
                function(text)
            except Exception as exc:  # a bug: report the first input of each kind
                errors.setdefault(type(exc).__name__, (text, traceback.format_exc(limit=3)))
            took = time.perf_counter() - started
            if took > slowest[0]:
                slowest = (took, text)
        out = ROOT / "benchmarks" / f"fuzz-slowest-{name}.txt"
        out.write_text(slowest[1].encode("unicode_escape").decode("ascii"), encoding="utf-8")
        print(f"{name}: {len(inputs)} inputs, slowest {slowest[0]:.3f} s ({len(slowest[1])} chars, {out.name}); "
              f"{'no exception' if not errors else f'{len(errors)} kinds of exception'}")
        for kind, (text, trace) in errors.items():
            failed += 1
            print(f"  {kind} on {text[:80].encode('unicode_escape').decode('ascii')!s}…\n{trace}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
