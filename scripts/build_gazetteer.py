"""Regenerate ``lexicons/regions.tsv`` and the surname block of ``lexicons/person_titles.txt``.

Both come from the data files of the ``jionlp`` package (Apache License 2.0), never from hand
typing:

* ``jionlp/dictionary/china_location.txt``: China's administrative divisions as an indented tree
  (province, prefecture city, district/county with their division codes and short names; towns
  and streets; villages). We keep the three coded levels for the whole country and the towns and
  streets (乡, 镇, 街道) of Jiangsu, where the reports come from.
* ``jionlp/rule/rule_pattern.py``: the 百家姓 surname list (``SINGLE_CHINESE_FAMILY_NAME``, first,
  complete assignment) and the compound surnames (``TWO_CHAR_CHINESE_FAMILY_NAME``).

Short forms (``无锡`` for ``无锡市``) are jionlp's aliases for the coded levels and the name without
its suffix for towns. A short form is dropped when it is shorter than two characters or is on
:data:`STOPLIST`; below the city level it is also dropped when it is an everyday word by jieba's
dictionary: a word jieba counts often (``平原``, ``太湖``, ``武功``: frequency >= 500) or tags as
something other than a proper noun (``开发`` v, ``城区`` n, ``比如`` v: frequency >= 300). Cities keep
their short forms (jieba's tags are noisy there: ``大连`` d, ``合肥`` n).

The output is sorted and depends only on the installed jionlp and jieba data, so
``tests/test_entities.py`` can check that the committed files match a fresh run.

Usage::

    pip install jionlp       # or: pip install -e '.[bench]'
    python scripts/build_gazetteer.py            # rewrite the lexicons
    python scripts/build_gazetteer.py --check    # exit 1 when the committed files differ
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ROOT / "lexicons" / "regions.tsv"
PERSONS = ROOT / "lexicons" / "person_titles.txt"
COLUMNS = ("code", "name", "short", "level", "parent_code")

#: Provinces whose towns and streets are kept (the reports are from Jiangsu).
TOWN_PROVINCES = ("320000",)
#: Town-level names kept: 乡, 镇 and 街道 are divisions; jionlp's farms, prisons and parks are not.
TOWN_SUFFIXES = ("街道", "镇", "乡")
#: Suffixes stripped from a town name to get its short form, longest first.
TOWN_STRIP = ("街道", "镇", "乡")
#: jieba parts of speech of proper nouns: a short form tagged otherwise is an ordinary word.
PROPER_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nz", "nt"})
#: Below the city level, a short form jieba counts this often is an everyday word.
COMMON_FREQ = 500
#: Below the city level, a short form jieba tags as no proper noun and counts this often is one.
ORDINARY_FREQ = 300
#: Short forms that jieba tags as proper nouns but that are ordinary words or too ambiguous in
#: report text (和平 "peace", 新华 the news agency, 城东 "east of town", 高新 "high-tech").
STOPLIST = frozenset(
    """
    和平 新华 新区 城区 开发 高新 经开 郊区 矿区 市中 市南 市北 城东 城西 城南 城北 城中 城关 中心
    新城 东区 西区 南区 北区 中区 红旗 解放 胜利 前进 人民 光明 新兴 长青 太平 永安 安定 东方 白云
    青山 龙华 朝阳 向阳 文化 和谐 民主 团结 幸福 复兴 建设 工农 先锋 新民 新村 新街 新桥 东风 红星
    星火 花园 东港 西湖 南湖 东湖 海港 港口 开元 金山 银山 长安 城厢 城郊 大同 永和 东城 西城 南城
    北城 中山 新市 新镇 医药高新区 省直辖 市直辖 长治 安康 来宾 阿里 新乡 滨海 江海 东南 大桥 海南
    """.split()
)
LEVELS = ("province", "city", "district", "town")


@dataclass(frozen=True, slots=True)
class Row:
    code: str
    name: str
    short: str
    level: str
    parent_code: str

    def sort_key(self) -> tuple:
        # Towns have no code in jionlp: they follow their district, in name order.
        return (self.code or self.parent_code, LEVELS.index(self.level), self.name)

    def line(self) -> str:
        return "\t".join((self.code, self.name, self.short, self.level, self.parent_code))


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # find the data without importing jionlp (slow, noisy)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed: pip install {name}")
    return Path(next(iter(spec.submodule_search_locations)))


def source_description() -> str:
    """``jionlp 1.5.31 (Apache License 2.0)``: what the files are generated from."""
    meta = importlib.metadata.metadata("jionlp")
    return f"jionlp {meta['Version']} ({meta.get('License') or 'see package metadata'})"


def _everyday_words() -> frozenset[str]:
    """Words jieba's dictionary counts as everyday words (see the module docstring)."""
    import jieba

    out = set()
    with jieba.get_dict_file() as f:
        for raw in f:
            parts = raw.decode("utf-8").split()
            if len(parts) != 3 or not parts[1].isdigit():
                continue
            freq = int(parts[1])
            if freq >= COMMON_FREQ or (freq >= ORDINARY_FREQ and parts[2] not in PROPER_TAGS):
                out.add(parts[0])
    return frozenset(out)


def _shorts(candidates: list[str], name: str, level: str, everyday: frozenset[str]) -> str:
    kept: list[str] = []
    for short in candidates:
        short = short.strip()
        if len(short) < 2 or short == name or short in STOPLIST or short in kept:
            continue
        if level in ("district", "town") and short in everyday:
            continue
        kept.append(short)
    return "/".join(kept)


def _is_zone(name: str, code: str) -> bool:
    """A development zone with a statistical code (xxxx7x): not an administrative division."""
    return code[4] == "7" or name.endswith(("开发区", "园区"))


def _location_tree() -> str:
    """jionlp's china_location.txt: unpacked by jionlp on first use, else read from the zip it ships."""
    folder = _package_dir("jionlp") / "dictionary"
    text_file = folder / "china_location.txt"
    if text_file.is_file():
        return text_file.read_text(encoding="utf-8")
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        return archive.read("china_location.txt").decode("utf-8")


def build_regions() -> list[Row]:
    """Parse jionlp's location tree into sorted rows."""
    everyday = _everyday_words()
    rows: dict[tuple[str, str], Row] = {}
    province = city = district = None  # codes of the current branch; None while skipping it
    for raw in _location_tree().splitlines():
        depth = len(raw) - len(raw.lstrip("\t"))
        cells = raw.strip().split("\t")
        if depth == 0 and len(cells) == 3:
            name, code, alias = cells
            province, city, district = code, None, None
            rows[(code, name)] = Row(code, name, _shorts(alias.split("/"), name, "province", everyday), "province", "")
        elif depth == 1 and len(cells) == 3 and province:
            name, code, alias = cells
            district = None
            if code == province or name.startswith("省直辖"):
                city = province  # 北京市 under 北京市, 省直辖行政区划: the districts hang on the province
                continue
            city = code
            rows[(code, name)] = Row(code, name, _shorts(alias.split("/"), name, "city", everyday), "city", province)
        elif depth == 2:
            district = None
            if len(cells) != 3 or city is None:
                continue  # no division code (Taiwan, Hong Kong districts in jionlp)
            name, code, alias = cells
            if code == city or name.startswith("市直辖"):
                district = city  # 东莞市 has no districts: its towns hang on the city
                continue
            if _is_zone(name, code):
                district = city  # a zone's towns hang on its city
                continue
            district = code
            shorts = _shorts(alias.split("/"), name, "district", everyday)
            rows[(code, name)] = Row(code, name, shorts, "district", city)
        elif depth == 3 and district and province in TOWN_PROVINCES:
            name = cells[0]
            if not name.endswith(TOWN_SUFFIXES):
                continue
            stem = next((name[: -len(s)] for s in TOWN_STRIP if name.endswith(s)), name)
            key = ("", f"{district}:{name}")
            rows.setdefault(key, Row("", name, _shorts([stem], name, "town", everyday), "town", district))
    return sorted(rows.values(), key=Row.sort_key)


def render_regions(rows: list[Row]) -> str:
    counts = {level: sum(r.level == level for r in rows) for level in LEVELS}
    header = [
        "# China's administrative divisions for chanjia_nlp.entities: province, city, district/county",
        "# for the whole country; towns and streets (乡, 镇, 街道) for Jiangsu only (the reports' province).",
        f"# Source: generated by scripts/build_gazetteer.py from {source_description()},",
        "# file jionlp/dictionary/china_location.txt (https://github.com/dongrixinyu/JioNLP). Do not edit by hand.",
        "# code: division code (towns have none in jionlp); short: short forms, '/'-separated, minus",
        "# everyday words (by jieba's dictionary and a stoplist, see the script); level: province, city,",
        "# district or town; parent_code: the enclosing division. Municipalities (北京市) are provinces",
        "# whose districts hang on them directly;",
        "# development zones (苏州工业园区, code xxxx7x) are not divisions and are left out.",
        "# Rows: " + ", ".join(f"{level} {n}" for level, n in counts.items()),
        "\t".join(COLUMNS),
    ]
    return "\n".join(header + [r.line() for r in rows]) + "\n"


def _first_assignments(path: Path, names: tuple[str, ...]) -> dict[str, str]:
    """The first string assigned to each name in a module, read without importing it.

    jionlp assigns ``SINGLE_CHINESE_FAMILY_NAME`` twice: first the whole 百家姓, then a subset
    without surnames that are also common characters; after a title, the whole list is right.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in names and name not in out:
                out[name] = ast.literal_eval(node.value)
    return out


SURNAMES_BEGIN = "# BEGIN surnames: generated by scripts/build_gazetteer.py; do not edit by hand"
SURNAMES_END = "# END surnames"


def surname_block() -> str:
    """The generated surname rows of ``person_titles.txt``, between their markers."""
    path = _package_dir("jionlp") / "rule" / "rule_pattern.py"
    found = _first_assignments(path, ("SINGLE_CHINESE_FAMILY_NAME", "TWO_CHAR_CHINESE_FAMILY_NAME"))
    singles = sorted(set(found["SINGLE_CHINESE_FAMILY_NAME"]))
    doubles = sorted(set(found["TWO_CHAR_CHINESE_FAMILY_NAME"].split("|")))
    lines = [
        SURNAMES_BEGIN,
        f"# Source: 百家姓 as shipped in {source_description()}, jionlp/rule/rule_pattern.py",
        "# (SINGLE_CHINESE_FAMILY_NAME, first assignment, and TWO_CHAR_CHINESE_FAMILY_NAME).",
    ]
    lines += [f"{s}\tsurname" for s in doubles + singles]
    lines.append(SURNAMES_END)
    return "\n".join(lines) + "\n"


def render_persons(current: str) -> str:
    """``person_titles.txt`` with its surname block replaced (appended when it has none)."""
    block = surname_block()
    begin, end = current.find(SURNAMES_BEGIN), current.find(SURNAMES_END)
    if begin == -1 or end == -1:
        return current.rstrip("\n") + "\n" + block
    return current[:begin] + block + current[end + len(SURNAMES_END) :].lstrip("\n")


def outputs() -> dict[Path, str]:
    """Every generated file and the text it should have."""
    persons = PERSONS.read_text(encoding="utf-8") if PERSONS.exists() else ""
    return {REGIONS: render_regions(build_regions()), PERSONS: render_persons(persons)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
