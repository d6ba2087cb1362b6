"""Checking what a platform sends, declared once per field: each declaration reads a value (every refusal names the
field, so the platform's developers can fix it fast) and describes itself as JSON Schema for the OpenAPI document,
so the document says exactly what the checks enforce."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.failures import Refusal
from core.models.platform import PlatformContact
from core.text import EMAIL_PATTERN, is_email, plural

PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX")
ADDRESS_TYPES = ("POBOX", "STREET")
ADDRESS_FIELDS = {"type", "line1", "line2", "line3", "line4", "city", "region", "postal_code", "country"}
LIMIT = Decimal("1e12")  # every amount stays below this (the database keeps 12 digits before the point)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and unpaired surrogates: no database keeps them as text
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


class EventConflict(Refusal):
    """The event clashes with one already taken (its id reused, or a decision already made)."""

    status = 409


class PlatformInputError(Refusal):
    """Input the hub cannot take; `field` is its path, such as data.lines[2].quantity."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def refuse_erased(contact: PlatformContact | None, field: str) -> None:
    """Nothing is recorded for, or sent to, a contact erased at its owner's request (its details would come back)."""
    if contact is not None and contact.erased_at is not None:
        raise PlatformInputError(
            field,
            f"{contact.platform_id!r} was erased at the contact's request in Xero (a GDPR request): the hub keeps "
            "none of its details and sends nothing more to it; use a new id for a new supplier or contact",
        )


def _nullable(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    return schema if required else {**schema, "type": [schema["type"], "null"]}


def _described(schema: dict[str, Any], doc: str) -> dict[str, Any]:
    if not doc:
        return schema
    return {**schema, "description": "; ".join(filter(None, (schema.get("description"), doc)))}


@dataclass(frozen=True)
class Text:
    """Text of at most `limit` characters; surrounding spaces are trimmed. Blank text counts as absent, unless the
    field must hold text whenever it is sent (`filled`)."""

    limit: int
    required: bool = False
    doc: str = ""
    filled: bool = False

    def read(self, value: Any, path: str) -> str | None:
        if value is not None and not isinstance(value, str):
            raise PlatformInputError(path, f"must be text, not {type(value).__name__}")
        if value is not None and len(value) > self.limit:
            raise PlatformInputError(path, f"must be at most {self.limit} characters")
        if value is not None and _UNSTORABLE.search(value):
            raise PlatformInputError(path, "must not hold NUL characters (U+0000) or unpaired surrogates")
        if value is None or not value.strip():
            if self.required:
                raise PlatformInputError(path, "is required")
            if self.filled:
                raise PlatformInputError(path, "cannot be emptied (leave it out to keep what the hub has)")
            return None
        return value.strip()

    def schema(self) -> dict[str, Any]:
        # No NUL anywhere; text that must be there holds something besides spaces (blank text counts as absent).
        filled = self.required or self.filled
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$" if filled else r"^[^\u0000]*$"
        found = {"type": "string", "maxLength": self.limit, "pattern": pattern}
        return _described(_nullable(found, filled), self.doc)


@dataclass(frozen=True)
class Email:
    """One email address, stored in lower case; empty text clears it."""

    required: bool = False
    doc: str = ""

    def read(self, value: Any, path: str) -> str | None:
        if Text(255, self.required).read(value, path) is None and value in (None, ""):
            return None
        if not is_email(value):  # spaces around it included: the pattern says so
            raise PlatformInputError(path, f"{value!r} is not an email address")
        return str(value).lower()

    def schema(self) -> dict[str, Any]:
        found = {"type": "string", "maxLength": 255, "pattern": f"^({EMAIL_PATTERN[1:-1]})?$"}
        return _described(_nullable(found, self.required), self.doc or "an email address, or empty text to clear it")


@dataclass(frozen=True)
class Choice:
    """One of a fixed list of words, exactly as listed."""

    values: tuple[str, ...]
    doc: str = ""
    required: bool = True

    def read(self, value: Any, path: str) -> str:
        if value not in self.values:
            raise PlatformInputError(path, f"must be one of {', '.join(self.values)}")
        return str(value)

    def schema(self) -> dict[str, Any]:
        return _described({"type": "string", "enum": list(self.values)}, self.doc)


@dataclass(frozen=True)
class Flag:
    """true or false."""

    doc: str = ""
    required: bool = False

    def read(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise PlatformInputError(path, "must be true or false")
        return value

    def schema(self) -> dict[str, Any]:
        return _described({"type": "boolean"}, self.doc)


@dataclass(frozen=True)
class Day:
    """A date as YYYY-MM-DD."""

    required: bool = False
    doc: str = ""

    def read(self, value: Any, path: str) -> date | None:
        if value is None:
            if self.required:
                raise PlatformInputError(path, "is required")
            return None
        try:
            if not isinstance(value, str) or not _DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise PlatformInputError(path, "must be a date as YYYY-MM-DD") from None

    def schema(self) -> dict[str, Any]:
        found = {"type": "string", "format": "date", "description": "YYYY-MM-DD, year 0001 or later"}
        return _described(_nullable(found, self.required), self.doc)


@dataclass(frozen=True)
class Amount:
    """A JSON number (never text) with at most `places` decimal places, within its bounds."""

    places: int = 2
    required: bool = True
    above: Decimal | None = None  # more than this (zero for a payment)
    least: Decimal | None = None  # at least this
    most: Decimal | None = None  # at most this
    doc: str = ""

    def read(self, value: Any, path: str) -> Decimal | None:
        if value is None:
            if self.required:
                raise PlatformInputError(path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PlatformInputError(path, "must be a JSON number (not text)")
        amount = Decimal(str(value))
        if abs(amount) >= LIMIT:  # before quantize, which cannot hold a number this long
            raise PlatformInputError(path, f"must be less than {LIMIT:,.0f} either way")
        if amount != amount.quantize(Decimal(1).scaleb(-self.places)):
            raise PlatformInputError(path, f"must have at most {self.places} decimal places")
        if self.above is not None and amount <= self.above:
            raise PlatformInputError(path, f"must be more than {self.above}")
        if (self.least is not None and amount < self.least) or (self.most is not None and amount > self.most):
            raise PlatformInputError(path, f"must be between {self.least} and {self.most}")
        return amount

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "number", "multipleOf": float(Decimal(1).scaleb(-self.places))}
        found["exclusiveMinimum"] = float(self.above if self.above is not None else -LIMIT)
        found["exclusiveMaximum"] = float(LIMIT)
        if self.least is not None:
            found["minimum"] = float(self.least)
        if self.most is not None:
            found["maximum"] = float(self.most)
        return _described(_nullable(found, self.required), self.doc)


@dataclass(frozen=True)
class Currency:
    """A three-letter currency code in capitals, such as GBP."""

    required: bool = False
    doc: str = ""

    def read(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
            raise PlatformInputError(path, "must be a three-letter currency code such as GBP")
        return value

    def schema(self) -> dict[str, Any]:
        return _described({"type": ["string", "null"], "pattern": "^[A-Z]{3}$"}, self.doc)


@dataclass(frozen=True)
class Shape:
    """A JSON object of declared fields and no others; reading it gives the fields that were sent."""

    fields: dict[str, Any]
    doc: str = ""
    required: bool = True
    at_least_one: bool = False

    def read(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise PlatformInputError(path, "must be a JSON object")
        unknown = sorted(set(value) - set(self.fields))
        if unknown:
            allowed = ", ".join(sorted(self.fields))
            raise PlatformInputError(f"{path}.{unknown[0]}", f"is not a field here (allowed: {allowed})")
        if self.at_least_one and not value:
            raise PlatformInputError(path, "must hold at least one field")
        return {
            name: spec.read(value.get(name), f"{path}.{name}")
            for name, spec in self.fields.items()
            if name in value or spec.required
        }

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": "object",
            "properties": {name: spec.schema() for name, spec in self.fields.items()},
            "additionalProperties": False,
        }
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            found["required"] = required
        if self.at_least_one:
            found["minProperties"] = 1
        return _described(found, self.doc)


@dataclass(frozen=True)
class Items:
    """A JSON list of objects of one shape."""

    of: Shape
    limit: int
    at_least: int = 0
    required: bool = False
    doc: str = ""

    def read(self, value: Any, path: str) -> list[dict[str, Any]]:
        if value is None and self.required:
            raise PlatformInputError(path, "is required")
        if not isinstance(value, list):
            raise PlatformInputError(path, "must be a list")
        if len(value) > self.limit:
            raise PlatformInputError(path, f"may hold at most {plural(self.limit, 'item', 'items')}")
        if len(value) < self.at_least:
            raise PlatformInputError(path, f"must hold at least {plural(self.at_least, 'item', 'items')}")
        return [self.of.read(item, f"{path}[{index}]") for index, item in enumerate(value)]

    def schema(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": "array", "items": self.of.schema(), "maxItems": self.limit}
        if self.at_least:
            found["minItems"] = self.at_least
        return _described(found, self.doc)
