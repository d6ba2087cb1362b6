"""What an import policy would take, before it is saved: from every Xero contact the pulls have seen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.contacts_xero import XeroContact, in_policy
from core.models_contacts import XeroContactSeen
from core.models_platform import PlatformContact

SAMPLE = 8


@dataclass(frozen=True)
class Preview:
    """Counts for one policy: what it takes, what already imported falls outside it, and a sample of names."""

    seen: int
    takes: int
    new: int
    outside: int
    sample: tuple[str, ...]


def _as_contact(row: XeroContactSeen) -> XeroContact:
    return XeroContact(
        xero_id=row.xero_contact_id,
        values={"name": row.name},
        is_supplier=row.is_supplier,
        is_customer=row.is_customer,
        archived=row.archived,
        groups=tuple(row.groups or ()),
        contact_number=None,
        merged_into=None,
        updated_at=None,
    )


def preview(session: Session, actor: Actor, company_id: int, policy: str, groups: tuple[str, ...] = ()) -> Preview:
    """The policy's effect on the contacts the hub has seen in Xero (the same rule the pull applies)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    linked = set(
        session.scalars(
            select(PlatformContact.xero_contact_id).where(
                PlatformContact.company_id == company_id, PlatformContact.xero_contact_id.is_not(None)
            )
        )
    )
    seen = takes = new = outside = 0
    sample: list[str] = []
    for row in session.scalars(select(XeroContactSeen).where(XeroContactSeen.company_id == company_id)):
        seen += 1
        taken = in_policy(_as_contact(row), policy, groups)
        if taken:
            takes += 1
            new += row.xero_contact_id not in linked
            if len(sample) < SAMPLE:
                sample.append(row.name)
        elif row.xero_contact_id in linked and not row.archived:
            outside += 1
    return Preview(seen, takes, new, outside, tuple(sample))


def known_groups(session: Session, actor: Actor, company_id: int) -> list[str]:
    """Every Xero contact group seen for the company, for the "groups" policy."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    names: set[str] = set()
    for groups in session.scalars(select(XeroContactSeen.groups).where(XeroContactSeen.company_id == company_id)):
        names.update(groups or ())
    return sorted(names)
