"""Render a plain-text report into the formats districts submit: .docx, .pdf, .html and GB18030 .txt.

Used by ``tests/test_rendered_formats.py`` to check that every format gives the figures of the
UTF-8 text, and runnable by hand to look at the files::

    python tests/render_formats.py corpus/02_district_summary_2022.txt /tmp/rendered

Paragraphs are the text's blank-line-separated blocks. The .docx is written with python-docx,
the .pdf with fpdf2 in a CJK font found by fontconfig (real text layer, wrapped lines and page
breaks as a word processor makes them), the .html with a news site's chrome around the body.
"""

from __future__ import annotations

import functools
import html
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["FORMATS", "cjk_font", "paragraphs", "render"]

SITE_CHROME = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}_工会新闻_市总工会网站</title>
<meta name="PubDate" content="2023-04-06 08:57">
<script>var hot = "新建基层工会组织999个";</script>
</head><body>
<div class="top">首页 | 新闻中心 | 工会动态 | 法律服务 | 联系我们</div>
<div class="crumb">当前位置：首页 &gt; 内容详情</div>
<div class="side"><ul><li>热点：全市职工人数达到120万人</li><li>专题：劳模风采</li></ul></div>
<div class="article">
<h1>{title}</h1>
{body}
</div>
<div class="share">分享到： 微信 微博 QQ空间</div>
<div class="qr">打开微信扫一扫</div>
<div class="foot">版权所有 © 市总工会 备案号 苏ICP备12345678号 电话：0510-12345678</div>
</body></html>"""


def paragraphs(text: str) -> list[str]:
    """The report's paragraphs: its non-blank lines (a caption is a paragraph of its own in Word)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@functools.cache
def cjk_font() -> str | None:
    """A TrueType/OpenType font from fontconfig with the glyphs our reports use: Chinese, and
    also ASCII digits and signs (a fallback font such as Droid Sans Fallback has Chinese only,
    and a PDF set in it would silently lose every Arabic figure). None when there is none."""
    try:
        found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    for line in sorted(found.splitlines()):
        path = line.split(":")[0].strip()
        if not (path.lower().endswith((".ttf", ".ttc", ".otf")) and Path(path).is_file()):
            continue
        try:
            cmap = TTFont(path, fontNumber=0, lazy=True).getBestCmap() or {}
        except Exception:  # noqa: BLE001 - an unreadable font is one we do not use
            continue
        if all(ord(c) in cmap for c in "0123456789.%,-中工会万"):
            return path
    return None


def render_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    blocks = paragraphs(text)
    document.core_properties.title = blocks[0] if blocks else ""
    for block in blocks:
        document.add_paragraph(block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_pdf(text: str) -> bytes:
    import fpdf

    font = cjk_font()
    if font is None:
        raise RuntimeError("no CJK font (fc-list :lang=zh found none; apt-get install fonts-wqy-microhei)")
    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname=font)
    pdf.set_font("cjk", size=11)
    pdf.add_page()
    for block in paragraphs(text):
        pdf.multi_cell(w=0, h=6, text=block)
        pdf.ln(4)
    return bytes(pdf.output())


def render_html(text: str) -> bytes:
    blocks = paragraphs(text)
    title = html.escape(blocks[0]) if blocks else ""
    body = "\n".join(f"<p>{html.escape(block)}</p>" for block in blocks[1:])
    return SITE_CHROME.format(title=title, body=body).encode("utf-8")


def render_gb18030(text: str) -> bytes:
    return text.encode("gb18030")


#: suffix of the rendered file → renderer
FORMATS: dict[str, Callable[[str], bytes]] = {
    ".docx": render_docx,
    ".pdf": render_pdf,
    ".html": render_html,
    ".gb18030.txt": render_gb18030,
}


def render(source: Path, folder: Path, formats=FORMATS) -> list[Path]:
    """Write ``source`` (a text report in any encoding) into ``folder`` in every format; the written paths."""
    from chanjia_nlp.readers import decode

    text, _ = decode(source.read_bytes())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, renderer in formats.items():
        target = folder / (source.stem + suffix)
        target.write_bytes(renderer(text))
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python tests/render_formats.py REPORT.txt… FOLDER")
    for source in sys.argv[1:-1]:
        for path in render(Path(source), Path(sys.argv[-1])):
            print(path)
