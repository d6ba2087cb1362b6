"""Xero's wire format: .NET dates, the response envelope, and the error bodies Xero sends."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

PROVIDER_NAME = "Xero integration hub"
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def ms_date(ms: int, *, offset: bool = True) -> str:
    """/Date(1503348544227+0000)/ (UpdatedDateUTC, document dates) or /Date(1551399323399)/ (DateTimeUTC)."""
    return f"/Date({ms}+0000)/" if offset else f"/Date({ms})/"


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def iso_utc(ms: int) -> str:
    """2019-03-12T23:10:38Z (UpdatedDateUTCString)."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_time(ms: int) -> str:
    """2019-12-07T18:46:19.5165400: the identity service's zone-less UTC form with 7 fractional digits."""
    moment = from_ms(ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


def parse_date(value: Any) -> date | None:
    """A document date as Xero accepts it: 2019-03-11, 2019-03-11T00:00:00, or /Date(ms+0000)/."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    found = _MS_DATE.match(text)
    try:
        if found:
            moment = from_ms(int(found.group(1)))
            if found.group(2):
                sign = 1 if found.group(2)[0] == "+" else -1
                digits = found.group(2)[1:].ljust(4, "0")
                moment += sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return moment.date()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except (ValueError, OverflowError, OSError):  # not a date, or one outside the calendar's years
        return None


def parse_if_modified_since(value: str | None) -> int | None:
    """The If-Modified-Since header as epoch milliseconds (ISO 8601 or RFC 1123; UTC when no zone is given)."""
    if not value:
        return None
    text = value.strip().strip('"')  # pyxero quotes a date it sends
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return to_ms(moment)
    except (ValueError, OverflowError, OSError):  # a time whose UTC falls outside the calendar's years
        return None


def guid_of(value: Any) -> str | None:
    """A GUID in any form .NET reads ({…}, 32 hex digits, either case) as the lower-case usual form; None if not one."""
    if not isinstance(value, str):
        return None
    text = value.strip().strip("{}").lower()
    if re.fullmatch(r"[0-9a-f]{32}", text):
        text = f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text if _GUID.match(text) else None


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and bool(_GUID.match(value))


def new_id() -> str:
    return str(uuid.uuid4())


def envelope(collection: str, items: list[dict[str, Any]], now_ms: int, **extra: Any) -> dict[str, Any]:
    """The success envelope every Accounting API response wears."""
    return {
        "Id": new_id(),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_date(now_ms, offset=False),
        **extra,
        collection: items,
    }


def pagination(page: int, page_size: int, item_count: int) -> dict[str, int]:
    return {
        "page": page,
        "pageSize": page_size,
        "pageCount": max(1, -(-item_count // page_size)) if item_count else 0,
        "itemCount": item_count,
    }


def spliced_response(collection: str, docs: list[str], now_ms: int, **extra: Any) -> Response:
    """The envelope around records already stored as JSON text: no parse, no re-encode (big pages stay fast)."""
    head = dumps(envelope(collection, [], now_ms, **extra))[: -len(b"[]}")]
    body = head + b"[" + ",".join(docs).encode() + b"]}"
    return Response(body, media_type="application/json; charset=utf-8")


def dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json; charset=utf-8", headers=headers)


def validation_exception(elements: list[dict[str, Any]], message: str = "A validation exception occurred") -> Response:
    """400 ValidationException: the submitted elements echoed back with their ValidationErrors."""
    return json_response(
        {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": elements}, 400
    )


def request_problem(message: str) -> Response:
    """400 for a request Xero cannot read at all (bad JSON, bad where, bad GUID): no elements to echo."""
    return validation_exception([], message)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """401/403 in Xero's RFC 7807-like shape (PascalCase keys, Type null, empty Extensions)."""
    title = {401: "Unauthorized", 403: "Forbidden"}.get(status, "Error")
    body = {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": new_id(), "Extensions": {}}
    return JSONResponse(body, status_code=status, headers=headers)


def not_found(message: str = "The resource you're looking for cannot be found") -> Response:
    return json_response({"Title": "NotFound", "Status": 404, "Detail": message}, 404)


def plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(text, status_code=status, headers=headers)


def oauth_error(error: str, status: int = 400, description: str | None = None) -> Response:
    body = {"error": error} if description is None else {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status)
