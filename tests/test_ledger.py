"""chanjia_nlp.ledger: 台账 files (xlsx, xls, csv, docx tables) → LedgerRow records.

The ledgers are built here, in tmp_path, from the tables in tests/cases/ledger_layouts.yaml: the
same messy layout (title rows, two-row merged headers, 万元 units, numbers as text, 合计/小计 rows,
blank and note rows, merged subject cells) is written as .xlsx with openpyxl, as .docx with
python-docx, as GB18030 .csv, and as .xls with the small BIFF8 writer below (xlrd only reads).
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chanjia_nlp.errors import ConfigError, DocumentError
from chanjia_nlp.ledger import (
    MODEL_THRESHOLD,
    ROLES,
    Ledger,
    LedgerRow,
    header_unit,
    map_indicator,
    parse_figure,
    read_ledger,
)
from chanjia_nlp.ledger import tables as ledger_tables
from chanjia_nlp.ledger.fields import parse_period
from chanjia_nlp.ledger.layout import header_role
from chanjia_nlp.numbers import format_number

from .conftest import HERE, load_cases

LAYOUTS = yaml.safe_load((HERE / "cases" / "ledger_layouts.yaml").read_text(encoding="utf-8"))


# --- writing ledgers ---------------------------------------------------------------------------


def _bounds(ref: str) -> tuple[int, int, int, int]:
    """``B4:B7`` → 1-based (min_row, min_col, max_row, max_col)."""
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return min_row, min_col, max_row, max_col


def write_xlsx(path: Path, sheets: list[dict]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet["name"])
        for row in sheet["rows"]:
            ws.append([None if cell == "" else cell for cell in row])
        for ref in sheet.get("merges", ()):
            ws.merge_cells(ref)
    book.save(path)
    return path


def write_csv(path: Path, sheets: list[dict], encoding: str = "gb18030") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(sheets[0]["rows"])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_docx(path: Path, sheets: list[dict]) -> Path:
    import docx

    document = docx.Document()
    for sheet in sheets:
        document.add_paragraph(sheet["name"])
        rows = sheet["rows"]
        table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for ref in sheet.get("merges", ()):
            r1, c1, r2, c2 = _bounds(ref)
            table.cell(r1 - 1, c1 - 1).merge(table.cell(r2 - 1, c2 - 1))
        covered = {(r, c) for ref in sheet.get("merges", ()) for r1, c1, r2, c2 in [_bounds(ref)]
                   for r in range(r1 - 1, r2) for c in range(c1 - 1, c2) if (r, c) != (r1 - 1, c1 - 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) not in covered and value != "":
                    table.cell(r, c).text = str(value)
    document.save(path)
    return path


def _biff(record: int, body: bytes) -> bytes:
    return struct.pack("<HH", record, len(body)) + body


def _biff_string(text: str, length_bytes: int = 2) -> bytes:
    encoded = text.encode("utf-16-le")
    head = struct.pack("<H" if length_bytes == 2 else "<B", len(text))
    return head + b"\x01" + encoded  # flag 1: uncompressed UTF-16


def _xls_workbook(sheets: list[dict]) -> bytes:
    """A minimal BIFF8 workbook stream: one font, the 16 style XFs and one cell XF, and per sheet
    NUMBER/LABEL cells and MERGEDCELLS."""
    font = _biff(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _biff_string("Arial", 1))
    xf_style = _biff(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    xf_cell = _biff(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    globals_head = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    globals_head += _biff(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
    globals_head += font * 5 + xf_style * 16 + xf_cell
    streams = []
    for sheet in sheets:
        body = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
        rows = sheet["rows"]
        width = max(len(r) for r in rows)
        body += _biff(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (int, float)):
                    body += _biff(0x0203, struct.pack("<HHHd", r, c, 16, float(value)))
                elif value != "":
                    body += _biff(0x0204, struct.pack("<HHH", r, c, 16) + _biff_string(str(value)))
        merges = [_bounds(ref) for ref in sheet.get("merges", ())]
        if merges:
            body += _biff(0x00E5, struct.pack("<H", len(merges)) + b"".join(
                struct.pack("<HHHH", r1 - 1, r2 - 1, c1 - 1, c2 - 1) for r1, c1, r2, c2 in merges))
        streams.append(body + _biff(0x000A, b""))
    sheet_records = [_biff(0x0085, struct.pack("<IBB", 0, 0, 0) + _biff_string(s["name"], 1)) for s in sheets]
    offset = len(globals_head) + sum(len(r) for r in sheet_records) + 4  # + the globals' EOF
    out = globals_head
    for record, stream in zip(sheet_records, streams):
        out += record[:4] + struct.pack("<I", offset) + record[8:]
        offset += len(stream)
    out += _biff(0x000A, b"")
    return out + b"".join(streams)


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file (the OLE container of .xls and of encrypted Office files) holding
    ``streams``, each padded to at least 4096 bytes so that all live in regular sectors."""
    sector = 512
    names = list(streams)
    datas = [data + b"\x00" * max(0, 4096 - len(data)) for data in streams.values()]
    chains, next_sector = [], 1  # sector 0 is the FAT
    for data in datas:
        count = -(-len(data) // sector)
        chains.append((next_sector, count))
        next_sector += count
    directory_sector = next_sector
    fat = [0xFFFFFFFD]
    for start, count in chains:
        fat += [start + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
    fat.append(0xFFFFFFFE)  # the directory: one sector, four entries
    assert len(fat) <= 128, "test streams must fit one FAT sector"
    fat += [0xFFFFFFFF] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<iii", -1, right, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<iI", start, size) + b"\x00" * 4)

    entries = entry("Root Entry", 5, 1, -1, -2, 0)
    for i, (name, (start, _), data) in enumerate(zip(names, chains, datas), 1):
        entries += entry(name, 2, -1, i + 1 if i < len(names) else -1, start, len(data))
    entries = entries.ljust(sector, b"\x00")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIII", 0, 1, directory_sector, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
              + struct.pack("<I", 0xFFFFFFFE) + struct.pack("<I", 0) + struct.pack("<108I", *([0xFFFFFFFF] * 108)))
    return header + struct.pack("<128I", *fat) + b"".join(datas) + entries


def write_xls(path: Path, sheets: list[dict]) -> Path:
    path.write_bytes(write_cfb({"Workbook": _xls_workbook(sheets)}))
    return path


WRITERS = {"xlsx": write_xlsx, "xls": write_xls, "docx": write_docx, "csv": write_csv}


# --- checking rows -----------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return list(value)
    return value


def check_row(row: LedgerRow, expected: dict) -> None:
    for name, want in expected.items():
        got = getattr(row, name)
        if name in ("cells", "raw"):
            for role, ref in want.items():
                assert got.get(role) == ref, f"row {row.row} {name}[{role}]: {got.get(role)!r} != {ref!r}"
        else:
            assert _plain(got) == want, f"row {row.row} {name}: {_plain(got)!r} != {want!r}"


def layout_params():
    for case in LAYOUTS:
        for fmt in case["formats"]:
            yield pytest.param(case, fmt, id=f"{case['id']}-{fmt}")


@pytest.mark.parametrize(("case", "fmt"), list(layout_params()))
def test_messy_layouts(tmp_path, case, fmt):
    sheets = case["sheets"]
    path = WRITERS[fmt](tmp_path / f"ledger.{fmt}", sheets)
    ledger = read_ledger(path)
    expect = dict(case["expect"])
    if fmt == "csv":  # one table, keyed "*"; only the first sheet is written
        names = {sheets[0]["name"]: "*"}
        expect.update(case.get("csv") or {})
    elif fmt == "docx":  # Word tables are named 表1, 表2 … in document order
        names = {s["name"]: f"表{i}" for i, s in enumerate(sheets, 1)}
    else:
        names = {s["name"]: s["name"] for s in sheets}
    expect["columns"] = {names[k]: v for k, v in expect["columns"].items() if k in names}
    expect["notes"] = {names[k]: v for k, v in (expect.get("notes") or {}).items() if k in names}
    for sheet, columns in expect["columns"].items():
        assert ledger.columns[sheet] == columns
    for sheet, notes in (expect.get("notes") or {}).items():
        assert list(ledger.notes[sheet]) == notes
    for fragment in expect.get("warnings") or ():
        assert any(fragment in w for w in ledger.warnings), ledger.warnings
    if "count" in expect:
        assert len(ledger.rows) == expect["count"], [(r.row, r.cells.get("value")) for r in ledger.rows]
    for row, expected in zip(ledger.rows, expect["rows"], strict=False):
        check_row(row, expected)
    assert len(ledger.rows) >= len(expect["rows"])
    sheet_names = {None} if fmt == "csv" else {v for v in names.values()}
    for row in ledger.rows:
        assert row.file == str(path)
        assert row.sheet in sheet_names
        assert all(isinstance(v, Decimal) or v is None for v in (row.value, row.low, row.high, row.precision))
        assert row.qualifier in ("exact", "more_than", "at_least", "less_than", "at_most", "approx", "range", "vague")
        if row.value is not None:
            assert row.raw["value"] and row.cells["value"]


def _layout(case_id: str) -> dict:
    return next(case for case in LAYOUTS if case["id"] == case_id)


def _facts(ledger: Ledger) -> list[tuple]:
    """What a ledger says, independent of the file format."""
    return [(r.row, r.subject, r.indicator_text, r.indicator, r.value, r.qualifier, r.precision, r.kind, r.unit,
             r.period, r.level, r.scope, r.is_total, r.total_of, r.cells.get("value")) for r in ledger.rows]


# --- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases("ledger_figures"))
def test_figure_cells(case):
    figure = parse_figure(case["text"], header_unit(case["header"]) if case.get("header") else None)
    if case.get("none"):
        assert figure is None
        return
    assert figure is not None
    for name in ("value", "low", "high", "qualifier", "precision", "kind", "unit", "currency"):
        if name in case:
            assert _plain(getattr(figure, name)) == case[name], name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_figure_parsing_never_raises(text):
    figure = parse_figure(text)
    assert figure is None or figure.value is None or isinstance(figure.value, Decimal)


QUALIFIED = [("", "", "exact"), ("近", "", "less_than"), ("约", "", "approx"), ("超过", "", "more_than"),
             ("", "余", "more_than"), ("", "多", "more_than"), ("", "以上", "at_least")]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    number=st.decimals(min_value=1, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
    style=st.sampled_from(["plain", "grouped", "wan", "fullwidth"]),
    words=st.sampled_from(QUALIFIED),
    header=st.sampled_from([None, "人次", "金额(万元)"]),
)
def test_figure_round_trip(number, style, words, header):
    """Arabic, grouped, 万 and full-width forms read back to the number written (times the header's
    万 unless the cell writes its own), with the qualifier their words give and the precision of
    the last digit written."""
    number = number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1))
    if style == "wan":
        text, value = f"{number}万", number * 10000
    elif style == "grouped":
        text, value = format_number(number), number
    elif style == "fullwidth":
        text, value = str(number).translate({i: i + 0xFEE0 for i in range(0x21, 0x7F)}), number
    else:
        text, value = format(number, "f"), number
    prefix, suffix, qualifier = words
    unit = header_unit(header) if header else None
    figure = parse_figure(prefix + text + suffix, unit)
    assert figure is not None
    scale = unit.scale if unit is not None and style != "wan" else 1
    assert figure.value == value * scale
    assert figure.qualifier == qualifier
    written = Decimal(1).scaleb(min(0, number.as_tuple().exponent)) * (10000 if style == "wan" else 1)
    assert figure.precision == written * scale


# --- headers, periods, levels, scopes ----------------------------------------------------------

FIELDS = yaml.safe_load((HERE / "cases" / "ledger_fields.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FIELDS["headers"], ids=lambda c: c["id"])
def test_header_roles(case):
    assert header_role(case["header"]) == case["role"]
    unit = header_unit(case["header"])
    if "unit" in case:
        assert unit is not None and unit.unit == case["unit"]
    if "scale" in case:
        assert unit is not None and format(unit.scale, "f") == case["scale"]


@pytest.mark.parametrize("case", FIELDS["periods"], ids=lambda c: c["id"])
def test_periods(case):
    assert parse_period(case["text"]) == case["period"]


@pytest.mark.parametrize("case", FIELDS["levels"] + FIELDS["scopes"], ids=lambda c: c["id"])
def test_levels_and_scopes(case):
    from chanjia_nlp.ledger.fields import parse_level, parse_scope

    if "level" in case:
        assert parse_level(case["text"]) == case["level"]
    else:
        assert parse_scope(case["text"]) == case["scope"]


# --- indicator mapping -------------------------------------------------------------------------

INDICATOR_CASES = yaml.safe_load((HERE / "cases" / "ledger_indicators.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "case", [c for c in INDICATOR_CASES if c.get("clear", True)], ids=lambda c: c["id"]
)
def test_indicator_clear_cases(case):
    match = map_indicator(case["text"], kind=case["kind"], unit=case["unit"])
    assert match.indicator == case["indicator"], match
    assert 0.0 <= match.score <= 1.0
    if match.indicator is None:
        assert match.method == "none" and match.score < MODEL_THRESHOLD
    else:
        assert match.method in ("alias", "model")
        assert match.score == 1.0 if match.method == "alias" else MODEL_THRESHOLD <= match.score < 1.0 + 1e-9


def test_indicator_accuracy_floor():
    """Over the whole table, the unclear wordings included; and over the wordings no specific
    alias covers, which the n-gram model decides."""
    results = [(map_indicator(c["text"], kind=c["kind"], unit=c["unit"]), c["indicator"]) for c in INDICATOR_CASES]
    accuracy = sum(m.indicator == want for m, want in results) / len(results)
    assert accuracy >= 0.85, accuracy
    by_model = [(m, want) for m, want in results if m.method != "alias"]
    assert len(by_model) >= 15
    model_accuracy = sum(m.indicator == want for m, want in by_model) / len(by_model)
    assert model_accuracy >= 0.7, model_accuracy


def test_indicator_mapping_is_deterministic():
    from chanjia_nlp.ledger import indicators

    first = [map_indicator(c["text"], kind=c["kind"], unit=c["unit"]) for c in INDICATOR_CASES]
    indicators._model.cache_clear()
    indicators._map.cache_clear()
    assert [map_indicator(c["text"], kind=c["kind"], unit=c["unit"]) for c in INDICATOR_CASES] == first


def test_indicator_kind_must_fit():
    """The same words count different ids by the figure's kind and unit."""
    assert map_indicator("培训", kind="count", unit="人次").indicator == "training_participants"
    assert map_indicator("培训", kind="count", unit="场次").indicator == "training_sessions"
    assert map_indicator("金秋助学", kind="money", unit="元").indicator == "student_aid"
    assert map_indicator("专利", kind="money", unit="元").indicator != "patents"  # patents are counts


# --- whole files -------------------------------------------------------------------------------


def test_read_only_mode_reads_merges_the_same(tmp_path, monkeypatch):
    """Large workbooks are streamed (openpyxl read_only has no merged cells): the merged ranges
    come from the sheet XML, so the rows are the same."""
    path = write_xlsx(tmp_path / "big.xlsx", _layout("district_two_row_header")["sheets"])
    normal = read_ledger(path)
    monkeypatch.setattr(ledger_tables, "READ_ONLY_BYTES", 0)
    streamed = read_ledger(path)
    assert _facts(streamed) == _facts(normal)
    assert streamed.columns == normal.columns


@pytest.mark.parametrize("fmt", ["xls", "docx", "csv"])
def test_formats_agree_with_xlsx(tmp_path, fmt):
    sheets = _layout("district_two_row_header")["sheets"]
    reference = _facts(read_ledger(write_xlsx(tmp_path / "a.xlsx", sheets)))
    assert _facts(read_ledger(WRITERS[fmt](tmp_path / f"a.{fmt}", sheets))) == reference


BIG5_ROWS = [
    ["序號", "單位名稱", "指標", "數量（人次）", "金額（萬元）"],
    ["1", "惠山區總工會", "職工技能培訓", "1200餘", "22.68"],
    ["2", "惠山區總工會", "困難職工幫扶", "近300", "12.5"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le"])
def test_csv_encodings(tmp_path, encoding):
    path = write_csv(tmp_path / "t.csv", [{"name": "t", "rows": BIG5_ROWS}], encoding=encoding)
    ledger = read_ledger(path)
    assert ledger.columns["*"] == {"header": 1, "index": "A", "subject": "B", "indicator_text": "C",
                                   "value": ["D"], "money": ["E"]}
    assert [(r.subject, r.indicator, r.value, r.qualifier) for r in ledger.rows] == [
        ("惠山區總工會", "training_participants", Decimal("1200"), "more_than"),
        ("惠山區總工會", None, Decimal("226800"), "exact"),
        ("惠山區總工會", "assisted_people", Decimal("300"), "less_than"),
        ("惠山區總工會", "assistance_funds", Decimal("125000"), "exact"),
    ]
    assert all(r.sheet is None for r in ledger.rows)


def test_percent_format_dates_and_formulas(tmp_path):
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "指标"
    ws.append(["指标名称", "完成值", "统计时间"])
    ws.append(["集体合同签订率", 0.385, dt.datetime(2023, 6, 30)])
    ws["B2"].number_format = "0.0%"
    ws.append(["职代会建制", 40, "2023年"])
    ws.append(["合计", "=SUM(B2:B3)", ""])  # written by a program: no saved value
    path = tmp_path / "f.xlsx"
    book.save(path)
    ledger = read_ledger(path)
    first, second, total = ledger.rows
    assert (first.value, first.kind, first.unit, first.period) == (Decimal("38.5"), "percent", "%", "2023-06")
    assert first.raw["value"] == "38.5%" and first.indicator == "collective_contracts"
    assert (second.value, second.period) == (Decimal("40"), "2023")
    assert total.is_total and total.value is None and total.cells["value"] == "B4"
    assert any("B4 holds a formula whose value was never saved" in w for w in ledger.warnings)


def test_title_gives_subject_and_period(tmp_path):
    """Without a subject column the title names the subject; its year is the period."""
    sheets = [{"name": "S", "rows": [["惠山区总工会2023年产改工作台账", ""], ["指标", "数量"], ["新增高技能人才", "580人"]],
               "merges": ["A1:B1"]}]
    for fmt in ("xlsx", "docx"):
        (row,) = read_ledger(WRITERS[fmt](tmp_path / f"t.{fmt}", sheets)).rows
        assert (row.subject, row.period, row.scope, row.indicator) == ("惠山区总工会", "2023", "increment",
                                                                        "high_skilled_talent")
        assert row.cells["subject"] == "A1" and row.cells["period"] == "A1"


def test_docx_caption_above_table(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("附件2：2022年度梁溪区职工书屋建设情况")
    table = document.add_table(rows=2, cols=2)
    for c, text in enumerate(["项目", "数量（家）"]):
        table.cell(0, c).text = text
    table.cell(1, 0).text, table.cell(1, 1).text = "职工书屋", "15"
    document.save(tmp_path / "t.docx")
    (row,) = read_ledger(tmp_path / "t.docx").rows
    assert (row.sheet, row.subject, row.period, row.value, row.unit) == ("表1", "梁溪区", "2022", Decimal(15), "家")
    assert row.cells["period"] == "caption"


def test_hidden_sheet_and_blank_run(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(ledger_tables, "MAX_BLANK_RUN", 5)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["指标", "数量"])
    ws.append(["职工书屋", 3])
    ws["B40"] = 9  # far below a run of blank rows
    hidden = book.create_sheet("备用")
    hidden.append(["指标", "数量"])
    hidden.append(["职工书屋", 4])
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "h.xlsx")
    ledger = read_ledger(tmp_path / "h.xlsx")
    assert [r.value for r in ledger.rows] == [Decimal(3)]
    assert any("'备用' is hidden" in w for w in ledger.warnings)
    assert any("reading stopped at row" in w and "to row 40" in w for w in ledger.warnings)


# --- bad files ---------------------------------------------------------------------------------


def _zip(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return out.getvalue()


BAD_FILES = {
    "empty": (b"", "empty"),
    "blank": (b" \r\n\t", "empty"),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a PNG image"),
    "pdf": (b"%PDF-1.7\n1 0 obj\n", "a PDF"),
    "html-as-xls": ("<html><body><table><tr><td>指标</td></tr></table></body></html>".encode(), "web page"),
    "binary": (bytes(range(256)) * 8, "binary"),
    "damaged-zip": (b"PK\x03\x04" + b"\x13" * 200, "damaged"),
    "pptx": (_zip({"ppt/presentation.xml": b"<p/>", "[Content_Types].xml": b"<Types/>"}), "PowerPoint"),
    "damaged-xlsx": (_zip({"xl/workbook.xml": b"<workbook", "[Content_Types].xml": b"<Types/>"}), "damaged"),
    "encrypted": (write_cfb({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 60, "EncryptedPackage": b"\x07" * 64}),
                  "password-protected"),
    "ole-not-xls": (write_cfb({"WordDocument": b"\x00" * 64}), "not a readable .xls"),
    "text-without-header": ("今天天气很好\n明天也很好\n".encode(), "no sheet of the ledger"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_raise_one_line(tmp_path, name):
    data, fragment = BAD_FILES[name]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    with pytest.raises(DocumentError) as info:
        read_ledger(path)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert "Traceback" not in message


def test_missing_file(tmp_path):
    with pytest.raises(DocumentError, match="cannot read the ledger"):
        read_ledger(tmp_path / "nope.xlsx")


# --- mappings ----------------------------------------------------------------------------------

UNKNOWN_HEADER_ROWS = [["项目", "落实情况", "经办人"], ["新建工会驿站", "14个", "王芳"], ["职工书屋", "6家", "李强"]]


def test_mapping_by_letter_header_file_and_indicators(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [{"name": "表", "rows": UNKNOWN_HEADER_ROWS}])
    with pytest.raises(DocumentError, match="has no header row naming its columns"):
        read_ledger(path)
    by_letter = read_ledger(path, mapping={"value": "B"})
    by_header = read_ledger(path, mapping={"表": {"value": "落实情况", "indicator_text": "A"}})
    assert _facts(by_letter) == _facts(by_header)
    assert [(r.indicator, r.value, r.unit) for r in by_letter.rows] == [
        ("service_stations", Decimal(14), "个"), ("worker_libraries", Decimal(6), "家")]
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text("'*':\n  value: B\nindicators:\n  职工书屋: education_bases\n", encoding="utf-8")
    overridden = read_ledger(path, mapping=mapping_file)
    assert [(r.indicator, r.indicator_method, r.indicator_score) for r in overridden.rows] == [
        ("service_stations", "alias", 1.0), ("education_bases", "override", 1.0)]
    json_file = tmp_path / "mapping.json"
    json_file.write_text('{"value": "B"}', encoding="utf-8")
    assert _facts(read_ledger(path, mapping=json_file)) == _facts(by_letter)


def test_inferred_columns_round_trip_as_mapping(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", _layout("district_two_row_header")["sheets"])
    ledger = read_ledger(path)
    assert _facts(read_ledger(path, mapping=ledger.columns)) == _facts(ledger)


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ({"valeu": "B"}, "unknown role 'valeu'; valid roles: index, subject"),
        ({"表": {"amount": "B"}}, "unknown role 'amount'"),
        ({"value": "B", "indicators": {"职工书屋": "libraries"}}, "no indicator id; it must be one of: propaganda_events"),
        ({"subject": ["A", "B"]}, "only money, target, value may have several"),
        ({"header": 0, "value": "B"}, "row number from 1"),
        (["value"], "must be a mapping"),
    ],
)
def test_bad_mapping_raises_at_once(tmp_path, mapping, fragment):
    with pytest.raises(ConfigError) as info:
        read_ledger(tmp_path / "not-read-at-all.xlsx", mapping=mapping)
    assert fragment in str(info.value)


def test_mapping_naming_unknown_column_or_sheet(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [{"name": "表", "rows": UNKNOWN_HEADER_ROWS}])
    with pytest.raises(ConfigError, match=r"column '金额'.*headers found are: A='项目', B='落实情况', C='经办人'"):
        read_ledger(path, mapping={"value": "金额"})
    with pytest.raises(ConfigError, match="sheet 'Sheet9', which the ledger does not have; its sheets: '表'"):
        read_ledger(path, mapping={"Sheet9": {"value": "B"}})
    bad_yaml = tmp_path / "m.yaml"
    bad_yaml.write_text("value: [B\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML/JSON"):
        read_ledger(path, mapping=bad_yaml)


def test_roles_are_the_documented_ones():
    assert ROLES == ("index", "subject", "indicator_text", "scope", "value", "money", "target", "rate", "unit",
                     "period", "level", "evidence", "note", "ignore")


@pytest.mark.parametrize(
    ("cells", "role"),
    [(["人次", "万元", "个"], "unit"), (["惠山区总工会", "洛社镇总工会", "个"], "subject")],
)
def test_ambiguous_danwei_column_is_decided_by_its_cells(tmp_path, cells, role):
    rows = [["指标", "单位", "数量"]] + [[f"职工书屋{i}", text, str(i + 1)] for i, text in enumerate(cells)]
    ledger = read_ledger(write_csv(tmp_path / "d.csv", [{"name": "d", "rows": rows}], encoding="utf-8"))
    assert ledger.columns["*"][role] == "B"
    if role == "unit":
        assert [(r.value, r.unit, r.kind) for r in ledger.rows] == [
            (Decimal(1), "人次", "count"), (Decimal(20000), "元", "money"), (Decimal(3), "个", "count")]
    else:
        assert [r.subject for r in ledger.rows] == cells


def test_ledger_row_is_the_shared_interface():
    """crosscheck/ builds on these fields: names, order and defaults are a contract."""
    import dataclasses

    assert [f.name for f in dataclasses.fields(LedgerRow)] == [
        "file", "sheet", "row", "subject", "indicator_text", "indicator", "indicator_score", "indicator_method",
        "scope", "value", "low", "high", "qualifier", "precision", "kind", "unit", "currency", "period", "level",
        "evidence", "note", "is_total", "total_of", "cells", "raw", "target", "boxes"]
    assert [f.name for f in dataclasses.fields(Ledger)][:3] == ["rows", "warnings", "columns"]
    with pytest.raises(TypeError):
        LedgerRow("a.xlsx")  # keyword-only


def test_malformed_columns_lexicon_names_the_file(bad_lexicon):
    from chanjia_nlp.errors import LexiconError
    from chanjia_nlp.ledger.layout import column_words

    bad_lexicon(column_words, "ledger_columns.yaml", "roles:\n  amount: [数额]\n")
    with pytest.raises(LexiconError, match="ledger_columns.yaml.*unknown role 'amount'"):
        column_words()
    bad_lexicon(column_words, "ledger_columns.yaml", "roles:\n  value: [数量]\n  money: [数量]\n")
    with pytest.raises(LexiconError, match="'数量' is listed under both 'value' and 'money'"):
        column_words()


CELL_WORDS = ["序号", "单位", "单位名称", "指标", "数量", "金额（万元）", "人次", "培训情况", "备注", "合计", "小计", "注：说明",
              "惠山区", "职工书屋", "新建工会驿站", "1200余", "近3000", "2,650", "1.2万", "—", "", "", "", "2023年", "已完成"]


@pytest.mark.slow
@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CELL_WORDS), min_size=1, max_size=6), min_size=1, max_size=12))
def test_any_grid_gives_rows_or_one_document_error(tmp_path_factory, grid):
    """Messy tables never crash: rows whose cells point into the grid, or a one-line DocumentError."""
    path = write_csv(tmp_path_factory.mktemp("grid") / "g.csv", [{"name": "g", "rows": grid}], encoding="utf-8")
    try:
        ledger = read_ledger(path)
    except DocumentError as exc:
        assert "\n" not in str(exc)
        return
    width = max(len(row) for row in grid)
    for row in ledger.rows:
        assert 1 <= row.row <= len(grid)
        for ref in row.cells.values():
            assert ref in ("caption", "sheet name") or ref.rstrip("0123456789") <= "ZZ"
        if row.value is not None:
            letter = row.cells["value"].rstrip("0123456789")
            assert ord(letter) - 64 <= width
            assert grid[row.row - 1][ord(letter) - 65] == row.raw["value"]
        assert set(row.total_of) <= set(range(1, len(grid) + 1)) - {row.row}
