"""The document record's ``ocr`` field (issue 19): stored with the document (schema version 7, on
SQLite and PostgreSQL), read back, and used again, so extracting the stored text of a scan flags
the same figures damaged as when it was read. Pages are drawn here in WenQuanYi Micro Hei from
made-up text."""

from __future__ import annotations

from sqlalchemy import inspect

from chanjia_nlp import extract
from chanjia_nlp import ocr
from chanjia_nlp.records import to_dict
from chanjia_nlp.runner import process_bytes
from chanjia_nlp.store import migrations

from .test_ocr import blurred_figure, encode, needs_font, needs_ocr
from .test_store import _as_version_1, corpus, target  # noqa: F401 - fixtures

TEXT = "全区新增高技能人才1200余名，培训职工3.5万人次。"
AT = TEXT.index("1200")
FIELD = {
    "engine": ocr.ENGINE, "threshold": ocr.CONFIDENCE_THRESHOLD,
    "pages": [{"page": 1, "width": 900, "height": 130, "dpi": None, "start": 0, "end": len(TEXT)}],
    "lines": [{"start": 0, "end": len(TEXT), "page": 1, "score": 0.97, "box": [40, 40, 860, 82],
               "chars": [[40 + 30 * i, 40, 70 + 30 * i, 82, 0.5 if i == AT + 1 else 0.99] for i in range(len(TEXT))]}],
    "doubtful": [[AT + 1, AT + 2]],
}


def _quantities(records) -> dict[str, bool]:
    return {r["text"]: r["damaged"] for r in records if r["type"] == "quantity"}


def _ocr_doc(corpus) -> tuple[dict, list[dict]]:
    doc, _ = corpus[0]
    records = [to_dict(r, doc_id="f" * 64, path="scan.png") for r in extract(TEXT, ocr=FIELD)]
    return {**doc, "doc_id": "f" * 64, "path": "scan.png", "format": "image", "text": TEXT, "ocr": FIELD,
            "chars": len(TEXT)}, records


def test_migration_7_from_version_6_adds_the_ocr_field_and_keeps_the_documents(target, corpus):
    _as_version_1(target, corpus, keep=6)
    with target.open() as opened:
        with opened.engine.connect() as conn:
            assert migrations.current_version(conn, schema=target.schema) == migrations.newest_version() >= 7
        assert "ocr" in {c["name"] for c in inspect(opened.engine).get_columns("documents", schema=target.schema)}
        [old] = [r for r in opened.records(types=["document"])]
        assert old["ocr"] is None and old["doc_id"] == corpus[0][0]["doc_id"]  # stored before: no OCR
        doc, records = _ocr_doc(corpus)
        opened.write_document(doc, records, opened.begin_run(), location="/scans/scan.png")
        [stored] = [r for r in opened.records(types=["document"], paths=["scan.png"])]
        assert stored["ocr"] == FIELD
        quantities = [r for r in opened.records(types=["quantity"], paths=["scan.png"])]
        assert _quantities(quantities) == {"1200余名": True, "3.5万人次": False}
        # extracting the stored text again with its stored field flags the same figures
        again = [to_dict(r) for r in extract(stored["text"], ocr=stored["ocr"])]
        assert _quantities(again) == _quantities(quantities)


@needs_ocr
@needs_font
def test_a_scan_stored_and_extracted_again_keeps_its_damaged_figures(target):
    result = process_bytes(encode(blurred_figure(2.5, 150), "PNG"), "scan.png", "scan.png")
    assert result.doc["status"] == "ok" and result.doc["ocr"]["doubtful"]
    flagged = _quantities(result.records)
    assert flagged and all(flagged.values())  # the misread figure is damaged, not trusted
    with target.open() as opened:
        opened.write_document(result.doc, result.records, opened.begin_run(), location="/scans/scan.png")
        [doc] = opened.records(types=["document"])
        assert doc["ocr"] == result.doc["ocr"]
        assert _quantities(opened.records(types=["quantity"])) == flagged
    # nothing is kept in the process: the stored field alone flags them again
    assert _quantities([to_dict(r) for r in extract(doc["text"], ocr=doc["ocr"])]) == flagged
    assert not any(_quantities([to_dict(r) for r in extract(doc["text"])]).values())
