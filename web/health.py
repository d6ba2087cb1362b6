"""GET /healthz: whether this web process can use the database (for the launcher and load balancers)."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.failures import STARTUP_ERRORS, UNAVAILABLE_ERRORS
from web.runtime import get_hub

log = logging.getLogger(__name__)


async def healthz(_request: Request) -> JSONResponse:
    try:
        hub = get_hub()
        await run_in_threadpool(hub.ensure_ready)
        await run_in_threadpool(hub.db.check)
    except UNAVAILABLE_ERRORS as exc:
        # Anyone can ask: the answer says only whether the hub is ready; why (with the database's address, never
        # its password) goes to the log, where the operator looks.
        log.warning("not ready: %s", exc if isinstance(exc, STARTUP_ERRORS) else "the database stopped answering")
        reason = "the hub cannot start or reach its database; the web process's log says why"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": hub.db.dialect})


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
