"""``chanjia serve``, ``chanjia users`` and ``chanjia reviews``: review figures, with accounts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
def serve(db: str, schema: str | None, host: str, port: int, allow_remote: bool, insecure_cookies: bool) -> None:
    """Serve the database as a web app where reviewers confirm, correct or reject each figure.

    Sign in with an account made by `chanjia users add NAME`. The documents, the claims, the
    assessment table (reviewed values win) and the cross-check findings; each figure's page has
    the review forms and its history. Stop it with Ctrl-C.

    Example:

    \b
        chanjia users add alice
        chanjia serve --db chanjia.sqlite            # then open http://127.0.0.1:8765/
    """
    _need_serve_extra()
    from . import check_host, create_app

    check_host(host, allow_remote)
    app = create_app(db, schema=schema, secure_cookies=not insecure_cookies)
    store = app.state.store
    if not store.users():
        click.echo(f"warning: {store.url} has no users yet; add one with chanjia users add NAME --db {db}", err=True)
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {store.url} on http://{shown}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)


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
    `scripts/train_binder.py --extra-gold OUT`.

    Example:

    \b
        chanjia reviews export --db chanjia.sqlite --out reviewed-gold
    """
    from .gold import export_gold

    if out.exists() and any(out.iterdir()) and not (out / "gold").is_dir():
        raise ConfigError(f"{out} is a folder with other files in it; give a new or empty folder")
    with open_store(db, schema=schema, create=False) as st:
        counts = export_gold(st, out)
    click.echo(
        f"{counts['figures']} reviewed figures of {counts['documents']} documents ({counts['confirm']} confirmed, "
        f"{counts['correct']} corrected, {counts['reject']} rejected) → {out}/gold",
        err=True,
    )
