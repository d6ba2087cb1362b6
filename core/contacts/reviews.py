"""The two lists a person works through on the Contacts & suppliers page: Xero contacts that matched several
platform contacts (pick one, import as new, or dismiss), and suppliers' proposed updates (accept or reject).

A pick fills the platform record exactly as the pull's first link does (core.contacts.pull_apply); a proposal decision
goes through the platform's own entry point (proposal.decided), so the change and its outbox entry are recorded
as the platform would record them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.contacts.actions import ContactError
from core.contacts.pull_apply import Unlinked, apply
from core.contacts.pull_plan import FIELDS, Action
from core.contacts.xero_contact import XeroContact
from core.models.contacts import ContactHistory, MatchReview, ReviewStatus
from core.models.platform import Origin, PlatformContact
from core.models.sync import Connection, ConnectionState
from core.sync import runs

LABELS = {
    "name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phones": "Phones",
    "addresses": "Addresses",
    "bank_account": "Bank account",
    "tax_number": "Tax number",
    "is_customer": "Customer",
}


def shown(value: Any) -> str:
    """A field's value as one line of text (phones and addresses are lists)."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict) and "number" in item:
                parts.append(f"{item['number']} ({str(item.get('type', '')).lower()})")
            elif isinstance(item, dict):
                keys = ("line1", "line2", "city", "region", "postal_code", "country")
                parts.append(", ".join(str(item[k]) for k in keys if item.get(k)))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    email: str | None
    phones: str
    platform_id: str | None
    linked_to: str | None  # the Xero contact it is linked to already, if any


@dataclass(frozen=True)
class ReviewView:
    id: int
    xero_contact_id: str
    name: str
    email: str | None
    phones: str
    roles: str
    reason: str
    created_at: datetime
    candidates: list[Candidate]


def reviews(session: Session, actor: Actor, company_id: int, *, limit: int = 100) -> list[ReviewView]:
    """Open ambiguous matches, oldest first, with each candidate's name, email and phones."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    rows = list(
        session.scalars(
            select(MatchReview)
            .where(MatchReview.company_id == company_id, MatchReview.status == ReviewStatus.OPEN)
            .order_by(MatchReview.created_at, MatchReview.id)
            .limit(limit)
        )
    )
    ids = {i for r in rows for i in r.candidate_ids or []}
    found = session.scalars(
        select(PlatformContact).where(PlatformContact.company_id == company_id, PlatformContact.id.in_(ids))
    )
    by_id = {c.id: Candidate(c.id, c.name, c.email, shown(c.phones), c.platform_id, c.xero_contact_id) for c in found}
    views = []
    for r in rows:
        xero = r.xero_contact or {}
        supplier, customer = bool(xero.get("is_supplier")), bool(xero.get("is_customer"))
        views.append(
            ReviewView(
                id=r.id,
                xero_contact_id=r.xero_contact_id,
                name=r.xero_name,
                email=xero.get("email"),
                phones=shown(xero.get("phones")),
                roles=" and ".join(w for w, on in (("supplier", supplier), ("customer", customer)) if on) or "—",
                reason=r.reason,
                created_at=r.created_at,
                candidates=[by_id[i] for i in r.candidate_ids or [] if i in by_id],
            )
        )
    return views


def _as_xero(review: MatchReview) -> XeroContact:
    """The Xero contact as the pull saw it (the review keeps its values in our field names)."""
    data = dict(review.xero_contact or {})
    values = {k: data[k] for k in FIELDS if k in data}
    values["name"] = values.get("name") or review.xero_name
    return XeroContact(
        xero_id=review.xero_contact_id,
        values=values,
        is_supplier=bool(data.get("is_supplier")),
        is_customer=bool(data.get("is_customer")),
        archived=False,  # the pull only asks about contacts its policy takes; the follow-up pull corrects it
        groups=tuple(data.get("groups") or ()),
        contact_number=None,
        merged_into=None,
        updated_at=None,
    )


class _OneReview(Unlinked):
    """The pull's bookkeeping of unlinked contacts, empty: a review decision links one contact, not a page."""

    def __init__(self) -> None:
        self.contacts = {}
        self.linked_here = {}


def _open_review(session: Session, actor: Actor, review_id: int) -> MatchReview:
    review = session.get(MatchReview, review_id)
    if review is None:
        raise ContactError("That match is no longer waiting for review. Reload the page.")
    require(actor, Permission.EDIT_MAPPINGS, review.company_id)
    if review.status is not ReviewStatus.OPEN:
        raise ContactError(f"Someone already decided this match ({review.status.value}). Reload the page.")
    return review


def _link(session: Session, review: MatchReview, contact_id: int) -> PlatformContact:
    if contact_id not in (review.candidate_ids or []):
        raise ContactError("Pick one of the platform contacts listed for this Xero contact.")
    contact = session.get(PlatformContact, contact_id)
    if contact is None or contact.company_id != review.company_id:
        raise ContactError("That platform contact no longer exists. Reload the page.")
    if contact.xero_contact_id:
        raise ContactError(
            f"{contact.name} is already linked to another Xero contact. Import this one as a new contact or dismiss "
            "it; if the two are the same business, merge them in Xero and the hub follows the one kept."
        )
    xero = _as_xero(review)
    ours = contact.snapshot()
    changes = {k: v for k, v in xero.values.items() if v != ours.get(k)}
    apply(session, review.company_id, [Action("link", xero, contact.id, changes=changes)], _OneReview())
    return contact


def _create(session: Session, review: MatchReview) -> PlatformContact:
    apply(session, review.company_id, [Action("create", _as_xero(review))], _OneReview())
    contact = session.scalar(
        select(PlatformContact).where(
            PlatformContact.company_id == review.company_id,
            PlatformContact.xero_contact_id == review.xero_contact_id,
            PlatformContact.origin == Origin.XERO,
        )
    )
    assert contact is not None
    return contact


def decide_review(
    session: Session, actor: Actor, review_id: int, *, link_to: int | None, create: bool, dismiss: bool
) -> str:
    """Decide an ambiguous match: link it to one candidate, import it as a new contact, or dismiss it."""
    if [link_to is not None, create, dismiss].count(True) != 1:
        raise ContactError("Choose one: a platform contact to link, import as a new contact, or dismiss.")
    review = _open_review(session, actor, review_id)
    contact: PlatformContact | None = None
    if not dismiss:
        taken = session.scalar(
            select(PlatformContact.name).where(
                PlatformContact.company_id == review.company_id,
                PlatformContact.xero_contact_id == review.xero_contact_id,
            )
        )
        if taken is not None:
            raise ContactError(f"A later pull already linked this Xero contact to {taken}. Dismiss this review.")
        contact = _link(session, review, link_to) if link_to is not None else _create(session, review)
        session.add(
            ContactHistory(
                contact_id=contact.id,
                company_id=review.company_id,
                at=clock.now(),
                source="review_link" if link_to is not None else "review_create",
                changes={},
                note=f"{actor.label} decided the match with Xero contact {review.xero_name!r} on the review list",
            )
        )
        connection = session.scalar(select(Connection).where(Connection.company_id == review.company_id))
        if connection is not None and connection.state is ConnectionState.CONNECTED:
            # The review kept Xero's details, not its groups or status: one targeted pull brings them.
            runs.request(session, company_id=review.company_id, job="contacts_webhook", ids=[review.xero_contact_id])
    review.status = (
        ReviewStatus.DISMISSED if dismiss else ReviewStatus.LINKED if link_to is not None else ReviewStatus.CREATED
    )
    review.decided_at, review.decided_by_user_id = clock.now(), actor.user_id
    review.contact_id = contact.id if contact else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contact_review_decided",
        company_id=review.company_id,
        target=review.xero_name,
        after={"decision": review.status.value, **({"contact": contact.name} if contact else {})},
    )
    if dismiss:
        return f"Dismissed: {review.xero_name} stays in Xero only and later pulls leave it alone."
    assert contact is not None
    if link_to is not None:
        return f"Linked {review.xero_name} in Xero to {contact.name}; Xero's details filled it once."
    return f"Imported {review.xero_name} from Xero as a new contact."
