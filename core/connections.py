"""A company's Xero connection: the second pick after consent (core.consent), disconnect, remove, reconnect.

Every step checks the actor's rights and is audited. Transactions never wrap a call to Xero: each step spends or
records what it must first, calls Xero, then records the outcome.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock, grants, outbox
from core.auth import Actor, Permission, require
from core.consent import ConnectRefused
from core.crypto import Vault
from core.errors import CAUSES
from core.hub import Hub
from core.models import Company
from core.models_platform import PlatformContact
from core.models_sync import Connection as ConnectionRow
from core.models_sync import ConnectionState, ConsentRequest, ErrorStatus, Grant, SyncError
from core.platform import snapshot
from core.xero import oauth
from core.xero.outcomes import ReconnectNeeded, Transient, XeroProblem


def of_company(session: Session, actor: Actor, company_id: int) -> ConnectionRow | None:
    """The company's connection row, if it ever had one."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    return session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))


def confirm(hub: Hub, actor: Actor, company_id: int, consent_id: int, tenant_id: str) -> ConnectionRow:
    """The second pick: tie the company to one granted organisation (the first one confirmed stays pinned)."""
    now = clock.now()
    with hub.db.write() as session:
        require(actor, Permission.MANAGE_CONNECTION, company_id)
        consent = session.get(ConsentRequest, consent_id)
        if consent is None or consent.company_id != company_id or consent.grant_id is None:
            raise ConnectRefused("That Xero consent is not for this company. Start again with Connect to Xero.")
        if consent.confirmed_at is not None:
            raise ConnectRefused("This connection was already confirmed (perhaps in another tab). Reload the page.")
        chosen = next((o for o in consent.offered or [] if o["tenantId"] == tenant_id), None)
        if chosen is None:
            raise ConnectRefused("Pick one of the organisations you granted in Xero.")
        row = session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))
        pinned = row.pinned_tenant_id if row else None
        grant = session.get(Grant, consent.grant_id)
        assert grant is not None
        company = session.get(Company, company_id)
        stray, access = None, ""
        if pinned and pinned != tenant_id:  # refused below, after this transaction: the stray goes in Xero
            stray, access = chosen["id"], grants.tokens(Vault(hub.settings), grant).access_token
        else:
            consent.confirmed_at = now
            previous = row.state if row else None
            if row is None:
                row = ConnectionRow(company_id=company_id, state=ConnectionState.CONNECTED, state_changed_at=now)
                session.add(row)
            row.grant_id, row.tenant_id, row.tenant_name = grant.id, tenant_id, chosen["tenantName"]
            row.xero_connection_id, row.pinned_tenant_id = chosen["id"], pinned or tenant_id
            row.state, row.state_changed_at, row.state_reason = ConnectionState.CONNECTED, now, None
            row.connected_by_user_id, row.connected_at, row.last_activity_at = actor.user_id, now, now
            row.backfill_from = consent.backfill_from
            session.flush()
            _after_reconnect(session, company_id, previous)
            audit.record(
                session,
                actor=actor,
                action="connect",
                company_id=company_id,
                target=chosen["tenantName"],
                after={"tenant_id": tenant_id, "state": "connected"},
            )
    if stray is not None:
        oauth.delete_connection(hub.settings, access, stray)  # leave nothing half-connected behind
        raise ConnectRefused(
            f"{company.name if company else 'This company'} is tied to another Xero organisation, so it cannot "
            f"connect to {chosen['tenantName']}. To use that organisation, create a new company in the hub."
        )
    return row


def _after_reconnect(session: Session, company_id: int, previous: ConnectionState | None) -> None:
    """Held changes go out; after a remove, what was edited before the reconnection never does (snapshot rule)."""
    if previous is ConnectionState.REMOVED:
        linked = select(PlatformContact).where(
            PlatformContact.company_id == company_id, PlatformContact.xero_contact_id.is_not(None)
        )
        for contact in session.scalars(linked):  # never-synced contacts keep no snapshot: their create is whole
            contact.synced_snapshot = snapshot(contact)
    else:
        outbox.release_company(session, company_id)
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


def _end(hub: Hub, actor: Actor, company_id: int, *, remove: bool) -> list[int]:
    with hub.db.read() as session:
        require(actor, Permission.MANAGE_CONNECTION, company_id)
        row = session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))
        if row is None or (row.state in (ConnectionState.DISCONNECTED, ConnectionState.REMOVED) and not remove):
            raise ConnectRefused("This company is not connected to Xero.")
        grant = session.get(Grant, row.grant_id) if row.grant_id else None
        others = (
            session.scalar(
                select(ConnectionRow.id).where(
                    ConnectionRow.grant_id == row.grant_id,
                    ConnectionRow.company_id != company_id,
                    ConnectionRow.state == ConnectionState.CONNECTED,
                )
            )
            if grant
            else None
        )
        live_grant = grant.id if grant is not None and grant.revoked_at is None else None
        xero_connection = row.xero_connection_id
    if live_grant is not None:
        try:
            access = grants.access_token(hub.db, hub.settings, live_grant, worker=f"web-{actor.user_id}")
            if xero_connection:
                oauth.delete_connection(hub.settings, access, xero_connection)
            if others is None:
                with hub.db.read() as session:
                    stored = session.get(Grant, live_grant)
                    refresh_token = grants.tokens(Vault(hub.settings), stored).refresh_token if stored else None
                if refresh_token:
                    oauth.revoke(hub.settings, refresh_token)  # no other company uses this grant
        except ReconnectNeeded:
            pass  # Xero already dropped the grant (revoked or expired there): the hub's side still ends
        except (Transient, XeroProblem) as problem:
            raise ConnectRefused(
                f"Xero could not be reached to disconnect ({problem.message}), so nothing changed. Try again in a "
                "minute."
            ) from None
    with hub.db.write() as session:
        row = session.scalar(select(ConnectionRow).where(ConnectionRow.company_id == company_id))
        assert row is not None
        before = row.state.value
        row.state = ConnectionState.REMOVED if remove else ConnectionState.DISCONNECTED
        row.state_changed_at, row.grant_id, row.xero_connection_id = clock.now(), None, None
        if others is None and grant is not None:
            stored = session.get(Grant, grant.id)
            if stored is not None and stored.revoked_at is None:
                stored.revoked_at = clock.now()
        discarded = outbox.discard_company(session, company_id) if remove else []
        if not remove:
            outbox.hold_company(session, company_id)
        audit.record(
            session,
            actor=actor,
            action="remove" if remove else "disconnect",
            company_id=company_id,
            target=row.tenant_name,
            before={"state": before},
            after={"state": row.state.value},
            detail=f"{len(discarded)} waiting changes discarded" if remove else None,
        )
    return discarded


def disconnect(hub: Hub, actor: Actor, company_id: int) -> None:
    """Stop syncing; changes made meanwhile wait and go out after reconnecting to the same organisation."""
    _end(hub, actor, company_id, remove=False)


def remove(hub: Hub, actor: Actor, company_id: int) -> list[int]:
    """Stop syncing and discard waiting changes (kept for the record); return the discarded outbox entries."""
    return _end(hub, actor, company_id, remove=True)


def by_company(session: Session, actor: Actor) -> dict[int, ConnectionRow]:
    """Every connection the actor may see, by company."""
    from core.companies import list_visible

    visible = [c.id for c in list_visible(session, actor)]
    rows = session.scalars(select(ConnectionRow).where(ConnectionRow.company_id.in_(visible)))
    return {row.company_id: row for row in rows}


def state_label(row: ConnectionRow | None) -> str:
    return "Not connected" if row is None else row.state.label
