"""Reviewing 台账 findings, the per-district pages and their exports, and the server in Chinese
(issue 16): the store's finding reviews on SQLite and PostgreSQL (history, a stale decision
refused, two writers at once), schema version 8 reached from a version-6 database, and the
server through Starlette's test client on the sample corpus checked against the sample 台账."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from chanjia_nlp import store
from chanjia_nlp.cli import cli
from chanjia_nlp.errors import ConfigError
from chanjia_nlp.store import schema
from chanjia_nlp.store.reviews import ReviewConflict

from .conftest import ROOT, fresh_pg_schema

pytest.importorskip("starlette", reason="pip install -e '.[test]' installs the serve extra")

LEDGER = ROOT / "corpus" / "ledger" / "2023年度产改工作台账.xlsx"
HUISHAN = "320206"
#: A report whose name a spreadsheet would run as a formula, were it not neutralised.
FORMULA_NAME = "=HYPERLINK(1+2).txt"
FORMULA_TEXT = "锡山区工作简报\n\n2022年，锡山区新增高技能人才415名。\n"


def _fill(args: list[str], folder) -> None:
    """The sample corpus (and one report with a formula for a name) extracted, then checked
    against the sample 台账."""
    import shutil

    reports = folder / "reports"
    shutil.copytree(ROOT / "corpus", reports, ignore=shutil.ignore_patterns("ledger", "*.md"))
    (reports / FORMULA_NAME).write_text(FORMULA_TEXT, encoding="utf-8")
    runner = CliRunner()
    extracted = runner.invoke(cli, ["extract", str(reports), *args, "--quiet"])
    assert extracted.exit_code == 0, extracted.output
    checked = runner.invoke(cli, ["check", str(LEDGER), *args, "--no-fail"])
    assert checked.exit_code == 0, checked.output


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def checked(request, tmp_path_factory):
    """``(url, schema)`` of a database of the corpus checked against the 台账 (one per module: tests
    review different findings)."""
    folder = tmp_path_factory.mktemp("districts")
    if request.param == "sqlite":
        context = contextlib.nullcontext((str(folder / "c.sqlite"), None))
    else:
        context = fresh_pg_schema()
    with context as (url, name):
        _fill(["--db", url, *(["--schema", name] if name else [])], folder)
        yield url, name


@pytest.fixture
def opened(checked):
    url, name = checked
    with store.open(url, schema=name) as st:
        yield st


def _ledger_finding(st, cell: str) -> dict:
    sheet, at = cell.split("!")
    [found] = [f for f in st.findings(check="ledger") if f["ledger"]["sheet"] == sheet and f["ledger"]["cell"] == at]
    return found


# -- the store ----------------------------------------------------------------------------------


def test_finding_decisions_are_kept_with_history_and_a_stale_one_is_refused(opened):
    f7 = _ledger_finding(opened, "惠山区!F7")
    assert f7["verdict"] == "inconsistent" and opened.finding(f7["finding_id"])["version"] == 0
    opened.review_finding(f7["finding_id"], "confirm", reviewer="alice", based_on=0, note="看过台账")
    opened.review_finding(f7["finding_id"], "correct", reviewer="bob", based_on=1,
                          changes={"verdict": "consistent_within_qualifier", "observed": "42,000"})
    with pytest.raises(ReviewConflict, match="bob already decided"):
        opened.review_finding(f7["finding_id"], "reject", reviewer="carol", based_on=1)
    history = opened.finding_reviews(f7["finding_id"])
    assert [(h["version"], h["action"], h["reviewer"]) for h in history] == [(1, "confirm", "alice"), (2, "correct", "bob")]
    assert history[0]["note"] == "看过台账"
    assert history[1]["before"]["verdict"] == "inconsistent" and history[1]["before"]["observed"] == "45000"
    assert history[1]["after"] == {"verdict": "consistent_within_qualifier", "expected": f7["expected"],
                                   "observed": "42000", "gap": format(Decimal("42000") - Decimal(f7["expected"]), "f")}
    now = opened.finding(f7["finding_id"])
    assert now["version"] == 2 and now["reviewed"]["verdict"] == "consistent_within_qualifier"
    assert now["reviewed"]["reviewed_by"] == "bob" and now["verdict"] == "inconsistent"  # the stored finding is kept
    assert set(opened.latest_finding_reviews()) == {f7["finding_id"]}


@pytest.mark.parametrize("action, changes, message", [
    ("correct", {"verdict": "fine"}, "verdict"), ("correct", {"observed": "12abc"}, "not a number"),
    ("correct", {"message": "x"}, "field"), ("correct", {}, "at least one changed field"),
    ("confirm", {"verdict": "consistent"}, "takes no changed fields"), ("destroy", None, "action"),
])
def test_a_bad_finding_decision_is_refused_with_the_valid_values(opened, action, changes, message):
    f9 = _ledger_finding(opened, "江都区!F9")
    with pytest.raises(ConfigError, match=message):
        opened.review_finding(f9["finding_id"], action, reviewer="alice", based_on=0, changes=changes)
    assert opened.finding_reviews(f9["finding_id"]) == []


def test_two_writers_at_once_on_one_finding_one_wins_one_is_told(checked):
    url, name = checked
    with store.open(url, schema=name) as first, store.open(url, schema=name) as second:
        f6 = _ledger_finding(first, "江都区!F6")
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def decide(st, who: str) -> None:
            barrier.wait()
            try:
                st.review_finding(f6["finding_id"], "reject", reviewer=who, based_on=0)
                outcomes[who] = "stored"
            except ReviewConflict:
                outcomes[who] = "conflict"

        threads = [threading.Thread(target=decide, args=(first, "alice")),
                   threading.Thread(target=decide, args=(second, "bob"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes.values()) == ["conflict", "stored"]
        [kept] = first.finding_reviews(f6["finding_id"])
        assert outcomes[kept["reviewer"]] == "stored"


#: The index of claims in page order, by dialect (PostgreSQL's orders paths as code points).
ORDER_INDEX = {"sqlite": "ix_quantities_order", "postgresql": "ix_quantities_order_c"}
SUBJECT_ORDER_INDEX = {"sqlite": "ix_quantities_subject_order", "postgresql": "ix_quantities_subject_order_c"}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_version_6_database_gains_finding_reviews(engine, tmp_path):
    from chanjia_nlp.crosscheck.findings import finding

    stored = finding(check="ledger", verdict="consistent", message="台账 F6 matches", indicator="pilot_units",
                     subject="惠山区", period="2022", expected=Decimal("25"), observed=Decimal("25"),
                     ledger={"file": "t.xlsx", "sheet": "惠山区", "row": 6, "column": "F", "cell": "F6", "value": "25"})
    context = contextlib.nullcontext((str(tmp_path / "v6.sqlite"), None)) if engine == "sqlite" else fresh_pg_schema()
    with context as (url, name):
        with store.open(url, schema=name, create=True) as st:
            st.write_findings([stored])
            with st.engine.begin() as conn:  # back to what chanjia left at version 6
                conn.execute(text("DROP TABLE finding_reviews"))
                conn.execute(text(f"DROP INDEX {'' if name is None else name + '.'}{ORDER_INDEX[engine]}"))
                conn.execute(text(f"DROP INDEX {'' if name is None else name + '.'}ix_findings_stored_at"))
                conn.execute(text(f"DROP INDEX {'' if name is None else name + '.'}{SUBJECT_ORDER_INDEX[engine]}"))
                conn.execute(schema.schema_version.delete().where(schema.schema_version.c.version > 6))
        with store.open(url, schema=name) as st:
            with st.engine.connect() as conn:
                versions = [v for (v,) in conn.execute(text("SELECT version FROM schema_version ORDER BY version"))]
            assert versions == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
            assert "finding_reviews" in inspect(st.engine).get_table_names(schema=name)
            indexes = {i["name"] for i in inspect(st.engine).get_indexes("quantities", schema=name)}
            assert ORDER_INDEX[engine] in indexes and set(ORDER_INDEX.values()) - indexes  # its dialect's only
            assert SUBJECT_ORDER_INDEX[engine] in indexes and set(SUBJECT_ORDER_INDEX.values()) - indexes
            assert "ix_findings_stored_at" in {i["name"] for i in inspect(st.engine).get_indexes("findings", schema=name)}
            [kept] = list(st.findings())
            decided = st.review_finding(kept["finding_id"], "correct", reviewer="alice", based_on=0,
                                        changes={"verdict": "inconsistent"})
            assert decided["version"] == 1 and st.finding(kept["finding_id"])["reviewed"]["verdict"] == "inconsistent"
            columns = {c["name"] for c in inspect(st.engine).get_columns("finding_reviews", schema=name)}
        assert columns == {c.name for c in schema.finding_reviews.columns}


# -- the server -----------------------------------------------------------------------------------


@pytest.fixture
def client(checked, request):
    """A test client signed in as the reviewer alice, pages in Chinese (or ``request.param``);
    each test gets an account of its own name so decisions never clash across tests."""
    from starlette.testclient import TestClient

    from chanjia_nlp.serve import create_app
    from chanjia_nlp.serve.auth import hash_password

    url, name = checked
    with store.open(url, schema=name) as st:
        for user, role in (("alice", "reviewer"), ("vic", "viewer")):
            if st.user(user) is None:
                st.add_user(user, hash_password(f"{user}-password"), role)
    app = create_app(url, schema=name, lang=getattr(request, "param", "zh"))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c, app.state.store


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _sign_in(c, name: str = "alice") -> None:
    token = _csrf(c.get("/login").text)
    assert c.post("/login", data={"name": name, "password": f"{name}-password", "csrf": token}).status_code == 303


def _visible(html: str) -> str:
    """The words a person sees on a page: the body without tags (attributes and styles dropped)."""
    return re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1])


def _cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table ``table_id``."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in rows]


def test_the_pages_speak_chinese_by_default(client):
    c, _ = client
    login = c.get("/login").text
    assert "<h1>登录</h1>" in login and "用户名" in login and "Sign in" not in login
    _sign_in(c)
    for path, words in (("/claims", ("数据（", "单位/地区", "筛选", "未审核")), ("/table", ("评估表（按区县", "取数依据")),
                        ("/findings", ("台账核对结果", "在限定范围内一致", "不一致", "无依据", "存疑")),
                        (f"/district/{HUISHAN}", ("惠山区：各指标逐年数据", "导出 CSV", "说明：结论和口径的含义", "存量"))):
        page = c.get(path).text
        assert all(word in page for word in words), path
        for english in ("Sign out", "Claims", "Assessment table", "Findings", "reviewed by", "consistent_within"):
            assert english not in _visible(page), (path, english)
    table = _cells(c.get(f"/district/{HUISHAN}?year=2022&indicator=assistance_funds").text, "assessment")
    assert table[0][3] == "620万元" and "6,235,000" not in table[0][7] and "623.5万元" in table[0][7]  # money in 万元


@pytest.mark.parametrize("client", ["en"], indirect=True)
def test_lang_en_gives_the_english_pages(client):
    c, _ = client
    _sign_in(c)
    page = c.get(f"/district/{HUISHAN}").text
    assert "惠山区: each indicator by year" in page and "Export CSV" in page and "consistent within qualifier" in page


def test_reviewing_a_finding_in_the_server(client):
    c, st = client
    _sign_in(c)
    f8 = _ledger_finding(st, "惠山区!F8")  # ambiguous: the 台账's 68 is either the 23 added or the 68 held
    url = f"/finding/{f8['finding_id']}"
    page = c.get(url).text
    assert "存疑" in page and 'name="verdict"' in page
    token = _csrf(page)
    done = c.post(url, data={"csrf": token, "version": "0", "action": "correct", "verdict": "consistent",
                             "observed": "68", "expected": f8["expected"] or "", "note": "68家是年末存量"})
    assert done.status_code == 303 and done.headers["location"].endswith("?saved=1")
    saved = c.get(done.headers["location"]).text
    assert "已保存" in saved and "68家是年末存量" in saved and "存疑 → 一致" in saved
    [row] = [r for r in _cells(c.get(f"/district/{HUISHAN}?indicator=pilot_units&year=2022").text, "assessment")]
    assert "一致" in row[7] and "已更正" in row[7]  # the reviewed verdict wins in the district table
    [listed] = [r for r in _cells(c.get("/findings").text, "findings") if r[7] == "惠山区!F8"]
    assert listed[1] == "一致" and listed[5].startswith("68") and "已更正" in listed[8] and "alice" in listed[8]

    # a stale form: refused with who decided, what was typed kept
    stale = c.post(url, data={"csrf": token, "version": "0", "action": "correct", "verdict": "inconsistent",
                              "observed": "70", "note": "我的意见"})
    assert stale.status_code == 409
    assert "alice 在您打开此页后已作出决定（已更正" in stale.text and 'value="70"' in stale.text and "我的意见" in stale.text
    assert [h["version"] for h in st.finding_reviews(f8["finding_id"])] == [1]

    # reject: the row keeps the 台账 value but no verdict counts
    rejected = c.post(url, data={"csrf": token, "version": "1", "action": "reject", "note": "台账填错"})
    assert rejected.status_code == 303
    [row] = _cells(c.get(f"/district/{HUISHAN}?indicator=pilot_units&year=2022").text, "assessment")
    assert "已驳回" in row[7] and "一致" not in row[7]


def test_findings_need_a_session_a_token_and_a_reviewer(client):
    c, st = client
    f12 = _ledger_finding(st, "江都区!F12")
    url = f"/finding/{f12['finding_id']}"
    for path in (url, f"/district/{HUISHAN}", f"/district/{HUISHAN}/export.csv", "/districts"):
        answer = c.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    _sign_in(c, "vic")
    page = c.get(url).text
    assert "您是查看者" in page
    assert c.post(url, data={"csrf": _csrf(page), "version": "0", "action": "reject"}).status_code == 403
    assert c.post(url, data={"csrf": "forged", "version": "0", "action": "reject"}).status_code == 403
    assert "CSRF" in c.post(url, data={"version": "0", "action": "reject"}).text
    assert st.finding_reviews(f12["finding_id"]) == []
    assert c.get("/finding/nope").status_code == 404 and c.get("/district/999999").status_code == 404


def test_the_district_page_exports_its_filtered_rows_as_csv_and_xlsx(client):
    from openpyxl import load_workbook

    c, _ = client
    _sign_in(c)
    page = c.get(f"/district/{HUISHAN}?year=2022&targets=exclude").text
    shown = _cells(page, "assessment")
    link = re.search(r'id="export-csv" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link == f"/district/{HUISHAN}/export.csv?year=2022&targets=exclude"
    answer = c.get(link)
    assert answer.headers["content-type"].startswith("text/csv") and "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["地区"], r["年份"], r["原文"]) for r in rows] == [(s[0], s[2], s[4]) for s in shown]
    funds = next(r for r in rows if r["indicator"] == "assistance_funds")
    assert (funds["数值"], funds["单位"], funds["台账数值"], funds["结论"]) == ("6200000", "元", "6235000", "在限定范围内一致")

    book = load_workbook(io.BytesIO(c.get(link.replace(".csv", ".xlsx")).content))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    values = {row[header.index("indicator")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(values) == len({r["indicator"] for r in rows})
    assert values["assistance_funds"][header.index("数值")] == 6200000  # a number, not text
    at = header.index("数值")
    cell = next(row[at] for row in sheet.iter_rows(min_row=2) if row[at].value == 6200000)
    assert cell.number_format == '#,##0"元"'


def test_a_formula_in_the_data_is_neutralised_in_both_exports(client):
    from openpyxl import load_workbook

    c, _ = client
    _sign_in(c)
    xishan = "320205"  # 锡山区: its one report has a formula for a name
    rows = list(csv.DictReader(io.StringIO(c.get(f"/district/{xishan}/export.csv").content.decode("utf-8-sig"))))
    [talent] = [r for r in rows if r["原文"] == "415名"]
    assert talent["依据"].startswith("'=HYPERLINK(1+2).txt")
    assert not any(value.startswith(("=", "+", "@")) for r in rows for value in r.values())
    sheet = load_workbook(io.BytesIO(c.get(f"/district/{xishan}/export.xlsx").content)).active
    evidence = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[7] == "415名"]
    assert evidence == [talent["依据"]]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_charts_draw_stocks_and_flows_apart_one_figure_a_year(client):
    c, _ = client
    _sign_in(c)
    page = c.get(f"/district/{HUISHAN}?indicator=high_skilled_talent").text
    charts = dict(re.findall(r'<figure class="f-[a-z]+" data-indicator="high_skilled_talent" data-family="([a-z]+)">(.*?)</figure>',
                             page, flags=re.S))
    # 2022: 新增2150名 (a flow) and 年末总量达3.1万人 (a stock): the table chose the stock, the flow
    # chart shows the 2150 it set aside; 2023's 2000名以上 is a target (力争), never drawn
    assert set(charts) == {"stock", "flow"}
    bars = {family: re.findall(r"<title>([^<]+)</title>", svg) for family, svg in charts.items()}
    assert bars == {"stock": ["2022: 31,000 人"], "flow": ["2022: 2,150 名"]}
    assert "33,150" not in page and "2,000" not in "".join(charts.values())  # never a stock plus a flow, no target


# -- the reads a busy server makes ----------------------------------------------------------------


@pytest.fixture
def reviewed_copy(checked, tmp_path):
    """A database of the corpus with one claim in seven decided on (confirmed, rejected, or
    corrected to another indicator and district): SQLite copied, PostgreSQL reviewed in place
    (and left so: the module's other tests decide on other figures)."""
    import shutil

    url, name = checked
    if name is None:
        shutil.copy(url, tmp_path / "copy.sqlite")
        url = str(tmp_path / "copy.sqlite")
    with store.open(url, schema=name) as st:
        frame = st.claims()
        for n, (doc_id, start, end) in enumerate(list(zip(frame["doc_id"], frame["start"], frame["end"], strict=True))[3::7]):
            figure = st.figure(doc_id, int(start), int(end))
            if figure["version"]:
                continue
            action = ("confirm", "reject", "correct")[n % 3]
            changes = {"indicator": "pilot_units", "subject": "梁溪区"} if action == "correct" else None
            st.review(doc_id, int(start), int(end), action, reviewer="zoe", based_on=0, changes=changes)
        yield st


@pytest.mark.parametrize("filters", [{}, {"indicator": "pilot_units"}, {"subject": "惠山"}, {"subject": "梁溪"},
                                     {"period": "2022", "targets": "exclude"}])
def test_a_page_of_claims_is_the_slice_of_all_claims(reviewed_copy, filters):
    every = reviewed_copy.claims(**filters)
    wanted = list(zip(every["doc_id"], every["start"], every["reviewed_by"]))
    assert any(w[2] == "zoe" for w in wanted) or filters.get("subject") == "惠山"
    for offset in range(0, len(wanted) + 3, 11):
        for limit in (1, 7, 200):
            rows, total = reviewed_copy.claims_page(offset, limit, **filters)
            assert total == len(wanted)
            assert [(r["doc_id"], r["start"], r["reviewed_by"]) for r in rows] == wanted[offset : offset + limit]


@pytest.mark.parametrize("subject", ["惠山", "梁溪区", "江都", "无锡", "江苏"])
def test_a_regions_table_reads_only_its_documents_and_findings_and_gives_the_same_rows(reviewed_copy, subject):
    from chanjia_nlp.assessment import assessment_table
    from chanjia_nlp.subjects import resolve_region

    region = resolve_region(subject).code
    ledger = list(reviewed_copy.findings(check="ledger"))
    for by in ("district", "city", "province"):
        everything = assessment_table(list(reviewed_copy.records(types=["document", "quantity"], reviewed=True)),
                                      ledger, by=by, region=region)
        assert reviewed_copy.table(by=by, subject=subject).to_dict("records") == everything


def test_a_regions_table_is_made_again_when_a_decision_touches_it(reviewed_copy):
    """The table of a region is kept between views; a decision on one of its figures, or one
    moving a figure into it, makes it again (the same rows as the whole table's)."""
    from chanjia_nlp.assessment import assessment_table

    def fresh() -> list[dict]:
        every = list(reviewed_copy.records(types=["document", "quantity"], reviewed=True))
        return assessment_table(every, list(reviewed_copy.findings(check="ledger")), by="district", region="320213")

    assert reviewed_copy.table(subject="梁溪区").to_dict("records") == fresh()
    frame = reviewed_copy.claims(subject="惠山")
    undecided = [(d, int(s), int(e)) for d, s, e, who in zip(frame["doc_id"], frame["start"], frame["end"],
                                                                 frame["reviewed_by"], strict=True) if who is None]
    moved, rejected = undecided[0], reviewed_copy.claims(subject="梁溪区")
    reviewed_copy.review(*moved, "correct", reviewer="yan", based_on=0, changes={"subject": "梁溪区"})
    assert reviewed_copy.table(subject="梁溪区").to_dict("records") == fresh()
    liangxi = [(d, int(s), int(e)) for d, s, e, who in zip(rejected["doc_id"], rejected["start"], rejected["end"],
                                                              rejected["reviewed_by"], strict=True) if who is None]
    reviewed_copy.review(*liangxi[0], "reject", reviewer="yan", based_on=0)
    assert reviewed_copy.table(subject="梁溪区").to_dict("records") == fresh()


# -- what assessors read is Chinese ---------------------------------------------------------------

#: A file name with its line, as messages cite evidence (``02_district_summary_2022.txt:345``).
FILE_CITED = re.compile(r"[\w.=()+-]+\.(?:txt|docx?|wps|pdf|html?)(?::[0-9]+)?")


def _english_left(text: str) -> list[str]:
    """Latin words of three letters or more once file names are taken out (cells such as F8 stay)."""
    return re.findall(r"[A-Za-z]{3,}", FILE_CITED.sub(" ", text))


def test_cross_check_messages_and_names_are_chinese_on_the_chinese_pages(client):
    c, st = client
    _sign_in(c)
    rows = _cells(c.get("/findings").text, "findings")
    assert rows and all(not _english_left(row[0] + row[9]) for row in rows), [
        (row[0], row[9]) for row in rows if _english_left(row[0] + row[9])][:3]
    kinds = {row[0] for row in rows}
    assert {"台账行", "台账合计", "台账未覆盖"} <= kinds
    messages = {row[9] for row in rows}
    assert any("一致" in m and "与" in m for m in messages) and any("差额" in m for m in messages)
    f8 = _ledger_finding(st, "惠山区!F8")
    page = c.get(f"/finding/{f8['finding_id']}").text
    assert "各报告数值不一" in page and "the reports give" not in page


@pytest.mark.parametrize("client", ["en"], indirect=True)
def test_cross_check_messages_stay_english_on_the_english_pages(client):
    c, st = client
    _sign_in(c)
    rows = _cells(c.get("/findings").text, "findings")
    assert {row[9] for row in rows} == {f["message"] for f in st.findings()} & {row[9] for row in rows}
    assert any(" matches " in row[9] for row in rows)


def test_refusals_of_the_server_are_chinese(client):
    c, st = client
    assert c.get("/api/claims").json() == {"error": "请先登录（POST /login）"}
    _sign_in(c)
    f8 = _ledger_finding(st, "惠山区!F8")
    url = f"/finding/{f8['finding_id']}"
    token = _csrf(c.get(url).text)
    bad = c.post(url, data={"csrf": token, "version": "0", "action": "correct", "verdict": "wrong"})
    assert bad.status_code == 400 and "结论“wrong”无效；可选：一致（consistent）、在限定范围内一致" in bad.text
    assert "is invalid" not in _visible(bad.text)
    bad = c.post(url, data={"csrf": token, "version": "0", "action": "correct", "observed": "many"})
    assert bad.status_code == 400 and "台账数值“many”不是数字" in bad.text
    claim = st.claims(subject="惠山区").iloc[0]
    figure = f"/figure/{claim['doc_id']}/{int(claim['start'])}/{int(claim['end'])}"
    bad = c.post(figure, data={"csrf": token, "version": "0", "action": "correct", "period": "22年"})
    assert bad.status_code == 400 and "时间“22年”无效；请填写年份（2022）或年月（2022-03）" in bad.text
    api = f"/api{figure}"
    answer = c.post(api, content=b"[1]", headers={"x-csrf-token": token, "content-type": "application/json"})
    assert answer.status_code == 400 and answer.json() == {"error": "请发送一个 JSON 对象"}
    answer = c.post(api, json={"action": "destroy", "version": 0}, headers={"x-csrf-token": token})
    assert answer.status_code == 400 and answer.json()["error"].startswith("决定“destroy”无效；可选：确认（confirm）")
    assert "指标“bogus”无效" in c.get("/claims?indicator=bogus").text
    assert c.get("/api/claims?period=22年").json() == {"error": "时间“22年”无效；请填写年份（2022）或年月（2022-03）"}
    assert "“火星”不是地名录中的区县、市或省" in c.get("/table?subject=火星").text
    assert "“999999”不是区县代码" in c.get("/district/999999").text
