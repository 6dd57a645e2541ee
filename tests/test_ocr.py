"""OCR of scans (issue 19): image files and PDF pages without a text layer, read through the real
code path (read_text / process_bytes / the CLI) with rapidocr-onnxruntime.

The pages are rendered here with Pillow in WenQuanYi Micro Hei (no real report text). Tests that
need the engine skip, naming the install command, where ``chanjia_nlp[ocr]`` is not installed;
the tests of what happens without it (and with ``--ocr never``) always run.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from chanjia_nlp import ConfigError, DocumentError
from chanjia_nlp import ocr
from chanjia_nlp.cli import cli
from chanjia_nlp.formats import read_text
from chanjia_nlp.runner import ExtractOptions, process_bytes

Image = pytest.importorskip("PIL.Image")
from PIL import ImageDraw, ImageFilter, ImageFont  # noqa: E402

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
LINE_1 = "2023年，全区新增高技能人才1200余名。"
LINE_2 = "培训职工3.5万人次，投入资金860万元。"
needs_font = pytest.mark.skipif(not FONT_PATH.exists(), reason="no CJK font: apt-get install fonts-wqy-microhei")
needs_ocr = pytest.mark.skipif(
    not ocr.available(), reason=f"the OCR engine is not installed: {ocr.INSTALL}"
)


def font(size: int = 40):
    return ImageFont.truetype(str(FONT_PATH), size)


def page(lines=(LINE_1, LINE_2), size=(900, 220)):
    """A clean white page with ``lines`` at 40 px (about 10.5 pt at 300 dpi)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 80 * i), line, font=font(), fill="black")
    return image


def blurred_figure(radius: float, grey: int):
    """LINE_1 with its figure 1200 faint (``grey`` ink) and blurred by ``radius`` pixels."""
    image = Image.new("RGB", (900, 130), "white")
    draw = ImageDraw.Draw(image)
    before = "2023年，全区新增高技能人才"
    draw.text((40, 40), before, font=font(), fill="black")
    x = 40 + draw.textlength(before, font=font())
    patch = Image.new("RGB", (200, 80), "white")
    ImageDraw.Draw(patch).text((0, 10), "1200", font=font(), fill=(grey,) * 3)
    image.paste(patch.filter(ImageFilter.GaussianBlur(radius)), (int(x), 30))
    draw.text((x + draw.textlength("1200", font=font()), 40), "余名。", font=font(), fill="black")
    return image


def encode(image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def figures(result) -> list[tuple[str, Decimal | None, bool]]:
    return [
        (r["text"], None if r["value"] is None else Decimal(r["value"]), r["damaged"])
        for r in result.records if r["type"] == "quantity"
    ]


CLEAN = [("1200余名", Decimal(1200), False), ("3.5万人次", Decimal(35000), False), ("860万元", Decimal(8600000), False)]


# --- without the engine, or with --ocr never -------------------------------------------------------


def scanned_pdf(*images) -> bytes:
    """A PDF of page images only, no text layer (what a scanner writes)."""
    first, *rest = images
    return encode(first, "PDF", save_all=True, append_images=rest, resolution=150)


@needs_font
def test_without_the_engine_a_scan_names_the_install_command(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(DocumentError, match=r"a PNG image \(a scan or photo\); install OCR to read it: pip install 'chanjia_nlp\[ocr\]'"):
        read_text(Path("scan.png"), encode(page(), "PNG"))
    with pytest.raises(DocumentError, match=r"no text layer \(a scan\); run OCR on it first: install it with pip install 'chanjia_nlp\[ocr\]'"):
        read_text(Path("scan.pdf"), scanned_pdf(page()))


@needs_font
def test_ocr_never_keeps_the_scan_message(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf(page()))
    (tmp_path / "photo.jpg").write_bytes(encode(page(), "JPEG"))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "scan.pdf"), str(tmp_path / "photo.jpg"),
                                      "--out", str(out), "--ocr", "never", "--no-progress"])
    assert result.exit_code == 1
    docs = {d["path"].rsplit("/", 1)[-1]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())
            if d["type"] == "document"}
    assert docs["scan.pdf"]["status"] == "error"
    assert docs["scan.pdf"]["error"].startswith("the PDF has no text layer (a scan); run OCR on it first")
    assert "--ocr never" in docs["photo.jpg"]["error"] and docs["photo.jpg"]["status"] == "error"


def test_an_invalid_ocr_mode_is_refused_at_once_naming_the_valid_ones():
    with pytest.raises(ConfigError, match="auto.*always.*never"):
        ExtractOptions(ocr="sometimes")
    with pytest.raises(ConfigError, match="auto.*always.*never"):
        read_text(Path("a.txt"), "职工1.2万人".encode(), ocr="yes")
    result = CliRunner().invoke(cli, ["extract", "x.txt", "--ocr", "sometimes"])
    assert result.exit_code == 2 and "'auto', 'always', 'never'" in result.output


def test_an_unreadable_image_is_one_error_line_and_an_error_record(tmp_path):
    (tmp_path / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 300)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "scan.png"), "--out", str(out), "--no-progress"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "scan.png" in errors[0] and "Traceback" not in result.output
    (doc,) = map(json.loads, out.read_text(encoding="utf-8").splitlines())
    assert doc["type"] == "document" and doc["status"] == "error"
    if ocr.available():
        assert "cannot be decoded" in doc["error"] and "save it again" in doc["error"]
    else:
        assert ocr.INSTALL in doc["error"]


# --- with the engine ---------------------------------------------------------------------------------


@pytest.mark.slow
@needs_ocr
@needs_font
def test_a_clean_image_gives_its_figures_with_their_values():
    result = process_bytes(encode(page(), "PNG"), "scan.png", "scan.png")
    assert result.doc["status"] == "ok" and result.doc["format"] == "image"
    assert result.doc["text"] == f"{LINE_1}\n{LINE_2}"
    assert figures(result) == CLEAN
    assert any(w.startswith("read by OCR (rapidocr-onnxruntime") for w in result.doc["warnings"])
    assert not any("confidence under" in w for w in result.doc["warnings"])
    # offsets slice back to the text
    for r in result.records:
        if r["type"] == "quantity":
            assert result.doc["text"][r["start"]:r["end"]] == r["text"]


@pytest.mark.slow
@needs_ocr
@needs_font
def test_ocr_metadata_keeps_each_characters_confidence_and_box():
    text, fmt, meta = read_text(Path("scan.jpg"), encode(page(), "JPEG", quality=85))
    assert fmt == "image" and meta["ocr_pages"] == [1] and meta["pages"] == 1
    found = meta["ocr"]
    assert found["engine"].startswith("rapidocr") and found["pages"][0]["page"] == 1
    assert (found["pages"][0]["width"], found["pages"][0]["height"], found["pages"][0]["dpi"]) == (900, 220, None)
    for line in found["lines"]:
        assert text[line["start"]:line["end"]] and len(line["chars"]) == line["end"] - line["start"]
        assert all(0 <= c[4] <= 1 and len(c) == 5 for c in line["chars"]) and len(line["box"]) == 4
    assert found["doubtful"] == []


@needs_ocr
@needs_font
@pytest.mark.parametrize("radius,grey", [(2.5, 150), (2.5, 200), (3, 150), (4, 200)])
def test_a_blurred_figure_is_damaged_or_unread_never_wrong_and_trusted(radius, grey):
    result = process_bytes(encode(blurred_figure(radius, grey), "PNG"), "scan.png", "scan.png")
    assert result.doc["status"] == "ok"
    for text, value, damaged in figures(result):
        assert damaged or value == 1200, f"{text} read as {value} and not marked damaged"
    if any(damaged for _, _, damaged in figures(result)):
        assert any("confidence under" in w for w in result.doc["warnings"])


@pytest.mark.slow
@needs_ocr
@needs_font
def test_a_scanned_pdf_and_a_multi_page_tiff_are_read_page_by_page():
    two = (page(), page([LINE_2.replace("3.5", "4.5")], size=(900, 130)))
    for name, data in (("scan.pdf", scanned_pdf(*two)),
                       # copies: Pillow 13 keeps the PDF encoder's settings on an image it saved
                       ("scan.tif", encode(two[0].copy(), "TIFF", save_all=True, append_images=[two[1].copy()]))):
        result = process_bytes(data, name, name)
        assert result.doc["status"] == "ok", result.doc["error"]
        values = [value for _, value, damaged in figures(result) if not damaged]
        # every figure read without doubt is right; the second page's figure is there
        assert set(values) <= {Decimal(1200), Decimal(35000), Decimal(45000), Decimal(8600000)}
        assert Decimal(45000) in {value for _, value, _ in figures(result)}
        assert "\n\n" in result.doc["text"]  # pages are paragraphs apart


@pytest.mark.slow
@needs_ocr
@needs_font
def test_a_pdf_with_a_text_page_and_a_scanned_page_gives_both_pages_figures():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.cell(text="Union report 2023: 326 new unions.")
    pdf.add_page()
    pdf.image(page(), x=10, y=10, w=150)
    text, fmt, meta = read_text(Path("mixed.pdf"), bytes(pdf.output()))
    assert fmt == "pdf" and meta["pages"] == 2 and meta["ocr_pages"] == [2]
    assert "needs_ocr_pages" not in meta
    assert text.startswith("Union report 2023: 326 new unions.\n\n")
    assert "1200余名" in text and "860万元" in text
    never, _, meta_never = read_text(Path("mixed.pdf"), bytes(pdf.output()), ocr="never")
    assert never == "Union report 2023: 326 new unions." and meta_never["needs_ocr_pages"] == [2]


# --- layout and the damaged path, without the engine ------------------------------------------------


def line(text, x0, y0, x1, y1, chars=None):
    return ocr.OcrLine(text, 0.99, 1, (x0, y0, x1, y1), tuple(chars or [0.99] * len(text)))


def test_rows_are_read_top_to_bottom_left_to_right_and_word_wrap_is_joined():
    lines = [
        line("新增高技能人才12", 40, 100, 800, 140),  # runs to the right edge: wraps into the next row
        line("2023年，全区", 40, 40, 400, 80),
        line("职工之家", 500, 42, 800, 82),  # same row, far right: a tab apart
        line("00余名。", 40, 160, 300, 200),
        line("投入资金860万元。", 40, 220, 800, 260),  # ends a sentence at the edge: its own paragraph
        line("下一段。", 40, 280, 200, 320),
    ]
    text, pieces = ocr.page_text(lines)
    assert text == "2023年，全区\t职工之家\n新增高技能人才1200余名。\n投入资金860万元。\n下一段。"
    for start, end, piece in pieces:
        assert text[start:end] == piece.text


def test_a_figure_on_or_next_to_a_doubtful_character_is_damaged_others_are_not():
    from chanjia_nlp import extract

    text = "全区新增高技能人才1200余名，培训职工3.5万人次。"
    at = text.index("1200")
    field = {"engine": ocr.ENGINE, "doubtful": [[at - 1, at]]}  # the character just before the figure
    quantities = [getattr(r, "quantity", r) for r in extract(text, ocr=field) if r.type == "quantity"]
    assert {q.text: q.damaged for q in quantities} == {"1200余名": True, "3.5万人次": False}
    for clean in (None, {"doubtful": []}, {"doubtful": "nonsense"}, {"doubtful": [[5, 2], ["a", "b"]]}):
        assert not any(getattr(r, "quantity", r).damaged for r in extract(text, ocr=clean) if r.type == "quantity")
    # the same text without its record is not flagged: nothing is remembered in the process
    assert not any(getattr(r, "quantity", r).damaged for r in extract(text) if r.type == "quantity")


@needs_ocr
@needs_font
def test_max_pages_refuses_a_longer_image_and_lists_a_pdfs_later_pages(tmp_path):
    three = [page(), page([LINE_2], size=(900, 130)), page([LINE_1], size=(900, 130))]
    tiff = encode(three[0].copy(), "TIFF", save_all=True, append_images=[i.copy() for i in three[1:]])
    with pytest.raises(DocumentError, match=r"the image has 3 pages, more than the OCR limit of 2 \(--max-pages\)"):
        read_text(Path("scan.tif"), tiff, ocr=ocr.OcrOptions(max_pages=2))
    text, _, meta = read_text(Path("scan.pdf"), scanned_pdf(*three), ocr=ocr.OcrOptions(max_pages=2))
    assert meta["ocr_pages"] == [1, 2] and meta["needs_ocr_pages"] == [3]
    assert any("--max-pages" in w for w in meta["warnings"])
    (tmp_path / "scan.tif").write_bytes(tiff)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "scan.tif"), "--out", str(out), "--max-pages", "2",
                                      "--no-progress"])
    assert result.exit_code == 1 and "--max-pages" in result.output
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "scan.tif"), "--max-pages", "0"])
    assert result.exit_code == 2 and "--max-pages" in result.output


def test_limits_are_checked_at_once():
    for bad in ({"max_pages": 0}, {"max_pages": True}, {"page_seconds": 0}, {"page_seconds": float("nan")}):
        with pytest.raises(ConfigError):
            ocr.OcrOptions(**bad)


@needs_ocr
@needs_font
def test_a_page_past_its_time_limit_is_given_up_with_a_clear_error(monkeypatch, tmp_path):
    """A clock that runs 100 s between two looks: every page is past its limit at the recogniser's
    first batch, so it is given up (not read, never a hang)."""
    clock = iter(range(0, 10**6, 100))
    monkeypatch.setattr(ocr.time, "monotonic", lambda: next(clock))
    with pytest.raises(DocumentError, match=r"took longer than 5 s a page and was given up.*--page-timeout"):
        read_text(Path("scan.pdf"), scanned_pdf(page(), page()), ocr=ocr.OcrOptions(page_seconds=5))
    with pytest.raises(DocumentError, match=r"took longer than 5 s a page.*--page-timeout"):
        read_text(Path("scan.png"), encode(page(), "PNG"), ocr=ocr.OcrOptions(page_seconds=5))


def test_the_progress_bar_counts_the_pages_read_by_ocr():
    from rich.console import Console
    from rich.progress import Progress, TextColumn

    from chanjia_nlp.cli import _advance
    from chanjia_nlp.runner import FileResult

    def result(pages: int) -> FileResult:
        doc = {"status": "ok", "ocr": {"pages": [{"page": n} for n in range(1, pages + 1)]} if pages else None}
        return FileResult(path="a", doc_id="d", doc=doc, records=[])

    with Progress(TextColumn("{task.fields[rate]}"), console=Console(file=io.StringIO())) as bar:
        bar.add_task("extract", total=3, rate="", scanned=0)
        _advance(bar, result(0))
        assert "pages" not in bar.tasks[0].fields["rate"]
        _advance(bar, result(3))
        _advance(bar, result(2))
        assert bar.tasks[0].fields["rate"].endswith(", 5 pages read by OCR") and bar.tasks[0].completed == 3


@needs_ocr
@needs_font
@pytest.mark.parametrize("angle", [0, 2])
def test_each_characters_box_is_where_it_was_drawn(angle):
    """A character's box comes from the CTC steps it was decoded at along its line's box: its
    centre within half a character's width of where it was drawn, a digit's within a quarter."""
    image = Image.new("RGB", (1000, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.text((40, 60), LINE_1, font=font(), fill="black")
    if angle:
        image = image.rotate(angle, fillcolor="white")
    text, _, meta = read_text(Path("scan.png"), encode(image, "PNG"))
    assert text == LINE_1
    (line,) = meta["ocr"]["lines"]
    for i, (x0, y0, x1, y1, _) in enumerate(line["chars"]):
        left, right = 40 + draw.textlength(LINE_1[:i], font=font()), 40 + draw.textlength(LINE_1[:i + 1], font=font())
        off = abs((x0 + x1) / 2 - (left + right) / 2) / (right - left)
        assert off <= (0.25 if LINE_1[i].isdigit() else 0.5), f"{LINE_1[i]} is {off:.2f} of its width off"
        assert y0 < 80 + 20 and y1 > 60 + 20 - 20  # on its line (turned 2° about the centre moves it a few pixels)
