r"""The HTML review report: one self-contained file an assessor opens from a USB stick.

>>> from chanjia_nlp.report import render_report
>>> page = render_report([{"type": "document", "doc_id": "d", "path": "a.txt", "text": "<i>x</i>"}])
>>> "<i>" in page, "\\u003ci\\u003ex" in page
(False, True)

The page has four views: the documents with their figures, programmes and entities
highlighted; the claims table; a page per district (the assessment table's rows by indicator
and year, with evidence and 台账 verdicts, a help panel, charts of each indicator by year with
stocks and flows apart, and the filtered rows as CSV made in the browser); the cross-check
findings; and charts. A claim's hover card lists what decided each of its fields (its ``why``: a
rule by name, or the trained model and the rule it agreed with); targets (figures planned or
aimed at) carry a badge, have a filter of their own in the claims table and are never drawn. Its data is one JSON
object (see :mod:`.model`) inside ``<script type="application/json">``; the page's own script
(``static/report.js``) renders from it on demand, so a report of hundreds of documents opens
fast. Nothing is fetched: the Content-Security-Policy allows no network source at all, and the
one script runs by its hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..outputs import atomic_path, decoded_name, shown_name, visible
from .charts import claims_by, family, indicator_series, verdict_shares
from .i18n import BASES, SCOPE_HELP, SERVE, VERDICT_HELP, finding_message, shown_value, words
from .model import build_model, indicator_names

__all__ = ["read_jsonl", "render_report", "write_report"]

DEFAULT_TITLE = "chanjia review report"


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("chanjia_nlp", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _static(name: str) -> str:
    return resources.files(__name__).joinpath("static", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> Markup:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` as ``\\u`` escapes, so no
    text in it can close the element or open a comment.

    >>> str(_script_json({"t": "</script><!--"}))
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def render_report(
    records: Iterable[Mapping[str, Any]],
    *,
    findings: Iterable[Mapping[str, Any]] | None = None,
    title: str | None = None,
    lang: str = "zh",
    scan_roots: Iterable[str | os.PathLike[str]] = (),
) -> str:
    """The report of ``records`` as one HTML page.

    Args:
        records: record dicts as ``chanjia extract`` writes them (``spec/OUTPUT.md``); a
            ``document`` dict's ``text`` is what offsets point into (without it, the report
            shows the sentences of the document's figures). ``finding`` dicts among them are
            findings too.
        findings: finding dicts from cross-checking, if they come separately.
        title: the page title; default ``chanjia 数据审核报告`` (``chanjia review report`` in English).
        lang: ``zh`` (the default: tabs, verdicts, scopes and indicator names in Chinese) or ``en``.
        scan_roots: folders the files of scanned documents are found under (beside their page-image
            crops, see :mod:`.crops`); also the working folder.

    Rows that are not records are left out and counted in a note; nothing raises on messy rows.
    """
    from .. import __version__

    ui = words(lang)
    t = ui["text"]
    records = records if isinstance(records, list) else list(records)
    findings = findings if findings is None or isinstance(findings, list) else list(findings)
    model = build_model(records, findings or (), scan_roots=[*scan_roots, "."])
    data = model.data
    # Offline review decisions are kept in the browser under the identity of the documents
    # reviewed: a report written again of the same documents finds its decisions again.
    ids = sorted(str(doc.get("id")) for doc in data["docs"])
    data["report_id"] = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:16]
    for found in model.findings:  # the cross-checks' sentences in the page's language
        if found.get("message"):
            found["message"] = finding_message(found["message"], lang)
    data["ui"] = ui
    for doc in data["docs"]:  # a name that is not UTF-8 shows decoded (GB18030); invisible characters the page marks
        if isinstance(doc.get("path"), str):
            doc["path"] = decoded_name(doc["path"])
    names = indicator_names()
    items = data["items"]
    docs = data["docs"]
    summary = {
        "docs": len(docs),
        "errors": sum(doc.get("status") == "error" for doc in docs),
        "claims": len(model.claims),
        "targets": sum(bool(claim.get("target")) for claim in model.claims),
        "quantities": sum(item["type"] == "quantity" for item in items),
        "programmes": sum(item["type"] == "programme" for item in items),
        "entities": sum(item["type"] == "entity" for item in items),
        "damaged": sum(bool(item.get("damaged")) for item in items),
        "doubtful": sum(bool(item.get("doubtful")) for item in items if item["type"] == "claim"),
        "findings": len(model.findings),
    }
    notes = []
    textless = sum(bool(doc.get("textless")) for doc in docs)
    if textless:
        notes.append(t["textless_docs"].format(n=textless))
    if data["skipped"]:
        notes.append(t["skipped_rows"].format(n=data["skipped"]))
    data["districts"] = _districts(records, [*(f for f in records if isinstance(f, Mapping) and f.get("type") == "finding"),
                                             *(findings or ())], names, lang)
    data["help"] = {"verdicts": VERDICT_HELP[lang], "scopes": SCOPE_HELP[lang]}
    charts = [
        claims_by(model.claims, "indicator", title=t["chart_indicator"], names=names, limit=50, text=t),
        claims_by(model.claims, "subject", title=t["chart_subject"], limit=20, text=t),
        verdict_shares(model.findings, title=t["chart_verdicts"], text=t, verdicts=ui["verdicts"]),
    ]
    script = _static("report.js")
    return _environment().get_template("report.html.j2").render(
        title=visible(title or t["title"]),
        lang="zh-Hans" if lang == "zh" else "en",
        t=t,
        version=__version__,
        csp=_csp(script),
        style=Markup(_static("report.css")),
        script=Markup(script),
        data=_script_json(data),
        summary=summary,
        notes=notes,
        charts=charts,
        help={"verdicts": VERDICT_HELP[lang], "scopes": SCOPE_HELP[lang]},
        d=data["districts"]["words"],
        verdicts=ui["verdicts"],
        scopes=ui["scopes"],
        errors=[
            {"path": shown_name(str(doc.get("path") or "")), "error": visible(str(doc.get("error") or "unknown error"))}
            for doc in docs if doc.get("status") == "error"
        ],
    )


def _districts(records: list[Any], findings: list[Mapping[str, Any]], names: Mapping[str, str],
               lang: str) -> dict[str, Any]:
    """The district pages' data: the assessment table by district (rows of achieved figures
    and targets, with evidence and 台账 verdicts, values as the page shows them) and each
    district's charts (:func:`~.charts.indicator_series`: stocks and flows apart). Messy rows
    give fewer rows, never an exception."""
    from ..assessment import assessment_table
    from ..errors import ChanjiaError

    usable = [r for r in records if isinstance(r, Mapping) and r.get("type") in ("document", "quantity")]
    try:
        rows = assessment_table(usable, [f for f in findings if isinstance(f, Mapping)], by="district")
    except (ChanjiaError, ArithmeticError, TypeError, ValueError):
        rows = []
    serve = SERVE[lang]
    families = {k: serve[k] for k in ("stock", "flow", "cumulative", "unstated")}
    out: list[dict[str, Any]] = []
    by_code: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        row["family"] = family(row.get("basis"))
        by_code.setdefault(row["region_code"], []).append(row)
        evidence = [{"path": decoded_name(str(e.get("path") or "")), "paragraph": e.get("paragraph"),
                     "start": e.get("start"), "end": e.get("end")} for e in row.get("evidence") or []]
        out.append({
            "code": row["region_code"], "region": row["region"], "indicator": row["indicator"], "year": row["year"],
            "target": bool(row["target"]), "value": None if row["value"] is None else format(row["value"], "f"),
            "shown": shown_value(row["value"], kind=row["kind"], unit=row["unit"], currency=row["currency"]),
            "unit": ("元" if row["currency"] in (None, "CNY") else row["currency"]) if row["kind"] == "money" else row["unit"],
            "text": row["text"], "scope": row["scope"], "basis": row["basis"], "family": row["family"],
            "reviewed_by": row.get("reviewed_by"),
            "ledger_value": None if row["ledger_value"] is None else format(row["ledger_value"], "f"),
            "ledger_shown": shown_value(row["ledger_value"], kind=row["kind"], unit=row["unit"], currency=row["currency"]),
            "ledger_cell": row["ledger_cell"], "ledger_verdict": row["ledger_verdict"], "evidence": evidence,
        })
    charts = {}
    for code, mine in by_code.items():
        charts[code] = [{"indicator": c["indicator"], "family": c["family"], "title": c["title"],
                         "bars": [[year, format(size, "f"), shown] for year, size, shown, _ in c["bars"]]}
                        for c in indicator_series(mine, names, families)]
    return {"rows": out, "charts": charts, "bases": BASES[lang], "words": {
        k: serve[k] for k in ("district_h", "choose_district", "district_hint", "export_csv", "help", "verdict_help",
                              "scope_help", "no_rows", "charts", "chart_note", "no_chart", "achieved_only",
                              "targets_too", "all_years", "region", "indicator", "year", "value", "figure", "basis",
                              "reviewed", "ledger_value", "ledger_cell", "verdict", "evidence", "paragraph", "target",
                              "reviewed_by", "any", "unit", "scope")}}


def write_report(
    records: Iterable[Mapping[str, Any]],
    out_path: str | os.PathLike[str],
    *,
    findings: Iterable[Mapping[str, Any]] | None = None,
    title: str | None = None,
    lang: str = "zh",
    scan_roots: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write the report of ``records`` (and ``findings``) to ``out_path``; see :func:`render_report`.

    The file is written whole or not at all (a temporary file renamed into place).
    """
    out = Path(out_path)
    page = render_report(records, findings=findings, title=title, lang=lang, scan_roots=scan_roots)
    with atomic_path(out) as partial:
        partial.write_text(page, encoding="utf-8")
    return out


def read_jsonl(
    paths: Iterable[str | os.PathLike[str]], *, on_error: Callable[[str, int, str], None] | None = None
) -> Iterator[dict[str, Any]]:
    """The JSON objects of JSONL files, one a line, in order.

    A line that is not a JSON object is skipped; ``on_error(path, line_number, message)`` is told
    about it when given.
    """
    for path in paths:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    row, problem = None, f"not JSON ({exc.msg})"
                else:
                    problem = "not a JSON object"
                if isinstance(row, dict):
                    yield row
                elif on_error is not None:
                    on_error(str(path), number, problem)
