"""Logging: the package logs through the stdlib ``logging`` module under the ``chanjia_nlp``
logger and configures nothing (a library leaves handlers to its application). The ``chanjia``
command sets the level from ``-v``/``-q`` with :func:`configure`.

Third-party libraries that announce themselves (jieba's "Building prefix dict from the default
dictionary …", written to standard error by a handler jieba installs on import) are quiet unless
our logger is at ``DEBUG`` (``chanjia -vv``, or ``logging.getLogger("chanjia_nlp").setLevel(logging.DEBUG)``):
wrap the call that makes them talk in :func:`third_party_quiet`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["LOGGER_NAME", "configure", "get_logger", "level_for", "third_party_quiet"]

LOGGER_NAME = "chanjia_nlp"
#: The loggers of dependencies that write progress chatter, quieted by :func:`third_party_quiet`.
CHATTY = ("jieba",)

logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())


def get_logger(module: str) -> logging.Logger:
    """The logger of one of our modules (``get_logger(__name__)``), under ``chanjia_nlp``."""
    return logging.getLogger(module if module.startswith(LOGGER_NAME) else f"{LOGGER_NAME}.{module}")


def level_for(verbose: int, quiet: bool) -> int:
    """The level for ``-v`` given ``verbose`` times, or ``-q``: warnings by default, errors only
    with ``-q``, ``INFO`` with ``-v``, ``DEBUG`` (third-party chatter too) with ``-vv``.

    >>> [logging.getLevelName(level_for(v, q)) for v, q in ((0, False), (0, True), (1, False), (2, False))]
    ['WARNING', 'ERROR', 'INFO', 'DEBUG']
    """
    if quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


class _StderrHandler(logging.Handler):
    """Writes to the ``sys.stderr`` of the moment (click's test runner swaps it per call)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"{record.levelname.lower()}: {self.format(record)}\n")
        except Exception:  # noqa: BLE001 - logging must never break the run it reports on
            self.handleError(record)


def configure(level: int) -> None:
    """For the command line: our messages at ``level`` and above to standard error, one line each
    (``info: …``, as the command's own ``warning:`` and ``error:`` lines); calling it again replaces the earlier setting."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    logger.addHandler(handler)
    logger.setLevel(level)
    logging.getLogger("jieba").setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)


@contextlib.contextmanager
def third_party_quiet() -> Iterator[None]:
    """Within the block, the chatty dependencies log warnings only, unless our logger is at DEBUG."""
    if logging.getLogger(LOGGER_NAME).isEnabledFor(logging.DEBUG):
        yield
        return
    loggers = [logging.getLogger(name) for name in CHATTY]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
