"""Review decisions (issue 16): the store's reviews on SQLite and PostgreSQL (history, optimistic
concurrency with two writers at once, reviewed values winning in claims and the table), the
server's guards through Starlette's test client, accounts, and the export as gold."""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal

import pytest
from click.testing import CliRunner

from chanjia_nlp import store
from chanjia_nlp.cli import cli
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.store.reviews import ReviewConflict

from .conftest import ROOT, SHARED, fresh_pg_schema
from .serve_samples import fill

pytest.importorskip("starlette", reason="pip install -e '.[test]' installs the serve extra")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """``(cli args, url, schema)`` of a database holding the sample reports."""
    if request.param == "sqlite":
        url = str(tmp_path / "review.sqlite")
        fill(["--db", url], tmp_path / "reports")
        yield ["--db", url], url, None
    else:
        with fresh_pg_schema() as (url, schema):
            fill(["--db", url, "--schema", schema], tmp_path / "reports")
            yield ["--db", url, "--schema", schema], url, schema


@pytest.fixture
def opened(db_url):
    _, url, schema = db_url
    with store.open(url, schema=schema, create=True) as st:
        yield st


def _claim(st, text: str):
    frame = st.claims()
    row = frame[frame["text"] == text].iloc[0]
    return row["doc_id"], int(row["start"]), int(row["end"])


@pytest.mark.slow
def test_decisions_are_kept_with_history_and_reviewed_values_win(opened):
    key = _claim(opened, "1200余名")
    assert opened.figure(*key)["version"] == 0
    opened.review(*key, "confirm", reviewer="alice", based_on=0, note="checked against the 台账")
    opened.review(*key, "correct", reviewer="bob", based_on=1, changes={"value": "1250", "qualifier": "exact"})
    history = opened.reviews(*key)
    assert [(h["version"], h["action"], h["reviewer"]) for h in history] == [
        (1, "confirm", "alice"), (2, "correct", "bob")]
    assert history[0]["note"] == "checked against the 台账" and history[0]["text"] == "1200余名"
    assert history[1]["before"]["value"] == "1200" and history[1]["before"]["qualifier"] == "more_than"
    assert history[1]["after"]["value"] == "1250" and history[1]["after"]["low"] == "1250"
    claims = opened.claims(subject="惠山", indicator="high_skilled_talent")
    [row] = claims.to_dict("records")
    assert row["value"] == Decimal("1250") and row["reviewed_by"] == "bob" and row["review"] == "correct"
    table = opened.table().to_dict("records")
    [huishan] = [r for r in table if r["region"] == "惠山区" and r["indicator"] == "high_skilled_talent"]
    assert huishan["value"] == Decimal("1250") and huishan["reviewed_by"] == "bob"
    untouched = [r for r in table if r["region"] == "梁溪区" and r["indicator"] == "high_skilled_talent"]
    assert untouched[0]["reviewed_by"] is None


@pytest.mark.slow
def test_a_rejected_figure_leaves_the_claims_and_the_table(opened):
    key = _claim(opened, "25家")
    before = {(r["region"], r["indicator"]) for r in opened.table().to_dict("records")}
    assert ("惠山区", "pilot_units") in before
    opened.review(*key, "reject", reviewer="alice", based_on=0, note="counted twice")
    assert "25家" not in set(opened.claims()["text"])
    after = {(r["region"], r["indicator"]) for r in opened.table().to_dict("records")}
    assert before - after == {("惠山区", "pilot_units")}
    assert opened.figure(*key)["reviewed"] is None


@pytest.mark.slow
def test_a_corrected_indicator_moves_the_claim_between_filters(opened):
    key = _claim(opened, "3260人次")
    opened.review(*key, "correct", reviewer="alice", based_on=0, changes={"indicator": "activity_participants"})
    assert opened.claims(indicator="training_participants").empty
    moved = opened.claims(indicator="activity_participants", period="2022")
    assert list(moved["text"]) == ["3260人次"] and list(moved["reviewed_by"]) == ["alice"]


@pytest.mark.slow
def test_a_stale_decision_is_refused_and_nothing_is_overwritten(opened):
    key = _claim(opened, "860名")
    opened.review(*key, "correct", reviewer="alice", based_on=0, changes={"value": "870"})
    with pytest.raises(ReviewConflict, match="alice already decided"):
        opened.review(*key, "correct", reviewer="bob", based_on=0, changes={"value": "880"})
    assert [h["reviewer"] for h in opened.reviews(*key)] == ["alice"]
    assert opened.figure(*key)["reviewed"]["value"] == "870"


@pytest.mark.slow
@pytest.mark.parametrize("bad, message", [
    ({"qualifier": "roughly"}, "qualifier"), ({"period": "last year"}, "period"), ({"indicator": "nope"}, "indicator"),
    ({"value": "12abc"}, "not a number"), ({"kind": "count"}, "field"),
])
def test_a_correction_with_a_bad_field_is_refused_with_the_valid_values(opened, bad, message):
    key = _claim(opened, "14家")
    with pytest.raises(ConfigError, match=message):
        opened.review(*key, "correct", reviewer="alice", based_on=0, changes=bad)
    assert opened.reviews(*key) == []


@pytest.mark.slow
def test_two_writers_at_once_on_postgresql_one_wins_one_is_told(tmp_path):
    with fresh_pg_schema() as (url, schema):
        fill(["--db", url, "--schema", schema], tmp_path / "reports")
        with store.open(url, schema=schema, create=True) as first, store.open(url, schema=schema, create=True) as second:
            key = _claim(first, "14家")
            barrier = threading.Barrier(2)
            outcomes: dict[str, str] = {}

            def decide(st, name: str, value: str) -> None:
                barrier.wait()
                try:
                    st.review(*key, "correct", reviewer=name, based_on=0, changes={"value": value})
                    outcomes[name] = "stored"
                except ReviewConflict:
                    outcomes[name] = "conflict"

            threads = [threading.Thread(target=decide, args=(first, "alice", "15")),
                       threading.Thread(target=decide, args=(second, "bob", "16"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(outcomes.values()) == ["conflict", "stored"]
            [kept] = first.reviews(*key)
            winner = next(name for name, what in outcomes.items() if what == "stored")
            assert kept["reviewer"] == winner and kept["after"]["value"] == {"alice": "15", "bob": "16"}[winner]


# -- accounts and the command line ----------------------------------------------------------------


@pytest.mark.slow
def test_users_add_hashes_the_password_and_refuses_bad_input(db_url):
    args, url, schema = db_url
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "alice", *args, "--password-stdin"], input="correct horse\n")
    assert added.exit_code == 0, added.output
    with store.open(url, schema=schema, create=True) as st:
        user = st.user("alice")
    assert user["role"] == "reviewer" and user["password_hash"].startswith("$argon2")
    assert "correct horse" not in user["password_hash"]
    again = runner.invoke(cli, ["users", "add", "alice", *args, "--password-stdin"], input="another one\n")
    assert _refused(again, "there is a user alice already")
    short = runner.invoke(cli, ["users", "add", "bob", *args, "--password-stdin"], input="short\n")
    assert _refused(short, "shorter than 8")
    bad = runner.invoke(cli, ["users", "add", "<b>", *args, "--password-stdin"], input="long enough\n")
    assert _refused(bad, "is invalid")
    with store.open(url, schema=schema, create=True) as st:
        assert [u["name"] for u in st.users()] == ["alice"]


def _refused(result, message: str) -> bool:
    """The command stopped with a ChanjiaError saying ``message``: one ``Error: …`` line, exit code 2."""
    return result.exit_code == 2 and result.output.startswith("Error: ") and message in result.output


def test_serve_refuses_a_public_address_without_allow_remote(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.sqlite"), "--host", "0.0.0.0"])
    assert _refused(result, "--allow-remote")


# -- the server's guards ------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path, request):
    """A signed-out test client of a server on the samples, its pages in English (``lang`` by
    indirect parametrization: ``zh`` for the default)."""
    from starlette.testclient import TestClient

    from chanjia_nlp.serve import create_app
    from chanjia_nlp.serve.auth import hash_password

    url = str(tmp_path / "review.sqlite")
    fill(["--db", url], tmp_path / "reports")
    with store.open(url, create=True) as st:
        st.add_user("alice", hash_password("alice-password"), "reviewer")
        st.add_user("vic", hash_password("viewer-password"), "viewer")
    app = create_app(url, lang=getattr(request, "param", "en"))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c, app.state.store


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _sign_in(c, name: str, password: str):
    token = _csrf(c.get("/login").text)
    return c.post("/login", data={"name": name, "password": password, "csrf": token})


@pytest.mark.slow
def test_nothing_answers_without_a_session(client):
    c, st = client
    key = _claim(st, "25家")
    for path in ("/", "/claims", "/documents", "/table", "/findings", f"/figure/{key[0]}/{key[1]}/{key[2]}"):
        answer = c.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    assert c.get("/api/claims").status_code == 401
    assert c.post(f"/api/figure/{key[0]}/{key[1]}/{key[2]}", json={"action": "confirm", "version": 0}).status_code == 401
    assert st.reviews() == []


@pytest.mark.slow
def test_sign_in_sets_a_strict_http_only_secure_cookie_and_checks_the_password(client):
    c, _ = client
    assert _sign_in(c, "alice", "wrong-password").status_code == 401
    assert _sign_in(c, "nobody", "alice-password").status_code == 401
    answer = _sign_in(c, "alice", "alice-password")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    page = c.get("/claims")
    assert page.status_code == 200 and "1200余名" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


@pytest.mark.slow
def test_every_post_needs_the_csrf_token(client):
    c, st = client
    _sign_in(c, "alice", "alice-password")
    key = _claim(st, "25家")
    url = f"/figure/{key[0]}/{key[1]}/{key[2]}"
    assert c.post(url, data={"action": "confirm", "version": "0"}).status_code == 403
    assert c.post(url, data={"action": "confirm", "version": "0", "csrf": "forged"}).status_code == 403
    assert c.post("/api" + url, json={"action": "confirm", "version": 0}).status_code == 403
    assert st.reviews() == []
    token = _csrf(c.get(url).text)
    assert c.post(url, data={"action": "confirm", "version": "0", "csrf": token}).status_code == 303
    assert [r["action"] for r in st.reviews()] == ["confirm"]


@pytest.mark.slow
def test_viewers_may_look_but_not_review(client):
    c, st = client
    _sign_in(c, "vic", "viewer-password")
    key = _claim(st, "25家")
    url = f"/figure/{key[0]}/{key[1]}/{key[2]}"
    page = c.get(url)
    assert page.status_code == 200 and "you may look but not review" in page.text
    token = _csrf(page.text)
    assert c.post(url, data={"action": "reject", "version": "0", "csrf": token}).status_code == 403
    assert c.post("/api" + url, json={"action": "reject", "version": 0}, headers={"x-csrf-token": token}).status_code == 403
    assert st.reviews() == []


@pytest.mark.slow
def test_a_stale_form_gets_409_with_the_other_decision_and_keeps_what_was_typed(client):
    c, st = client
    _sign_in(c, "alice", "alice-password")
    key = _claim(st, "860名")
    url = f"/figure/{key[0]}/{key[1]}/{key[2]}"
    token = _csrf(c.get(url).text)
    st.review(*key, "confirm", reviewer="bob", based_on=0)
    answer = c.post(url, data={"action": "correct", "version": "0", "csrf": token, "value": "999", "qualifier": "exact",
                               "note": "my note"})
    assert answer.status_code == 409
    assert "bob already decided" in answer.text and 'value="999"' in answer.text and "my note" in answer.text
    assert [r["reviewer"] for r in st.reviews(*key)] == ["bob"]


@pytest.mark.slow
def test_the_json_api_reviews_with_the_same_checks(client):
    c, st = client
    _sign_in(c, "alice", "alice-password")
    key = _claim(st, "14家")
    token = _csrf(c.get("/claims").text)
    url = f"/api/figure/{key[0]}/{key[1]}/{key[2]}"
    assert c.get(url).json()["version"] == 0
    done = c.post(url, json={"action": "correct", "version": 0, "changes": {"value": "15"}}, headers={"x-csrf-token": token})
    assert done.status_code == 200 and done.json()["version"] == 1
    stale = c.post(url, json={"action": "confirm", "version": 0}, headers={"x-csrf-token": token})
    assert stale.status_code == 409 and "alice already decided" in stale.json()["error"]
    assert c.post(url, json={"action": "destroy", "version": 1}, headers={"x-csrf-token": token}).status_code == 400


# -- the export as gold ---------------------------------------------------------------------------


@pytest.mark.slow
def test_reviews_export_writes_gold_that_the_scorer_and_the_trainer_read(opened, db_url, tmp_path):
    args, *_ = db_url
    opened.review(*_claim(opened, "1200余名"), "confirm", reviewer="alice", based_on=0)
    opened.review(*_claim(opened, "3260人次"), "correct", reviewer="alice", based_on=0,
                  changes={"indicator": "activity_participants", "scope": "cumulative"})
    opened.review(*_claim(opened, "860名"), "reject", reviewer="bob", based_on=0)
    out = tmp_path / "gold-export"
    result = CliRunner().invoke(cli, ["reviews", "export", "--format", "jsonl", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 reviewed figures of 2 documents (1 confirmed, 1 corrected, 1 rejected)" in result.output
    huishan = [json.loads(line) for line in (out / "gold" / "huishan_2022.jsonl").read_text(encoding="utf-8").splitlines()]
    assert huishan[0]["type"] == "document"
    by_text = {g["text"]: g for g in huishan[1:]}
    assert by_text["3260人次"]["indicator"] == "activity_participants" and by_text["3260人次"]["scope"] == "cumulative"
    assert by_text["1200余名"]["claim"] is True and by_text["1200余名"]["qualifier"] == "more_than"
    text = (out / "texts" / "huishan_2022.txt").read_text(encoding="utf-8")
    assert all(text[g["start"]:g["end"]] == g["text"] for g in huishan[1:])
    [rejected] = [json.loads(line) for line in (out / "gold" / "liangxi_2022.jsonl").read_text(encoding="utf-8").splitlines()][1:]
    assert rejected["text"] == "860名" and rejected["claim"] is False and rejected["indicator"] is None

    from chanjia_nlp.claims import train

    docs = train.gold_set("extra", out / "texts", out / "gold", out / "metadata.csv")
    assert {d.name for d in docs} == {"huishan_2022", "liangxi_2022"}
    assert {d.name: d.published for d in docs}["huishan_2022"] is None  # the samples state no date
    examples = train.collect(docs)
    assert "activity_participants" in {e.gold for e in examples.indicator}  # the corrected indicator is learned from

    import importlib.util

    spec = importlib.util.spec_from_file_location("train_binder", ROOT / "scripts" / "train_binder.py")
    trainer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trainer)
    assert [d.name for d in trainer.extra_sets([out])["extra-1"]] == ["huishan_2022", "liangxi_2022"]
    with pytest.raises(ValueError, match="no gold/ and texts/"):
        trainer.extra_sets([tmp_path])


@pytest.mark.slow
def test_the_shared_scorer_reads_the_exported_gold(opened, db_url, tmp_path):
    scorer = SHARED / "tools" / "score.py"
    if not scorer.is_file():
        pytest.skip("../shared/tools/score.py is not beside this checkout")
    import subprocess
    import sys

    args, *_ = db_url
    opened.review(*_claim(opened, "25家"), "confirm", reviewer="alice", based_on=0)
    out = tmp_path / "gold-export"
    assert CliRunner().invoke(cli, ["reviews", "export", *args, "--out", str(out)]).exit_code == 0
    pred = tmp_path / "pred.jsonl"
    with pred.open("w", encoding="utf-8") as stream:
        for record in opened.records(types=["document", "quantity"]):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    scored = subprocess.run([sys.executable, str(scorer), str(pred), str(out / "gold"), "--json"],
                            capture_output=True, text=True, check=False)
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout.splitlines()[0])  # then a summary line
    assert result["claim"]["gold"] == 1 and result["mention"]["gold"] == 1
