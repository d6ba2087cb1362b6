"""Sign-in and sign-out routes: they set and clear the HttpOnly session cookie the pages read."""

from __future__ import annotations

import logging
from html import escape
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from core.failures import UNAVAILABLE_ERRORS
from core.hub import Hub
from core.staff import sessions, signin, single_sign_on
from web import destination, lanes
from web.runtime import get_hub

log = logging.getLogger(__name__)
BUSY_RETRY_SECONDS = 5


def _same_origin(request: Request, hub: Hub | None) -> bool:
    """Refuse form posts from other sites (SameSite=Lax already keeps our cookie off them)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    allowed = {request.headers.get("host", "")}
    if hub is not None:
        allowed.add(urlsplit(hub.settings.base_url).netloc)
    return urlsplit(origin).netloc in allowed


def _back_to_sign_in(**params: str) -> RedirectResponse:
    return RedirectResponse("/?" + urlencode(params) if params else "/", status_code=303)


def _hub_or_none() -> Hub | None:
    try:
        return get_hub()
    except UNAVAILABLE_ERRORS:
        return None


async def sign_in(request: Request) -> Response:
    hub = _hub_or_none()
    if not _same_origin(request, hub):
        return _back_to_sign_in(signin="cross_site")
    form = await request.form()
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1000]
    going = destination.safe(str(form.get("next", "")))
    user_agent = request.headers.get("user-agent", "")
    client = request.client.host if request.client else ""
    try:
        if hub is None:
            hub = get_hub()
        result = await lanes.SIGN_IN.run(lambda: _sign_in(hub, email, password, user_agent, client))
    except lanes.LaneFull:
        log.warning("sign-in refused: every password check is busy and the queue is full")
        return _busy()
    except UNAVAILABLE_ERRORS as exc:
        log.warning("sign-in unavailable: %s", type(exc).__name__)
        return _back_to_sign_in(signin="unavailable", email=email.strip())
    if result.refusal is not None:
        params = {"signin": result.refusal, "email": email.strip()}
        if result.wait_seconds:
            params["wait"] = str(result.wait_seconds)
        if going != "/":
            params["next"] = going  # kept for the next try
        return _back_to_sign_in(**params)
    return _signed_in(hub, result.cookie or "", going)


def _signed_in(hub: Hub, cookie: str, going: str = "/") -> Response:
    response = RedirectResponse(going, status_code=303)
    response.set_cookie(
        sessions.cookie_name(hub.settings),
        cookie,
        httponly=True,
        samesite="lax",
        secure=hub.settings.secure_cookies,
        path="/",
    )
    return response


def _busy() -> Response:
    """429 with a page a person can act on: the form posts straight here, so this is what the browser shows."""
    words = escape(signin.REFUSALS["busy"])
    body = f'<!doctype html><title>Sign in</title><p>{words}</p><p><a href="/">Back to sign-in</a></p>'
    return HTMLResponse(body, status_code=429, headers={"Retry-After": str(BUSY_RETRY_SECONDS)})


def _sign_in(hub: Hub, email: str, password: str, user_agent: str, client: str) -> signin.SignInResult:
    hub.ensure_ready()
    return signin.sign_in(hub.db, hub.settings, email, password, user_agent=user_agent, client=client)


async def sign_out(request: Request) -> Response:
    hub = _hub_or_none()
    if not _same_origin(request, hub):
        return _back_to_sign_in(signin="cross_site")
    cookie = request.cookies.get(sessions.cookie_name(hub.settings)) if hub is not None else None
    if cookie and hub is not None:
        try:
            await run_in_threadpool(_sign_out, hub, cookie)
        except UNAVAILABLE_ERRORS as exc:
            log.warning("sign-out could not end the session row: %s", type(exc).__name__)
    response = _back_to_sign_in(signin="signed_out")
    # Without the hub's settings it is not known which name the cookie has: clear both.
    names = (
        [sessions.cookie_name(hub.settings)] if hub is not None else [sessions.COOKIE_NAME, sessions.SECURE_COOKIE_NAME]
    )
    for name in names:
        response.delete_cookie(name, path="/", secure=name == sessions.SECURE_COOKIE_NAME, httponly=True)
    return response


def _sign_out(hub: Hub, cookie: str) -> None:
    hub.ensure_ready()
    with hub.db.write() as session:
        sessions.end(session, hub.settings, cookie)


async def trade_ticket(request: Request) -> Response:
    """Trade the one-time ticket a single sign-on's page handed over for the session's HttpOnly cookie."""
    ticket = request.query_params.get("ticket", "")
    try:
        hub = get_hub()
        cookie = await run_in_threadpool(_redeem, hub, ticket) if ticket else None
    except UNAVAILABLE_ERRORS as exc:
        log.warning("single sign-on hand-off unavailable: %s", type(exc).__name__)
        return _back_to_sign_in(signin="unavailable")
    if cookie is None:
        # Used already, too late, or made up: sign in again (single sign-on then hands over a fresh ticket).
        return _back_to_sign_in()
    return _signed_in(hub, cookie)


def _redeem(hub: Hub, ticket: str) -> str | None:
    hub.ensure_ready()
    with hub.db.write() as session:
        return single_sign_on.redeem(session, hub.settings, ticket)


ROUTES = [
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
    Route("/auth/single-sign-on", trade_ticket, methods=["GET"]),
]
