"""From what the user gives (a path or a URL) to a configured SQLAlchemy engine.

SQLite connections get WAL (readers never block the writer), a 30 s busy timeout (writers wait
for each other instead of failing), ``synchronous=NORMAL`` (safe with WAL: a crash loses no
committed write; a power cut may lose the last ones, which re-running restores) and foreign keys.
Transactions that write begin with ``BEGIN IMMEDIATE``, so a writer takes the write lock before
it reads what it decides on.

PostgreSQL connections get ``search_path`` set to ``schema=`` and ``synchronous_commit = off``:
a commit returns before its WAL reaches the disk, which halves the cost of a document's
transaction. A crash of the server may lose the last fraction of a second of writes (never
partly: each document is all there or not there) and re-running ``chanjia extract`` restores them.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..errors import ConfigError
from ..errors import StoreError

__all__ = ["BUSY_TIMEOUT_MS", "VALID_FORMS", "WRITE", "json_text", "make_engine"]

#: How long a SQLite writer waits for another one before giving up.
BUSY_TIMEOUT_MS = 30_000
#: Execution option marking a connection whose transactions write (SQLite: ``BEGIN IMMEDIATE``).
WRITE = "chanjia_write"
VALID_FORMS = (
    "a SQLite file path (chanjia.sqlite), sqlite:///PATH, "
    "or postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
)
RE_SCHEMA = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def make_engine(
    target: str | os.PathLike[str], *, schema: str | None = None, create: bool = True,
    readonly: bool | Literal["immutable"] = False,
) -> tuple[Engine, str]:
    """The engine for ``target`` and how to name it in messages (no password). ``readonly``
    opens a SQLite file read-only (``mode=ro``), and as an immutable file when even that needs
    a write (a WAL database in a read-only folder has no ``-shm`` file to share).

    Raises:
        ConfigError: a URL that is not one of :data:`VALID_FORMS`, or ``schema`` with SQLite.
        StoreError: ``create=False`` and there is no SQLite file at ``target``.
    """
    url = _url(target)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        if schema is not None:
            raise ConfigError(f"`schema` = {schema!r} is for PostgreSQL; a SQLite database has no schemas, leave it out")
        database = url.database or ""
        if database not in ("", ":memory:"):
            shown = database
            if not create and not Path(database).is_file():
                raise StoreError(f"no database at {database}; run chanjia extract first, or give --db")
        if readonly and database not in ("", ":memory:"):
            uri = Path(database).resolve().as_uri() + ("?immutable=1" if readonly == "immutable" else "?mode=ro")
            url = URL.create("sqlite", database=uri, query={"uri": "true"})
        engine = create_engine(url, json_serializer=json_text, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _configure_sqlite_readonly if readonly else _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine, shown
    if schema is not None and not RE_SCHEMA.fullmatch(schema):
        raise ConfigError(f"`schema` = {schema!r} is invalid; it must be a plain identifier such as chanjia or t_2024")
    engine = create_engine(url, json_serializer=json_text)
    event.listen(engine, "connect", _configure_postgresql(schema), insert=True)
    return engine, shown if schema is None else f"{shown} (schema {schema})"


def _url(target: str | os.PathLike[str]) -> URL:
    if isinstance(target, os.PathLike) or "://" not in target:
        path = os.fspath(target)
        if not path:
            raise ConfigError(f"the database is empty; give {VALID_FORMS}")
        return URL.create("sqlite", database=path)
    try:
        url = make_url(target)
    except ArgumentError:
        raise ConfigError(f"cannot read the database URL {target!r}; give {VALID_FORMS}") from None
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url
    if url.drivername in ("postgresql", "postgresql+psycopg"):  # psycopg 3 is the driver we ship
        return url.set(drivername="postgresql+psycopg")
    raise ConfigError(f"the database URL {url.drivername}://… is not supported; give {VALID_FORMS}")


def json_text(value: Any) -> str:
    """A JSON column's value as the database gets it (the engines' ``json_serializer``, and what
    PostgreSQL's COPY of record rows writes): UTF-8 text, not ASCII escapes."""
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # The driver's own transaction handling is off: _begin_sqlite emits BEGIN (the SQLAlchemy
    # recipe for SQLite transactions that behave), so writers can use BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _configure_sqlite_readonly(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    immediate = connection.get_execution_options().get(WRITE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _configure_postgresql(schema: str | None):
    settings = ["SET synchronous_commit = off", *([f'SET search_path TO "{schema}"'] if schema else [])]

    def configure(dbapi_connection: Any, connection_record: Any) -> None:
        # Outside a transaction, so the pool's rollback on checkin does not undo it.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            for setting in settings:
                cursor.execute(setting)
        dbapi_connection.autocommit = autocommit

    return configure
