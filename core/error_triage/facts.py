"""What the hub knows about errors before a retry (gathered in a few queries), for error_actions' pure judgement:
the connection, the change each error stopped, the Xero record to read again, the sync job to run again, and for
documents the pre-flight check run again on today's mappings (so a dry run shows which would now pass)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.documents import gather as document_gather
from core.documents import plan as document_plan
from core.models.base import Company
from core.models.platform import PlatformContact
from core.models.sync import Connection, OutboxEntry, OutboxState, SyncError
from core.sync import runs
from core.sync.outbox import Claimed

DOCUMENT = "document"  # core.documents.push.ENTITY (not imported: it brings the Xero client along)


@dataclass(frozen=True)
class Facts:
    """What the hub knows about one error."""

    error_id: int
    company_id: int
    company: str
    cause: str
    status: str
    entity: str
    connection: str | None  # the connection's state, None when the company never connected
    entry_id: int | None = None  # the outbox change the error stopped
    entry_state: str | None = None
    xero_id: str | None = None  # the Xero contact, for a targeted pull
    job: str | None = None  # the sync job that failed, to run again
    preflight: str | None = None  # the document's pre-flight refusal today ("" when it passes; None: not checked)


def _claimed(entry: OutboxEntry) -> Claimed:
    return Claimed(
        entry.id,
        entry.company_id,
        entry.connection_id,
        entry.entity_type,
        entry.entity_id,
        entry.entity_version,
        entry.operation,
        dict(entry.payload or {}),
        entry.idempotency_key,
        entry.attempts,
        entry.failures,
    )


def preflight(session: Session, entries: list[OutboxEntry]) -> dict[int, str]:
    """Failed document changes checked again as the push would check them: entry id → refusal ("" passes)."""
    out: dict[int, str] = {}
    by_company: dict[int, list[Claimed]] = {}
    for entry in entries:
        if entry.entity_type == DOCUMENT and entry.state is OutboxState.FAILED:
            by_company.setdefault(entry.company_id, []).append(_claimed(entry))
    for company_id, claimed in by_company.items():
        facts, lookups = document_gather.gather(session, company_id, claimed)
        plan = document_plan.plan(claimed, facts, lookups)
        out |= {c.id: "" for c in claimed}
        out |= {r.entry.id: r.refusal.detail for r in plan.refusals}
    return out


def gather(session: Session, ids: list[int]) -> list[Facts]:
    """The facts for these errors, by id."""
    rows = list(session.scalars(select(SyncError).where(SyncError.id.in_(ids)).order_by(SyncError.id)))
    company_ids = {r.company_id for r in rows}
    names = dict(session.execute(select(Company.id, Company.name).where(Company.id.in_(company_ids))).all())
    states = dict(
        session.execute(
            select(Connection.company_id, Connection.state).where(Connection.company_id.in_(company_ids))
        ).all()
    )
    entries: dict[int, OutboxEntry] = {}
    for entry in session.scalars(
        select(OutboxEntry).where(OutboxEntry.last_error_id.in_(ids)).order_by(OutboxEntry.id)
    ):
        entries[entry.last_error_id or 0] = entry  # the newest change the error stopped
    checked = preflight(session, list(entries.values()))
    contact_ids = [int(r.entity_id) for r in rows if r.entity_type == "contact" and (r.entity_id or "").isdigit()]
    xero_ids = dict(
        session.execute(
            select(PlatformContact.id, PlatformContact.xero_contact_id).where(PlatformContact.id.in_(contact_ids))
        ).all()
    )
    facts = []
    for r in rows:
        entry = entries.get(r.id)
        contact = int(r.entity_id) if r.entity_type == "contact" and (r.entity_id or "").isdigit() else None
        facts.append(
            Facts(
                error_id=r.id,
                company_id=r.company_id,
                company=names.get(r.company_id, f"Company {r.company_id}"),
                cause=r.cause,
                status=r.status.value,
                entity=r.entity_number or (f"{r.entity_type} {r.entity_id}" if r.entity_type else "—"),
                connection=states[r.company_id].value if r.company_id in states else None,
                entry_id=entry.id if entry is not None else None,
                entry_state=entry.state.value if entry is not None else None,
                xero_id=xero_ids.get(contact) if contact is not None else None,
                job=r.entity_id if r.entity_type == "sync_job" and r.entity_id in runs.JOBS else None,
                preflight=checked.get(entry.id) if entry is not None else None,
            )
        )
    return facts
