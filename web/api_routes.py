"""The platform's HTTP entry points: /api/v1/…, authenticated with an API key. Thin: core does the work."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

from core.failures import UNAVAILABLE_ERRORS, Refusal
from core.hub import Hub
from core.platform_api import events as platform
from core.platform_api import openapi, pdfs
from core.platform_api.checks import EventConflict, PlatformInputError
from core.platform_api.keys import OutOfReach
from core.platform_api.shapes import PDF_MAX_BODY
from web.bodies import read_capped
from web.runtime import get_hub

log = logging.getLogger(__name__)
MAX_BODY = openapi.MAX_BODY_KB * 1024
MAX_DIGITS = 40  # far more than any amount or quantity needs
NOT_A_COMPANY = f"The company id in the path must be a whole number from 1 to {openapi.MAX_COMPANY_ID}."


class _Json(JSONResponse):
    """JSON in ASCII: a message that quotes what was sent (an unknown field's name) survives any character in it."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode()


def _error(status: int, error: str, message: str, field: str | None = None, **headers: str) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if field:
        body["field"] = field
    return _Json(body, status_code=status, headers=headers or None)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # str.isdigit alone takes "²", which int() refuses


def _key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _company_id(request: Request) -> int | None:
    raw = request.path_params.get("company_id", "")
    return int(raw) if _digits(raw) and 1 <= int(raw) <= openapi.MAX_COMPANY_ID else None


def _post_event(hub: Hub, key: str | None, company_id: int, body: dict[str, Any]) -> Response:
    result = platform.receive(hub.db, presented_key=key, company_id=company_id, body=body)
    return _Json({"result": result}, status_code=200 if result["duplicate"] else 201)


def _feed(hub: Hub, key: str | None, company_id: int, cursor: str | None, limit: int) -> Response:
    feed = platform.read_feed(hub.db, presented_key=key, company_id=company_id, cursor=cursor, limit=limit)
    return _Json(feed)


def _authorise(hub: Hub, key: str | None, company_id: int) -> None:
    platform.authorise(hub.db, presented_key=key, company_id=company_id)


def _number(text: str) -> float | int:
    if len(text) > MAX_DIGITS:
        raise ValueError(f"a number has at most {MAX_DIGITS} digits")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse(raw: bytes) -> Any:
    """JSON as the platform sends it: no NaN or Infinity, numbers of at most MAX_DIGITS digits, and nesting a parser
    can follow; anything else raises ValueError with what is wrong."""
    try:
        return json.loads(raw or b"null", parse_int=_number, parse_float=_number, parse_constant=_not_a_number)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None


async def _guarded(request: Request, run: Any) -> Any:
    try:
        return await run_in_threadpool(run)
    except PlatformInputError as exc:
        return _error(400, "invalid", exc.message, exc.field)
    except platform.UnknownCompany as exc:
        return _error(404, "unknown_company", str(exc))
    except EventConflict as exc:
        return _error(409, "conflict", str(exc))
    except platform.Unauthorised as exc:
        return _error(401, "unauthorised", str(exc))
    except OutOfReach as exc:
        return _error(403, "forbidden", str(exc))
    except Refusal as exc:  # any other refusal: its message says why
        return _error(400, "refused", str(exc))
    except UNAVAILABLE_ERRORS as exc:
        log.warning("platform API unavailable: %s", type(exc).__name__)
        return _error(503, "unavailable", "The hub cannot reach its database; nothing was recorded. Retry later.")


async def post_event(request: Request) -> Response:
    company_id = _company_id(request)
    if company_id is None:
        return _error(404, "unknown_company", NOT_A_COMPANY)
    hub, key = get_hub(), _key(request)
    # The key is checked before a byte of the body is read: without a live one, nothing is buffered.
    refused = await _guarded(request, lambda: _authorise(hub, key, company_id))
    if refused is not None:
        return refused  # type: ignore[no-any-return]
    body_bytes = await read_capped(request, MAX_BODY)
    if body_bytes is None:
        return _error(413, "too_large", f"Events are at most {MAX_BODY // 1024} KB; split the change.")
    try:
        body = _parse(body_bytes)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
        return _error(400, "invalid", f"The body is not valid JSON: {exc}.", "body")
    if not isinstance(body, dict):
        return _error(400, "invalid", "The body must be a JSON object with event_id, type and data.", "body")
    return await _guarded(request, lambda: _post_event(hub, key, company_id, body))  # type: ignore[no-any-return]


async def put_pdf(request: Request) -> Response:
    company_id = _company_id(request)
    if company_id is None:
        return _error(404, "unknown_company", NOT_A_COMPANY)
    hub, key, document_id = get_hub(), _key(request), request.path_params.get("document_id", "")
    refused = await _guarded(request, lambda: _authorise(hub, key, company_id))
    if refused is not None:
        return refused  # type: ignore[no-any-return]
    body_bytes = await read_capped(request, PDF_MAX_BODY)
    if body_bytes is None:
        mb = PDF_MAX_BODY // (1024 * 1024)
        return _error(413, "too_large", f"A PDF's body is at most {mb} MB; Xero takes PDFs of at most 10 MB.")
    try:
        body = _parse(body_bytes)
    except ValueError as exc:
        return _error(400, "invalid", f"The body is not valid JSON: {exc}.", "body")

    def run() -> Response:
        result = pdfs.receive(hub.db, presented_key=key, company_id=company_id, document_id=document_id, body=body)
        return _Json({"result": result}, status_code=200 if result["duplicate"] else 201)

    return await _guarded(request, run)  # type: ignore[no-any-return]


async def contacts_changes(request: Request) -> Response:
    company_id = _company_id(request)
    if company_id is None:
        return _error(404, "unknown_company", NOT_A_COMPANY)
    raw_limit = request.query_params.get("limit", "100")
    if not _digits(raw_limit) or not 1 <= int(raw_limit) <= openapi.MAX_FEED_PAGE:
        return _error(400, "invalid", f"limit must be a whole number from 1 to {openapi.MAX_FEED_PAGE}.", "limit")
    hub, key, cursor = get_hub(), _key(request), request.query_params.get("cursor")
    return await _guarded(request, lambda: _feed(hub, key, company_id, cursor, int(raw_limit)))


async def openapi_document(request: Request) -> Response:
    return _Json(openapi.document())


_HANDLERS = {
    "openapi": openapi_document,
    "post_event": post_event,
    "contacts_changes": contacts_changes,
    "put_pdf": put_pdf,
}
_API = [Route(op.path, _HANDLERS[op.name], methods=[op.method]) for op in openapi.OPERATIONS]


async def elsewhere(request: Request) -> Response:
    """Anything else under /api/v1 answers in JSON too: a route's other methods 405, any other path 404."""
    for route in _API:
        if route.matches(request.scope)[0] is Match.PARTIAL:
            allowed = ", ".join(sorted(route.methods or ()))
            return _error(405, "method_not_allowed", f"This route takes {allowed} only.", Allow=allowed)
    return _error(404, "not_found", "No such route; /api/v1/openapi.json lists them.")


class _Elsewhere:
    """`elsewhere` as a plain ASGI app, which a route matches with every method (a function gets GET only)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        response = await elsewhere(Request(scope, receive))
        await response(scope, receive, send)


# No request under /api/v1 falls through to the pages, which would answer 200 with HTML.
ROUTES = [*_API, Route(openapi.PREFIX, _Elsewhere()), Route(f"{openapi.PREFIX}/{{rest:path}}", _Elsewhere())]
