"""Supplier push, the pure part: waiting contact changes and what the hub knows → the Xero contact writes to send.

No I/O here (STYLE.md: gather → plan → execute), so every case is a cheap table-driven test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.contacts.phones import mixed, parts
from core.sync.outbox import Claimed

PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX")
# In a contact's synced snapshot: the fields an update sent whose answer never came (a timeout, a reply cut off, a
# sidecar killed mid-call). What Xero holds for them is unknown, so they go again with the next update, whatever
# the snapshot says (a change taken back meanwhile would otherwise match the snapshot and never be sent).
UNCONFIRMED = "_unconfirmed"
# Platform field → Xero Contact field, for the plain ones (phones and addresses are lists, mapped below).
PLAIN = {
    "name": "Name",
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "EmailAddress",
    "bank_account": "BankAccountDetails",
    "tax_number": "TaxNumber",
}
ADDRESS = {
    "line1": "AddressLine1",
    "line2": "AddressLine2",
    "line3": "AddressLine3",
    "line4": "AddressLine4",
    "city": "City",
    "region": "Region",
    "postal_code": "PostalCode",
    "country": "Country",
}
# Xero derives IsCustomer and IsSupplier from transactions (they cannot be written), so they are never sent.
NOT_SENT = {"is_customer", "is_supplier"}


@dataclass(frozen=True)
class Known:
    """What the hub holds about the contact a change belongs to."""

    contact_id: int
    name: str
    platform_id: str | None
    xero_contact_id: str | None
    snapshot: dict[str, Any] = field(default_factory=dict)  # what Xero holds, as far as the hub knows
    current: dict[str, Any] = field(default_factory=dict)  # the contact's values now
    drift: dict[str, Any] = field(default_factory=dict)  # Xero's values the last pull found differing from ours


@dataclass(frozen=True)
class Write:
    """One element of a batch: its outbox entry, the Xero element, and the fields it carries (ours)."""

    entry: Claimed
    contact_id: int
    element: dict[str, Any]
    fields: dict[str, Any]
    create: bool


@dataclass(frozen=True)
class Settle:
    """An entry that needs no call: nothing Xero holds changed, or its contact is gone."""

    entry: Claimed
    reason: str


def contact_number(known: Known) -> str:
    """The stable id Xero keeps in ContactNumber for a contact the platform created (DESIGN's Decisions)."""
    return (known.platform_id or f"hub-{known.contact_id}")[:50]


def _phones(new: list[dict[str, str]] | None, old: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Each phone whole, its three parts (core.contacts.phones), so an edit replaces the phone in Xero."""
    numbers = {p["type"]: p["number"] for p in new or []}
    # A phone type we had but no longer have is blanked in Xero, since Xero keeps any type it is not sent.
    wanted = [t for t in PHONE_TYPES if t in numbers or any(p["type"] == t for p in old or [])]
    return [{"PhoneType": t, **parts(numbers.get(t, ""))} for t in wanted]


def _phones_mixed(known: Known) -> bool:
    """Whether the last pull found one of our phones in Xero with a country or area code left in front of our number
    (what a send of the number alone leaves there): it goes again, whole, so the phone Xero holds is ours."""
    theirs = {p.get("type"): str(p.get("number") or "") for p in known.drift.get("phones") or []}
    return any(mixed(p["number"], theirs.get(p["type"], "")) for p in known.current.get("phones") or [])


def _addresses(new: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [{"AddressType": a["type"], **{ours: a.get(mine, "") for mine, ours in ADDRESS.items()}} for a in new or []]


def element(fields: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The Xero Contact fields for these platform fields (only those given)."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in PLAIN:
            out[PLAIN[name]] = value or ""
        elif name == "phones":
            out["Phones"] = _phones(value, previous.get("phones"))
        elif name == "addresses":
            out["Addresses"] = _addresses(value)
    return out


def unsent(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields Xero takes (it derives the roles itself)."""
    return {k: v for k, v in fields.items() if k not in NOT_SENT}


def sent(snapshot: dict[str, Any] | None, fields: dict[str, Any], *, answered: bool) -> dict[str, Any]:
    """The snapshot after an update carrying these fields: answered, Xero holds them (and they are confirmed);
    before the answer, they are unconfirmed until one comes."""
    held = dict(snapshot or {})
    unsure = set(held.pop(UNCONFIRMED, None) or ())
    if answered:
        held.update(fields)
        unsure -= set(fields)
    else:
        unsure |= set(fields)
    return {**held, UNCONFIRMED: sorted(unsure)} if unsure else held


def difference(current: dict[str, Any], held: dict[str, Any]) -> dict[str, Any]:
    """The contact's fields whose value Xero does not hold."""
    return {k: v for k, v in current.items() if held.get(k) != v}


def plan(entries: list[Claimed], known: dict[int, Known]) -> tuple[list[Write], list[Settle]]:
    """Each claimed contact change → a write (create with ContactNumber, or update by ContactID) or a settle.

    The entry only says that the contact changed; what is sent is worked out here, from the contact's values now
    and what Xero holds, so a change taken back while an earlier push was in flight is still sent."""
    writes: list[Write] = []
    settles: list[Settle] = []
    for entry in entries:
        contact = known.get(int(entry.entity_id)) if entry.entity_id.isdigit() else None
        if contact is None:
            settles.append(Settle(entry, "The contact no longer exists in the hub."))
            continue
        create = contact.xero_contact_id is None
        if create:  # everything the contact holds now
            fields = dict(contact.current)
            body = element(unsent(fields), {}) | {"ContactNumber": contact_number(contact)}
            body.setdefault("Name", contact.name)  # Xero needs a name to create a contact
        else:  # what differs from what Xero holds, worked out now: never from a snapshot an earlier push will change
            fields = unsent(difference(contact.current, contact.snapshot))
            for name in contact.snapshot.get(UNCONFIRMED) or ():
                if name in contact.current:
                    fields[name] = contact.current[name]
            if _phones_mixed(contact):
                fields["phones"] = contact.current["phones"]
            if not fields:
                settles.append(Settle(entry, "Nothing Xero holds changed."))
                continue
            body = {"ContactID": contact.xero_contact_id, **element(fields, contact.snapshot)}
        writes.append(Write(entry, contact.contact_id, body, fields, create))
    return writes, settles
