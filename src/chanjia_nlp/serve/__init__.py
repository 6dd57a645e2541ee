"""``chanjia serve``: a small web app where assessors review every figure of the database.

Starlette (run by uvicorn), the project's Jinja2 with autoescape on, no script at all in the
pages (plain HTML forms; the Content-Security-Policy allows none). The pages speak Chinese
(``lang="zh"``, the report's words of :mod:`chanjia_nlp.report.i18n`) or English. Views: the
documents (each with its figures linked in the text), the claims (filtered by subject, indicator
and period), the assessment table (reviewed values win, ``reviewed by NAME``), a page per
district (its rows by indicator and year with evidence and 台账 verdicts, charts with stocks and
flows apart, a help panel, CSV and XLSX downloads of the filtered rows) and the cross-check
findings. Each figure and each 台账 finding has a page with its context, the forms to confirm,
correct or reject it with a note, and its history of decisions.

Security: no page or API answers without a session (pages redirect to ``/login``, ``/api/…``
answers 401); sessions are a signed cookie (HttpOnly, SameSite=Strict, Secure unless
``secure_cookies=False``) that expires after 12 hours; every POST carries the session's CSRF
token (403 without it); viewers may look but not decide (403). A decision names the version of the
figure it was based on: a stale one is refused with 409 and the other reviewer's decision shown,
and the form keeps what was typed.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from ..errors import ChanjiaError, ConfigError, StoreError
from ..report.i18n import LANGUAGES, finding_message, refusal, serve_words, shown_value
from ..store.memo import Memo
from .auth import csrf_token, same_token, verify_password

__all__ = ["check_host", "create_app"]

SESSION_SECONDS = 12 * 3600
PAGE = 200
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
_PUBLIC = ("/login", "/favicon.ico")
#: How long ``chanjia serve`` makes district pages before it answers (the biggest districts first).
WARM_SECONDS = 15.0


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse to listen beyond this machine unless asked to.

    Raises:
        ConfigError: ``host`` is not a loopback address and ``allow_remote`` is false.
    """
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise ConfigError(
            f"--host {host} would let other machines reach the review server; give --allow-remote as well "
            "(and put it behind HTTPS), or keep the default 127.0.0.1"
        )


@functools.cache
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("chanjia_nlp", "serve/templates"),
        autoescape=True,  # every value is escaped, whatever template or suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["shown"] = lambda row, name="value": (
        shown_value(row.get(name), kind=row.get("kind"), unit=row.get("unit"), currency=row.get("currency")) or "")
    env.filters["urlpart"] = lambda text: quote(str(text), safe="")
    env.filters["message"] = finding_message  # a cross-check's sentence in the page's language
    return env


def _number(value: Any) -> str:
    """A decimal with thousands separators: ``2650000`` → ``2,650,000``."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = format(number, "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    grouped = f"{int(whole):,}" if whole.isdigit() else whole
    return sign + grouped + (f".{frac}" if frac else "")


def _indicator_names() -> dict[str, str]:
    from .._lexicon import indicators

    found = indicators()
    return {ident: found.by_id[ident].name_zh for ident in found.ids}


def create_app(db: str, *, schema: str | None = None, secret: str | None = None, secure_cookies: bool = True,
               lang: str = "zh", warm: bool = False) -> Any:
    """The Starlette app serving the database ``db``, its pages in ``lang`` (``zh`` or ``en``).
    ``warm``: when the app starts, before it answers, make the pages of the biggest districts
    (for up to :data:`WARM_SECONDS`; the others on their first view) and take what was made out of
    the garbage collector's sight (``gc.freeze``).

    Raises:
        ConfigError: a language that is not one of :data:`~chanjia_nlp.report.i18n.LANGUAGES`.
        StoreError: there is no database at ``db``.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.routing import Route

    from .. import store

    if lang not in LANGUAGES:
        from ..errors import value_invalid_msg

        raise ConfigError(value_invalid_msg("lang", lang, LANGUAGES))
    opened = store.open(db, schema=schema, create=False)
    views = _Views(opened, lang)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        if warm:
            import gc

            views.warm()
            # What was made is kept for long: out of the collector's sight, so that a full
            # collection (180 ms with 50 districts kept, every thread waiting) does not walk it
            gc.collect()
            gc.freeze()
        yield
        opened.close()

    routes = [
        Route("/", views.home),
        Route("/login", views.login, methods=["GET", "POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        Route("/documents", views.documents),
        Route("/documents/{doc_id}", views.document),
        Route("/claims", views.claims),
        Route("/figure/{doc_id}/{start:int}/{end:int}", views.figure, methods=["GET", "POST"]),
        Route("/table", views.table),
        Route("/findings", views.findings),
        Route("/finding/{finding_id}", views.finding, methods=["GET", "POST"]),
        Route("/districts", views.districts),
        Route("/district/{code}", views.district),
        Route("/district/{code}/export.{fmt}", views.district_export),
        Route("/api/claims", views.api_claims),
        Route("/api/figure/{doc_id}/{start:int}/{end:int}", views.api_figure, methods=["GET", "POST"]),
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=secret or secrets.token_urlsafe(48), session_cookie="chanjia_session",
                   max_age=SESSION_SECONDS, same_site="strict", https_only=secure_cookies),
        Middleware(_Guard, csrf_message=views.s["csrf"], sign_in_message=views.s["api_sign_in"]),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.store = opened
    return app


class _Guard:
    """Pure ASGI middleware: a session for everything but the sign-in page, CSRF on every POST,
    and the security headers on every answer."""

    def __init__(self, app: Any, csrf_message: str, sign_in_message: str) -> None:
        self.app = app
        self.csrf_message = csrf_message
        self.sign_in_message = sign_in_message

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request
        from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for name, value in (("content-security-policy", CSP), ("x-content-type-options", "nosniff"),
                                    ("referrer-policy", "no-referrer"), ("x-frame-options", "DENY"),
                                    ("cache-control", "no-store")):
                    headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        request = Request(scope, receive)
        session = scope["session"]
        if "csrf" not in session:
            session["csrf"] = csrf_token()
        path = scope["path"]
        api = path.startswith("/api/")
        if path not in _PUBLIC and not session.get("user"):
            if api:
                response: Any = JSONResponse({"error": self.sign_in_message}, status_code=401)
            else:
                response = RedirectResponse("/login?" + urlencode({"next": path}), status_code=303)
            await response(scope, receive, send_with_headers)
            return
        if scope["method"] == "POST":
            given: object = request.headers.get("x-csrf-token")
            if given is None and request.headers.get("content-type", "").startswith(
                    ("application/x-www-form-urlencoded", "multipart/form-data")):
                form = await request.form()
                given = form.get("csrf")
                scope["chanjia.form"] = form  # read once; the view takes it from here
            if not same_token(session.get("csrf"), given):
                message = self.csrf_message
                response = JSONResponse({"error": message}, status_code=403) if api else PlainTextResponse(message, 403)
                await response(scope, receive, send_with_headers)
                return
        await self.app(scope, receive, send_with_headers)


async def _form(request: Any) -> Mapping[str, Any]:
    return request.scope.get("chanjia.form") or await request.form()


class _Views:
    def __init__(self, opened: Any, lang: str) -> None:
        self.store = opened
        self.lang = lang
        self.w = serve_words(lang)
        self.w["indicator_names"] = _indicator_names()
        self.s: dict[str, str] = self.w["serve"]
        self._districts: Memo[tuple[list[dict[str, Any]], str]] = Memo(256)
        self._district_findings: Memo[str] = Memo(256)
        self._ledgers: Memo[list[dict[str, Any]]] = Memo(256)

    # -- helpers ---------------------------------------------------------------------------

    def user(self, request: Any) -> dict[str, Any] | None:
        name = request.session.get("user")
        found = self.store.user(name) if name else None
        return found

    def page(self, request: Any, template: str, status: int = 200, **context: Any) -> Any:
        from starlette.responses import HTMLResponse

        user = self.user(request)
        context.setdefault("title", self.s["sign_in"] if template.startswith("login") else self.s["app"])
        html = _environment().get_template(template).render(
            user=user, csrf=request.session.get("csrf", ""), path=request.url.path,
            indicator_names=self.w["indicator_names"], s=self.s, w=self.w, lang=self.lang, **context,
        )
        return HTMLResponse(html, status_code=status)

    def refused(self, request: Any, message: str, status: int) -> Any:
        if request.url.path.startswith("/api/"):
            from starlette.responses import JSONResponse

            return JSONResponse({"error": message}, status_code=status)
        return self.page(request, "message.html.j2", status=status, message=message, title=self.s["refused"])

    # -- sign in ---------------------------------------------------------------------------

    async def home(self, request: Any) -> Any:
        from starlette.responses import RedirectResponse

        return RedirectResponse("/claims", status_code=303)

    async def login(self, request: Any) -> Any:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import RedirectResponse

        target = request.query_params.get("next") or "/claims"
        if not target.startswith("/") or target.startswith("//"):
            target = "/claims"  # never off this site
        if request.method == "GET":
            return self.page(request, "login.html.j2", error=None, next=target, name="")
        form = await _form(request)
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        found = await run_in_threadpool(self.store.user, name) if name else None
        ok = await run_in_threadpool(verify_password, found["password_hash"] if found else None, password)
        if not ok or found is None:
            return self.page(request, "login.html.j2", status=401, error=self.s["wrong_password"], next=target,
                             name=name)
        request.session.clear()
        request.session.update(user=found["name"], csrf=csrf_token())  # a new token for the new session
        return RedirectResponse(target, status_code=303)

    async def logout(self, request: Any) -> Any:
        from starlette.responses import RedirectResponse

        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # -- views -----------------------------------------------------------------------------

    def documents(self, request: Any) -> Any:
        frame = self.store.documents()
        rows = frame.to_dict("records")
        return self.page(request, "documents.html.j2", documents=rows, title=self.s["documents"])

    def document(self, request: Any) -> Any:
        doc_id = request.path_params["doc_id"]
        docs = [d for d in self.store.records(types=["document"], doc_ids=[doc_id])]
        if not docs:
            return self.refused(request, self.s["no_figure"], 404)
        doc = docs[0]
        claims = self.store.claims(doc_id=doc_id)
        latest = self.store.latest_reviews(doc_ids=[doc_id])
        figures = []
        for record in self.store.records(types=["quantity"], doc_ids=[doc_id]):
            if record.get("claim"):
                review = latest.get((doc_id, record["start"], record["end"]))
                figures.append((record, review))
        segments = _segments(doc.get("text") or "", figures)
        return self.page(request, "document.html.j2", doc=doc, segments=segments, claims=len(claims),
                         title=doc.get("title") or doc.get("path"))

    def claims(self, request: Any) -> Any:
        params = request.query_params
        filters = {name: (params.get(name) or "").strip() or None for name in ("subject", "indicator", "period")}
        error = None
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            page = 1
        try:  # one page read from the database, not every claim
            shown, total = self.store.claims_page((page - 1) * PAGE, PAGE, **filters)
        except ConfigError as exc:
            error, shown, total = self._filter_error(exc, filters), [], 0
        query = {k: v for k, v in filters.items() if v}
        return self.page(request, "claims.html.j2", rows=shown, total=total, page=page, pages=max(1, -(-total // PAGE)),
                         filters=filters, query=urlencode(query), error=error, title=self.s["claims"])

    def table(self, request: Any) -> Any:
        from .district import district_rows

        params = request.query_params
        by = params.get("by") or "district"
        year = (params.get("year") or "").strip() or None
        subject = (params.get("subject") or "").strip() or None
        error = None
        try:
            frame = self.store.table(by=by, year=year, subject=subject)
            rows = frame.to_dict("records")
        except ConfigError as exc:
            error, rows = self._filter_error(exc, {"by": by, "year": year, "subject": subject}), []
        rows = district_rows(rows, self._ledger())  # the 台账 verdicts as reviewed, with their findings
        doc_ids = self.store.current_doc_ids(row.get("path") for row in rows)
        for row in rows:
            row["doc_id"] = doc_ids.get(row.get("path"))
            evidence = row.get("evidence") or []
            row["end"] = evidence[0]["end"] if len(evidence) == 1 else None
        return self.page(request, "table.html.j2", rows=rows, by=by, year=year or "", subject=subject or "",
                         error=error, title=self.s["table"])

    def _ledger(self, region: str | None = None) -> list[dict[str, Any]]:
        """The ledger findings (of the region with the division code ``region``), as their reviews
        leave them."""
        if region is None:
            found = list(self.store.findings(check="ledger"))
        else:
            found = self.store.region_findings(region)
        latest = self.store.latest_finding_reviews({f["finding_id"] for f in found}) if found else {}
        return [_reviewed_finding(f, latest.get(f["finding_id"])) for f in found]

    def findings(self, request: Any) -> Any:
        try:
            page = max(1, int(request.query_params.get("page") or 1))
        except ValueError:
            page = 1
        rows, total = self.store.findings_page((page - 1) * PAGE, PAGE)
        latest = self.store.latest_finding_reviews({row["finding_id"] for row in rows}) if rows else {}
        rows = [_reviewed_finding(row, latest.get(row["finding_id"])) for row in rows]
        return self.page(request, "findings.html.j2", rows=rows, total=total, page=page,
                         pages=max(1, -(-total // PAGE)), title=self.s["findings"])

    # -- districts -------------------------------------------------------------------------

    def districts(self, request: Any) -> Any:
        from ..subjects import divisions, rollup_code

        counts: dict[str, dict[str, Any]] = {}
        for code, year, claims in self.store.claim_counts():  # claims as extracted: a listing, not the table
            district = rollup_code(code, "district")
            division = divisions().get(district or "")
            if division is None:
                continue
            item = counts.setdefault(division.code, {"code": division.code, "name": division.name, "rows": 0,
                                                     "years": set()})
            item["rows"] += claims
            if year and year.isdigit():
                item["years"].add(year)
        listed = sorted(counts.values(), key=lambda d: d["code"])
        for item in listed:
            item["years"] = ", ".join(str(y) for y in sorted(item["years"]))
        return self.page(request, "districts.html.j2", districts=listed, title=self.s["districts"])

    def warm(self, seconds: float = WARM_SECONDS) -> None:
        """Make the pages of the districts with claims, the biggest first, for at most about
        ``seconds`` (and at most as many as are kept), so that reviewers do not wait for a
        district's first view; says on standard error how many and how long it took."""
        import sys
        import time

        from ..store.districts import KEPT
        from ..subjects import divisions, rollup_code

        start = time.perf_counter()
        sizes: dict[str, int] = {}
        for code, _, claims in self.store.claim_counts():
            district = rollup_code(code, "district")
            if district is not None and district in divisions():
                sizes[district] = sizes.get(district, 0) + claims
        filters = {"year": None, "indicator": None, "verdict": None, "targets": "include"}
        made = 0
        for code in sorted(sizes, key=lambda c: (-sizes[c], c))[:KEPT]:
            if time.perf_counter() - start > seconds:
                break
            self._district_parts(divisions()[code], dict(filters))
            made += 1
        print(f"made the pages of {made} of {len(sizes)} districts in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)

    def _district(self, request: Any) -> tuple[Any, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], str]:
        """The division, the filters, the filtered rows, the district's ledger findings (as reviewed)
        and the page's content, kept as every reviewer sees the same page: the rows and charts
        until the district's table changes (``Store.district_table``: documents written, findings
        stored, a decision on one of its figures, which makes only the rows of that figure again)
        or a decision on one of its findings; the findings until one of them is decided on."""
        from ..subjects import divisions

        code = request.path_params["code"]
        division = divisions().get(code)
        if division is None or division.level != "district":
            raise _Refused(self.s["no_district"].format(code=code), 404)
        params = request.query_params
        filters: dict[str, Any] = {name: (params.get(name) or "").strip() or None for name in ("year", "indicator", "verdict")}
        filters["targets"] = params.get("targets") if params.get("targets") in ("include", "exclude", "only") else "include"
        shown, ledger, body, findings = self._district_parts(division, filters)
        return (division, filters, shown, ledger, body + findings)

    def _district_parts(self, division: Any, filters: dict[str, Any]
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """The filtered rows, the ledger findings as reviewed, the content but the findings, and
        the findings' part of the page."""
        code = division.code
        token, table = self.store.district_table(code)
        ledger_token, ledger = self._district_ledger(code, token[0][2])  # the findings' state as just read
        key = (code, tuple(sorted(filters.items())), token, ledger_token)
        shown, body = self._districts.get(key, lambda: self._district_made(division, filters, table, ledger))
        findings = self._district_findings.get((code, ledger_token), lambda: _environment().get_template(
            "district_findings.html.j2").render(ledger=ledger, indicator_names=self.w["indicator_names"], s=self.s,
                                                w=self.w, lang=self.lang))
        return shown, ledger, body, findings

    def _district_ledger(self, code: str, state: Any) -> tuple[tuple[Any, ...], list[dict[str, Any]]]:
        """``(token, findings)``: the ledger findings of the district ``code`` as their reviews
        leave them, kept until findings are stored (``state`` changes) or one of them is decided on."""
        state, found = self.store.region_findings_state(code, state)
        latest = self.store.latest_finding_reviews_state()[1]
        decided = tuple((f["finding_id"], latest[f["finding_id"]]["version"]) for f in found if f["finding_id"] in latest)
        key = (code, state, decided)
        return key, self._ledgers.get(key, lambda: [_reviewed_finding(f, latest.get(f["finding_id"])) for f in found])

    def _district_made(self, division: Any, filters: dict[str, Any], table: list[dict[str, Any]],
                       ledger: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        from ..records import LEDGER_VERDICTS
        from .district import district_charts, district_rows

        code = division.code
        shown = district_rows((r for r in table if r.get("region_code") == code), ledger, **filters)  # copies
        doc_ids = self.store.current_doc_ids(row.get("path") for row in shown)
        for row in shown:
            row["doc_id"] = doc_ids.get(row.get("path"))
            evidence = row.get("evidence") or []
            row["end"] = evidence[0]["end"] if len(evidence) == 1 else None
        families = {k: self.s[k] for k in ("stock", "flow", "cumulative", "unstated")}
        charts = district_charts(shown, self.w["indicator_names"], families)
        query = urlencode({k: v for k, v in filters.items() if v and not (k == "targets" and v == "include")})
        years = sorted({str(r.get("year")) for r in shown})
        body = _environment().get_template("district_body.html.j2").render(
            division=division, filters=filters, rows=shown, charts=charts, query=query, years=years,
            ledger_verdicts=LEDGER_VERDICTS, indicator_names=self.w["indicator_names"], s=self.s, w=self.w,
            lang=self.lang, title=self.s["district_h"].format(name=division.name))
        return shown, body

    def district(self, request: Any) -> Any:
        from markupsafe import Markup

        try:
            division, _, _, _, body = self._district(request)
        except _Refused as exc:
            return self.refused(request, exc.message, exc.status)
        return self.page(request, "district.html.j2", body=Markup(body),  # noqa: S704 - rendered with autoescape
                         title=self.s["district_h"].format(name=division.name))

    def district_export(self, request: Any) -> Any:
        from starlette.responses import Response

        from .district import to_csv, to_xlsx

        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "xlsx"):
            return self.refused(request, self.s["export_format"], 404)
        try:
            division, filters, rows, _, _ = self._district(request)
        except _Refused as exc:
            return self.refused(request, exc.message, exc.status)
        name = f"{division.name}-{filters['year'] or 'all'}.{fmt}"
        disposition = f"attachment; filename=\"district.{fmt}\"; filename*=UTF-8''{quote(name)}"
        if fmt == "csv":
            return Response(to_csv(rows, self.w), media_type="text/csv; charset=utf-8",
                            headers={"content-disposition": disposition})
        body = to_xlsx(rows, self.w, sheet=division.name)
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"content-disposition": disposition})

    # -- a finding and its reviews -----------------------------------------------------------

    async def finding(self, request: Any) -> Any:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import RedirectResponse

        finding_id = request.path_params["finding_id"]
        if request.method == "GET":
            return await run_in_threadpool(self._finding_page, request, finding_id, None, None, 200)
        user = await run_in_threadpool(self.user, request)
        if user is None or user["role"] != "reviewer":
            return self.refused(request, self.s["viewers_refused"], 403)
        form = dict(await _form(request))
        try:
            decided = await run_in_threadpool(self._decide_finding, finding_id, form, user["name"])
        except _Refused as exc:
            return await run_in_threadpool(self._finding_page, request, finding_id, exc.message, form, exc.status)
        return RedirectResponse(f"/finding/{quote(finding_id, safe='')}?saved={decided['version']}", status_code=303)

    def _decide_finding(self, finding_id: str, form: Mapping[str, Any], reviewer: str) -> dict[str, Any]:
        from ..store.reviews import FINDING_EDITABLE

        action = str(form.get("action") or "")
        based_on = self._based_on(form)
        changes = None
        if action == "correct":
            found = self.store.finding(finding_id)
            if found is None:
                raise _Refused(self.s["no_finding"], 404)
            current = found["reviewed"]
            changes = {}
            for name in FINDING_EDITABLE:
                given = (str(form.get(name) or "").strip().replace(",", "")) or None
                was = current.get(name)
                if name in form and given != (None if was is None else str(was)):
                    changes[name] = given
            if not changes:
                raise _Refused(self.s["nothing_changed"], 400)
        note = str(form.get("note") or "").strip() or None
        return self._stored(
            lambda: self.store.review_finding(finding_id, action, reviewer=reviewer, based_on=based_on,
                                              changes=changes, note=note),
            gone="no finding", gone_key="no_finding",
        )

    def _finding_page(self, request: Any, finding_id: str, error: str | None, typed: Mapping[str, Any] | None,
                      status: int) -> Any:
        from ..records import LEDGER_VERDICTS

        found = self.store.finding(finding_id)
        if found is None:
            return self.refused(request, self.s["no_finding"], 404)
        history = self.store.finding_reviews(finding_id)
        form = dict(found["reviewed"])
        if typed is not None and typed.get("action") == "correct":
            form.update({k: v for k, v in typed.items() if k in ("verdict", "expected", "observed")})
        contexts = []
        for span in found.get("evidence") or []:
            contexts.append({**span, "sentence": span.get("sentence")})
        return self.page(
            request, "finding.html.j2", status=status, finding=found, history=history, form=form, error=error,
            saved=request.query_params.get("saved"), verdicts=LEDGER_VERDICTS, note=(typed or {}).get("note") or "",
            evidence=contexts, title=f"{self.s['finding_h']} · {found.get('subject') or ''} · {found.get('indicator') or ''}",
        )

    def _conflict(self, exc: Any) -> str:
        """A stale decision's refusal in the page's language, naming who decided what and when."""
        from datetime import datetime

        latest = exc.latest
        if not latest:
            return self.s["conflict_plain"]
        moment = latest.get("reviewed_at")
        when = moment.strftime("%Y-%m-%d %H:%M") if isinstance(moment, datetime) else ""
        return self.s["conflict"].format(reviewer=latest["reviewer"], when=when,
                                         action=self.s.get("action_" + str(latest["action"]), latest["action"]))

    async def figure(self, request: Any) -> Any:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import RedirectResponse

        key = (request.path_params["doc_id"], request.path_params["start"], request.path_params["end"])
        if request.method == "GET":
            return await run_in_threadpool(self._figure_page, request, key, None, None, 200)
        user = await run_in_threadpool(self.user, request)
        if user is None or user["role"] != "reviewer":
            return self.refused(request, self.s["viewers_refused"], 403)
        form = await _form(request)
        try:
            decided = await run_in_threadpool(self._decide, key, dict(form), user["name"])
        except _Refused as exc:
            return await run_in_threadpool(self._figure_page, request, key, exc.message, dict(form), exc.status)
        url = f"/figure/{quote(key[0], safe='')}/{key[1]}/{key[2]}?saved={decided['version']}"
        return RedirectResponse(url, status_code=303)

    def _decide(self, key: tuple[str, int, int], form: Mapping[str, Any], reviewer: str) -> dict[str, Any]:
        from ..store.reviews import EDITABLE

        action = str(form.get("action") or "")
        based_on = self._based_on(form)
        changes = None
        if action == "correct":
            figure = self.store.figure(*key)
            if figure is None:
                raise _Refused(self.s["no_figure"], 404)
            current = figure["reviewed"] or figure
            changes = {}
            for name in EDITABLE:
                if name not in form:
                    continue
                given = form.get(name)
                was = current.get(name)
                if name == "target":
                    if (str(given).lower() in ("true", "1", "on", "yes")) != bool(was):
                        changes[name] = given
                elif (str(given).strip() or None) != (None if was is None else str(was)):
                    changes[name] = given
            if not changes:
                raise _Refused(self.s["nothing_changed"], 400)
        note = str(form.get("note") or "").strip() or None
        return self._review(key, action, reviewer=reviewer, based_on=based_on, changes=changes, note=note)

    def _review(self, key: tuple[str, int, int], action: str, **decision: Any) -> dict[str, Any]:
        return self._stored(lambda: self.store.review(*key, action, **decision), gone="no figure", gone_key="no_figure")

    def _refusal(self, exc: ConfigError) -> str:
        """A refused decision or correction in the page's language."""
        from ..store.reviews import ReviewInvalid

        if isinstance(exc, ReviewInvalid):
            return refusal(exc.key, exc.params, self.lang, str(exc))
        return str(exc)

    def _filter_error(self, exc: ConfigError, filters: Mapping[str, Any]) -> str:
        """What is wrong with a page's filters, in the page's language (the store's message in
        English)."""
        if self.lang != "zh":
            return str(exc)
        from .._lexicon import indicators
        from ..store.database import RE_PERIOD
        from ..subjects import resolve_region

        indicator, period = filters.get("indicator"), filters.get("period")
        year, by, subject = filters.get("year"), filters.get("by"), filters.get("subject")
        if indicator and indicator not in indicators().ids:
            return self.s["bad_indicator"].format(value=indicator)
        if period and not RE_PERIOD.fullmatch(str(period)):
            return self.s["bad_period"].format(value=period)
        if by and by not in ("district", "city", "province"):
            return self.s["bad_level"].format(value=by)
        if year and not (len(str(year)) == 4 and str(year).isdigit()):
            return self.s["bad_year"].format(value=year)
        if subject and "by" in filters and resolve_region(str(subject)) is None:
            return self.s["bad_region"].format(value=subject)
        return str(exc)

    def _based_on(self, form: Mapping[str, Any]) -> int:
        """The version a decision was made on (its form's hidden field)."""
        try:
            return int(str(form.get("version")))
        except ValueError:
            raise _Refused(self.s["no_version"], 400) from None

    def _stored(self, store: Callable[[], dict[str, Any]], *, gone: str, gone_key: str) -> dict[str, Any]:
        """Store one decision on a figure or a finding; the store's refusals become HTTP answers
        (409 stale, 400 bad, 404 gone: the store says ``gone``, the page says ``self.s[gone_key]``)."""
        from ..store.reviews import ReviewConflict

        try:
            return store()
        except ReviewConflict as exc:
            raise _Refused(self._conflict(exc), 409) from None
        except ConfigError as exc:
            raise _Refused(self._refusal(exc), 400) from None
        except StoreError as exc:
            if gone in str(exc):
                raise _Refused(self.s[gone_key], 404) from None
            raise _Refused(str(exc), 500) from None

    def _figure_page(self, request: Any, key: tuple[str, int, int], error: str | None,
                     typed: Mapping[str, Any] | None, status: int) -> Any:
        from ..store.reviews import QUALIFIERS, SCOPES

        figure = self.store.figure(*key)
        if figure is None:
            return self.refused(request, self.s["no_figure"], 404)
        history = self.store.reviews(*key)
        text = figure.pop("document_text") or ""
        start, end = key[1], key[2]
        lo = max(0, text.rfind("\n", 0, start) + 1, start - 300)
        hi = text.find("\n", end)
        hi = min(len(text) if hi < 0 else hi, end + 300)
        current = figure["reviewed"] or figure  # rejected: the figure as extracted
        form = dict(current)
        if typed is not None and typed.get("action") == "correct":
            form.update({k: v for k, v in typed.items() if k not in ("csrf", "version", "action")})
        saved = request.query_params.get("saved")
        return self.page(
            request, "figure.html.j2", status=status, figure=figure, history=history, before=text[lo:start],
            span=text[start:end], after=text[end:hi], form=form, error=error, saved=saved,
            qualifiers=QUALIFIERS, scopes=SCOPES, note=(typed or {}).get("note") or "",
            title=f"{figure['text']} · {figure.get('title') or figure['path']}",
        )

    # -- API -------------------------------------------------------------------------------

    def api_claims(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        params = request.query_params
        filters = {name: params.get(name) or None for name in ("subject", "indicator", "period")}
        try:
            frame = self.store.claims(**filters)
        except ConfigError as exc:
            return JSONResponse({"error": self._filter_error(exc, filters)}, status_code=400)
        except ChanjiaError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        return JSONResponse({"claims": rows})

    async def api_figure(self, request: Any) -> Any:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import JSONResponse

        key = (request.path_params["doc_id"], request.path_params["start"], request.path_params["end"])
        if request.method == "POST":
            user = await run_in_threadpool(self.user, request)
            if user is None or user["role"] != "reviewer":
                return JSONResponse({"error": self.s["viewers_refused"]}, status_code=403)
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": self.s["api_json"]}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"error": self.s["api_json"]}, status_code=400)
            form = {"action": body.get("action"), "version": body.get("version"), "note": body.get("note"),
                    **{k: v for k, v in (body.get("changes") or {}).items()}}
            try:
                decided = await run_in_threadpool(self._decide_api, key, form, user["name"])
            except _Refused as exc:
                return JSONResponse({"error": exc.message}, status_code=exc.status)
            return JSONResponse({k: _plain(v) for k, v in decided.items()})
        figure = await run_in_threadpool(self.store.figure, *key)
        if figure is None:
            return JSONResponse({"error": self.s["no_figure"]}, status_code=404)
        figure.pop("document_text", None)
        return JSONResponse(_plain(figure))

    def _decide_api(self, key: tuple[str, int, int], form: Mapping[str, Any], reviewer: str) -> dict[str, Any]:
        from ..store.reviews import EDITABLE

        changes = {k: v for k, v in form.items() if k in EDITABLE} or None
        try:
            based_on = int(form.get("version"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise _Refused(self.s["no_version"], 400) from None
        return self._review(key, str(form.get("action") or ""), reviewer=reviewer, based_on=based_on,
                            changes=changes, note=form.get("note"))


def _reviewed_finding(finding: Mapping[str, Any], review: Mapping[str, Any] | None) -> dict[str, Any]:
    from ..store.reviews import apply_finding_review

    out = apply_finding_review(finding, review)
    out["version"] = review["version"] if review else 0
    out.setdefault("review", None)
    out.setdefault("reviewed_by", None)
    return out


class _Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _plain(value: Any) -> Any:
    """JSON-ready: decimals as strings, times as ISO text, NaN as null."""
    from datetime import datetime

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy and pandas scalars
        try:
            return _plain(value.item())
        except (AttributeError, ValueError):
            return str(value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return value


def _segments(text: str, figures: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> list[dict[str, Any]]:
    """The text cut into plain runs and figures (each with its review state), for the template."""
    out: list[dict[str, Any]] = []
    at = 0
    for record, review in sorted(figures, key=lambda f: f[0]["start"]):
        start, end = record["start"], record["end"]
        if start < at or end > len(text):
            continue
        if start > at:
            out.append({"text": text[at:start], "figure": None})
        state = review["action"] if review else "open"
        out.append({"text": text[start:end], "figure": record, "state": state})
        at = end
    if at < len(text):
        out.append({"text": text[at:], "figure": None})
    return out
