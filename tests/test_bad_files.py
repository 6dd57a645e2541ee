"""Bad input in a folder: each bad file gets one line saying what is wrong and what to do, a
``document`` record with status ``error``, and the rest of the folder is still extracted.

Also: every text encoding a district's office produces reads back to the same text.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from chanjia_nlp.cli import cli
from chanjia_nlp.readers import decode

from .conftest import ROOT

GOOD = ["02_district_summary_2022.txt", "08_enterprise_news.txt"]
REPORT = "全区新建基层工会组织326个，新发展会员1.2万人。筹集送温暖资金2800万元。"


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(REPORT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    import fpdf

    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(w=0, text="Annual report 2023: 326 new union branches.")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    return bytes(pdf.output())


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (24 * 1024 * 1024))  # 24 MB packs to ~24 KB
    return buffer.getvalue()


def _encrypted_docx() -> bytes:
    # What Word writes for a password-protected .docx: an OLE compound file holding the streams
    # EncryptionInfo and EncryptedPackage (names in UTF-16).
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo\x00EncryptedPackage".encode("utf-16-le") + b"\x00" * 2048


def _write_big_text(path: Path) -> None:
    line = ("全区职工参加技能培训3.8万余人次，新增高技能人才1200余名。" * 20 + "\n").encode("utf-8")
    with path.open("wb") as out:
        for _ in range(200 * 1024 * 1024 // len(line) + 1):
            out.write(line)


# (file name, bytes or a writer, a fragment of the message the person reads)
BAD = [
    ("empty.txt", b"", "the file is empty"),
    ("blank.txt", b" \n\n \t", "the file is empty"),
    ("truncated.docx", lambda: _docx()[:1500], "the .docx file is damaged"),
    ("encrypted.pdf", _encrypted_pdf, "the PDF is password-protected; save an unprotected copy"),
    ("encrypted.docx", _encrypted_docx, "password-protected (encrypted); open it in Word or WPS and save a copy without a password"),
    ("photo.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, "not a Word .docx file (it is a PNG image)"),
    ("text.pdf", REPORT.encode(), "not a PDF file (it is plain text); rename it to .txt"),
    ("junk.txt", bytes(range(256)) * 16, "binary data"),
    ("bomb.docx", _zip_bomb, "looks like a zip bomb"),
    ("huge.txt", _write_big_text, "over the 50 MB limit; split it or raise --max-bytes"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[case[0] for case in BAD])
def test_bad_file_gets_one_line_and_the_folder_goes_on(tmp_path, name, content, message):
    folder = tmp_path / "reports"
    folder.mkdir()
    for good in GOOD:
        shutil.copy(ROOT / "corpus" / good, folder / good)
    bad = folder / name
    if callable(content) and content is _write_big_text:
        content(bad)
    else:
        bad.write_bytes(content() if callable(content) else content)
    out = tmp_path / "out.jsonl"

    result = CliRunner().invoke(cli, ["extract", str(folder), "--out", str(out), "--no-progress"])

    assert result.exit_code == 1, result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error_lines == [error_lines[0]] and name in error_lines[0] and message in error_lines[0]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    documents = {r["path"]: r for r in records if r["type"] == "document"}
    assert documents[name]["status"] == "error" and message in documents[name]["error"]
    for good in GOOD:
        assert documents[good]["status"] == "ok"
        assert any(r["type"] == "quantity" and r["path"] == good for r in records)
    bad.unlink()  # the 200 MB file should not outlive the test


ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16", "utf-16-le", "utf-16-be"]
TEXTS = {
    "simplified": (ROOT / "corpus" / "02_district_summary_2022.txt").read_text(encoding="utf-8"),
    "traditional": "全市新增高技能人才1200餘名，累計獎勵金額近265萬元。\n職工書屋覆蓋率達到98%以上，工會組織建設穩步推進。",
}


@pytest.mark.parametrize(
    ("encoding", "which"),
    [(e, w) for w in sorted(TEXTS) for e in ENCODINGS if not (e == "big5" and w == "simplified")],  # Big5 has no 区
)
def test_every_encoding_reads_back(encoding, which):
    text = TEXTS[which]
    decoded, _ = decode(text.encode(encoding))
    assert decoded == text
