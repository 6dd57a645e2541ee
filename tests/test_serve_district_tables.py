"""A district's table kept by the store and brought up to date row by row after decisions
(``Store.district_table``) is the table made from scratch, whatever the decisions; and the
district page a long-running server shows after them is the page a server started after them
shows."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

from chanjia_nlp import store
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.store.reviews import ReviewConflict
from chanjia_nlp.store.schema import quantities

from .conftest import fresh_pg_schema
from .serve_samples import HOSTILE_NAME
from .serve_samples import REPORTS as SAMPLE_REPORTS

pytest.importorskip("starlette", reason="pip install -e '.[test]' installs the serve extra")

HUISHAN = "320206"
REPORTS = {
    # the browser tests' sample reports (two districts), and two more reports of 惠山区
    **{name: text for name, text in SAMPLE_REPORTS.items() if name != HOSTILE_NAME},
    "huishan_2022_h1.txt": (
        "惠山区产改工作简报（2022年第2期）\n\n"
        "截至2022年6月，惠山区共有省级试点单位20家。\n"
        "2022年上半年，惠山区新增高技能人才500名，开展职业技能培训1800人次。\n"
    ),
    "huishan_2023.txt": (
        "惠山区总工会2023年工作总结\n\n"
        "2023年，惠山区新增高技能人才1500名，力争2024年新增高技能人才2000名以上。\n"
        "截至2023年底，惠山区共有省级试点单位30家，其中市级试点单位12家。\n"
    ),
}
CHANGES = {
    "value": st_.integers(1, 99_999).map(str),
    "subject": st_.sampled_from(["惠山区", "梁溪区", "锡山区", "惠山区总工会"]),
    "indicator": st_.sampled_from(["pilot_units", "high_skilled_talent", "training_participants", "other"]),
    "period": st_.sampled_from(["2021", "2022", "2022-06", "2023", "2024"]),
    "scope": st_.sampled_from(["as_of", "increment", "annual", "cumulative"]),
    "target": st_.booleans(),
    "qualifier": st_.sampled_from(["exact", "approx", "more_than"]),
}
DECISION = st_.tuples(
    st_.integers(0, 10**6),  # which figure (of all quantities, claims or not)
    st_.sampled_from(["confirm", "reject", "correct", "correct", "correct"]),
    st_.fixed_dictionaries({}, optional=CHANGES),
)


def _extract(folder: Path, target: list[str]) -> None:
    from click.testing import CliRunner

    from chanjia_nlp.cli import cli

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(folder), *target, "--quiet"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A SQLite database of the reports, copied for each example."""
    path = tmp_path_factory.mktemp("district-tables") / "made.sqlite"
    _extract(path.parent / "reports", ["--db", str(path)])
    return path


def _figures(st) -> list[tuple[str, int, int]]:
    q = quantities.c
    with st.engine.connect() as conn:
        rows = conn.execute(quantities.select().with_only_columns(q.doc_id, q.start, q.end)
                            .where(q.superseded_by.is_(None)).order_by(q.path, q.start)).all()
    return [tuple(row) for row in rows]


def _decide(st, figures, decision) -> bool:
    which, action, changes = decision
    key = figures[which % len(figures)]
    figure = st.figure(*key)
    try:
        st.review(*key, action, reviewer="alice", based_on=figure["version"],
                  changes=changes if action == "correct" and changes else None)
    except (ConfigError, ReviewConflict):  # no change given, or a value a range cannot take
        return False
    return True


def _fresh(url: str, schema: str | None = None) -> list[dict]:
    with store.open(url, schema=schema) as fresh:
        return fresh.district_table(HUISHAN)[1]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decisions=st_.lists(DECISION, min_size=1, max_size=12))
def test_a_kept_table_after_decisions_is_the_table_made_from_scratch(made, tmp_path, decisions):
    path = tmp_path / f"copy-{random.getrandbits(64)}.sqlite"
    shutil.copy(made, path)
    with store.open(str(path)) as st:
        figures = _figures(st)
        token, rows = st.district_table(HUISHAN)
        assert rows == _fresh(str(path))
        for decision in decisions:
            if not _decide(st, figures, decision):
                continue
            before = rows
            token_was = token
            token, rows = st.district_table(HUISHAN)
            assert rows == _fresh(str(path))
            if rows != before:
                assert token != token_was  # what is made from the table is made again
    path.unlink()


def test_a_kept_table_follows_decisions_on_postgresql_too(tmp_path):
    with fresh_pg_schema() as (url, schema):
        _extract(tmp_path / "reports", ["--db", url, "--schema", schema])
        with store.open(url, schema=schema) as st:
            figures = _figures(st)
            rng = random.Random(16)
            assert st.district_table(HUISHAN)[1] == _fresh(url, schema)
            for n in range(20):
                changes = {"subject": rng.choice(["惠山区", "梁溪区"])} if n % 3 else {"period": rng.choice(["2022", "2023"])}
                _decide(st, figures, (rng.randrange(len(figures)), rng.choice(["confirm", "correct", "reject"]), changes))
                assert st.district_table(HUISHAN)[1] == _fresh(url, schema)


def _district_body(page: str) -> str:
    """The page without what differs by session (the CSRF token)."""
    return re.sub(r'name="csrf" value="[^"]+"', "", page)


def test_a_district_page_after_decisions_is_the_page_a_new_server_makes(made, tmp_path):
    from starlette.testclient import TestClient

    from chanjia_nlp.serve import create_app
    from chanjia_nlp.serve.auth import hash_password

    path = tmp_path / "page.sqlite"
    shutil.copy(made, path)
    with store.open(str(path)) as st:
        st.add_user("alice", hash_password("alice-password"), "reviewer")
        figures = _figures(st)

    def sign_in(client) -> None:
        page = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert client.post("/login", data={"name": "alice", "password": "alice-password", "csrf": token},
                           follow_redirects=False).status_code == 303

    urls = [f"/district/{HUISHAN}", f"/district/{HUISHAN}?year=2022", f"/district/{HUISHAN}?targets=exclude"]
    # made when the server starts, then kept and brought up to date
    with TestClient(create_app(str(path), warm=True), base_url="https://127.0.0.1") as running:
        sign_in(running)
        for url in urls:
            running.get(url)
        rng = random.Random(7)
        with store.open(str(path)) as st:
            for n in range(12):
                changes = [{"subject": "梁溪区"}, {"subject": "惠山区"}, {"value": str(rng.randint(1, 9999))},
                           {"period": "2023"}, {"scope": "as_of"}][n % 5]
                _decide(st, figures, (rng.randrange(len(figures)), ["correct", "confirm", "reject"][n % 3], changes))
                if n % 4 == 3:
                    with TestClient(create_app(str(path), warm=False), base_url="https://127.0.0.1") as new:
                        sign_in(new)
                        for url in urls:
                            assert _district_body(running.get(url).text) == _district_body(new.get(url).text)
