"""The simulator's ASGI app: Xero's identity and Accounting API paths, the control API, and a request log."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from demodata import orgs as seed
from sandbox import apps, identity, loader, negotiation, orgs, paths, wire
from sandbox.api import attachments, contacts, documents, reference, tracking
from sandbox.control import actions, auth, switches
from sandbox.faults import Faults
from sandbox.gate import Gate
from sandbox.limits import Limits, RateLimiter
from sandbox.screens import site
from sandbox.store import Store
from sandbox.webhooks import WebhookSender

REQUEST_LOG_ROWS = 5000
LOGGED_PREFIXES = ("/api.xro/", "/connect/", "/connections", "/identity/")


class RequestLog:
    """Records every Xero-path request (method, path as sent, tenant, status, time, Idempotency-Key) in a bounded
    table."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app, self.store, self.count = app, store, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(LOGGED_PREFIXES):
            await self.app(scope, receive, send)
            return
        started, status, generation = time.perf_counter(), [500], self.store.generation

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if generation == self.store.generation:  # a request held across a reset is not logged after it
                headers = dict(scope.get("headers") or [])
                self._write(
                    scope["method"],
                    scope.get(paths.SENT_PATH, path),
                    scope.get("query_string", b"").decode(errors="replace"),
                    headers.get(b"xero-tenant-id", b"").decode(errors="replace") or None,
                    status[0],
                    (time.perf_counter() - started) * 1000,
                    headers.get(b"idempotency-key", b"").decode(errors="replace") or None,
                )

    def _write(
        self, method: str, path: str, query: str, tenant: str | None, status: int, duration: float, key: str | None
    ) -> None:
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO request_log (at_ms, method, path, query, tenant_id, status, duration_ms, idempotency_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.store.now_ms(), method, path, query, tenant, status, round(duration, 2), key),
            )
            self.count += 1
            if self.count % 250 == 0:  # keep the log bounded, so memory and disk stay flat over a long demo
                db.execute(
                    "DELETE FROM request_log WHERE seq <= (SELECT max(seq) FROM request_log) - ?", (REQUEST_LOG_ROWS,)
                )


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def unknown_resource(_request: Request) -> Response:
    return wire.not_found("The resource you're looking for cannot be found")


def create_app(data_dir: Path, *, demo: bool = True) -> Starlette:
    """The simulator, keeping its state under data_dir; a new data folder starts with the demo organisations."""
    store = Store(data_dir)
    limiter, faults, sender = RateLimiter(Limits.from_env(), store.now_ms), Faults(), WebhookSender(store)
    for app in apps.from_env():
        apps.register(store, app)
    if demo and not orgs.list_orgs(store):
        for org in seed.demo_orgs():
            loader.load_org(store, org, documents=loader.DEMO_DOCUMENTS)
    routes = [
        Route("/", site.home),
        Route("/healthz", healthz),
        *identity.routes(store),
        *contacts.routes(store),
        *reference.routes(store),
        *tracking.routes(store),
        *documents.routes(store),
        *attachments.routes(store),
        *actions.routes(store),
        *site.routes(store, faults=faults),
        *switches.routes(store, limiter, faults, sender),
        Route("/api.xro/2.0/{rest:path}", unknown_resource, methods=["GET", "PUT", "POST", "DELETE"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(sender.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    application = Starlette(routes=routes, lifespan=lifespan)
    application.state.store = store
    # The last added is outermost: the request log sees what the caller saw, including the gate's 429s.
    application.add_middleware(negotiation.Negotiation)  # next to the handlers: XML for callers not asking JSON
    application.add_middleware(Gate, store=store, limiter=limiter, faults=faults)
    application.add_middleware(RequestLog, store=store)
    application.add_middleware(paths.CanonicalPaths)  # before the log and the gate, which match on Xero's spelling
    application.add_middleware(auth.ControlGuard, token=auth.token_for(data_dir))
    return application
