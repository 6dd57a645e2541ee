"""The HTML review report without a browser: escaping, self-containment, the embedded data,
mark trees that keep the text whole, charts, and the ``chanjia report`` command."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import chanjia_nlp
from chanjia_nlp import store
from chanjia_nlp.errors import ChanjiaError
from chanjia_nlp.readers import find_files, read_document
from chanjia_nlp.records import to_dict
from chanjia_nlp.report import read_jsonl, render_report, write_report
from chanjia_nlp.report.charts import FAMILIES, indicator_series
from chanjia_nlp.report.commands import report
from chanjia_nlp.report.marks import fragments, leaves, mark_tree
from chanjia_nlp.report.model import build_model, indicator_names

from .conftest import fresh_pg_schema

ROOT = Path(__file__).resolve().parents[1]

#: Text meant to run script if it ever reached the page as markup.
HOSTILE = (
    "<script>window.__pwned=1;alert(1)</script>",
    '"><img src=x onerror="window.__pwned=1;alert(1)">',
    "</script><script>window.__pwned=1</script><!--",
    "<svg onload=window.__pwned=1>",
)


@functools.cache
def corpus_records() -> tuple[dict[str, Any], ...]:
    """The records of ``corpus/``, each ``document`` dict with its ``text``."""
    nlp = chanjia_nlp.load()
    rows: list[dict[str, Any]] = []
    for path, shown in find_files([ROOT / "corpus"]):
        doc, text = read_document(path, display_path=shown)
        rows.append({**to_dict(doc), "text": text})
        if text is not None:
            records = nlp.extract(text, published=doc.published)
            rows.extend(to_dict(r, doc_id=doc.doc_id, path=doc.path) for r in records)
    return tuple(rows)


def hostile_records() -> list[dict[str, Any]]:
    """One document whose text, path, title and claim fields carry script payloads."""
    text = "全区共培训职工1200人次。" + HOSTILE[0] + "\n新建职工书屋15家。" + "".join(HOSTILE[1:]) + "\n覆盖企业386家。"
    doc = {"type": "document", "doc_id": "hostile", "path": HOSTILE[1] + ".txt", "title": HOSTILE[0], "status": "ok",
           "text": text}
    rows = [doc]
    for record in chanjia_nlp.extract(text):
        row = to_dict(record, doc_id="hostile", path=doc["path"])
        if row.get("claim"):
            row["subject"], row["indicator_text"] = HOSTILE[1], HOSTILE[3]
            row["why"] = {"indicator": HOSTILE[0], "subject": f"model ({HOSTILE[1]})", HOSTILE[2]: "alias"}
        rows.append(row)
    next(r for r in rows if r.get("claim"))["target"] = True
    return rows


def finding(check: str, verdict: str, evidence: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    base = dict.fromkeys(("indicator", "subject", "period", "expected", "observed", "gap", "doc_id", "path", "ledger"))
    return {"type": "finding", "finding_id": f"{check}-{verdict}", "check": check, "verdict": verdict,
            "message": f"{check} {verdict}", **base, "evidence": evidence, **fields}


def evidence(row: dict[str, Any], role: str, start: int | None = None, end: int | None = None,
             text: str | None = None) -> dict[str, Any]:
    """An evidence span in ``row``'s document: ``row``'s own span unless ``start``/``end`` are given."""
    start = row["start"] if start is None else start
    end = row["end"] if end is None else end
    return {"doc_id": row["doc_id"], "path": row["path"], "start": start, "end": end, "text": text or row["text"],
            "role": role}


#: A made-up summary with money, a stock and a year (no real report's text).
MONEY_TEXT = "2022年，惠山区总工会筹集帮扶资金620余万元，发放慰问金1,200,000元。截至年底，全区共有工会会员3000人。"


def money_records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A document of :data:`MONEY_TEXT` with its records, and two ledger findings on it: the
    620余万元 contradicted by a 台账 that says 600万元, the 3000 members confirmed."""
    doc = {"type": "document", "doc_id": "m", "path": "惠山区_2022.txt", "title": "惠山区总结", "status": "ok",
           "text": MONEY_TEXT}
    rows = [doc, *(to_dict(r, doc_id="m", path=doc["path"]) for r in chanjia_nlp.extract(MONEY_TEXT))]
    funds = next(r for r in rows if r.get("text") == "620余万元")
    members = next(r for r in rows if r.get("text") == "3000人")
    money = {"kind": "money", "unit": "元", "currency": "CNY"}
    ledger = {"file": "台账.xlsx", "sheet": "2022", "row": 3, "column": "C", "cell": "C3", "value": "600万元"}
    found = [
        finding("ledger", "inconsistent", [evidence(funds, "contradicts")], indicator="assistance_funds",
                subject="惠山区", period="2022", expected="6200000", observed="6000000", gap="-200000",
                ledger=ledger, **money),
        finding("ledger", "consistent", [evidence(members, "supports")], indicator="union_members", subject="惠山区",
                period="2022", expected="3000", observed="3000", gap="0", kind="count", unit="人",
                ledger={**ledger, "row": 4, "cell": "C4", "value": "3000"}),
    ]
    return rows, found


def page_data(html: str) -> dict[str, Any]:
    tree = lxml.html.fromstring(html)
    (script,) = tree.xpath("//script[@id='report-data']")
    return json.loads(script.text)


@pytest.fixture(scope="module")
def hostile_html() -> str:
    rows = hostile_records()
    claim = next(r for r in rows if r.get("claim"))
    ledger = {"file": HOSTILE[1], "sheet": HOSTILE[3], "row": 2, "column": "B", "cell": "B2", "value": "9"}
    found = finding("ledger", "inconsistent", [evidence(claim, "contradicts")], message=HOSTILE[0], ledger=ledger)
    return render_report(rows, findings=[found], title=HOSTILE[2])


# ---- safety -----------------------------------------------------------------------------------


def test_hostile_text_is_never_markup(hostile_html):
    tree = lxml.html.fromstring(hostile_html)
    scripts = tree.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert all(s.get("src") is None for s in scripts)
    assert not tree.xpath("//img | //iframe | //object | //embed | //svg[@onload]")
    elements = [el for el in tree.iter() if isinstance(el.tag, str)]
    handlers = [(el.tag, name) for el in elements for name in el.attrib if name.lower().startswith("on")]
    assert handlers == []
    for payload in HOSTILE:
        assert payload not in hostile_html
    assert tree.findtext(".//title") == HOSTILE[2]
    assert tree.xpath("string(//h1)") == HOSTILE[2]


def test_hostile_text_survives_as_data(hostile_html):
    data = page_data(hostile_html)
    (doc,) = data["docs"]
    text = leaves(doc["blocks"][0])
    assert all(payload in text for payload in HOSTILE[:2])
    assert doc["path"] == HOSTILE[1] + ".txt" and doc["title"] == HOSTILE[0]
    assert {item["subject"] for item in data["items"] if item["type"] == "claim"} == {HOSTILE[1]}
    assert data["findings"][0]["message"] == HOSTILE[0] and data["findings"][0]["ledger"]["file"] == HOSTILE[1]


def test_data_script_cannot_close_or_comment(hostile_html):
    (body,) = re.findall(r'<script type="application/json" id="report-data">(.*?)</script>', hostile_html, re.S)
    assert not set("<>&") & set(body)


@pytest.mark.slow
def test_nothing_is_fetched_from_outside():
    html = render_report(corpus_records())
    tree = lxml.html.fromstring(html)
    linked = [value for el in tree.iter() if isinstance(el.tag, str) for name, value in el.attrib.items()
              if name in ("src", "href", "action", "data", "poster", "srcset", "xlink:href")]
    assert linked and all(value.startswith("#") for value in linked)
    own_code = "".join(tree.xpath("//style/text() | //script[not(@type)]/text()"))
    assert not re.search(r"https?:|//[a-z]|url\(|@import", own_code)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not tree.xpath("//link | //iframe | //img | //base")


def test_content_security_policy_allows_only_the_page_script():
    html = render_report(corpus_records())
    tree = lxml.html.fromstring(html)
    (meta,) = tree.xpath("//meta[@http-equiv='Content-Security-Policy']")
    policy = dict(part.strip().split(" ", 1) for part in meta.get("content").split(";"))
    (script,) = tree.xpath("//script[not(@type)]")
    digest = base64.b64encode(hashlib.sha256(script.text.encode("utf-8")).digest()).decode()
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == f"'sha256-{digest}'"
    assert policy["img-src"] == "data:"
    assert policy["style-src"] == "'unsafe-inline'"


# ---- the data the page shows ------------------------------------------------------------------


def claim_key(row: dict[str, Any], paths: dict[Any, str]) -> tuple[Any, ...]:
    return (paths[row["doc"]] if "doc" in row else row["path"], row["start"], row["end"], row["text"],
            row.get("value"), row.get("indicator"), row.get("subject"), row.get("period"))


def test_every_claim_is_in_the_table_data():
    rows = corpus_records()
    data = page_data(render_report(rows))
    paths = {n: doc["path"] for n, doc in enumerate(data["docs"])}
    shown = Counter(claim_key(item, paths) for item in data["items"] if item["type"] == "claim")
    expected = Counter(claim_key(row, paths) for row in rows if row.get("claim"))
    assert shown == expected and sum(expected.values()) > 400


def test_every_record_is_marked_where_its_offsets_point():
    rows = corpus_records()
    data = build_model(rows).data
    texts = {row["path"]: row["text"] for row in rows if row["type"] == "document"}
    for doc in data["docs"]:
        (block,) = doc["blocks"]
        assert leaves(block) == texts[doc["path"]]
    for n, item in enumerate(data["items"]):
        assert "unplaced" not in item
        doc = data["docs"][item["doc"]]
        assert "".join(fragments(doc["blocks"][0], n)) == texts[doc["path"]][item["start"]:item["end"]] == item["text"]
    record_count = sum(row["type"] != "document" for row in rows)
    assert len(data["items"]) == record_count


def test_claims_get_the_verdicts_of_findings_that_point_at_them():
    rows = list(corpus_records())
    claims = [r for r in rows if r.get("claim")]
    first, second = claims[3], claims[40]
    text = next(r["text"] for r in rows if r["type"] == "document" and r["doc_id"] == second["doc_id"])
    around = (second["start"] - 3, second["end"], text[second["start"] - 3:second["end"]])
    findings = [
        finding("ledger", "consistent", [evidence(first, "supports")]),
        finding("sum", "flagged", [evidence(first, "part"), evidence(second, "total", *around)]),
        finding("copied_text", "flagged", [evidence(second, "copy", 0, 30, text[:30])]),
        finding("conflict", "flagged", [evidence(second, "source", 5, 99999, "nowhere")]),
    ]
    data = build_model(rows, findings).data
    items = data["items"]

    def item_at(row: dict[str, Any]) -> dict[str, Any]:
        return next(i for i in items if i["type"] == "claim" and i["text"] == row["text"] and i["start"] == row["start"]
                    and data["docs"][i["doc"]]["id"] == row["doc_id"])

    assert item_at(first)["findings"] == [0, 1]
    assert "findings" not in item_at(second)  # the sum finding points at a wider span around it
    widened = data["findings"][1]["evidence"][1]
    assert items[widened["item"]]["type"] == "evidence" and items[widened["item"]]["text"] == around[2]
    assert items[data["findings"][2]["evidence"][0]["item"]]["role"] == "copy"
    assert "item" not in data["findings"][3]["evidence"][0]  # offsets past the text: shown as text only
    doc = next(d for d in data["docs"] if d["id"] == second["doc_id"])
    assert leaves(doc["blocks"][0]) == text


def cross_check_findings() -> list[dict[str, Any]]:
    """What the cross-checks find in the corpus against its sample 台账."""
    from chanjia_nlp.crosscheck import check_ledger, internal_checks
    from chanjia_nlp.ledger import read_ledger

    ledgers = sorted((ROOT / "corpus" / "ledger").glob("*.xlsx"))
    if not ledgers:
        pytest.skip("corpus/ledger/ has no sample 台账")
    rows = corpus_records()
    return [*check_ledger(read_ledger(ledgers[0]).rows, rows), *internal_checks(rows)]


def test_cross_check_findings_point_at_their_claims():
    rows = corpus_records()
    found = cross_check_findings()
    data = build_model(rows, found).data
    assert len(data["findings"]) == len(found) and {f["check"] for f in found} >= {"ledger", "uncovered_claim"}
    for n, (finding_row, shown) in enumerate(zip(found, data["findings"], strict=True)):
        assert (shown["check"], shown["verdict"]) == (finding_row["check"], finding_row["verdict"])
        if finding_row["ledger"]:
            assert shown["ledger"]["cell"] == finding_row["ledger"]["cell"]
        for span, linked in zip(finding_row["evidence"], shown["evidence"], strict=True):
            item = data["items"][linked["item"]]
            assert (item["text"], item["start"], item["end"]) == (span["text"], span["start"], span["end"])
            assert item["type"] != "claim" or n in item["findings"]


def test_documents_without_text_show_the_sentences_of_their_figures():
    rows = [dict(r) for r in corpus_records() if r["path"] == "10_repeated_paragraph.txt"]
    del rows[0]["text"]
    data = build_model(rows).data
    (doc,) = data["docs"]
    sentences = [leaves(block) for block in doc["blocks"]]
    assert doc["textless"] and sentences
    figures = [n for n, item in enumerate(data["items"]) if item["type"] in ("claim", "quantity")]
    placed = [n for n in figures if "unplaced" not in data["items"][n]]
    assert len(placed) == sum(r["type"] == "quantity" for r in rows)
    for n in placed:
        assert any(data["items"][n]["text"] in "".join(fragments(block, n)) for block in doc["blocks"])
    assert all("unplaced" in item for item in data["items"] if item["type"] in ("programme", "entity"))
    assert "没有附带原文" in render_report(rows) and "without their text" in render_report(rows, lang="en")


def test_claims_carry_target_and_why():
    rows = corpus_records()
    data = build_model(rows).data
    paths = {n: doc["path"] for n, doc in enumerate(data["docs"])}
    claims = {claim_key(item, paths): item for item in data["items"] if item["type"] == "claim"}
    targets = 0
    for row in rows:
        if not row.get("claim"):
            continue
        item = claims[claim_key(row, paths)]
        assert item.get("target", False) is row["target"]
        targets += row["target"]
        assert dict(item["why"]) == row["why"] and len(item["why"]) == len(row["why"])
        order = ["indicator", "subject", "level", "period", "scope", "target"]
        assert [field for field, _ in item["why"]] == [f for f in order if f in row["why"]]
    assert targets > 5
    html = render_report(rows)
    assert f"<dt>其中目标（计划）</dt><dd>{targets}</dd>" in html
    assert f"<dt>of them targets (计划)</dt><dd>{targets}</dd>" in render_report(rows, lang="en")


@pytest.mark.parametrize(("target", "why", "expected"), [
    pytest.param(True, {"period": "model", "indicator": "alias"}, (True, [["indicator", "alias"], ["period", "model"]]),
                 id="ordered"),
    pytest.param("yes", ["indicator", "alias"], (False, None), id="not-a-bool-not-a-mapping"),
    pytest.param(None, {"indicator": 3, "subject": "", "scope": None, "custom": "a_rule"}, (False, [["custom", "a_rule"]]),
                 id="only-text-entries"),
])
def test_messy_target_and_why_are_read_safely(target, why, expected):
    row = {"type": "quantity", "doc_id": "d", "text": "25家", "start": 1, "end": 4, "claim": True, "target": target,
           "why": why}
    (item,) = build_model([{"type": "document", "doc_id": "d", "path": "a.txt", "text": "共25家"}, row]).data["items"]
    assert (item.get("target", False), item.get("why")) == expected


def test_damaged_and_doubtful_figures_are_flagged():
    data = build_model(corpus_records()).data
    damaged = [item for item in data["items"] if item.get("damaged")]
    assert [item["text"] for item in damaged] == ["1?3人次", "1?3人次"]
    assert all("value" not in item for item in damaged)
    assert "in a repeated paragraph" in damaged[1]["doubtful"]
    for item in data["items"]:
        if item["type"] == "claim":
            no_subject = "no subject" in item.get("doubtful", ())
            assert no_subject == ("subject" not in item)


def test_parts_point_at_their_total():
    rows = corpus_records()
    items = build_model(rows).data["items"]
    parts = [item for item in items if "parent" in item]
    assert len(parts) == sum(row.get("parent") is not None for row in rows) > 5
    for part in parts:
        total = items[part["total"]]
        assert total["type"] == "claim" and total["doc"] == part["doc"] and total["start"] == part["parent"]


MESSY_ROWS = [
    pytest.param([{"type": "quantity", "doc_id": "x", "path": "lost.txt", "text": "25家", "start": 0, "end": 3,
                   "claim": True}],
                 {"docs": 1, "items": 1, "unplaced": 1, "skipped": 0}, id="record-without-document"),
    pytest.param([{"type": "document", "doc_id": "d", "path": "a.txt", "text": "共25家"},
                  {"type": "quantity", "doc_id": "d", "text": "25家", "start": "1", "end": 4, "claim": True},
                  {"type": "quantity", "doc_id": "d", "text": "25家", "start": 1, "end": 99, "claim": True},
                  {"type": "quantity", "doc_id": "d", "text": "26家", "start": 1, "end": 4, "claim": True},
                  {"type": "quantity", "doc_id": "d", "text": "25家", "start": True, "end": 4}],
                 {"docs": 1, "items": 4, "unplaced": 4, "skipped": 0}, id="offsets-that-do-not-slice"),
    pytest.param([None, 7, "text", {"type": "weird"}, {"no": "type"}, {"type": "document"}],
                 {"docs": 1, "items": 0, "unplaced": 0, "skipped": 5}, id="not-records"),
    pytest.param([{"type": "document", "doc_id": "d", "path": "a.txt", "text": "共25家"},
                  {"type": "document", "doc_id": "d", "path": "a.txt", "text": "other"},
                  {"type": "quantity", "doc_id": "d", "text": "25家", "start": 1, "end": 4, "claim": True},
                  {"type": "quantity", "doc_id": "d", "text": "25家", "start": 1, "end": 4, "claim": True}],
                 {"docs": 1, "items": 1, "unplaced": 0, "skipped": 0}, id="the-same-rows-twice"),
    pytest.param([{"type": "document", "doc_id": "d", "text": 42, "title": ["x"], "status": None},
                  {"type": "entity", "doc_id": "d", "start": 0, "end": 1, "label": {"x": 1}},
                  {"type": "finding", "evidence": "none", "ledger": "B2"},
                  {"type": "finding", "verdict": "flagged", "evidence": [None, {"doc_id": "d", "start": 0, "end": 2}]}],
                 {"docs": 1, "items": 1, "unplaced": 1, "skipped": 0}, id="wrong-field-types"),
]


@pytest.mark.parametrize(("rows", "expected"), MESSY_ROWS)
def test_messy_rows_give_fewer_marks_not_errors(rows, expected):
    data = build_model(rows).data
    found = {"docs": len(data["docs"]), "items": len(data["items"]),
             "unplaced": sum("unplaced" in i for i in data["items"]), "skipped": data["skipped"]}
    assert found == expected
    html = render_report(rows)
    shown = page_data(html)
    assert shown.pop("ui")["lang"] == "zh"
    assert re.fullmatch("[0-9a-f]{16}", shown.pop("report_id"))
    assert isinstance(shown.pop("districts")["rows"], list) and set(shown.pop("help")) == {"verdicts", "scopes"}
    assert shown == json.loads(json.dumps(data))


# ---- mark trees -------------------------------------------------------------------------------

SPANS = st.lists(st.tuples(st.integers(-3, 40), st.integers(-3, 40)), max_size=12)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40), spans=SPANS)
def test_mark_tree_keeps_the_text_and_every_span(text, spans):
    tree = mark_tree(text, [(start, end, key) for key, (start, end) in enumerate(spans)])
    assert leaves(tree) == text
    for key, (start, end) in enumerate(spans):
        pieces = fragments(tree, key)
        if 0 <= start < end <= len(text):
            assert "".join(pieces) == text[start:end]
        else:
            assert pieces == []


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=30), spans=SPANS)
def test_nested_spans_stay_whole(text, spans):
    """A span that crosses no other span is one mark, not fragments."""
    valid = [(s, e) for s, e in spans if 0 <= s < e <= len(text)]
    tree = mark_tree(text, [(s, e, key) for key, (s, e) in enumerate(valid)])
    for key, (s, e) in enumerate(valid):
        crossed = any(s2 < s < e2 < e or s < s2 < e < e2 for s2, e2 in valid)
        if not crossed:
            assert len(fragments(tree, key)) == 1


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="共培训职工1200人次。<>&\"'\n", max_size=60), data=st.data())
def test_any_records_over_any_text_render(text, data):
    bounds = st.integers(-2, len(text) + 2)
    rows: list[dict[str, Any]] = [{"type": "document", "doc_id": "d", "path": "p.txt", "text": text}]
    for _ in range(data.draw(st.integers(0, 8))):
        start, end = data.draw(bounds), data.draw(bounds)
        kind = data.draw(st.sampled_from(["quantity", "programme", "entity"]))
        rows.append({"type": kind, "doc_id": "d", "start": start, "end": end, "claim": data.draw(st.booleans()),
                     "text": text[start:end] if start >= 0 else "x", "label": "org"})
    html = render_report(rows)
    (doc,) = page_data(html)["docs"]
    assert leaves(doc["blocks"][0]) == text


# ---- charts -----------------------------------------------------------------------------------


def test_charts_count_the_claims():
    rows = corpus_records()
    tree = lxml.html.fromstring(render_report(rows))
    bars = {g.get("data-value"): int(g.xpath("string(text[@class='value'])"))
            for g in tree.xpath("//g[@data-filter='indicator']")}
    expected = Counter(row["indicator"] for row in rows if row.get("claim"))
    assert bars == dict(expected)
    titles = tree.xpath("//g[@data-filter='indicator']/title/text()")
    name = indicator_names()["training_participants"]
    assert f"training_participants {name}: {expected['training_participants']}" in titles


def test_indicator_series_keep_stocks_and_flows_apart_one_figure_a_year():
    """A series is one figure a year from the assessment table: a stock (as_of) and a flow
    (increment, annual) of one indicator are two series, never added; targets are not drawn."""
    def row(year, basis, value, **more):
        return {"indicator": "high_skilled_talent", "year": year, "basis": basis, "value": Decimal(value), "kind": "count",
                "unit": "人", "currency": None, "target": False, "candidates": [], "family": FAMILIES.get(basis), **more}

    rows = [
        row(2022, "stock_year_end", "31000", candidates=[
            {"value": Decimal("2150"), "scope": "increment", "kind": "count", "unit": "名",
             "lost": "an addition (increment); a stock (as_of) is chosen first"},
            {"value": Decimal("900"), "scope": "increment", "kind": "count", "unit": "名",
             "lost": "another unit: the row counts 人"}]),  # lost for another reason: not the year's flow
        row(2023, "increment", "2000"),
        row(2024, "stock_latest", "35000"),
        row(2025, "increment", "5000", target=True),  # 力争: never drawn
        row(2023, "none", "0"),
    ]
    series = {s["family"]: s for s in indicator_series(rows, {"high_skilled_talent": "高技能人才"},
                                                        {"stock": "存量", "flow": "新增", "cumulative": "累计", "unstated": "?"})}
    assert set(series) == {"stock", "flow"}
    assert [(y, shown) for y, _, shown, _ in series["stock"]["bars"]] == [("2022", "31,000 人"), ("2024", "35,000 人")]
    assert [(y, shown) for y, _, shown, _ in series["flow"]["bars"]] == [("2022", "2,150 名"), ("2023", "2,000 人")]
    assert series["stock"]["title"] == "高技能人才 · 存量"


def test_the_report_has_a_district_tab_with_its_rows_charts_and_help():
    html = render_report(corpus_records())
    tree = lxml.html.fromstring(html)
    districts = page_data(html)["districts"]
    huishan = [r for r in districts["rows"] if r["code"] == "320206"]
    talent = {(r["year"], r["family"]): r for r in huishan if r["indicator"] == "high_skilled_talent"}
    assert talent[(2022, "stock")]["shown"] == "31,000 人" and talent[(2022, "stock")]["evidence"][0]["paragraph"]
    funds = next(r for r in huishan if r["indicator"] == "reform_funds" and r["year"] == 2022)
    assert (funds["shown"], funds["unit"]) == ("1,800万元", "元")
    charts = {(c["indicator"], c["family"]): c["bars"] for c in districts["charts"]["320206"]}
    assert charts[("high_skilled_talent", "stock")] == [["2022", "31000", "31,000 人"]]
    assert charts[("high_skilled_talent", "flow")] == [["2022", "2150", "2,150 名"]]  # the 2023 target is not drawn
    help_text = tree.xpath("string(//details[@id='district-help'])")
    for word in ("一致", "在限定范围内一致", "不一致", "无依据", "存疑", "存量", "新增", "累计", "全年"):
        assert word in help_text
    assert not tree.xpath("//*[@id='chart-totals']")  # the chart that added stocks to increments is gone
    legend = tree.xpath("string(//*[@id='legend'])")
    assert "其他数字" in legend and "other figure" not in legend


# ---- writing and the command ------------------------------------------------------------------


def test_write_report_is_deterministic(tmp_path):
    first = write_report(corpus_records(), tmp_path / "a.html", title="惠山区")
    second = write_report(iter(corpus_records()), tmp_path / "b.html", title="惠山区")
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]


def write_jsonl(path: Path, rows: list[Any], bad_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows] + list(bad_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_report_command_reads_jsonl_records_and_findings(tmp_path):
    rows = list(corpus_records())
    claim = next(r for r in rows if r.get("claim"))
    records = write_jsonl(tmp_path / "records.jsonl", rows, bad_lines=("{not json", "[1, 2]"))
    found = [finding("ledger", "unsupported", [evidence(claim, "contradicts")])]
    findings = write_jsonl(tmp_path / "findings.jsonl", found)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(report, [str(records), str(findings), "-o", str(out), "--title", "惠山区 2022"])
    assert result.exit_code == 0, result.output
    claims = sum(bool(r.get("claim")) for r in rows)
    assert f"10 documents, {claims} claims, 1 findings" in result.stderr
    assert "records.jsonl:" in result.stderr and result.stderr.count("line skipped") == 2
    data = page_data(out.read_text(encoding="utf-8"))
    assert len(data["findings"]) == 1 and sum(i["type"] == "claim" for i in data["items"]) == claims


def test_the_page_speaks_chinese_by_default_and_english_on_request():
    rows, found = money_records()
    zh, en = render_report(rows, findings=found), render_report(rows, findings=found, lang="en")
    trees = {lang: lxml.html.fromstring(html) for lang, html in (("zh", zh), ("en", en))}
    tabs = {lang: tree.xpath("//nav[@class='tabs']/a/text()") for lang, tree in trees.items()}
    assert tabs == {"zh": ["概览", "文件", "数据", "分区县", "台账核对"],
                    "en": ["Overview", "Documents", "Claims", "Districts", "Cross-checks"]}
    assert [tree.get("lang") for tree in trees.values()] == ["zh-Hans", "en"]
    headers = {lang: tree.xpath("//table[@id='ledger-table']//th/text()")[6:9] for lang, tree in trees.items()}
    assert headers == {"zh": ["台账数值", "报告数值", "差额"], "en": ["Ledger value", "Reported", "Gap"]}
    assert trees["zh"].findtext(".//title") == "chanjia 数据审核报告"
    assert [tree.xpath("string(//button[@type='reset'])") for tree in trees.values()] == ["清除", "Clear"]
    ui = page_data(zh)["ui"]
    assert ui["verdicts"] == {**ui["verdicts"], "consistent": "一致", "consistent_within_qualifier": "在限定范围内一致",
                              "inconsistent": "不一致", "unsupported": "无依据", "ambiguous": "存疑"}
    assert ui["scopes"] == {"as_of": "存量", "increment": "新增", "cumulative": "累计", "annual": "全年"}
    data = page_data(en)
    assert data["ui"]["verdicts"]["consistent_within_qualifier"] == "consistent within qualifier"
    assert data["indicators"]["assistance_funds"] == chanjia_nlp._lexicon.indicators().by_id["assistance_funds"].name_zh
    shown = {item["text"]: item["shown"] for item in data["items"] if item["type"] == "claim"}
    assert shown == {"620余万元": "620万元", "1,200,000元": "120万元", "3000人": "3,000 人"}
    numbers = [(f["observed_shown"], f["expected_shown"], f["gap_shown"]) for f in data["findings"]]
    assert numbers == [("600万元", "620万元", "-20万元"), ("3,000 人", "3,000 人", "0 人")]


def test_report_command_takes_a_language(tmp_path):
    rows, found = money_records()
    records = write_jsonl(tmp_path / "records.jsonl", [*rows, *found])
    for options, lang in (([], "zh"), (["--lang", "en"], "en")):
        out = tmp_path / f"report-{lang}.html"
        result = CliRunner().invoke(report, [str(records), "-o", str(out), *options])
        assert result.exit_code == 0, result.output
        assert page_data(out.read_text(encoding="utf-8"))["ui"]["lang"] == lang
    result = CliRunner().invoke(report, [str(records), "-o", str(tmp_path / "x.html"), "--lang", "fr"])
    assert result.exit_code == 2 and "fr" in result.output


def test_report_command_without_a_database_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHANJIA_DB", raising=False)
    result = CliRunner().invoke(report, ["-o", "r.html"])
    assert isinstance(result.exception, ChanjiaError)  # cli.main prints it as one "Error: …" line
    message = str(result.exception)
    assert "no database at chanjia.sqlite" in message and "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither a report nor an empty database


def test_report_command_takes_a_database_or_files_not_both(tmp_path):
    records = write_jsonl(tmp_path / "r.jsonl", list(corpus_records())[:3])
    result = CliRunner().invoke(report, [str(records), "--db", "x.sqlite", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "either --db or JSONL files" in result.output


def test_report_command_cannot_write_says_so(tmp_path):
    records = write_jsonl(tmp_path / "r.jsonl", list(corpus_records())[:3])
    result = CliRunner().invoke(report, [str(records), "-o", str(tmp_path / "missing" / "r.html")])
    assert result.exit_code == 1 and "cannot write" in result.output


def test_read_jsonl_reports_bad_lines(tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [{"type": "document"}], bad_lines=("", "oops", "3", '{"type": "entity"}'))
    problems = []
    rows = list(read_jsonl([path], on_error=lambda p, n, problem: problems.append((n, problem.split(" (")[0]))))
    assert rows == [{"type": "document"}, {"type": "entity"}]
    assert problems == [(3, "not JSON"), (4, "not a JSON object")]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """``--db`` (and ``--schema``) options of a fresh SQLite file, or of a fresh schema in
    ``$CHANJIA_TEST_PG_URL``, dropped afterwards."""
    if request.param == "sqlite":
        yield {"db": str(tmp_path / "chanjia.sqlite"), "schema": None}
        return
    with fresh_pg_schema() as (url, schema):
        yield {"db": url, "schema": schema}


@pytest.mark.slow
def test_report_command_reads_the_store(database, tmp_path):
    rows = corpus_records()
    with store.open(database["db"], schema=database["schema"], create=True) as opened:
        run = opened.begin_run("test")
        docs = [r for r in rows if r["type"] == "document"]
        for doc in docs:
            children = [r for r in rows if r["type"] != "document" and r["doc_id"] == doc["doc_id"]]
            opened.write_document(doc, children, run)
        claim = next(r for r in rows if r.get("claim"))
        opened.write_findings([finding("ledger", "inconsistent", [evidence(claim, "contradicts")])], run)
    out = tmp_path / "report.html"
    options = ["--db", database["db"], *(["--schema", database["schema"]] if database["schema"] else [])]
    result = CliRunner().invoke(report, [*options, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = page_data(out.read_text(encoding="utf-8"))
    shown = [i for i in data["items"] if i["type"] == "claim"]
    assert len(shown) == sum(bool(r.get("claim")) for r in rows)
    assert [i["text"] for i in shown if i.get("findings") == [0]] == [claim["text"]]
    assert all(not doc.get("textless") for doc in data["docs"])
    # target and why come back from the database as extract wrote them
    stored = Counter((i["text"], i.get("target", False), json.dumps(dict(i["why"]), sort_keys=True)) for i in shown)
    assert stored == Counter((r["text"], r["target"], json.dumps(r["why"], sort_keys=True)) for r in rows if r.get("claim"))


#: Made-up one-line reports: who, when, how many 职工书屋.
SCOPED_TEXTS = {
    "huishan-2022": "2022年，惠山区总工会新建职工书屋15家。",
    "binhu-2022": "2022年，滨湖区新建职工书屋9家。",
    "huishan-2021": "2021年，惠山区新建职工书屋7家。",
    "luoshe-2022": "2022年，惠山区洛社镇新建职工书屋3家。",
}


def scoped_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records of :data:`SCOPED_TEXTS` and four findings: one on each 2022 district's claim,
    and two 台账 rows no report states (惠山区 and 滨湖区, 2022)."""
    from chanjia_nlp.subjects import annotate

    rows: list[dict[str, Any]] = []
    for doc_id, text in SCOPED_TEXTS.items():
        base = next(r for r in corpus_records() if r["type"] == "document" and r["status"] == "ok")
        rows.append({**base, "doc_id": doc_id, "path": f"{doc_id}.txt", "title": doc_id, "text": text})
        rows.extend(annotate([to_dict(r, doc_id=doc_id, path=f"{doc_id}.txt") for r in chanjia_nlp.extract(text)]))
    claim = {r["doc_id"]: r for r in rows if r.get("claim")}
    found = [
        {**finding("ledger", "consistent", [evidence(claim["huishan-2022"], "supports")]), "finding_id": "f1"},
        {**finding("ledger", "inconsistent", [evidence(claim["binhu-2022"], "contradicts")]), "finding_id": "f2"},
        {**finding("ledger", "unsupported", [], subject="惠山区", period="2022"), "finding_id": "f3"},
        {**finding("ledger", "unsupported", [], subject="滨湖区", period="2022"), "finding_id": "f4"},
    ]
    return rows, found


def scoped_page(html: str) -> tuple[list[str], list[str], list[str]]:
    data = page_data(html)
    return ([d["path"] for d in data["docs"]], [i["text"] for i in data["items"] if i["type"] == "claim"],
            [f["id"] for f in data["findings"]])


#: What ``--subject 惠山 --period 2022`` keeps: the district, its union and its town, in 2022.
HUISHAN_2022 = (["huishan-2022.txt", "luoshe-2022.txt"], ["15家", "3家"], ["f1", "f3"])


def scoped_store(db: str, schema: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A database of :func:`scoped_rows` (records and findings), and the reviewer account alice."""
    rows, found = scoped_rows()
    with store.open(db, schema=schema, create=True) as opened:
        run = opened.begin_run("test")
        for doc in (r for r in rows if r["type"] == "document"):
            opened.write_document(doc, [r for r in rows if r["type"] != "document" and r["doc_id"] == doc["doc_id"]], run)
        opened.write_findings(found, run)
        opened.add_user("alice", "not-a-real-hash", "reviewer")
        opened.add_user("victor", "not-a-real-hash", "viewer")
    return rows, found


def test_report_command_keeps_one_district_and_year_from_the_store(database, tmp_path):
    scoped_store(database["db"], database["schema"])
    options = ["--db", database["db"], *(["--schema", database["schema"]] if database["schema"] else [])]
    out = tmp_path / "huishan.html"
    result = CliRunner().invoke(report, [*options, "-o", str(out), "--subject", "惠山", "--period", "2022"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert scoped_page(html) == HUISHAN_2022
    assert "<title>chanjia 数据审核报告 · 惠山 · 2022</title>" in html
    result = CliRunner().invoke(report, [*options, "-o", str(out), "--subject", "惠山"])
    assert result.exit_code == 0, result.output
    docs, claims, _ = scoped_page(out.read_text(encoding="utf-8"))
    assert docs == ["huishan-2021.txt", "huishan-2022.txt", "luoshe-2022.txt"] and sorted(claims) == ["15家", "3家", "7家"]
    result = CliRunner().invoke(report, [*options, "-o", str(out)])
    assert len(scoped_page(out.read_text(encoding="utf-8"))[0]) == 4


def test_report_command_keeps_one_district_and_year_from_jsonl(tmp_path):
    rows, found = scoped_rows()
    records = write_jsonl(tmp_path / "records.jsonl", [*rows, *found])
    out = tmp_path / "huishan.html"
    result = CliRunner().invoke(report, [str(records), "-o", str(out), "--subject", "惠山", "--period", "2022"])
    assert result.exit_code == 0, result.output
    assert scoped_page(out.read_text(encoding="utf-8")) == HUISHAN_2022
    assert "2 documents, 2 claims, 2 findings" in result.stderr
    result = CliRunner().invoke(report, [str(records), "-o", str(out), "--period", "22"])
    assert result.exit_code == 2 and "no year" in result.output


def offline_file(path: Path, decisions: list[dict[str, Any]], reviewer: str | None = "alice") -> Path:
    path.write_text(json.dumps({"format": "chanjia-offline-reviews", "version": 1, "reviewer": reviewer,
                                "decisions": decisions}, ensure_ascii=False), encoding="utf-8")
    return path


def decision(row: dict[str, Any], action: str, based_on: int = 0, **changes: Any) -> dict[str, Any]:
    return {"doc_id": row["doc_id"], "path": row["path"], "start": row["start"], "end": row["end"], "text": row["text"],
            "action": action, "changes": changes, "based_on": based_on, "reviewed_at": "2026-01-02T03:04:05.000Z"}


def test_reviews_import_makes_the_checks_of_the_server(tmp_path):
    from chanjia_nlp.serve.commands import reviews

    db = str(tmp_path / "chanjia.sqlite")
    rows, _ = scoped_store(db)
    claim = {r["doc_id"]: r for r in rows if r.get("claim")}
    with store.open(db, create=True) as opened:  # someone decided on 滨湖's figure after the report was written
        opened.review(claim["binhu-2022"]["doc_id"], claim["binhu-2022"]["start"], claim["binhu-2022"]["end"],
                      "confirm", reviewer="alice", based_on=0)
    file = offline_file(tmp_path / "r.json", [
        decision(claim["huishan-2022"], "correct", value="16"),
        decision(claim["binhu-2022"], "reject"),  # stale: based on version 0
        decision(claim["huishan-2021"], "correct", qualifier="bogus"),
        decision(claim["luoshe-2022"], "reject"),
    ])
    for options, message in ((["--reviewer", "victor"], "victor is no reviewer"), (["--reviewer", "nobody"], "nobody")):
        result = CliRunner().invoke(reviews, ["import", str(file), "--db", db, *options])
        assert result.exit_code != 0 and message in str(result.exception or result.output)
    result = CliRunner().invoke(reviews, ["import", str(file), "--db", db])
    assert result.exit_code == 1
    assert "2 decisions stored, 2 refused" in result.stderr and "someone decided on it since" in result.stderr
    assert "qualifier" in result.stderr
    with store.open(db, create=True) as opened:
        stored = [(r["text"], r["action"], r["reviewer"], r["source"], (r["after"] or {}).get("value"))
                  for r in opened.reviews()]
    assert stored == [("9家", "confirm", "alice", "serve", "9"), ("15家", "correct", "alice", "import", "16"),
                      ("3家", "reject", "alice", "import", None)]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    result = CliRunner().invoke(reviews, ["import", str(bad), "--db", db])
    assert result.exit_code != 0 and "not a review file" in str(result.exception)


#: A sentence of each kind the cross-checks write (made-up cells, values and files) and how the
#: Chinese report says it.
CROSS_CHECK_SENTENCES = [
    ("台账 F6 2,150人 matches 2150名 (a.txt:799)", "台账 F6 2,150人 与 2150名（a.txt:799）一致"),
    ("台账 F10 2300余 (2,300人) agrees with 2386人 (b.txt:497) within the 余 of 2300余 (the reports give no year)",
     "台账 F10 2300余 (2,300人) 与 2386人（b.txt:497）在2300余的“余”的范围内一致（报告未写年份）"),
    ("台账 F7 45,000人次 differs from 4.2万人次 (a.txt:718): gap +3,000人次 (+7.1%)",
     "台账 F7 45,000人次 与 4.2万人次（a.txt:718）不一致：差额 +3,000人次（+7.1%）"),
    ("台账 F9 300人 differs from 超过300人 (a.txt:5): gap -1人 (-0.3%) (the report says more than 300人 (超过300人), "
     "which rules out 300人 itself)",
     "台账 F9 300人 与 超过300人（a.txt:5）不一致：差额 -1人（-0.3%）（报告写的是超过300人，多于 300人，不含 300人 本身）"),
    ("台账 F8 68家: the reports give different values: 23家 (a.txt:345), 68家 (a.txt:411)",
     "台账 F8 68家：各报告数值不一：23家（a.txt:345）、68家（a.txt:411）"),
    ("台账 F12 12个 (江都区 户外劳动者服务站 2022): no report states it", "台账 F12 12个（江都区 户外劳动者服务站 2022）：报告中没有依据"),
    ("台账 F3 5家 (江都区 试点单位 2025, a target): no report states it as a target",
     "台账 F3 5家（江都区 试点单位 2025，目标）：没有报告把它作为目标"),
    ("台账 F4 7个 (惠山区 x 2022): its indicator is not recognised; map it with --mapping",
     "台账 F4 7个（惠山区 x 2022）：未能识别其指标；请用 --mapping 对应"),
    ("flagged: the parts G14 1800 + G15 600 sum to 2400万元, 100万元 less than the 合计 G16 2500 (-4.0%)",
     "分项 G14 1800 + G15 600 合计 2400万元，比合计 G16 2500 少 100万元（-4.0%）"),
    ("explained: the difference 1人 is within the rounding of figures written to 10人",
     "差额 1人 在数字取整的范围内（数字精确到 10人）"),
    ("flagged: 46人 of 412人 is 11.17%, not 12%", "46人 占 412人 的 11.17%，而不是 12%"),
    ("flagged: F5 9 ÷ the target E5 8 is 112.50%, not 120%", "F5 9 ÷ 目标 E5 8 为 112.50%，而不是 120%"),
    ("flagged: 惠山区 试点单位 (pilot_units, 2022, as_of) is 25家 in a.txt but 30家 in b.txt",
     "惠山区 试点单位（pilot_units，2022，as_of）各文件说法不一：a.txt 写作 25家；b.txt 写作 30家"),
    ("flagged: 120 characters of b.txt (江都区) repeat a.txt (惠山区), similarity 0.93",
     "b.txt（江都区）有 120 个字符与 a.txt（惠山区）重复，相似度 0.93"),
    ("1.2万名 (健康体检, welfare_services) for 惠山区 2022: no ledger row covers it",
     "1.2万名（健康体检，普惠服务(体检、托管、保险、服务卡等)）：惠山区 2022 没有台账行与之对应"),  # the registry's name
    ("a sentence the checks never write", "a sentence the checks never write"),
]


@pytest.mark.parametrize(("english", "chinese"), CROSS_CHECK_SENTENCES)
def test_cross_check_sentences_read_in_chinese(english, chinese):
    from chanjia_nlp.report.i18n import finding_message

    assert finding_message(english, "zh") == chinese
    assert finding_message(english, "en") == english


def test_the_report_shows_cross_check_messages_and_names_in_its_language(tmp_path):
    from chanjia_nlp.report import write_report

    rows, _ = scoped_rows()
    found = [{**finding("ledger", "inconsistent", []), "message": CROSS_CHECK_SENTENCES[2][0]},
             {**finding("ledger_total", "flagged", []), "message": CROSS_CHECK_SENTENCES[8][0]}]
    for lang, messages, checks in (("zh", [CROSS_CHECK_SENTENCES[2][1], CROSS_CHECK_SENTENCES[8][1]], "台账合计"),
                                   ("en", [CROSS_CHECK_SENTENCES[2][0], CROSS_CHECK_SENTENCES[8][0]], "ledger_total")):
        out = tmp_path / f"{lang}.html"
        write_report(rows, out, findings=found, lang=lang)
        data = page_data(out.read_text(encoding="utf-8"))
        assert [f["message"] for f in data["findings"]] == messages and data["ui"]["checks"]["ledger_total"] == checks


def test_a_report_named_other_than_html_is_refused_before_anything_is_written(tmp_path):
    from click.testing import CliRunner

    from chanjia_nlp.cli import cli

    records = tmp_path / "records.jsonl"
    records.write_text("", encoding="utf-8")
    out = tmp_path / "report.txt"
    result = CliRunner().invoke(cli, ["report", "-o", str(out), str(records)])
    assert result.exit_code == 2 and "name it .html" in result.output
    assert not out.exists()
    assert CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "report.HTML"), str(records)]).exit_code == 0
