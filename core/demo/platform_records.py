"""The demo's platform records: suppliers and customers that overlap the simulator's organisations by design.

Most platform suppliers match a Xero contact by email or by phone (some under a slightly different name), a few
match two Xero contacts at once (the organisation's near-duplicates), and some exist only in the platform; a few
Xero contacts have no platform counterpart. Same seed, same records, in the hub and in the simulator.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core import clock
from core.contacts.phones import text as phone_text
from core.models.base import Company
from core.models.platform import Origin, PlatformContact
from demodata.orgs import DEMO_ORGS, DemoOrg, OrgSeed

PLATFORM_ONLY = {
    "GB": [
        ("Cotswold Oat Co", "hello@cotswoldoats.example", "7700 900311"),
        ("Severn Salt Works", "sales@severnsalt.example", "7700 900312"),
    ],
    "AU": [
        ("Hunter Valley Copper Pty Ltd", "orders@huntercopper.example", "412 555 301"),
        ("Gippsland Fittings", "accounts@gippslandfittings.example", "412 555 302"),
    ],
    "NZ": [
        ("Waikato Seed Co", "kiaora@waikatoseed.example", "21 555 3031"),
        ("Otago Pots Ltd", "orders@otagopots.example", "21 555 3032"),
    ],
}


@dataclass(frozen=True)
class DemoContact:
    platform_id: str
    name: str
    email: str | None
    phones: list[dict[str, str]]
    addresses: list[dict[str, str]] = field(default_factory=list)
    bank_account: str | None = None
    is_supplier: bool = True
    is_customer: bool = False
    # How it meets Xero, for the demo's narrative and tests: email, phone, ambiguous or platform-only.
    overlap: str = "email"


def _phones(contact: dict[str, Any]) -> list[dict[str, str]]:
    """The Xero contact's phones written as the hub reads them from Xero ("+44 01632 960111")."""
    return [{"type": p["PhoneType"], "number": phone_text(p)} for p in contact.get("Phones", []) if phone_text(p)]


def _addresses(contact: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "type": a["AddressType"],
            "line1": a.get("AddressLine1", ""),
            "line2": a.get("AddressLine2", ""),
            "line3": "",
            "line4": "",
            "city": a.get("City", ""),
            "region": a.get("Region", ""),
            "postal_code": a.get("PostalCode", ""),
            "country": a.get("Country", ""),
        }
        for a in contact.get("Addresses", [])
        if a.get("City")
    ]


def plan(org: OrgSeed, *, seed: int = 1) -> list[DemoContact]:
    """The platform records for one demo organisation (pure: same organisation, same plan)."""
    rng = random.Random(f"{seed}:{org.name}:platform")
    active = [c for c in org.contacts if c["ContactStatus"] == "ACTIVE"]
    emails = Counter(c["EmailAddress"].lower() for c in active if c.get("EmailAddress"))
    mobiles = Counter(p["number"] for c in active for p in _phones(c) if p["type"] == "MOBILE")
    shared = {e for e, n in emails.items() if n > 1} | {m for m, n in mobiles.items() if n > 1}
    planned: list[DemoContact] = []
    taken: set[str] = set()  # a shared email or mobile gets one platform record, which then matches two in Xero
    for index, contact in enumerate(sorted(active, key=lambda c: c["ContactID"])):
        email = (contact.get("EmailAddress") or "").lower() or None
        mobile = next((p["number"] for p in _phones(contact) if p["type"] == "MOBILE"), None)
        ambiguous = email in shared or mobile in shared
        if ambiguous and ({email, mobile} & taken):
            continue
        if ambiguous:
            taken.update(k for k in (email, mobile) if k in shared)
        if not (contact["IsSupplier"] or contact["IsCustomer"]) or (not ambiguous and rng.random() < 0.3):
            continue  # this one stays Xero-only
        by_phone = not ambiguous and mobile is not None and rng.random() < 0.25
        name = contact["Name"]
        if not ambiguous and rng.random() < 0.2:
            name = name.replace(" Ltd", " Limited") if " Ltd" in name else name + " (trading)"
        planned.append(
            DemoContact(
                platform_id=f"P-{org.country}-{index:04d}",
                name=name,
                email=None if by_phone else email,
                phones=_phones(contact) if by_phone or ambiguous or rng.random() < 0.6 else [],
                addresses=_addresses(contact),
                bank_account=contact.get("BankAccountDetails") or None,
                is_supplier=bool(contact["IsSupplier"]),
                is_customer=bool(contact["IsCustomer"]),
                overlap="ambiguous" if ambiguous else "phone" if by_phone else "email",
            )
        )
    for number, (name, email, mobile) in enumerate(PLATFORM_ONLY[org.country], start=1):
        code = {"GB": "44", "AU": "61", "NZ": "64"}[org.country]
        planned.append(
            DemoContact(
                platform_id=f"P-{org.country}-NEW{number}",
                name=name,
                email=email,
                phones=[{"type": "MOBILE", "number": f"+{code} {mobile}"}],
                overlap="platform-only",
            )
        )
    return planned


def seed(session: Session, companies: dict[str, Company], specs: tuple[DemoOrg, ...] = DEMO_ORGS) -> int:
    """Add the planned platform records for every demo company that has a simulator organisation; return how many."""
    now, added = clock.now(), 0
    for spec in specs:
        company = companies.get(spec.name)
        if company is None:
            continue
        for item in plan(spec.build()):
            session.add(
                PlatformContact(
                    company_id=company.id,
                    platform_id=item.platform_id,
                    origin=Origin.PLATFORM,
                    name=item.name,
                    email=item.email,
                    phones=item.phones,
                    addresses=item.addresses,
                    bank_account=item.bank_account,
                    is_supplier=item.is_supplier,
                    is_customer=item.is_customer,
                    version=1,
                    created_at=now,
                    changed_at=now,
                )
            )
            added += 1
    return added
