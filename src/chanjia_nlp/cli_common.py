"""What every ``chanjia`` command shares, so that a command is its options, one library call and
what it prints: ``--out``/``--format`` by one rule (:func:`output_options`), and library errors
as one line and an exit code (:class:`ErrorMappingGroup`).

Commands defined in other modules (``store.commands``, ``crosscheck.commands``) import this
module, not :mod:`chanjia_nlp.cli`, which loads the extraction pipeline.
"""

from __future__ import annotations

import functools
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from .errors import ChanjiaError, ConfigError, Interrupted
from .outputs import escape_name, format_of

__all__ = ["EXIT_INTERRUPTED", "EXIT_LIBRARY_ERROR", "ErrorMappingGroup", "command_line", "output_options"]

#: The exit code of a library error (bad configuration, a database or file that cannot be used).
EXIT_LIBRARY_ERROR = 2
#: The exit code of a run stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
EXIT_INTERRUPTED = 130


class LibraryError(click.ClickException):
    """A :class:`~chanjia_nlp.errors.ChanjiaError` as click shows it: ``Error: …`` on standard
    error, exit code :data:`EXIT_LIBRARY_ERROR`."""

    exit_code = EXIT_LIBRARY_ERROR


class ErrorMappingGroup(click.Group):
    """A command group whose commands' library errors become one line, not a traceback: a
    :class:`~chanjia_nlp.errors.ChanjiaError` (any subclass) raised by a command is ``Error:
    message`` and exit code 2, an :class:`~chanjia_nlp.errors.Interrupted` run says how far it
    got and exits 130. The same for ``chanjia`` on a terminal and for ``CliRunner().invoke(cli,
    …)``: sqlite-utils' shape, a command is one library call plus this mapping."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChanjiaError as exc:
            raise LibraryError(one_line(str(exc))) from exc
        except Interrupted as exc:
            click.echo(f"{exc}; run the same command again to resume", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def command_line() -> str:
    """The command being run, as the database's run table records it (a name that is not UTF-8
    stays storable)."""
    return escape_name(shlex.join(["chanjia", *sys.argv[1:]]))


def one_line(message: str) -> str:
    """``message`` on one line: its lines joined by spaces."""
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


def output_options(
    formats: Sequence[str],
    *,
    default: str | None = None,
    out_help: str,
    dash: bool = False,
    path_type: type = Path,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out/-o FILE`` and ``--format``, the same on every command that writes files. The
    command gets ``out`` and ``fmt``, the format decided by :func:`~chanjia_nlp.outputs.format_of`:
    ``--format`` when given, else the suffix of ``--out`` (a suffix that names no format is
    refused as a bad ``--out``, naming the valid ones, before the command runs), else
    ``default`` for standard output (``fmt`` is ``None`` when there is neither ``--out`` nor a
    default). ``dash`` lets ``--out -`` mean standard output."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def with_format(*args: Any, **kwargs: Any) -> Any:
            out, fmt = kwargs.get("out"), kwargs.get("fmt")
            if out is not None or fmt is not None or default is not None:
                try:
                    kwargs["fmt"] = format_of(out, fmt, formats=formats, default=default)
                except ConfigError as exc:
                    hint = "'--out'" if out is not None and fmt is None else "'--format'"
                    raise click.BadParameter(str(exc), param_hint=hint) from None
            return command(*args, **kwargs)

        told = f"; default: the suffix of --out, else {default}" if default else "; default: the suffix of --out"
        with_format = click.option(
            "--format", "fmt", type=click.Choice(formats),
            help=f"The format to write{told} (a suffix that names no format is refused).",
        )(with_format)
        return click.option(
            "--out", "-o", type=click.Path(dir_okay=False, allow_dash=dash, path_type=path_type), help=out_help,
        )(with_format)

    return decorate
