"""The web page: Jinja2 templates and htmx (vendored, no build step) over the same RunService.

A person signs in by pasting their token once; it is kept in an HttpOnly, SameSite=Strict
cookie, and the API accepts that cookie as it accepts the bearer header. Every state-changing
call from the page carries htmx's ``HX-Request`` header, which a cross-site form cannot send.
Fragments are rendered here; the page's only script besides htmx follows the live log.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from meta_agent.service.answers import ServiceError
from meta_agent.service.runs import RunService, describe
from meta_agent.service.store import ServiceStore, User, monitoring

SESSION_COOKIE = "meta_agent_session"
TABLE_ROWS = 50
CHART_SUFFIXES = (".png", ".jpg", ".jpeg")  # served as images/*; never .svg (it can hold script)
MAX_FORM_BYTES = 400_000


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("meta_agent.service", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["python"] = highlight_python
    env.filters["figure"] = figure
    env.filters["pretty_json"] = lambda value: json.dumps(value, indent=2, default=str)
    return env


def figure(value: object) -> str:
    """A number as people read it (thousands separated, three decimals at most); else as is."""
    number: float
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and "." in value:
        try:
            number = float(value)
        except ValueError:
            return value
    else:
        return str(value)
    if number.is_integer() and abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:,.3f}".rstrip("0").rstrip(".") if abs(number) < 1000 else f"{number:,.2f}"


def highlight_python(source: str) -> Markup:
    """The script, syntax-highlighted (Pygments escapes the text; inline styles, no CSS file)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return Markup(highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=False)))


def pages_router(
    service: RunService, store: ServiceStore, page_user: Callable[[Request], User | None]
) -> APIRouter:
    """The page's routes: ``/`` and its fragments under ``/ui``."""
    router = APIRouter(include_in_schema=False)
    templates = _templates()

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context), status_code=status)

    def signed_in(request: Request) -> User:
        user = page_user(request)
        if user is None:
            raise ServiceError(401, "Sign in first: paste your token on the start page.")
        return user

    async def form(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return {}
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {name: values[-1] for name, values in fields.items()}

    def run_panel(run_id: str, user: User, status: int = 200, **extra: Any) -> HTMLResponse:
        run = describe(service.view(run_id, user), store)
        table, charts = _table(service, run, user), _charts(run)
        panel = render("run.html", status, run=run, table=table, charts=charts, **extra)
        panel.headers["HX-Trigger"] = "runChanged"  # the history on the page follows
        return panel

    @router.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        user = page_user(request)
        if user is None:
            return render("login.html")
        return render("index.html", user=user)

    @router.post("/ui/login")
    async def login(request: Request) -> Response:
        token = (await form(request)).get("token", "").strip()
        if store.user_for(token) is None:
            return render("login.html", 401, error="That token is not valid (unknown or revoked).")
        answer = RedirectResponse("/", status_code=303)
        answer.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
        return answer

    @router.post("/ui/logout")
    def logout() -> Response:
        answer = RedirectResponse("/", status_code=303)
        answer.delete_cookie(SESSION_COOKIE)
        return answer

    @router.post("/ui/runs", response_class=HTMLResponse)
    async def submit(request: Request) -> HTMLResponse:
        user = signed_in(request)
        fields = await form(request)
        script = fields.get("script", "").strip()
        outcome = service.submit(
            user,
            request=None if script else fields.get("request", ""),
            script=fields["script"] if script else None,
            title=fields.get("title") or None,
        )
        assert outcome.run_id is not None
        return run_panel(outcome.run_id, user)

    @router.get("/ui/runs/{run_id}", response_class=HTMLResponse)
    def show(request: Request, run_id: str) -> HTMLResponse:
        return run_panel(run_id, signed_in(request))

    @router.post("/ui/runs/{run_id}/{action}", response_class=HTMLResponse)
    async def act(request: Request, run_id: str, action: str) -> HTMLResponse:
        user = signed_in(request)
        if action == "script":
            edited = (await form(request)).get("script", "")
            findings = service.edit_script(run_id, edited, user)
            if findings:
                return run_panel(run_id, user, 422, edit_findings=findings, edited=edited)
            return run_panel(run_id, user)
        if action == "approve":
            body = (await request.body()).decode("utf-8", "replace")[:MAX_FORM_BYTES]
            named = parse_qs(body).get("acknowledge", [])
            service.approve(run_id, user, named)
            return run_panel(run_id, user)
        decide = {"reject": service.reject, "cancel": service.cancel}
        if action not in decide:
            return render("message.html", 404, message="No such action.")
        decide[action](run_id, user)
        return run_panel(run_id, user)

    @router.get("/ui/monitor", response_class=HTMLResponse)
    def monitor(request: Request) -> HTMLResponse:
        user = signed_in(request)
        _, found = store.search(None if user.admin else user.name, limit=500)
        view = monitoring(found)
        return render(
            "monitor.html", view=view, peak=view["largest_peak_mb"], queue=service.workers.depth()
        )

    @router.get("/ui/alerts", response_class=HTMLResponse)
    def alerts(request: Request) -> HTMLResponse:
        user = signed_in(request)
        shown = [a for a in service.alerts.recent if user.admin or a.owner == user.name][:20]
        return render("alerts.html", alerts=shown)

    @router.get("/ui/history", response_class=HTMLResponse)
    def history(
        request: Request, status: str = "", q: str = "", since: str = "", offset: int = 0
    ) -> HTMLResponse:
        user = signed_in(request)
        owner = None if user.admin else user.name
        offset = max(offset, 0)
        total, found = store.search(
            owner, status[:40] or None, since[:40] or None, None, q[:200] or None, 20, offset
        )
        return render(
            "history.html",
            runs=found,
            total=total,
            offset=offset,
            filters={"status": status, "q": q, "since": since},
        )

    return router


def _charts(run: dict[str, Any]) -> list[str]:
    """The run's images, shown on the page through the artifact endpoint (owner checked)."""
    if run["status"] in ("awaiting_approval", "queued", "running"):
        return []
    return [name for name in run["artifacts"] if name.lower().endswith(CHART_SUFFIXES)]


def _table(service: RunService, run: dict[str, Any], user: User) -> dict[str, Any] | None:
    """The first rows of the run's first CSV result, for the results table."""
    names = [name for name in run["artifacts"] if name.endswith(".csv")]
    if not names or run["status"] != "succeeded":
        return None
    folder = service.view(run["id"], user).folder()
    path = folder.results / names[0]
    if path.is_symlink() or not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        rows = [row for _, row in zip(range(TABLE_ROWS), reader, strict=False)]
    return {"name": names[0], "header": header, "rows": rows}
