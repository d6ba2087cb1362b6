"""Suppliers' proposed updates (contact and bank details): the difference a finance user reviews, and the decision,
which goes through the platform's own entry point (proposal.decided), so the change and its outbox entry are
recorded as the platform would record them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.contacts.actions import ContactError
from core.contacts.reviews import LABELS, shown
from core.models.platform import PlatformContact, ProposalStatus, SupplierProposal
from core.platform_api import events as platform
from core.platform_api.checks import EventConflict, PlatformInputError

ORDER = {key: index for index, key in enumerate(LABELS)}  # a diff reads in the same order every time


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    current: str
    proposed: str


@dataclass(frozen=True)
class ProposalView:
    id: int
    platform_id: str
    contact_id: int
    supplier: str
    submitted_at: datetime
    changes: list[FieldChange]


def proposals(session: Session, actor: Actor, company_id: int, *, limit: int = 100) -> list[ProposalView]:
    """Suppliers' pending proposed updates, oldest first, each as the fields it would change (now → proposed)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    rows = session.execute(
        select(SupplierProposal, PlatformContact)
        .join(PlatformContact, PlatformContact.id == SupplierProposal.contact_id)
        .where(SupplierProposal.company_id == company_id, SupplierProposal.status == ProposalStatus.PENDING)
        .order_by(SupplierProposal.submitted_at, SupplierProposal.id)
        .limit(limit)
    ).all()
    views = []
    for proposal, contact in rows:
        current = contact.snapshot()
        changes = [
            FieldChange(key, LABELS.get(key, key), shown(current.get(key)), shown(value))
            for key, value in sorted((proposal.proposed or {}).items(), key=lambda kv: ORDER.get(kv[0], 99))
            if value != current.get(key)
        ]
        views.append(
            ProposalView(proposal.id, proposal.platform_id, contact.id, contact.name, proposal.submitted_at, changes)
        )
    return views


def decide_proposal(session: Session, actor: Actor, proposal_id: int, *, accept: bool) -> dict[str, Any]:
    """Accept or reject a supplier's proposed update, through the platform's proposal.decided event."""
    proposal = session.get(SupplierProposal, proposal_id)
    if proposal is None:
        raise ContactError("That proposed update no longer exists. Reload the page.")
    require(actor, Permission.EDIT_MAPPINGS, proposal.company_id)
    if proposal.status is not ProposalStatus.PENDING:
        raise ContactError(f"Someone already {proposal.status.value} this proposed update. Reload the page.")
    decision = "accepted" if accept else "rejected"
    try:
        result = platform.handle(
            session,
            company_id=proposal.company_id,
            event_id=f"hub-proposal-{proposal.id}-{decision}",
            kind="proposal.decided",
            data={"proposal_id": proposal.platform_id, "decision": decision},
        )
    except (PlatformInputError, EventConflict) as exc:
        raise ContactError(f"The proposed update could not be decided: {exc}") from None
    proposal.decided_by_user_id = actor.user_id
    contact = session.get(PlatformContact, proposal.contact_id)
    audit.record(
        session,
        actor=actor,
        action="supplier_proposal_decided",
        company_id=proposal.company_id,
        target=contact.name if contact else proposal.platform_id,
        after={"decision": decision, **({"fields": ", ".join(result["changed"])} if result.get("changed") else {})},
    )
    return result
