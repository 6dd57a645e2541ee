"""Hostile input, built on demand: one folder per class of issue 14 handled here, several
variants each, with good reports beside them that must still be stored.

``build(root)`` returns a :class:`Hostile` naming what it made: the paths to give ``chanjia
extract`` (folders, and special files given directly), the display paths of the good files, and
the ledgers for ``chanjia check``. Run it by hand with ``python -m tests.hostile.generate DIR``.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD = "惠山区总工会\n\n2022年，全区新增高技能人才1200余名，累计奖励金额近265万元。\n"


# -- variants of the classes whose files must be read (kept: the text around the damage) ------------------------

LINE = "全区新增高技能人才1200余名。\n"
DAMAGED_LINE = "工会会员3600名，奖励265万元。\n"


def mixed_text() -> dict[str, tuple[bytes, tuple[int, ...]]]:
    """21: text files that are mostly one encoding, each with the (1-based) lines whose bytes
    cannot all be read (their figures are damaged); every other line reads whole."""
    utf8, gb = (LINE * 3).encode(), DAMAGED_LINE.encode("gb18030")
    cesu_pair = b"\xed\xa0\xbd\xed\xb8\x80"  # U+1F600 as two surrogates, one by one (CESU-8)
    lone = b"\xed\xa0\x80"  # half a surrogate pair
    return {
        "utf8_one_gb_line.txt": (utf8 + gb + utf8, ()),
        "utf8_bom_gb_lines.txt": (b"\xef\xbb\xbf" + utf8 + gb + utf8 + gb, ()),
        "gb_one_utf8_line.txt": ((LINE * 3).encode("gb18030") + DAMAGED_LINE.encode() + (LINE * 3).encode("gb18030"), ()),
        "cesu_pair.txt": (utf8 + cesu_pair + DAMAGED_LINE.encode() + utf8, ()),
        "lone_surrogate.txt": (utf8 + lone + DAMAGED_LINE.encode() + utf8, (4,)),
        "stray_byte.txt": (utf8 + b"\xff" + DAMAGED_LINE.encode() + utf8 + b"\x80\x80\n", (4, 8)),
        "few_nuls.txt": (utf8 + b"\x00\x00" + DAMAGED_LINE.encode() + utf8, (4,)),
        "gb_with_a_bad_byte.txt": ((LINE * 3).encode("gb18030") + b"\xff" + DAMAGED_LINE.encode("gb18030"), (4,)),
        "big5_with_a_bad_byte.txt": ("全區職工書屋覆蓋率達到98%。\n".encode("big5") * 3 + b"\x80"
                                     + "會員3600名，獎勵265萬元。\n".encode("big5"), (4,)),
    }


def utf16_without_bom() -> dict[str, bytes]:
    """21: short UTF-16 files without a BOM (the README promises them), with and without ASCII."""
    return {
        "utf16le_short.txt": "职工1200名".encode("utf-16-le"),
        "utf16be_short.txt": "职工1200名".encode("utf-16-be"),
        "utf16le_lines.txt": (LINE * 2).encode("utf-16-le"),
        "utf16le_chinese_only.txt": "全区新增高技能人才一千二百余名，覆盖全部职工书屋。".encode("utf-16-le"),
    }


def mislabelled_html() -> dict[str, bytes]:
    """18: pages whose ``<meta charset>`` the bytes contradict."""
    body = "<p>全区新增高技能人才1200余名，累计奖励金额近265万元。</p>"

    def page(label: str, encoding: str, http_equiv: bool = False) -> bytes:
        text = f"<html><head>{{meta}}<title>惠山区</title></head><body>{body}</body></html>"
        if encoding == "big5":
            text = text.replace("区", "區").replace("余", "餘").replace("计", "計").replace("奖励", "獎勵").replace(
                "额", "額").replace("万", "萬")
        meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={label}">' if http_equiv
                else f'<meta charset="{label}">')
        return text.replace("{meta}", meta).encode(encoding)

    return {
        "latin1_label_gbk_bytes.html": page("iso-8859-1", "gbk"),
        "cp1252_label_gbk_bytes.html": page("windows-1252", "gbk", http_equiv=True),
        "latin1_label_utf8_bytes.html": page("ISO-8859-1", "utf-8"),
        "gbk_label_utf8_bytes.html": page("gbk", "utf-8"),
        "ascii_label_big5_bytes.html": page("us-ascii", "big5"),
    }


def deep_html() -> dict[str, bytes]:
    """19: pages nested deeper than libxml2 follows (256), the text before, inside and after."""
    def page(depth: int, tag: str = "div") -> bytes:
        return (f"<html><head><title>深</title></head><body><p>之前新增会员300名。</p>{f'<{tag}>' * depth}"
                f"<p>深处新增高技能人才1200余名。</p>{f'</{tag}>' * depth}<p>之后累计奖励金额近265万元。</p>"
                "<script>var x = '脚本里的999名';</script></body></html>").encode()

    return {"depth300.html": page(300), "depth3000_span.html": page(3000, "span"), "depth100000.html": page(100_000)}


def docx_with_entities() -> dict[str, bytes]:
    """20: a .docx whose paragraph holds an XML entity (external file, web address, internal, parameter)."""
    import io
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("PLACEHOLDER")
    document.add_paragraph("第二段新增会员300名。")
    buffer = io.BytesIO()
    document.save(buffer)
    entities = {
        "xxe_file.docx": '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
        "xxe_web.docx": '<!ENTITY xxe SYSTEM "http://127.0.0.1:9/secret">',
        "xxe_internal.docx": '<!ENTITY xxe "内部实体">',
        "xxe_parameter.docx": '<!ENTITY % p SYSTEM "file:///etc/passwd"> %p; <!ENTITY xxe "x">',
    }
    made = {}
    for name, entity in entities.items():
        source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename == "word/document.xml":
                    declaration, rest = content.split(b"?>", 1)
                    run = "<w:t>全区&xxe;新增高技能人才1200余名</w:t></w:r><w:r><w:t>奖励265万元</w:t>".encode()
                    content = (declaration + b"?>\n<!DOCTYPE w:document [" + entity.encode() + b"]>"
                               + rest.replace(b"<w:t>PLACEHOLDER</w:t>", run))
                archive.writestr(info.filename, content)
        made[name] = out.getvalue()
    return made


@dataclass
class Hostile:
    """What :func:`build` made."""

    folder: Path  # given to chanjia extract
    direct: list[str] = field(default_factory=list)  # special files given directly
    good: set[str] = field(default_factory=set)  # display paths (relative to folder) that must be stored ok
    bad: set[str] = field(default_factory=set)  # display paths that must get one error record each
    ledgers: list[Path] = field(default_factory=list)  # good and hostile 台账 for chanjia check
    bad_ledgers: list[Path] = field(default_factory=list)  # those that cannot be read (one line each)
    permissions: bool = False  # whether unreadable folders and files were made (they need no root to work)
    copies: list[set[str]] = field(default_factory=list)  # 1: display paths of files with the same bytes


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _name(raw: bytes) -> str:
    return os.fsdecode(raw)  # bytes that are not UTF-8 become lone surrogates, as os.listdir gives them


def build(root: Path, *, permissions: bool = True) -> Hostile:
    """Build the hostile folder under ``root``; ``permissions`` adds unreadable folders and files
    (mode 000, and r without x), which only bind a process without CAP_DAC_OVERRIDE."""
    folder = root / "reports"
    made = Hostile(folder=folder, permissions=permissions)

    def good(rel: str, text: str = GOOD) -> None:
        _write(folder / rel, text)
        made.good.add(rel)

    def bad(rel: str, data: bytes | str = b"") -> None:
        _write(folder / rel, data)
        made.bad.add(rel)

    # good reports beside everything else
    for name in ("02_district_summary_2022.txt", "08_enterprise_news.txt"):
        shutil.copy(ROOT / "corpus" / name, _write(folder / "good" / name, b""))
        made.good.add(f"good/{name}")
    good("good/短报.txt")

    # 1: identity is the location and the bytes: one name in two folders (other bytes), identical
    # copies under other names and in a sub-folder, a symlink to a stored file
    good("c01_identity/惠山/年度总结.txt", "惠山区总工会\n\n2022年，全区新增会员1200名。\n")
    good("c01_identity/江都/年度总结.txt", "江都区总工会\n\n2022年，全区新增会员1300名。\n")
    copy = "锡山区总工会\n\n2022年，全区建成职工之家45个，新增会员2100名。\n"
    copies = {"c01_identity/copies/总结(1).txt", "c01_identity/copies/总结.txt", "c01_identity/copies/z/总结 - 副本.txt"}
    for rel in sorted(copies):
        good(rel, copy)
    os.symlink("年度总结.txt", folder / "c01_identity/惠山/link.txt")
    made.good.add("c01_identity/惠山/link.txt")
    made.copies += [copies, {"c01_identity/惠山/link.txt", "c01_identity/惠山/年度总结.txt"}]

    # 5: only regular files are read: named pipes and devices, also through symlinks
    special = folder / "c05_special"
    special.mkdir(parents=True)
    for rel in ("pipe.txt", "nested/pipe.html"):
        (special / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(special / rel)
        made.bad.add(f"c05_special/{rel}")
    for rel, device in (("zero.txt", "/dev/zero"), ("random.docx", "/dev/urandom"), ("null.pdf", "/dev/null")):
        os.symlink(device, special / rel)
        made.bad.add(f"c05_special/{rel}")
    os.symlink("missing-target.txt", special / "dangling.txt")
    made.bad.add("c05_special/dangling.txt")
    direct = root / "direct"
    direct.mkdir()
    os.mkfifo(direct / "given.fifo")
    os.symlink("/dev/zero", direct / "given-zero.txt")
    made.direct += [str(direct / "given.fifo"), str(direct / "given-zero.txt"), "/dev/zero"]
    good("c05_special/real.txt")

    # 6: header rules that must stay linear on blank and near-blank openings
    good("c06_blank/newlines.txt", "\n" * 3000 + GOOD)
    good("c06_blank/crlf.txt", "\r\n" * 3000 + GOOD)
    good("c06_blank/spaces.txt", " \n\u3000\t\n" * 1500 + GOOD)
    good("c06_blank/dates.txt", "2023年\n" * 1500 + GOOD)

    # 12: names that are not UTF-8 (GBK from a Chinese Windows zip), one that is no GB18030 either
    good("c12_names/" + _name("年度总结".encode("gbk") + b".txt"))
    good("c12_names/" + _name("惠山".encode("gbk")) + "/" + _name("报告".encode("gbk") + b".txt"))
    good("c12_names/" + _name(b"\xff\xfe\x80.txt"))
    bad("c12_names/" + _name("空".encode("gbk") + b".txt"))

    # 23: bidi and invisible characters in names
    good("c23_bidi/\u202egnp.exe.txt")
    good("c23_bidi/报告\u200b\u2066.txt")
    bad("c23_bidi/\u202eempty.txt")

    # 22: report text that a spreadsheet would run
    good("c22_formula/=cmd.txt", "=cmd|' /C calc'!A0\n\n+1+2 其中全区新增会员1200名。\n@SUM(1) 累计奖励金额近265万元。\n")
    good("c22_formula/-2+3.txt", "-2+3 全区新增高技能人才1200余名。\n")

    # 3: unreadable and empty files never share one doc_id
    for n in range(3):
        bad(f"c03_unread/empty{n}.txt")
        bad(f"c03_unread/blank{n}.txt", b" \n\t\n")

    # 13: unreadable folders (and files)
    if permissions:
        for rel in ("c13_folders/mode000", "c13_folders/deep/er/mode000", "c13_folders/r_no_x"):
            _write(folder / rel / "inside.txt", GOOD)
            made.bad.add(rel)
        os.chmod(folder / "c13_folders/mode000", 0)
        os.chmod(folder / "c13_folders/deep/er/mode000", 0)
        os.chmod(folder / "c13_folders/r_no_x", 0o444)
        bad("c13_folders/unreadable.txt", GOOD)
        os.chmod(folder / "c13_folders/unreadable.txt", 0)
        good("c13_folders/readable.txt")

    # 21: mixed encodings, UTF-16 without a BOM, a few NULs: read, damaged lines flagged
    for name, (data, _) in mixed_text().items():
        _write(folder / "c21_encodings" / name, data)
        made.good.add(f"c21_encodings/{name}")
    for name, data in utf16_without_bom().items():
        _write(folder / "c21_encodings" / name, data)
        made.good.add(f"c21_encodings/{name}")
    bad("c21_encodings/mostly_nuls.txt", b"\x00" * 200 + LINE.encode())

    # 18: a charset label the bytes contradict; 19: pages nested past libxml2's depth; 20: entities in a .docx
    for rel, variants in (("c18_charset", mislabelled_html()), ("c19_deep", deep_html()), ("c20_xxe", docx_with_entities())):
        for name, data in variants.items():
            _write(folder / rel / name, data)
            made.good.add(f"{rel}/{name}")

    # ledgers: the corpus one, one with formula cells (22) and names, ones with a giant field (16)
    ledgers = root / "ledgers"
    ledgers.mkdir()
    made.ledgers.append(Path(shutil.copy(ROOT / "corpus/ledger/2023年度产改工作台账.xlsx", ledgers)))
    header = "序号,单位名称,指标,计量单位,统计期间,完成情况,口径,佐证材料,备注\n"
    made.ledgers.append(_write(ledgers / "=1+1.csv", header + "1,惠山区总工会,新增高技能人才,人,2022年,=cmd|' /C calc'!A0,新增,@SUM(1),+1+2\n"
                               "2,惠山区总工会,职工培训人次,人次,2022年,\"45,000\",全年,-1+2,\t=1\n"))
    for n, size in enumerate((131_073, 400_000)):
        made.bad_ledgers.append(_write(ledgers / f"huge{n}.csv", header + f"1,惠山区,培训,人次,2022年,\"{'9' * size}\"\n"))
    made.ledgers += made.bad_ledgers
    return made


def loosen(made: Hostile) -> None:
    """Give back the permissions :func:`build` took, so the folder can be removed."""
    for dirpath, dirnames, filenames in os.walk(made.folder):  # top down: a folder opens before it is entered
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path) and (os.path.isdir(path) or os.path.isfile(path)):
                os.chmod(path, 0o755)


if __name__ == "__main__":  # pragma: no cover - by hand
    print(build(Path(sys.argv[1])))
