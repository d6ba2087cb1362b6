"""Checking what a platform sends: every refusal names the field, so the platform's developers can fix it fast."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from core.failures import Refusal
from core.models.platform import PlatformContact
from core.text import is_email

PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX")
ADDRESS_TYPES = ("POBOX", "STREET")
ADDRESS_FIELDS = {"type", "line1", "line2", "line3", "line4", "city", "region", "postal_code", "country"}


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


class Fields:
    """Read typed fields out of a JSON object, refusing unknown ones."""

    def __init__(self, data: Any, path: str, allowed: set[str]) -> None:
        if not isinstance(data, dict):
            raise PlatformInputError(path, "must be a JSON object")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise PlatformInputError(
                f"{path}.{unknown[0]}", f"is not a field here (allowed: {', '.join(sorted(allowed))})"
            )
        self.data, self.path = data, path

    def has(self, name: str) -> bool:
        return name in self.data

    def text(self, name: str, *, limit: int, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise PlatformInputError(f"{self.path}.{name}", "is required")
            return None
        if not isinstance(value, str):
            raise PlatformInputError(f"{self.path}.{name}", f"must be text, not {type(value).__name__}")
        if len(value.strip()) > limit:
            raise PlatformInputError(f"{self.path}.{name}", f"must be at most {limit} characters")
        return value.strip()

    def email(self, name: str) -> str | None:
        value = self.text(name, limit=255)
        if value is not None and not is_email(value):
            raise PlatformInputError(f"{self.path}.{name}", f"{value!r} is not an email address")
        return value.lower() if value else None

    def flag(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, bool):
            raise PlatformInputError(f"{self.path}.{name}", "must be true or false")
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, limit=10, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PlatformInputError(f"{self.path}.{name}", "must be a date as YYYY-MM-DD") from None

    def amount(self, name: str, *, places: int = 2, required: bool = True, positive: bool = False) -> Decimal | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise PlatformInputError(f"{self.path}.{name}", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PlatformInputError(f"{self.path}.{name}", "must be a JSON number (not text)")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise PlatformInputError(f"{self.path}.{name}", "is not a number") from None
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise PlatformInputError(f"{self.path}.{name}", f"must have at most {places} decimal places")
        if positive and amount <= 0:
            raise PlatformInputError(f"{self.path}.{name}", "must be more than zero")
        if abs(amount) >= Decimal("1e12"):
            raise PlatformInputError(f"{self.path}.{name}", "is too large")
        return amount

    def currency(self, name: str) -> str | None:
        value = self.text(name, limit=3)
        if value is not None and not (len(value) == 3 and value.isalpha() and value.isupper()):
            raise PlatformInputError(f"{self.path}.{name}", "must be a three-letter currency code such as GBP")
        return value

    def items(self, name: str, *, limit: int = 500) -> list[Any]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise PlatformInputError(f"{self.path}.{name}", "must be a list")
        if len(value) > limit:
            raise PlatformInputError(f"{self.path}.{name}", f"may hold at most {limit} items")
        return value


def phones(fields: Fields) -> list[dict[str, str]] | None:
    if not fields.has("phones"):
        return None
    found = []
    for index, raw in enumerate(fields.items("phones", limit=10)):
        phone = Fields(raw, f"{fields.path}.phones[{index}]", {"type", "number"})
        kind = phone.text("type", limit=10, required=True)
        if kind not in PHONE_TYPES:
            raise PlatformInputError(f"{phone.path}.type", f"must be one of {', '.join(PHONE_TYPES)}")
        found.append({"type": kind, "number": phone.text("number", limit=50, required=True) or ""})
    return found


def addresses(fields: Fields) -> list[dict[str, str]] | None:
    if not fields.has("addresses"):
        return None
    found = []
    for index, raw in enumerate(fields.items("addresses", limit=4)):
        address = Fields(raw, f"{fields.path}.addresses[{index}]", ADDRESS_FIELDS)
        kind = address.text("type", limit=10, required=True)
        if kind not in ADDRESS_TYPES:
            raise PlatformInputError(f"{address.path}.type", f"must be one of {', '.join(ADDRESS_TYPES)}")
        found.append({key: address.text(key, limit=500) or "" for key in sorted(ADDRESS_FIELDS)} | {"type": kind})
    return found


def refuse_erased(contact: PlatformContact | None, field: str) -> None:
    """Nothing is recorded for, or sent to, a contact erased at its owner's request (its details would come back)."""
    if contact is not None and contact.erased_at is not None:
        raise PlatformInputError(
            field,
            f"{contact.platform_id!r} was erased at the contact's request in Xero (a GDPR request): the hub keeps "
            "none of its details and sends nothing more to it; use a new id for a new supplier or contact",
        )
