r"""The HTML review report: one self-contained file an assessor opens from a USB stick.

>>> from chanjia_nlp.report import render_report
>>> page = render_report([{"type": "document", "doc_id": "d", "path": "a.txt", "text": "<i>x</i>"}])
>>> "<i>" in page, "\\u003ci\\u003ex" in page
(False, True)

The page has four views: the documents with their figures, programmes and entities
highlighted; the claims table; the cross-check findings; and charts. A claim's hover card lists
what decided each of its fields (its ``why``: a rule by name, or the trained model and the rule it
agreed with); targets (figures planned or aimed at) carry a badge, have a filter of their own in
the claims table and are never added into the totals by year. Its data is one JSON
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
from .charts import claims_by, targets_left_out, totals_by_year, verdict_shares
from .i18n import words
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
    model = build_model(records, findings or (), scan_roots=[*scan_roots, "."])
    data = model.data
    # Offline review decisions are kept in the browser under the identity of the documents
    # reviewed: a report written again of the same documents finds its decisions again.
    ids = sorted(str(doc.get("id")) for doc in data["docs"])
    data["report_id"] = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:16]
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
        notes.append(
            f"{textless} documents come without their text: their view shows the sentences of their figures only."
        )
    if data["skipped"]:
        notes.append(f"{data['skipped']} rows were not records or findings and are left out.")
    charts = [
        claims_by(model.claims, "indicator", title=t["chart_indicator"], names=names, limit=50),
        claims_by(model.claims, "subject", title=t["chart_subject"], limit=20),
        verdict_shares(model.findings, title=t["chart_verdicts"]),
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
        totals=totals_by_year(model.claims, names),
        targets_left_out=targets_left_out(model.claims),
        errors=[
            {"path": shown_name(str(doc.get("path") or "")), "error": visible(str(doc.get("error") or "unknown error"))}
            for doc in docs if doc.get("status") == "error"
        ],
    )


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
