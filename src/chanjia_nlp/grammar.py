"""The grammar words of claims, read from ``lexicons/grammar.yaml``: scope, period, level and
target (modality) words, with their exceptions, compiled once and shared by the claim binder,
the 台账 reader and the cross-check, so that one word means one thing everywhere.

>>> scope_of("新增"), scope_of("累计命名"), scope_of("截至年底"), scope_of("全年"), scope_of("备注")
('increment', 'cumulative', 'as_of', 'annual', None)
>>> level_of("省级试点单位"), level_of("产改全国项目试点单位"), level_of("试点单位")
('provincial', 'national', None)
>>> is_target("力争新增省级试点单位2家以上"), is_target("新增省级试点单位2家")
(True, False)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from . import _lexicon
from .errors import LexiconError
from .numbers import to_halfwidth
from .records import LEVELS

__all__ = ["LEVEL_NAMES", "SCOPES", "Grammar", "grammar", "is_target", "level_of", "scope_of", "word_pattern"]

FILE = "grammar.yaml"
#: ANNOTATION.md §2 scope values, in rule order.
SCOPES = ("increment", "cumulative", "as_of", "annual")
#: ANNOTATION.md §2 level values, widest first.
LEVEL_NAMES = LEVELS
_SCOPE_CLASSES = ("increment", "cumulative", "as_of", "as_of_nouns", "annual")
_PERIOD_CLASSES = ("now", "this_year", "year_part", "last_year", "span")
_WORD_LISTS = ("target", "comparison", "share", "coverage", "having", "structural_nouns", "level_titles", "standard",
               "system_rate")


@dataclass(frozen=True, slots=True)
class Word:
    """A grammar word and the neighbours that cancel it (累计 before 命名; 货 after 去年)."""

    word: str
    not_after: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()

    def regex(self) -> str:
        return (
            "".join(f"(?<!{re.escape(w)})" for w in self.not_after)
            + re.escape(self.word)
            + (f"(?!{'|'.join(re.escape(w) for w in self.not_before)})" if self.not_before else "")
        )


def word_pattern(words: Iterable[Word]) -> re.Pattern[str]:
    """One pattern finding any of ``words`` (longest first where several start at a place),
    honouring each word's exceptions. Words without exceptions share one trie."""
    words = list(words)
    plain = [w.word for w in words if not w.not_after and not w.not_before]
    special = sorted((w for w in words if w.not_after or w.not_before), key=lambda w: -len(w.word))
    branches = [w.regex() for w in special]
    if plain:
        branches.append(_lexicon.literal_regex(plain, searched=True))
    return re.compile("|".join(branches) if branches else "(?!)")


@dataclass(frozen=True, slots=True)
class Grammar:
    """The compiled grammar words (see ``lexicons/grammar.yaml`` for what each class means)."""

    words: Mapping[str, tuple[Word, ...]]  # class name → words (scope and period classes by name)
    scope_patterns: tuple[tuple[str, re.Pattern[str]], ...]  # in rule order, as_of_nouns included
    level_words: Mapping[str, str]  # level word → level
    level_pattern: re.Pattern[str]
    rank_fields: tuple[tuple[str, str], ...]  # (level, word)
    target_pattern: re.Pattern[str]
    comparison_pattern: re.Pattern[str]
    share_pattern: re.Pattern[str]
    coverage_pattern: re.Pattern[str]
    having_pattern: re.Pattern[str]

    def texts(self, name: str) -> tuple[str, ...]:
        """The words of one class as plain strings."""
        return tuple(w.word for w in self.words[name])

    def pattern(self, name: str) -> re.Pattern[str]:
        """A pattern for the words of one class (cached per class)."""
        return _class_pattern(name)


def _word(entry: Any, where: str) -> Word:
    if isinstance(entry, str) and entry:
        return Word(entry)
    if isinstance(entry, dict) and isinstance(entry.get("word"), str) and entry["word"]:
        unknown = set(entry) - {"word", "not_after", "not_before"}
        if unknown:
            raise LexiconError(FILE, 0, f"{where}: unknown keys {sorted(unknown)}; valid: word, not_after, not_before")
        return Word(entry["word"], tuple(entry.get("not_after") or ()), tuple(entry.get("not_before") or ()))
    raise LexiconError(FILE, 0, f"{where}: {entry!r} is neither a word nor {{word: …, not_after/not_before: […]}}")


def _words(entries: Any, where: str) -> tuple[Word, ...]:
    if not isinstance(entries, list) or not entries:
        raise LexiconError(FILE, 0, f"{where} must be a non-empty list of words")
    return tuple(_word(e, where) for e in entries)


@functools.cache
def grammar() -> Grammar:
    """Load and compile ``lexicons/grammar.yaml`` (once)."""
    data = _lexicon.read_yaml(FILE)
    if not isinstance(data, dict):
        raise LexiconError(FILE, 0, "expected a mapping of word classes")
    words: dict[str, tuple[Word, ...]] = {}
    for section, classes in (("scope", _SCOPE_CLASSES), ("period", _PERIOD_CLASSES)):
        block = data.get(section)
        if not isinstance(block, dict) or set(block) != set(classes):
            raise LexiconError(FILE, 0, f"`{section}` must have exactly the classes {', '.join(classes)}")
        for name in classes:
            words[f"{section}.{name}"] = _words(block[name], f"{section}.{name}")
    for name in _WORD_LISTS:
        words[name] = _words(data.get(name), name)
    level_block = data.get("level")
    if not isinstance(level_block, dict) or not set(level_block) <= set(LEVEL_NAMES):
        raise LexiconError(FILE, 0, f"`level` must map levels ({', '.join(LEVEL_NAMES)}) to words")
    level_words = {}
    for level in LEVEL_NAMES:
        for w in _words(level_block.get(level) or ["(none)"], f"level.{level}"):
            if w.word != "(none)":
                level_words[w.word] = level
    rank_block = data.get("rank_fields")
    if not isinstance(rank_block, dict) or not set(rank_block) <= set(LEVEL_NAMES):
        raise LexiconError(FILE, 0, f"`rank_fields` must map levels ({', '.join(LEVEL_NAMES)}) to words")
    rank_fields = tuple(
        (level, w.word) for level in LEVEL_NAMES if level in rank_block
        for w in _words(rank_block[level], f"rank_fields.{level}")
    )
    scope_patterns = tuple((name, word_pattern(words[f"scope.{name}"])) for name in _SCOPE_CLASSES)
    return Grammar(
        words=MappingProxyType(words),
        scope_patterns=scope_patterns,
        level_words=MappingProxyType(level_words),
        level_pattern=re.compile("|".join(re.escape(w) for w in sorted(level_words, key=len, reverse=True))),
        rank_fields=rank_fields,
        target_pattern=word_pattern(words["target"]),
        comparison_pattern=word_pattern(words["comparison"]),
        share_pattern=word_pattern(words["share"]),
        coverage_pattern=word_pattern(words["coverage"]),
        having_pattern=word_pattern(words["having"]),
    )


@functools.cache
def _class_pattern(name: str) -> re.Pattern[str]:
    return word_pattern(grammar().words[name])


def scope_of(text: str | None) -> str | None:
    """The scope a short text states (a 台账 口径 cell, an indicator name), by ANNOTATION.md's rule
    order: ``新增`` → ``increment``, ``累计`` → ``cumulative``, ``截至``/``总数`` → ``as_of``,
    ``全年`` → ``annual``; an enum value is itself; else ``None``."""
    if not text:
        return None
    text = text.strip()
    if text in SCOPES:
        return text
    for name, pattern in grammar().scope_patterns:
        if pattern.search(text):
            return "as_of" if name == "as_of_nouns" else name
    return None


def level_of(text: str | None) -> str | None:
    """The level a short text states: the level word ending closest to its end wins (the
    longer of two ending at one place: 园区级, not 区级); a one-character 省/市/区/县 counts only
    right before a title (省劳动模范)."""
    if not text:
        return None
    return level_in(to_halfwidth(text), 0, len(text))


def level_in(text: str, start: int, end: int) -> str | None:
    """:func:`level_of` for ``text[start:end]`` (half-width) without slicing it."""
    g = grammar()
    titles = g.texts("level_titles")
    best: tuple[int, int, str] | None = None
    pattern = g.level_pattern
    for i in range(start, end):
        m = pattern.match(text, i, end)
        if m is None:
            continue
        word = m.group()
        if len(word) == 1 and not text.startswith(titles, m.end(), end):
            continue
        key = (m.end(), len(word), g.level_words[word])
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def is_target(text: str | None) -> bool:
    """Whether a short text states a plan, requirement or aim (力争, 计划, 确保 …)."""
    if not text:
        return False
    return grammar().target_pattern.search(text) is not None
