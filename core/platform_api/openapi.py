"""The platform API described as an OpenAPI 3.1 document, built from the declarations the checks read
(core.platform_api.shapes) and from the operations the web routes are made from, so it cannot say something the
code does not do. Pure data: web/api_routes.py serves it at /api/v1/openapi.json and routes by OPERATIONS."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from core.models.platform import CONTACT_FIELDS, Origin, ProposalStatus
from core.platform_api.shapes import EVENT_ID, EVENT_TYPE, EVENTS, PDF_BODY, PDF_DOC, PDF_MAX_BODY, PDF_RESULT

MAX_BODY_KB = 256
PREFIX = "/api/v1"
MAX_COMPANY_ID = 2**31 - 1  # the largest id the companies table keeps
MAX_FEED_PAGE = 1000


@dataclass(frozen=True)
class Operation:
    """One route of the API: the web layer routes it to the handler of the same name."""

    name: str
    method: str
    path: str
    summary: str
    statuses: tuple[int, ...]
    public: bool = False


OPERATIONS = (
    Operation("openapi", "GET", f"{PREFIX}/openapi.json", "This document (no key needed)", (200,), public=True),
    Operation(
        "post_event",
        "POST",
        f"{PREFIX}/companies/{{company_id}}/events",
        "Send one event about the company's records",
        (200, 201, 400, 401, 403, 404, 409, 413, 503),
    ),
    Operation(
        "contacts_changes",
        "GET",
        f"{PREFIX}/companies/{{company_id}}/contacts/changes",
        "Read the contacts the hub knows from Xero, changed since a cursor",
        (200, 400, 401, 403, 404, 503),
    ),
    Operation(
        "put_pdf",
        "PUT",
        f"{PREFIX}/companies/{{company_id}}/documents/{{document_id}}/pdf",
        "Send a document's PDF, to be attached to it in Xero",
        (200, 201, 400, 401, 403, 404, 409, 413, 503),
    ),
)

# Each refusal: its status, the `error` words it carries, and when it is answered.
REFUSALS: dict[int, tuple[tuple[str, ...], str]] = {
    400: (("invalid", "refused"), "The request cannot be taken: `field` names what to fix"),
    401: (("unauthorised",), "No API key, or a wrong, revoked or expired one"),
    403: (("forbidden",), "A live key used beyond its reach: another company, or an event with a read-only key"),
    404: (("unknown_company", "not_found"), "No company has this id (or no such route)"),
    405: (("method_not_allowed",), "The route does not take this method; `Allow` lists those it takes"),
    409: (("conflict",), "The event id was used for a different event, or the proposal was already decided"),
    413: (("too_large",), f"The body is over {MAX_BODY_KB} KB (a PDF's, {PDF_MAX_BODY // 1024} KB); split the change"),
    503: (("unavailable",), "The hub cannot reach its database; nothing was recorded. Retry later"),
}

DESCRIPTION = f"""The platform's entry points into the Xero integration hub.

**Keys.** Every route but this document needs `Authorization: Bearer hubk_…`, a key an admin makes on the API keys
page. A key reaches one company or every company, sends events or only reads, and may expire. The key is checked
before the body is read.

**Events.** One route per company takes every event; `type` says what `data` holds. An event id is taken once:
the same event sent again answers 200 with `"duplicate": true` and records nothing, a different event under a used
id is refused (409). A refused request records nothing.

**Values.** Bodies are JSON objects of at most {MAX_BODY_KB} KB. Amounts are JSON numbers (text is refused) with at
most 40 digits as written; dates are `YYYY-MM-DD`. Text is trimmed of surrounding spaces and never holds NUL
(U+0000) or unpaired surrogates. Fields not listed for an object are refused.

**PDFs.** {PDF_DOC}

**Refusals** are JSON `{{"error", "message", "field"}}`: `field` names what to fix (`body`, `event_id`, `type`,
`data.lines[2].quantity`, `limit`, `cursor`) when one field is at fault. A path under {PREFIX} that is not listed
here answers 404 `not_found`, a method a route does not take 405 `method_not_allowed`, both in JSON."""

_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": ["string", "null"]}
_FEED_DETAILS = {
    "name": _TEXT,
    "first_name": _MAYBE_TEXT,
    "last_name": _MAYBE_TEXT,
    "email": _MAYBE_TEXT,
    "phones": {"type": "array", "items": {"type": "object", "additionalProperties": _TEXT}},
    "addresses": {"type": "array", "items": {"type": "object", "additionalProperties": _TEXT}},
    "bank_account": _MAYBE_TEXT,
    "tax_number": _MAYBE_TEXT,
    "is_customer": {"type": "boolean"},
}
_WHOSE = {"enum": [o.value for o in Origin]}


def _feed_contact() -> dict[str, Any]:
    properties = {
        "id": {"type": "integer"},
        "platform_id": {"type": ["string", "null"], "description": "use it as supplier_id or contact_id in events"},
        "xero_contact_id": _MAYBE_TEXT,
        "origin": {**_WHOSE, "description": "where the contact was created"},
        "is_supplier": {"type": "boolean"},
        "owner": {**_WHOSE, "description": "whose details win when the two differ (the company's setting)"},
        "archived": {"type": "boolean"},
        "erased": {
            "type": "boolean",
            "description": "erased at its request in Xero: details blank, events naming it refused",
        },
        "version": {"type": "integer"},
        "changed_at": {"type": "string", "format": "date-time"},
        **{name: _FEED_DETAILS[name] for name in CONTACT_FIELDS},
    }
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _result() -> dict[str, Any]:
    properties = {
        "entity": {"enum": ["contact", "proposal", "document", "payment"]},
        "id": {"type": "integer", "description": "the hub's id of the record"},
        "duplicate": {"type": "boolean", "description": "the event was taken before; nothing was recorded again"},
        "version": {"type": "integer"},
        "changed": {"type": "array", "items": {"enum": list(CONTACT_FIELDS)}},
        "sync": {
            "enum": ["queued", "held", "discarded", "not connected", "unchanged"],
            "description": "where the change goes: to Xero now, when the company reconnects, nowhere",
        },
        "total": {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
        "status": {"enum": [s.value for s in ProposalStatus]},
        "contact_id": {"type": "integer"},
    }
    return {
        "type": "object",
        "properties": properties,
        "required": ["entity", "id", "duplicate"],
        "additionalProperties": False,
    }


def _event(kind: str) -> dict[str, Any]:
    event = EVENTS[kind]
    return {
        "title": kind,
        "description": event.summary,
        "type": "object",
        "properties": {
            "event_id": EVENT_ID.schema(),
            "type": {"const": kind, "description": EVENT_TYPE.doc},
            "data": event.data.schema(),
        },
        "required": ["event_id", "type", "data"],
    }


def _name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.replace(".", "_").split("_")) + "Event"


def _refusal(status: int) -> dict[str, Any]:
    words, meaning = REFUSALS[status]
    schema = {
        "type": "object",
        "properties": {
            "error": {"enum": list(words)},
            "message": {"type": "string", "description": "what happened and what to do, for a person"},
            "field": {"type": "string", "description": "the field at fault, as a path into the request"},
        },
        "required": ["error", "message"],
        "additionalProperties": False,
    }
    return {"description": meaning, "content": {"application/json": {"schema": schema}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_COMPANY = {
    "name": "company_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_COMPANY_ID},
}
_FEED_QUERY = [
    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "the cursor the last page gave"},
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_FEED_PAGE, "default": 100},
    },
]
_FEED = {
    "type": "object",
    "properties": {
        "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/FeedContact"}},
        "cursor": {"type": ["string", "null"], "description": "pass it back to read what changed since"},
        "more": {"type": "boolean", "description": "whether another page is waiting"},
    },
    "required": ["contacts", "cursor", "more"],
    "additionalProperties": False,
}
_RESULT = {
    "type": "object",
    "properties": {"result": {"$ref": "#/components/schemas/EventResult"}},
    "required": ["result"],
    "additionalProperties": False,
}
_SUCCESS = {
    "openapi": {200: _json("This document", {"type": "object"})},
    "post_event": {
        201: _json("A new event, recorded with its change", _RESULT),
        200: _json("An event taken before: its first answer, with duplicate true; nothing recorded again", _RESULT),
    },
    "contacts_changes": {200: _json("A page of contacts, oldest change first", _FEED)},
    "put_pdf": {
        201: _json("A new PDF, kept and queued for Xero", {**_RESULT, "properties": {"result": PDF_RESULT}}),
        200: _json(
            "The same PDF again: nothing recorded, duplicate true", {**_RESULT, "properties": {"result": PDF_RESULT}}
        ),
    },
}
_DOCUMENT = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


def _operation(op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = {"operationId": op.name, "summary": op.summary}
    if op.public:
        found["security"] = []
    else:
        extra = {"contacts_changes": _FEED_QUERY, "put_pdf": [_DOCUMENT]}.get(op.name, [])
        found["parameters"] = [_COMPANY, *extra]
    if op.name == "post_event":
        body = {"oneOf": [{"$ref": f"#/components/schemas/{_name(k)}"} for k in EVENTS]}
        body["discriminator"] = {
            "propertyName": "type",
            "mapping": {k: f"#/components/schemas/{_name(k)}" for k in EVENTS},
        }
        found["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if op.name == "put_pdf":
        found["description"] = PDF_DOC
        found["requestBody"] = {"required": True, "content": {"application/json": {"schema": PDF_BODY}}}
    found["responses"] = {
        str(status): _SUCCESS[op.name][status] if status < 400 else _refusal(status) for status in op.statuses
    }
    return found


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document of the platform API (JSON-ready; built once)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    schemas = {_name(kind): _event(kind) for kind in EVENTS}
    schemas |= {"EventResult": _result(), "FeedContact": _feed_contact()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Xero integration hub: platform API", "version": "1", "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "an API key: hubk_…"},
            },
        },
        "security": [{"apiKey": []}],
    }
