"""Word segmentation over spaCy's Chinese pipeline, with a tokenizer of our own.

spaCy's ``ChineseTokenizer`` calls the module-level ``jieba.cut``, so any
``jieba.load_userdict`` anywhere in the process changes its output. Ours wraps a private
``jieba.Tokenizer`` loaded with the domain terms in ``lexicons/terms.txt``, so the global jieba
is never touched and user terms stay scoped to one pipeline. pkuseg (``spacy-pkuseg``) is loaded
from a model directory the user gives: no model ships on the registry and nothing is downloaded.

Expensive set-up (the jieba prefix dictionary, the pkuseg model) happens on first use or in
:meth:`ChineseTokenizer.initialize`, never at import.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Any

from .errors import ConfigError, SegmenterUnavailable, value_invalid_msg
from .logs import third_party_quiet

__all__ = [
    "TOKENIZER", "ChineseTokenizer", "Segmenter", "create_tokenizer", "dictionary_segmenter", "make_segmenter",
    "register_tokenizer",
]


class Segmenter(str, Enum):
    """Which word segmenter splits the text (as in spaCy's zh language)."""

    char = "char"
    jieba = "jieba"
    pkuseg = "pkuseg"


def coerce_segmenter(value: str | Segmenter) -> Segmenter:
    """``"jieba"`` → ``Segmenter.jieba``; anything else raises :class:`ConfigError` at once."""
    try:
        return Segmenter(value)
    except ValueError:
        raise ConfigError(value_invalid_msg("segmenter", value, [s.value for s in Segmenter])) from None


def _jieba_tokenizer(terms: Iterable[tuple[str, int]]) -> Any:
    try:
        import jieba
    except ImportError:
        raise SegmenterUnavailable(
            "segmenter 'jieba' needs the jieba package: pip install jieba"
        ) from None
    tokenizer = jieba.Tokenizer()  # private instance: never jieba.dt, never jieba.load_userdict
    with third_party_quiet():  # "Building prefix dict …" is no news for a user of the library
        tokenizer.initialize()
        for word, freq in terms:
            tokenizer.add_word(word, freq)  # freq > 0: freq=0 would also patch jieba.finalseg globally
    return tokenizer


def load_pkuseg_model(model: str | os.PathLike[str] | None) -> Any:
    if model is None:
        raise SegmenterUnavailable(
            "segmenter 'pkuseg' needs a model directory (chanjia_nlp.load(segmenter='pkuseg', pkuseg_model=PATH)); "
            "no model is downloaded. Train one with spacy_pkuseg.train() or use segmenter='jieba'"
        )
    path = Path(model)
    missing = [name for name in ("weights.npz",) if not (path / name).is_file()]
    if not any((path / name).is_file() for name in ("features.msgpack", "features.pkl")):
        missing.append("features.msgpack")
    if not path.is_dir() or missing:
        raise SegmenterUnavailable(
            f"pkuseg model directory {str(path)!r} is missing "
            f"{', '.join(missing) or 'entirely'}; give the folder spacy_pkuseg.train() wrote"
        )
    try:
        import spacy_pkuseg
    except ImportError:
        raise SegmenterUnavailable(
            "segmenter 'pkuseg' needs the spacy-pkuseg package: pip install spacy-pkuseg"
        ) from None
    # A path (never a model *name*): a name would make spacy_pkuseg download from the network.
    return spacy_pkuseg.pkuseg(model_name=str(path.resolve()), user_dict=None)


def make_segmenter(
    segmenter: str | Segmenter = Segmenter.jieba,
    *,
    pkuseg_model: str | os.PathLike[str] | None = None,
    domain_terms: bool = True,
) -> Any:
    """A function ``str -> list[str]`` for the chosen segmenter, loaded now.

    Raises:
        ConfigError: unknown segmenter name.
        SegmenterUnavailable: the package or model file is missing (the message says which).
    """
    from ._lexicon import jieba_terms

    kind = coerce_segmenter(segmenter)
    if kind is Segmenter.char:
        return list
    if kind is Segmenter.jieba:
        tokenizer = _jieba_tokenizer(jieba_terms() if domain_terms else ())
        tokenizer.initialize()
        return lambda text: [w for w in tokenizer.cut(text, HMM=True) if w]
    model = load_pkuseg_model(pkuseg_model)
    return model.cut


def dictionary_segmenter() -> Callable[[str], list[str]]:
    """jieba's dictionary words only (no HMM guesses for unknown runs), from a private tokenizer
    with the domain terms: for asking whether a few characters read as a word of their own."""
    tokenizer = _dictionary_tokenizer()
    return lambda text: tokenizer.lcut(text, HMM=False)


def dictionary_frequency() -> Callable[[str], int]:
    """How often jieba's dictionary (with the domain terms) counts a word; 0 for no word."""
    freq = _dictionary_tokenizer().FREQ
    return lambda word: freq.get(word) or 0


@functools.cache
def _dictionary_tokenizer() -> Any:
    from ._lexicon import jieba_terms

    return _jieba_tokenizer(jieba_terms())  # initialized there: FREQ is read by dictionary_frequency


class ChineseTokenizer:
    """A spaCy tokenizer over :func:`make_segmenter`; words are re-aligned to the text."""

    def __init__(
        self,
        vocab: Any,
        *,
        segmenter: str | Segmenter = Segmenter.jieba,
        pkuseg_model: str | None = None,
        domain_terms: bool = True,
    ) -> None:
        self.vocab = vocab
        self.segmenter = coerce_segmenter(segmenter)
        self.pkuseg_model = pkuseg_model
        self.domain_terms = domain_terms
        self._cut: Any = None

    def initialize(self, get_examples: Any = None, *, nlp: Any = None) -> None:
        """Load the segmenter (jieba dictionary or pkuseg model) now rather than on first use."""
        self._cut = make_segmenter(self.segmenter, pkuseg_model=self.pkuseg_model, domain_terms=self.domain_terms)

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc
        from spacy.util import get_words_and_spaces

        if self._cut is None:
            self.initialize()
        words, spaces = get_words_and_spaces(self._cut(text), text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Any]:
        for text in texts:
            yield self(text)

    # Serialization: the settings live in the pipeline's config.cfg; the tokenizer's own file
    # records them for a reader, and loading takes them from the config (nothing to restore).

    def _settings(self) -> dict[str, Any]:
        return {"segmenter": self.segmenter.value, "pkuseg_model": self.pkuseg_model,
                "domain_terms": self.domain_terms}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self._settings(), sort_keys=True).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> ChineseTokenizer:
        return self

    def to_disk(self, path: str | os.PathLike[str], *, exclude: Iterable[str] = ()) -> None:
        Path(path).write_bytes(self.to_bytes(exclude=exclude))

    def from_disk(self, path: str | os.PathLike[str], *, exclude: Iterable[str] = ()) -> ChineseTokenizer:
        return self


#: The name of our tokenizer in spaCy's registry (and in a saved pipeline's ``config.cfg``).
TOKENIZER = "chanjia_nlp.ChineseTokenizer.v1"


def create_tokenizer(
    segmenter: str = "jieba", pkuseg_model: str | None = None, domain_terms: bool = True
) -> Callable[[Any], ChineseTokenizer]:
    """The tokenizer factory spaCy's config names ``chanjia_nlp.ChineseTokenizer.v1`` (registered by
    the package's ``spacy_tokenizers`` entry point, so ``spacy.load()`` of a saved pipeline finds it)."""

    def factory(nlp: Any) -> ChineseTokenizer:
        return ChineseTokenizer(nlp.vocab, segmenter=segmenter, pkuseg_model=pkuseg_model, domain_terms=domain_terms)

    return factory


def register_tokenizer() -> None:
    """Register the tokenizer with spaCy's registry (idempotent; called before building a pipeline)."""
    from spacy.util import registry

    if TOKENIZER not in registry.tokenizers:
        registry.tokenizers.register(TOKENIZER, func=create_tokenizer)
