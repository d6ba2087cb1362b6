"""Sign-in and sign-out routes: they set and clear the HttpOnly session cookie the pages read."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.failures import UNAVAILABLE_ERRORS
from core.hub import Hub
from core.staff import sessions, signin
from web.runtime import get_hub

log = logging.getLogger(__name__)


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
    return RedirectResponse("/?" + urlencode(params), status_code=303)


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
    user_agent = request.headers.get("user-agent", "")
    try:
        if hub is None:
            hub = get_hub()
        result = await run_in_threadpool(_sign_in, hub, email, password, user_agent)
    except UNAVAILABLE_ERRORS as exc:
        log.warning("sign-in unavailable: %s", type(exc).__name__)
        return _back_to_sign_in(signin="unavailable", email=email.strip())
    if result.refusal is not None:
        params = {"signin": result.refusal, "email": email.strip()}
        if result.locked_until is not None:
            params["until"] = f"{result.locked_until:%H:%M}"
        return _back_to_sign_in(**params)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        sessions.COOKIE_NAME,
        result.cookie or "",
        httponly=True,
        samesite="lax",
        secure=hub.settings.base_url.startswith("https://"),
        path="/",
    )
    return response


def _sign_in(hub: Hub, email: str, password: str, user_agent: str) -> signin.SignInResult:
    hub.ensure_ready()
    return signin.sign_in(hub.db, hub.settings, email, password, user_agent=user_agent)


async def sign_out(request: Request) -> Response:
    hub = _hub_or_none()
    if not _same_origin(request, hub):
        return _back_to_sign_in(signin="cross_site")
    cookie = request.cookies.get(sessions.COOKIE_NAME)
    if cookie and hub is not None:
        try:
            await run_in_threadpool(_sign_out, hub, cookie)
        except UNAVAILABLE_ERRORS as exc:
            log.warning("sign-out could not end the session row: %s", type(exc).__name__)
    response = _back_to_sign_in(signin="signed_out")
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


def _sign_out(hub: Hub, cookie: str) -> None:
    hub.ensure_ready()
    with hub.db.write() as session:
        sessions.end(session, hub.settings, cookie)


ROUTES = [
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
]
