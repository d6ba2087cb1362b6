"""A Xero contact in the hub's words, and the company's import policy (pure functions, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.contacts.phones import text as phone_text

# What each policy imports (DESIGN: suppliers and contacts except customer-only ones is the default).
POLICIES: dict[str, str] = {
    "suppliers_and_contacts": "Suppliers and all contacts except customer-only ones",
    "customers_only": "Customers only (not archived)",
    "all": "Everything, archived contacts included",
    "groups": "Only the contact groups picked below",
}
DEFAULT_POLICY = "suppliers_and_contacts"
_XERO_DATE = re.compile(r"/Date\((-?\d+)")


@dataclass(frozen=True)
class XeroContact:
    """The fields of one Xero contact the hub keeps, already in platform terms."""

    xero_id: str
    values: dict[str, Any]  # name, first_name, last_name, email, phones, addresses, bank_account, tax_number
    is_supplier: bool
    is_customer: bool
    archived: bool
    groups: tuple[str, ...]
    contact_number: str | None
    merged_into: str | None
    updated_at: datetime | None
    all_phones: tuple[str, ...] = field(default=())  # every number (for matching), whatever the phone-type setting
    given_names: tuple[str | None, str | None] = (None, None)  # first and last name exactly as Xero has them
    # ContactStatus GDPRREQUEST: its owner asked Xero to erase it. None of its details are kept, even for a moment.
    erased: bool = False

    def held(self) -> dict[str, Any]:
        """What Xero holds, in platform fields, to compare the platform's values with (no name filled in)."""
        return {**self.values, "first_name": self.given_names[0], "last_name": self.given_names[1]}


def imported_platform_id(xero_id: str) -> str:
    """The platform id of a contact imported from Xero: "X-" and the ContactID it came from. It never changes after
    (a merge in Xero moves the link, not the id), and an import run twice gives the same id, never a second record."""
    return f"X-{xero_id}"[:64]


def parse_date(raw: Any) -> datetime | None:
    """Xero's "/Date(1700000000000+0000)/" (or an ISO string) as an aware UTC datetime."""
    if not isinstance(raw, str):
        return None
    found = _XERO_DATE.search(raw)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def phone_key(number: str | None) -> str | None:
    """Digits only, last nine: "+44 1353 123456" and "01353 123456" match; too short to trust is no key."""
    digits = re.sub(r"\D", "", number or "")
    return digits[-9:] if len(digits) >= 7 else None


ERASED_NAME = "Erased contact"
ERASED_VALUES: dict[str, Any] = {
    "name": ERASED_NAME,
    "first_name": None,
    "last_name": None,
    "email": None,
    "phones": [],
    "addresses": [],
    "bank_account": None,
    "tax_number": None,
}


def from_xero(contact: dict[str, Any], phone_types: tuple[str, ...]) -> XeroContact:
    """One Contact as Xero sends it → what the hub keeps (phones limited to the company's phone types)."""
    if contact.get("ContactStatus") == "GDPRREQUEST":  # only what links it: ids, never a detail of the person
        return XeroContact(
            xero_id=str(contact.get("ContactID") or ""),
            values=dict(ERASED_VALUES),
            is_supplier=bool(contact.get("IsSupplier")),
            is_customer=bool(contact.get("IsCustomer")),
            archived=False,
            groups=(),
            contact_number=(contact.get("ContactNumber") or None),
            merged_into=None,
            updated_at=parse_date(contact.get("UpdatedDateUTC")),
            erased=True,
        )
    name = str(contact.get("Name") or "").strip()
    first, last = (contact.get("FirstName") or "").strip(), (contact.get("LastName") or "").strip()
    if not first and not last and name:  # DESIGN: with no first/last name, the contact's name is used
        first = name
    # (type, number) once per phone: a big import reads several phones of every contact.
    found = [p for p in contact.get("Phones") or [] if isinstance(p, dict)]
    phones = [(p.get("PhoneType", "DEFAULT"), phone_text(p)) for p in found]
    phones = [(kind, number) for kind, number in phones if number]
    addresses = [
        {
            "type": a.get("AddressType", "STREET"),
            "line1": a.get("AddressLine1") or "",
            "line2": a.get("AddressLine2") or "",
            "line3": a.get("AddressLine3") or "",
            "line4": a.get("AddressLine4") or "",
            "city": a.get("City") or "",
            "region": a.get("Region") or "",
            "postal_code": a.get("PostalCode") or "",
            "country": a.get("Country") or "",
        }
        for a in contact.get("Addresses") or []
        if isinstance(a, dict) and any(a.get(k) for k in ("AddressLine1", "City", "PostalCode"))
    ]
    values = {
        "name": name[:255] or "(no name in Xero)",
        "first_name": first[:255] or None,
        "last_name": last[:255] or None,
        "email": (contact.get("EmailAddress") or "").strip()[:255] or None,
        "phones": [{"type": kind, "number": number[:50]} for kind, number in phones if kind in phone_types],
        "addresses": addresses,
        "bank_account": (contact.get("BankAccountDetails") or "").strip()[:255] or None,
        "tax_number": (contact.get("TaxNumber") or "").strip()[:50] or None,
    }
    return XeroContact(
        xero_id=str(contact.get("ContactID") or ""),
        values=values,
        is_supplier=bool(contact.get("IsSupplier")),
        is_customer=bool(contact.get("IsCustomer")),
        archived=contact.get("ContactStatus") == "ARCHIVED",
        groups=tuple(sorted(str(g.get("Name")) for g in contact.get("ContactGroups") or [] if g.get("Name"))),
        contact_number=(contact.get("ContactNumber") or None),
        merged_into=contact.get("MergedToContactID") or None,
        updated_at=parse_date(contact.get("UpdatedDateUTC")),
        all_phones=tuple(number for _kind, number in phones),
        given_names=((contact.get("FirstName") or "").strip() or None, (contact.get("LastName") or "").strip() or None),
    )


def in_policy(contact: XeroContact, policy: str, groups: tuple[str, ...] = ()) -> bool:
    """Whether the company's import policy takes this Xero contact."""
    if policy == "all":
        return True
    if contact.archived:  # only "everything" imports archived contacts (a linked one is still followed)
        return False
    if policy == "customers_only":
        return contact.is_customer
    if policy == "groups":
        return bool(set(contact.groups) & set(groups))
    return not (contact.is_customer and not contact.is_supplier)  # the default: all but customer-only ones
