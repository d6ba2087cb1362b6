"""The gate in front of Xero's paths: fault switches, then rate limits, then the call (with its limit headers)."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import tokens
from sandbox.faults import Fault, Faults
from sandbox.limits import RateLimiter
from sandbox.store import Store

GATED = ("/api.xro/", "/connections", "/Connections", "/connect/token", "/connect/revocation")
UNAVAILABLE = b"The Xero API is temporarily unavailable"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode(errors="replace")
    return ""


class Gate:
    def __init__(self, app: ASGIApp, store: Store, limiter: RateLimiter, faults: Faults) -> None:
        self.app, self.store, self.limiter, self.faults = app, store, limiter, faults

    def _client_id(self, scope: Scope) -> str | None:
        auth = _header(scope, b"authorization")
        if not auth.lower().startswith("bearer "):
            return None
        claims = tokens.decode(tokens.signing_key(self.store), auth[7:].strip())
        return None if claims is None else str(claims.get("client_id") or "") or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(GATED):
            await self.app(scope, receive, send)
            return
        tenant = _header(scope, b"xero-tenant-id").strip().lower() or None
        fault = self.faults.take(path, scope["method"], tenant)
        if fault is not None and fault.kind == "status":
            await _refuse(send, fault.status, _fault_headers(fault), _fault_body(fault))
            return
        client = self._client_id(scope) if path.startswith("/api.xro/") and tenant else None
        extra: dict[str, str] = {}
        if client is not None and tenant is not None:
            verdict = self.limiter.acquire(client, tenant)
            extra = verdict.headers
            if verdict.problem is not None:
                headers = {**extra, "X-Rate-Limit-Problem": verdict.problem, "Retry-After": str(verdict.retry_after)}
                await _refuse(send, 429, headers, b"")
                return
        try:
            if fault is not None and fault.kind == "latency":
                await asyncio.sleep(fault.seconds)
            await self._call(scope, receive, send, extra, fault)
        finally:
            if client is not None and tenant is not None and extra:
                self.limiter.release(client, tenant)

    async def _call(
        self, scope: Scope, receive: Receive, send: Send, extra: dict[str, str], fault: Fault | None
    ) -> None:
        held: list[Message] = []
        holding = fault is not None and fault.kind in ("timeout", "drop")

        async def relay(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *((k.lower().encode(), v.encode()) for k, v in extra.items()),
                    ],
                }
            if holding:
                held.append(message)
            else:
                await send(message)

        await self.app(scope, receive, relay)
        if not holding or fault is None:
            return
        if fault.kind == "timeout":
            # The work is done and stored; the answer comes too late for the caller (an uncertain outcome).
            await asyncio.sleep(fault.seconds or 30)
            for message in held:
                await send(message)
            return
        # drop: promise more body than is sent, then stop; the connection closes with the reply cut short.
        start = next(m for m in held if m["type"] == "http.response.start")
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", b"1000000")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": False})


def _fault_headers(fault: Fault) -> dict[str, str]:
    if fault.status == 429:
        return {"X-Rate-Limit-Problem": "minute", "Retry-After": str(fault.retry_after)}
    if fault.status == 503:
        return {"Content-Type": "text/plain; charset=utf-8"}
    return {"Content-Type": "application/json; charset=utf-8"}


def _fault_body(fault: Fault) -> bytes:
    if fault.status == 503:
        return UNAVAILABLE
    if fault.status == 500:
        return json.dumps(
            {
                "Type": None,
                "Title": "An error occurred",
                "Status": 500,
                "Detail": "An error occurred in Xero. Check the API Status page for current service status.",
                "Instance": None,
                "Extensions": {},
            }
        ).encode()
    return b""


async def _refuse(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    encoded = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    encoded.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": encoded})
    await send({"type": "http.response.body", "body": body})
