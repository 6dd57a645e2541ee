"""The review report beside a figure of a scan (issue 19): a crop of the page image around its
characters, made from the scanned file again (``report/crops.py``), bounded in size, only for
figures read by OCR; in headless Chromium it shows in the claims table and the hover card
(screenshot: ``tests/artifacts/report-ocr-crop.png``). Pages are drawn here in WenQuanYi Micro
Hei from made-up text."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from chanjia_nlp import ocr
from chanjia_nlp.cli import cli
from chanjia_nlp.report import crops

from .conftest import CHROMIUM
from .test_ocr import LINE_2, blurred_figure, encode, needs_font, needs_ocr, page, scanned_pdf

Image = pytest.importorskip("PIL.Image")
pytestmark = [needs_ocr, needs_font]
ARTIFACTS = Path(__file__).parent / "artifacts"


def _data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    assert found, "no JSON data in the report"
    return json.loads(found.group(1))


def _png(uri: str):
    assert uri.startswith("data:image/png;base64,")
    raw = base64.b64decode(uri.split(",", 1)[1])
    return raw, Image.open(io.BytesIO(raw))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    """A folder with a scanned image (one figure blurred), a scanned PDF and a text report,
    extracted into a database, and the report of it."""
    folder = tmp_path_factory.mktemp("scans")
    reports = folder / "reports"
    reports.mkdir()
    both = Image.new("RGB", (900, 350), "white")
    both.paste(page(), (0, 0))
    both.paste(blurred_figure(2.5, 150), (0, 200))  # 1200 misread, doubtful: damaged
    (reports / "scan.png").write_bytes(encode(both, "PNG"))
    (reports / "scan.pdf").write_bytes(scanned_pdf(page([LINE_2.replace("860", "740")], size=(900, 130))))
    (reports / "text.txt").write_text("全区新增高技能人才1300余名。", encoding="utf-8")
    db = folder / "chanjia.sqlite"
    done = CliRunner().invoke(cli, ["extract", str(reports), "--db", str(db), "--no-progress", "--quiet"])
    assert done.exit_code == 0, done.output
    done = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(folder / "report.html"), "--lang", "en"])
    assert done.exit_code == 0, done.output
    return folder


def test_every_figure_of_a_scan_has_a_crop_of_its_page_and_no_other_figure_has(scanned):
    data = _data((scanned / "report.html").read_text(encoding="utf-8"))
    docs = {Path(d["path"]).name: i for i, d in enumerate(data["docs"])}
    figures = [item for item in data["items"] if item["type"] in ("claim", "quantity")]
    by_doc = {name: [f for f in figures if f["doc"] == i] for name, i in docs.items()}
    assert by_doc["scan.png"] and by_doc["scan.pdf"] and by_doc["text.txt"]
    assert all("crop" in f for f in by_doc["scan.png"] + by_doc["scan.pdf"])
    assert not any("crop" in f for f in by_doc["text.txt"])
    assert any(f.get("damaged") for f in by_doc["scan.png"])  # the blurred one, shown with its crop
    for f in by_doc["scan.png"] + by_doc["scan.pdf"]:
        raw, image = _png(f["crop"])
        assert image.width <= crops.CROP_WIDTH and image.height <= crops.CROP_HEIGHT
        assert len(raw) < 20_000, f"a crop of {len(raw)} bytes"


def test_the_crop_shows_the_figure_itself(scanned):
    """Read by OCR again, the crop of a clean figure has the figure in it (with a red outline)."""
    data = _data((scanned / "report.html").read_text(encoding="utf-8"))
    clean = [f for f in data["items"] if f.get("crop") and not f.get("damaged")]
    assert {f["text"] for f in clean} >= {"3.5万人次", "860万元", "740万元"}
    for f in clean:
        _, image = _png(f["crop"])
        big = image.convert("RGB").resize((image.width * 2, image.height * 2))
        read = "".join(line.text for line in ocr.recognise(big, 1))
        assert f["text"] in read, f"the crop of {f['text']} reads {read!r}"


def test_a_scan_moved_or_changed_gets_a_note_and_no_crop(scanned, tmp_path):
    db = tmp_path / "copy.sqlite"
    shutil.copy(scanned / "chanjia.sqlite", db)
    moved = tmp_path / "elsewhere"
    shutil.copytree(scanned / "reports", moved)
    (scanned / "reports" / "scan.png").rename(tmp_path / "away.png")
    try:
        (scanned / "reports" / "scan.pdf").write_bytes(b"%PDF-1.4 not the same bytes")
        out = tmp_path / "report.html"
        done = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(out), "--lang", "en"])
        assert done.exit_code == 0, done.output
        data = _data(out.read_text(encoding="utf-8"))
        for doc in data["docs"]:
            if Path(doc["path"]).suffix in (".png", ".pdf"):
                assert "the scan was not found" in doc["note"]
        assert not any("crop" in item for item in data["items"])
    finally:
        (tmp_path / "away.png").rename(scanned / "reports" / "scan.png")
        shutil.copy(moved / "scan.pdf", scanned / "reports" / "scan.pdf")


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: apt-get install chromium")
def test_the_crop_shows_beside_the_figure_in_chromium(scanned, browser):
    from playwright.sync_api import expect

    p = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    p.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    p.on("pageerror", lambda e: problems.append(str(e)))
    p.goto((scanned / "report.html").as_uri(), wait_until="load")
    p.wait_for_selector("html[data-ready=true]")
    p.click("a[data-tab=claims]")
    rows = p.locator("#claim-table tbody tr").filter(has=p.locator("img.crop"))
    expect(rows.first).to_be_visible()
    widths = p.eval_on_selector_all("#claim-table img.crop", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths and all(w > 0 for w in widths)  # decoded: the data URI is a real image the CSP allows
    rows.filter(has_text="1200").first.locator("a.goto").click()
    p.locator("#doc-text mark.focus").first.hover()
    card = p.locator("#card")
    expect(card.locator("img.crop")).to_be_visible()
    assert card.locator("img.crop").evaluate("i => i.naturalWidth") > 0
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "report-ocr-crop-card.png"))
    p.click("a[data-tab=claims]")
    p.locator("#claim-table").screenshot(path=str(ARTIFACTS / "report-ocr-crop.png"))
    assert problems == []
    p.close()
