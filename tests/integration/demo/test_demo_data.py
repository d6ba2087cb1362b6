"""The demo's platform records overlap the simulator's organisations as the demo story needs."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from core.demo import platform_records as demo_platform
from core.hub import Hub
from core.models.base import Company
from core.models.platform import PlatformContact
from demodata.orgs import DEMO_ORGS


def test_the_plan_overlaps_by_email_phone_and_ambiguously() -> None:
    for spec in DEMO_ORGS[:3]:
        org = spec.build()
        planned = demo_platform.plan(org)
        kinds = Counter(p.overlap for p in planned)
        assert kinds["email"] > kinds["phone"] > 0 and kinds["platform-only"] == 2 and kinds["ambiguous"] >= 1
        active = [c for c in org.contacts if c["ContactStatus"] == "ACTIVE"]
        for item in planned:
            if item.overlap == "ambiguous":
                matches = [
                    c
                    for c in active
                    if (item.email and c.get("EmailAddress", "").lower() == item.email)
                    or any(p in demo_platform._phones(c) for p in item.phones if p["type"] == "MOBILE")
                ]
                assert len(matches) >= 2, item
        assert len({p.platform_id for p in planned}) == len(planned)
        assert len(planned) < len([c for c in active if c["IsSupplier"] or c["IsCustomer"]]) + 2  # some Xero-only
        assert demo_platform.plan(org) == planned  # deterministic


def test_the_demo_seed_adds_them_for_the_demo_companies(seeded: Hub) -> None:
    with seeded.db.read() as session:
        rows = session.execute(
            select(Company.name, PlatformContact.name).join(PlatformContact, PlatformContact.company_id == Company.id)
        ).all()
    per_company = Counter(company for company, _ in rows)
    assert set(per_company) == {"Harbour Bakery Ltd", "Kookaburra Plumbing Pty Ltd", "Tui Garden Supplies Ltd"}
    assert all(count >= 20 for count in per_company.values())
