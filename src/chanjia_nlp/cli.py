"""The ``chanjia`` command: arguments in, a library call, formatted output out.

Library errors become one ``Error: …`` line in exactly one place (:func:`main`).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from . import __version__
from .errors import ChanjiaError
from .pipeline import Pipeline, load
from .readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_UNPACKED_BYTES, find_files, read_document
from .records import Document, to_dict

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    ["type", "doc_id", "path", "start", "end", "text", "value", "low", "high", "qualifier", "kind", "unit", "currency"]
    + ["claim", "indicator", "indicator_text", "subject", "level", "period", "scope", "parent", "sentence"]
    + ["number_text", "damaged", "repeated", "label", "normalized", "role", "code"]
    + ["title", "published", "source", "chars", "format", "encoding", "status", "error", "needs_ocr_pages"]
    + ["extractor_version"]
)


def extract_records(
    paths: list[str], pipeline: Pipeline, *, max_bytes: int, max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
) -> Iterator[dict[str, Any]]:
    """Yield the records of every file under ``paths``, streaming: a ``document`` record, then its
    quantities, programmes and entities."""
    for path, shown in find_files(paths):
        doc, text = read_document(
            path, display_path=shown, extractor_version=__version__, max_bytes=max_bytes,
            max_unpacked_bytes=max_unpacked_bytes,
        )
        yield to_dict(doc)
        if text is None:
            continue
        for record in pipeline.extract(text, published=doc.published):
            yield to_dict(record, doc_id=doc.doc_id, path=doc.path)


def _writer(stream: IO[str], fmt: str):
    if fmt == "jsonl":
        return lambda record: stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    return writer.writerow


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chanjia")
def cli() -> None:
    """Mine Chinese trade-union reports for the figures assessments run on."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write records here (.jsonl or .csv); default: standard output as JSONL.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format; default: from the --out suffix, else jsonl.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True, help="Refuse files larger than this.")
@click.option("--max-unpacked-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_UNPACKED_BYTES, show_default=True, help="Refuse a .docx that unpacks to more than this (a zip bomb).")
@click.option("--quiet", "-q", is_flag=True, help="No summary on standard error.")
def extract(
    paths: tuple[str, ...], out: Path | None, fmt: str | None, max_bytes: int, max_unpacked_bytes: int, quiet: bool
) -> None:
    """Extract records from report files and folders (searched recursively for .txt, .docx,
    .pdf and .html).

    Writes one `document` record per file, one `quantity` record per figure (claims carry
    `claim: true` and their indicator, subject, period, scope), and `programme` and `entity`
    records. A file that
    cannot be read gets a `document` record with status `error`; the run goes on, and the
    exit code is 1 when any file failed.

    Example:

        chanjia extract corpus/ --out corpus.jsonl
    """
    fmt = fmt or (out.suffix.lstrip(".").lower() if out is not None and out.suffix.lower() in (".csv", ".jsonl") else "jsonl")
    pipeline = load()
    counts = {"ok": 0, "error": 0, "quantity": 0, "claim": 0, "programme": 0, "entity": 0}
    stream = out.open("w", encoding="utf-8", newline="") if out is not None else sys.stdout
    try:
        write = _writer(stream, fmt)
        for record in extract_records(list(paths), pipeline, max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes):
            write(record)
            if record["type"] == Document.type:
                counts[record["status"]] += 1
                if record["status"] == "error":
                    click.echo(f"error: {record['path']}: {record['error']}", err=True)
                elif record["needs_ocr_pages"]:
                    pages = ", ".join(map(str, record["needs_ocr_pages"]))
                    click.echo(f"warning: {record['path']}: pages {pages} have no usable text layer; run OCR on them", err=True)
            else:
                counts[record["type"]] += 1
                counts["claim"] += bool(record.get("claim"))
    finally:
        if out is not None:
            stream.close()
    if not quiet:
        where = f" → {out}" if out is not None else ""
        click.echo(
            f"{counts['ok'] + counts['error']} documents ({counts['ok']} ok, {counts['error']} error), "
            f"{counts['quantity']} quantities ({counts['claim']} claims), {counts['programme']} programmes, "
            f"{counts['entity']} entities{where}",
            err=True,
        )
    if counts["error"]:
        sys.exit(1)


def main() -> None:
    """Entry point of the ``chanjia`` console script."""
    try:
        cli(standalone_mode=True)
    except ChanjiaError as exc:  # pragma: no cover - click exits before this for its own errors
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
