"""Which format an Accounting API caller gets: JSON when its Accept header asks for it, Xero's XML otherwise.

Xero answers in XML unless the request says `Accept: application/json`
(https://developer.xero.com/documentation/api/requests-and-responses); the hub's client, xero-python and pyxero
all ask for JSON. The handlers build JSON; this layer rewrites the envelope and ValidationException answers as
XML for callers that did not ask for JSON. Other bodies (401/403 problems, the 404 body) are the gateway's and stay
as they are.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox import paths, wire_xml

ACCOUNTING = paths.PREFIX + "/"


def wants_json(scope: Scope) -> bool:
    return any(key == b"accept" and b"application/json" in value.lower() for key, value in scope.get("headers") or [])


def element_type(path: str) -> str:
    """What a ValidationException's elements are: Contact for /Contacts, Allocation for …/Allocations."""
    parts = path[len(ACCOUNTING) :].split("/")
    return wire_xml.singular(parts[2] if len(parts) >= 3 else parts[0])


class Negotiation:
    """Serves Xero's XML to callers that did not ask for JSON; JSON callers pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(ACCOUNTING) or wants_json(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await self._answer(send, start, b"".join(chunks), element_type(scope["path"]))

        await self.app(scope, receive, hold)

    @staticmethod
    async def _answer(send: Send, start: Message, body: bytes, kind: str) -> None:
        headers = list(start.get("headers", []))
        media = next((v for k, v in headers if k == b"content-type"), b"")
        converted = None
        if media.startswith(b"application/json") and body:
            try:
                converted = wire_xml.answer(json.loads(body), kind)
            except ValueError:
                converted = None
        if converted is not None:
            body = converted
            headers = [(k, v) for k, v in headers if k not in (b"content-type", b"content-length")]
            headers += [(b"content-type", wire_xml.MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
