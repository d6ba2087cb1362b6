"""What every Accounting API call shares: the bearer and tenant checks, scopes, bodies, paging, idempotency."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from sandbox import connections, grants, wire, wire_xml
from sandbox.identity import bearer_of
from sandbox.query import QueryError, parse_order, parse_where
from sandbox.store import Store

BASE = "/api.xro/2.0"
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_PAGE_SIZE = 1000
INT32_MAX = 2**31 - 1
IDEMPOTENCY_MS = 6 * 60 * 1000
_HIGH, _LOW = rb"\\u[dD][89abAB][0-9a-fA-F]{2}", rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile(_HIGH + rb"(?!" + _LOW + rb")|(?<!" + _HIGH + rb")" + _LOW)


@dataclass(frozen=True)
class Call:
    """An authorised call: who, which organisation, and the store."""

    store: Store
    tenant_id: str
    bearer: grants.Bearer


class Refusal(Exception):
    """Ends a call early with the response Xero would send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def authorise(store: Store, request: Request, scopes: tuple[str, ...]) -> Call:
    """Bearer token, then xero-tenant-id, then scope: Xero's 401, 403, 401 in that order."""
    who = bearer_of(store, request)
    if isinstance(who, Response):
        raise Refusal(who)
    tenant_id = request.headers.get("xero-tenant-id", "").strip().lower()
    if not wire.is_guid(tenant_id) or not connections.reaches(store, who.grant_id, tenant_id):
        raise Refusal(wire.problem(403, "AuthenticationUnsuccessful"))
    if not who.scopes & set(scopes):
        raise Refusal(wire.problem(401, "AuthorizationUnsuccessful"))
    return Call(store, tenant_id, who)


async def read_json(request: Request) -> Any:
    """The request body (JSON, or Xero's XML as its JSON twin), or a 400 in Xero's shape (too large, unreadable)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refusal(wire.request_problem("The request is larger than the 10 MB Xero accepts."))
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Refusal(wire.request_problem("The request is larger than the 10 MB Xero accepts."))
    xml = _xml_of(request.headers.get("content-type", ""), body)
    if xml is not None:
        try:
            return wire_xml.parse(xml)
        except wire_xml.XmlBodyError as exc:
            raise Refusal(wire.request_problem(str(exc))) from None
    if b"\\u" in body and _LONE_SURROGATE.search(body):  # text that cannot be stored or sent back as UTF-8
        raise Refusal(wire.request_problem("The request body is not valid JSON (a lone UTF-16 surrogate)."))
    try:
        return json.loads(body or b"null", parse_constant=_not_json)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Refusal(wire.request_problem(f"The request body is not valid JSON ({_reason(exc)}).")) from None
    except RecursionError:
        raise Refusal(wire.request_problem("The request body is nested too deeply.")) from None
    except ValueError:  # a number of thousands of digits
        raise Refusal(wire.request_problem("The request body has a number Xero cannot read.")) from None


def _xml_of(content_type: str, body: bytes) -> bytes | None:
    """The XML in a body: sent as application/xml or text/xml, as the form field xml= (pyxero before 0.9.3), or
    unlabelled and starting with '<' (XML is Xero's default format)."""
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/xml", "text/xml"):
        return body
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(body.decode("utf-8", errors="replace"))
        return form["xml"][0].encode() if form.get("xml") else None
    if media in ("", "application/octet-stream", "text/plain") and body.lstrip()[:1] == b"<":
        return body
    return None


def _not_json(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON value", name, 0)


def _reason(exc: ValueError) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else "it is not UTF-8"


def elements_of(body: Any, plural: str) -> list[Any]:
    """The items of a write: Xero takes {"Contacts": [...]}; a bare object is taken as one item."""
    if isinstance(body, dict) and plural in body:
        items = body[plural]
        if not isinstance(items, list):
            raise Refusal(wire.request_problem(f"{plural} must be a list."))
        return items
    if isinstance(body, dict) and body:
        return [body]
    raise Refusal(wire.request_problem(f"The request must contain {plural}."))


def flag(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() not in {"true", "false"}:
        raise Refusal(wire.request_problem(f"{name} must be true or false."))
    return raw.lower() == "true"


def paging(request: Request) -> tuple[int | None, int]:
    """(page or None for everything, page size): pageSize defaults to 100 and is capped at 1000."""
    raw_page, raw_size = request.query_params.get("page"), request.query_params.get("pageSize")
    try:
        page = None if raw_page is None else int(raw_page)
        size = 100 if raw_size is None else int(raw_size)
    except ValueError:
        raise Refusal(wire.request_problem("page and pageSize must be whole numbers.")) from None
    # Xero reads both as .NET Int32: a larger number is a request it cannot read, not an empty page.
    if page is not None and not 1 <= page <= INT32_MAX:
        raise Refusal(wire.request_problem(f"page must be a whole number from 1 to {INT32_MAX}."))
    if not 1 <= size <= INT32_MAX:
        raise Refusal(wire.request_problem(f"pageSize must be a whole number from 1 to {INT32_MAX}."))
    return page, min(size, MAX_PAGE_SIZE)


def guids(request: Request, name: str) -> tuple[str, ...]:
    raw = request.query_params.get(name, "")
    values = [v.strip().strip('"') for v in raw.split(",") if v.strip()]
    found = tuple(wire.guid_of(v) for v in values)
    bad = [v for v, guid in zip(values, found, strict=True) if guid is None]
    if bad:
        raise Refusal(wire.request_problem(f"'{bad[0][:100]}' in {name} is not a valid GUID."))
    return tuple(g for g in found if g is not None)


def _date_of(value: Any):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    day = wire.parse_date(value)
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def where_of(request: Request) -> Callable[[dict[str, Any]], bool] | None:
    text = request.query_params.get("where", "").strip()
    if not text:
        return None
    try:
        return parse_where(text, _date_of)
    except RecursionError:
        raise Refusal(wire.request_problem("The where clause is nested too deeply.")) from None
    except QueryError as exc:
        raise Refusal(wire.request_problem(str(exc))) from None


def order_of(request: Request, default: str) -> list[tuple[list[str], bool]]:
    try:
        return parse_order(request.query_params.get("order") or default)
    except QueryError as exc:
        raise Refusal(wire.request_problem(str(exc))) from None


def since_of(request: Request) -> int | None:
    raw = request.headers.get("if-modified-since")
    if raw is None:
        return None
    since = wire.parse_if_modified_since(raw)
    if since is None:
        raise Refusal(wire.request_problem("If-Modified-Since must be a date and time, e.g. 2024-06-21T01:15:39."))
    return since


def idempotent(call: Call, request: Request, body: bytes, run: Callable[[], Response]) -> Response:
    """Replay the first answer for a repeated Idempotency-Key; refuse the key reused for another request."""
    key = request.headers.get("idempotency-key")
    if not key:
        return run()
    if len(key) > 128:
        return wire.request_problem("The Idempotency-Key header must be at most 128 characters.")
    store, now = call.store, call.store.now_ms()
    client = call.bearer.client_id
    fingerprint = hashlib.sha256(
        f"{request.method} {request.url.path}?{request.url.query}\n{call.tenant_id}\n".encode() + body
    ).hexdigest()
    with store.tx() as db:
        db.execute("DELETE FROM idempotency WHERE created_ms < ?", (now - IDEMPOTENCY_MS,))
        seen = db.execute("SELECT * FROM idempotency WHERE client_id = ? AND key = ?", (client, key)).fetchone()
    if seen is not None:
        if seen["fingerprint"] != fingerprint:
            return wire.request_problem("This Idempotency-Key was already used for a different request.")
        return Response(seen["body"], status_code=seen["status"], media_type="application/json; charset=utf-8")
    response = run()
    if response.status_code < 500:
        with store.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO idempotency (client_id, key, fingerprint, status, body, created_ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (client, key, fingerprint, response.status_code, response.body, now),
            )
    return response
