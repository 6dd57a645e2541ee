"""``chanjia serve`` in headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright),
against a real server process on a free port with a fresh SQLite database of the sample reports
(and, where ``CHANJIA_TEST_PG_URL`` is set, a fresh PostgreSQL schema): sign in, confirm, correct
(the assessment table shows the new value and who), reject (the row leaves the table), two
browsers on one figure (the second is told, nothing is lost), a hostile document stays inert.

The pages are in Chinese (the default). Screenshots at 1440×900 and 390×844 go to
``tests/artifacts/`` (not committed).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from chanjia_nlp import store

from .conftest import CHROMIUM, fresh_pg_schema
from .serve_samples import HOSTILE_NAME, fill, serve_process

pytestmark = pytest.mark.slow  # browsers / processes: deselect with -m 'not slow'

ARTIFACTS = Path(__file__).parent / "artifacts"

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
pytest.importorskip("starlette", reason="pip install -e '.[test]' installs the serve extra")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)", allow_module_level=True)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """``(base URL, store)`` of a server on a fresh database with the samples and two accounts."""
    from chanjia_nlp.serve.auth import hash_password

    folder = tmp_path_factory.mktemp("serve")
    if request.param == "sqlite":
        context = contextlib.nullcontext((str(folder / "review.sqlite"), None))
    else:
        if not os.environ.get("CHANJIA_TEST_PG_URL"):
            pytest.skip("set CHANJIA_TEST_PG_URL to run the browser tests on PostgreSQL")
        context = fresh_pg_schema()
    with context as (url, schema):
        args = ["--db", url, *(["--schema", schema] if schema else [])]
        fill(args, folder / "reports")
        with store.open(url, schema=schema, create=True) as st:
            st.add_user("alice", hash_password("alice-password"), "reviewer")
            st.add_user("bob", hash_password("bob-password1"), "reviewer")
            with serve_process(args, wait=30) as (base, _):
                yield base, st, request.param


def _page(browser, base: str, name: str, password: str, viewport=(1440, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(base + "/claims")
    assert "/login" in page.url  # no session: the sign-in page
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/claims")
    return context, page, problems


def _figure_url(st, text: str) -> str:
    frame = st.claims()
    row = frame[frame["text"] == text].iloc[0]
    return f"/figure/{row['doc_id']}/{int(row['start'])}/{int(row['end'])}"


def _table_row(page, base: str, region: str, indicator_id: str):
    page.goto(base + "/table")
    return page.locator("#assessment tbody tr", has=page.locator(f"text={indicator_id}")).filter(has_text=region)


def test_review_in_the_browser(served, browser):
    base, st, engine = served
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, problems = _page(browser, base, "alice", "alice-password")
    assert page.locator("#claims tbody tr").count() == 8
    page.screenshot(path=str(ARTIFACTS / f"serve-claims-1440-{engine}.png"), full_page=True)

    # confirm a figure
    page.goto(base + _figure_url(st, "1200余名"))
    page.fill("textarea[name=note]", "matches the 台账")
    page.click("button[value=confirm]")
    assert "这是第 1 项审核决定" in page.locator(".saved").inner_text()
    assert "已确认" in page.locator("#history").inner_text() and "matches the 台账" in page.locator("#history").inner_text()

    # correct one: the assessment table shows the corrected value and who made it
    page.goto(base + _figure_url(st, "25家"))
    page.fill("input[name=value]", "26")
    page.fill("textarea[name=note]", "the list has 26")
    page.click("button[value=correct]")
    assert page.locator(".saved").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"serve-figure-1440-{engine}.png"), full_page=True)
    row = _table_row(page, base, "惠山区", "pilot_units")
    assert row.locator("td.value").inner_text().startswith("26 ")
    assert row.locator("td.reviewed").inner_text() == "由 alice 审核"
    page.screenshot(path=str(ARTIFACTS / f"serve-table-1440-{engine}.png"), full_page=True)

    # reject one: it leaves the table
    assert _table_row(page, base, "梁溪区", "high_skilled_talent").count() == 1
    page.goto(base + _figure_url(st, "860名"))
    page.click("button[value=reject]")
    assert page.locator(".saved").count() == 1
    assert _table_row(page, base, "梁溪区", "high_skilled_talent").count() == 0
    assert page.locator("#assessment tbody tr").count() == 7

    # the phone layout
    context.close()
    phone, small, phone_problems = _page(browser, base, "alice", "alice-password", viewport=(390, 844))
    small.goto(base + _figure_url(st, "25家"))
    small.screenshot(path=str(ARTIFACTS / f"serve-figure-390-{engine}.png"), full_page=True)
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone: tables scroll in their own box
    small.goto(base + "/table")
    small.screenshot(path=str(ARTIFACTS / f"serve-table-390-{engine}.png"), full_page=True)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
    assert problems == [] and phone_problems == []
    decisions = [(r["text"], r["action"], r["reviewer"]) for r in st.reviews()]
    assert decisions == [("1200余名", "confirm", "alice"), ("25家", "correct", "alice"), ("860名", "reject", "alice")]


def test_two_reviewers_on_one_figure_the_second_is_told_and_nothing_is_lost(served, browser):
    base, st, engine = served
    first_context, first, _ = _page(browser, base, "alice", "alice-password")
    second_context, second, _ = _page(browser, base, "bob", "bob-password1")
    url = base + _figure_url(st, "14家")
    first.goto(url)
    second.goto(url)  # both see version 0
    first.fill("input[name=value]", "15")
    first.click("button[value=correct]")
    assert first.locator(".saved").count() == 1
    second.fill("input[name=value]", "16")
    second.fill("textarea[name=note]", "bob's reading")
    response = []
    second.on("response", lambda r: response.append(r.status) if r.request.method == "POST" else None)
    second.click("button[value=correct]")
    problem = second.locator("#problem").inner_text()
    assert response == [409]
    assert "alice 在您打开此页后已作出决定（已更正" in problem and "没有覆盖任何内容" in problem
    assert second.locator("input[name=value]").input_value() == "16"  # what bob typed is still there
    assert second.locator("textarea[name=note]").input_value() == "bob's reading"
    assert "alice" in second.locator("#history").inner_text()
    second.screenshot(path=str(ARTIFACTS / f"serve-conflict-1440-{engine}.png"), full_page=True)
    frame = st.claims(indicator="pilot_units", subject="梁溪")
    assert list(frame["value"].map(str)) == ["15"] and list(frame["reviewed_by"]) == ["alice"]
    # bob decides again on what he now sees: stored on top, alice's decision kept in the history
    second.click("button[value=correct]")
    assert second.locator(".saved").count() == 1
    figure = _figure_url(st, "14家").split("/")[2:]
    assert [r["reviewer"] for r in st.reviews(figure[0], int(figure[1]), int(figure[2]))] == ["alice", "bob"]
    first_context.close()
    second_context.close()


def test_requests_without_a_session_or_csrf_token_are_refused(served, browser):
    base, st, _ = served
    anonymous = browser.new_context()
    api = anonymous.request
    assert api.get(base + "/api/claims").status == 401
    assert api.get(base + "/table", max_redirects=0).status == 303
    url = _figure_url(st, "3260人次")
    assert api.post(base + url, form={"action": "reject", "version": "0"}, max_redirects=0).status in (303, 401)
    anonymous.close()
    context, page, _ = _page(browser, base, "alice", "alice-password")
    signed_in = context.request  # the session cookie, but no CSRF token
    answer = signed_in.post(base + url, form={"action": "reject", "version": "0"}, max_redirects=0)
    assert answer.status == 403
    assert "3260人次" in set(st.claims()["text"])
    context.close()


def test_a_hostile_document_stays_inert(served, browser):
    base, st, _ = served
    context, page, problems = _page(browser, base, "alice", "alice-password")
    page.goto(base + "/documents")
    assert HOSTILE_NAME in page.locator("body").inner_text()  # shown as text
    page.click("a:has-text('锡山区工作简报')")
    assert "<script>window.__pwned=1</script>" in page.locator(".text").inner_text()
    for path in ("/claims", "/table", _figure_url(st, "415名")):
        page.goto(base + path)
        assert page.evaluate("window.__pwned") is None, path
    assert page.locator("img, svg").count() == 0
    assert problems == []
    context.close()


# -- the district pages and 台账 findings ----------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def checked_server(request, tmp_path_factory):
    """``(base URL, store, engine)`` of a server on the sample corpus checked against the sample 台账."""
    from chanjia_nlp.serve.auth import hash_password

    from .test_serve_districts import _fill

    folder = tmp_path_factory.mktemp("districts")
    if request.param == "sqlite":
        context = contextlib.nullcontext((str(folder / "c.sqlite"), None))
    else:
        if not os.environ.get("CHANJIA_TEST_PG_URL"):
            pytest.skip("set CHANJIA_TEST_PG_URL to run the browser tests on PostgreSQL")
        context = fresh_pg_schema()
    with context as (url, schema):
        args = ["--db", url, *(["--schema", schema] if schema else [])]
        _fill(args, folder)
        with store.open(url, schema=schema) as st:
            st.add_user("alice", hash_password("alice-password"), "reviewer")
            with serve_process(args, wait=30) as (base, _):
                yield base, st, request.param


def _district_row(page, indicator_id: str):
    return page.locator("#assessment tbody tr", has=page.locator(f"text={indicator_id}"))


def test_a_district_page_filters_exports_helps_and_reviews_a_finding(checked_server, browser, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    base, st, engine = checked_server
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, problems = _page(browser, base, "alice", "alice-password")
    page.goto(base + "/districts")
    page.click("#districts a:has-text('惠山区')")
    page.wait_for_url("**/district/320206")
    assert page.locator("h1").inner_text() == "惠山区：各指标逐年数据"
    assert page.locator("#charts figure[data-family=stock]").count() > 0
    assert page.locator("#charts figure[data-family=flow]").count() > 0

    # the help panel says what each verdict and scope means
    assert not page.locator("#help dd").first.is_visible()
    page.click("#help summary")
    help_text = page.locator("#help").inner_text()
    for word in ("一致", "在限定范围内一致", "不一致", "无依据", "存疑", "存量", "新增", "累计", "全年"):
        assert word in help_text
    page.screenshot(path=str(ARTIFACTS / f"serve-district-1440-{engine}.png"), full_page=True)

    # filter, then download the filtered rows
    page.select_option("select[name=year]", "2022")
    page.select_option("select[name=verdict]", "consistent_within_qualifier")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**verdict=consistent_within_qualifier**")
    shown = page.locator("#assessment tbody tr")
    assert shown.count() == 2  # G11 送温暖资金 and G12 返还工会经费 (G15 is not about the chosen figure)
    with page.expect_download() as got:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(got.value.path().read_bytes().decode("utf-8-sig"))))
    assert [r["indicator"] for r in rows] == [shown.nth(i).locator("td").nth(1).locator(".muted").inner_text()
                                               for i in range(shown.count())]
    assert {r["结论"] for r in rows} == {"在限定范围内一致"}
    with page.expect_download() as got:
        page.click("#export-xlsx")
    assert got.value.suggested_filename == "惠山区-2022.xlsx"
    sheet = load_workbook(io.BytesIO(got.value.path().read_bytes())).active
    assert sheet.max_row == 1 + len(rows)

    # review the finding of a row: its corrected verdict shows in the district table
    page.goto(base + "/district/320206?year=2022&indicator=training_participants")
    row = _district_row(page, "training_participants")
    assert "不一致" in row.locator("td.ledger").inner_text()
    row.locator("td.ledger a").click()
    page.wait_for_url("**/finding/**")
    page.select_option("select[name=verdict]", "consistent_within_qualifier")
    page.fill("textarea[name=note]", "4.2万为约数")
    page.click("button[value=correct]")
    assert "这是第 1 项审核决定" in page.locator(".saved").inner_text()
    assert "不一致 → 在限定范围内一致" in page.locator("#history").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"serve-finding-1440-{engine}.png"), full_page=True)
    page.goto(base + "/district/320206?year=2022&indicator=training_participants")
    ledger = _district_row(page, "training_participants").locator("td.ledger").inner_text()
    assert "在限定范围内一致" in ledger and "已更正" in ledger
    context.close()

    # the phone layout: nothing wider than the phone, tables and charts inside their boxes
    phone, small, phone_problems = _page(browser, base, "alice", "alice-password", viewport=(390, 844))
    small.goto(base + "/district/320206")
    small.click("#help summary")
    small.screenshot(path=str(ARTIFACTS / f"serve-district-390-{engine}.png"), full_page=True)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    small.goto(base + "/findings")
    small.locator("#findings a").first.click()
    small.wait_for_url("**/finding/**")
    small.screenshot(path=str(ARTIFACTS / f"serve-finding-390-{engine}.png"), full_page=True)
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
    assert problems == [] and phone_problems == []
    [decided] = st.finding_reviews()
    assert (decided["action"], decided["reviewer"], decided["after"]["verdict"]) == ("correct", "alice",
                                                                                   "consistent_within_qualifier")
