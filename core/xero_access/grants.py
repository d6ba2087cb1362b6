"""Xero grants: a Xero user's tokens, stored encrypted, and read back only where a call to Xero needs them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.alerts import notify
from core.crypto import Vault
from core.db import Database
from core.models.base import Company
from core.models.sync import Connection, ConnectionState, Grant
from core.settings import Settings
from core.sync import errors
from core.xero import oauth
from core.xero.outcomes import ReconnectNeeded, Transient


@dataclass(frozen=True)
class Tokens:
    """Decrypted tokens, held only in memory for the length of a call."""

    access_token: str
    refresh_token: str | None

    def __repr__(self) -> str:
        return "Tokens(access_token='***', refresh_token='***')"


def save_tokens(
    session: Session,
    vault: Vault,
    grant: Grant | None,
    response: dict[str, Any],
    *,
    xero_user_id: str | None = None,
    auth_event_id: str | None = None,
    created_by_user_id: int | None = None,
) -> Grant:
    """Store a token response (new grant, or the rotated tokens of an existing one), encrypted."""
    now = clock.now()
    if grant is None:
        grant = Grant(
            created_at=now, created_by_user_id=created_by_user_id, scopes="", access_token="", access_expires_at=now
        )
        session.add(grant)
    grant.access_token = vault.encrypt(str(response["access_token"]))
    if response.get("refresh_token"):
        grant.refresh_token = vault.encrypt(str(response["refresh_token"]))
        grant.refresh_issued_at = now
    grant.access_expires_at = now + timedelta(seconds=int(response.get("expires_in", 1800)))
    grant.scopes = str(response.get("scope") or grant.scopes)
    grant.xero_user_id = xero_user_id or grant.xero_user_id
    grant.auth_event_id = auth_event_id or grant.auth_event_id
    grant.updated_at = now
    session.flush()
    return grant


def tokens(vault: Vault, grant: Grant) -> Tokens:
    """The grant's tokens in clear, for the call about to be made."""
    refresh = vault.decrypt(grant.refresh_token) if grant.refresh_token else None
    return Tokens(vault.decrypt(grant.access_token), refresh)


# Refresh a little before Xero's expiry, as Xero's SDK does, so a call never starts with a token about to lapse.
EARLY = timedelta(seconds=60)
# Longer than two refresh attempts at the token call's timeout (2 x 25 s), so a lease never lapses mid-refresh.
REFRESH_LEASE = timedelta(seconds=90)
WAIT_FOR_OTHER_SECONDS = 30.0


def _take_lease(db: Database, grant_id: int, worker: str) -> bool:
    now = clock.now()
    with db.write() as session:
        taken = session.execute(
            update(Grant)
            .where(
                Grant.id == grant_id,
                Grant.revoked_at.is_(None),
                Grant.access_expires_at <= now + EARLY,
                or_(Grant.lease_until.is_(None), Grant.lease_until < now),
            )
            .values(lease_owner=worker, lease_until=now + REFRESH_LEASE)
        )
        return taken.rowcount == 1


def _release(db: Database, grant_id: int, worker: str) -> None:
    with db.write() as session:
        session.execute(
            update(Grant)
            .where(Grant.id == grant_id, Grant.lease_owner == worker)
            .values(lease_owner=None, lease_until=None)
        )


def access_token(db: Database, settings: Settings, grant_id: int, *, worker: str) -> str:
    """A live access token for the grant, refreshing it under a lease so no two processes spend one refresh token.

    The rotated tokens are stored before the new access token is used; a lost refresh answer is retried once with
    the old refresh token (Xero's 30-minute grace). invalid_grant ends the grant: ReconnectNeeded, never a loop.
    """

    vault = Vault(settings)
    deadline = time.monotonic() + WAIT_FOR_OTHER_SECONDS
    while True:
        with db.read() as session:
            grant = session.get(Grant, grant_id)
            if grant is None or grant.revoked_at is not None:
                raise ReconnectNeeded("The Xero authorisation has ended; reconnect to Xero.")
            if grant.access_expires_at > clock.now() + EARLY:
                return vault.decrypt(grant.access_token)
            refresh_token = vault.decrypt(grant.refresh_token) if grant.refresh_token else None
        if refresh_token is None:
            raise ReconnectNeeded("The Xero access expired and this connection has no refresh token; reconnect.")
        if not _take_lease(db, grant_id, worker):
            if time.monotonic() > deadline:
                raise Transient("Another process has been refreshing the Xero token for too long; retrying later.")
            time.sleep(0.05)  # another process is refreshing: wait for its result
            continue
        try:
            try:
                response = oauth.refresh(settings, refresh_token)
            except Transient:
                response = oauth.refresh(settings, refresh_token)  # the answer was lost: same token, grace window
            with db.write() as session:
                stored = session.get(Grant, grant_id)
                assert stored is not None
                if stored.lease_owner != worker:  # the lease lapsed meanwhile; never overwrite newer tokens
                    raise Transient("The Xero token refresh took too long; retrying.")
                save_tokens(session, vault, stored, response)
                stored.lease_owner, stored.lease_until = None, None
            return str(response["access_token"])
        except ReconnectNeeded:
            with db.write() as session:
                stored = session.get(Grant, grant_id)
                if stored is None or stored.lease_owner != worker:
                    # A new consent stored fresh tokens meanwhile (and took the lease away): the old refresh token
                    # being refused says nothing about them.
                    raise Transient("The Xero tokens were renewed while refreshing; retrying.") from None
                end_grant(
                    session,
                    grant_id,
                    reason="Xero no longer accepts the hub's access: it was revoked in Xero, or not used for 60 days.",
                )
            raise
        finally:
            _release(db, grant_id, worker)


def expire_access_token(db: Database, settings: Settings, grant_id: int, used: str) -> None:
    """Xero refused `used` as expired: mark it so, unless another process already stored a newer token."""
    vault = Vault(settings)
    with db.write() as session:
        grant = session.get(Grant, grant_id)
        if grant is not None and grant.revoked_at is None and vault.decrypt(grant.access_token) == used:
            grant.access_expires_at = min(grant.access_expires_at, clock.now())


def end_grant(session: Session, grant_id: int, *, reason: str) -> None:
    """Xero no longer accepts the grant: its connections need a reconnect (once), each with a sync error."""
    grant = session.get(Grant, grant_id)
    if grant is None or grant.revoked_at is not None:
        return
    grant.revoked_at = clock.now()
    for connection in session.scalars(
        select(Connection).where(Connection.grant_id == grant_id, Connection.state == ConnectionState.CONNECTED)
    ):
        needs_reconnect(session, connection, reason=reason, code="token_revoked")


def needs_reconnect(
    session: Session,
    connection: Connection,
    *,
    reason: str,
    code: str,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
) -> bool:
    """Move a connected connection to "needs reconnect" with one sync error; False (and nothing) if it was not."""

    # Compare-and-set: of two processes seeing Xero refuse at once, exactly one moves it and records the error.
    moved = session.execute(
        update(Connection)
        .where(Connection.id == connection.id, Connection.state == ConnectionState.CONNECTED)
        .values(state=ConnectionState.NEEDS_RECONNECT, state_reason=reason, state_changed_at=clock.now())
    )
    if moved.rowcount != 1:
        return False
    errors.record(
        session,
        company_id=connection.company_id,
        connection_id=connection.id,
        code=code,
        detail=reason,
        request=request,
        response=response,
    )
    _alert_reconnect(session, connection, reason)
    return True


def _alert_reconnect(session: Session, connection: Connection, reason: str) -> None:
    """The company's finance contact and support hear about it (in the next digest email)."""

    company = session.get(Company, connection.company_id)
    name = company.name if company else "A company"
    notify.alert(
        session,
        company_id=connection.company_id,
        kind="needs_reconnect",
        summary=f"{name}'s Xero connection ({connection.tenant_name or 'its organisation'}) needs reconnecting: "
        f"{reason}",
        link="/connections",
    )
