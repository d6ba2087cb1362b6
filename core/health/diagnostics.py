"""The diagnostics download: one JSON a person attaches to an escalation, with everything about a company's sync
(connection, settings, mappings, runs, errors with their raw exchanges, outbox, budget, sidecar, the hub's
configuration) and no secret: no token, password hash, API key or key of any kind."""

from __future__ import annotations

import dataclasses
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import audit, clock, companies
from core.auth import Actor, Permission, PermissionDenied, allowed
from core.connections.views import OPEN, error_summary
from core.health import sidecar
from core.mappings import store as mappings
from core.models.base import Role, StaffUser
from core.models.sync import Connection, Grant, SyncError, XeroBudget
from core.redact import redact
from core.settings import PROJECT_ROOT, Secret, Settings
from core.sync import backlog, run_history

RECENT = 50


def may_download(actor: Actor, company_id: int) -> bool:
    """Admins and support for every company; a finance manager only for their own company, with the admin flag."""
    if actor.role in (Role.ADMIN, Role.SUPPORT):
        return allowed(actor, Permission.VIEW_COMPANY, company_id)
    return allowed(actor, Permission.MANAGE_CONNECTION, company_id)


def _require(actor: Actor, company_id: int) -> None:
    if not may_download(actor, company_id):
        raise PermissionDenied(
            "You don't have permission to download this company's diagnostics: support, hub admins and the "
            "company's own admins can. Ask one of them for it."
        )


@cache
def hub_version() -> str:
    """The hub's version from pyproject.toml."""
    try:
        return str(tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def settings_summary(settings: Settings) -> dict[str, Any]:
    """Every setting, secrets shown as *** (the database URL without its password, SMTP without its password)."""
    summary: dict[str, Any] = {}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if field.name == "database_url":
            value = settings.database_label
        elif field.name == "smtp":
            value = value.label if value is not None else None
        elif isinstance(value, Secret):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) if isinstance(v, Secret) else v for v in value]
        elif isinstance(value, Path):
            value = str(value)
        summary[field.name] = value
    return summary


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _connection(session: Session, company_id: int) -> dict[str, Any] | None:
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if row is None:
        return None
    grant = session.get(Grant, row.grant_id) if row.grant_id else None
    by = session.get(StaffUser, row.connected_by_user_id) if row.connected_by_user_id else None
    fields = [
        "state",
        "tenant_id",
        "tenant_name",
        "xero_connection_id",
        "pinned_tenant_id",
        "backfill_from",
        "connected_at",
        "state_changed_at",
        "state_reason",
        "last_activity_at",
        "inactivity_warned_days",
        "last_sync_at",
        "contacts_since",
        "contacts_polled_at",
        "contacts_reconciled_at",
    ]
    found = {name: _iso(getattr(row, name)) for name in fields}
    found["connected_by"] = by.email if by else None
    # The grant without its tokens: who granted, what, and until when (the tokens are never read here).
    found["grant"] = (
        {
            "id": grant.id,
            "xero_user_email": grant.xero_user_email,
            "scopes": grant.scopes,
            "access_expires_at": _iso(grant.access_expires_at),
            "renewable_since": _iso(grant.refresh_issued_at),  # names avoid redact()'s secret-looking keys
            "revoked_at": _iso(grant.revoked_at),
            "renewable": bool(grant.refresh_token),
        }
        if grant
        else None
    )
    return found


def _errors(session: Session, company_id: int) -> list[dict[str, Any]]:
    """Open errors and the most recent others, each with its raw exchange (redacted when stored; again here)."""
    recent = select(SyncError.id).where(SyncError.company_id == company_id).order_by(SyncError.last_seen_at.desc())
    rows = session.scalars(
        select(SyncError)
        .where(
            SyncError.company_id == company_id,
            or_(SyncError.status.in_(OPEN), SyncError.id.in_(recent.limit(RECENT).scalar_subquery())),
        )
        .order_by(SyncError.last_seen_at.desc())
        .limit(500)
    )
    return [
        {
            **error_summary(e),
            "id": e.id,
            "status": e.status.value,
            "last_seen": _iso(e.last_seen_at),
            "note": e.note,
            "raw_request": redact(e.raw_request),
            "raw_response": redact(e.raw_response),
        }
        for e in rows
    ]


def build(session: Session, actor: Actor, company_id: int, *, settings: Settings) -> dict[str, Any]:
    """The diagnostics of one company, as a JSON-ready dict with no secret in it."""
    _require(actor, company_id)
    company = companies.get(session, actor, company_id)
    connection = _connection(session, company_id)
    tenant = connection["tenant_id"] if connection else None
    left = session.get(XeroBudget, tenant) if tenant else None
    policy = companies.settings_of(company)
    status = sidecar.status(session, heartbeat_seconds=settings.heartbeat_seconds)
    return redact(
        {
            "generated_at": clock.now().isoformat(),
            "generated_by": actor.email,
            "hub": {"version": hub_version(), "settings": settings_summary(settings)},
            "company": {
                "id": company.id,
                "name": company.name,
                "country": company.country,
                "base_currency": company.base_currency,
                "finance_contact_email": company.finance_contact_email,
                "settings": {k: v for k, v in (company.settings or {}).items() if k != "mappings"},
            },
            "import_policy": {
                "policy": policy.contact_import_policy,
                "phone_types": list(policy.phone_types),
                "groups": list(policy.import_groups),
            },
            "mappings": mappings.export_all(session, company_id),
            "connection": connection,
            "budget": {
                "minute_remaining": left.minute_remaining,
                "day_remaining": left.day_remaining,
                "paused_until": _iso(left.paused_until),
                "pause_reason": left.pause_reason,
                "updated_at": _iso(left.updated_at),
            }
            if left
            else None,
            "outbox": {state.value: count for state, count in backlog.counts(session, company_id).items()},
            "recent_runs": [
                {**{k: _iso(v) for k, v in dataclasses.asdict(run).items()}, "seconds": run.seconds}
                for run in run_history.recent(session, company_id=company_id, limit=RECENT)
            ],
            "errors": _errors(session, company_id),
            "sidecar": {
                "alive": status.alive,
                "last_beat_at": _iso(status.last_beat_at),
                "instances": status.instances,
                "jobs": [{k: _iso(v) for k, v in dataclasses.asdict(job).items()} for job in status.jobs],
            },
        }
    )


def record_download(session: Session, actor: Actor, company_id: int) -> None:
    """The diagnostics were downloaded: an audited staff action."""
    _require(actor, company_id)
    audit.record(session, actor=actor, action="diagnostics_downloaded", company_id=company_id)
