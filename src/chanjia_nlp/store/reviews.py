"""Review decisions: assessors confirm, correct or reject each figure; the reviewed value wins.

A *figure* is a quantity of a stored document, named by its document (``doc_id``, the SHA-256 of
the file's bytes) and its span (``start``, ``end``): re-extracting the same file keeps its reviews,
a changed file (new bytes, new ``doc_id``) starts without them. Every decision is a new row of
``reviews`` (schema version 5), never updated or deleted, so a figure's history shows them all.

Optimistic concurrency: a decision names the ``version`` it was based on (how many decisions the
figure had when the reviewer looked at it). A decision based on a stale version is refused with
:class:`ReviewConflict`, never stored over the other one. The check is the unique index on
(figure, version): of two writers deciding at once on SQLite or PostgreSQL, the second one fails.

:func:`apply_review` gives a record as reviewed: the latest decision's fields (``after``), with
``reviewed_by``, ``reviewed_at`` and ``review`` (the action); a rejected figure gives ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..errors import ConfigError, StoreError, value_invalid_msg
from ..records import LEVELS
from .connect import WRITE
from .decisions import SNAPSHOT, apply_review, reviewed_records, snapshot
from .schema import CURRENT, documents, finding_reviews, findings, quantities, reviews, users

__all__ = [
    "ACTIONS", "EDITABLE", "FINDING_EDITABLE", "QUALIFIERS", "ROLES", "SCOPES", "SNAPSHOT", "ReviewConflict",
    "apply_finding_review", "apply_review", "check_changes", "check_finding_changes", "interval",
]

#: What a reviewer may decide on a figure.
ACTIONS = ("confirm", "correct", "reject")
#: Who may sign in: reviewers decide, viewers only look.
ROLES = ("reviewer", "viewer")
#: The fields a correction may change (ANNOTATION.md names and values).
EDITABLE = ("value", "qualifier", "indicator", "subject", "period", "scope", "target")
QUALIFIERS = ("exact", "approx", "more_than", "at_least", "less_than", "at_most", "range", "vague")
SCOPES = ("as_of", "increment", "cumulative", "annual")
#: The fields a correction of a 台账 finding may change: its verdict, the report's value
#: (``expected``) and the 台账's (``observed``), as an assessor reads them.
FINDING_EDITABLE = ("verdict", "expected", "observed")
#: What a finding's ``before`` and ``after`` keep.
FINDING_SNAPSHOT = ("verdict", "expected", "observed", "gap")
RE_PERIOD = re.compile(r"[0-9]{4}(?:-(?:0[1-9]|1[0-2]|H[12]|Q[1-4]))?")
RE_NAME = re.compile(r"[^\s/\\<>&\"']{1,64}")


class ReviewConflict(StoreError):
    """The figure was decided on by someone else since the version a decision was based on."""

    def __init__(self, message: str, latest: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.latest = dict(latest) if latest else None


class ReviewInvalid(ConfigError):
    """A decision or correction that is not valid. Its message is English (the CLI says it); ``key``
    and ``params`` let the review server say it in the page's language."""

    def __init__(self, message: str, key: str, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


def _invalid(name: str, value: Any, valid: Sequence[str]) -> ReviewInvalid:
    return ReviewInvalid(value_invalid_msg(name, value, valid), "invalid", name=name, value=value, valid=tuple(valid))


def interval(value: str | None, qualifier: str | None) -> tuple[str | None, str | None]:
    """``(low, high)`` of a value under a qualifier (ANNOTATION.md §1).

    >>> interval("300", "more_than"), interval("265", "less_than"), interval("5", "exact")
    (('300', None), (None, '265'), ('5', '5'))
    """
    if value is None:
        return None, None
    if qualifier == "exact":
        return value, value
    if qualifier in ("more_than", "at_least"):
        return value, None
    if qualifier in ("less_than", "at_most"):
        return None, value
    return None, None


def check_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a correction, checked and normalized (empty text is ``None``).

    Raises:
        ConfigError: a field that may not be corrected, or a value that is not one of the valid ones.
    """
    out: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in EDITABLE:
            raise _invalid("field", name, EDITABLE)
        value = raw.strip() if isinstance(raw, str) else raw
        if value == "":
            value = None
        if name == "value" and value is not None:
            try:
                number = Decimal(str(value).replace(",", ""))
            except InvalidOperation:
                raise ReviewInvalid(f"value {value!r} is not a number; give digits such as 1200 or 2650000",
                                    "not_a_number", name=name, value=value) from None
            if not number.is_finite():
                raise ReviewInvalid(f"value {value!r} is not a finite number; give digits such as 1200",
                                    "not_a_number", name=name, value=value)
            value = format(number, "f")
        elif name == "qualifier" and value not in QUALIFIERS:
            raise _invalid("qualifier", value, QUALIFIERS)
        elif name == "scope" and value is not None and value not in SCOPES:
            raise _invalid("scope", value, SCOPES)
        elif name == "period" and value is not None and not RE_PERIOD.fullmatch(str(value)):
            raise ReviewInvalid(f"period {value!r} is invalid; give a year (2022) or a year-month (2022-03)",
                                "period", value=value)
        elif name == "indicator" and value is not None:
            from .._lexicon import indicators

            if value not in indicators().ids and value != "other":
                raise _invalid("indicator", value, (*indicators().ids, "other"))
        elif name == "target":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "on", "off", "yes", "no"):
                    raise ReviewInvalid(f"target {value!r} is invalid; give true or false", "target", value=value)
                value = value.lower() in ("true", "1", "on", "yes")
            elif value is not None and not isinstance(value, bool):
                raise ReviewInvalid(f"target {value!r} is invalid; give true or false", "target", value=value)
            value = bool(value)
        elif name == "subject" and value is not None and (not isinstance(value, str) or len(value) > 200):
            raise ReviewInvalid("subject must be a name of at most 200 characters, such as 惠山区", "subject")
        out[name] = value
    return out


def check_finding_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a finding's correction, checked and normalized (empty text is ``None``).

    Raises:
        ConfigError: a field that may not be corrected, a verdict that is not a 台账 verdict, a
            value that is not a number.
    """
    from ..records import LEDGER_VERDICTS

    out: dict[str, Any] = {}
    for name, raw in changes.items():
        if name not in FINDING_EDITABLE:
            raise _invalid("field", name, FINDING_EDITABLE)
        value = raw.strip() if isinstance(raw, str) else raw
        if value == "":
            value = None
        if name == "verdict":
            if value not in LEDGER_VERDICTS:
                raise _invalid("verdict", value, LEDGER_VERDICTS)
        elif value is not None:
            try:
                number = Decimal(str(value).replace(",", ""))
            except InvalidOperation:
                raise ReviewInvalid(f"{name} {value!r} is not a number; give digits such as 1200 or 2650000",
                                    "not_a_number", name=name, value=value) from None
            if not number.is_finite():
                raise ReviewInvalid(f"{name} {value!r} is not a finite number; give digits such as 1200",
                                    "not_a_number", name=name, value=value)
            value = format(number, "f")
        out[name] = value
    return out


def finding_snapshot(finding: Mapping[str, Any]) -> dict[str, Any]:
    """The reviewable fields of a finding, decimals as strings."""
    return {name: format(v, "f") if isinstance(v := finding.get(name), Decimal) else v for name in FINDING_SNAPSHOT}


def apply_finding_review(finding: Mapping[str, Any], review: Mapping[str, Any] | None) -> dict[str, Any]:
    """``finding`` as the latest decision on it leaves it: the corrected fields (decimal strings,
    as findings hold them), ``reviewed_by``, ``reviewed_at`` and ``review`` (the action). A rejected
    finding keeps its fields and says ``review = "reject"``: the 台账 row stays, its verdict does
    not count."""
    out = dict(finding)
    if review is None:
        out.update(reviewed_by=None, reviewed_at=None, review=None)
        return out
    for name, value in (review.get("after") or {}).items():
        if name in FINDING_SNAPSHOT:
            out[name] = value
    out["reviewed_by"] = review["reviewer"]
    out["reviewed_at"] = review["reviewed_at"]
    out["review"] = review["action"]
    return out


def check_user(name: str, role: str) -> None:
    if not isinstance(name, str) or not RE_NAME.fullmatch(name):
        raise ConfigError(f"user name {name!r} is invalid; give 1 to 64 characters without spaces, slashes, <, > or quotes")
    if role not in ROLES:
        raise ConfigError(value_invalid_msg("role", role, ROLES))


def _review_dict(row: Any) -> dict[str, Any]:
    item = dict(row._mapping)
    moment = item.get("reviewed_at")
    if isinstance(moment, datetime):
        item["reviewed_at"] = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC))
    return item


class ReviewsMixin:
    """The :class:`~chanjia_nlp.store.Store` methods for users and reviews."""

    engine: Any
    url: str

    # -- users -----------------------------------------------------------------------------

    def add_user(self, name: str, password_hash: str, role: str = "reviewer") -> None:
        """Add a user who may sign in to ``chanjia serve`` (``password_hash`` from
        :func:`chanjia_nlp.serve.auth.hash_password`).

        Raises:
            ConfigError: a name or role that is not valid.
            StoreError: the user exists already.
        """
        check_user(name, role)
        if self.user(name) is not None:
            raise StoreError(f"there is a user {name} already; choose another name")
        try:
            with self._writing(f"cannot add user {name}") as conn:  # type: ignore[attr-defined]
                conn.execute(users.insert().values(name=name, password_hash=password_hash, role=role,
                                                   created_at=datetime.now(UTC)))
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                raise StoreError(f"there is a user {name} already; choose another name") from None
            raise

    def user(self, name: str) -> dict[str, Any] | None:
        """The user ``name`` (``name``, ``password_hash``, ``role``), or ``None``."""
        with self._reading("cannot read users") as conn:  # type: ignore[attr-defined]
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return dict(row._mapping) if row is not None else None

    def users(self) -> list[dict[str, Any]]:
        """Every user (name, role, created_at), by name; no password hashes."""
        u = users.c
        with self._reading("cannot read users") as conn:  # type: ignore[attr-defined]
            return [dict(r._mapping) for r in conn.execute(select(u.name, u.role, u.created_at).order_by(u.name))]

    # -- reviews ---------------------------------------------------------------------------

    def figure(self, doc_id: str, start: int, end: int) -> dict[str, Any] | None:
        """The current quantity at ``doc_id``, ``start``–``end`` (a record dict with its
        document's ``title``), with ``version`` (decisions so far) and ``reviewed`` (it as the
        latest decision leaves it, ``None`` when rejected); ``None`` when there is no such figure."""
        from .database import MAPPERS

        mapper = MAPPERS["quantity"]
        q = quantities.c
        with self._reading("cannot read the figure") as conn:  # type: ignore[attr-defined]
            row = conn.execute(
                select(*mapper.columns(), documents.c.title, documents.c.text.label("document_text"))
                .join_from(quantities, documents, documents.c.version_id == q.version_id)
                .where(q.doc_id == doc_id, q.start == start, q.end == end, q.superseded_by.is_(None), CURRENT)
            ).first()
            if row is None:
                return None
            history = self._history(conn, doc_id, start, end)
        record = mapper.to_record(row)
        record["title"] = row.title
        record["document_text"] = row.document_text
        latest = history[-1] if history else None
        record["version"] = latest["version"] if latest else 0
        record["latest_review"] = latest
        record["reviewed"] = apply_review(record, latest)
        return record

    def reviews(self, doc_id: str | None = None, start: int | None = None, end: int | None = None,
                reviewer: str | None = None) -> list[dict[str, Any]]:
        """Review decisions, oldest first (of one figure with ``doc_id``, ``start``, ``end``)."""
        r = reviews.c
        query = select(reviews).order_by(r.id)
        if doc_id is not None:
            query = query.where(r.doc_id == doc_id)
        if start is not None:
            query = query.where(r.start == start)
        if end is not None:
            query = query.where(r.end == end)
        if reviewer is not None:
            query = query.where(r.reviewer == reviewer)
        with self._reading("cannot read reviews") as conn:  # type: ignore[attr-defined]
            return [_review_dict(row) for row in conn.execute(query)]

    def _history(self, conn: Connection, doc_id: str, start: int, end: int) -> list[dict[str, Any]]:
        r = reviews.c
        found = conn.execute(
            select(reviews).where(r.doc_id == doc_id, r.start == start, r.end == end).order_by(r.version)
        )
        return [_review_dict(row) for row in found]

    def latest_reviews(self, doc_ids: Iterable[str] | None = None) -> dict[tuple[str, int, int], dict[str, Any]]:
        """The latest decision on each reviewed figure, by ``(doc_id, start, end)`` (a new dict;
        the decision dicts are shared with the store's cache: do not change them)."""
        latest = self.latest_reviews_state()[1]
        if doc_ids is None:
            return dict(latest)
        wanted = set(doc_ids)
        return {key: review for key, review in latest.items() if key[0] in wanted}

    def latest_reviews_state(self) -> tuple[tuple[int, Any], dict[tuple[str, int, int], dict[str, Any]]]:
        """``(token, latest)``: :meth:`latest_reviews` (the store's cached dict itself: do not
        change it) and a token that changes whenever a decision is added, to key what is made
        from them."""
        count, top, latest = self._latest_cached(reviews, lambda row: (row.doc_id, row.start, row.end))
        return (count, top), latest

    def _latest_cached(self, table: Any, key: Callable[[Any], Any]) -> tuple[int, Any, dict[Any, dict[str, Any]]]:
        """The latest decision per key of a table of decisions (``reviews`` or ``finding_reviews``),
        read again only as far as it grew: decisions are never updated or deleted, so the rows
        with ids above the last one read are all that is new, unless a transaction that took a
        lower id committed later (PostgreSQL, reviewers deciding at once): then the count
        disagrees, and the ids are read to find the rows not read yet (all rows again only if one
        went missing). What the server asks on every page view costs one ``count(*), max(id)``
        query."""
        import threading

        cache: dict[str, Any] = self.__dict__.setdefault("_latest_cache", {"lock": threading.Lock()})
        t = table.c
        with self._reading("cannot read reviews") as conn:  # type: ignore[attr-defined]
            count, top = conn.execute(select(func.count(), func.max(t.id)).select_from(table)).one()
            with cache["lock"]:
                known = cache.get(table.name)
                if known is not None and known[0] == count and known[1] == top:
                    return known  # type: ignore[no-any-return]
                seen: set[int] = cache.setdefault(table.name + "#ids", set())
                newer = None
                if known is not None and top is not None and known[1] is not None and top > known[1]:
                    newer = [_review_dict(row) | {"_key": key(row)}
                             for row in conn.execute(select(table).where(t.id > known[1]).order_by(t.id))]
                    if known[0] + len(newer) != count:
                        newer = None  # a lower id committed late
                if newer is None and known is not None:
                    ids = set(conn.execute(select(t.id)).scalars())
                    if seen <= ids:  # the rows not read yet, by their ids
                        missing = sorted(ids - seen)
                        newer = [_review_dict(row) | {"_key": key(row)} for at in range(0, len(missing), 500)
                                 for row in conn.execute(select(table).where(t.id.in_(missing[at : at + 500])))]
                        count, top = len(ids), max(ids, default=None)
                if newer is None:  # the first read, or rows went missing: all of them
                    latest: dict[Any, dict[str, Any]] = {}
                    rows = [_review_dict(row) | {"_key": key(row)} for row in conn.execute(select(table))]
                    count, top = len(rows), max((row["id"] for row in rows), default=None)
                    seen.clear()
                else:
                    latest, rows = dict(known[2]), newer  # type: ignore[index]
                for row in rows:
                    seen.add(row["id"])
                    at = row.pop("_key")
                    if at not in latest or latest[at]["version"] < row["version"]:
                        latest[at] = row
                cache[table.name] = (count, top, latest)
                return count, top, latest

    def review(
        self,
        doc_id: str,
        start: int,
        end: int,
        action: str,
        *,
        reviewer: str,
        based_on: int,
        changes: Mapping[str, Any] | None = None,
        note: str | None = None,
        source: str = "serve",
        reviewed_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Store one decision on a figure and return it (with its ``version``).

        ``based_on`` is the version the reviewer saw (:meth:`figure`'s ``version``); ``changes``
        the corrected fields (:data:`EDITABLE`), for ``correct`` only.

        Raises:
            ConfigError: an unknown action, a correction without changes, a field that is not valid.
            StoreError: there is no such figure.
            ReviewConflict: someone decided on the figure since ``based_on``; nothing is stored.
        """
        _check_decision(action, based_on, note, "figure")
        fixed = _checked_changes(action, check_changes(changes or {}), EDITABLE)
        from .database import MAPPERS

        mapper = MAPPERS["quantity"]
        q, r = quantities.c, reviews.c
        moment = reviewed_at or datetime.now(UTC)
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    row = conn.execute(
                        select(*mapper.columns()).where(
                            q.doc_id == doc_id, q.start == start, q.end == end, q.superseded_by.is_(None))
                    ).first()
                    if row is None:
                        raise StoreError(f"there is no figure at {doc_id[:12]}… {start}–{end}; "
                                         "reload the page (the document may have been extracted again)")
                    record = mapper.to_record(row)
                    history = self._history(conn, doc_id, start, end)
                    latest = history[-1] if history else None
                    current = latest["version"] if latest else 0
                    if current != based_on:
                        raise ReviewConflict(_conflict_message(latest, based_on), latest)
                    before = snapshot(apply_review(record, latest) or record)
                    if action == "reject":
                        after = None
                    else:
                        after = dict(before)
                        after.update(fixed)
                        if "value" in fixed or "qualifier" in fixed:
                            if after.get("qualifier") in ("range", "vague") and "value" in fixed:
                                raise ReviewInvalid("a range or vague amount has no single value; "
                                                    "choose another qualifier or leave the value out", "range_value")
                            after["low"], after["high"] = interval(after.get("value"), after.get("qualifier"))
                        if after.get("indicator"):
                            after["claim"] = True
                    values = dict(doc_id=doc_id, path=record["path"], start=start, end=end, text=record["text"],
                                  version=based_on + 1, action=action, reviewer=reviewer, reviewed_at=moment,
                                  before=before, after=after, note=note or None, source=source)
                    key = conn.execute(reviews.insert().values(**values).returning(r.id)).scalar()
        except IntegrityError:
            latest = self._latest_of(doc_id, start, end)
            raise ReviewConflict(_conflict_message(latest, based_on), latest) from None
        except SQLAlchemyError as exc:
            from .database import failure_reason

            raise StoreError(f"cannot store the review: {failure_reason(exc)}") from exc
        return {"id": key, **values}

    def current_doc_ids(self, paths: Iterable[str]) -> dict[str, str]:
        """The ``doc_id`` of the current document at each display path of ``paths`` that has one."""
        wanted = sorted({p for p in paths if isinstance(p, str)})
        found: dict[str, str] = {}
        d = documents.c
        with self._reading("cannot read documents") as conn:  # type: ignore[attr-defined]
            for at in range(0, len(wanted), 500):
                rows = conn.execute(select(d.path, d.doc_id).where(CURRENT, d.duplicate_of.is_(None),
                                                                  d.path.in_(wanted[at : at + 500])))
                found.update({path: doc_id for path, doc_id in rows})
        return found

    def claim_counts(self) -> list[tuple[str | None, str | None, int]]:
        """``(subject_code, year, claims)`` of the current claims as extracted, for a quick listing."""
        q = quantities.c
        year = func.substr(q.period, 1, 4)
        with self._reading("cannot read claims") as conn:  # type: ignore[attr-defined]
            rows = conn.execute(select(q.subject_code, year, func.count()).where(q.claim.is_(True), q.superseded_by.is_(None))
                                .group_by(q.subject_code, year))
            return [(code, when, int(n)) for code, when, n in rows]

    def findings_page(self, offset: int = 0, limit: int = 200, *, check: str | None = None,
                      codes: Iterable[str] | None = None) -> tuple[list[dict[str, Any]], int]:
        """One page of the stored findings in the order they were first written (of one ``check``,
        about the division ``codes``): ``(findings, total)``.

        Raises:
            ConfigError: an unknown check.
        """
        from ..records import CHECKS
        from .database import FINDINGS

        f = findings.c
        query = select(f.run_id, *FINDINGS.columns())
        if check is not None:
            if check not in CHECKS:
                raise ConfigError(value_invalid_msg("check", check, CHECKS))
            query = query.where(f.check == check)
        if codes is not None:
            query = query.where(f.subject_code.in_(sorted(codes)))
        with self._reading("cannot read findings") as conn:  # type: ignore[attr-defined]
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
            rows = conn.execute(query.order_by(f.id).offset(offset).limit(limit)).all()
        out = []
        for row in rows:
            found = FINDINGS.to_record(row)
            found["run_id"] = row.run_id
            out.append(found)
        return out, int(total)

    # -- reviews of 台账 findings ---------------------------------------------------------------

    def finding(self, finding_id: str) -> dict[str, Any] | None:
        """The stored finding ``finding_id`` with ``version`` (decisions so far), ``latest_review``
        and ``reviewed`` (it as the latest decision leaves it); ``None`` when there is none."""
        from .database import FINDINGS

        with self._reading("cannot read the finding") as conn:  # type: ignore[attr-defined]
            row = conn.execute(select(*FINDINGS.columns()).where(findings.c.finding_id == finding_id)).first()
            if row is None:
                return None
            history = self._finding_history(conn, finding_id)
        found = FINDINGS.to_record(row)
        latest = history[-1] if history else None
        found["version"] = latest["version"] if latest else 0
        found["latest_review"] = latest
        found["reviewed"] = apply_finding_review(found, latest)
        return found

    def finding_reviews(self, finding_id: str | None = None) -> list[dict[str, Any]]:
        """Decisions on findings, oldest first (of one finding with ``finding_id``)."""
        r = finding_reviews.c
        query = select(finding_reviews).order_by(r.id)
        if finding_id is not None:
            query = query.where(r.finding_id == finding_id)
        with self._reading("cannot read finding reviews") as conn:  # type: ignore[attr-defined]
            return [_review_dict(row) for row in conn.execute(query)]

    def latest_finding_reviews(self, finding_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The latest decision on each reviewed finding, by ``finding_id`` (a new dict; the
        decision dicts are shared with the store's cache: do not change them)."""
        latest = self._latest_cached(finding_reviews, lambda row: row.finding_id)[2]
        if finding_ids is None:
            return dict(latest)
        return {ident: latest[ident] for ident in set(finding_ids) if ident in latest}

    def latest_finding_reviews_state(self) -> tuple[tuple[int, Any], dict[str, dict[str, Any]]]:
        """``(token, latest)``: :meth:`latest_finding_reviews` (the store's cached dict itself: do
        not change it) and a token that changes whenever a decision on a finding is added."""
        count, top, latest = self._latest_cached(finding_reviews, lambda row: row.finding_id)
        return (count, top), latest

    def _finding_history(self, conn: Connection, finding_id: str) -> list[dict[str, Any]]:
        r = finding_reviews.c
        found = conn.execute(select(finding_reviews).where(r.finding_id == finding_id).order_by(r.version))
        return [_review_dict(row) for row in found]

    def review_finding(
        self,
        finding_id: str,
        action: str,
        *,
        reviewer: str,
        based_on: int,
        changes: Mapping[str, Any] | None = None,
        note: str | None = None,
        source: str = "serve",
        reviewed_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Store one decision on a 台账 finding and return it (with its ``version``), as
        :meth:`review` does for a figure: ``based_on`` is the version the reviewer saw,
        ``changes`` the corrected fields (:data:`FINDING_EDITABLE`), for ``correct`` only.

        Raises:
            ConfigError: an unknown action, a correction without changes, a field that is not valid.
            StoreError: there is no such finding.
            ReviewConflict: someone decided on the finding since ``based_on``; nothing is stored.
        """
        from .database import FINDINGS

        _check_decision(action, based_on, note, "finding")
        fixed = _checked_changes(action, check_finding_changes(changes or {}), FINDING_EDITABLE)
        moment = reviewed_at or datetime.now(UTC)
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    row = conn.execute(select(*FINDINGS.columns()).where(findings.c.finding_id == finding_id)).first()
                    if row is None:
                        raise StoreError(f"there is no finding {finding_id[:12]}…; reload the page "
                                         "(the 台账 may have been checked again)")
                    history = self._finding_history(conn, finding_id)
                    latest = history[-1] if history else None
                    current = latest["version"] if latest else 0
                    if current != based_on:
                        raise ReviewConflict(_conflict_message(latest, based_on), latest)
                    before = finding_snapshot(apply_finding_review(FINDINGS.to_record(row), latest))
                    after = None if action == "reject" else {**before, **fixed}
                    if after is not None and ("expected" in fixed or "observed" in fixed):
                        if after.get("expected") is not None and after.get("observed") is not None:
                            after["gap"] = format(Decimal(after["observed"]) - Decimal(after["expected"]), "f")
                    values = dict(finding_id=finding_id, version=based_on + 1, action=action, reviewer=reviewer,
                                  reviewed_at=moment, before=before, after=after, note=note or None, source=source)
                    key = conn.execute(finding_reviews.insert().values(**values).returning(finding_reviews.c.id)).scalar()
        except IntegrityError:
            with self._reading("cannot read finding reviews") as conn:  # type: ignore[attr-defined]
                history = self._finding_history(conn, finding_id)
            latest = history[-1] if history else None
            raise ReviewConflict(_conflict_message(latest, based_on), latest) from None
        except SQLAlchemyError as exc:
            from .database import failure_reason

            raise StoreError(f"cannot store the review: {failure_reason(exc)}") from exc
        return {"id": key, **values}

    def _latest_of(self, doc_id: str, start: int, end: int) -> dict[str, Any] | None:
        with self._reading("cannot read reviews") as conn:  # type: ignore[attr-defined]
            history = self._history(conn, doc_id, start, end)
        return history[-1] if history else None


def _conflict_message(latest: Mapping[str, Any] | None, based_on: int) -> str:
    if latest is None:
        return "this figure's reviews changed since you opened it; reload it and decide again"
    when = latest["reviewed_at"].strftime("%Y-%m-%d %H:%M") if isinstance(latest.get("reviewed_at"), datetime) else ""
    return (f"{latest['reviewer']} already decided on this figure ({latest['action']}, {when} UTC) after the version "
            f"you saw; nothing was overwritten: reload it, look at their decision and decide again")


def matches(record: Mapping[str, Any], *, indicator: str | None = None, subject: str | None = None,
            period: str | None = None, level: str | None = None, doc_id: str | None = None,
            targets: str = "include", subject_exact: bool = False) -> bool:
    """Whether a (reviewed) claim passes the filters of :meth:`Store.claims`, as its SQL would."""
    if record.get("claim") is not True:
        return False
    if indicator is not None and record.get("indicator") != indicator:
        return False
    got = record.get("period") or ""
    if period is not None and not (got == period or got.startswith(f"{period}-")):
        return False
    if level is not None and record.get("level") != level:
        return False
    if level is not None and level not in LEVELS:
        return False
    if doc_id is not None and record.get("doc_id") != doc_id:
        return False
    planned = record.get("target") is True
    if (targets == "exclude" and planned) or (targets == "only" and not planned):
        return False
    if subject is not None:
        written = record.get("subject") or ""
        if subject_exact:
            return subject in written
        from ..subjects import codes_under, resolve_region

        region = resolve_region(subject)
        if region is None:
            return subject in written or subject in (record.get("subject_name") or "")
        return record.get("subject_code") in codes_under(region.code)
    return True


def _check_decision(action: str, based_on: Any, note: str | None, what: str) -> None:
    """The checks every decision passes, on a figure or a finding (:class:`ConfigError` at once)."""
    if action not in ACTIONS:
        raise _invalid("action", action, ACTIONS)
    if not isinstance(based_on, int) or isinstance(based_on, bool) or based_on < 0:
        raise ReviewInvalid(f"based_on = {based_on!r} is invalid; give the {what}'s version (0 before any review)",
                            "based_on", value=based_on)
    if note is not None and len(note) > 4000:
        raise ReviewInvalid("the note is longer than 4000 characters; shorten it", "note")


def _checked_changes(action: str, fixed: dict[str, Any], editable: Sequence[str]) -> dict[str, Any]:
    """``fixed``, the checked corrections: a correction needs some, other actions take none."""
    if action == "correct" and not fixed:
        raise ReviewInvalid("a correction needs at least one changed field: " + ", ".join(editable), "no_changes",
                            fields=tuple(editable))
    if action != "correct" and fixed:
        raise ReviewInvalid(f"{action} takes no changed fields; use correct to change {', '.join(sorted(fixed))}",
                            "changes_not_taken", action=action, fields=tuple(sorted(fixed)))
    return fixed
