"""Reading .txt, .docx, .pdf and .html reports: every input file is built here, in the test."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from chanjia_nlp import DocumentError, extract_quantities
from chanjia_nlp.formats import read_text, sniff_format

from .render_formats import cjk_font

docx = pytest.importorskip("docx")
fpdf = pytest.importorskip("fpdf")

REPORT = [
    "市总工会2023年工作报告",
    "全年新建基层工会组织326个，新发展会员1.2万人。",
    "筹集送温暖资金2800万元，走访慰问困难职工5600户。",
    "组织职工技能竞赛45场，参赛职工达3.8万余名。",
]
PLAIN = "\n\n".join(REPORT)


def figures(text: str) -> list[tuple[str, str]]:
    return [(q.text, str(q.value)) for q in extract_quantities(text)]


def docx_bytes(paragraphs, table=None, title=None) -> bytes:
    document = docx.Document()
    for text in paragraphs[:2]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in paragraphs[2:]:
        document.add_paragraph(text)
    if title:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def ascii_pdf(pages: list[str], **kwargs) -> bytes:
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(w=0, text=text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # a page with a drawing and no text
    if kwargs.get("title"):
        pdf.set_title(kwargs["title"])
    if kwargs.get("password"):
        pdf.set_encryption(owner_password="owner", user_password=kwargs["password"])
    return bytes(pdf.output())


# --- txt -----------------------------------------------------------------------------------------


def test_txt_reports_its_encoding():
    text, fmt, meta = read_text(Path("r.txt"), PLAIN.encode("gb18030"))
    assert (text, fmt, meta) == (PLAIN, "txt", {"encoding": "gb18030"})


def test_empty_file():
    with pytest.raises(DocumentError, match="the file is empty"):
        read_text(Path("r.txt"), b"  \n")


def test_binary_junk_named_txt_names_the_supported_formats():
    junk = bytes(range(256)) * 8
    with pytest.raises(DocumentError, match=r"binary data.*\.txt, \.docx, \.pdf and \.html"):
        read_text(Path("report.txt"), junk)


def test_image_named_txt():
    with pytest.raises(DocumentError, match="a PNG image, not a report"):
        read_text(Path("report.txt"), b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)


# --- docx ----------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_document_order():
    data = docx_bytes(["标题", "第一段。", "表后一段。"], table=[["指标", "数值"], ["会员", "1.2万人"]], title="报告")
    text, fmt, meta = read_text(Path("r.docx"), data)
    assert fmt == "docx"
    assert text == "标题\n\n第一段。\n\n指标\t数值\n会员\t1.2万人\n\n表后一段。"
    assert meta["title"] == "报告"
    assert len(meta["created"]) == 10  # an ISO date


def test_docx_gives_the_same_figures_as_plain_text():
    text, fmt, _ = read_text(Path("r.docx"), docx_bytes(REPORT))
    assert fmt == "docx"
    assert text == PLAIN
    assert figures(text) == figures(PLAIN) != []


def test_docx_found_by_content_whatever_the_extension():
    assert sniff_format(Path("r.txt"), docx_bytes(REPORT)) == "docx"


def test_truncated_docx():
    data = docx_bytes(REPORT)
    with pytest.raises(DocumentError, match=r"the \.docx file is damaged .*save it again"):
        read_text(Path("r.docx"), data[: len(data) // 2])


def test_docx_that_is_text():
    with pytest.raises(DocumentError, match=r"not a Word \.docx file \(it is plain text\)"):
        read_text(Path("r.docx"), PLAIN.encode())


def test_docx_that_is_an_old_doc():
    with pytest.raises(DocumentError, match=r"not a Word \.docx file \(it is an old Word \.doc.*re-save it as \.docx"):
        read_text(Path("r.docx"), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def test_zip_that_is_not_word():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DocumentError, match=r"not a Word \.docx file \(it is an Excel workbook\)"):
        read_text(Path("r.docx"), buffer.getvalue())


def test_zip_bomb_disguised_as_docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", b"\x00" * (3 * 1024 * 1024))  # 3 MB packs to ~3 KB
    with pytest.raises(DocumentError, match="looks like a zip bomb.*raise --max-unpacked-bytes"):
        read_text(Path("r.docx"), buffer.getvalue(), max_unpacked_bytes=1024 * 1024)


def test_zip_bomb_by_ratio():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", b"\x00" * (12 * 1024 * 1024))  # over 10 MB at ~1000:1
    with pytest.raises(DocumentError, match="looks like a zip bomb"):
        read_text(Path("r.docx"), buffer.getvalue())


# --- pdf -----------------------------------------------------------------------------------------


def test_pdf_pages_joined_with_blank_lines():
    data = ascii_pdf(["Union report 2023: 326 new unions.", "Members grew by 12000."], title="Report")
    text, fmt, meta = read_text(Path("r.pdf"), data)
    assert fmt == "pdf"
    assert text == "Union report 2023: 326 new unions.\n\nMembers grew by 12000."
    assert "\x0c" not in text
    assert meta["title"] == "Report"
    assert meta["pages"] == 2
    assert len(meta["created"]) == 10
    assert "needs_ocr_pages" not in meta


def test_pdf_named_txt_is_read_as_pdf():
    _, fmt, _ = read_text(Path("report.txt"), ascii_pdf(["Union report 2023."]))
    assert fmt == "pdf"


def test_encrypted_pdf():
    with pytest.raises(DocumentError, match="the PDF is password-protected; save an unprotected copy"):
        read_text(Path("r.pdf"), ascii_pdf(["Secret report."], password="user"))


def test_pdf_without_text_layer():
    with pytest.raises(DocumentError, match=r"no text layer \(a scan\); run OCR"):
        read_text(Path("r.pdf"), ascii_pdf(["", ""]), ocr="never")  # with OCR: tests/test_ocr.py


def test_pdf_pages_needing_ocr_are_listed():
    garbage = "#$%&*+-=~^" * 12
    text, _, meta = read_text(Path("r.pdf"), ascii_pdf(["Union report 2023.", garbage, ""]), ocr="never")
    assert text == "Union report 2023."
    assert meta["needs_ocr_pages"] == [2, 3]


def test_damaged_pdf():
    data = ascii_pdf(["Union report 2023."])
    with pytest.raises(DocumentError, match="the PDF is damaged"):
        read_text(Path("r.pdf"), data[:200])


@pytest.mark.slow
def test_pdf_with_chinese_text_gives_the_same_figures():
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (fc-list :lang=zh found none; apt-get install fonts-wqy-microhei)")
    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname=font)
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    for paragraph in REPORT:
        pdf.multi_cell(w=0, text=paragraph)
        pdf.ln(4)
    text, fmt, _ = read_text(Path("r.pdf"), bytes(pdf.output()))
    assert fmt == "pdf"
    assert figures(text) == figures(PLAIN) != []


# --- html ----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}">
<title>市总工会2023年工作报告_首页</title>
<meta name="PubDate" content="2023-01-18 09:30">
<meta name="author" content="张三"><meta name="source" content="市总工会">
<style>p {{ color: red }}</style><script>var x = "新建基层工会组织999个";</script>
</head><body>
<header><div class="nav">首页 | 新闻中心 | 工会动态 | 联系我们 | 关于我们</div></header>
<div class="crumb">当前位置：首页 &gt; 工会动态</div>
<div class="wrap"><div class="sidebar"><p>热点：全市职工人数达到120万人</p></div>
<div class="content">
{body}
<p>责任编辑：李四</p>
<div class="share">分享到：</div>
<p>上一篇：某某新闻</p>
<p>下一篇：另一条新闻</p>
</div></div>
<div>打开微信扫一扫</div><div>返回顶部</div>
<footer><p>版权所有 市总工会 电话：12345678</p></footer>
</body></html>"""


def html_page(charset="utf-8") -> str:
    body = "\n".join(f"<p>\n  {paragraph}\n</p>" for paragraph in REPORT)
    return PAGE.format(charset=charset, body=body)


def test_html_article_body_without_chrome():
    text, fmt, meta = read_text(Path("r.html"), html_page().encode("utf-8"))
    assert fmt == "html"
    assert text == PLAIN + "\n\n责任编辑：李四"
    assert meta == {
        "encoding": "utf-8",
        "title": "市总工会2023年工作报告_首页",
        "published": "2023-01-18",
        "source": "市总工会",
    }


def test_html_gives_the_same_figures_as_plain_text():
    text, _, _ = read_text(Path("r.htm"), html_page().encode("utf-8"))
    assert figures(text) == figures(PLAIN) != []


def test_html_charset_from_meta_tag():
    text, fmt, meta = read_text(Path("page.txt"), html_page("gb2312").encode("gb18030"))
    assert fmt == "html"  # found by content, not by the .txt extension
    assert meta["encoding"] == "gb18030"
    assert text.startswith(REPORT[0])


def test_html_prefers_article_element():
    page = "<html><body><div><p>侧栏文字很多很多很多很多很多很多很多很多很多</p></div>" \
           "<article><h1>标题</h1><p>正文一。</p><p>正文二<br>第二行</p></article></body></html>"
    text, _, _ = read_text(Path("a.html"), page.encode())
    assert text == "标题\n\n正文一。\n\n正文二\n\n第二行"


def test_html_without_text():
    with pytest.raises(DocumentError, match="no article text"):
        read_text(Path("a.html"), b"<html><body><script>x()</script></body></html>")


def test_cli_reports_pdf_pages_needing_ocr(tmp_path):
    """A page without a usable text layer is never silently accepted: the document record lists
    it and the run prints a warning."""
    import json

    from click.testing import CliRunner

    from chanjia_nlp.cli import cli

    (tmp_path / "r.pdf").write_bytes(ascii_pdf(["Union report 2023: 326 new unions.", "#$%&*+-=~^" * 12]))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "--out", str(out), "--ocr", "never"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert doc["format"] == "pdf" and doc["needs_ocr_pages"] == [2]
    assert "warning: r.pdf: pages 2 have no usable text layer; run OCR on them" in result.output


OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def test_doc_without_a_converter_names_the_tools(monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DocumentError, match=r"install LibreOffice \(apt-get install libreoffice-writer\) or antiword"):
        read_text(Path("old.doc"), OLE_HEADER)


def test_doc_is_converted_by_libreoffice(tmp_path):
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed here (apt-get install libreoffice-writer)")
    import docx

    document = docx.Document()
    document.add_paragraph("全区新增高技能人才1200余名。")
    document.save(tmp_path / "r.docx")
    subprocess.run([soffice, "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(tmp_path / "r.docx")],
                   check=True, capture_output=True, timeout=120)
    text, fmt, meta = read_text(tmp_path / "r.doc", (tmp_path / "r.doc").read_bytes())
    assert fmt == "doc" and meta["converter"] == "libreoffice"
    assert [q.text for q in extract_quantities(text)] == ["1200余名"]


# --- the document record: its title, its publication date and where that came from -------------


def read_record(name: str, data: bytes, **given):
    from chanjia_nlp.readers import read_bytes

    doc, _ = read_bytes(data, path=name, metadata=given or None)
    return doc


def test_a_date_the_text_states_is_published_from_the_text():
    doc = read_record("r.txt", "职工书屋达标\n发布时间:2022-05-06 09:10\n全区职工书屋达到50家。".encode())
    assert (doc.title, doc.published, doc.published_source, doc.warnings) == ("职工书屋达标", "2022-05-06", "text", ())


def test_no_date_anywhere_says_so_on_the_record():
    doc = read_record("r.txt", PLAIN.encode())
    assert (doc.published, doc.published_source) == (None, None)
    [warning] = doc.warnings
    assert warning.startswith("no publication date in the text") and "--published or --metadata" in warning


def test_a_given_date_wins_and_a_contradicted_one_is_flagged():
    text = "职工书屋达标\n发布时间:2022-05-06 09:10\n全区职工书屋达到50家。".encode()
    same = read_record("r.txt", text, published="2022-05-06")
    assert (same.published, same.published_source, same.warnings) == ("2022-05-06", "given", ())
    other = read_record("r.txt", text, published="2022-06-01")
    assert (other.published, other.published_source) == ("2022-06-01", "given")
    assert other.warnings == ("the given publication date 2022-06-01 differs from the date the text states (2022-05-06)",)
    undated = read_record("r.txt", PLAIN.encode(), published="2023-01-18")
    assert (undated.published, undated.published_source, undated.warnings) == ("2023-01-18", "given", ())


def test_a_docx_creation_date_is_never_the_publication_date():
    doc = read_record("r.docx", docx_bytes(REPORT, title="报告"))
    assert (doc.published, doc.published_source) == (None, None)
    assert doc.title == REPORT[0]  # the headline the text states before the file's property
    [warning] = doc.warnings
    assert "core property `created`" in warning and "was not used" in warning
    dated = read_record("r.docx", docx_bytes([REPORT[0], "(2023年1月18日)", *REPORT[1:]]))
    assert (dated.published, dated.published_source, dated.warnings) == ("2023-01-18", "text", ())


def test_a_pdf_creation_date_and_placeholder_title_are_not_taken():
    doc = read_record("r.pdf", ascii_pdf(["Union report, members grew by 12000."], title="Microsoft Word - report.docx"))
    assert (doc.title, doc.published, doc.published_source) == (None, None, None)
    assert "CreationDate" in doc.warnings[0]


def test_an_html_meta_date_is_published_from_html_meta():
    doc = read_record("r.html", html_page().encode("utf-8"))
    assert (doc.published, doc.published_source, doc.warnings) == ("2023-01-18", "html_meta", ())
    assert doc.title == "市总工会2023年工作报告"  # the headline, without the site's name after it
    page = html_page().replace("<title>市总工会2023年工作报告_首页</title>", "<title>年度报告_市总工会</title>")
    assert read_record("r.html", page.encode("utf-8")).title == "年度报告_市总工会"  # no headline in it: the page's title
