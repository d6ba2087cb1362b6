"""Platform events about contacts and suppliers: changes, proposed updates, and the decisions on them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.models.base import Company
from core.models.platform import CONTACT_FIELDS, Origin, PlatformContact, ProposalStatus, SupplierProposal
from core.platform_api.checks import ADDRESS_FIELDS, EventConflict, PlatformInputError, refuse_erased
from core.sync.queue import queue


def _contact_values(values: dict[str, Any]) -> dict[str, Any]:
    """The contact fields an event sent (as read by core.platform_api.shapes), addresses with every line filled."""
    found = {name: values[name] for name in CONTACT_FIELDS if name in values}
    if "addresses" in found:
        found["addresses"] = [
            {key: address.get(key) or "" for key in sorted(ADDRESS_FIELDS)} for address in found["addresses"]
        ]
    return found


def apply_contact(session: Session, contact: PlatformContact, values: dict[str, Any]) -> dict[str, Any]:
    """Change a contact; return what changed, and queue the difference from what Xero last had."""
    changed = {k: v for k, v in values.items() if getattr(contact, k) != v}
    if not changed:
        return {}
    for key, value in changed.items():
        setattr(contact, key, value)
    contact.version += 1
    contact.changed_at = clock.now()
    session.flush()
    return changed


def _push_contact(session: Session, contact: PlatformContact) -> str:
    base = contact.synced_snapshot or {}
    payload = {k: v for k, v in contact.snapshot().items() if base.get(k) != v}
    operation = "update" if contact.xero_contact_id else "create"
    return queue(session, contact.company_id, "contact", contact.id, contact.version, operation, payload)


def supplier_changed(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """A supplier was created or edited in the platform (the platform is the source of truth for suppliers)."""
    supplier_id = data["supplier_id"]
    contact = session.scalar(
        select(PlatformContact).where(
            PlatformContact.company_id == company.id, PlatformContact.platform_id == supplier_id
        )
    )
    values = _contact_values(data)
    refuse_erased(contact, "data.supplier_id")
    if contact is None:
        if not values.get("name"):
            raise PlatformInputError("data.name", "is required for a new supplier")
        now = clock.now()
        contact = PlatformContact(
            company_id=company.id,
            platform_id=supplier_id,
            origin=Origin.PLATFORM,
            name="",  # filled by apply_contact below, so a new supplier counts as changed and is pushed
            phones=[],
            addresses=[],
            is_supplier=True,
            version=0,
            created_at=now,
            changed_at=now,
        )
        session.add(contact)
    contact.is_supplier = True
    changed = apply_contact(session, contact, values)
    outcome = _push_contact(session, contact) if changed else "unchanged"
    return {
        "entity": "contact",
        "id": contact.id,
        "version": contact.version,
        "changed": sorted(changed),
        "sync": outcome,
    }


def _supplier(session: Session, company: Company, field: str, supplier_id: str | None) -> PlatformContact:
    contact = session.scalar(
        select(PlatformContact).where(
            PlatformContact.company_id == company.id, PlatformContact.platform_id == supplier_id
        )
    )
    if contact is None or not contact.is_supplier:
        raise PlatformInputError(field, f"no supplier {supplier_id!r} in this company; send supplier.changed first")
    refuse_erased(contact, field)
    return contact


def supplier_proposed_update(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """A supplier proposed new details for itself; they wait for a finance user to review the difference."""
    contact = _supplier(session, company, "data.supplier_id", data["supplier_id"])
    proposal = SupplierProposal(
        company_id=company.id,
        contact_id=contact.id,
        platform_id=data["proposal_id"],
        proposed=_contact_values(data["changes"]),
        submitted_at=clock.now(),
    )
    session.add(proposal)
    session.flush()
    return {"entity": "proposal", "id": proposal.id, "status": proposal.status.value}


def decide_proposal(
    session: Session, proposal: SupplierProposal, *, accept: bool, decided_by_user_id: int | None = None
) -> dict[str, Any]:
    """Accept (the details change and sync) or reject a pending proposal."""
    if proposal.status is not ProposalStatus.PENDING:
        raise EventConflict(f"proposal {proposal.platform_id} was already {proposal.status.value}")
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.decided_at, proposal.decided_by_user_id = clock.now(), decided_by_user_id
    result: dict[str, Any] = {"entity": "proposal", "id": proposal.id, "status": proposal.status.value}
    if accept:
        contact = session.get(PlatformContact, proposal.contact_id)
        assert contact is not None
        changed = apply_contact(session, contact, dict(proposal.proposed))
        result |= {
            "contact_id": contact.id,
            "changed": sorted(changed),
            "sync": _push_contact(session, contact) if changed else "unchanged",
        }
    return result


def proposal_decided(session: Session, company: Company, data: dict[str, Any]) -> dict[str, Any]:
    """The platform reports a finance user's decision on a proposal."""
    proposal_id, decision = data["proposal_id"], data["decision"]
    proposal = session.scalar(
        select(SupplierProposal).where(
            SupplierProposal.company_id == company.id, SupplierProposal.platform_id == proposal_id
        )
    )
    if proposal is None:
        raise PlatformInputError("data.proposal_id", f"no proposal {proposal_id!r} in this company")
    return decide_proposal(session, proposal, accept=decision == "accepted")
