"""The email outbox as staff see it: which alert emails went out, which wait, and sending one again now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, PermissionDenied, allowed, require
from core.models.alerts import EmailMessage, EmailState
from core.models.base import Company

RETRYABLE = (EmailState.PENDING, EmailState.FAILED)


@dataclass(frozen=True)
class EmailRow:
    """One email as the Outbox page shows it."""

    id: int
    company_id: int | None
    company: str | None
    recipients: tuple[str, ...]
    subject: str
    body: str
    state: EmailState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @property
    def can_send_now(self) -> bool:
        return self.state in RETRYABLE


def can_view(actor: Actor) -> bool:
    """Whether the actor may open the outbox: admins and support (every email), finance managers (their own)."""
    return allowed(actor, Permission.TRIAGE_ERRORS, actor.company_id)


def _scope(actor: Actor) -> frozenset[int] | None:
    """The companies whose emails the actor may see, or None for every email (hub-wide ones included)."""
    if allowed(actor, Permission.TRIAGE_ERRORS):
        return None
    if actor.company_id is not None and allowed(actor, Permission.TRIAGE_ERRORS, actor.company_id):
        return frozenset({actor.company_id})
    raise PermissionDenied("You don't have permission to read the hub's alert emails. Ask a hub admin if you need it.")


def list_emails(
    session: Session,
    actor: Actor,
    *,
    state: EmailState | None = None,
    company_id: int | None = None,
    limit: int = 200,
) -> list[EmailRow]:
    """The newest emails the actor may see, optionally of one state or one company."""
    scope = _scope(actor)
    query = select(EmailMessage, Company.name).outerjoin(Company, Company.id == EmailMessage.company_id)
    if scope is not None:
        query = query.where(EmailMessage.company_id.in_(scope))
    if company_id is not None:
        require(actor, Permission.TRIAGE_ERRORS, company_id)
        query = query.where(EmailMessage.company_id == company_id)
    if state is not None:
        query = query.where(EmailMessage.state == state)
    query = query.order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc()).limit(limit)
    return [
        EmailRow(
            id=email.id,
            company_id=email.company_id,
            company=name,
            recipients=tuple(email.recipients),
            subject=email.subject,
            body=email.body,
            state=email.state,
            attempts=email.attempts,
            next_attempt_at=email.next_attempt_at,
            last_error=email.last_error,
            created_at=email.created_at,
            sent_at=email.sent_at,
        )
        for email, name in session.execute(query).tuples()
    ]


def retry_now(session: Session, actor: Actor, email_id: int) -> bool:
    """Make a waiting or failed email due at once (the sidecar sends it within seconds); False if already sent."""
    email = session.get(EmailMessage, email_id)
    scope = _scope(actor)
    if email is None or (scope is not None and email.company_id not in scope):
        raise PermissionDenied("That email does not exist or you cannot see it.")
    require(actor, Permission.TRIAGE_ERRORS, email.company_id)
    if email.state not in RETRYABLE:
        return False
    before = {"state": email.state.value, "next_attempt_at": email.next_attempt_at.isoformat(timespec="seconds")}
    email.state, email.next_attempt_at = EmailState.PENDING, clock.now()
    audit.record(
        session,
        actor=actor,
        action="email_retry",
        company_id=email.company_id,
        target=f"email {email.id}: {email.subject}"[:300],
        before=before,
        after={"state": email.state.value, "attempts_so_far": email.attempts},
    )
    return True
