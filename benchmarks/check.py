"""Checking a big ledger against a big database: the check against the time to load the ledger.

    python benchmarks/check.py [--rows 10000] [--claims 100000] [--repeats 3] [--db PATH]

Issue 6's target: a ledger of 10,000 rows checked against a database of 100,000 claims in under
10× the time ``read_ledger`` takes to load that ledger. The script writes a synthetic .xlsx
ledger and a SQLite database (through the store API) of claims about 300 districts of the
gazetteer (the true figures, some written with 约 or 余, one ledger row in ten off by 7%), loads the claims once, then times, alternately, ``read_ledger`` and
``check_ledger`` (matching, verdicts, 合计 rows and uncovered claims); it prints the medians and
the median of the paired ratios, because the machine is shared and noisy. Reading the claims
from the database is timed and printed separately.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from chanjia_nlp import store
from chanjia_nlp.crosscheck import check_ledger
from chanjia_nlp.entities import divisions
from chanjia_nlp.ledger import read_ledger

#: Ledger texts that map to one indicator by alias, with a unit and the words reports use.
INDICATORS = (
    ("职工培训人次", "training_participants", "人次", "职工培训"),
    ("新增高技能人才", "high_skilled_talent", "人", "高技能人才"),
    ("签订集体合同", "collective_contracts", "份", "集体合同"),
    ("区级试点单位", "pilot_units", "家", "试点单位"),
    ("职工书屋", "worker_libraries", "家", "职工书屋"),
    ("户外劳动者服务站", "service_stations", "个", "户外劳动者服务站"),
    ("劳模创新工作室", "innovation_studios", "家", "劳模创新工作室"),
    ("新就业形态劳动者入会", "union_members", "人", "入会"),
)
MONEY = (("送温暖资金", "assistance_funds"), ("区财政产改专项资金", "reform_funds"), ("金秋助学资金", "student_aid"))
YEARS = ("2020", "2021", "2022", "2023")


def subjects(count: int) -> list[str]:
    names = sorted({d.name for d in divisions().values() if d.level == "district"})
    random.Random(7).shuffle(names)
    return names[:count]


def truth(places: list[str], rng: random.Random) -> dict[tuple[str, int, str], Decimal]:
    """The true figure of every (place, indicator, year): what reports and ledgers state."""
    out = {}
    for place in places:
        for k in range(len(INDICATORS) + len(MONEY)):
            for year in YEARS:
                money = k >= len(INDICATORS)
                out[(place, k, year)] = Decimal(rng.randint(10, 9999) * 1000) if money else Decimal(rng.randint(1, 50000))
    return out


def write_ledger(path: Path, rows: int, facts: dict, rng: random.Random) -> None:
    """A sheet per place with its rows, the layout of a real 台账; one row in ten is off by 7%."""
    book = Workbook()
    book.remove(book.active)
    chosen = rng.sample(sorted(facts), rows)
    by_place: dict[str, list] = {}
    for key in chosen:
        by_place.setdefault(key[0], []).append(key)
    for place, keys in by_place.items():
        sheet = book.create_sheet(place[:31])
        sheet.append([f"{place}产改工作台账"])
        sheet.append(["序号", "单位名称", "指标", "计量单位", "统计期间", "数量", "金额（万元）", "口径"])
        for n, (_, k, year) in enumerate(keys, 1):
            value = facts[(place, k, year)] * (Decimal("1.07") if rng.random() < 0.1 else 1)
            if k >= len(INDICATORS):
                sheet.append([n, place, MONEY[k - len(INDICATORS)][0], None, f"{year}年", None, str(value / 10000), "全年"])
            else:
                text, _, unit, _ = INDICATORS[k]
                sheet.append([n, place, text, unit, f"{year}年", int(value), None, "全年"])
    book.save(path)


def write_claims(db: Path, claims: int, facts: dict, places: list[str], rng: random.Random) -> None:
    """``claims`` claim records, 100 to a document of one place and year, through the store: the
    true figures (some written with 约 or 余) and figures of other indicators."""
    kinds = len(INDICATORS) + len(MONEY)
    with store.open(db, create=True) as st:
        run_id = st.begin_run(command="benchmarks/check.py")
        for d in range(0, claims, 100):
            place, year = places[(d // 100) % len(places)], YEARS[(d // 100 // len(places)) % len(YEARS)]
            doc_id = f"bench-{d // 100:06d}"
            text = f"{place}总工会{year}年工作总结。" + "全年开展职工培训12345人次。" * 100
            doc = {"type": "document", "doc_id": doc_id, "path": f"{doc_id}.txt", "status": "ok",
                   "extractor_version": "bench", "text": text, "chars": len(text)}
            records = []
            for n in range(min(100, claims - d)):
                k = n % (kinds + 4)
                start = len(place) + 12 + 17 * n + 8
                if k >= kinds:  # a figure no ledger row declares
                    value, indicator, words, kind, unit, currency = Decimal(rng.randint(1, 999)), "other", "其他", "count", "项", None
                    shown, qualifier = f"{value}项", "exact"
                elif k >= len(INDICATORS):
                    _, indicator = MONEY[k - len(INDICATORS)]
                    value, words, kind, unit, currency = facts[(place, k, year)], "资金", "money", "元", "CNY"
                    shown, qualifier = f"{value / 10000}万元", "exact"
                else:
                    _, indicator, unit, words = INDICATORS[k]
                    value, kind, currency = facts[(place, k, year)], "count", None
                    qualifier = ("exact", "exact", "approx", "more_than")[n % 4]
                    shown = {"exact": f"{value}{unit}", "approx": f"约{value}{unit}", "more_than": f"{value}余{unit}"}[qualifier]
                records.append({
                    "type": "quantity", "doc_id": doc_id, "path": doc["path"], "start": start, "end": start + len(shown),
                    "text": shown, "value": str(value), "low": str(value) if qualifier != "approx" else None,
                    "high": str(value) if qualifier == "exact" else None, "qualifier": qualifier, "kind": kind,
                    "unit": unit, "currency": currency, "number_text": None, "sentence": "全年开展职工培训12345人次。",
                    "claim": True, "indicator": indicator, "indicator_text": words, "subject": place, "level": None,
                    "period": year, "scope": "annual", "parent": None, "repeated": False,
                })
            st.write_document(doc, records, run_id)


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep the generated database here (default: a temporary folder)")
    args = parser.parse_args(argv)

    rng = random.Random(2023)
    places = subjects(300)
    facts = truth(places, rng)
    folder = Path(tempfile.mkdtemp(prefix="chanjia-bench-"))
    ledger_path = folder / "台账.xlsx"
    db = args.db or folder / "chanjia.sqlite"
    write_ledger(ledger_path, min(args.rows, len(facts)), facts, rng)
    seconds, _ = timed(lambda: write_claims(db, args.claims, facts, places, rng))
    print(f"setup: {args.rows:,}-row ledger ({ledger_path.stat().st_size / 1e6:.1f} MB), "
          f"{args.claims:,} claims written to {db.name} in {seconds:.1f} s")

    with store.open(db, create=False) as st:
        reading, claims = timed(lambda: list(st.records(types=["quantity"])))
    print(f"read claims from the database: {reading:.2f} s ({len(claims):,} records)")

    loads, checks = [], []
    for _ in range(args.repeats):
        load, ledger = timed(lambda: read_ledger(ledger_path))
        check, found = timed(lambda: check_ledger(ledger.rows, claims))
        loads.append(load)
        checks.append(check)
    ratio = statistics.median(c / l for c, l in zip(checks, loads))
    verdicts = {}
    for f in found:
        verdicts[f["verdict"]] = verdicts.get(f["verdict"], 0) + 1
    print(f"ledger rows read: {len(ledger.rows):,}; findings: {len(found):,} {dict(sorted(verdicts.items()))}")
    print(f"read_ledger:  median {statistics.median(loads):.2f} s over {args.repeats} runs")
    print(f"check_ledger: median {statistics.median(checks):.2f} s over {args.repeats} runs")
    print(f"check / load: median {ratio:.2f}× — {'under' if ratio < 10 else 'NOT under'} the 10× target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
