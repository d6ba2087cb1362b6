"""Put generated organisations into the store: the control API's seeds and resets."""

from __future__ import annotations

import zlib

from demodata.orgs import OrgSeed
from sandbox import contacts, orgs, records
from sandbox.records import Record
from sandbox.store import Store

DAY_MS = 24 * 3600 * 1000
Row = tuple[str, str, Record, str, str, str | None]


def _age(record_id: str, now_ms: int) -> int:
    """A deterministic 'last changed' time within the past year, so If-Modified-Since has history to cut."""
    return now_ms - (zlib.crc32(record_id.encode()) % 365) * DAY_MS - DAY_MS


DEMO_DOCUMENTS = 40


def load_org(store: Store, seed: OrgSeed, *, documents: int = 0) -> str:
    """Create the organisation, its users and all its records (and `documents` invoices and bills)."""
    now = store.now_ms()
    tenant = seed.tenant_id
    orgs.create_org(store, tenant_id=tenant, name=seed.name, organisation=seed.organisation)
    for user in seed.users:
        user_id = orgs.upsert_user(
            store, email=user.email, first_name=user.first_name, last_name=user.last_name, password=user.password
        )
        orgs.add_member(store, tenant, user_id, user.role)
    rows: list[Row] = []
    for account in seed.accounts:
        record = Record(account["AccountID"].lower(), _age(account["AccountID"], now), account["Status"], account)
        rows.append((tenant, "Account", record, account["Name"], account.get("Code", ""), None))
    for rate in seed.tax_rates:
        record = Record(rate["TaxType"].lower(), now, rate.get("Status", "ACTIVE"), rate)
        rows.append((tenant, "TaxRate", record, rate["Name"], rate["TaxType"], None))
    for category in seed.tracking_categories:
        record = Record(category["TrackingCategoryID"].lower(), now, category["Status"], category)
        rows.append((tenant, "TrackingCategory", record, category["Name"], "", None))
    for group in seed.contact_groups:
        members = [m.lower() for m in seed.group_members.get(group["ContactGroupID"], [])]
        record = Record(
            group["ContactGroupID"].lower(), now, group.get("Status", "ACTIVE"), {**group, "_members": members}
        )
        rows.append((tenant, "ContactGroup", record, group["Name"], "", None))
    for contact in seed.contacts:
        contact_id = contact["ContactID"].lower()
        rows.append(contacts.row(tenant, Record(contact_id, _age(contact_id, now), contact["ContactStatus"], contact)))
    with store.tx() as db:
        records.save_many(db, rows)
    if documents:
        from sandbox.documents.seed import seed_documents

        seed_documents(store, tenant, documents, rng_seed=1)
    return tenant
