"""Undoing things in Xero after a disconnect, a remove or a refused pick, done by the sidecar and retried.

The web process only records what must go (DESIGN: its only Xero calls are the code exchange and listing what was
just granted). The sidecar deletes the organisation's connection in Xero, then revokes the grant once the hub uses
nothing of that Xero user any more: revoking ends *every* connection of that user to the app (facts 1.1), so a
bookkeeper's other companies must not depend on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.connections.in_use import (
    awaiting_pick,
    connection_in_use,
    grant_in_use,
)
from core.crypto import Vault
from core.hub import Hub
from core.models.sync import CleanupKind, Connection, ConsentRequest, Grant, XeroCleanup
from core.push.tally import QUIET_ATTEMPTS
from core.sync import errors
from core.sync.errors import EntityRef
from core.sync.outbox import backoff
from core.xero import oauth
from core.xero.outcomes import ReconnectNeeded, XeroProblem
from core.xero_access import grants

LEASE = timedelta(minutes=2)


def queue(
    session: Session,
    *,
    kind: CleanupKind,
    grant_id: int,
    reason: str,
    xero_connection_id: str | None = None,
    tenant_name: str | None = None,
    company_id: int | None = None,
) -> XeroCleanup:
    """Record something to undo in Xero, in the caller's transaction."""
    now = clock.now()
    row = XeroCleanup(
        kind=kind,
        grant_id=grant_id,
        company_id=company_id,
        xero_connection_id=xero_connection_id,
        tenant_name=tenant_name,
        reason=reason[:200],
        attempts=0,
        not_before=now,
        created_at=now,
    )
    session.add(row)
    return row


def delete_in_xero(session: Session, connection: Connection, *, reason: str) -> None:
    """Queue the deletion in Xero of the connection this company row points at (its grant, its Xero id)."""
    assert connection.grant_id is not None and connection.xero_connection_id
    queue(
        session,
        kind=CleanupKind.DELETE_CONNECTION,
        grant_id=connection.grant_id,
        xero_connection_id=connection.xero_connection_id,
        tenant_name=connection.tenant_name,
        company_id=connection.company_id,
        reason=reason,
    )


def cancel(session: Session, xero_connection_id: str) -> int:
    """The connection is wanted again (a reconnect came first): waiting deletions of it must not run."""
    cancelled = session.execute(
        update(XeroCleanup)
        .where(
            XeroCleanup.xero_connection_id == xero_connection_id,
            XeroCleanup.kind == CleanupKind.DELETE_CONNECTION,
            XeroCleanup.done_at.is_(None),
        )
        .values(done_at=clock.now(), last_error="Not needed: the organisation was connected again first.")
    )
    return cancelled.rowcount or 0


def _someone_connecting(now: datetime) -> ColumnElement[bool]:
    """Not now, while someone is connecting again: Xero hands the same connection back to a person who consents
    again, so deleting it (or revoking their grant) meanwhile would cut off what they are about to confirm. A
    deletion waits while its company is connecting; a revocation while any consent is still at Xero's page (whose
    Xero login it uses is unknown until it comes back)."""
    consent = ConsentRequest
    company_connecting = exists().where(
        consent.company_id == XeroCleanup.company_id,
        consent.confirmed_at.is_(None),
        consent.abandoned_at.is_(None),
        consent.expires_at >= now,
    )
    at_xero = exists().where(consent.spent_at.is_(None), consent.expires_at >= now)
    return or_(
        and_(XeroCleanup.kind == CleanupKind.DELETE_CONNECTION, company_connecting),
        and_(XeroCleanup.kind == CleanupKind.REVOKE_GRANT, at_xero),
    )


def _claim(hub: Hub, worker: str, limit: int) -> list[XeroCleanup]:
    now = clock.now()
    claimed = []
    with hub.db.write() as session:
        due = session.scalars(
            select(XeroCleanup.id)
            .where(
                XeroCleanup.done_at.is_(None),
                XeroCleanup.not_before <= now,
                or_(XeroCleanup.lease_until.is_(None), XeroCleanup.lease_until < now),
                ~_someone_connecting(now),
            )
            .order_by(XeroCleanup.id)
            .limit(limit)
        ).all()
        for cleanup_id in due:
            taken = session.execute(
                update(XeroCleanup)
                .where(
                    XeroCleanup.id == cleanup_id,
                    XeroCleanup.done_at.is_(None),
                    or_(XeroCleanup.lease_until.is_(None), XeroCleanup.lease_until < now),
                )
                .values(lease_owner=worker, lease_until=now + LEASE, attempts=XeroCleanup.attempts + 1)
            )
            if taken.rowcount == 1:
                row = session.get(XeroCleanup, cleanup_id)
                assert row is not None
                session.expunge(row)
                claimed.append(row)
    return claimed


# Failed tries before a clean-up shows as a sync error: as for a push, a blip is retried quietly.
SHOW_AFTER_ATTEMPTS = QUIET_ATTEMPTS


def _finish(hub: Hub, row: XeroCleanup, worker: str, *, problem: XeroProblem | None = None) -> None:
    now = clock.now()
    with hub.db.write() as session:
        stored = session.get(XeroCleanup, row.id)
        if stored is None or stored.lease_owner != worker:
            return
        stored.lease_owner, stored.lease_until = None, None
        entity = EntityRef("xero_cleanup", str(row.id), f"Connection to {row.tenant_name or 'an organisation'}")
        if problem is None:
            stored.done_at, stored.last_error = now, None
            if row.kind is CleanupKind.DELETE_CONNECTION:
                _revoke_if_unused(session, row.grant_id)
            if row.company_id is not None:
                errors.resolve_for_entity(
                    session, company_id=row.company_id, entity_type=entity.type, entity_id=entity.id
                )
            return
        stored.last_error, stored.not_before = problem.message[:500], now + backoff(stored.attempts)
        if row.company_id is not None and stored.attempts >= SHOW_AFTER_ATTEMPTS:
            what = (
                f"delete the connection to {row.tenant_name or 'the organisation'} in Xero"
                if row.kind is CleanupKind.DELETE_CONNECTION
                else "revoke the Xero user's grant"
            )
            errors.record(
                session,
                company_id=row.company_id,
                code=problem.cause,
                entity=entity,
                detail=f"The hub could not {what} after {stored.attempts} tries ({problem.message}). It keeps "
                "trying; until then Xero still lists the app under Connected apps.",
                request=problem.request,
                response=problem.response,
            )


def _revoke_if_unused(session: Session, grant_id: int) -> None:
    """After a connection went: if nothing in the hub needs the grant, stop using it now and revoke it next."""
    query = select(Grant).where(Grant.id == grant_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two deletions finishing at once: one of them queues the revocation
    grant = session.scalar(query)
    if grant is None or grant.revoked_at is not None or grant_in_use(session, grant):
        return
    waiting = session.scalar(
        select(XeroCleanup.id).where(
            XeroCleanup.grant_id == grant_id,
            XeroCleanup.kind == CleanupKind.DELETE_CONNECTION,
            XeroCleanup.done_at.is_(None),
        )
    )
    if waiting is not None:  # other connections of this grant still go first (deleting needs a live token)
        return
    grant.revoked_at = clock.now()
    queue(session, kind=CleanupKind.REVOKE_GRANT, grant_id=grant_id, reason="No company uses this Xero grant")


def _still_unused(hub: Hub, xero_connection_id: str) -> bool:
    """Checked again just before the call: a reconnect may have begun since the deletion was queued, and Xero hands
    the same connection back to the same person, so a consent waiting for its second pick may be about to use it."""
    with hub.db.read() as session:
        return not connection_in_use(session, xero_connection_id) and not awaiting_pick(
            session, xero_connection_id, except_consent=None
        )


def _still_ours(hub: Hub, row: XeroCleanup, worker: str) -> bool:
    """Not cancelled by a reconnect meanwhile, and the lease still this worker's."""
    with hub.db.read() as session:
        stored = session.get(XeroCleanup, row.id)
        return stored is not None and stored.done_at is None and stored.lease_owner == worker


def _revoke(hub: Hub, grant_id: int) -> None:
    with hub.db.read() as session:
        grant = session.get(Grant, grant_id)
        # The same Xero user may have connected again meanwhile (a newer grant row): Xero keeps one grant per user
        # and app, so revoking this one would end that new connection too. The old tokens are simply dropped.
        wanted = grant is not None and grant_in_use(session, grant)
        refresh_token = grants.tokens(Vault(hub.settings), grant).refresh_token if grant and not wanted else None
    if refresh_token:
        oauth.revoke(hub.settings, refresh_token)
    with hub.db.write() as session:
        stored = session.get(Grant, grant_id)
        if stored is not None:  # revoked: the tokens are worth nothing, so keep none
            stored.access_token, stored.refresh_token = "", None


def run_due(hub: Hub, *, worker: str, limit: int = 20) -> int:
    """Do what is due; return how many finished. Xero having already dropped something counts as done."""
    finished = 0
    for _ in range(limit):  # one at a time, each under its own lease, until nothing more is due
        claimed = _claim(hub, worker, 1)
        if not claimed:
            break
        row = claimed[0]
        try:
            if row.kind is CleanupKind.REVOKE_GRANT:
                _revoke(hub, row.grant_id)
            elif row.xero_connection_id and _still_unused(hub, row.xero_connection_id):
                access = grants.access_token(hub.db, hub.settings, row.grant_id, worker=worker)
                if _still_unused(hub, row.xero_connection_id) and _still_ours(hub, row, worker):  # a token wait
                    oauth.delete_connection(hub.settings, access, row.xero_connection_id)  # can be long
        except ReconnectNeeded:
            pass  # Xero no longer honours the grant, so the connection is already gone there
        except XeroProblem as problem:
            _finish(hub, row, worker, problem=problem)
            continue
        _finish(hub, row, worker)
        finished += 1
    return finished


def waiting(session: Session) -> int:
    """How many clean-ups in Xero are still to do (shown while Xero is unreachable)."""
    return session.scalar(select(func.count()).where(XeroCleanup.done_at.is_(None))) or 0
