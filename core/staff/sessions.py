"""Staff sessions: a row per sign-in, found through a signed cookie that holds a random token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, PermissionDenied
from core.models.base import SignInHandoff, StaffSession, StaffUser
from core.settings import Settings
from core.staff import throttle

COOKIE_NAME = "hub_session"
# Served over HTTPS, the cookie carries the __Host- prefix: the browser then keeps it only if it is Secure, for the
# whole site and set by this host itself, so no other host on the domain can set or shadow it.
SECURE_COOKIE_NAME = "__Host-hub_session"
# A session's last-seen time is written at most this often, so page reruns stay read-only.
TOUCH_EVERY = timedelta(seconds=60)


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE_NAME if settings.secure_cookies else COOKIE_NAME


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signer(settings: Settings) -> Signer:
    return Signer(settings.secret_key.value, salt="hub.staff-session")


def start(
    session: Session, settings: Settings, user: StaffUser, *, user_agent: str = "", how: str | None = None
) -> str:
    """Open a session for a signed-in user and return the signed cookie value."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        StaffSession(
            id=_token_id(token), user_id=user.id, created_at=now, last_seen_at=now, user_agent=user_agent[:300] or None
        )
    )
    audit.record(session, actor=Actor.of(user), action="sign_in", company_id=user.company_id, detail=how)
    return _signer(settings).sign(token).decode()


@dataclass(frozen=True)
class SessionLookup:
    actor: Actor
    needs_touch: bool


def _session_id_from_cookie(settings: Settings, cookie: str | None) -> str | None:
    if not cookie:
        return None
    try:
        token = _signer(settings).unsign(cookie).decode()
    except BadSignature:
        return None
    return _token_id(token)


def _live(row: StaffSession | None, settings: Settings) -> bool:
    """Whether a session row still opens the hub: not ended, its user enabled, not idle or old too long."""
    now = clock.now()
    if row is None or row.ended_at is not None or row.user.is_disabled:
        return False
    if row.last_seen_at < now - timedelta(hours=settings.session_idle_hours):
        return False
    return row.created_at >= now - timedelta(hours=settings.session_max_hours)  # however busy, it ends then


def lookup(session: Session, settings: Settings, cookie: str | None) -> SessionLookup | None:
    """The actor behind a session cookie, or None if it is forged, ended, idle too long, too old or disabled."""
    session_id = _session_id_from_cookie(settings, cookie)
    if session_id is None:
        return None
    row = session.get(StaffSession, session_id)
    if row is None or not _live(row, settings):
        return None
    return SessionLookup(Actor.of(row.user, session_id), clock.now() - row.last_seen_at >= TOUCH_EVERY)


def still_live(session: Session, settings: Settings, actor: Actor) -> bool:
    """Whether the session a page was drawn for still opens the hub, without counting this as use: a part of a page
    that redraws itself must not keep an unattended session alive."""
    if actor.user_id is None:
        return True  # the hub itself or the command line
    row = session.get(StaffSession, actor.session_id) if actor.session_id else None
    return row is not None and row.user_id == actor.user_id and _live(row, settings)


def current(session: Session, actor: Actor) -> Actor:
    """The actor as they stand now, for work a page does later than it was drawn (a download built when pressed):
    refused when their session has ended or they were disabled since, with today's role and company otherwise."""
    if actor.user_id is None:
        return actor  # the hub itself or the command line: no session to end
    user = session.get(StaffUser, actor.user_id)
    row = session.get(StaffSession, actor.session_id) if actor.session_id else None
    ended = actor.session_id is not None and (row is None or row.ended_at is not None)
    if user is None or user.is_disabled or ended:
        raise PermissionDenied("Your session has ended or your account was disabled. Sign in again.")
    return Actor.of(user, actor.session_id)


def touch(session: Session, session_id: str) -> None:
    """Record that the session is in use, pushing back its idle expiry."""
    session.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=clock.now()))


def end(session: Session, settings: Settings, cookie: str | None) -> None:
    """Sign out: end the cookie's session, if it is a live one."""
    session_id = _session_id_from_cookie(settings, cookie)
    row = session.get(StaffSession, session_id) if session_id else None
    if row is None or row.ended_at is not None:
        return
    row.ended_at = clock.now()
    audit.record(session, actor=Actor.of(row.user, session_id), action="sign_out", company_id=row.user.company_id)


def end_all_for(session: Session, user_id: int) -> int:
    """End every live session of a user (after disabling them or resetting their password)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )
    return result.rowcount or 0


def purge(session: Session, settings: Settings) -> int:
    """Delete sessions that ended or expired more than a day ago, single sign-on tickets nobody traded, and old
    sign-in throttles; return how many."""
    now = clock.now()
    idle = now - timedelta(hours=settings.session_idle_hours) - timedelta(days=1)
    too_old = now - timedelta(hours=settings.session_max_hours) - timedelta(days=1)
    handoffs = session.execute(delete(SignInHandoff).where(SignInHandoff.expires_at < now))
    result = session.execute(
        delete(StaffSession).where(
            or_(StaffSession.ended_at < idle, StaffSession.last_seen_at < idle, StaffSession.created_at < too_old)
        )
    )
    return (result.rowcount or 0) + (handoffs.rowcount or 0) + throttle.purge(session)
