"""Cold start: the CPU time of one short command, against ``python -c 'import chanjia_nlp'``.

    python benchmarks/coldstart.py [--repeats 7]

Issue 17's targets: ``chanjia extract one.txt --out x.jsonl`` under 0.4 s of CPU, ``chanjia
check`` on the sample 台账 under 1.5 s. Each command runs in a fresh process; its CPU time (user +
system) is that child's own ``rusage`` (:func:`os.wait4`), so other work on the shared machine
does not count, and the commands alternate with the baseline so each ratio is paired. Medians.

Two columns. *Installed*: as a user runs it after the first time, with the modules' bytecode
written (``pip install`` compiles it; a checkout writes ``__pycache__`` on first import) and the
lexicons' parsed form in the cache (:func:`chanjia_nlp._lexicon.cache_dir`); both live in a
temporary folder and a first, untimed run of each command fills them. *First run*: no bytecode
(``PYTHONDONTWRITEBYTECODE``, every module compiled from source) and no lexicon cache, the
worst case (a read-only install without bytecode); the target is for the installed column.

Then, in this process, where a cold ``extract`` spends its time: importing the CLI, loading the
pipeline (the binder's model, in ``claims/``), the first extraction (lexicons and patterns
built on first use) and the file itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "corpus" / "02_district_summary_2022.txt"
LEDGER = ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx"

#: In a fresh process: the CPU seconds of each step of a cold extract.
STEPS = """
import sys, time
t0 = time.process_time()
import chanjia_nlp.cli
t1 = time.process_time()
from chanjia_nlp import runner
pipeline = runner._pipeline()
t2 = time.process_time()
pipeline.extract(runner.WARM_UP_TEXT)
t3 = time.process_time()
pipeline.extract(open(sys.argv[1], encoding="utf-8").read())
t4 = time.process_time()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


def environment(folder: Path, installed: bool) -> dict[str, str]:
    """The children's environment: bytecode and lexicon cache in ``folder`` (installed), or neither."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    if installed:
        env.update(PYTHONPYCACHEPREFIX=str(folder / "bytecode"), CHANJIA_CACHE_DIR=str(folder / "cache"))
    else:
        env.update(PYTHONDONTWRITEBYTECODE="1", CHANJIA_CACHE_DIR="")
    return env


def cpu(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one run of ``args`` in a fresh process."""
    child = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    chanjia = [sys.executable, "-m", "chanjia_nlp"]
    baseline = [sys.executable, "-c", "import chanjia_nlp"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "one.txt").write_bytes(REPORT.read_bytes())
        commands = {
            "chanjia extract one.txt --out x.jsonl": ([*chanjia, "extract", "one.txt", "--out", "x.jsonl", "-q"], 0.4),
            "chanjia extract one.txt (into SQLite)": ([*chanjia, "extract", "one.txt", "--db", "x.sqlite", "-q",
                                                       "--force"], None),
            "chanjia check (the sample 台账)": ([*chanjia, "check", str(LEDGER), "--db", "x.sqlite", "--out",
                                                 "findings.csv", "--no-fail"], 1.5),
            "chanjia --help": ([*chanjia, "--help"], None),
        }
        envs = {mode: environment(folder, mode == "installed") for mode in ("installed", "first run")}
        for command, _target in commands.values():  # writes the bytecode and the lexicon cache
            cpu(command, folder, envs["installed"])
        base: dict[str, list[float]] = {mode: [] for mode in envs}
        times: dict[tuple[str, str], list[float]] = {(name, mode): [] for name in commands for mode in envs}
        for _ in range(args.repeats):
            for name, (command, _target) in commands.items():
                for mode, env in envs.items():
                    base[mode].append(cpu(baseline, folder, env))
                    times[(name, mode)].append(cpu(command, folder, env))
        steps = []
        for _ in range(args.repeats):
            out = subprocess.run([sys.executable, "-c", STEPS, str(folder / "one.txt")], capture_output=True, text=True,
                                 env=envs["installed"], check=True).stdout
            steps.append([float(x) for x in out.split()])
    median = statistics.median
    print("baseline python -c 'import chanjia_nlp': " + ", ".join(
        f"{mode} {median(b):.3f} s CPU" for mode, b in base.items()) + f" (medians of {len(base['installed'])})")
    print()
    print("| command | installed: CPU s (median) | × baseline | first run: CPU s | target (installed) |")
    print("|---|---|---|---|---|")
    for name, (_, target) in commands.items():
        seconds = median(times[(name, "installed")])
        verdict = "" if target is None else f"< {target} s: {'met' if seconds < target else 'NOT met'}"
        print(f"| {name} | {seconds:.3f} | {seconds / median(base['installed']):.2f} | "
              f"{median(times[(name, 'first run')]):.3f} | {verdict} |")
    print()
    names = ("import the CLI", "load the pipeline (binder model, claims/)", "first extraction (lexicons, patterns)",
             "the file (5 kB)")
    print("a cold extract in one process (installed), CPU s (median of each step):")
    for at, name in enumerate(names):
        print(f"  {name}: {median(row[at] for row in steps):.3f}")


if __name__ == "__main__":
    main()
