"""How fast the HTML review report of a 500-document set opens in headless Chromium.

    python benchmarks/report.py [--docs 500] [--repeats 5] [--folder DIR] [--keep report.html]

The set is the reports of ``corpus/`` repeated under new paths and ids until there are
``--docs`` documents (each report is extracted once; its records are copied), with made-up
findings: a ledger row for one claim in ten and a copied-text finding for one document in five.
The report is written once, then opened ``--repeats`` times, each in a fresh browser context,
through ``file://``. Printed: the file size, the time to write it, and the medians of

- ``load``: navigation start to the end of the ``load`` event;
- ``table``: navigation start to the first render of the claims table (the page's
  ``chanjia:table-rendered`` performance mark);
- ``open claim``: clicking the first claim until its document is drawn and the span focused.

Target (issue 7): the report of a 500-document database opens in under 3 s. Needs the
``playwright`` package and Debian's ``/usr/bin/chromium`` (no ``playwright install``).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chanjia_nlp import load, to_dict  # noqa: E402
from chanjia_nlp.readers import find_files, read_document  # noqa: E402
from chanjia_nlp.report import write_report  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
#: Milliseconds from navigation start, read in the page.
LOAD_END = "performance.getEntriesByType('navigation')[0].loadEventEnd"
TABLE_RENDERED = "performance.getEntriesByName('chanjia:table-rendered')[0].startTime"


def document_set(count: int, folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` documents' records (the reports of ``folder`` over and over) and made-up findings."""
    nlp = load()
    originals = []
    for path, shown in find_files([folder]):
        doc, text = read_document(path, display_path=shown)
        if text is not None:
            originals.append((to_dict(doc), text, [to_dict(r) for r in nlp.extract(text, published=doc.published)]))
    records: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for n in range(count):
        document, text, rows = originals[n % len(originals)]
        doc_id = hashlib.sha256(f"{n}:{document['doc_id']}".encode()).hexdigest()
        path = f"district-{n // len(originals):03d}/{document['path']}"
        records.append({**document, "doc_id": doc_id, "path": path, "text": text})
        claims = []
        for row in rows:
            records.append({**row, "doc_id": doc_id, "path": path})
            if row.get("claim"):
                claims.append(records[-1])
        for k, claim in enumerate(claims[::10]):
            findings.append(_ledger_finding(claim, n, k))
        if n % 5 == 0 and len(text) > 200:
            copy = {"doc_id": doc_id, "path": path, "start": 100, "end": 200, "text": text[100:200], "role": "copy"}
            findings.append({
                "type": "finding", "finding_id": f"copy-{n}", "check": "copied_text", "verdict": "flagged",
                "message": "paragraph also found in another district's report", "doc_id": doc_id, "path": path,
                "evidence": [copy], "ledger": None,
            })
    return records, findings


def _ledger_finding(claim: dict[str, Any], n: int, k: int) -> dict[str, Any]:
    verdict = ("consistent", "inconsistent", "unsupported", "consistent_within_qualifier")[(n + k) % 4]
    role = "supports" if verdict.startswith("consistent") else "contradicts"
    span = {key: claim[key] for key in ("doc_id", "path", "start", "end", "text")}
    return {
        "type": "finding", "finding_id": f"ledger-{n}-{k}", "check": "ledger", "verdict": verdict,
        "message": f"台账 row {k + 2} against the report", "indicator": claim["indicator"], "subject": claim["subject"],
        "period": claim["period"], "expected": claim["value"], "observed": claim["value"], "gap": "0",
        "doc_id": claim["doc_id"], "path": claim["path"],
        "evidence": [{**span, "role": role}],
        "ledger": {"file": "台账.xlsx", "sheet": "2022", "row": k + 2, "column": "D", "cell": f"D{k + 2}",
                   "value": claim["value"]},
    }


def measure(report: Path, repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"load": [], "table": [], "open claim": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for _ in range(repeats):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.goto(report.resolve().as_uri(), wait_until="load")
                times["load"].append(page.evaluate(LOAD_END) / 1000)
                times["table"].append(page.evaluate(TABLE_RENDERED) / 1000)
                page.click("a[data-tab=claims]")
                start = time.perf_counter()
                page.click("#claim-table a.goto >> nth=0")
                page.wait_for_selector("#doc-text mark.focus")
                times["open claim"].append(time.perf_counter() - start)
                context.close()
        finally:
            browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=ROOT / "corpus")
    parser.add_argument("--keep", type=Path, help="write the report here and keep it")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 2

    records, findings = document_set(args.docs, args.folder)
    claims = sum(bool(r.get("claim")) for r in records)
    print(f"set: {args.docs} documents, {len(records):,} records ({claims:,} claims), {len(findings):,} findings")
    with tempfile.TemporaryDirectory() as tmp:
        report = args.keep or Path(tmp) / "report.html"
        start = time.perf_counter()
        write_report(records, report, findings=findings, title=f"{args.docs} documents")
        print(f"write_report: {time.perf_counter() - start:.2f} s, {report.stat().st_size / 1e6:.1f} MB")
        times = measure(report, args.repeats)
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:>10}: median {median:.3f} s (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})")
    verdict = "met" if statistics.median(times["load"]) < 3 else "NOT met"
    print(f"target: opens (load event) in under 3 s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
