"""Connecting starts with consent in Xero: a single-use state, Xero's callback, and what Xero granted."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor, Permission, require
from core.crypto import Vault
from core.failures import Refusal
from core.hub import Hub
from core.models.sync import ConsentRequest, Grant
from core.xero import oauth
from core.xero.outcomes import XeroProblem
from core.xero_access import cap, grants

CONSENT_TTL = timedelta(minutes=15)


class ConnectRefused(Refusal):
    """A connection step that cannot go ahead; the message says what happened and what to do."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


# What the Connections page says after Xero sent the person back (the callback passes only the code).
CALLBACK_MESSAGES = {
    "expired": "This Xero sign-in link has expired or was already used, so nothing was connected. Start again with "
    "Connect to Xero.",
    "cancelled": "You cancelled in Xero, so nothing was connected. Connect again when you are ready.",
    "no_code": "Xero sent no authorisation code, so nothing was connected. Please try again.",
    "no_organisation": "Xero granted no organisation, so nothing was connected. In Xero, tick the organisation to "
    "connect (you need its admin role there), then Allow.",
    "other_user": "This Xero sign-in was started by another staff member, so nothing was connected. Start again "
    "yourself with Connect to Xero.",
    "xero": "Xero could not complete the connection just now, so nothing was connected. Please try again.",
    "signed_out": "Your hub session had ended when Xero sent you back, so nothing was connected. Sign in and start "
    "again with Connect to Xero.",
}


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin(hub: Hub, actor: Actor, company_id: int, *, backfill_from: date | None = None) -> str:
    """Start "Connect to Xero": a single-use state bound to this person and company; return Xero's consent URL."""
    state = secrets.token_urlsafe(32)
    with hub.db.write() as session:
        require(actor, Permission.MANAGE_CONNECTION, company_id)
        if actor.user_id is None:
            raise ConnectRefused("Connecting needs a signed-in staff member.")
        places = cap.usage(session, hub.settings.xero_connection_cap)
        if places.full and not cap.holds_place(session, company_id):
            raise ConnectRefused(places.advice, "cap")
        now = clock.now()
        session.add(
            ConsentRequest(
                state_hash=_hash(state),
                company_id=company_id,
                user_id=actor.user_id,
                backfill_from=backfill_from,
                created_at=now,
                expires_at=now + CONSENT_TTL,
            )
        )
    return oauth.authorization_url(hub.settings, state)


@dataclass(frozen=True)
class Granted:
    """What the callback found: the consent to confirm and the organisations Xero granted in it."""

    consent_id: int
    company_id: int
    offered: list[dict[str, Any]]


def complete_consent(
    hub: Hub, *, state: str | None, code: str | None, error: str | None, user_id: int | None = None
) -> Granted:
    """The /xero/callback step: spend the state, exchange the code, keep the grant, list what was granted."""
    now = clock.now()
    with hub.db.write() as session:
        consent = session.scalar(select(ConsentRequest).where(ConsentRequest.state_hash == _hash(state or "")))
        if consent is None or consent.spent_at is not None or consent.expires_at < now:
            raise ConnectRefused(CALLBACK_MESSAGES["expired"], "expired")
        if user_id is not None and consent.user_id != user_id:
            raise ConnectRefused(CALLBACK_MESSAGES["other_user"], "other_user")
        spent = session.execute(  # single use whatever happens next, even with two callbacks racing
            update(ConsentRequest)
            .where(ConsentRequest.id == consent.id, ConsentRequest.spent_at.is_(None))
            .values(spent_at=now)
        )
        if spent.rowcount != 1:
            raise ConnectRefused(CALLBACK_MESSAGES["expired"], "expired")
        consent_id, company_id, user_id = consent.id, consent.company_id, consent.user_id
    if error:
        raise (
            ConnectRefused(CALLBACK_MESSAGES["cancelled"], "cancelled")
            if error == "access_denied"
            else (ConnectRefused(CALLBACK_MESSAGES["xero"], "xero"))
        )
    if not code:
        raise ConnectRefused(CALLBACK_MESSAGES["no_code"], "no_code")
    tokens = oauth.exchange_code(hub.settings, code)
    claims = oauth.claims(tokens["access_token"])
    xero_user = claims.get("xero_userid")
    try:
        offered = oauth.connections(
            hub.settings, tokens["access_token"], auth_event_id=claims.get("authentication_event_id")
        )
    except XeroProblem:
        _let_go(hub, tokens, xero_user)  # nothing half-connected: the fresh grant goes unless others need it
        raise
    if not offered:
        _let_go(hub, tokens, xero_user)
        raise ConnectRefused(CALLBACK_MESSAGES["no_organisation"], "no_organisation")
    with hub.db.write() as session:
        # One grant per Xero user: a new consent by the same person refreshes that grant's tokens (Xero keeps one
        # grant per user and app, and revoking it would end every connection it holds).
        existing = (
            session.scalar(select(Grant).where(Grant.xero_user_id == xero_user, Grant.revoked_at.is_(None)).limit(1))
            if xero_user
            else None
        )
        if existing is not None:
            existing.lease_owner, existing.lease_until = None, None  # a refresh in flight must not overwrite these
        grant = grants.save_tokens(
            session,
            Vault(hub.settings),
            existing,
            tokens,
            xero_user_id=xero_user,
            auth_event_id=claims.get("authentication_event_id"),
            created_by_user_id=user_id,
        )
        consent = session.get(ConsentRequest, consent_id)
        assert consent is not None
        consent.grant_id = grant.id
        consent.offered = [{"id": c["id"], "tenantId": c["tenantId"], "tenantName": c["tenantName"]} for c in offered]
    return Granted(consent_id, company_id, consent.offered or [])


def _let_go(hub: Hub, tokens: dict[str, Any], xero_user: str | None) -> None:
    """Revoke tokens the hub will not keep, unless the same Xero user's grant still serves a company."""
    with hub.db.read() as session:
        shared = xero_user is not None and session.scalar(
            select(Grant.id).where(Grant.xero_user_id == xero_user, Grant.revoked_at.is_(None)).limit(1)
        )
    if tokens.get("refresh_token") and not shared:
        with contextlib.suppress(XeroProblem):  # best effort: an unused refresh token also lapses on its own
            oauth.revoke(hub.settings, tokens["refresh_token"])


def pending(session: Session, actor: Actor, company_id: int) -> ConsentRequest | None:
    """The latest consent of this company waiting for the second pick, if any."""
    require(actor, Permission.MANAGE_CONNECTION, company_id)
    return session.scalar(
        select(ConsentRequest)
        .where(
            ConsentRequest.company_id == company_id,
            ConsentRequest.grant_id.is_not(None),
            ConsentRequest.confirmed_at.is_(None),
            ConsentRequest.abandoned_at.is_(None),
            ConsentRequest.expires_at >= clock.now(),
        )
        .order_by(ConsentRequest.id.desc())
        .limit(1)
    )
