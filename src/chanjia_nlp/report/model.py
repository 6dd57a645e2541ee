"""The data a report shows, built from record and finding dicts (``spec/OUTPUT.md`` rows).

:func:`build_model` turns the rows into the one JSON object the page embeds: documents with
their text as a mark tree (:mod:`.marks`), every quantity, programme, entity and evidence span
as an *item*, and the findings with each evidence span linked to the item it points at. Messy
rows (missing fields, offsets that do not slice the text, records without a document) give
fewer marks and a note, never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .._lexicon import indicators as _indicators
from .crops import add_crops
from .i18n import shown_value
from .marks import mark_tree

__all__ = ["Model", "build_model"]

#: Which of two marks over the same characters is the outer one.
_NESTING = {"evidence": 0, "programme": 1, "claim": 2, "quantity": 3, "entity": 4}
_SPAN_TYPES = ("quantity", "programme", "entity")
_QUANTITY_FIELDS = ("value", "low", "high", "qualifier", "kind", "unit", "currency")
_CLAIM_FIELDS = ("indicator", "indicator_text", "subject", "level", "period", "scope")
_FINDING_FIELDS = (
    "check", "verdict", "message", "indicator", "subject", "period", "expected", "observed", "gap", "kind", "unit",
    "currency",
)
_LEDGER_FIELDS = ("file", "sheet", "row", "column", "cell", "value")
_DOCUMENT_FIELDS = ("title", "published", "source", "format", "status", "error")
_ENTITY_FIELDS = ("label", "normalized", "role", "code")
#: The claim fields a ``why`` names, in the order a card lists them; other names follow.
_WHY_ORDER = ("indicator", "subject", "level", "period", "scope", "target")
#: The fields that make two rows of one document the same record.
_IDENTITY = ("type", "start", "end", "text", "claim", "indicator", "label", "kind")


def indicator_names() -> dict[str, str]:
    """``name_zh`` of every indicator id, in lexicon order (what the report shows for an id)."""
    return _indicators().names()


@dataclass(frozen=True, slots=True)
class Model:
    """What :func:`build_model` found: ``data`` is the page's JSON; ``claims`` (its claim items)
    and ``findings`` feed the charts."""

    data: dict[str, Any]
    claims: list[dict[str, Any]]
    findings: list[dict[str, Any]]


def _text(value: Any) -> str | None:
    """A field as display text: strings as they are, decimals in plain notation, else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    return None


def _shown(fields: Mapping[str, Any], value: Any) -> str | None:
    """``value`` (of a figure or finding with these ``kind``, ``unit``, ``currency``) as the page shows it."""
    return shown_value(value, kind=fields.get("kind"), unit=fields.get("unit"), currency=fields.get("currency"))


def _why(value: Any) -> list[list[str]]:
    """A claim's ``why`` as ``[field, decided by]`` pairs in card order; entries that are not
    text (messy rows) are left out.

    >>> _why({"target": "plan_word", "indicator": "alias", "period": 7})
    [['indicator', 'alias'], ['target', 'plan_word']]
    """
    if not isinstance(value, Mapping):
        return []
    pairs = [[k, v] for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and v]
    rank = {name: n for n, name in enumerate(_WHY_ORDER)}
    return sorted(pairs, key=lambda pair: rank.get(pair[0], len(rank)))


def _offset(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _compact(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A dict without the null, false and empty values (they are most of a record); 0 stays."""
    return {k: v for k, v in pairs if v is not None and v is not False and v != "" and v != []}


class _Builder:
    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []
        self.rows: list[list[Mapping[str, Any]]] = []
        self.texts: list[str | None] = []
        self.by_id: dict[Any, int] = {}
        self.items: list[dict[str, Any]] = []
        self.at: list[dict[tuple[int, int], list[int]]] = []  # per document: (start, end) -> items
        self.findings: list[dict[str, Any]] = []
        self.skipped = 0
        self.scans: dict[int, Mapping[str, Any]] = {}  # documents read by OCR: figures get a page-image crop

    def document(self, row: Mapping[str, Any]) -> None:
        key = _text(row.get("doc_id"))
        text = row.get("text") if isinstance(row.get("text"), str) else None
        if key in self.by_id:
            index = self.by_id[key]
            if not self.docs[index]["placeholder"] and (self.texts[index] is not None or text is None):
                return  # the same document twice: the first copy (or the one with text) wins
        else:
            index = self._new_doc(key, row.get("path"))
        doc = self.docs[index]
        doc.update(_compact((name, _text(row.get(name))) for name in _DOCUMENT_FIELDS))
        doc["path"] = _text(row.get("path")) or doc["path"]
        doc["placeholder"] = False
        self.texts[index] = text
        if isinstance(row.get("ocr"), Mapping):
            self.scans[index] = row

    def record(self, row: Mapping[str, Any]) -> None:
        key = _text(row.get("doc_id"))
        index = self.by_id.get(key)
        if index is None:
            index = self._new_doc(key, row.get("path"))
        self.rows[index].append(row)

    def _new_doc(self, key: str | None, path: Any) -> int:
        self.by_id[key] = len(self.docs)
        self.docs.append({"id": key, "path": _text(path) or key or "(no path)", "placeholder": True})
        self.rows.append([])
        self.texts.append(None)
        return len(self.docs) - 1

    def build_items(self) -> None:
        """Turn each document's rows into items, without exact repeats (a file given twice)."""
        for index, rows in enumerate(self.rows):
            seen: set[tuple[Any, ...]] = set()
            unique = []
            for row in rows:
                identity = tuple(_text(row.get(k)) for k in _IDENTITY)
                if identity not in seen:
                    seen.add(identity)
                    unique.append(row)
            unique.sort(key=lambda r: (_offset(r.get("start")) or 0, -(_offset(r.get("end")) or 0)))
            doc = self.docs[index]
            doc["items"] = [self._item(index, row) for row in unique]
            at: dict[tuple[int, int], list[int]] = {}
            totals: dict[int, int] = {}  # start -> the claim there, for the 其中 parts that name it
            for i in doc["items"]:
                item = self.items[i]
                at.setdefault((item.get("start", -1), item.get("end", -1)), []).append(i)
                if item["type"] == "claim" and "start" in item:
                    totals.setdefault(item["start"], i)
            for i in doc["items"]:
                if self.items[i].get("parent") in totals:
                    self.items[i]["total"] = totals[self.items[i]["parent"]]
            self.at.append(at)

    def _item(self, doc: int, row: Mapping[str, Any]) -> int:
        kind = row.get("type")
        is_claim = kind == "quantity" and row.get("claim") is True
        item: dict[str, Any] = {"doc": doc, "type": "claim" if is_claim else kind}
        start, end = _offset(row.get("start")), _offset(row.get("end"))
        text = self.texts[doc]
        shown = _text(row.get("text"))
        if shown is None and text is not None and start is not None and end is not None:
            shown = text[start:end]
        item.update(_compact([("start", start), ("end", end), ("text", shown or "")]))
        if kind == "quantity":
            item.update(_compact((name, _text(row.get(name))) for name in _QUANTITY_FIELDS))
            item.update(_compact([("damaged", row.get("damaged") is True), ("repeated", row.get("repeated") is True)]))
            if "value" in item and not item.get("damaged"):
                item.update(_compact([("shown", _shown(item, item["value"]))]))
            version = _offset(row.get("review_version"))  # decisions on it so far: an offline review's based_on
            item.update(_compact([("version", version), ("reviewed_by", _text(row.get("reviewed_by")))]))
            if is_claim:
                item.update(_compact((name, _text(row.get(name))) for name in _CLAIM_FIELDS))
                item.update(_compact([
                    ("parent", _offset(row.get("parent"))), ("target", row.get("target") is True),
                    ("why", _why(row.get("why"))),
                ]))
            doubts = []
            if is_claim and not item.get("subject"):
                doubts.append("no subject")
            if is_claim and item.get("indicator") in (None, "other"):
                doubts.append("no specific indicator")
            if item.get("repeated"):
                doubts.append("in a repeated paragraph")
            sentence = _text(row.get("sentence")) if text is None else None  # only needed without the text
            item.update(_compact([("doubtful", doubts), ("sentence", sentence)]))
        elif kind == "programme":
            item.update(_compact([("kind", _text(row.get("kind")))]))
        else:
            item.update(_compact((name, _text(row.get(name))) for name in _ENTITY_FIELDS))
        self.items.append(item)
        return len(self.items) - 1

    def finding(self, row: Mapping[str, Any]) -> None:
        number = len(self.findings)
        out = _compact((name, _text(row.get(name))) for name in _FINDING_FIELDS)
        for name in ("expected", "observed", "gap"):  # as the page shows them: 万元, separators
            if name in out:
                out.update(_compact([(name + "_shown", _shown(out, out[name]))]))
        out["id"] = _text(row.get("finding_id")) or f"finding-{number + 1}"
        if _text(row.get("finding_id")):  # a stored finding: an offline decision names it and its version
            version = _offset(row.get("review_version"))
            out.update(_compact([("reviewable", True), ("version", version),
                                 ("reviewed_by", _text(row.get("reviewed_by"))), ("review", _text(row.get("review")))]))
        out["check"] = out.get("check") or "unknown"
        out["verdict"] = out.get("verdict") or "unknown"
        doc = self.by_id.get(_text(row.get("doc_id")))
        out.update(_compact([("doc", doc), ("path", _text(row.get("path")))]))
        ledger = row.get("ledger")
        if isinstance(ledger, Mapping):
            out["ledger"] = _compact((name, _text(ledger.get(name))) for name in _LEDGER_FIELDS)
        evidence = row.get("evidence")
        spans = evidence if isinstance(evidence, list) else ()
        out["evidence"] = [self._evidence(number, e) for e in spans if isinstance(e, Mapping)]
        self.findings.append(out)

    def _evidence(self, finding: int, row: Mapping[str, Any]) -> dict[str, Any]:
        doc = self.by_id.get(_text(row.get("doc_id")))
        start, end = _offset(row.get("start")), _offset(row.get("end"))
        out = _compact([
            ("doc", doc), ("path", _text(row.get("path"))), ("start", start), ("end", end),
            ("text", _text(row.get("text"))), ("role", _text(row.get("role"))),
        ])
        if doc is None or start is None or end is None:
            return out
        matches = sorted(self.at[doc].get((start, end), ()), key=lambda i: _NESTING.get(self.items[i]["type"], 9))
        if matches:
            out["item"] = matches[0]
        else:
            text = self.texts[doc]
            if text is None or not _slices(text, start, end, out.get("text", text[start:end])):
                return out  # nowhere to point at: the evidence is shown as text only
            self.items.append(_compact([
                ("doc", doc), ("type", "evidence"), ("start", start), ("end", end), ("text", text[start:end]),
                ("role", out.get("role")),
            ]))
            out["item"] = len(self.items) - 1
            self.docs[doc]["items"].append(out["item"])
            self.at[doc][start, end] = [out["item"]]
        target = self.items[out["item"]]
        if target["type"] in ("claim", "evidence") and finding not in target.setdefault("findings", []):
            target["findings"].append(finding)
        return out

    def place_marks(self) -> None:
        """Give every document its blocks: its text as one mark tree, or, without text, the
        sentences of its quantities."""
        for index, doc in enumerate(self.docs):
            text = self.texts[index]
            items = doc.pop("items")
            if text is not None:
                spans = []
                for i in items:
                    item = self.items[i]
                    start, end = item.get("start"), item.get("end")
                    if start is not None and end is not None and _slices(text, start, end, item.get("text")):
                        spans.append((_NESTING.get(item["type"], 9), start, end, i))
                    else:
                        item["unplaced"] = True
                spans.sort()
                doc["blocks"] = [mark_tree(text, [(s, e, i) for _, s, e, i in spans])]
                doc["chars"] = len(text)
            else:
                doc["blocks"] = self._sentence_blocks(items)
                doc["textless"] = doc.get("status") != "error"
            doc["counts"] = _counts(self.items[i] for i in items)
            if doc.pop("placeholder"):
                doc["no_record"] = True  # the page says so in its language

    def _sentence_blocks(self, items: list[int]) -> list[list[Any]]:
        blocks: list[tuple[str, list[tuple[int, int, int]]]] = []
        for i in items:
            item = self.items[i]
            sentence = item.pop("sentence", None)
            if sentence is None or item["type"] not in ("claim", "quantity"):
                item["unplaced"] = True
                continue
            if not blocks or blocks[-1][0] != sentence:
                blocks.append((sentence, []))
            spans = blocks[-1][1]
            at = sentence.find(item.get("text") or "\0", spans[-1][1] if spans else 0)
            if at < 0:
                item["unplaced"] = True
            else:
                spans.append((at, at + len(item["text"]), i))
        return [mark_tree(sentence, spans) for sentence, spans in blocks]


def _slices(text: str, start: int, end: int, expected: Any) -> bool:
    """Whether ``text[start:end]`` is a non-empty span that reads ``expected``."""
    return 0 <= start < end <= len(text) and text[start:end] == expected


def _counts(items: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item["type"]] = counts.get(item["type"], 0) + 1
        for flag in ("damaged", "doubtful"):
            if item.get(flag):
                counts[flag] = counts.get(flag, 0) + 1
    return counts


def build_model(
    records: Iterable[Mapping[str, Any]], findings: Iterable[Mapping[str, Any]] = (),
    scan_roots: Iterable[str | os.PathLike[str]] = (),
) -> Model:
    """The report's data from record dicts (``finding`` rows among them are findings too); the
    figures of scanned documents get a crop of the page image (:mod:`.crops`, their files found
    under ``scan_roots``).

    Rows of unknown type, and rows that are not mappings, are counted in ``data["skipped"]``.
    """
    builder = _Builder()
    finding_rows: list[Mapping[str, Any]] = []
    for row in records:
        if not isinstance(row, Mapping):
            builder.skipped += 1
        elif row.get("type") == "document":
            builder.document(row)
        elif row.get("type") in _SPAN_TYPES:
            builder.record(row)
        elif row.get("type") == "finding":
            finding_rows.append(row)
        else:
            builder.skipped += 1
    builder.build_items()
    for row in [*finding_rows, *findings]:
        if isinstance(row, Mapping):
            builder.finding(row)
        else:
            builder.skipped += 1
    if builder.scans:
        add_crops(builder.docs, builder.items, builder.scans, scan_roots)
    builder.place_marks()
    names = indicator_names()
    used = sorted({row["indicator"] for row in [*builder.items, *builder.findings] if "indicator" in row})
    data = {
        "docs": builder.docs,
        "items": builder.items,
        "findings": builder.findings,
        "indicators": {key: names.get(key, "") for key in used},
        "skipped": builder.skipped,
    }
    claims = [item for item in builder.items if item["type"] == "claim"]
    return Model(data=data, claims=claims, findings=builder.findings)
