"""Single sign-on: who the identity provider says is here, bound to one staff account, with a real hub session.

The provider's word is taken only for a verified email. The first single sign-on binds the account to the provider's
user id (issuer and subject); from then on only that provider identity opens the account, so someone who later gets
the same email address at the provider (or at another provider) cannot. A single sign-on opens a session row like a
password sign-in, so session lifetimes, sign-out and disabling apply alike; the page hands the browser a one-time
ticket that the sign-in route trades for the session's HttpOnly cookie (a page cannot set one itself).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor
from core.crypto import Vault
from core.models.base import SignInHandoff, StaffUser
from core.settings import Settings
from core.staff import sessions

# A ticket is traded within this long of the page drawing it (the browser follows it at once).
HANDOFF_WITHIN = timedelta(seconds=60)

REFUSALS = {
    "unverified": "{email} signed in through single sign-on, but the identity provider has not verified that email "
    "address. Verify it with your identity provider, then sign in again.",
    "unknown": "{email} signed in through single sign-on but has no hub account. Ask a hub admin to add you as a "
    "staff user.",
    "disabled": "{email} signed in through single sign-on, but that hub account is disabled. Ask a hub admin to "
    "enable it again.",
    "bound_elsewhere": "{email} signed in through single sign-on with a different identity from the one this hub "
    "account was first used with. Ask a hub admin to check the account.",
}


@dataclass(frozen=True)
class Identity:
    """What the identity provider asserted (Streamlit's st.user after st.login)."""

    email: str
    email_verified: bool
    issuer: str
    subject: str

    @property
    def binding(self) -> str:
        return f"{self.issuer}|{self.subject}"[:500]


@dataclass(frozen=True)
class Outcome:
    """A session for the account (and the ticket that gives the browser its cookie), or a refusal code."""

    actor: Actor | None = None
    ticket: str | None = None
    refusal: str | None = None


def refusal_message(code: str, email: str) -> str:
    return REFUSALS.get(code, REFUSALS["unknown"]).format(email=email or "Someone")


def sign_in(session: Session, settings: Settings, identity: Identity, *, user_agent: str = "") -> Outcome:
    """Open a session for the account the provider's identity is bound to (binding it on first use)."""
    email = identity.email.strip().lower()
    if not email or not identity.email_verified or not identity.subject:
        return Outcome(refusal="unverified")
    user = session.scalar(select(StaffUser).where(StaffUser.sso_subject == identity.binding))
    if user is None:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None:
            return Outcome(refusal="unknown")
        if user.sso_subject is not None:
            _refused(session, email, user, "bound to another single sign-on identity")
            return Outcome(refusal="bound_elsewhere")
    if user.is_disabled:
        _refused(session, email, user, "account disabled")
        return Outcome(refusal="disabled")
    if user.sso_subject is None:
        user.sso_subject = identity.binding
        audit.record(
            session,
            actor=Actor.of(user),
            action="sso_bound",
            company_id=user.company_id,
            detail=f"bound to {identity.issuer or 'the identity provider'}",
        )
    user.last_sign_in_at = clock.now()
    cookie = sessions.start(session, settings, user, user_agent=user_agent, how="single sign-on")
    session.flush()
    found = sessions.lookup(session, settings, cookie)
    assert found is not None
    ticket = secrets.token_urlsafe(32)
    session.add(
        SignInHandoff(
            id=_ticket_id(ticket),
            session_id=found.actor.session_id,
            cookie=Vault(settings).encrypt(cookie),
            expires_at=clock.now() + HANDOFF_WITHIN,
        )
    )
    return Outcome(actor=found.actor, ticket=ticket)


def redeem(session: Session, settings: Settings, ticket: str) -> str | None:
    """The session cookie a ticket stands for, once (the ticket is gone after); None if unknown or too late."""
    row = session.get(SignInHandoff, _ticket_id(ticket[:100]))
    if row is None:
        return None
    session.delete(row)
    if row.expires_at < clock.now():
        return None
    return Vault(settings).decrypt(row.cookie)


def _ticket_id(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def _refused(session: Session, email: str, user: StaffUser, why: str) -> None:
    audit.record(
        session, actor=None, actor_label=email, action="sign_in_failed", company_id=user.company_id, detail=why
    )
