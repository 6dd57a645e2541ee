"""Peak memory of one run over files too large to extract (issue 14 class 9): bounded, not the file's size.

    python benchmarks/memory.py [--accepted-mb 2] [--keep DIR]

Each case runs ``chanjia extract FILE --out x.jsonl`` in a fresh process and reads that process's
peak resident memory (``ru_maxrss`` of :func:`os.wait4`); the Python heap's peak while the run
reads the file is measured inside it with ``tracemalloc`` (``tracemalloc`` also counts the bytes
of a file read into memory). Cases:

- ``baseline``: a one-line report, the cost of the program and its loaded pipeline;
- ``60 MB text``: a real report repeated to 60 MB, over the 50 MB default of ``--max-bytes``;
- ``2 GB sparse``: a sparse file of 2 GB (no disk used), refused the same way;
- ``accepted``: a report of ``--accepted-mb`` MB that is read and extracted, for the memory per
  MB of input that a file under the limit costs.

Ratios are against the baseline run (same machine, same moment). Refused files must cost what
the baseline costs: the size is checked before a byte is read.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs one extract in this child with tracemalloc on, and prints the heap's peak in bytes.
CHILD = """
import sys, tracemalloc
tracemalloc.start()
from chanjia_nlp.cli import main
sys.argv = ["chanjia", "extract", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("heap-peak", tracemalloc.get_traced_memory()[1], file=sys.stderr)
"""


def run(path: Path, out: Path, *extra: str) -> tuple[int, int, str]:
    """(peak RSS in bytes, traced heap peak in bytes, the run's error line or ``ok``) of one child run."""
    args = [sys.executable, "-c", CHILD, str(path), "--out", str(out), "--progress", "--no-progress", *extra]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    assert child.stderr is not None
    stderr = child.stderr.read()
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    heap = next((int(line.split()[1]) for line in stderr.splitlines() if line.startswith("heap-peak")), -1)
    error = next((line for line in stderr.splitlines() if line.startswith("error:")), "ok")
    return usage.ru_maxrss * 1024, heap, error  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accepted-mb", type=float, default=2.0, help="size of the file read and extracted")
    parser.add_argument("--keep", type=Path, help="build the files here instead of a temporary folder")
    args = parser.parse_args()
    report = (ROOT / "corpus" / "02_district_summary_2022.txt").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        small = folder / "small.txt"
        small.write_text("惠山区总工会\n\n全区建成职工之家30个。\n", encoding="utf-8")
        big = folder / "big60.txt"
        with big.open("wb") as stream:
            while stream.tell() < 60 * 2**20:
                stream.write(report)
        sparse = folder / "sparse2g.txt"
        with sparse.open("wb") as stream:
            stream.truncate(2 * 2**30)
        accepted = folder / "accepted.txt"
        accepted.write_bytes(report * int(args.accepted_mb * 2**20 // len(report) + 1))
        out = folder / "out.jsonl"
        cases = [
            ("baseline (one-line report)", small, ()),
            ("60 MB text (refused)", big, ()),
            ("2 GB sparse (refused)", sparse, ()),
            (f"{accepted.stat().st_size / 2**20:.1f} MB text (extracted)", accepted, ("--timeout-per-file", "0")),
        ]
        results = [(name, path.stat().st_size, *run(path, out, *extra)) for name, path, extra in cases]
    base_rss = results[0][2]
    print(f"{'case':34} {'file MB':>9} {'peak RSS MB':>12} {'× baseline':>11} {'heap peak MB':>13}  outcome")
    for name, size, rss, heap, outcome in results:
        print(f"{name:34} {size / 2**20:9.1f} {rss / 2**20:12.1f} {rss / base_rss:11.2f} {heap / 2**20:13.1f}  "
              f"{outcome[:90]}")
    name, size, rss, _, _ = results[-1]
    print(f"extracted file: {(rss - base_rss) / 2**20 / (size / 2**20):.0f} MB of RSS over the baseline per MB of "
          "input (the limit --max-bytes bounds it: 50 MB by default)")


if __name__ == "__main__":
    main()
