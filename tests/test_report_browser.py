"""The HTML review report in headless Chromium (Debian's ``/usr/bin/chromium`` through
Playwright): it opens without errors, filters, jumps to evidence, and hostile text stays inert.

The screenshot of the documents view is saved to ``tests/artifacts/report.png``, and one of a
target claim's hover card (its badge and the ``why`` lines) to ``tests/artifacts/report-target.png``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chanjia_nlp._lexicon import indicators
from chanjia_nlp.report import write_report

from .conftest import CHROMIUM
from .test_report import (
    HOSTILE,
    corpus_records,
    cross_check_findings,
    evidence,
    finding,
    hostile_records,
    money_records,
)

pytestmark = pytest.mark.slow  # browsers / processes: deselect with -m 'not slow'

ARTIFACTS = Path(__file__).parent / "artifacts"
#: Screenshots of the report's layouts and languages, to look at (not kept in git).
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts"

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]' installs it"
)
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)", allow_module_level=True)


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """The corpus and one hostile document."""
    return [*corpus_records(), *hostile_records()]


@pytest.fixture(scope="module")
def findings(records) -> list[dict[str, Any]]:
    """Made-up findings on claims of the corpus and the hostile document, then the real ones."""
    claims = [r for r in records if r.get("claim")]
    hostile = next(r for r in claims if r["doc_id"] == "hostile")
    return [
        finding("ledger", "inconsistent", [evidence(claims[10], "contradicts")], expected="1200", observed="90", gap="-1110",
                ledger={"file": "台账.xlsx", "sheet": "2022", "row": 5, "column": "D", "cell": "D5", "value": "90"}),
        finding("ledger", "consistent", [evidence(hostile, "supports")], message=HOSTILE[1],
                ledger={"file": HOSTILE[0], "sheet": HOSTILE[3], "row": 2, "column": "B", "cell": "B2", "value": "1"}),
        finding("copied_text", "flagged", [evidence(hostile, "copy", 0, 20, None)], message=HOSTILE[0]),
        *cross_check_findings(),
    ]


@pytest.fixture(scope="module")
def report_url(records, findings, tmp_path_factory) -> str:
    for f in findings[:3]:  # the made-up evidence reads as the document has it
        for e in f["evidence"]:
            text = next(r["text"] for r in records if r["type"] == "document" and r["doc_id"] == e["doc_id"])
            e["text"] = text[e["start"]:e["end"]]
    out = write_report(records, tmp_path_factory.mktemp("report") / "report.html", findings=findings, title="corpus", lang="en")
    return out.as_uri()


class Page:
    """A fresh page on the report that records console errors, page errors and dialogs."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("html[data-ready=true]")

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def pwned(self) -> Any:
        return self.page.evaluate("typeof window.__pwned === 'undefined' ? null : window.__pwned")


@pytest.fixture
def page(browser, report_url):
    opened = Page(browser, report_url)
    yield opened
    opened.page.close()


def test_opens_without_errors(page):
    assert page.page.title() == "corpus"
    page.page.click("a[data-tab=claims]")
    page.page.click("a[data-tab=documents]")
    page.page.click("a[data-tab=checks]")
    page.page.click("a[data-tab=overview]")
    assert page.problems == []


def test_filtering_by_an_indicator_shows_exactly_its_claims(page, records):
    p = page.page
    p.click("a[data-tab=claims]")
    counts = Counter(r["indicator"] for r in records if r.get("claim"))
    indicator = sorted(counts, key=lambda k: (-counts[k], k))[1]
    p.select_option("#claim-filters select[name=indicator]", json.dumps(indicator))
    p.select_option("#claim-filters select[name=size]", "0")
    shown = p.eval_on_selector_all(
        "#claim-table tbody tr",
        "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent, r.cells[4].textContent])",
    )
    expected = [[r["path"], r["text"], indicator] for r in records if r.get("claim") and r["indicator"] == indicator]
    assert sorted(shown) == sorted(expected) and len(shown) == counts[indicator]
    assert p.text_content("#claim-count").endswith(f"of {counts[indicator]} (filtered from {sum(counts.values())})")
    assert page.problems == []


def test_clicking_a_claim_scrolls_to_and_highlights_its_span(page, records):
    p = page.page
    p.click("a[data-tab=claims]")
    p.select_option("#claim-filters select[name=size]", "0")
    last = [r for r in records if r.get("claim") and r["path"] == "03_breakdown_qizhong.txt"][-1]
    row = p.locator("#claim-table tbody tr").filter(has_text=last["path"]).filter(has_text=last["text"]).last
    row.locator("a.goto").click()
    focused = p.locator("#doc-text mark.focus")
    assert focused.count() >= 1
    assert "".join(focused.all_text_contents()) == last["text"]
    sync_api.expect(focused.first).to_be_in_viewport()
    assert "focus" in focused.first.get_attribute("class").split()
    assert p.evaluate("document.activeElement.classList.contains('focus')")
    doc = next(r for r in records if r["type"] == "document" and r["doc_id"] == last["doc_id"])
    assert p.text_content("#doc-head h2") == doc["title"]
    assert page.problems == []


def test_cross_check_evidence_links_to_the_span(page, records, findings):
    p = page.page
    p.click("a[data-tab=checks]")
    row = p.locator("#ledger-table tbody tr").filter(has_text="台账.xlsx › 2022 › D5 = 90")
    assert "inconsistent" in row.text_content()
    row.locator(".evidence a").click()
    expected = findings[0]["evidence"][0]
    assert "".join(p.locator("#doc-text mark.focus").all_text_contents()) == expected["text"]
    assert page.problems == []


def test_ledger_value_and_reported_value_sit_under_their_own_headers(page, findings):
    """``observed`` is the 台账's value, ``expected`` the report's: each under its own column."""
    p = page.page
    p.click("a[data-tab=checks]")
    headers = p.locator("#ledger-table thead th").all_text_contents()
    row = p.locator("#ledger-table tbody tr").filter(has_text="台账.xlsx › 2022 › D5 = 90")
    cells = row.locator("td").all_text_contents()
    shown = dict(zip(headers, cells))
    assert (shown["Ledger value"], shown["Reported"], shown["Gap"]) == ("90", "1,200", "-1,110")
    assert page.problems == []


def test_a_hostile_document_stays_inert(page):
    p = page.page
    p.click("a[data-tab=documents]")
    p.locator("#doc-list a").filter(has_text="onerror").click()
    text = p.text_content("#doc-text")
    assert HOSTILE[0] in text and HOSTILE[1] in text
    assert p.locator("#doc-text script, #doc-text img, #doc-text svg").count() == 0
    for mark in p.locator("#doc-text mark").all()[:6]:
        mark.hover()
    p.click("a[data-tab=claims]")
    p.fill("#claim-filters input[name=q]", "onerror")
    assert p.locator("#claim-table tbody tr").count() >= 1
    p.click("a[data-tab=checks]")
    assert HOSTILE[1] in p.text_content("#ledger-table") and HOSTILE[0] in p.text_content("#copied-findings")
    assert p.locator("#ledger-table span[title]").evaluate_all("cells => cells.map(c => c.title)").count(HOSTILE[0]) == 1
    p.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert page.pwned() is None
    assert page.dialogs == []
    assert page.problems == []


def test_screenshot_of_the_documents_view(page, records):
    p = page.page
    claim = next(r for r in records if r.get("claim") and r.get("indicator") == "pilot_units")
    p.click("a[data-tab=claims]")
    p.locator("#claim-table a.goto").filter(has_text=claim["text"]).first.click()
    p.locator("#doc-text mark.focus").first.hover()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    p.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    assert page.problems == []


#: The order a hover card lists a claim's ``why`` in.
WHY_ORDER = ("indicator", "subject", "level", "period", "scope", "target")


def why_line(field: str, by: str) -> str:
    """A ``why`` entry as the card words it: a rule by name, or the model and the rule it agreed with."""
    if by == "model":
        return f"{field}: model, which no rule proposed"
    if by.startswith("model (") and by.endswith(")"):
        return f"{field}: model, agreeing with {by[7:-1]}"
    return f"{field}: decided by rule {by}"


def card_of(p, row: dict[str, Any]):
    """Jump from the claims table to ``row``'s span and hover it: the card it shows."""
    p.click("a[data-tab=claims]")
    p.click("#claim-filters button[type=reset]")
    p.select_option("#claim-filters select[name=size]", "0")
    link = p.locator("#claim-table tbody tr").filter(has_text=row["path"]).locator("a.goto").filter(has_text=row["text"])
    link.first.click()
    p.locator("#doc-text mark.focus").first.hover()
    card = p.locator("#card")
    sync_api.expect(card).to_be_visible()
    return card


def test_targets_show_a_badge_a_filter_and_why_in_the_card(page, records):
    p = page.page
    claims = [r for r in records if r.get("claim")]
    targets = [r for r in claims if r.get("target")]
    assert len(targets) > 5
    p.click("a[data-tab=claims]")
    p.select_option("#claim-filters select[name=size]", "0")
    p.select_option("#claim-filters select[name=target]", "true")
    rows = p.locator("#claim-table tbody tr")
    shown = rows.evaluate_all("rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    assert sorted(shown) == sorted([r["path"], r["text"]] for r in targets)
    assert rows.locator(".badge.target").count() == len(targets)
    assert set(rows.locator(".badge.target").all_text_contents()) == {"target / 计划"}
    p.select_option("#claim-filters select[name=target]", "false")
    assert p.locator("#claim-table tbody tr").count() == len(claims) - len(targets)
    assert p.locator("#claim-table .badge.target").count() == 0

    target = next(r for r in targets if r.get("why") and r["path"] == "02_district_summary_2022.txt")
    card = card_of(p, target)
    assert card.locator("h3 .badge.target").text_content() == "target / 计划"
    expected = [why_line(f, target["why"][f]) for f in WHY_ORDER if f in target["why"]]
    assert card.locator(".why li").all_text_contents() == expected
    assert "target: decided by rule" in " ".join(expected)
    assert "rule:" in card.locator(".why-legend").text_content() and "model:" in card.locator(".why-legend").text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-target.png"
    p.screenshot(path=str(shot))
    print(f"screenshot: {shot}")

    achieved = next(r for r in claims if not r["target"] and r.get("why") and r["path"] == target["path"])
    card = card_of(p, achieved)
    assert card.locator(".badge.target").count() == 0
    assert card.locator(".why li").all_text_contents() == [
        why_line(f, achieved["why"][f]) for f in WHY_ORDER if f in achieved["why"]
    ]
    assert page.problems == []


@pytest.mark.parametrize("rows", [
    pytest.param([], id="nothing"),
    pytest.param([{"type": "document", "doc_id": "e", "path": "scan.pdf", "status": "error", "error": "no text layer"}],
                 id="one-unreadable"),
])
def test_a_report_with_nothing_to_show_opens_without_errors(browser, tmp_path, rows):
    url = write_report(rows, tmp_path / "empty.html", lang="en").as_uri()
    opened = Page(browser, url)
    try:
        for tab in ("documents", "claims", "checks"):
            opened.page.click(f"a[data-tab={tab}]")
        assert opened.page.text_content("#claim-count") == "No claims match."
        assert opened.problems == []
    finally:
        opened.page.close()


#: Names and texts whose control characters would reorder or hide what a person reads.
BIDI = ["\u202egnp.exe.txt", "报告\u200b\u2066.txt\u2069", "a\u202d\u200fb\u00ad.txt"]


def test_control_characters_are_shown_not_obeyed(browser, tmp_path):
    from chanjia_nlp import extract, to_dict

    text = "惠山区\u202e总工会\u200b\n\n2022年，全区新增高技能人才1200余名。"
    rows = []
    for n, name in enumerate(BIDI):
        rows.append({"type": "document", "doc_id": f"d{n}", "path": name, "status": "ok", "text": text,
                     "title": f"标题{name}"})
        rows.extend(to_dict(r, doc_id=f"d{n}", path=name) for r in extract(text))
    rows.append({"type": "document", "doc_id": "e", "path": "\u202eerror.txt", "status": "error", "error": "bad\u202e"})
    opened = Page(browser, write_report(rows, tmp_path / "bidi.html").as_uri())
    try:
        p = opened.page
        p.click("a[data-tab=documents]")
        listed = p.text_content("#doc-list")
        assert "⟨U+202E⟩gnp.exe.txt" in listed and "报告⟨U+200B⟩⟨U+2066⟩.txt⟨U+2069⟩" in listed
        assert "⟨U+202D⟩⟨U+200F⟩b⟨U+00AD⟩.txt" in listed
        p.locator("#doc-list a").first.click()
        shown = p.text_content("#doc-text") + p.text_content("#doc-head")
        assert "惠山区⟨U+202E⟩总工会⟨U+200B⟩" in shown and "\u202e" not in shown and "\u200b" not in shown
        assert p.locator("#doc-text span.ctl").count() == 2
        p.click("a[data-tab=claims]")
        assert "\u202e" not in p.text_content("#claim-table")
        overview = p.text_content("#tab-overview")
        assert "⟨U+202E⟩error.txt" in overview and "bad⟨U+202E⟩" in overview and "\u202e" not in overview
        assert opened.problems == []
    finally:
        opened.page.close()


#: What the claims and ledger tables show for the made-up money document, by language.
SHOWN = {
    "zh": {"scope": "全年", "stock": "存量", "verdicts": ["不一致", "一致"],
           "indicator": indicators().by_id["assistance_funds"].name_zh, "more": "多于", "count": "数据 1–3，共 3 条"},
    "en": {"scope": "annual", "stock": "stock (as of)", "verdicts": ["inconsistent", "consistent"],
           "indicator": "assistance_funds", "more": "more_than", "count": "Claims 1–3 of 3"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tables_speak_the_report_language(browser, tmp_path, lang):
    rows, found = money_records()
    url = write_report(rows, tmp_path / f"{lang}.html", findings=found, lang=lang).as_uri()
    opened = Page(browser, url)
    try:
        p, want = opened.page, SHOWN[lang]
        p.click("a[data-tab=claims]")
        assert p.text_content("#claim-count") == want["count"]
        table = p.locator("#claim-table tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[1].textContent, r.cells[2].textContent, r.cells[4].textContent, "
            "r.cells[7].textContent, r.cells[9].textContent, r.cells[3].textContent])")
        by_text = {row[0]: row[1:] for row in table}
        assert by_text["620余万元"] == ["620万元", want["indicator"], want["scope"], want["verdicts"][0], want["more"]]
        assert by_text["1,200,000元"][:2] == ["120万元", want["indicator"]]
        assert by_text["3000人"][0] == "3,000 人" and by_text["3000人"][2] == want["stock"]
        SHOTS.mkdir(exist_ok=True)
        p.screenshot(path=str(SHOTS / f"report-claims-{lang}.png"))
        p.locator("#claim-table a.goto").filter(has_text="620余万元").click()
        p.locator("#doc-text mark.focus").first.hover()
        labels = p.locator("#card dt").all_text_contents()
        assert labels[:3] == (["数值", "区间", "限定"] if lang == "zh" else ["value", "low–high", "qualifier"])
        assert p.locator("#card dd").first.text_content() == "620万元"
        p.click("a[data-tab=claims]")
        p.click("a[data-tab=checks]")
        ledger = p.locator("#ledger-table tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].textContent, r.cells[6].textContent, r.cells[7].textContent])")
        assert ledger == [[want["verdicts"][0], "600万元", "620万元"], [want["verdicts"][1], "3,000 人", "3,000 人"]]
        assert opened.problems == []
    finally:
        opened.page.close()


BOX_EDGES = """els => els.map(e => Math.round(e.getBoundingClientRect().right))"""


def test_print_shows_every_row_keeps_colours_and_cuts_no_column(page, records):
    p = page.page
    claims = sum(bool(r.get("claim")) for r in records)
    assert claims > 100  # more than one screen page: printing must show the rest
    p.set_viewport_size({"width": 1047, "height": 800})  # A4 landscape less 10 mm margins, in CSS pixels
    p.click("a[data-tab=claims]")
    rows = p.locator("#claim-table tbody tr")
    assert rows.count() == 100
    badge = p.locator("#claim-table .badge[class*=verdict-]").first
    colour = badge.evaluate("b => getComputedStyle(b).backgroundColor")
    p.emulate_media(media="print")
    sync_api.expect(rows).to_have_count(claims)
    assert p.locator("#claim-filters").is_hidden() and p.locator("#claim-pager").is_hidden()
    adjust, printed = badge.evaluate(
        "b => { const s = getComputedStyle(b); return [s.printColorAdjust || s.webkitPrintColorAdjust, s.backgroundColor]; }")
    assert (adjust, printed) == ("exact", colour) and colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    width = p.evaluate("document.documentElement.clientWidth")
    assert max(p.locator("#claim-table th").evaluate_all(BOX_EDGES)) <= width
    assert p.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(exist_ok=True)
    pdf = p.pdf(path=str(SHOTS / "report-print.pdf"), format="A4", landscape=True, print_background=True,
                margin={"top": "10mm", "bottom": "10mm", "left": "10mm", "right": "10mm"})
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) > 3
    p.emulate_media(media="screen")
    sync_api.expect(rows).to_have_count(100)
    p.click("a[data-tab=checks]")
    p.emulate_media(media="print")
    assert max(p.locator("#ledger-table th").evaluate_all(BOX_EDGES)) <= width
    assert page.problems == []


def test_a_phone_shows_the_text_full_width_and_scrolls_tables_in_their_box(browser, report_url, records):
    opened = Page(browser, report_url)
    try:
        p = opened.page
        p.set_viewport_size({"width": 390, "height": 844})
        claim = next(r for r in records if r.get("claim") and r.get("indicator") == "pilot_units")
        p.click("a[data-tab=claims]")
        box = p.locator("#claim-table").locator("xpath=..")
        inner, outer = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
        assert outer <= 390 < inner  # the table is wider than the phone: it scrolls inside its box
        assert p.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself does not
        p.locator("#claim-table a.goto").filter(has_text=claim["text"]).first.click()
        text = p.locator("#doc-text").bounding_box()
        assert text is not None and text["width"] >= 390 - 2 * 30
        assert p.evaluate("document.documentElement.scrollWidth") <= 390
        SHOTS.mkdir(exist_ok=True)
        p.screenshot(path=str(SHOTS / "report-phone.png"))
        assert opened.problems == []
    finally:
        opened.page.close()


def test_offline_review_three_figures_export_and_import(browser, tmp_path):
    """Confirm, correct and reject three figures in the HTML file, reload (the browser keeps
    them), export, and ``chanjia reviews import``: the database holds exactly those decisions."""
    from click.testing import CliRunner

    from chanjia_nlp import store
    from chanjia_nlp.report.commands import report
    from chanjia_nlp.serve.commands import reviews

    from .test_report import scoped_store

    db = str(tmp_path / "chanjia.sqlite")
    scoped_store(db)
    out = tmp_path / "report.html"
    assert CliRunner().invoke(report, ["--db", db, "-o", str(out)]).exit_code == 0
    opened = Page(browser, out.as_uri())
    try:
        p = opened.page
        p.click("a[data-tab=claims]")
        p.fill("#reviewer", "alice")
        p.locator("#reviewer").dispatch_event("change")

        def row(text: str):
            return p.locator("#claim-table tbody tr").filter(has=p.locator("a.goto", has_text=text))

        row("15家").locator("button[data-review=confirm]").click()
        row("9家").locator("button[data-review=correct]").click()
        row("9家").locator("input").fill("1x")
        row("9家").locator("button[data-review=save]").click()
        assert row("9家").locator(".flag").text_content() == "请输入数字（以元、人等为单位），如 6500000"
        row("9家").locator("input").fill("10")
        row("9家").locator("input").press("Enter")
        row("7家").locator("button[data-review=reject]").click()
        p.reload()
        p.wait_for_selector("html[data-ready=true]")
        p.click("a[data-tab=claims]")
        decided = {t: row(t).locator(".decision").text_content() for t in ("15家", "9家", "7家")}
        assert decided == {"15家": "已确认", "9家": "已更正 → 10", "7家": "已驳回"}
        assert row("3家").locator(".decision").count() == 0
        assert p.input_value("#reviewer") == "alice"
        with p.expect_download() as info:
            p.click("#review-export")
        exported = tmp_path / "decisions.json"
        info.value.save_as(exported)
        assert opened.problems == []
    finally:
        opened.page.close()
    result = CliRunner().invoke(reviews, ["import", str(exported), "--db", db])
    assert result.exit_code == 0, result.output
    with store.open(db, create=True) as opened_store:
        stored = sorted((r["text"], r["action"], r["reviewer"], r["source"], (r["after"] or {}).get("value"))
                        for r in opened_store.reviews())
    assert stored == [("15家", "confirm", "alice", "import", "15"), ("7家", "reject", "alice", "import", None),
                      ("9家", "correct", "alice", "import", "10")]


def test_offline_review_of_ledger_findings_export_and_import(browser, tmp_path):
    """Confirm one 台账 finding, correct another's verdict and reject a third that someone decided on
    in the database after the report was written; export, ``chanjia reviews import`` (the stale
    one is refused, exit 1), and ``chanjia reviews export`` lists the findings as reviewed."""
    from click.testing import CliRunner

    from chanjia_nlp import store
    from chanjia_nlp.report.commands import report
    from chanjia_nlp.serve.commands import reviews

    from .test_report import scoped_store

    db = str(tmp_path / "chanjia.sqlite")
    scoped_store(db)
    out = tmp_path / "report.html"
    assert CliRunner().invoke(report, ["--db", db, "-o", str(out)]).exit_code == 0
    with store.open(db) as st:  # after the report was written: bob decides on f4 in the server
        st.add_user("bob", "not-a-real-hash", "reviewer")
        st.review_finding("f4", "confirm", reviewer="bob", based_on=0)
    opened = Page(browser, out.as_uri())
    try:
        p = opened.page
        p.click("a[data-tab=claims]")  # where the reviewer's name is typed
        p.fill("#reviewer", "alice")
        p.locator("#reviewer").dispatch_event("change")
        p.click("a[data-tab=checks]")
        rows = p.locator("#ledger-table tbody tr")
        assert rows.count() == 4 and rows.locator("button[data-review=confirm]").count() == 4
        p.locator("#ledger-table tr.verdict-consistent button[data-review=confirm]").click()
        f2 = p.locator("#ledger-table tr.verdict-inconsistent")
        f2.locator("button[data-review=correct]").click()
        f2.locator("select").select_option("consistent")
        f2.locator("button", has_text="保存").click()
        f4 = p.locator("#ledger-table tr.verdict-unsupported").filter(has_text="滨湖区")
        f4.locator("button[data-review=reject]").click()
        p.reload()
        p.wait_for_selector("html[data-ready=true]")
        p.click("a[data-tab=checks]")
        decided = sorted(t.strip() for t in p.locator("#ledger-table .decision").all_text_contents())
        assert decided == ["已更正 → 一致", "已确认", "已驳回"]
        ARTIFACTS.mkdir(exist_ok=True)
        p.locator("#ledger-table").screenshot(path=str(ARTIFACTS / "report-ledger-review-1440.png"))
        p.click("a[data-tab=claims]")
        with p.expect_download() as info:
            p.click("#review-export")
        exported = tmp_path / "decisions.json"
        info.value.save_as(exported)
        assert opened.problems == []
    finally:
        opened.page.close()
    result = CliRunner().invoke(reviews, ["import", str(exported), "--db", db])
    assert result.exit_code == 1, result.output
    assert "refused (someone decided on it since)" in result.output and "2 decisions stored, 1 refused" in result.output
    with store.open(db) as st:
        stored = sorted((r["finding_id"], r["action"], r["reviewer"], r["source"], (r["after"] or {}).get("verdict"))
                        for r in st.finding_reviews())
    assert stored == [("f1", "confirm", "alice", "import", "consistent"),
                      ("f2", "correct", "alice", "import", "consistent"), ("f4", "confirm", "bob", "serve", "unsupported")]
    folder = tmp_path / "exported"
    result = CliRunner().invoke(reviews, ["export", "--db", db, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert "3 reviewed 台账 findings (2 confirmed, 1 corrected, 0 rejected)" in result.output
    lines = [json.loads(line) for line in (folder / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["finding_id"], x["verdict"], x["checked_verdict"], x["review"], x["reviewed_by"]) for x in lines] == [
        ("f1", "consistent", "consistent", "confirm", "alice"), ("f2", "consistent", "inconsistent", "correct", "alice"),
        ("f4", "unsupported", "unsupported", "confirm", "bob")]


def test_the_district_tab_filters_helps_draws_and_exports_csv(browser, tmp_path):
    """One district's rows with their 台账 verdicts, the help panel, charts with stocks and flows
    apart, and the filtered rows as CSV made in the page (no formula survives), in Chinese, at
    1440×900 and 390×844 (screenshots under tests/artifacts)."""
    import csv
    import io

    records = [*corpus_records()]
    doc = next(r for r in records if r["type"] == "document" and "02_district" in r["path"])
    # a path a spreadsheet would run as a formula, were it not neutralised
    records = [{**r, "path": "=HYPERLINK(1+2).txt"} if r.get("doc_id") == doc["doc_id"] else r for r in records]
    findings = [finding("ledger", "inconsistent", [evidence(c, "contradicts")], expected="42000", observed="45000",
                        gap="3000", ledger={"file": "台账.xlsx", "sheet": "惠山区", "row": 7, "column": "F", "cell": "F7",
                                            "value": "45000"}, indicator="training_participants", subject="惠山区",
                        period="2022")
                for c in records if c.get("claim") and c.get("text") == "4.2万人次" and c["doc_id"] == doc["doc_id"]]
    assert len(findings) == 1
    out = write_report(records, tmp_path / "report.html", findings=findings)
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1440, 900), (390, 844)):
        opened = Page(browser, out.as_uri())
        try:
            p = opened.page
            p.set_viewport_size({"width": width, "height": height})
            p.click("a[data-tab=districts]")
            p.select_option("#district-filters select[name=code]", "320206")
            assert p.locator("#district-title").inner_text() == "惠山区：各指标逐年数据"
            p.click("#district-help summary")
            help_text = p.locator("#district-help").inner_text()
            assert all(word in help_text for word in ("在限定范围内一致", "无依据", "存疑", "存量", "累计"))
            stock = p.locator("#district-charts figure[data-indicator=high_skilled_talent][data-family=stock] title")
            flow = p.locator("#district-charts figure[data-indicator=high_skilled_talent][data-family=flow] title")
            texts = "nodes => nodes.map(n => n.textContent)"
            assert stock.evaluate_all(texts) == ["2022: 31,000 人"] and flow.evaluate_all(texts) == ["2022: 2,150 名"]
            p.screenshot(path=str(ARTIFACTS / f"report-district-{width}.png"), full_page=True)
            assert p.evaluate("document.documentElement.scrollWidth") <= width

            p.select_option("#district-filters select[name=verdict]", "inconsistent")
            shown = p.locator("#district-table tbody tr")
            assert shown.count() == 1 and "不一致" in shown.inner_text() and "42,000 人次" in shown.inner_text()
            with p.expect_download() as got:
                p.click("#district-csv")
            assert got.value.suggested_filename == "惠山区-all.csv"
            body = got.value.path().read_bytes()
            assert body.startswith(b"\xef\xbb\xbf")
            [row] = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
            assert (row["indicator"], row["数值"], row["台账数值"], row["结论"]) == (
                "training_participants", "42000", "45000", "不一致")
            assert row["依据"].startswith("'=HYPERLINK(1+2).txt")
            assert opened.problems == []
        finally:
            opened.page.close()
