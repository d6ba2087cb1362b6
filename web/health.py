"""GET /healthz: whether this web process can use the database (for the launcher and load balancers)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.failures import STARTUP_ERRORS, UNAVAILABLE_ERRORS
from web.runtime import get_hub


async def healthz(_request: Request) -> JSONResponse:
    try:
        hub = get_hub()
        await run_in_threadpool(hub.ensure_ready)
        await run_in_threadpool(hub.db.check)
    except UNAVAILABLE_ERRORS as exc:
        reason = str(exc) if isinstance(exc, STARTUP_ERRORS) else "the database stopped answering"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": hub.db.dialect})


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
