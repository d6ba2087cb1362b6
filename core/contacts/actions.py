"""The Contacts & suppliers page's status and actions: where the import stands, "sync now", and the demo's
supplier edit, which goes through the platform's own entry point (core.platform_api.events) like any platform change."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.contacts import pull as contacts_sync
from core.failures import Refusal
from core.models.platform import PlatformContact
from core.models.sync import Connection, ConnectionState, RunState
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError
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


@dataclass(frozen=True)
class SupplierForm:
    """A supplier's details as the demo's edit form shows them."""

    id: int
    platform_id: str
    name: str
    email: str
    phone: str
    bank_account: str
    xero_contact_id: str | None


def _supplier(session: Session, company_id: int, contact_id: int) -> PlatformContact:
    contact = session.get(PlatformContact, contact_id)
    if contact is None or contact.company_id != company_id:
        raise ContactError("That supplier is not in this company. Reload the page and pick it again.")
    if not contact.is_supplier or not contact.platform_id:
        raise ContactError(
            f"{contact.name} is not a platform supplier (it came from Xero), so the platform cannot edit it. "
            "Change it in Xero instead."
        )
    return contact


def supplier_form(session: Session, actor: Actor, company_id: int, contact_id: int) -> SupplierForm:
    """The supplier's current details, to fill the demo's edit form."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    contact = _supplier(session, company_id, contact_id)
    phones = contact.phones or []
    return SupplierForm(
        id=contact.id,
        platform_id=contact.platform_id or "",
        name=contact.name,
        email=contact.email or "",
        phone=phones[0].get("number", "") if phones else "",
        bank_account=contact.bank_account or "",
        xero_contact_id=contact.xero_contact_id,
    )


FIELD_WORDS = {"name": "Name", "email": "Email", "phones": "Phone", "bank_account": "Bank account"}


def edit_supplier(
    session: Session,
    actor: Actor,
    company_id: int,
    contact_id: int,
    *,
    name: str,
    email: str,
    phone: str,
    bank_account: str,
) -> dict[str, Any]:
    """The demo's supplier edit, sent as the platform sends it (a supplier.changed event): the change and its
    outbox entry are recorded together, and the sidecar pushes it to Xero within seconds."""
    require(actor, Permission.EDIT_MAPPINGS, company_id)
    contact = _supplier(session, company_id, contact_id)
    phones = [dict(p) for p in contact.phones or []]
    if phone.strip():
        first = {"type": phones[0].get("type", "MOBILE") if phones else "MOBILE", "number": phone.strip()}
        phones = [first, *phones[1:]]
    else:
        phones = phones[1:]
    data = {
        "supplier_id": contact.platform_id,
        "name": name,
        "email": email,
        "phones": [{"type": p.get("type", "DEFAULT"), "number": p.get("number", "")} for p in phones],
        "bank_account": bank_account,
    }
    try:
        result = platform.handle(
            session,
            company_id=company_id,
            event_id=f"hub-edit-{contact.id}-{secrets.token_hex(8)}",
            kind="supplier.changed",
            data=data,
        )
    except PlatformInputError as exc:
        name_of = FIELD_WORDS.get(exc.field.removeprefix("data.").split(".")[0].split("[")[0], exc.field)
        raise ContactError(f"{name_of}: {exc.message}. Nothing was changed.") from None
    if result["changed"]:
        audit.record(
            session,
            actor=actor,
            action="supplier_edited",
            company_id=company_id,
            target=contact.name,
            after={"fields": ", ".join(result["changed"]), "sync": result["sync"]},
        )
    return result
