"""Reading report files of any supported format (.txt, .docx, .pdf, .html, and scans by OCR:
images and PDF pages without a text layer, see :mod:`chanjia_nlp.ocr`) into plain text.

The format is chosen by the file's content (its magic bytes) first and its extension second,
so a ``.txt`` that is really a PDF is read as a PDF. Every failure raises
:class:`~chanjia_nlp.errors.DocumentError` with a one-line message that says what is wrong
and what to do; third-party exceptions never leak.

Metadata keys (each present only when known):

- ``encoding``: the text encoding (``txt``, ``html``)
- ``title``: the document title (docx core properties, PDF info, HTML ``<title>``), unless it is a
  converter's placeholder (``Microsoft Word - 报告.docx``, ``无标题``)
- ``created``: the file's creation date, ISO (docx core properties, PDF info). It is the date the
  file was made or exported, often from an older template, not the publication date: readers
  report it in a warning and never take it as ``published``
- ``published``: the publication date, ISO (HTML ``<meta>``: ``publishdate``, ``article:published_time``…)
- ``source``: the publishing body or author (HTML ``<meta>``)
- ``pages``: the page count (``pdf``)
- ``needs_ocr_pages``: 1-based numbers of PDF pages with no usable text layer that were not OCR'd
- ``ocr``, ``ocr_pages``, ``warnings``: the document record's ``ocr`` field (pages read by OCR,
  each recognised line's and character's box and confidence, the doubtful spans) and the pages it
  read (:mod:`chanjia_nlp.ocr`; image files, and scanned PDF pages)
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from .decoding import PLAUSIBLE_SHARE, Decoded, decode_report, few_nuls, plausible_share, utf16_without_bom
from .errors import DocumentError

if TYPE_CHECKING:
    from .ocr import OcrOptions

__all__ = ["FORMATS", "read_text"]

#: The formats :func:`read_text` returns, in the order the messages name them (``image``: read by OCR).
FORMATS = ("txt", "docx", "pdf", "html", "image")
#: A .docx that would unpack to more than this is refused as a likely zip bomb (the one definition;
#: readers and the CLI take it from here).
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: A zip that inflates more than this many times over, to more than BOMB_MIN_BYTES, is refused.
BOMB_RATIO = 100
BOMB_MIN_BYTES = 10 * 1024 * 1024
#: A PDF page with at least this many characters, under GOOD_CHAR_SHARE of them readable, is garbage.
GARBAGE_MIN_CHARS = 50
GOOD_CHAR_SHARE = 0.05
#: A text may hold this many control or undecodable characters whatever its length (a short note
#: with one damaged byte is text); past that, at most 5% of its first 4096 characters.
DAMAGED_CHARS = 4

SUPPORTED = "chanjia reads .txt, .docx, .pdf and .html reports"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word .doc, .xls, .wps
#: Binary formats people mistake for reports, named in messages: (magic, what it is).
OTHER_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF file"),
)

RE_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
RE_READABLE = re.compile(
    r"""
    [\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]  # CJK ideographs
    | [0-9A-Za-z]                              # ASCII letters and digits
    | [\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]  # full-width letters and digits
    """,
    re.VERBOSE,
)
RE_CID = re.compile(r"\(cid:[0-9]+\)")  # pdfminer-style unmapped glyphs in a text layer
RE_HTML_START = re.compile(
    rb"""
    \A(?:\xef\xbb\xbf)?\s*            # optional UTF-8 BOM and leading whitespace
    (?:<\?xml[^>]*>\s*)?              # optional XML declaration (XHTML)
    (?:<!--.*?-->\s*)*                # comments before the document
    <(?:!doctype\s+html|html|head)\b  # the document starts here
    """,
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)
RE_META_CHARSET = re.compile(
    rb"""
    <meta[^>]+charset\s*=\s*["']?   # <meta charset="..."> or content="text/html; charset=..."
    (?P<charset>[A-Za-z0-9_-]+)     # the encoding name
    """,
    re.VERBOSE | re.IGNORECASE,
)
RE_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>")  # lxml refuses str input that declares an encoding
RE_HTML_SPACE = re.compile(r"[ \t\r\n\f\xa0]+")  # whitespace HTML collapses (and no-break space)
RE_DATE = re.compile(
    r"""
    (?P<y>(?:19|20)[0-9]{2})[-/.年]?  # year: 2023-01-18, 2023/1/18, 2023年1月18日, 20230118
    (?P<m>[0-9]{1,2})[-/.月]?         # month
    (?P<d>[0-9]{1,2})                 # day
    """,
    re.VERBOSE,
)
RE_PDF_DATE = re.compile(r"\AD?:?(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")  # D:20230118120000+08'00'
#: Lines of site chrome dropped from HTML articles; bylines such as 责任编辑 stay.
RE_CHROME_LINE = re.compile(
    r"""
    ^(?:
        打开微信[,，]?\s*(?:点击底部的)?[“"]?扫一扫.*  # WeChat share prompt
      | 打开微信扫一扫.*
      | 微信扫一扫.*
      | 首页 | 内容详情 | 返回顶部 | 打印本页 | 关闭窗口 | 【?打印】? | 【?关闭】?
      | 分享到.*                                     # share buttons
      | 当前位置[:：].* | 首页\s*[>›»].*              # breadcrumbs
      | 上一篇[:：]?.* | 下一篇[:：]?.*              # neighbouring articles
      | 【?字号.*                                    # font-size switcher
    )$
    """,
    re.VERBOSE,
)
HTML_DROP_TAGS = (
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "iframe",
    "template", "svg", "button", "select", "textarea",
)
HTML_BLOCK_TAGS = frozenset(
    "address article blockquote body dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6 hr li main ol p pre "
    "section table tbody thead tfoot tr ul caption center".split()
)
HTML_CELL_TAGS = frozenset({"td", "th"})
HTML_CANDIDATE_TAGS = ("div", "section", "main", "td", "body")
HTML_PUBLISHED_META = (
    "publishdate", "pubdate", "article:published_time", "firstpublishedtime", "publishtime", "publish_date",
    "publication_date", "datepublished", "dc.date.issued", "dcterms.issued", "og:release_date",
)
#: Titles a converter or template writes into a file's properties: no title at all.
RE_PLACEHOLDER_TITLE = re.compile(
    r"""
    ^(?:Microsoft\s+(?:Word|PowerPoint)\s+-\s+.*  # Microsoft Word - 2023年工作总结.docx (print to PDF)
      | .*\.(?:docx?|wps|pdf|txt)                 # a file name
      | untitled | 无标题 | 文档\s*[0-9]* | Document\s*[0-9]* | 标题 | Title
    )$
    """,
    re.VERBOSE | re.IGNORECASE,
)
HTML_SOURCE_META = ("source", "contentsource", "author")


def read_text(
    path: Path, data: bytes, *, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES, ocr: str | OcrOptions = "auto"
) -> tuple[str, str, dict]:
    """``(text, format, metadata)`` for a report file.

    Args:
        path: the file's path; only its extension is used, as a hint after the content.
        data: the file's bytes.
        max_unpacked_bytes: a .docx that unpacks to more than this is refused as a zip bomb.
        ocr: ``auto`` (OCR image files and PDF pages without a usable text layer), ``always``
            (every PDF page) or ``never``, or :class:`~chanjia_nlp.ocr.OcrOptions` with page limits
            (see :mod:`chanjia_nlp.ocr`).

    Raises:
        DocumentError: a one-line message saying what is wrong and what to do.

    >>> read_text(Path("a.txt"), "职工1.2万人".encode("gb18030"))
    ('职工1.2万人', 'txt', {'encoding': 'gb18030'})
    """
    from .ocr import IMAGE_SUFFIXES, coerce_mode, image_kind, read_image

    ocr = coerce_mode(ocr)
    suffix = Path(path).suffix.lower()
    kind = image_kind(data, suffix)
    if kind is not None and suffix in IMAGE_SUFFIXES:  # an image named as one: a scan or photo
        return read_image(data, kind, mode=ocr)
    fmt = sniff_format(Path(path), data)
    if fmt == "docx":
        return _read_docx(data, max_unpacked_bytes=max_unpacked_bytes)
    if fmt == "pdf":
        return _read_pdf(data, ocr=ocr)
    if fmt == "html":
        return _read_html(data)
    if fmt == "doc":
        return _read_doc(Path(path), data)
    return _read_txt(data)


# --- doc / wps ---------------------------------------------------------------------------------

_CONVERT_TIMEOUT = 120  # seconds a converter may take for one file


def _read_doc(path: Path, data: bytes) -> tuple[str, str, dict]:
    """Old Word (.doc) or WPS (.wps) files, through LibreOffice or antiword when installed."""
    import shutil
    import subprocess
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    antiword = shutil.which("antiword")
    if soffice is None and (antiword is None or path.suffix.lower() == ".wps"):
        raise DocumentError(
            "an old Word .doc/.wps file needs a converter: install LibreOffice "
            "(apt-get install libreoffice-writer) or antiword, or re-save it as .docx"
        )
    with tempfile.TemporaryDirectory(prefix="chanjia-doc-") as folder:
        source = Path(folder) / ("report" + (path.suffix.lower() or ".doc"))
        source.write_bytes(data)
        try:
            if soffice is not None:
                subprocess.run(
                    [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
                     "--convert-to", "txt:Text (encoded):UTF8", "--outdir", folder, str(source)],
                    capture_output=True, timeout=_CONVERT_TIMEOUT, check=True,
                )
                text = (Path(folder) / "report.txt").read_text(encoding="utf-8-sig")
            else:
                done = subprocess.run(
                    [antiword or "antiword", "-m", "UTF-8.txt", str(source)], capture_output=True, timeout=_CONVERT_TIMEOUT, check=True
                )
                text = done.stdout.decode("utf-8", errors="replace")
        except (OSError, subprocess.SubprocessError) as exc:
            raise DocumentError(f"the .doc/.wps file could not be converted ({type(exc).__name__}); re-save it as .docx") from exc
    tool = "libreoffice" if soffice is not None else "antiword"
    return text.replace("\r\n", "\n"), "doc", {"converter": tool}


def sniff_format(path: Path, data: bytes) -> str:
    """The format to read ``data`` as: its magic bytes first, the extension of ``path`` second.

    Raises:
        DocumentError: empty, binary or a format chanjia does not read.

    >>> sniff_format(Path("report.txt"), b"%PDF-1.7 ...")
    'pdf'
    """
    if not data.strip():
        raise DocumentError("the file is empty; check that the report was saved completely")
    suffix = path.suffix.lower()
    if b"%PDF-" in data[:1024]:  # the spec allows junk before the header
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        return "docx"
    if RE_HTML_START.match(data[:4096]):
        return "html"
    if data.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        raise DocumentError(
            "the Office file is password-protected (encrypted); open it in Word or WPS and save a copy without a password"
        )
    kind = _describe_binary(data)
    if kind is not None:
        if suffix == ".docx":
            raise DocumentError(f"not a Word .docx file (it is {kind}); re-save it as .docx")
        if suffix == ".pdf":
            raise DocumentError(f"not a PDF file (it is {kind}); re-save or print it as PDF")
        if data.startswith(OLE_MAGIC) and suffix in (".doc", ".wps", ".txt", ""):
            return "doc"  # old Word or WPS: converted by an installed tool, see _read_doc
        if data.startswith(OLE_MAGIC):
            raise DocumentError(f"the file is {kind}; re-save it as .docx ({SUPPORTED})")
        raise DocumentError(f"the file is {kind}, not a report; {SUPPORTED}, so export it as one of those")
    # Text from here on.
    if suffix in (".html", ".htm", ".xhtml", ".shtml"):
        return "html"
    if suffix == ".docx":
        raise DocumentError("not a Word .docx file (it is plain text); rename it to .txt or re-save it as .docx")
    if suffix == ".pdf":
        raise DocumentError("not a PDF file (it is plain text); rename it to .txt or re-save it as PDF")
    return "txt"


def _describe_binary(data: bytes) -> str | None:
    """What binary data is ("a PNG image", "binary data"), or ``None`` for text."""
    if data.startswith(OLE_MAGIC):
        return "an old Word .doc (or other Office 97-2003) file"
    for magic, kind in OTHER_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs but is text
        return None
    head = data[:4096]
    if b"\x00" in head:
        if utf16_without_bom(head) is not None:  # UTF-16 without a BOM: ASCII characters have a NUL byte
            return None
        if not few_nuls(head):  # a few NULs are damage in a text (read as U+FFFD), many are binary data
            return "binary data"
    controls = sum(1 for b in head if 0 < b < 32 and b not in b"\t\n\r\f\x1a\x1b")  # NULs counted above
    if controls > len(head) * 0.05:
        return "binary data"
    return None


# --- txt ---------------------------------------------------------------------------------------


def _read_txt(data: bytes) -> tuple[str, str, dict]:
    try:
        decoded = decode_report(data)
    except UnicodeDecodeError as exc:
        raise DocumentError("the text is not valid UTF-8; re-save it as UTF-8") from exc
    text = decoded.text
    controls = sum(1 for c in text[:4096] if c < " " and c not in "\t\n\r\f") + text[:4096].count("\ufffd")
    if controls > max(DAMAGED_CHARS, min(len(text), 4096) * 0.05):
        raise DocumentError(f"the file is binary data, not text; {SUPPORTED}, so export it as one of those")
    return text, "txt", _decoding_meta(decoded)


def _decoding_meta(decoded) -> dict:
    """``encoding``, and ``warnings`` naming the lines read in another encoding or damaged."""
    meta: dict = {"encoding": decoded.encoding}
    warnings = decoded.warnings()
    if warnings:
        meta["warnings"] = warnings
    return meta


# --- docx --------------------------------------------------------------------------------------


def _read_docx(data: bytes, *, max_unpacked_bytes: int) -> tuple[str, str, dict]:
    damaged = "the .docx file is damaged ({}); open it in Word/WPS and save it again"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(damaged.format(f"not a readable zip: {exc}")) from exc
    _check_zip_bomb(infos, len(data), max_unpacked_bytes)
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        kind = (
            "an Excel workbook" if any(n.startswith("xl/") for n in names)
            else "a PowerPoint file" if any(n.startswith("ppt/") for n in names)
            else "a zip archive without a Word document"
        )
        raise DocumentError(f"not a Word .docx file (it is {kind}); re-save it as .docx")

    import docx  # python-docx; lazily, it is only needed here
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    _docx_parser()
    try:
        document = docx.Document(io.BytesIO(data))
        entities = _drop_entities(document.element)
        text = "\n\n".join(_docx_blocks(document.element.body, document))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, zlib.error, etree.XMLSyntaxError,
            PackageNotFoundError) as exc:
        raise DocumentError(damaged.format(type(exc).__name__)) from exc
    metadata: dict = {}
    if entities:
        metadata["warnings"] = (
            f"the document holds {entities} XML entit{'y' if entities == 1 else 'ies'} (&name;), left out unread: "
            "an entity can make a reader fetch a file or a web address; the text around it was kept",
        )
    props = document.core_properties
    title = _real_title(props.title)
    if title:
        metadata["title"] = title
    if props.created is not None:
        metadata["created"] = props.created.date().isoformat()
    return text, "docx", metadata


def _check_zip_bomb(infos: list[zipfile.ZipInfo], packed: int, max_unpacked_bytes: int) -> None:
    """Refuse a zip whose declared sizes are too large; zipfile never inflates past a declared size.

    With the default limit, a zip that inflates more than BOMB_RATIO times, to more than
    BOMB_MIN_BYTES, is refused too; a limit given by the user (``--max-unpacked-bytes``) is the
    only rule, as the message promises."""
    unpacked = sum(info.file_size for info in infos)
    ratio = unpacked / max(packed, 1)
    by_ratio = max_unpacked_bytes == DEFAULT_MAX_UNPACKED_BYTES and ratio > BOMB_RATIO and unpacked > BOMB_MIN_BYTES
    if unpacked > max_unpacked_bytes or by_ratio:
        raise DocumentError(
            f"the .docx unpacks to {unpacked / 2**20:.0f} MB ({ratio:.0f} times its size) and looks like a zip bomb; "
            "if it is a real report, raise --max-unpacked-bytes"
            + (" (a given limit replaces the ratio rule)" if by_ratio else "")
        )


@functools.cache
def _docx_parser() -> None:
    """Let python-docx read text nodes over 10 MB (one run of a long report: lxml's
    ``huge_tree``), with entities still never resolved and no network access; sizes stay bounded
    by the zip-bomb check. Set once per process."""
    from docx.oxml import parser
    from lxml import etree

    huge = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=True)
    huge.set_element_class_lookup(parser.element_class_lookup)
    parser.oxml_parser = huge


def _drop_entities(root) -> int:
    """Remove the entity references (``&xxe;``, never resolved) from a parsed part, keeping the text
    after each (its tail): python-docx reads a ``<w:t>`` only up to its first child. Returns how many."""
    from lxml import etree

    count = 0
    for entity in list(root.iter(etree.Entity)):
        parent = entity.getparent()
        if parent is None:
            continue
        tail, before = entity.tail or "", entity.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(entity)
        count += 1
    return count


def _docx_blocks(container, document) -> list[str]:
    """Paragraph and table texts of a body (or content control) in document order."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            text = Paragraph(child, document).text.strip()
            if text:
                blocks.append(text)
        elif child.tag == qn("w:tbl"):
            rows = []
            for row in Table(child, document).rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                if any(cells):
                    rows.append("\t".join(cells))
            if rows:
                blocks.append("\n".join(rows))
        elif child.tag == qn("w:sdt"):  # content controls wrap paragraphs and tables
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                blocks.extend(_docx_blocks(content, document))
    return blocks


# --- pdf ---------------------------------------------------------------------------------------


RE_PDF_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _read_pdf(data: bytes, *, ocr: OcrOptions | None = None) -> tuple[str, str, dict]:
    import pypdfium2 as pdfium  # lazily, it loads a native library

    from . import ocr as ocr_module

    ocr = ocr or ocr_module.OcrOptions()
    use_ocr = ocr.mode != "never" and ocr_module.available()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentError("the PDF is password-protected; save an unprotected copy") from exc
        raise DocumentError(f"the PDF is damaged ({exc}); open it and save or print it to PDF again") from exc
    try:
        pages: list[str] = []
        needs_ocr: list[int] = []
        read = ocr_module.OcrText()  # text-layer pages and OCR'd pages, in page order
        for number in range(1, len(pdf) + 1):
            page = pdf[number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    text = _page_text(textpage)
                finally:
                    textpage.close()
                text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "").strip()
                usable = usable_page_text(text)
                tried = len(read.pages) + len(read.timed_out)
                if use_ocr and (ocr.mode == "always" or not usable) and tried < ocr.max_pages:
                    image = ocr_module.render_page(page)
                    try:
                        lines = ocr_module.recognise(image, number, seconds=ocr.page_seconds)
                    except ocr_module.OcrTimeout:
                        read.timed_out.append(number)
                        needs_ocr.append(number)
                        continue
                    read.add_page(lines, number, size=image.size, dpi=ocr_module.RENDER_DPI)
                    pages.append("")
                elif usable:
                    pages.append(text)
                    read.add_text(text)
                else:
                    needs_ocr.append(number)
            finally:
                page.close()
        info = pdf.get_metadata_dict()
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"the PDF is damaged ({exc}); open it and save or print it to PDF again") from exc
    finally:
        pdf.close()
    if not read.text.strip():
        if read.pages:
            raise DocumentError("no text was recognised in the scanned PDF; check that it is a readable scan (200-300 dpi)")
        if read.timed_out:
            raise DocumentError(
                f"OCR of the scanned PDF took longer than {ocr.page_seconds:g} s a page and was given up; re-scan it "
                "at 200-300 dpi, or raise --page-timeout"
            )
        how = (" (OCR is off: --ocr never; use --ocr auto)" if ocr.mode == "never"
               else f": install it with {ocr_module.INSTALL}")
        raise DocumentError(f"the PDF has no text layer (a scan); run OCR on it first{how}")
    metadata: dict = {"pages": len(pages) + len(needs_ocr)}
    title = _real_title(info.get("Title"))
    if title:
        metadata["title"] = title
    m = RE_PDF_DATE.match(info.get("CreationDate", "").strip())
    if m:
        created = _iso_date(m)
        if created:
            metadata["created"] = created
    if needs_ocr:
        metadata["needs_ocr_pages"] = needs_ocr
    if read.pages or read.timed_out:
        metadata.update(read.metadata())
        if len(needs_ocr) > len(read.timed_out):  # past the OCR page limit
            metadata["warnings"].append(
                f"only the first {ocr.max_pages} scanned pages were read by OCR (--max-pages); split the PDF or "
                "raise --max-pages to read the rest"
            )
    return read.text, "pdf", metadata


def _page_text(textpage) -> str:
    """A page's text with the line breaks of word wrap removed: a line that runs to the right
    margin goes on in the next line (``20⏎9.6万元`` is ``209.6万元``); a shorter line ends its
    paragraph. Positions come from PDFium's character boxes."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count > 0 else ""
    if len(text) != count or count == 0:  # pragma: no cover - PDFium's text and boxes disagree
        return textpage.get_text_bounded()
    lines = []  # (start, end, right edge of the last visible character)
    start = 0
    for m in RE_PDF_LINE_BREAK.finditer(text):
        lines.append((start, m.start()))
        start = m.end()
    lines.append((start, len(text)))
    rights, widths = [], []
    for s, e in lines:
        right = None
        for i in range(e - 1, s - 1, -1):
            if not text[i].isspace():
                right = textpage.get_charbox(i)[2]
                break
        rights.append(right)
        for i in range(s, min(e, s + 8)):
            left, _, char_right, _ = textpage.get_charbox(i)
            if "\u4e00" <= text[i] <= "\u9fff":
                widths.append(char_right - left)
    known = [r for r in rights if r is not None]
    if len(known) < 2:
        return text
    margin = max(known)
    width = sorted(widths)[len(widths) // 2] if widths else 10.0
    out = []
    for k, (s, e) in enumerate(lines):
        line = text[s:e]
        out.append(line)
        if k + 1 == len(lines):
            break
        nxt = text[lines[k + 1][0] : lines[k + 1][1]]
        wrapped = rights[k] is not None and rights[k] >= margin - 1.5 * width and line.strip() and nxt.strip()
        if not wrapped:
            out.append("\n")
        elif line[-1:].isascii() and line[-1:].isalnum() and nxt[:1].isascii() and nxt[:1].isalpha():
            out.append(" ")  # an English word wrapped at a space
    return "".join(out)


def usable_page_text(text: str) -> bool:
    """False for an empty text layer, or one of unmapped glyphs and symbols only."""
    text = RE_CID.sub("", text)
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return False
    readable = sum(1 for c in chars if RE_READABLE.match(c))
    if readable == 0:
        return False
    return len(chars) < GARBAGE_MIN_CHARS or readable >= len(chars) * GOOD_CHAR_SHARE


# --- html --------------------------------------------------------------------------------------


def _read_html(data: bytes) -> tuple[str, str, dict]:
    import lxml.html  # lazily, like the other formats' parsers
    from lxml import etree

    decoded = _decode_html(data)
    text = RE_XML_DECL.sub("", decoded.text)
    metadata = _decoding_meta(decoded)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        root = None
        if not _html_han(text):
            raise DocumentError("the HTML page has no content; save the page again, or copy its text into a .txt") from exc
    if root is None or len(RE_CJK.findall(root.text_content())) < LOST_SHARE * _html_han(text):
        # libxml2 stops at a nesting depth of 256 and drops the rest of the page: read it without a tree
        return _read_html_flat(text, metadata)
    title = " ".join((root.findtext(".//title") or "").split())
    if title:
        metadata["title"] = title
    metadata.update(_html_meta(root))

    for element in list(root.iter(*HTML_DROP_TAGS, etree.Comment, etree.ProcessingInstruction)):
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail text
    article = _html_article(root)
    lines = [line for line in _html_lines(article) if not RE_CHROME_LINE.match(line)]
    body = "\n\n".join(lines)
    if not body.strip():
        raise DocumentError("the HTML page has no article text; save the page again, or copy its text into a .txt")
    return body, "html", metadata


def _decode_html(data: bytes):
    """The page's text (a :class:`~chanjia_nlp.decoding.Decoded`): by BOM, else the charset its
    ``<meta>`` declares when the bytes agree, else as a .txt is.

    A label the bytes contradict is not taken: bytes that are valid UTF-8 (with non-ASCII
    characters) are UTF-8 whatever the label says, and a page labelled with a Western single-byte
    charset (iso-8859-1, windows-1252: every byte "decodes", as mojibake) whose bytes read as
    Chinese text in GB18030, Big5 or UTF-8 is read so."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        m = RE_META_CHARSET.search(data[:8192])
        if m:
            charset = m["charset"].decode("ascii").lower()
            if charset in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
                charset = "gb18030"  # pages labelled GB2312 are GBK in practice; GB18030 reads both
            try:
                text = data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                text = None  # a wrong label: detect instead
            if text is not None and _label_holds(data, charset):
                return Decoded(text, charset)
    try:
        decoded = decode_report(data)
    except UnicodeDecodeError as exc:
        raise DocumentError("the page is not valid UTF-8; save it again as UTF-8") from exc
    return decoded


def _label_holds(data: bytes, charset: str) -> bool:
    """Whether the bytes of a page agree with the charset it declares (see :func:`_decode_html`)."""
    if data.isascii() or charset.replace("_", "-") in ("utf-8", "utf8"):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return False  # valid UTF-8 with non-ASCII characters is UTF-8, never GBK or Latin-1 by chance
    if not RE_SINGLE_BYTE_CHARSET.match(charset):
        return True
    try:
        detected = decode_report(data)
    except DocumentError:
        return True
    han = len(RE_CJK.findall(detected.text))
    high = sum(1 for c in detected.text if ord(c) > 0x7F)
    return not (han and han >= 0.5 * high and plausible_share(detected.text) >= PLAUSIBLE_SHARE)


#: Charsets in which every byte is a character: a label of one never fails to decode, so it is
#: checked against the bytes.
RE_SINGLE_BYTE_CHARSET = re.compile(r"^(?:iso[-_]?8859[-_]?[0-9]+|latin[-_]?[0-9]|l[0-9]|windows-125[0-9]|cp125[0-9]|"
                                    r"us-ascii|ascii|ansi_x3\.4-1968|cp819|ibm819|x-user-defined|macintosh|koi8-[ru])$")
#: A tree whose text holds fewer than this share of the page's Chinese characters lost part of the page.
LOST_SHARE = 0.9
RE_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
RE_HTML_TAG = re.compile(r"<[^>]*>")


def _html_han(text: str) -> int:
    """The Chinese characters of a page's text outside tags and comments (no parser: no depth limit)."""
    return len(RE_CJK.findall(RE_HTML_TAG.sub("", RE_HTML_COMMENT.sub("", text))))


def _read_html_flat(text: str, metadata: dict) -> tuple[str, str, dict]:
    """A page read without a tree (Python's event parser): all its text but scripts, styles and
    site chrome, block elements as paragraphs. For pages nested deeper than libxml2 goes."""
    import html.parser

    parts: list[str] = []
    title: list[str] = []
    skipping: list[str] = []

    class Flat(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in HTML_DROP_TAGS:
                skipping.append(tag)
            elif tag == "title":
                skipping.append(tag)
            elif tag == "br":
                parts.append("\n")
            elif tag in HTML_BLOCK_TAGS:
                parts.append("\n\n")

        def handle_endtag(self, tag):
            if skipping and tag == skipping[-1]:
                skipping.pop()
            elif tag in HTML_CELL_TAGS:
                parts.append("\t")
            elif tag in HTML_BLOCK_TAGS:
                parts.append("\n\n")

        def handle_data(self, data):
            if skipping == ["title"]:
                title.append(data)
            elif not skipping:
                parts.append(RE_HTML_SPACE.sub(" ", data))

    parser = Flat(convert_charrefs=True)
    parser.feed(text)
    parser.close()
    lines = [line for line in _paragraph_lines("".join(parts)) if not RE_CHROME_LINE.match(line)]
    body = "\n\n".join(lines)
    if not body.strip():
        raise DocumentError("the HTML page has no article text; save the page again, or copy its text into a .txt")
    page_title = " ".join("".join(title).split())
    if page_title:
        metadata["title"] = page_title
    metadata["warnings"] = (*metadata.get("warnings", ()), "the page is nested deeper than the HTML parser follows, so "
                            "its text was read without the page layout (menus and side bars may be in it)")
    return body, "html", metadata


def _html_meta(root) -> dict:
    """``published`` and ``source`` from the page's ``<meta>`` tags (``source`` before ``author``)."""
    found: dict = {}
    source_rank = len(HTML_SOURCE_META)
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        value = " ".join((meta.get("content") or "").split())
        if not value:
            continue
        if key in HTML_PUBLISHED_META and "published" not in found:
            m = RE_DATE.search(value)
            date = _iso_date(m) if m else None
            if date:
                found["published"] = date
        elif key in HTML_SOURCE_META and HTML_SOURCE_META.index(key) < source_rank:
            found["source"] = value
            source_rank = HTML_SOURCE_META.index(key)
    return found


def _html_article(root):
    """The element holding the article: the ``<article>`` with the most Chinese text, else the
    block whose own ``<p>`` children hold the most Chinese text, else ``<body>``."""
    articles = list(root.iter("article"))
    if articles:
        return max(articles, key=lambda el: len(RE_CJK.findall(el.text_content())))
    best, best_score = None, 0
    for element in root.iter(*HTML_CANDIDATE_TAGS):
        score = sum(len(RE_CJK.findall(p.text_content())) for p in element.iterchildren("p"))
        if score > best_score:
            best, best_score = element, score
    if best is not None:
        return best
    body = root.find(".//body")
    return body if body is not None else root


def _html_lines(element) -> list[str]:
    """Paragraph texts of an element: a block element starts a paragraph, ``<br>`` a line, a cell a tab."""
    parts: list[str] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in HTML_BLOCK_TAGS:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n")
        if el.text and tag != "br":
            parts.append(RE_HTML_SPACE.sub(" ", el.text))
        for child in el:
            walk(child)
            if child.tail:
                parts.append(RE_HTML_SPACE.sub(" ", child.tail))
        if tag in HTML_CELL_TAGS:
            parts.append("\t")
        if tag in HTML_BLOCK_TAGS:
            parts.append("\n\n")

    walk(element)
    return _paragraph_lines("".join(parts))


def _paragraph_lines(joined: str) -> list[str]:
    """The non-blank lines of text with blocks split by blank lines and cells by tabs."""
    paragraphs = []
    for block in joined.split("\n\n"):
        lines = []
        for line in block.split("\n"):
            cells = [cell.strip() for cell in line.split("\t")]
            line = "\t".join(cells).strip("\t ")
            if line:
                lines.append(line)
        paragraphs.extend(lines)
    return paragraphs


def _real_title(title: str | None) -> str | None:
    """A file property's title, ``None`` when empty or a converter's placeholder.

    >>> _real_title("Microsoft Word - 2023年工作总结.docx"), _real_title(" 工作总结 ")
    (None, '工作总结')
    """
    title = " ".join((title or "").split())
    return title if title and not RE_PLACEHOLDER_TITLE.match(title) else None


def _iso_date(m: re.Match) -> str | None:
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None
