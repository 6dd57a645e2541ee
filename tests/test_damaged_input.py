"""Issue 14, classes 18-21: damaged or contradictory input is read for what it holds. Mixed
encodings keep every line (the damaged ones named, their figures ``damaged``), a charset label
the bytes contradict is not taken, a page nested past libxml2's depth keeps its text, a .docx
with an XML entity keeps the paragraph around it (never resolving it), and a text node over
10 MB or a zip within a given ``--max-unpacked-bytes`` is read. The same files run end to end in
``tests/hostile/``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from chanjia_nlp import extract
from chanjia_nlp.errors import DocumentError
from chanjia_nlp.formats import read_text
from chanjia_nlp.readers import decode, decode_report
from chanjia_nlp.runner import process_bytes

from .hostile.generate import (
    DAMAGED_LINE, LINE, deep_html, docx_with_entities, mislabelled_html, mixed_text, utf16_without_bom,
)


def _figures(result) -> list[tuple[str, bool]]:
    return [(r["text"], r["damaged"]) for r in result.records if r["type"] == "quantity"]


@pytest.mark.parametrize("name", sorted(mixed_text()))
def test_mixed_encodings_keep_every_line_and_flag_the_damaged_ones(name):
    data, damaged = mixed_text()[name]
    result = process_bytes(data, name, name)
    assert result.doc["status"] == "ok"
    figures = _figures(result)
    assert sum(text in ("3600名", "265万元", "265萬元") for text, _ in figures) >= 2  # the odd line is read
    for text, flag in figures:  # a figure is damaged exactly when it stands on a damaged line
        assert flag == bool(_lines_of(result, text) & set(damaged)), (text, flag)
    warnings = " ".join(result.doc["warnings"])
    if damaged:
        assert _named(damaged) in warnings and "marked damaged" in warnings
    else:
        assert "\ufffd" not in result.doc["text"] and "like the rest of the file" in warnings


def _lines_of(result, text: str) -> set[int]:
    return {n for n, line in enumerate(result.doc["text"].split("\n"), 1) if text in line}


def _named(lines) -> str:
    return f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines))


def test_a_damaged_line_marks_only_its_own_figures():
    data = LINE.encode() + b"\xff" + DAMAGED_LINE.encode() + LINE.encode()
    result = process_bytes(data, "a.txt", "a.txt")
    assert _figures(result) == [("1200余名", False), ("3600名", True), ("265万元", True), ("1200余名", False)]
    assert result.doc["text"] == LINE + "\ufffd" + DAMAGED_LINE + LINE


@pytest.mark.parametrize("name", sorted(utf16_without_bom()))
def test_short_utf16_without_a_bom_is_text(name):
    text, fmt, meta = read_text(Path(name), utf16_without_bom()[name])
    assert fmt == "txt" and meta["encoding"].startswith("utf-16") and "\ufffd" not in text
    assert text.startswith(("职工", "全区"))


@pytest.mark.parametrize("data, kind", [
    (b"\x00" * 200 + LINE.encode(), "binary"),
    (bytes(range(256)) * 8, "binary"),
    ("职工".encode() + b"\x00" + "1200名\n".encode(), "text"),
])
def test_a_few_nuls_are_damage_many_are_binary(data, kind):
    if kind == "binary":
        with pytest.raises(DocumentError, match="binary"):
            read_text(Path("a.txt"), data)
    else:
        text, _, meta = read_text(Path("a.txt"), data)
        assert text == "职工\ufffd1200名\n" and "line 1 holds" in meta["warnings"][0]


def test_decode_keeps_its_two_values_and_names_the_odd_lines():
    assert decode("职工1200名".encode()) == ("职工1200名", "utf-8")
    d = decode_report("职工1200名\n".encode() + "奖励265万元".encode("gb18030"))
    assert (d.text, d.encoding, d.other_lines, d.damaged_lines) == ("职工1200名\n奖励265万元", "utf-8", ((2, "gb18030"),), ())


@pytest.mark.parametrize("name", sorted(mislabelled_html()))
def test_a_charset_label_the_bytes_contradict_is_not_taken(name):
    text, fmt, meta = read_text(Path(name), mislabelled_html()[name])
    assert fmt == "html" and meta["encoding"] in ("gb18030", "utf-8", "big5")
    assert "1200" in text and ("全区新增" in text or "全區新增" in text)


def test_a_true_latin1_label_is_kept():
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 du syndicat: 1200 membres.</p></body></html>'
    text, _, meta = read_text(Path("a.html"), page.encode("latin-1"))
    assert meta["encoding"] == "iso-8859-1" and "Café du syndicat" in text


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(deep_html()))
def test_a_page_nested_past_the_parser_depth_keeps_its_text(name):
    text, _, meta = read_text(Path(name), deep_html()[name])
    figures = [q.quantity.text if hasattr(q, "quantity") else q.text for q in extract(text) if q.type == "quantity"]
    assert figures == ["300名", "1200余名", "近265万元"]  # before, inside and after the deep part; no script
    assert "nested deeper" in meta["warnings"][-1] and meta["title"] == "深"


def test_a_shallow_page_is_read_with_its_tree():
    page = "<html><body><nav>首页</nav>" + "<div>" * 200 + "<p>新增会员300名。</p>" + "</div>" * 200 + "</body></html>"
    text, _, meta = read_text(Path("a.html"), page.encode())
    assert text == "新增会员300名。" and "warnings" not in meta


@pytest.mark.parametrize("name", sorted(docx_with_entities()))
def test_a_docx_entity_is_left_out_and_its_paragraph_kept(name):
    text, _, meta = read_text(Path(name), docx_with_entities()[name])
    assert text == "全区新增高技能人才1200余名奖励265万元\n\n第二段新增会员300名。"  # nothing fetched or expanded
    assert "root:" not in text and "XML entity" in meta["warnings"][0]


def _packed_docx(run: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(run)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_a_text_run_over_10_mb_is_read_within_a_given_limit():
    data = _packed_docx("职工1200名" + "x" * (11 * 1024 * 1024))  # inflates ~250 times: over the default ratio
    with pytest.raises(DocumentError, match="zip bomb.*raise --max-unpacked-bytes"):
        read_text(Path("a.docx"), data)
    text, _, _ = read_text(Path("a.docx"), data, max_unpacked_bytes=100 * 1024 * 1024)
    assert text.startswith("职工1200名xxx") and len(text) > 11 * 1024 * 1024
    with pytest.raises(DocumentError, match="zip bomb"):  # the given limit still holds
        read_text(Path("a.docx"), data, max_unpacked_bytes=5 * 1024 * 1024)


def test_the_ratio_rule_gives_way_to_a_given_limit():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", b"\x00" * (12 * 1024 * 1024))
    with pytest.raises(DocumentError, match="zip bomb"):
        read_text(Path("a.docx"), buffer.getvalue())
    with pytest.raises(DocumentError, match="damaged"):  # past the bomb check: it is no Word document inside
        read_text(Path("a.docx"), buffer.getvalue(), max_unpacked_bytes=20 * 1024 * 1024)
