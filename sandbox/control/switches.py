"""Control API for the switches that live in memory: rate limits, faults, and webhooks."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault, Faults
from sandbox.limits import RateLimiter
from sandbox.store import Store
from sandbox.webhooks import WebhookSender


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = json.loads(raw) if raw else {}
    if not isinstance(body, dict):
        raise ValueError("The body must be a JSON object.")
    return body


def routes(store: Store, limiter: RateLimiter, faults: Faults, sender: WebhookSender) -> list[Route]:
    async def limits(request: Request) -> Response:
        try:
            if request.method == "POST":
                body = await _body(request)
                renamed = {"appMinute": "app_minute"}
                limiter.configure(**{renamed.get(k, k): int(v) for k, v in body.items()})
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(limiter.snapshot())

    async def fault_switches(request: Request) -> Response:
        try:
            if request.method == "POST":
                body = await _body(request)
                renamed = {"retryAfter": "retry_after", "tenantId": "tenant_id"}
                faults.add(Fault(**{renamed.get(k, k): v for k, v in body.items()}))
            elif request.method == "DELETE":
                faults.clear()
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": f"Not a fault: {exc}"}, status_code=400)
        return JSONResponse(faults.armed())

    async def deliveries(request: Request) -> Response:
        rows = store.rows(
            "SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT ?",
            (min(int(request.query_params.get("limit", 100)), 1000),),
        )
        return JSONResponse([dict(row) for row in rows])

    async def deliver_now(_request: Request) -> Response:
        import httpx

        async with httpx.AsyncClient() as client:
            return JSONResponse({"delivered": await sender.deliver_once(client)})

    async def intent_to_receive(request: Request) -> Response:
        body = await _body(request)
        from sandbox import apps

        client_id = str(body.get("clientId") or apps.from_env()[0].client_id)
        return JSONResponse(await sender.intent_to_receive(client_id))

    return [
        Route("/_sandbox/limits", limits, methods=["GET", "POST"]),
        Route("/_sandbox/faults", fault_switches, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/webhooks", deliveries, methods=["GET"]),
        Route("/_sandbox/webhooks/deliver", deliver_now, methods=["POST"]),
        Route("/_sandbox/webhooks/intent-to-receive", intent_to_receive, methods=["POST"]),
    ]
