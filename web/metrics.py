"""GET /metrics: the hub's metrics in Prometheus's text format, for an operations team's scraper.

Only with HUB_METRICS_TOKEN set, and only to a request bearing it: without a token the route answers 404 to
everyone (behind a reverse proxy every client looks local, so "loopback only" would let the world in); with one, a
request without it (or with another) gets 401. What it serves names no tenant, company or person (core.metrics).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.health.scrape import Snapshot
from core.metrics import serve
from core.settings import ConfigError
from web.runtime import get_hub


async def metrics(request: Request) -> Response:
    try:
        hub = get_hub()
    except ConfigError:
        return PlainTextResponse("Not found.", status_code=404)
    token = hub.settings.metrics_token
    if not token:
        return PlainTextResponse("Not found.", status_code=404)
    if not serve.authorised(request.headers.get("authorization"), token):
        return PlainTextResponse(
            "Send the metrics token: Authorization: Bearer <HUB_METRICS_TOKEN>.",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = await run_in_threadpool(serve.render, Snapshot(hub.db))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


ROUTES = [Route(serve.PATH, metrics, methods=["GET"])]
