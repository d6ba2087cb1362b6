"""A company's Xero connection: the second pick after consent (core.connections.consent), disconnect, remove,
reconnect.

Every step checks the actor's rights and is audited. Nothing here calls Xero: what must be undone there (a
connection deleted, a grant revoked) is queued for the sidecar (core.connections.cleanups), so a page never waits on
Xero and a disconnect never fails because Xero is unreachable.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.companies import list_visible
from core.connections import cleanups
from core.connections import in_use as cleanup_checks
from core.connections.consent import ConnectRefused
from core.documents import backfill as document_backfill
from core.hub import Hub
from core.metrics import definitions as metrics
from core.models.base import Company
from core.models.platform import PlatformContact
from core.models.sync import CleanupKind, ConnectionState, ConsentRequest, ErrorStatus, Grant, SyncError
from core.models.sync import Connection as ConnectionRow
from core.sync import backlog, runs
from core.sync.causes import CAUSES


def of_company(session: Session, actor: Actor, company_id: int) -> ConnectionRow | None:
    """The company's connection row, if it ever had one."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    return session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))


def confirm(hub: Hub, actor: Actor, company_id: int, consent_id: int, tenant_id: str) -> ConnectionRow:
    """The second pick: tie the company to one granted organisation (the first one confirmed stays pinned).

    Whatever the pick, the consent is spent at most once (a stale tab confirming again is refused) and every
    organisation granted but not used is queued for deletion in Xero, so nothing half-connected stays behind.
    """
    now = clock.now()
    refusal: str | None = None
    with hub.db.write() as session:
        require(actor, Permission.MANAGE_CONNECTION, company_id)
        consent = session.get(ConsentRequest, consent_id)
        if consent is None or consent.company_id != company_id or consent.grant_id is None:
            raise ConnectRefused("That Xero consent is not for this company. Start again with Connect to Xero.")
        chosen = next((o for o in consent.offered or [] if o["tenantId"] == tenant_id), None)
        if chosen is None:
            raise ConnectRefused("Pick one of the organisations you granted in Xero.")
        if consent.expires_at < now:
            raise ConnectRefused("This Xero consent has expired. Start again with Connect to Xero.")
        row = session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))
        pinned = row.pinned_tenant_id if row else None
        refused = bool(pinned and pinned != tenant_id)
        if not refused and cleanup_checks.deleting(session, chosen["id"]):
            raise ConnectRefused(
                "The previous disconnect is still finishing in Xero. Wait a minute, then confirm again."
            )
        if not _spend(session, consent_id, refused=refused):
            raise ConnectRefused("This connection was already confirmed (perhaps in another tab). Reload the page.")
        grant = session.get(Grant, consent.grant_id)
        if grant is None or grant.revoked_at is not None:
            raise ConnectRefused("Xero has ended that authorisation meanwhile. Start again with Connect to Xero.")
        company = session.get(Company, company_id)
        keep = None if refused else chosen["id"]
        _queue_unused(session, consent, grant.id, keep=keep)
        if refused:
            refusal = (
                f"{company.name if company else 'This company'} is tied to another Xero organisation, so it cannot "
                f"connect to {chosen['tenantName']}. To use that organisation, create a new company in the hub."
            )
            audit.record(
                session,
                actor=actor,
                action="connect_refused",
                company_id=company_id,
                target=chosen["tenantName"],
                detail="The company is pinned to the organisation it first confirmed.",
            )
        else:
            row = _connect(session, actor, company_id, row, grant, consent, chosen, pinned or tenant_id)
    if refusal is not None:
        raise ConnectRefused(refusal)
    assert row is not None
    return row


def _spend(session: Session, consent_id: int, *, refused: bool) -> bool:
    """Close the consent once (compare-and-set, so two tabs cannot both confirm it)."""
    closed = session.execute(
        update(ConsentRequest)
        .where(
            ConsentRequest.id == consent_id,
            ConsentRequest.confirmed_at.is_(None),
            ConsentRequest.abandoned_at.is_(None),
        )
        .values(**{"abandoned_at" if refused else "confirmed_at": clock.now()})
    )
    return closed.rowcount == 1


def _queue_unused(session: Session, consent: ConsentRequest, grant_id: int, *, keep: str | None) -> None:
    """Every organisation Xero granted in this consent that no company will sync with is deleted in Xero."""
    for offered in consent.offered or []:
        if offered["id"] == keep or cleanup_checks.connection_in_use(session, offered["id"]):
            continue
        if cleanup_checks.awaiting_pick(session, offered["id"], except_consent=consent.id):
            continue  # another consent of the same Xero user may still pick it
        cleanups.queue(
            session,
            kind=CleanupKind.DELETE_CONNECTION,
            grant_id=grant_id,
            xero_connection_id=offered["id"],
            tenant_name=offered["tenantName"],
            company_id=consent.company_id,
            reason="Granted in Xero but not confirmed for this company",
        )


def _connect(
    session: Session,
    actor: Actor,
    company_id: int,
    row: ConnectionRow | None,
    grant: Grant,
    consent: ConsentRequest,
    chosen: dict[str, str],
    pinned: str,
) -> ConnectionRow:
    now = clock.now()
    previous = row.state if row else None
    if row is None:
        row = ConnectionRow(company_id=company_id, state=ConnectionState.CONNECTED, state_changed_at=now)
        session.add(row)
    elif (
        row.grant_id
        and row.xero_connection_id
        and row.xero_connection_id != chosen["id"]
        and not cleanup_checks.connection_in_use(session, row.xero_connection_id, except_company=company_id)
    ):
        # Reconnected through another Xero user: the old connection would linger in Xero unused.
        cleanups.delete_in_xero(session, row, reason="Replaced by a reconnection through another Xero user")
    cleanups.cancel(session, chosen["id"])  # a disconnect's deletion still waiting must not undo this
    row.grant_id, row.tenant_id, row.tenant_name = grant.id, chosen["tenantId"], chosen["tenantName"]
    row.xero_connection_id, row.pinned_tenant_id = chosen["id"], pinned
    row.state, row.state_changed_at, row.state_reason = ConnectionState.CONNECTED, now, None
    row.connected_by_user_id, row.connected_at, row.last_activity_at = actor.user_id, now, now
    row.inactivity_warned_days = None
    row.backfill_from = consent.backfill_from
    session.flush()
    _after_reconnect(session, company_id, previous)
    document_backfill.enqueue(session, company_id)  # documents issued before connecting, from the backfill date
    runs.request(session, company_id=company_id, job="contacts_import", requested_by=actor.user_id)
    runs.request(session, company_id=company_id, job="reference_refresh", requested_by=actor.user_id)
    audit.record(
        session,
        actor=actor,
        action="connect",
        company_id=company_id,
        target=chosen["tenantName"],
        before={"state": previous.value} if previous else None,
        after={"tenant_id": chosen["tenantId"], "state": "connected"},
    )
    return row


def _after_reconnect(session: Session, company_id: int, previous: ConnectionState | None) -> None:
    """Held changes go out; after a remove, what was edited before the reconnection never does (snapshot rule)."""
    if previous is ConnectionState.REMOVED:
        linked = select(PlatformContact).where(
            PlatformContact.company_id == company_id, PlatformContact.xero_contact_id.is_not(None)
        )
        for contact in session.scalars(linked):  # never-synced contacts keep no snapshot: their create is whole
            contact.synced_snapshot = contact.snapshot()
    else:
        backlog.release_company(session, company_id)
    caused_by_connection = [c.code for c in CAUSES.values() if c.connection]
    for error in session.scalars(
        select(SyncError).where(
            SyncError.company_id == company_id,
            SyncError.status.in_((ErrorStatus.OPEN, ErrorStatus.RETRYING)),
            SyncError.cause.in_(caused_by_connection),
        )
    ):
        # The connection is back: its own errors are over, and what they held up goes out again.
        error.status, error.resolved_at = ErrorStatus.RESOLVED, clock.now()
        metrics.errors_resolved(session, [error.cause])


def end(session: Session, actor: Actor, company_id: int, *, remove: bool, reason: str | None = None) -> list[int]:
    """Stop syncing now; the connection is deleted in Xero by the sidecar (and the grant revoked once unused).
    Returns the discarded outbox entries (a remove's)."""
    require(actor, Permission.MANAGE_CONNECTION, company_id)
    row = session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))
    if (
        row is None
        or row.state is ConnectionState.REMOVED
        or (row.state is ConnectionState.DISCONNECTED and not remove)
    ):
        raise ConnectRefused("This company is not connected to Xero.")
    before = row.state.value
    if row.grant_id is not None and row.xero_connection_id:
        cleanups.delete_in_xero(session, row, reason="Removed" if remove else "Disconnected")
    row.state = ConnectionState.REMOVED if remove else ConnectionState.DISCONNECTED
    row.state_changed_at, row.state_reason = clock.now(), reason
    row.grant_id, row.xero_connection_id, row.inactivity_warned_days = None, None, None
    discarded = backlog.discard_company(session, company_id) if remove else []
    if not remove:
        backlog.hold_company(session, company_id)
    audit.record(
        session,
        actor=actor,
        action="remove" if remove else "disconnect",
        company_id=company_id,
        target=row.tenant_name,
        before={"state": before},
        after={"state": row.state.value},
        detail=f"{len(discarded)} waiting changes discarded" if remove else reason,
    )
    return discarded


def abandon_expired(session: Session) -> int:
    """Consents never confirmed before they expired: what Xero granted in them is queued for deletion there."""
    now = clock.now()
    expired = session.scalars(
        select(ConsentRequest).where(
            ConsentRequest.grant_id.is_not(None),
            ConsentRequest.confirmed_at.is_(None),
            ConsentRequest.abandoned_at.is_(None),
            ConsentRequest.expires_at < now,
        )
    ).all()
    for consent in expired:
        consent.abandoned_at = now
        assert consent.grant_id is not None
        _queue_unused(session, consent, consent.grant_id, keep=None)
    return len(expired)


def disconnect(session: Session, actor: Actor, company_id: int) -> None:
    """Stop syncing; changes made meanwhile wait and go out after reconnecting to the same organisation."""
    end(session, actor, company_id, remove=False)


def remove(session: Session, actor: Actor, company_id: int) -> list[int]:
    """Stop syncing and discard waiting changes (kept for the record); return the discarded outbox entries."""
    return end(session, actor, company_id, remove=True)


def by_company(session: Session, actor: Actor) -> dict[int, ConnectionRow]:
    """Every connection the actor may see, by company."""

    visible = [c.id for c in list_visible(session, actor)]
    rows = session.scalars(select(ConnectionRow).where(ConnectionRow.company_id.in_(visible)))
    return {row.company_id: row for row in rows}


def state_label(row: ConnectionRow | None) -> str:
    return "Not connected" if row is None else row.state.label
