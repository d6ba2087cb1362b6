"""Offboarding a company, for hub admins: what will go (the confirmation's counts), an export of its data, then one
action that removes its Xero connection (the disconnect path: deleted in Xero by the sidecar, waiting changes
discarded) and erases its personal data, keeping the non-personal facts the audit log and the books need.

Erased: every contact's personal fields, history, proposals and reviews; the Xero contacts seen; alert emails and
alerts; raw Xero exchanges and outbox payloads; its staff users' names and emails (the accounts disabled, their
sessions ended). Revoked: its API keys. Kept: the company's name, documents and payments (amounts, numbers, dates,
Xero ids), the outbox entries' and sync errors' facts, sync runs, mappings and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, null, select, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.companies import get
from core.connections import lifecycle
from core.contacts import erasure
from core.failures import Refusal
from core.models.alerts import Alert, EmailMessage
from core.models.base import Company, StaffSession, StaffUser
from core.models.contacts import MatchReview, XeroContactSeen
from core.models.platform import ApiKey, DocumentPdf, PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import Connection, ConnectionState, OutboxEntry, SyncError
from core.staff import throttle
from core.text import plural

ERASED_USER_NAME = "Former user"


class OffboardRefused(Refusal):
    """The company cannot be offboarded as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Preview:
    """What offboarding a company will do, for the confirmation."""

    company_id: int
    name: str
    connected: bool  # a connection to remove (and delete in Xero)
    contacts: int
    documents: int
    payments: int
    emails: int
    users: int
    api_keys: int
    offboarded: bool

    @property
    def words(self) -> list[str]:
        """Each thing that goes, in plain words."""
        return [
            "The Xero connection is removed and deleted in Xero; waiting changes are discarded"
            if self.connected
            else "The company is not connected to Xero: nothing to disconnect",
            f"{plural(self.contacts, 'contact has', 'contacts have')} their personal details and history erased",
            f"{plural(self.documents, 'document', 'documents')} and {plural(self.payments, 'payment', 'payments')} "
            "keep only their numbers, amounts and dates (their raw Xero exchanges go)",
            f"{plural(self.emails, 'alert email is', 'alert emails are')} deleted",
            f"{plural(self.users, 'staff user is', 'staff users are')} disabled, with name and email erased",
            f"{plural(self.api_keys, 'API key is', 'API keys are')} revoked",
        ]


def _count(session: Session, model: type, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def preview(session: Session, actor: Actor, company_id: int) -> Preview:
    """What offboarding this company would erase, counted (hub admins only)."""
    require(actor, Permission.OFFBOARD_COMPANY)
    company = get(session, actor, company_id)
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    return Preview(
        company_id=company.id,
        name=company.name,
        connected=row is not None and row.state is not ConnectionState.REMOVED,
        contacts=_count(session, PlatformContact, PlatformContact.company_id == company_id),
        documents=_count(session, PlatformDocument, PlatformDocument.company_id == company_id),
        payments=_count(session, PlatformPayment, PlatformPayment.company_id == company_id),
        emails=_count(session, EmailMessage, EmailMessage.company_id == company_id),
        users=_count(session, StaffUser, StaffUser.company_id == company_id, StaffUser.email.not_like("%@invalid")),
        api_keys=_count(session, ApiKey, ApiKey.company_id == company_id, ApiKey.revoked_at.is_(None)),
        offboarded=company.offboarded_at is not None,
    )


def offboard(session: Session, actor: Actor, company_id: int, *, typed_name: str) -> Preview:
    """Disconnect the company from Xero and erase its personal data, in the caller's transaction. `typed_name` must
    be the company's name, as the person confirming typed it. Returns what was counted before."""
    before = preview(session, actor, company_id)
    if before.offboarded:
        raise OffboardRefused(f"{before.name} was offboarded already; its personal data is gone.")
    if typed_name.strip() != before.name:
        raise OffboardRefused(
            f"To confirm, type the company's name exactly as shown ({before.name}); nothing was changed."
        )
    now = clock.now()
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if row is not None and row.state is not ConnectionState.REMOVED:
        lifecycle.end(session, actor, company_id, remove=True, reason="Company offboarded")
    erasure.erase_company(session, company_id)
    session.execute(delete(MatchReview).where(MatchReview.company_id == company_id))
    session.execute(delete(XeroContactSeen).where(XeroContactSeen.company_id == company_id))
    session.execute(delete(Alert).where(Alert.company_id == company_id))
    session.execute(delete(EmailMessage).where(EmailMessage.company_id == company_id))
    session.execute(
        update(SyncError).where(SyncError.company_id == company_id).values(raw_request=null(), raw_response=null())
    )
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.company_id == company_id, OutboxEntry.payload_cleared_at.is_(None))
        .values(payload={}, payload_cleared_at=now)
    )
    session.execute(  # documents' PDFs not yet in Xero: their bytes go (name, size and hash stay)
        update(DocumentPdf)
        .where(DocumentPdf.company_id == company_id, DocumentPdf.cleared_at.is_(None))
        .values(content=null(), cleared_at=now)
    )
    _erase_users(session, company_id)
    session.execute(
        update(ApiKey).where(ApiKey.company_id == company_id, ApiKey.revoked_at.is_(None)).values(revoked_at=now)
    )
    company = session.get(Company, company_id)
    assert company is not None
    company.finance_contact_email, company.offboarded_at = None, now
    audit.record(
        session,
        actor=actor,
        action="company_offboarded",
        company_id=company_id,
        target=before.name,
        detail="; ".join(before.words),
    )
    return before


def _erase_users(session: Session, company_id: int) -> None:
    """The company's staff: disabled, signed out, names and emails gone (a unique placeholder keeps the row)."""
    users = select(StaffUser.id).where(StaffUser.company_id == company_id)
    session.execute(delete(StaffSession).where(StaffSession.user_id.in_(users.scalar_subquery())))
    for user in session.scalars(select(StaffUser).where(StaffUser.company_id == company_id)):
        throttle.forget_email(session, user.email)
        user.is_disabled, user.password_hash, user.sso_subject, user.failed_attempts = True, None, None, 0
        user.name, user.email = ERASED_USER_NAME, f"former-user-{user.id}@invalid"
