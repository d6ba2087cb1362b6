"""Sign-in and sign-out routes: they set and clear the HttpOnly session cookie the pages read."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core import signin
from core.startup import STARTUP_ERRORS
from web.runtime import get_hub

log = logging.getLogger(__name__)


def _same_origin(request: Request) -> bool:
    """Refuse form posts from other sites (SameSite=Lax already keeps our cookie off them)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _back_to_sign_in(**params: str) -> RedirectResponse:
    return RedirectResponse("/?" + urlencode(params), status_code=303)


async def sign_in(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Sign-in must come from the hub's own page.", status_code=403)
    form = await request.form()
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1000]
    user_agent = request.headers.get("user-agent", "")
    try:
        hub = get_hub()
        result = await run_in_threadpool(_sign_in, hub, email, password, user_agent)
    except STARTUP_ERRORS as exc:
        log.warning("sign-in unavailable: %s", exc)
        return _back_to_sign_in(signin="unavailable")
    if result.refusal is not None:
        params = {"signin": result.refusal.code, "email": email.strip()}
        if isinstance(result.refusal, signin.AccountLocked):
            params["until"] = f"{result.refusal.until:%H:%M}"
        return _back_to_sign_in(**params)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        signin.COOKIE_NAME,
        result.cookie or "",
        httponly=True,
        samesite="lax",
        secure=hub.settings.base_url.startswith("https://"),
        path="/",
    )
    return response


def _sign_in(hub, email: str, password: str, user_agent: str) -> signin.SignInResult:  # type: ignore[no-untyped-def]
    hub.ensure_ready()
    with hub.db.write() as session:
        return signin.sign_in(session, hub.settings, email, password, user_agent=user_agent)


async def sign_out(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("Sign-out must come from the hub's own page.", status_code=403)
    cookie = request.cookies.get(signin.COOKIE_NAME)
    if cookie:
        try:
            await run_in_threadpool(_sign_out, get_hub(), cookie)
        except STARTUP_ERRORS as exc:
            log.warning("sign-out could not end the session row: %s", exc)
    response = _back_to_sign_in(signin="signed_out")
    response.delete_cookie(signin.COOKIE_NAME, path="/")
    return response


def _sign_out(hub, cookie: str) -> None:  # type: ignore[no-untyped-def]
    hub.ensure_ready()
    with hub.db.write() as session:
        signin.end_session(session, hub.settings, cookie)


ROUTES = [
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
]
