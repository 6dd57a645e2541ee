"""Exceptions raised by chanjia_nlp.

Bad *configuration* raises at once, naming the offending value and the valid options.
Messy *text* never raises: extractors return fewer records.

The hierarchy::

    ChanjiaError
     ├── ConfigError(ValueError)            an option has a value we do not know
     ├── LexiconError(ValueError)           a lexicon file is malformed (path and line)
     ├── SegmenterUnavailable(ImportError)  an optional segmenter or its model is missing
     ├── DocumentError                      a file cannot be read or decoded (message says what to do)
     ├── StoreError                         the database cannot be reached or refuses a write
     └── OutputError                        an output file cannot be written (nothing was left half-written)

    KeyboardInterrupt
     └── Interrupted                        Ctrl-C stopped a run; what was done is kept (``summary``)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

__all__ = [
    "ChanjiaError",
    "ConfigError",
    "DocumentError",
    "Interrupted",
    "LexiconError",
    "OutputError",
    "SegmenterUnavailable",
    "StoreError",
    "value_invalid_msg",
]


class ChanjiaError(Exception):
    """Root of every exception chanjia_nlp raises on purpose."""


class ConfigError(ChanjiaError, ValueError):
    """An option or setting has a value that is not one of the valid ones."""


class LexiconError(ChanjiaError, ValueError):
    """A lexicon file is malformed."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line


class SegmenterUnavailable(ChanjiaError, ImportError):
    """The segmenter asked for cannot be used: its package or model file is missing."""


class DocumentError(ChanjiaError):
    """A document cannot be read; the message says what is wrong and what to do."""


def value_invalid_msg(name: str, value: Any, valid_values: Collection[Any]) -> str:
    """Build the one message format used for every invalid option.

    >>> value_invalid_msg("segmenter", "x", ["char", "jieba"])
    "`segmenter` = 'x' is invalid; it must be one of: 'char', 'jieba'."
    """
    options = ", ".join(repr(v) for v in valid_values)
    return f"`{name}` = {value!r} is invalid; it must be one of: {options}."


class StoreError(ChanjiaError):
    """The database cannot be reached or refuses a write; nothing partial was stored."""


class OutputError(ChanjiaError):
    """An output file cannot be written (a full disk, no permission); no partial file is left."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run (:func:`chanjia_nlp.runner.extract_into`): what was done before it
    is kept, and ``summary`` counts it; the same call again resumes. A ``KeyboardInterrupt``, so
    code that stops on Ctrl-C stops on it too."""

    def __init__(self, summary: Any) -> None:
        done = summary.documents.total() if hasattr(summary, "documents") else 0
        super().__init__(f"interrupted after {done} files")
        self.summary = summary
