"""What lets ``chanjia serve`` answer many reviewers at once (issue 16): what is made once and kept
until the database changes (and made again when it does), decisions read as far as they grew,
and several server processes sharing one signing key."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import pytest

from chanjia_nlp import store
from chanjia_nlp.store.memo import Memo
from chanjia_nlp.store.schema import reviews

from .conftest import fresh_pg_schema
from .serve_samples import fill, serve_process

pytest.importorskip("starlette", reason="pip install -e '.[test]' installs the serve extra")

HUISHAN = "320206"


def test_a_memo_makes_a_value_once_however_many_threads_ask_at_once():
    made: list[int] = []
    gate = threading.Barrier(8)
    memo: Memo[int] = Memo(size=4)

    def make() -> int:
        made.append(1)
        time.sleep(0.05)  # the others ask while this one makes it
        return 42

    def ask(found: list[int]) -> None:
        gate.wait()
        found.append(memo.get("key", make))

    found: list[int] = []
    threads = [threading.Thread(target=ask, args=(found,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert found == [42] * 8 and made == [1]
    for n in range(5):  # full: the least recently used value is dropped, the new one kept
        memo.get(n, lambda n=n: n)
    assert memo.get("key", lambda: 7) == 7 and memo.get(4, lambda: -1) == 4


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """``(url, schema)`` of a database holding the sample reports."""
    if request.param == "sqlite":
        url = str(tmp_path / "scale.sqlite")
        fill(["--db", url], tmp_path / "reports")
        yield url, None
    else:
        with fresh_pg_schema() as (url, schema):
            fill(["--db", url, "--schema", schema], tmp_path / "reports")
            yield url, schema


def _figures(st, n: int) -> list[tuple[str, int, int]]:
    frame = st.claims()
    return [(r.doc_id, int(r.start), int(r.end)) for r in frame.itertuples()][:n]


def _raw_review(conn, ident: int, key: tuple[str, int, int], version: int, action: str) -> None:
    """A decision written as another process (or a transaction that took a lower id) would."""
    conn.execute(reviews.insert().values(
        id=ident, doc_id=key[0], path="x", start=key[1], end=key[2], text="x", version=version, action=action,
        reviewer="bob", reviewed_at=datetime.now(UTC), before={}, after=None if action == "reject" else {},
        note=None, source="serve"))


def test_decisions_read_as_far_as_they_grew_equal_a_fresh_read(target):
    url, schema = target
    with store.open(url, schema=schema) as st, store.open(url, schema=schema) as other:
        a, b, c = _figures(st, 3)
        assert st.latest_reviews() == {}
        st.review(*a, "confirm", reviewer="alice", based_on=0)
        assert set(st.latest_reviews()) == {a}
        other.review(*b, "reject", reviewer="bob", based_on=0)  # another process's decision
        other.review(*a, "correct", reviewer="bob", based_on=1, changes={"value": "26"})
        latest = st.latest_reviews()
        assert {k: (r["version"], r["action"]) for k, r in latest.items()} == {a: (2, "correct"), b: (1, "reject")}
        top = max(r["id"] for r in st.reviews())
        with st.engine.begin() as conn:  # an id above the last read, then a lower one committed after it
            _raw_review(conn, top + 10, c, 1, "confirm")
        assert st.latest_reviews()[c]["id"] == top + 10
        with st.engine.begin() as conn:
            _raw_review(conn, top + 5, c, 2, "reject")
        with store.open(url, schema=schema) as fresh:
            assert st.latest_reviews() == fresh.latest_reviews()
        assert st.latest_reviews()[c]["action"] == "reject"
        with store.open(url, schema=schema) as fresh:
            assert st.latest_reviews(doc_ids=[b[0]]) == fresh.latest_reviews(doc_ids=[b[0]])


def test_claims_pages_follow_decisions_made_by_another_process(target):
    url, schema = target
    with store.open(url, schema=schema) as st, store.open(url, schema=schema) as other:
        a, b = _figures(st, 2)
        before, total = st.claims_page(0, 200)
        other.review(*a, "correct", reviewer="bob", based_on=0, changes={"value": "7"})
        rows, after = st.claims_page(0, 200)
        assert after == total and [r["value"] for r in rows if (r["doc_id"], r["start"], r["end"]) == a] == [7]
        other.review(*b, "reject", reviewer="bob", based_on=0)
        rows, after = st.claims_page(0, 200)
        assert after == total - 1 and b not in {(r["doc_id"], r["start"], r["end"]) for r in rows}
        assert after == len(st.claims())


def _assessment(page: str) -> str:
    """The district page's assessment table."""
    return page.split('<table id="assessment"', 1)[1].split("</table>", 1)[0]


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_district_page_is_made_again_after_a_decision_on_one_of_its_figures(tmp_path):
    from starlette.testclient import TestClient

    from chanjia_nlp.serve import create_app
    from chanjia_nlp.serve.auth import hash_password

    url = str(tmp_path / "district.sqlite")
    fill(["--db", url], tmp_path / "reports")
    with store.open(url) as st:
        st.add_user("alice", hash_password("alice-password"), "reviewer")
        [row] = [r for r in st.region_table(HUISHAN) if r["indicator"] == "pilot_units"]
        [span] = row["evidence"]
        doc_id = st.current_doc_ids([span["path"]])[span["path"]]
    app = create_app(url, lang="zh")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        c.post("/login", data={"name": "alice", "password": "alice-password", "csrf": _csrf(c.get("/login").text)})
        first = c.get(f"/district/{HUISHAN}").text
        assert "25" in _assessment(first) and "alice" not in _assessment(first)
        assert c.get(f"/district/{HUISHAN}").text == first  # kept: the same page
        figure = f"/figure/{doc_id}/{span['start']}/{span['end']}"
        done = c.post(figure, data={"csrf": _csrf(c.get(figure).text), "version": "0", "action": "correct",
                                    "value": "27"})
        assert done.status_code == 303
        again = c.get(f"/district/{HUISHAN}").text
        assert "27" in _assessment(again) and "alice" in _assessment(again)
        rejected = c.post(figure, data={"csrf": _csrf(c.get(figure).text), "version": "1", "action": "reject"})
        assert rejected.status_code == 303
        assert not [r for r in app.state.store.region_table(HUISHAN) if r["indicator"] == "pilot_units"
                    and r.get("text") == span.get("text")]
        assert "alice" not in _assessment(c.get(f"/district/{HUISHAN}").text)


@pytest.mark.slow
def test_several_server_processes_share_sessions_and_store_every_decision(tmp_path):
    import httpx

    from chanjia_nlp.serve.auth import hash_password

    url = str(tmp_path / "workers.sqlite")
    fill(["--db", url], tmp_path / "reports")
    with store.open(url) as st:
        st.add_user("alice", hash_password("alice-password"), "reviewer")
        keys = _figures(st, 3)
    with serve_process(["--db", url, "--workers", "2", "--insecure-cookies"]) as (base, process):
        # a new connection for each request: the kernel hands them to either process
        with httpx.Client(base_url=base, headers={"connection": "close"}, follow_redirects=False) as c:
            token = _csrf(c.get("/login").text)
            assert c.post("/login", data={"name": "alice", "password": "alice-password", "csrf": token}).status_code == 303
            for _ in range(12):
                assert c.get(f"/district/{HUISHAN}").status_code == 200  # the session is good in each process
            for key in keys:
                page = c.get(f"/figure/{key[0]}/{key[1]}/{key[2]}").text
                answer = c.post(f"/figure/{key[0]}/{key[1]}/{key[2]}",
                                data={"csrf": _csrf(page), "version": "0", "action": "confirm"})
                assert answer.status_code == 303
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "with 2 processes" in output
    with store.open(url) as st:
        assert sorted((r["doc_id"], r["start"], r["end"]) for r in st.reviews()) == sorted(keys)
