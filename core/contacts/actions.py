"""The Contacts & suppliers page's status and actions: where the import stands, and "sync now" (the demo's supplier
edit lives in core.demo.suppliers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.contacts import pull as contacts_sync
from core.failures import Refusal
from core.models.sync import Connection, ConnectionState, RunState
from core.sync import runs

# Every pull of contacts from Xero (import, poll, webhook, reconcile).
PULL_JOBS = contacts_sync.JOBS


class ContactError(Refusal):
    """A contacts action was refused; the message says why and what to do."""


@dataclass(frozen=True)
class ImportStatus:
    """The company's Xero connection and its contacts import, as the page shows them."""

    connection: ConnectionState | None
    organisation: str | None
    state: RunState | None  # the latest initial import's, None before any
    pages: int = 0
    contacts: int = 0
    estimate: int | None = None  # contacts Xero says there are, when the run learnt it
    done: dict[str, int] = field(default_factory=dict)  # {created: n, link: n, review: n, …}
    requested_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    last_pull_at: datetime | None = None
    pull_waiting: bool = False  # a "sync now", a poll or a webhook pull is queued or running

    @property
    def connected(self) -> bool:
        return self.connection is ConnectionState.CONNECTED

    @property
    def importing(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    @property
    def fraction(self) -> float | None:
        """How far the import is (0 to 1), when Xero said how many contacts there are."""
        if not self.estimate:
            return None
        return min(1.0, self.contacts / self.estimate)


def import_status(session: Session, actor: Actor, company_id: int) -> ImportStatus:
    """Where the company's contacts import stands (from the latest contacts_import run)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    run = runs.latest(session, actor, company_id, "contacts_import")
    waiting = runs.under_way(session, company_id, PULL_JOBS)
    progress = (run.progress or {}) if run else {}
    estimate = progress.get("estimate") or progress.get("item_count")
    return ImportStatus(
        connection=row.state if row else None,
        organisation=row.tenant_name if row else None,
        state=run.state if run else None,
        pages=int(progress.get("pages", 0)),
        contacts=int(progress.get("contacts", 0)),
        estimate=int(estimate) if estimate else None,
        done={str(k): int(v) for k, v in (progress.get("done") or {}).items()},
        requested_at=run.requested_at if run else None,
        finished_at=run.finished_at if run else None,
        outcome=run.outcome if run else None,
        last_pull_at=row.contacts_polled_at if row else None,
        pull_waiting=waiting,
    )


def request_sync(session: Session, actor: Actor, company_id: int) -> str:
    """ "Sync now": ask the sidecar for a pull of what changed in Xero; say what will happen."""
    require(actor, Permission.TRIAGE_ERRORS, company_id)
    row = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if row is None or row.state is not ConnectionState.CONNECTED:
        raise ContactError("This company is not connected to Xero, so there is nothing to sync. Connect it first.")
    if runs.under_way(session, company_id, ("contacts_import",)):
        return "The initial import is still under way; it brings every contact, so nothing more was asked for."
    runs.request(session, company_id=company_id, job="contacts_poll", requested_by=actor.user_id)
    audit.record(session, actor=actor, action="contacts_sync_requested", company_id=company_id)
    return "Asked for: the sidecar pulls what changed in Xero within a few seconds."
