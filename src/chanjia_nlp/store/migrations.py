"""Schema versions: ordered migrations, recorded in ``schema_version``.

``MIGRATIONS[k - 1]`` brings a database at version ``k - 1`` to version ``k``; version 1 creates
every table. :mod:`.schema` always describes the newest version, so a new database is created
from it directly and stamped with every version; an older database runs the migrations it lacks,
each once. A migration ``k ≥ 2`` (``ALTER TABLE … ADD COLUMN``, a new index) must leave the
database equal to what :mod:`.schema` creates. A database newer than this chanjia refuses to
open: its tables may mean something this version does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.schema import CreateColumn

from ..errors import ConfigError
from .schema import metadata, schema_version

__all__ = ["MIGRATIONS", "Migration", "current_version", "newest_version", "upgrade"]

Migration = Callable[[Connection], None]


def _create_all(connection: Connection) -> None:
    metadata.create_all(connection)


def _add_columns(table: str, *names: str) -> Migration:
    """A migration adding columns of :mod:`.schema`'s ``table`` as it declares them (type and all),
    so the upgraded database equals a new one."""

    def migrate(connection: Connection) -> None:
        declared = metadata.tables[table]
        present = {c["name"] for c in inspect(connection).get_columns(table)}
        quoted = connection.dialect.identifier_preparer.quote(table)
        for name in names:
            if name not in present:
                ddl = CreateColumn(declared.c[name]).compile(dialect=connection.dialect)
                connection.exec_driver_sql(f"ALTER TABLE {quoted} ADD COLUMN {ddl}")

    return migrate


def _subjects(connection: Connection) -> None:
    """Version 4: ``subject_code`` and ``subject_name`` on claims and findings, and an index by
    code; the claims and findings stored before get them (claims from their document's entities,
    so an organisation hangs under the document's main region, as when extracted now)."""
    from sqlalchemy import bindparam, update

    from ..subjects import canonical_subject, document_region
    from .schema import entities, findings, quantities

    _add_columns("quantities", "subject_code", "subject_name")(connection)
    _add_columns("findings", "subject_code", "subject_name")(connection)
    index = next(i for i in quantities.indexes if i.name == "ix_quantities_subject_code")
    index.create(connection, checkfirst=True)
    q, e = quantities.c, entities.c
    claims: dict[int, list[tuple[int, str | None]]] = {}
    for key, version, subject in connection.execute(select(q.id, q.version_id, q.subject).where(q.claim.is_(True))):
        claims.setdefault(version, []).append((key, subject))
    named: dict[int, list[dict[str, str | None]]] = {}
    for version, label, text, normalized in connection.execute(
        select(e.version_id, e.label, e.text, e.normalized).order_by(e.version_id, e.start)
    ):
        if version in claims:
            named.setdefault(version, []).append({"label": label, "text": text, "normalized": normalized})
    rows = []
    for version, found in claims.items():
        region = document_region(named.get(version, ()))
        for key, subject in found:
            code, name = canonical_subject(subject, region)
            rows.append({"key": key, "code": code, "name": name})
    if rows:
        connection.execute(
            update(quantities).where(q.id == bindparam("key"))
            .values(subject_code=bindparam("code"), subject_name=bindparam("name")),
            rows,
        )
    f = findings.c
    rows = [
        {"key": key, "code": code, "name": name}
        for key, subject in connection.execute(select(f.id, f.subject))
        for code, name in [canonical_subject(subject)]
    ]
    if rows:
        connection.execute(
            update(findings).where(f.id == bindparam("key"))
            .values(subject_code=bindparam("code"), subject_name=bindparam("name")),
            rows,
        )


def _reviews(connection: Connection) -> None:
    """Version 5: the ``users`` who may sign in to ``chanjia serve`` and the ``reviews`` they make."""
    from .schema import reviews, users

    users.create(connection, checkfirst=True)
    reviews.create(connection, checkfirst=True)


def _locations(connection: Connection) -> None:
    """Version 6: documents are identified by their location, not their display path.
    ``documents.location`` (the stored display path for what was stored before: the folder it was
    relative to was not recorded; the next run over it takes the version over), ``duplicate_of``
    and ``removed``; ``runs.root``; the unique index of current versions moves from the path to
    the location."""
    from .schema import documents

    _add_columns("documents", "location", "duplicate_of", "removed")(connection)
    _add_columns("runs", "root")(connection)
    d = documents.c
    connection.execute(documents.update().where(d.location.is_(None)).values(location=d.path))
    connection.exec_driver_sql("DROP INDEX IF EXISTS ux_documents_current_path")
    index = next(i for i in documents.indexes if i.name == "ux_documents_current_location")
    index.create(connection, checkfirst=True)


def _finding_reviews(connection: Connection) -> None:
    """Version 8: ``finding_reviews``, every decision on a 台账 finding (confirm, correct, reject),
    the index of claims in page order (its own dialect's) and findings by subject code."""
    from .schema import finding_reviews, findings, quantities

    finding_reviews.create(connection, checkfirst=True)
    name = "ix_quantities_order_c" if connection.dialect.name == "postgresql" else "ix_quantities_order"
    next(i for i in quantities.indexes if i.name == name).create(connection, checkfirst=True)
    next(i for i in findings.indexes if i.name == "ix_findings_subject_code").create(connection, checkfirst=True)


def _findings_stored_at(connection: Connection) -> None:
    """Version 9: an index of findings by ``stored_at``, so asking whether findings changed (the
    newest ``stored_at``) reads one index entry instead of every finding."""
    from .schema import findings

    next(i for i in findings.indexes if i.name == "ix_findings_stored_at").create(connection, checkfirst=True)


def _subject_order(connection: Connection) -> None:
    """Version 10: an index of the claims about each division in page order (its own dialect's),
    so a page of a district's claims reads its rows in order instead of sorting them all."""
    from .schema import quantities

    name = "ix_quantities_subject_order_c" if connection.dialect.name == "postgresql" else "ix_quantities_subject_order"
    next(i for i in quantities.indexes if i.name == name).create(connection, checkfirst=True)


#: ``(description, function)`` in version order.
MIGRATIONS: list[tuple[str, Migration]] = [
    ("create documents, quantities, programmes, entities, findings, runs", _create_all),
    ("add documents.published_source and documents.warnings", _add_columns("documents", "published_source", "warnings")),
    ("add quantities.target and quantities.why (claims planned, not achieved; what decided each field)",
     _add_columns("quantities", "target", "why")),
    ("add subject_code and subject_name to quantities and findings (the division a subject is or hangs under), "
     "filled in for what was stored before", _subjects),
    ("add users (who may sign in to chanjia serve) and reviews (every decision on a figure)", _reviews),
    ("identify documents by location: add documents.location, duplicate_of, removed and runs.root; "
     "one current version per location", _locations),
    ("add documents.ocr (a scan's OCR pages, character boxes and confidences, doubtful spans)",
     _add_columns("documents", "ocr")),
    ("add finding_reviews (every decision on a 台账 finding: confirm, correct or reject), an index of "
     "claims in page order and one of findings by subject code", _finding_reviews),
    ("add an index of findings by stored_at (whether findings changed, at once)", _findings_stored_at),
    ("add an index of the claims about each division in page order", _subject_order),
]


def newest_version() -> int:
    """The schema version this chanjia writes."""
    return len(MIGRATIONS)


def current_version(connection: Connection, *, schema: str | None = None, where: str = "the database") -> int:
    """The version of the database (0 when it has no tables yet).

    Raises:
        ConfigError: the database was made by a newer chanjia.
    """
    if not inspect(connection).has_table(schema_version.name, schema=schema):
        return 0
    found = connection.execute(select(func.max(schema_version.c.version))).scalar() or 0
    if found > newest_version():
        from .. import __version__

        raise ConfigError(
            f"{where} has schema version {found}, newer than chanjia_nlp {__version__} knows "
            f"({newest_version()}); upgrade chanjia_nlp (pip install -U chanjia_nlp)"
        )
    return found


def upgrade(connection: Connection, *, schema: str | None = None, where: str = "the database") -> list[int]:
    """Bring the database to :func:`newest_version` inside the caller's transaction, which must
    hold the write lock (two processes opening a new database must not both create it).
    Returns the versions applied."""
    from .. import __version__

    found = current_version(connection, schema=schema, where=where)
    if found == newest_version():
        return []
    if found == 0:
        _create_all(connection)  # the newest schema at once
    applied = list(range(found + 1, newest_version() + 1))
    now = datetime.now(UTC)
    for version in applied:
        description, migrate = MIGRATIONS[version - 1]
        if found > 0:
            migrate(connection)
        connection.execute(
            schema_version.insert().values(
                version=version, description=description, chanjia_version=__version__, applied_at=now
            )
        )
    return applied
