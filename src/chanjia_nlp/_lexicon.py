"""Loaders for the data files in ``lexicons/``.

The files live in the top-level ``lexicons/`` folder of the repository and are packaged into
the wheel as ``chanjia_nlp/lexicons``. Each loader reads its file once (``functools.cache``),
validates every row, and returns frozen objects, so callers cannot patch shared state.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import LexiconError

__all__ = [
    "SubUnit",
    "Unit",
    "exclusions",
    "jieba_terms",
    "lexicon_path",
    "money_cues",
    "numerals",
    "page_furniture",
    "qualifiers",
    "read_lines",
    "read_rows",
    "session_bodies",
    "sub_units",
    "units",
    "vague_words",
    "word_list",
    "worded_amounts",
]

KINDS = frozenset(
    {"count", "money", "percent", "percentage_point", "score", "rank", "ratio", "area", "duration", "other"}
)
QUALIFIERS = frozenset({"exact", "approx", "more_than", "at_least", "less_than", "at_most", "range", "vague"})


def lexicon_path(name: str) -> Path:
    """Path of a lexicon file, installed (``chanjia_nlp/lexicons``) or in a source checkout."""
    packaged = resources.files("chanjia_nlp").joinpath("lexicons").joinpath(name)
    if packaged.is_file():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[2] / "lexicons" / name
    if source.is_file():
        return source
    raise LexiconError(name, 0, "lexicon file not found; reinstall chanjia_nlp (pip install chanjia_nlp)")


def read_lines(name: str) -> tuple[tuple[int, str], ...]:
    """Non-blank, non-comment lines of a lexicon file with their line numbers."""
    with lexicon_path(name).open(encoding="utf-8") as f:  # newlines translated, as when reading line by line
        lines = f.read().split("\n")
    return tuple((n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.lstrip().startswith("#"))


@functools.cache
def word_list(name: str) -> tuple[str, ...]:
    """The words of a one-word-a-line lexicon file, in file order."""
    return tuple(line.strip() for _, line in read_lines(name))


def read_rows(name: str, columns: tuple[str, ...]) -> tuple[tuple[int, dict[str, str]], ...]:
    """Rows of a TSV lexicon as dicts, checking the header names ``columns``."""
    lines = read_lines(name)
    if not lines or tuple(lines[0][1].split("\t")) != columns:
        raise LexiconError(name, lines[0][0] if lines else 0, f"header must be {' TAB '.join(columns)}")
    rows = []
    for number, line in lines[1:]:
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise LexiconError(name, number, f"expected {len(columns)} tab-separated cells, got {len(cells)}")
        rows.append((number, dict(zip(columns, cells))))
    return tuple(rows)


def _decimal(name: str, number: int, text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise LexiconError(name, number, f"{text!r} is not a number") from None


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit or classifier from ``units.tsv``."""

    text: str
    kind: str
    currency: str | None
    arabic_only: bool
    scale: Decimal = Decimal(1)
    tally: bool = False
    """A medal word (金, 银, 铜): a unit only in a tally of medals (3金2银) or after a verb of winning."""


@functools.cache
def numerals() -> Mapping[str, tuple[Decimal, str]]:
    """Chinese numeral character → (value, role) with role ``digit``, ``small`` or ``big``."""
    out = {}
    for number, row in read_rows("numerals.tsv", ("char", "value", "role")):
        if row["role"] not in ("digit", "small", "big"):
            raise LexiconError("numerals.tsv", number, f"unknown role {row['role']!r}")
        out[row["char"]] = (_decimal("numerals.tsv", number, row["value"]), row["role"])
    return MappingProxyType(out)


@functools.cache
def units() -> Mapping[str, Unit]:
    """Unit or classifier text → :class:`Unit`."""
    out = {}
    for number, row in read_rows("units.tsv", ("unit", "kind", "currency", "after", "scale")):
        if row["kind"] not in KINDS:
            raise LexiconError("units.tsv", number, f"unknown kind {row['kind']!r}; valid: {sorted(KINDS)}")
        if row["after"] not in ("any", "arabic", "tally"):
            raise LexiconError("units.tsv", number, "after must be 'any', 'arabic' or 'tally'")
        scale = _decimal("units.tsv", number, row["scale"])
        out[row["unit"]] = Unit(
            row["unit"], row["kind"], row["currency"] or None, row["after"] == "arabic", scale, row["after"] == "tally"
        )
    return MappingProxyType(out)


@dataclass(frozen=True, slots=True)
class SubUnit:
    """A smaller unit written after a unit (``sub_units.tsv``): 角 after 元, 分钟 after 小时."""

    minor: str
    """The smaller unit's word; empty for the abbreviated next place (一块二)."""
    per: Decimal
    unit: Unit
    """What the whole mention reports: its unit text, kind and currency."""


@functools.cache
def sub_units() -> Mapping[str, tuple[SubUnit, ...]]:
    """Major unit text → its smaller units, in increasing ``per`` (元 → 角, 毛, 分)."""
    out: dict[str, list[SubUnit]] = {}
    name = "sub_units.tsv"
    for number, row in read_rows(name, ("major", "minor", "per", "unit", "kind", "currency")):
        if row["kind"] not in KINDS:
            raise LexiconError(name, number, f"unknown kind {row['kind']!r}; valid: {sorted(KINDS)}")
        per = _decimal(name, number, row["per"])
        if per <= 1 or per != per.to_integral_value():
            raise LexiconError(name, number, "per must be a whole number above 1")
        unit = Unit(row["unit"], row["kind"], row["currency"] or None, False)
        out.setdefault(row["major"], []).append(SubUnit(row["minor"], per, unit))
    return MappingProxyType({k: tuple(sorted(v, key=lambda s: s.per)) for k, v in out.items()})


@functools.cache
def worded_amounts() -> Mapping[str, tuple[Decimal, str, str]]:
    """Word → (value, kind, unit) for amounts written without a numeral (对折 → 50 percent, 折)."""
    out = {}
    name = "worded_amounts.tsv"
    for number, row in read_rows(name, ("word", "value", "kind", "unit")):
        if row["kind"] not in KINDS:
            raise LexiconError(name, number, f"unknown kind {row['kind']!r}; valid: {sorted(KINDS)}")
        out[row["word"]] = (_decimal(name, number, row["value"]), row["kind"], row["unit"])
    return MappingProxyType(out)


@functools.cache
def qualifiers() -> Mapping[str, tuple[tuple[str, str], ...]]:
    """Position (``prefix``/``infix``/``suffix``) → ((word, qualifier), …), longest word first."""
    grouped: dict[str, list[tuple[str, str]]] = {"prefix": [], "infix": [], "suffix": []}
    for number, row in read_rows("qualifiers.tsv", ("word", "position", "qualifier")):
        if row["position"] not in grouped:
            raise LexiconError("qualifiers.tsv", number, f"unknown position {row['position']!r}")
        if row["qualifier"] not in QUALIFIERS:
            raise LexiconError("qualifiers.tsv", number, f"unknown qualifier {row['qualifier']!r}")
        grouped[row["position"]].append((row["word"], row["qualifier"]))
    return MappingProxyType({k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in grouped.items()})


@functools.cache
def vague_words() -> Mapping[str, tuple[Decimal, Decimal]]:
    """Vague word → (low, high) digit bounds (数 → 2..9) or whole-phrase bounds (成千上万)."""
    out = {}
    for number, row in read_rows("vague.tsv", ("word", "low", "high")):
        out[row["word"]] = (
            _decimal("vague.tsv", number, row["low"]),
            _decimal("vague.tsv", number, row["high"]),
        )
    return MappingProxyType(out)


@functools.cache
def exclusions() -> tuple[str, ...]:
    """Set phrases whose numerals are not quantities, longest first."""
    return tuple(sorted(word_list("exclusions.txt"), key=len, reverse=True))


@functools.cache
def session_bodies() -> tuple[str, ...]:
    """Bodies whose sessions are numbered (人大, 全委会): N届 before one is no count of editions."""
    return word_list("session_bodies.txt")


@functools.cache
def money_cues() -> tuple[str, ...]:
    """Words that make a currency-less figure money."""
    return word_list("money_cues.txt")


@functools.cache
def jieba_terms() -> tuple[tuple[str, int], ...]:
    """Domain terms and frequencies for the jieba segmenter."""
    out = []
    for number, line in read_lines("terms.txt"):
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) <= 0:
            raise LexiconError("terms.txt", number, "expected 'word frequency' with a positive frequency")
        out.append((parts[0], int(parts[1])))
    return tuple(out)


#: ``kind`` values of ``page_furniture.tsv``.
FURNITURE_KINDS = ("date_label", "field", "paper", "section")


@functools.cache
def page_furniture() -> Mapping[str, tuple[str, ...]]:
    """Words of a page's furniture by kind (``date_label``, ``field``, ``paper``, ``section``),
    each kind's words longest first."""
    found: dict[str, list[str]] = {kind: [] for kind in FURNITURE_KINDS}
    for number, row in read_rows("page_furniture.tsv", ("word", "kind")):
        if row["kind"] not in found:
            raise LexiconError("page_furniture.tsv", number, f"unknown kind {row['kind']!r}; valid: {', '.join(FURNITURE_KINDS)}")
        if not row["word"].strip():
            raise LexiconError("page_furniture.tsv", number, "empty word")
        found[row["kind"]].append(row["word"].strip())
    return MappingProxyType({kind: tuple(sorted(words, key=len, reverse=True)) for kind, words in found.items()})


def literal_regex(words: Iterable[str], *, searched: bool = False) -> str:
    """A regex matching any of ``words``, the longest one where several match at a position
    (as an alternation sorted longest first would, price-parser's ``or_regex``), written as a
    trie: ``培训班|培训基地|培训`` becomes ``培训(?:基地|班)?``. Python's ``re`` tries the
    alternatives of a flat alternation one by one at every position; the trie tries one
    character at a time, about three times faster on the thousand aliases of the indicator
    lexicon.

    >>> literal_regex(["培训", "培训班", "培训基地", "竞赛"])
    '(?:培训(?:班|基地)?|竞赛)'
    >>> literal_regex([])
    '(?!)'

    ``searched=True`` is for a pattern that *is* the word list and is searched for: its first
    characters stay one literal per branch, which `re` turns into a table that skips every other
    position in a tight loop.

    >>> literal_regex(["五一", "十分", "十九大"], searched=True)
    '(?:五一|十(?:分|九大))'
    """
    trie: dict = {}
    for word in set(words):
        if word:
            node = trie
            for char in word:
                node = node.setdefault(char, {})
            node[""] = {}
    if not trie:
        return "(?!)"  # matches nothing
    if searched and "" not in trie:
        return "(?:" + "|".join(_escape(c) + _trie_regex(child) for c, child in sorted(trie.items())) + ")"
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    # Words that end at one character (leaves) share one character class, and a node with many
    # branches is guarded by the class of their first characters: `re` tries the branches of an
    # alternation one at a time, while a class is one table lookup (4% of extract()'s work).
    items = sorted(node.items())
    leaves = [char for char, child in items if char and child == _LEAF]
    branches = [(c if c not in _SPECIAL else re.escape(c)) + _trie_regex(child) for c, child in items if c and child != _LEAF]
    if leaves:
        branches.insert(0, _escape(leaves[0]) if len(leaves) == 1 else _char_class(leaves))
    if not branches:
        return ""
    optional = "?" if "" in node else ""
    if len(branches) == 1:
        (body,) = branches
        return body + optional if not optional or leaves else f"(?:{body})?"  # leaves: one character or class
    guard = f"(?={_char_class(sorted(c for c in node if c))})" if len(branches) > _GUARD_BRANCHES else ""
    return f"(?:{guard}(?:{'|'.join(branches)}))" + optional if guard else f"(?:{'|'.join(branches)}){optional}"


_LEAF: dict = {"": {}}  # the node after a word's last character, when no longer word goes on
#: The characters ``re.escape`` escapes (any other is itself in a pattern): one set lookup a
#: character instead of a call, for the thousands of characters of the alias lexicon.
_SPECIAL = frozenset("()[]{}?*+-|^$\\.&~# \t\n\r\v\f")


def _escape(char: str) -> str:
    return re.escape(char) if char in _SPECIAL else char


_GUARD_BRANCHES = 4  # more branches than this: check the first character against a class first


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(re.escape(c) if c in "\\]^-[" else c for c in chars) + "]"


@dataclass(frozen=True, slots=True)
class Alias:
    """One way reports name what an indicator counts (``lexicons/indicators.yaml``)."""

    text: str
    indicator: str
    kinds: frozenset[str]  # the indicator's kinds (ANNOTATION.md §1, grouped: rank and score alike)
    units: frozenset[str] | None  # the alias names the indicator only with these units
    count_units: frozenset[str] | None = None  # the indicator counts people: a count needs one of these


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator of ``spec/indicators.tsv`` with the words reports use for it."""

    id: str
    name_zh: str
    category: str
    kinds: frozenset[str]
    aliases: tuple[Alias, ...]
    cues: tuple[str, ...]  # weaker context words (verbs, topic words)
    purposes: tuple[str, ...]  # what money is for (送温暖 → assistance_funds)
    coverage: str  # the id people or firms reached by this id's figure count for
    count_units: frozenset[str] | None  # for ids that count people
    stock: bool = False  # counts a stock (members, organisations): dated by a year alone, it is as of then


@dataclass(frozen=True, slots=True)
class Indicators:
    """The indicator registry: every id in ``spec/indicators.tsv`` order, and lookups."""

    by_id: Mapping[str, Indicator]
    aliases: Mapping[str, tuple[Alias, ...]]  # alias text → the aliases with that text, in file order

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.by_id)

    def names(self) -> dict[str, str]:
        """``name_zh`` of every id (``pilot_units`` → ``产改试点单位(分级)``)."""
        return {ident: ind.name_zh for ident, ind in self.by_id.items()}


INDICATOR_KINDS = KINDS | {"score", "rank"}


def read_yaml(name: str) -> Any:
    """A lexicon YAML file parsed once per process (again when the file changes), with libyaml's
    C loader where PyYAML has it (ten times faster than the pure-Python one on
    ``indicators.yaml``), and kept as JSON in the user's cache, under the SHA-256 of the file's
    bytes, so that the next process reads it without importing PyYAML (see :func:`cache_dir`).
    Callers must not change what it returns."""
    path = lexicon_path(name)
    stat = path.stat()
    return _parsed_yaml(str(path), stat.st_mtime_ns, stat.st_size)


def cache_dir() -> Path | None:
    """Where parsed lexicons are kept between processes: ``$CHANJIA_CACHE_DIR``, else
    ``chanjia_nlp`` in ``$XDG_CACHE_HOME`` (``~/.cache``); ``None`` when ``CHANJIA_CACHE_DIR`` is
    set empty (no cache)."""
    configured = os.environ.get("CHANJIA_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "chanjia_nlp"


@functools.lru_cache(maxsize=32)
def _parsed_yaml(path: str, mtime_ns: int, size: int) -> object:
    raw = Path(path).read_bytes()
    folder = cache_dir()
    cached = None
    if folder is not None:
        cached = folder / f"{Path(path).stem}.{hashlib.sha256(raw).hexdigest()[:32]}.json"
        try:
            return json.loads(cached.read_bytes())
        except (OSError, ValueError):
            pass  # not cached yet (or unreadable): parse the YAML
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    if cached is not None:
        _keep(cached, data)
    return data


def _keep(path: Path, data: object) -> None:
    """Write ``data`` to ``path`` as JSON when JSON gives it back unchanged (YAML dates, sets or
    number keys would not come back the same: those files are parsed every time). Written to a
    temporary name and renamed, so a reader never sees half a file; a cache that cannot be
    written (read-only home) is skipped."""
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if json.loads(text) != data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        pass


@functools.cache
def indicators() -> Indicators:
    """Load ``lexicons/indicators.yaml`` (validated: ids unique, kinds known, aliases well formed)."""
    name = "indicators.yaml"
    entries = read_yaml(name)
    if not isinstance(entries, list):
        raise LexiconError(name, 0, "expected a list of indicator entries")
    by_id: dict[str, Indicator] = {}
    aliases: dict[str, list[Alias]] = {}
    for n, entry in enumerate(entries, 1):
        try:
            ident, kinds = entry["id"], frozenset(entry["kinds"])
        except (KeyError, TypeError):
            raise LexiconError(name, n, "each entry needs an id and kinds") from None
        if ident in by_id:
            raise LexiconError(name, n, f"indicator {ident!r} is listed twice")
        if not kinds <= INDICATOR_KINDS:
            raise LexiconError(name, n, f"{ident}: unknown kinds {sorted(kinds - INDICATOR_KINDS)}")
        count_units = frozenset(entry.get("units") or ()) or None
        own = []
        for alias in entry.get("aliases") or ():
            if isinstance(alias, str):
                text, units = alias, None
            elif isinstance(alias, dict) and isinstance(alias.get("text"), str):
                text, units = alias["text"], frozenset(alias.get("units") or ()) or None
            else:
                raise LexiconError(name, n, f"{ident}: alias {alias!r} is neither text nor {{text, units}}")
            a = Alias(text, ident, kinds, units, count_units)
            own.append(a)
            aliases.setdefault(text, []).append(a)
        by_id[ident] = Indicator(
            id=ident,
            name_zh=str(entry.get("name_zh") or ""),
            category=str(entry.get("category") or ""),
            kinds=kinds,
            aliases=tuple(own),
            cues=tuple(entry.get("cues") or ()),
            purposes=tuple(entry.get("purposes") or ()),
            coverage=entry.get("coverage") or ident,
            count_units=count_units,
            stock=bool(entry.get("stock", False)),
        )
    for ident, ind in by_id.items():
        if ind.coverage not in by_id:
            raise LexiconError(name, 0, f"{ident}: coverage {ind.coverage!r} is no indicator id")
    return Indicators(MappingProxyType(by_id), MappingProxyType({k: tuple(v) for k, v in aliases.items()}))
