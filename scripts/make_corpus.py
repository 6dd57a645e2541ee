"""Write a large folder of made-up reports for benchmarks and the resumable-run tests.

Every report is built from the paragraphs of ``corpus/*.txt`` (themselves made up for this
project): a numbered headline, a ``发布时间`` line, then paragraphs drawn at random, with every
figure renumbered (each digit replaced, years kept) so no two reports are alike. The output
depends only on ``corpus/`` and the arguments: the same call writes the same bytes.

Usage::

    python scripts/make_corpus.py OUT_DIR [--docs 20000] [--mb 50] [--seed 5]

Reports go into subfolders of 1,000 files (``0000/r00000.txt`` …); about one in twenty is saved
as GB18030, the way older office PCs save text.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FILES_PER_FOLDER = 1000
RE_DIGITS = re.compile(r"[0-9]+")


def paragraphs(folder: Path = CORPUS) -> list[str]:
    """The body paragraphs of the sample reports (their first line, the headline, left out)."""
    found = []
    for path in sorted(folder.glob("*.txt")):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
        found.extend(block for block in blocks[1:] if len(block) >= 20)
    return found


def renumber(text: str, rng: random.Random) -> str:
    """``text`` with every digit of every figure replaced, years kept (a leading digit stays non-zero)."""

    def new_digits(match: re.Match[str]) -> str:
        digits = match.group()
        if len(digits) == 4 and digits.startswith(("19", "20")) and text[match.end() : match.end() + 1] == "年":
            return digits  # a year: kept, so periods stay plausible
        first = str(rng.randint(1, 9)) if len(digits) > 1 else str(rng.randint(0, 9))
        return first + "".join(str(rng.randint(0, 9)) for _ in digits[1:])

    return RE_DIGITS.sub(new_digits, text)


def report(number: int, target_bytes: int, pool: list[str], rng: random.Random) -> tuple[str, bool]:
    """Report ``number``: about ``target_bytes`` of UTF-8, and whether to save it as GB18030."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    lines = [f"基层工会工作简报第{number}期", f"发布时间:2023-{month:02d}-{day:02d} 09:30:00"]
    size = sum(len(line.encode()) + 2 for line in lines)
    while size < target_bytes:
        paragraph = renumber(rng.choice(pool), rng)
        lines.append(paragraph)
        size += len(paragraph.encode()) + 2
    return "\n\n".join(lines) + "\n", rng.random() < 0.05


def make_corpus(out: Path, *, docs: int, megabytes: float, seed: int = 5) -> tuple[int, int]:
    """Write ``docs`` reports totalling about ``megabytes`` MB (10⁶ bytes) into ``out``.

    Returns the number of files and of bytes written.
    """
    rng = random.Random(seed)
    pool = paragraphs()
    mean = megabytes * 1e6 / docs
    total = 0
    for number in range(docs):
        text, legacy = report(number, int(mean * rng.uniform(0.5, 1.5)), pool, rng)
        folder = out / f"{number // FILES_PER_FOLDER:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = text.encode("gb18030" if legacy else "utf-8")
        (folder / f"r{number:05d}.txt").write_bytes(data)
        total += len(data)
    return docs, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if args.docs < 1 or args.mb <= 0:
        parser.error("--docs and --mb must be positive")
    files, size = make_corpus(args.out, docs=args.docs, megabytes=args.mb, seed=args.seed)
    print(f"{files:,} reports, {size / 1e6:.1f} MB → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
