"""GET /xero/callback: where Xero sends the person back after consent. Thin: core.connections.lifecycle does the
work."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.connections import consent
from core.connections import lifecycle as connections
from core.failures import UNAVAILABLE_ERRORS
from core.staff import sessions
from core.xero.outcomes import XeroProblem
from web.runtime import get_hub

log = logging.getLogger(__name__)
PAGE = "/connections"


def _back(**params: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?{urlencode(params)}", status_code=303)


def _complete(request: Request) -> consent.Granted:
    hub = get_hub()
    hub.ensure_ready()
    user_id = None
    with hub.db.read() as session:
        found = sessions.lookup(session, hub.settings, request.cookies.get(sessions.cookie_name(hub.settings)))
        if found is not None:
            user_id = found.actor.user_id
    if user_id is None:  # the consent is bound to the person who started it: no session, no connection
        raise connections.ConnectRefused(consent.CALLBACK_MESSAGES["signed_out"], "signed_out")
    query = request.query_params
    return consent.complete_consent(
        hub, state=query.get("state"), code=query.get("code"), error=query.get("error"), user_id=user_id
    )


async def callback(request: Request) -> Response:
    try:
        granted = await run_in_threadpool(_complete, request)
    except connections.ConnectRefused as refused:
        return _back(connect=refused.code)
    except XeroProblem as problem:
        log.warning("Xero refused the consent callback: %s", problem.message)
        return _back(connect="xero")
    except UNAVAILABLE_ERRORS as exc:
        log.warning("consent callback could not reach the database: %s", type(exc).__name__)
        return _back(connect="xero")
    return _back(confirm=str(granted.consent_id))


ROUTES = [Route("/xero/callback", callback, methods=["GET"])]
