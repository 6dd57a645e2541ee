"""How ``chanjia serve`` holds up under 50 reviewers at once on a 10,000-document database.

    python benchmarks/serve.py [--docs 10000] [--reviewers 50] [--rounds 6] [--think 2] [--workers 1] [--db URL]
                               [--keep FILE]

The database is the reports of ``corpus/`` stored over and over under new paths and ids with the
store's own ``write_document`` (each report is extracted once), checked against made-up 台账
findings (one claim in ten), until there are ``--docs`` documents. Each round of copies moves its
districts' claims to other districts of Jiangsu (``subject_code``, ``subject_name``; the text is
the report's), so 10,000 documents spread over the province's ~95 districts as a real collection
would, instead of 1,000 copies about 惠山区. With ``--db`` a PostgreSQL URL the tables go to a
fresh schema (dropped at the end), else to a temporary SQLite file.

``chanjia serve`` then runs as its own process on a free port of 127.0.0.1 and ``--reviewers``
reviewers (one ``httpx.AsyncClient`` each, all in one event loop, at most ``--reviewers``
requests in flight, each request with a 30 s timeout) sign in, then each does ``--rounds``
rounds of: open a page of the claims of one of the five biggest districts (as an assessor works
through a district: page 1, 2 …), open a figure, decide on it (confirm, correct or reject in
turn), open that district's page, open a 台账 finding and decide on it. Every kind of page is
opened once before the run (its template is compiled on its first view). Between two requests a reviewer reads for ``--think`` seconds on average (uniformly 0.5× to
1.5×, the same random sequence on every run; 0 hammers the server, which then measures its
throughput, not what a reviewer waits). Every fifth round two reviewers decide on one figure at
once: one is stored, the other refused with 409 (a conflict, never an overwrite).

``chanjia serve`` makes the pages of the biggest districts before it answers (up to 15 s;
``--no-warm`` leaves that to each district's first view). ``--workers N`` serves with N processes; ``--schema NAME`` keeps a PostgreSQL database in that
schema for the next run (analysed after filling, as autovacuum would); a correction's value
differs on every run, so a kept database takes the same decisions again.

Printed: the database's size and how long it took to make, then median and p95 latencies of
the page views and of the decisions (target: p95 under 300 ms), every latency by round (the
first opens each district's claims and page for the first time since the server started), and
the check that no review was lost: every decision the server acknowledged (303) is in the database, once, as sent, and
no refused one is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chanjia_nlp import load, store, to_dict  # noqa: E402
from chanjia_nlp.readers import find_files, read_document  # noqa: E402

PASSWORD = "benchmark-password"
RE_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
RE_VERSION = re.compile(r'name="version" value="([0-9]+)"')
RE_FIGURE = re.compile(r'href="(/figure/[0-9a-f]+/[0-9]+/[0-9]+)"')


def originals(folder: Path) -> list[tuple[dict[str, Any], str, list[dict[str, Any]]]]:
    nlp = load()
    found = []
    for path, shown in find_files([folder]):
        doc, text = read_document(path, display_path=shown)
        if text is not None and doc.status == "ok":
            found.append((to_dict(doc), text, [to_dict(r) for r in nlp.extract(text, published=doc.published)]))
    return found


def _moved(rows: list[dict[str, Any]], shift: int) -> list[dict[str, Any]]:
    """The claims of ``rows`` about a district moved ``shift`` districts on in Jiangsu's list."""
    from chanjia_nlp.subjects import divisions, rollup_code

    every = divisions()
    districts = sorted(c for c, d in every.items() if d.level == "district" and c.startswith("32"))
    out = []
    for row in rows:
        code = str(row.get("subject_code"))
        if shift and code in districts:
            moved = districts[(districts.index(code) + shift) % len(districts)]
            name = every[moved].name if row.get("subject_name") == every[code].name else row.get("subject_name")
            row = {**row, "subject_code": moved, "subject_name": name}
        elif shift and (district := rollup_code(code, "district")) in districts:
            row = {**row, "subject_code": districts[(districts.index(str(district)) + shift) % len(districts)]}
        out.append(row)
    return out


def fill(st: Any, count: int, folder: Path) -> tuple[int, int]:
    """``count`` documents (the reports of ``folder`` over and over) and ledger findings; returns
    the numbers of claims and findings stored."""
    from chanjia_nlp.subjects import annotate

    sources = [(doc, text, [dict(r) for r in annotate(list(rows))]) for doc, text, rows in originals(folder)]  # type: ignore[arg-type]
    run = st.begin_run("benchmarks/serve.py")
    claims = 0
    findings: list[dict[str, Any]] = []
    for n in range(count):
        document, text, rows = sources[n % len(sources)]
        doc_id = hashlib.sha256(f"{n}:{document['doc_id']}".encode()).hexdigest()
        path = f"district-{n // len(sources):04d}/{document['path']}"
        records = _moved([{**row, "doc_id": doc_id, "path": path} for row in rows], n // len(sources))
        st.write_document({**document, "doc_id": doc_id, "path": path, "text": text}, records, run)
        mine = [r for r in records if r.get("claim")]
        claims += len(mine)
        for k, claim in enumerate(mine[::10]):
            findings.append(_ledger_finding(claim, n, k))
    st.end_run(run, {"documents": count})
    for at in range(0, len(findings), 5000):
        st.write_findings(findings[at : at + 5000], run)
    return claims, len(findings)


def _ledger_finding(claim: dict[str, Any], n: int, k: int) -> dict[str, Any]:
    from chanjia_nlp.crosscheck.findings import finding

    verdict = ("consistent", "inconsistent", "unsupported", "consistent_within_qualifier", "ambiguous")[(n + k) % 5]
    value = Decimal(str(claim["value"])) if claim.get("value") is not None else None
    span = {key: claim[key] for key in ("doc_id", "path", "start", "end", "text")}
    found = finding(check="ledger", verdict=verdict, message=f"台账 row {k + 2}", indicator=claim.get("indicator"),
                   subject=claim.get("subject"), subject_code=claim.get("subject_code"), period=claim.get("period"),
                   expected=value, observed=value,
                   gap=Decimal(0) if value is not None else None, doc_id=claim["doc_id"], path=claim["path"],
                   evidence=[{**span, "role": "supports"}],
                   ledger={"file": "台账.xlsx", "sheet": f"sheet{n % 7}", "row": n * 10 + k, "column": "D",
                           "cell": f"D{n * 10 + k}", "value": str(value)})
    # about the district the claim was moved to (the subject's text still names the report's own)
    found.update(subject_code=claim.get("subject_code"), subject_name=claim.get("subject_name"))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(args: list[str], log: Path) -> Iterator[str]:
    """``chanjia serve`` as its own process (its messages to ``log``); yields its base URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    stream = log.open("w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "chanjia_nlp", "serve", *args, "--port", str(port),
                                "--insecure-cookies"], env=env, stdout=subprocess.DEVNULL, stderr=stream)
    try:
        deadline = time.monotonic() + 180  # it makes the biggest districts' pages first (up to 15 s)
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"chanjia serve did not start: {log.read_text(encoding='utf-8')}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        stream.close()


class Run:
    """What the reviewers measured and what the server acknowledged."""

    def __init__(self) -> None:
        self.pages: list[float] = []
        self.decisions: list[float] = []
        self.by_page: dict[str, list[float]] = {}
        self.stored: list[tuple[str, str, int, str]] = []  # (reviewer, what, version, action)
        self.refused: list[tuple[str, str, int]] = []
        self.errors: list[str] = []

        self.rounds: dict[int, list[float]] = {}  # every latency by the reviewer's round

    def page(self, name: str, seconds: float, round_: int = 0) -> None:
        self.pages.append(seconds)
        self.by_page.setdefault(name, []).append(seconds)
        self.rounds.setdefault(round_, []).append(seconds)


async def _get(client: Any, url: str, run: Run, name: str, round_: int = 0) -> str:
    import httpx

    start = time.perf_counter()
    try:
        answer = await client.get(url)
    except httpx.HTTPError as exc:
        run.errors.append(f"GET {url}: {exc!r}")
        return ""
    run.page(name, time.perf_counter() - start, round_)
    if answer.status_code != 200:
        run.errors.append(f"GET {url}: {answer.status_code}")
    return answer.text


async def _decide(client: Any, url: str, data: dict[str, str], run: Run, who: str, what: str,
                  round_: int = 0) -> None:
    import httpx

    start = time.perf_counter()
    try:
        answer = await client.post(url, data=data)
    except httpx.HTTPError as exc:
        run.errors.append(f"POST {url}: {exc!r}")
        return
    run.decisions.append(time.perf_counter() - start)
    run.rounds.setdefault(round_, []).append(run.decisions[-1])
    version = int(data["version"]) + 1
    if answer.status_code == 303:
        run.stored.append((who, what, version, data["action"]))
    elif answer.status_code == 409:
        run.refused.append((who, what, version))
    else:
        run.errors.append(f"POST {url}: {answer.status_code}")


async def reviewer(base: str, who: str, n: int, figures: list[str], shared: list[str], findings: list[str],
                   districts: list[tuple[str, str]], rounds: int, run: Run, gate: asyncio.Barrier,
                   think: float, salt: int = 0) -> None:
    import random

    import httpx

    rng = random.Random(n)

    async def read() -> None:
        if think:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    # idle connections are dropped after 4 s, before the server's 5 s keep-alive ends them under a request
    limits = httpx.Limits(keepalive_expiry=4)
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False, limits=limits) as client:
        token = RE_CSRF.search((await client.get("/login")).text).group(1)  # type: ignore[union-attr]
        signed = await client.post("/login", data={"name": who, "password": PASSWORD, "csrf": token})
        if signed.status_code != 303:
            run.errors.append(f"{who} could not sign in: {signed.status_code}")
            return
        await gate.wait()  # everyone signed in (argon2 is slow on purpose): measure from here
        await asyncio.sleep(think * rng.random())  # reviewers do not all start in the same millisecond
        for r in range(rounds):
            district = districts[n % len(districts)]
            listing = await _get(client, f"/claims?subject={district[1]}&page={1 + r}", run, "claims page", r)
            await read()
            figure = figures[r] if r % 5 else shared[(n // 2) % len(shared)]  # a pair of reviewers on one figure
            page = await _get(client, figure, run, "figure page", r)
            await read()
            found, csrf = RE_VERSION.search(page), RE_CSRF.search(page)
            if found is None or csrf is None:
                continue
            version, token = found.group(1), csrf.group(1)
            action = ("confirm", "correct", "reject")[(n + r) % 3]
            data = {"csrf": token, "version": version, "action": action, "note": f"{who} round {r}"}
            if action == "correct":  # a value no earlier run of a kept database gave: a correction changes something
                data["value"] = str(1000 + n * 10 + r + 1000 * salt)
            await _decide(client, figure, data, run, who, figure, r)
            await _get(client, f"/district/{district[0]}", run, "district page", r)
            await read()
            finding = findings[n * rounds + r]
            page = await _get(client, finding, run, "finding page", r)
            await read()
            found = RE_VERSION.search(page)
            if found is None:
                continue
            version = found.group(1)
            await _decide(client, finding, {"csrf": token, "version": version, "action": "confirm"}, run, who, finding,
                          r)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.1f} ms, p95 {_p95(values) * 1000:6.1f} ms (n={len(values)})"


def lost_reviews(st: Any, run: Run, after: tuple[int, int]) -> list[str]:
    """Every acknowledged decision stored once as sent, no refused one stored; what is not
    (decisions stored before the run, ids up to ``after``, are not looked at)."""
    problems = []
    stored: dict[tuple[str, int], tuple[str, str]] = {}
    for review in st.reviews():
        if review["id"] > after[0]:
            url = f"/figure/{review['doc_id']}/{review['start']}/{review['end']}"
            stored[(url, review["version"])] = (review["reviewer"], review["action"])
    for review in st.finding_reviews():
        if review["id"] > after[1]:
            stored[(f"/finding/{review['finding_id']}", review["version"])] = (review["reviewer"], review["action"])
    for who, what, version, action in run.stored:
        if stored.get((what, version)) != (who, action):
            problems.append(f"acknowledged but not stored: {who} {action} {what} v{version}")
    acknowledged = {(what, version) for _, what, version, _ in run.stored}
    for who, what, version in run.refused:
        if stored.get((what, version), ("",))[0] == who:
            problems.append(f"refused but stored: {who} {what} v{version}")
    if len(stored) != len(run.stored):
        problems.append(f"{len(stored)} decisions stored, {len(run.stored)} acknowledged")
    problems += [f"stored without acknowledgement: {k}" for k in stored if k not in acknowledged][:5]
    return problems


async def _all(base: str, st: Any, args: argparse.Namespace, run: Run) -> float:
    from sqlalchemy import select

    from chanjia_nlp.store.schema import findings as finding_table
    from chanjia_nlp.store.schema import quantities

    q = quantities.c
    with st.engine.connect() as conn:  # a correction gives a value: no ranges, no vague amounts
        keys = conn.execute(select(q.doc_id, q.start, q.end).where(
            q.claim.is_(True), q.superseded_by.is_(None), q.value.is_not(None),
            q.qualifier.not_in(["range", "vague"])).order_by(q.id)).all()
        ledger = conn.execute(select(finding_table.c.finding_id).where(finding_table.c.check == "ledger")
                              .order_by(finding_table.c.id)).scalars().all()
    urls = [f"/figure/{d}/{s}/{e}" for d, s, e in keys]
    step = max(1, len(urls) // (args.reviewers * args.rounds + 50))
    spread = urls[::step]
    shared, spread = spread[:args.rounds], spread[args.rounds:]
    findings = [f"/finding/{ident}" for ident in ledger][:: 7]
    from chanjia_nlp.subjects import rollup_code

    sizes: dict[str, int] = {}
    for code, _, claims in st.claim_counts():
        district = rollup_code(code, "district")
        if district:
            sizes[district] = sizes.get(district, 0) + claims
    from chanjia_nlp.subjects import divisions

    districts = [(code, divisions()[code].name) for code in sorted(sizes, key=lambda c: -sizes[c])[:5]]  # the biggest
    gate = asyncio.Barrier(args.reviewers + 1)
    salt = int(time.time()) % 9973 + 1
    tasks = []
    for n in range(args.reviewers):
        mine = spread[n * args.rounds: (n + 1) * args.rounds]
        # pairs of reviewers share a figure every fifth round: one wins, one is told
        tasks.append(asyncio.create_task(reviewer(base, f"reviewer{n:02d}", n, mine, shared, findings, districts,
                                                  args.rounds, run, gate, args.think, salt)))
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=120) as warm:  # compile each page's template once
        token = RE_CSRF.search((await warm.get("/login")).text).group(1)  # type: ignore[union-attr]
        await warm.post("/login", data={"name": "reviewer00", "password": PASSWORD, "csrf": token})
        for _ in range(3 * args.workers):  # each worker process, as far as the kernel spreads connections
            for url in ("/claims", urls[0], f"/district/{districts[0][0]}", findings[0]):
                await warm.get(url, headers={"connection": "close"})
    await asyncio.wait_for(gate.wait(), timeout=600)  # the reviewers start once all signed in and pages warmed
    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.timeout)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--think", type=float, default=2.0, help="seconds a reviewer reads between requests (mean)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds the whole run may take")
    parser.add_argument("--workers", type=int, default=1, help="chanjia serve --workers: server processes")
    parser.add_argument("--no-warm", action="store_true", help="chanjia serve --no-warm: the server makes no "
                        "district page before it answers (each district's first view makes it)")
    parser.add_argument("--db", help="a PostgreSQL URL (a fresh schema is made and dropped); default: SQLite")
    parser.add_argument("--schema", help="with --db: keep the tables in this schema (made once, used again, not "
                        "dropped) instead of a fresh one")
    parser.add_argument("--folder", type=Path, default=ROOT / "corpus")
    parser.add_argument("--keep", type=Path, help="keep the SQLite database here (made once, used again: the "
                        "figures then have decisions of earlier runs, so rounds find them at later versions)")
    args = parser.parse_args(argv)

    from chanjia_nlp.serve.auth import hash_password

    with contextlib.ExitStack() as stack:
        schema = None
        if args.db:
            import sqlalchemy

            url, schema = args.db, args.schema or f"bench_{uuid.uuid4().hex[:10]}"
            engine = sqlalchemy.create_engine(url)
            with engine.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

            def drop() -> None:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                engine.dispose()

            if args.schema is None:
                stack.callback(drop)
        else:
            url = str(args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory())) / "serve.sqlite")
        st = stack.enter_context(store.open(url, schema=schema, create=True))
        if not st.stats()["documents"]["ok"]:
            start = time.perf_counter()
            claims, found = fill(st, args.docs, args.folder)
            print(f"database: {args.docs:,} documents, {claims:,} claims, {found:,} ledger findings, "
                  f"made in {time.perf_counter() - start:.0f} s with Store.write_document")
        if st.engine.dialect.name == "postgresql":
            # The statistics PostgreSQL's autovacuum gathers after a bulk load (a server may run
            # without it, as the tests' does): without them the planner takes 10,000 documents
            # for 14 and a figure's page reads every document (50 ms instead of 1.5)
            from chanjia_nlp.store.schema import metadata

            with st.engine.begin() as conn:
                for table in metadata.sorted_tables:
                    conn.exec_driver_sql(f'ANALYZE "{schema}"."{table.name}"')
        else:
            print(f"database: {args.keep or schema} as it is ({st.stats()['documents']['ok']:,} documents)")
        password = hash_password(PASSWORD)
        for n in range(args.reviewers):
            if st.user(f"reviewer{n:02d}") is None:
                st.add_user(f"reviewer{n:02d}", password, "reviewer")
        before = (max((r["id"] for r in st.reviews()), default=0), max((r["id"] for r in st.finding_reviews()), default=0))
        serve_args = ["--db", url, *(["--schema", schema] if schema else []), "--workers", str(args.workers),
                      *(["--no-warm"] if args.no_warm else [])]
        run = Run()
        log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "serve.log"
        started = time.perf_counter()
        with server(serve_args, log) as base:
            print(f"server answering after {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f}")
            for line in log.read_text(encoding="utf-8").splitlines():
                if line.startswith("made the pages"):
                    print(f"  it {line}")
            took = asyncio.run(_all(base, st, args, run))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        print(f"{args.reviewers} reviewers × {args.rounds} rounds, {args.workers} server process(es) (reading {args.think:g} s on average between "
              f"requests) in {took:.1f} s "
              f"({len(run.pages) + len(run.decisions)} requests, {(len(run.pages) + len(run.decisions)) / took:.1f}/s)")
        for name, values in sorted(run.by_page.items()):
            print(f"  {name:>14}: {_ms(values)}")
        print(f"  {'all pages':>14}: {_ms(run.pages)}")
        print(f"  {'decisions':>14}: {_ms(run.decisions)}")
        print("  by round (every request; round 1 opens each district's claims and page first after the start):")
        for r, values in sorted(run.rounds.items()):
            print(f"  {'round ' + str(r + 1):>14}: {_ms(values)}")
        print(f"stored {len(run.stored)} decisions, refused {len(run.refused)} as stale (two reviewers on one figure)")
        problems = run.errors + lost_reviews(st, run, before)
        for problem in problems[:20]:
            print("PROBLEM:", problem)
        if problems and log.read_text(encoding="utf-8").strip():
            print("the server said:", log.read_text(encoding="utf-8")[-3000:])
        print("no review lost" if not problems else f"{len(problems)} problems")
        worst = max(_p95(run.pages), _p95(run.decisions))
        print(f"target: p95 under 300 ms: {'met' if worst < 0.3 else 'NOT met'} (worst p95 {worst * 1000:.0f} ms)")
        return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
