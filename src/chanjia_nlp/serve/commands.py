"""``chanjia serve``, ``chanjia users`` and ``chanjia reviews``: review figures, with accounts."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import click

from ..errors import ConfigError
from ..store import open as open_store
from ..store.commands import db_options

__all__ = ["reviews", "serve", "users"]


@click.command()
@db_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine needs --allow-remote.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--allow-remote", is_flag=True, help="Allow --host to be reachable from other machines (use HTTPS in front).")
@click.option("--insecure-cookies", is_flag=True,
              help="Send the session cookie over plain HTTP to other machines too (default: Secure, which browsers "
              "also send to 127.0.0.1 and localhost).")
@click.option("--lang", type=click.Choice(("zh", "en")), default="zh", show_default=True,
              help="The language of the pages: Chinese for assessors, or English.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes answering at once (one per CPU core is a good start); they share one "
              "signing key, so a reviewer's session works with each of them.")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="Make every district's page before answering, so that no reviewer waits for its first view.")
def serve(db: str, schema: str | None, host: str, port: int, allow_remote: bool, insecure_cookies: bool,
          lang: str, workers: int, warm: bool) -> None:
    """Serve the database as a web app where reviewers confirm, correct or reject each figure.

    Sign in with an account made by `chanjia users add NAME`. The documents, the claims, the
    assessment table (reviewed values win), a page per district (its table with evidence and
    台账 verdicts, charts, CSV and XLSX export) and the cross-check findings; each figure's and
    each finding's page has the review forms and its history. The pages are in Chinese unless
    --lang en. Stop it with Ctrl-C.

    Example:

    \b
        chanjia users add alice
        chanjia serve --db chanjia.sqlite            # then open http://127.0.0.1:8765/
        chanjia serve --db chanjia.sqlite --lang en  # the pages in English
        chanjia serve --db chanjia.sqlite --workers 4  # four processes for many reviewers at once
    """
    _need_serve_extra()
    import secrets

    from . import check_host, create_app

    check_host(host, allow_remote)
    config: dict[str, Any] = {"db": db, "schema": schema, "secure_cookies": not insecure_cookies, "lang": lang,
              "secret": secrets.token_urlsafe(48), "warm": warm}
    app = create_app(**config)  # opened here too: a bad database or option is refused before any worker starts
    store = app.state.store
    if not store.users():
        click.echo(f"warning: {store.url} has no users yet; add one with chanjia users add NAME --db {db}", err=True)
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    more = f" with {workers} processes" if workers > 1 else ""
    click.echo(f"serving {store.url} on http://{shown}:{port}/{more} (Ctrl-C to stop)", err=True)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False,
                               "server_header": False}
    if workers == 1:
        uvicorn.run(app, **options)
        return
    store.close()
    import os

    # Each worker process makes its app from this (the environment of this server's processes
    # only): the same database, options and session signing key in every one.
    os.environ[_CONFIG_VARIABLE] = json.dumps(config)
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=workers, **options)


#: Where ``chanjia serve --workers N`` hands its configuration to its worker processes.
_CONFIG_VARIABLE = "CHANJIA_SERVE_WORKER_CONFIG"


def app_from_environment() -> Any:
    """The app of one worker process of ``chanjia serve --workers N`` (uvicorn calls this)."""
    import os

    from . import create_app

    return create_app(**json.loads(os.environ[_CONFIG_VARIABLE]))


def _need_serve_extra() -> None:
    try:
        import argon2  # noqa: F401
        import itsdangerous  # noqa: F401
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"the review server needs {exc.name}; pip install 'chanjia_nlp[serve]'") from None


@click.group()
def users() -> None:
    """Accounts that may sign in to `chanjia serve`.

    Example:

    \b
        chanjia users add alice                       # asks for the password
        chanjia users add bob --role viewer --password-stdin < password.txt
        chanjia users list
    """


@users.command("add")
@click.argument("name")
@db_options
@click.option("--role", type=click.Choice(("reviewer", "viewer")), default="reviewer", show_default=True,
              help="Reviewers confirm, correct and reject figures; viewers only look.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def users_add(name: str, db: str, schema: str | None, role: str, password_stdin: bool) -> None:
    """Add an account (the password is asked for, or read with --password-stdin, and stored as an
    argon2 hash).

    Example:

    \b
        chanjia users add alice
        printf '%s\\n' "$PASSWORD" | chanjia users add bob --role viewer --password-stdin
    """
    _need_serve_extra()
    from .auth import hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    digest = hash_password(password)
    with open_store(db, schema=schema, create=False) as st:
        st.add_user(name, digest, role)
    click.echo(f"added {role} {name}", err=True)


@users.command("list")
@db_options
def users_list(db: str, schema: str | None) -> None:
    """List the accounts and their roles."""
    with open_store(db, schema=schema, create=False) as st:
        for user in st.users():
            click.echo(f"{user['name']}\t{user['role']}")


@click.group()
def reviews() -> None:
    """Review decisions made in `chanjia serve`: list them, export them as gold for scoring and training.

    Example:

    \b
        chanjia reviews list --reviewer alice
        chanjia reviews export --format jsonl --out reviewed-gold
    """


@reviews.command("list")
@db_options
@click.option("--reviewer", help="Only this reviewer's decisions.")
def reviews_list(db: str, schema: str | None, reviewer: str | None) -> None:
    """Every decision as one JSON object a line, oldest first."""
    with open_store(db, schema=schema, create=False) as st:
        for item in st.reviews(reviewer=reviewer):
            item["reviewed_at"] = item["reviewed_at"].isoformat()
            click.echo(json.dumps(item, ensure_ascii=False))


@reviews.command("export")
@db_options
@click.option("--format", "fmt", type=click.Choice(("jsonl",)), default="jsonl", show_default=True)
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write gold/<name>.jsonl, texts/<name>.txt and metadata.csv into.")
def reviews_export(db: str, schema: str | None, fmt: str, out: Path) -> None:
    """Write the reviewed figures in the gold format of spec/ANNOTATION.md: score the extractor
    with `score.py PRED.jsonl OUT/gold`, train the binder with
    `scripts/train_binder.py --extra-gold OUT`; and the reviewed 台账 findings, as their latest
    decisions leave them, to OUT/findings.jsonl.

    Example:

    \b
        chanjia reviews export --db chanjia.sqlite --out reviewed-gold
    """
    from .gold import export_findings, export_gold

    if out.exists() and any(out.iterdir()) and not ((out / "gold").is_dir() or (out / "findings.jsonl").is_file()):
        raise ConfigError(f"{out} is a folder with other files in it; give a new or empty folder")
    with open_store(db, schema=schema, create=False) as st:
        counts = export_gold(st, out)
        found = export_findings(st, out)
    click.echo(
        f"{counts['figures']} reviewed figures of {counts['documents']} documents ({counts['confirm']} confirmed, "
        f"{counts['correct']} corrected, {counts['reject']} rejected) → {out}/gold",
        err=True,
    )
    click.echo(
        f"{found['findings']} reviewed 台账 findings ({found['confirm']} confirmed, {found['correct']} corrected, "
        f"{found['reject']} rejected) → {out}/findings.jsonl",
        err=True,
    )


#: What ``chanjia reviews import`` reads: the file the report's "export decisions" button writes.
OFFLINE_FORMAT = "chanjia-offline-reviews"


def _offline_decisions(path: Path) -> tuple[str | None, list[dict[str, Any]]]:
    """The reviewer and the decisions of an offline review file; ConfigError when it is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}; give the file the report's export button wrote") from None
    if not isinstance(data, dict) or data.get("format") != OFFLINE_FORMAT or not isinstance(data.get("decisions"), list):
        raise ConfigError(f"{path} is not a review file of a chanjia report (format {OFFLINE_FORMAT})")
    reviewer = data.get("reviewer") if isinstance(data.get("reviewer"), str) and data.get("reviewer") else None
    return reviewer, data["decisions"]


def _decision_args(item: Any) -> tuple[tuple[str, int, int] | str, str, int, dict[str, Any], str | None,
                                       datetime | None]:
    """One decision's figure (``(doc_id, start, end)``) or 台账 finding (its ``finding_id``), action,
    based_on, changes, note and time, checked for shape (the store checks the values)."""
    if not isinstance(item, dict):
        raise ConfigError("a decision is not a JSON object")
    what: tuple[str, int, int] | str
    if item.get("kind") == "finding":
        what = item.get("finding_id")  # type: ignore[assignment]
        if not isinstance(what, str) or not what:
            raise ConfigError("a decision on a finding does not name it (finding_id)")
    elif item.get("kind", "figure") == "figure":
        doc_id, start, end = item.get("doc_id"), item.get("start"), item.get("end")
        if not isinstance(doc_id, str) or not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)):
            raise ConfigError("a decision does not name its figure (doc_id, start, end)")
        what = (doc_id, cast(int, start), cast(int, end))  # ints: checked above
    else:
        raise ConfigError(f"a decision of kind {item.get('kind')!r}; give figure or finding")
    action = item.get("action")
    changes = item.get("changes") or {}
    if not isinstance(action, str) or not isinstance(changes, dict):
        raise ConfigError("a decision has no action, or changes that are not an object")
    based_on = item.get("based_on", 0)
    note = item.get("note") if isinstance(item.get("note"), str) else None
    moment = None
    if isinstance(item.get("reviewed_at"), str):
        try:
            moment = datetime.fromisoformat(item["reviewed_at"])
        except ValueError:
            raise ConfigError(f"reviewed_at {item['reviewed_at']!r} is no ISO time") from None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return what, action, based_on, changes, note, moment


@reviews.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_options
@click.option("--reviewer", help="Who made the decisions (an account with the reviewer role); "
              "default: the name typed in the report.")
def reviews_import(file: Path, db: str, schema: str | None, reviewer: str | None) -> None:
    """Store the decisions made offline in an HTML report (its "export decisions" file: on
    figures and on 台账 findings) in the database, with the checks `chanjia serve` makes: the
    reviewer must be an account with the reviewer role, each correction must be valid, and a
    decision on a figure or finding someone decided on since the report was written is refused,
    never stored over theirs. The other decisions
    are stored; the exit status is 1 when any was refused.

    Example:

    \b
        chanjia reviews import chanjia-reviews-1a2b.json --db chanjia.sqlite
    """
    from ..errors import StoreError
    from ..outputs import visible
    from ..store.reviews import ReviewConflict

    named, decisions = _offline_decisions(file)
    name = reviewer or named
    if not name:
        raise ConfigError(f"{file} names no reviewer; give --reviewer NAME (an account made with chanjia users add)")
    stored = refused = 0
    with open_store(db, schema=schema, create=False) as st:
        account = st.user(name)
        if account is None or account["role"] != "reviewer":
            raise ConfigError(f"{visible(name)} is no reviewer here; add the account with "
                              f"chanjia users add {visible(name)} --role reviewer, or give --reviewer")
        for number, item in enumerate(decisions, 1):
            try:
                key, action, based_on, changes, note, moment = _decision_args(item)
                if isinstance(key, str):
                    st.review_finding(key, action, reviewer=name, based_on=based_on, changes=changes, note=note,
                                      source="import", reviewed_at=moment)
                else:
                    st.review(*key, action, reviewer=name, based_on=based_on, changes=changes, note=note,
                              source="import", reviewed_at=moment)
            except (ConfigError, StoreError) as exc:  # ReviewConflict is a StoreError
                refused += 1
                if isinstance(item, dict) and item.get("kind") == "finding":
                    what = f"台账 {item.get('ledger') or ''} ({str(item.get('finding_id'))[:12]})"
                elif isinstance(item, dict):
                    what = f"{item.get('path')} “{item.get('text')}”"
                else:
                    what = f"decision {number}"
                kind = "refused (someone decided on it since)" if isinstance(exc, ReviewConflict) else "refused"
                click.echo(f"warning: {visible(str(what))}: {kind}: {visible(str(exc))}", err=True)
            else:
                stored += 1
    click.echo(f"{stored} decisions stored, {refused} refused ({name}, from {file.name})", err=True)
    if refused:
        raise SystemExit(1)
