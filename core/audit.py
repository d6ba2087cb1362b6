"""The audit log: every staff action, who did it, to which company, with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from core import activity, clock
from core.auth import Actor, Permission, require
from core.models.base import AuditEvent, Company
from core.text import csv_text

# Every action name the hub records, with the words the Audit page shows for it.
ACTIONS: dict[str, str] = {
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "account_locked": "Account locked after failed sign-ins",  # kept for records from before sign-ins were slowed
    "sso_bound": "Single sign-on identity bound to the account",
    "sign_out": "Signed out",
    "user_created": "User created",
    "user_changed": "User changed",
    "user_disabled": "User disabled",
    "user_enabled": "User enabled",
    "password_reset": "Password reset",
    "company_created": "Company created",
    "company_changed": "Company settings changed",
    "connect": "Xero connected",
    "disconnect": "Xero disconnected",
    "remove": "Xero connection removed",
    "connect_refused": "Xero connection refused (another organisation)",
    "inactivity_warning": "Inactivity warning sent",
    "inactivity_disconnect": "Disconnected after inactivity",
    "export_before_remove": "Connection data exported",
    "diagnostics_downloaded": "Diagnostics downloaded",
    "mapping_changed": "Mapping changed",
    "reference_refresh_requested": "Refresh of Xero accounts and tax rates asked for",
    "retry": "Sync retried",
    "error_status": "Sync error status changed",
    "errors_exported": "Sync errors exported (CSV)",
    "api_key_created": "API key created",
    "api_key_revoked": "API key revoked",
    "email_retry": "Alert email sent again",
    "contacts_sync_requested": "Contacts sync asked for",
    "contacts_exported": "Contacts exported (CSV)",
    "contact_review_decided": "Contact match decided",
    "supplier_proposal_decided": "Supplier's proposed update decided",
    "supplier_edited": "Supplier edited in the hub (as the platform)",
    "document_reexport": "Document or payment sent to Xero again",
    "documents_poll_requested": "Check of document status in Xero asked for",
    "demo_invoice_issued": "Demo invoice issued (as the platform)",
    "documents_exported": "Documents exported (CSV)",
    "company_exported": "Company data exported before offboarding",
    "company_offboarded": "Company offboarded (Xero disconnected, personal data erased)",
}

# Signing in or out is about the person, not the company: it does not keep a Xero connection alive.
# Nor does support reading a company's diagnostics.
NOT_ACTIVITY = frozenset(
    {"sign_in", "sign_in_failed", "account_locked", "sso_bound", "sign_out", "diagnostics_downloaded"}
)


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    company_id: int | None = None,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add one audit event to the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to core.audit.ACTIONS")
    event = AuditEvent(
        at=clock.now(),
        actor_user_id=actor.user_id if actor else None,
        actor_label=actor_label or (actor.label if actor else "anonymous"),
        action=action,
        company_id=company_id,
        target=target,
        before=before,
        after=after,
        detail=detail,
    )
    session.add(event)
    if company_id is not None and actor is not None and actor.user_id is not None and action not in NOT_ACTIVITY:
        activity.record(session, company_id)  # a staff action on the company counts as activity
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What the Audit page asks for; every field is optional."""

    actions: tuple[str, ...] = ()
    company_id: int | None = None
    actor_text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    action_label: str
    company: str | None
    target: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None


def _query(flt: AuditFilter) -> Select[Any]:
    query = select(AuditEvent, Company.name).outerjoin(Company, Company.id == AuditEvent.company_id)
    if flt.actions:
        query = query.where(AuditEvent.action.in_(flt.actions))
    if flt.company_id is not None:
        query = query.where(AuditEvent.company_id == flt.company_id)
    if flt.actor_text.strip():
        query = query.where(
            func.lower(AuditEvent.actor_label).contains(flt.actor_text.strip().lower(), autoescape=True)
        )
    if flt.since is not None:
        query = query.where(AuditEvent.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.at < flt.until)
    if flt.text.strip():
        needle = flt.text.strip().lower()
        query = query.where(
            or_(
                func.lower(AuditEvent.target).contains(needle, autoescape=True),
                func.lower(AuditEvent.detail).contains(needle, autoescape=True),
            )
        )
    return query


def list_events(session: Session, actor: Actor, flt: AuditFilter, *, limit: int = 500) -> list[AuditRow]:
    """The newest events matching the filter (admins only)."""
    require(actor, Permission.VIEW_AUDIT)
    query = _query(flt).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return [
        AuditRow(
            at=event.at,
            actor=event.actor_label,
            action=event.action,
            action_label=ACTIONS.get(event.action, event.action),
            company=company,
            target=event.target,
            before=event.before,
            after=event.after,
            detail=event.detail,
        )
        for event, company in session.execute(query)
    ]


def count_events(session: Session, actor: Actor, flt: AuditFilter) -> int:
    """How many events match the filter."""
    require(actor, Permission.VIEW_AUDIT)
    return session.scalar(select(func.count()).select_from(_query(flt).subquery())) or 0


def export_csv(session: Session, actor: Actor, flt: AuditFilter) -> str:
    """Every event matching the filter as CSV, oldest first."""
    rows = list_events(session, actor, flt, limit=1_000_000)
    header = ["at_utc", "actor", "action", "company", "target", "before", "after", "detail"]
    cells = (
        [row.at.isoformat(timespec="seconds"), row.actor, row.action, row.company, row.target,
         compact(row.before), compact(row.after), row.detail]
        for row in reversed(rows)
    )  # fmt: skip
    return csv_text(header, cells)


def compact(values: dict[str, Any] | None) -> str:
    """A dict as 'key=value; key=value' for tables and CSV."""
    if not values:
        return ""
    return "; ".join(f"{key}={value}" for key, value in values.items())
