"""Put generated organisations into the store: the control API's seeds and resets."""

from __future__ import annotations

import zlib

from sandbox import orgs, records
from sandbox.records import Record
from sandbox.seed import OrgSeed
from sandbox.store import Store

DAY_MS = 24 * 3600 * 1000


def _age(record_id: str, now_ms: int) -> int:
    """A deterministic 'last changed' time within the past year, so If-Modified-Since has history to cut."""
    return now_ms - (zlib.crc32(record_id.encode()) % 365) * DAY_MS - DAY_MS


def load_org(store: Store, seed: OrgSeed) -> str:
    """Create the organisation, its users and all its records; return its tenant id."""
    now = store.now_ms()
    tenant = seed.tenant_id
    orgs.create_org(store, tenant_id=tenant, name=seed.name, organisation=seed.organisation)
    for user in seed.users:
        user_id = orgs.upsert_user(
            store, email=user.email, first_name=user.first_name, last_name=user.last_name, password=user.password
        )
        orgs.add_member(store, tenant, user_id, user.role)
    rows: list[tuple[str, str, Record, str, str]] = []
    for account in seed.accounts:
        rows.append(
            (
                tenant,
                "Account",
                Record(account["AccountID"], _age(account["AccountID"], now), account.get("Status", "ACTIVE"), account),
                account.get("Name", ""),
                account.get("Code", ""),
            )
        )
    for rate in seed.tax_rates:
        rows.append(
            (
                tenant,
                "TaxRate",
                Record(rate["TaxType"].lower(), now, rate.get("Status", "ACTIVE"), rate),
                rate.get("Name", ""),
                rate["TaxType"],
            )
        )
    for group in seed.contact_groups:
        data = {**group, "_members": [m.lower() for m in seed.group_members.get(group["ContactGroupID"], [])]}
        rows.append(
            (
                tenant,
                "ContactGroup",
                Record(group["ContactGroupID"].lower(), now, group.get("Status", "ACTIVE"), data),
                group["Name"],
                "",
            )
        )
    for contact in seed.contacts:
        contact_id = contact["ContactID"].lower()
        rows.append(
            (
                tenant,
                "Contact",
                Record(contact_id, _age(contact_id, now), contact.get("ContactStatus", "ACTIVE"), contact),
                contact.get("Name", ""),
                str(contact.get("ContactNumber") or ""),
            )
        )
    with store.tx() as db:
        records.save_many(db, rows)
    return tenant
