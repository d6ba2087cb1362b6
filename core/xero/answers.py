"""The one place that reads a Xero answer and says what it means (xero-api-facts.md sections 2, 3, 5.8 and 6)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.xero.outcomes import (
    DailyBudgetSpent,
    ItemResult,
    MissingScope,
    NotFound,
    ReconnectNeeded,
    RefreshAndRetry,
    RetryAfter,
    Transient,
    ValidationFailed,
    XeroProblem,
)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _detail(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("Detail", "detail", "Message", "message", "Title", "title", "error"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
    return ""


def money(value: Any) -> Decimal | None:
    """An amount as Xero sends it (a number or a string), or None when it is missing or not a number."""
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def messages_of(element: Mapping[str, Any]) -> tuple[str, ...]:
    """Every ValidationErrors message of an element, nested ones (phones, addresses, lines) included."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for error in value.get("ValidationErrors") or []:
                if isinstance(error, dict) and error.get("Message"):
                    found.append(str(error["Message"]))
            for key, inner in value.items():
                if key != "ValidationErrors":
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(element)
    return tuple(dict.fromkeys(found))


def _failed(element: Mapping[str, Any]) -> bool:
    return bool(
        element.get("HasValidationErrors")
        or element.get("HasErrors")
        or element.get("StatusAttributeString") == "ERROR"
        or element.get("ValidationErrors")
    )


def items_of(data: Any, collection: str) -> list[ItemResult]:
    """Per-element outcomes of a batch answered 200 with summarizeErrors=false."""
    elements = data.get(collection, []) if isinstance(data, dict) else []
    return [
        ItemResult(ok=not _failed(e), element=e, messages=messages_of(e) if _failed(e) else ())
        for e in elements
        if isinstance(e, dict)
    ]


# Xero's words for a refused element that mean something more specific than "validation" (facts section 6).
ITEM_CAUSES = (
    ("has been archived", "contact_archived"),
    ("has been merged", "contact_merged"),
    ("is already assigned to another contact", "duplicate_name"),
)


def item_cause(messages: tuple[str, ...]) -> str:
    """The sync-error cause of one refused element, from Xero's validation messages."""
    text = " ".join(messages).lower()
    return next((cause for words, cause in ITEM_CAUSES if words in text), "validation")


def _retry_after(headers: Mapping[str, str], default: int = 60) -> int:
    raw = headers.get("retry-after", "")
    return max(1, int(raw)) if raw.strip().isdigit() else default


def classify(status: int, headers: Mapping[str, str], body: bytes) -> XeroProblem | None:
    """None for success; otherwise the problem, named by what happens next. Header names must be lower-case."""
    if 200 <= status < 300:
        return None
    data = _json(body)
    detail = _detail(data)
    response = {"status": status, "body": data if data is not None else body[:2000].decode(errors="replace")}
    if status == 400:
        if isinstance(data, dict) and data.get("Type") == "ValidationException":
            items = [
                ItemResult(ok=False, element=e, messages=messages_of(e))
                for e in data.get("Elements") or []
                if isinstance(e, dict)
            ]
            first = next((m for item in items for m in item.messages), detail or "Xero refused the request.")
            return ValidationFailed(first, items=items, status=status, response=response)
        if isinstance(data, dict) and data.get("error") == "invalid_grant":
            return ReconnectNeeded(
                "Xero no longer accepts the refresh token (invalid_grant).", status=status, response=response
            )
        return ValidationFailed(
            detail or "Xero refused the request as malformed.", items=[], status=status, response=response
        )
    if status == 401:
        if detail.startswith("TokenExpired"):
            return RefreshAndRetry(detail, status=status, response=response)
        if detail == "AuthorizationUnsuccessful":
            return MissingScope(
                "The connection lacks a Xero permission (scope) this call needs.", status=status, response=response
            )
        return ReconnectNeeded(
            f"Xero refused the access token ({detail or 'unauthorised'}).", status=status, response=response
        )
    if status == 403:
        return ReconnectNeeded(
            f"Xero refused access to the organisation ({detail or 'forbidden'}).", status=status, response=response
        )
    if status == 404:
        return NotFound(detail or "Xero has no such record.", status=status, response=response)
    if status == 429:
        problem = headers.get("x-rate-limit-problem", "minute").lower()
        seconds = _retry_after(headers, default=3600 if problem == "day" else 60)
        kind = DailyBudgetSpent if problem == "day" else RetryAfter
        return kind(
            f"Xero's {problem} limit was reached; retry in {seconds} s.",
            seconds=seconds,
            problem=problem,
            status=status,
            response=response,
        )
    if status >= 500 or status == 408:
        return Transient(detail or f"Xero answered {status}.", status=status, response=response)
    return XeroProblem(
        detail or f"Xero answered {status}, which the hub does not expect.", status=status, response=response
    )
