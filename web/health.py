"""GET /healthz: whether this web process can use the database (for the launcher and load balancers)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.startup import STARTUP_ERRORS
from web.runtime import get_hub


async def healthz(_request: Request) -> JSONResponse:
    try:
        hub = get_hub()
        await run_in_threadpool(hub.ensure_ready)
        await run_in_threadpool(hub.db.check)
    except STARTUP_ERRORS as exc:
        return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "database": hub.db.dialect})


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
