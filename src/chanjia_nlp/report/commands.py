"""``chanjia report``: the HTML review report of a database or of JSONL files.

Library errors (no database, a bad URL) travel up to :func:`chanjia_nlp.cli.main`, which prints
them as one line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ..errors import OutputError
from ..outputs import shown_name, visible
from ..store import open as open_store
from ..store.commands import db_options
from . import read_jsonl, write_report
from .i18n import LANGUAGES, words
from .scope import findings_in_scope, in_scope

__all__ = ["report"]


def _counting(rows: Iterable[Mapping[str, Any]], counts: Counter[str]) -> Iterator[Mapping[str, Any]]:
    for row in rows:
        counts["claim" if row.get("claim") is True else str(row.get("type"))] += 1
        yield row


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"\d{4}(-\d{2})?", value):
        raise click.BadParameter(f"{value!r} is no year (2022) or year-month (2022-03)")
    return value


@click.command()
@click.argument("jsonl", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_options
@click.option(
    "--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML report here."
)
@click.option("--title", help="The report's title.")
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="zh", show_default=True,
    help="The page's language: zh (Chinese: verdicts, scopes, indicator names) or en.",
)
@click.option(
    "--subject", help="Only the claims about this subject: a region (惠山, 无锡市) with everything under it, "
    "else part of the subject as written; the documents that state them and the findings about them.",
)
@click.option("--period", callback=_period, help="Only the claims of this year (2022) or year-month (2022-03).")
@click.pass_context
def report(
    ctx: click.Context, jsonl: tuple[Path, ...], db: str, schema: str | None, out: Path, title: str | None, lang: str,
    subject: str | None, period: str | None,
) -> None:
    """Write a self-contained HTML report to review the figures: each document with its claims,
    figures, programmes and entities highlighted, a filterable claims table, the cross-check
    findings and charts. It opens offline in any browser.

    The records and findings come from the database (--db), or from JSONL files: the records
    `chanjia extract --out` wrote, with findings in the same or other files.

    Example:

    \b
        chanjia report --db chanjia.sqlite -o report.html
        chanjia report corpus.jsonl findings.jsonl -o report.html --title "惠山区 2022"
        chanjia report --db chanjia.sqlite -o report-en.html --lang en
        chanjia report --db chanjia.sqlite -o 惠山-2022.html --subject 惠山 --period 2022
    """
    if out.suffix.lower() not in (".html", ".htm"):  # the rule of every command that writes files: never guessed
        raise click.BadParameter(f"{shown_name(str(out))}: the report is one HTML file; name it .html", param_hint="'--out'")
    counts: Counter[str] = Counter()
    scoped = subject is not None or period is not None
    if scoped and title is None:
        title = " · ".join([words(lang)["text"]["title"], *(part for part in (subject, period) if part)])
    if jsonl:
        if ParameterSource.COMMANDLINE in (ctx.get_parameter_source("db"), ctx.get_parameter_source("schema")):
            raise click.UsageError("give either --db or JSONL files, not both")

        def warn(path: str, line: int, problem: str) -> None:
            click.echo(f"warning: {shown_name(path)}:{line}: {visible(problem)}; line skipped", err=True)

        rows: Iterable[Mapping[str, Any]] = read_jsonl(jsonl, on_error=warn)
        if scoped:
            rows = list(rows)
            kept: set[Any] = set()
            found = [row for row in rows if row.get("type") == "finding"]
            claimed = list(in_scope(rows, subject=subject, period=period, kept=kept))
            rows = [*claimed, *findings_in_scope(found, kept, subject=subject, period=period)]
        roots = sorted({str(path.parent) for path in jsonl})  # scans' files, for their page-image crops
        _write(_counting(rows, counts), out, title=title, lang=lang, scan_roots=roots)
    else:
        with open_store(db, schema=schema, create=False) as opened:
            records: Iterable[Mapping[str, Any]] = _versioned(opened.records(reviewed=True), opened.latest_reviews())
            found_rows: Iterable[Mapping[str, Any]] = _reviewed_findings(opened.findings(),
                                                                         opened.latest_finding_reviews())
            if scoped:
                claims = opened.claims(subject=subject, period=period)
                keys = set(zip(claims["doc_id"], claims["start"].astype(int), claims["end"].astype(int), strict=True))
                kept = set()
                records = in_scope(records, subject=subject, period=period, claims=keys, kept=kept)
                found_rows = findings_in_scope(found_rows, kept, subject=subject, period=period)
            roots = [root for root in opened.runs()["root"].dropna().unique()]  # scans' files, for their crops
            _write(_counting(records, counts), out, findings=_counting(found_rows, counts), title=title, lang=lang,
                   scan_roots=roots)
    click.echo(
        f"{counts['document']} documents, {counts['claim']} claims, {counts['finding']} findings → {out}", err=True
    )


def _versioned(
    records: Iterable[Mapping[str, Any]], latest: Mapping[tuple[Any, Any, Any], Mapping[str, Any]]
) -> Iterator[Mapping[str, Any]]:
    """The records, each reviewed figure with ``review_version`` (how many decisions it has had):
    what an offline decision in the page is based on, so `chanjia reviews import` refuses one
    made on a figure someone decided on since."""
    for row in records:
        review = latest.get((row.get("doc_id"), row.get("start"), row.get("end"))) if latest else None
        yield {**row, "review_version": review["version"]} if review else row


def _reviewed_findings(
    found: Iterable[Mapping[str, Any]], latest: Mapping[str, Mapping[str, Any]]
) -> Iterator[Mapping[str, Any]]:
    """The findings as their latest decisions leave them (a corrected verdict wins), each reviewed
    one with ``review_version``, what an offline decision on it is based on."""
    from ..store.reviews import apply_finding_review

    for row in found:
        review = latest.get(str(row.get("finding_id"))) if latest else None
        yield {**apply_finding_review(row, review), "review_version": review["version"]} if review else row


def _write(records: Iterable[Mapping[str, Any]], out: Path, **options: Any) -> None:
    try:
        write_report(records, out, **options)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from exc
