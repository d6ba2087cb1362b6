"""Staff sign-in: password checks, lockout, and database-backed sessions behind a signed cookie."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, Signer
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor
from core.models import StaffSession, StaffUser
from core.settings import Settings

COOKIE_NAME = "hub_session"
# A session's last-seen time is written at most this often, so page reruns stay read-only.
TOUCH_EVERY = timedelta(seconds=60)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def use_hash_parameters(*, time_cost: int, memory_cost: int) -> None:
    """Change argon2id's cost (the test suite lowers it; production keeps argon2-cffi's defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


class SignInRefused(Exception):
    """Sign-in did not succeed; the message is safe to show to the person signing in."""

    code = "refused"


class WrongCredentials(SignInRefused):
    code = "wrong"


class AccountDisabled(SignInRefused):
    code = "disabled"


class AccountLocked(SignInRefused):
    code = "locked"

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        f"Too many failed sign-ins: this account is locked for {minutes} more minute"
        f"{'s' if minutes != 1 else ''} (until {until:%H:%M} UTC). Try again then, or ask a hub "
        "admin to reset your password."
    )


WRONG_MESSAGE = (
    "That email and password don't match an active account. Check both and try again "
    "(5 failed attempts lock the account for 15 minutes)."
)


@dataclass(frozen=True)
class SignInResult:
    """Either a signed session cookie or the reason sign-in was refused (never both)."""

    cookie: str | None = None
    refusal: SignInRefused | None = None


def sign_in(session: Session, settings: Settings, email: str, password: str, *, user_agent: str = "") -> SignInResult:
    """Check an email and password and open a session; the caller commits either way.

    Refusals are returned, not raised, so the failure count and the audit row are committed too.
    """
    outcome = _authenticate(session, settings, email, password)
    if isinstance(outcome, SignInRefused):
        return SignInResult(refusal=outcome)
    return SignInResult(cookie=start_session(session, settings, outcome, user_agent=user_agent))


def _authenticate(session: Session, settings: Settings, email: str, password: str) -> StaffUser | SignInRefused:
    """Check an email and password; count failures and lock the account after too many."""
    now = clock.now()
    email = normalise_email(email)
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        audit.record(session, actor=None, actor_label=email, action="sign_in_failed", detail="account locked")
        return AccountLocked(_locked_message(user.locked_until, now), user.locked_until)

    if user is None or not _verify(user.password_hash, password):
        if user is None:
            audit.record(
                session,
                actor=None,
                actor_label=email or "(blank)",
                action="sign_in_failed",
                detail="unknown email",
            )
            return WrongCredentials(WRONG_MESSAGE)
        locked_until = _count_failure(session, settings, user.id, now)
        audit.record(session, actor=None, actor_label=email, action="sign_in_failed", detail="wrong password")
        if locked_until is not None:
            audit.record(
                session,
                actor=None,
                actor_label=email,
                action="account_locked",
                detail=f"locked until {locked_until:%Y-%m-%d %H:%M} UTC",
            )
            return AccountLocked(_locked_message(locked_until, now), locked_until)
        return WrongCredentials(WRONG_MESSAGE)

    if user.is_disabled:
        audit.record(session, actor=None, actor_label=email, action="sign_in_failed", detail="account disabled")
        return AccountDisabled("This account is disabled. Ask a hub admin to enable it again.")

    user.failed_attempts = 0
    user.first_failed_at = None
    user.locked_until = None
    user.last_sign_in_at = now
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def _count_failure(session: Session, settings: Settings, user_id: int, now: datetime) -> datetime | None:
    """Count one failed attempt in a single UPDATE, so concurrent processes agree; return a new lock."""
    window_start = now - timedelta(minutes=settings.lockout_minutes)
    in_window = (StaffUser.first_failed_at.is_not(None)) & (StaffUser.first_failed_at >= window_start)
    lock_until = now + timedelta(minutes=settings.lockout_minutes)
    reaches_limit = in_window & (StaffUser.failed_attempts + 1 >= settings.lockout_attempts)
    row = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(
            failed_attempts=case((in_window, StaffUser.failed_attempts + 1), else_=1),
            first_failed_at=case((in_window, StaffUser.first_failed_at), else_=now),
            locked_until=case((reaches_limit, lock_until), else_=StaffUser.locked_until),
        )
        .returning(StaffUser.locked_until)
        .execution_options(synchronize_session=False)
    ).one()
    session.expire_all()
    locked = row.locked_until
    return locked if locked is not None and locked > now else None


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signer(settings: Settings) -> Signer:
    return Signer(settings.secret_key.value, salt="hub.staff-session")


def start_session(session: Session, settings: Settings, user: StaffUser, *, user_agent: str = "") -> str:
    """Open a session for a signed-in user and return the signed cookie value."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        StaffSession(
            id=_token_id(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:300] or None,
        )
    )
    audit.record(session, actor=Actor.of(user), action="sign_in", company_id=user.company_id)
    return _signer(settings).sign(token).decode()


def record_single_sign_on(session: Session, actor: Actor) -> None:
    """Audit a sign-in that came through single sign-on (no session row: the identity provider owns it)."""
    audit.record(session, actor=actor, action="sign_in", company_id=actor.company_id, detail="single sign-on")


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


def lookup_session(session: Session, settings: Settings, cookie: str | None) -> SessionLookup | None:
    """The actor behind a session cookie, or None if it is forged, ended, idle too long or disabled."""
    session_id = _session_id_from_cookie(settings, cookie)
    if session_id is None:
        return None
    row = session.get(StaffSession, session_id)
    now = clock.now()
    if row is None or row.ended_at is not None or row.user.is_disabled:
        return None
    if row.last_seen_at < now - timedelta(hours=settings.session_idle_hours):
        return None
    return SessionLookup(Actor.of(row.user, session_id), now - row.last_seen_at >= TOUCH_EVERY)


def touch_session(session: Session, session_id: str) -> None:
    """Record that the session is in use, pushing back its idle expiry."""
    session.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=clock.now()))


def end_session(session: Session, settings: Settings, cookie: str | None) -> None:
    """Sign out: end the cookie's session, if it is a live one."""
    session_id = _session_id_from_cookie(settings, cookie)
    row = session.get(StaffSession, session_id) if session_id else None
    if row is None or row.ended_at is not None:
        return
    row.ended_at = clock.now()
    audit.record(session, actor=Actor.of(row.user, session_id), action="sign_out", company_id=row.user.company_id)


def end_user_sessions(session: Session, user_id: int) -> int:
    """End every live session of a user (after disabling them or resetting their password)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=clock.now())
    )
    return result.rowcount or 0


def purge_sessions(session: Session, settings: Settings) -> int:
    """Delete sessions that ended or went idle more than a day ago; return how many."""
    cutoff = clock.now() - timedelta(hours=settings.session_idle_hours) - timedelta(days=1)
    result = session.execute(
        delete(StaffSession).where(or_(StaffSession.ended_at < cutoff, StaffSession.last_seen_at < cutoff))
    )
    return result.rowcount or 0


def live_session_count(session: Session) -> int:
    """Sessions that have not been ended (some may have gone idle)."""
    return session.scalar(select(func.count()).where(StaffSession.ended_at.is_(None))) or 0
