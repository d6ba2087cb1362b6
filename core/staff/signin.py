"""Staff sign-in: the password check, a rolling-window lockout, and the refusals people read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core import audit, clock
from core.db import Database
from core.models.base import SignInFailure, StaffUser
from core.settings import Settings
from core.staff import passwords, sessions

# Every refusal the sign-in page can show, by code (the route passes the code, never free text).
REFUSALS = {
    "wrong": "That email and password don't match an active account. Check both and try again "
    "({attempts} failed attempts lock the account for {minutes} minutes).",
    "disabled": "This account is disabled. Ask a hub admin to enable it again.",
    "locked": "Too many failed sign-ins: this account is locked until {until} UTC. Try again then, or ask a hub "
    "admin to reset your password.",
    "unavailable": "Sign-in is unavailable because the hub cannot reach its database. Try again in a minute; "
    "if it persists, tell the engineering team.",
    "cross_site": "Sign-in must come from the hub's own sign-in page. Open the hub's address and sign in there.",
}


def refusal_message(code: str, settings: Settings, *, until: str = "later") -> str:
    """The words for a refusal code (unknown codes get the generic wrong-credentials text)."""
    template = REFUSALS.get(code, REFUSALS["wrong"])
    return template.format(attempts=settings.lockout_attempts, minutes=settings.lockout_minutes, until=until)


@dataclass(frozen=True)
class SignInResult:
    """Either a signed session cookie or a refusal code (never both)."""

    cookie: str | None = None
    refusal: str | None = None
    locked_until: datetime | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def sign_in(db: Database, settings: Settings, email: str, password: str, *, user_agent: str = "") -> SignInResult:
    """Check an email and password; on success open a session and return its cookie.

    The argon2 check runs outside any transaction, so a burst of sign-ins never holds the database's write lock.
    """
    email = normalise_email(email)[:320]
    with db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        known = (user.id, user.password_hash, user.locked_until) if user is not None else None
    now = clock.now()
    if known is not None and known[2] is not None and known[2] > now:
        with db.write() as session:
            _failed(session, email, known[0], "account locked")
        return SignInResult(refusal="locked", locked_until=known[2])
    matched = passwords.verify(known[1] if known else None, password)
    fresh_hash = passwords.hash_password(password) if matched and passwords.needs_rehash(known[1] or "") else None

    with db.write() as session:
        user = session.get(StaffUser, known[0]) if known else None
        if user is None:
            audit.record(
                session, actor=None, actor_label=email or "(blank)", action="sign_in_failed", detail="unknown email"
            )
            return SignInResult(refusal="wrong")
        if user.locked_until is not None and user.locked_until > now:
            _failed(session, email, user.id, "account locked", user.company_id)
            return SignInResult(refusal="locked", locked_until=user.locked_until)
        if not matched:
            locked_until = _count_failure(session, settings, user.id, now)
            _failed(session, email, user.id, "wrong password", user.company_id)
            if locked_until is None:
                return SignInResult(refusal="wrong")
            audit.record(
                session,
                actor=None,
                actor_label=email,
                action="account_locked",
                company_id=user.company_id,
                detail=f"locked until {locked_until:%Y-%m-%d %H:%M} UTC",
            )
            return SignInResult(refusal="locked", locked_until=locked_until)
        if user.is_disabled:
            _failed(session, email, user.id, "account disabled", user.company_id)
            return SignInResult(refusal="disabled")
        _clear_failures(session, user)
        user.last_sign_in_at = now
        if fresh_hash:
            user.password_hash = fresh_hash
        return SignInResult(cookie=sessions.start(session, settings, user, user_agent=user_agent))


def _failed(session: Session, email: str, user_id: int, why: str, company_id: int | None = None) -> None:
    audit.record(session, actor=None, actor_label=email, action="sign_in_failed", company_id=company_id, detail=why)


def _count_failure(session: Session, settings: Settings, user_id: int, now: datetime) -> datetime | None:
    """Count a failure and lock the account if the rolling window holds enough; return a new lock's end.

    The UPDATE comes first: it locks the user's row, so concurrent failures (any process) are counted in turn.
    """
    session.execute(
        update(StaffUser).where(StaffUser.id == user_id).values(failed_attempts=StaffUser.failed_attempts + 1)
    )
    session.add(SignInFailure(user_id=user_id, at=now))
    session.flush()
    window_start = now - timedelta(minutes=settings.lockout_minutes)
    recent = session.scalar(
        select(func.count()).where(SignInFailure.user_id == user_id, SignInFailure.at > window_start)
    )
    if (recent or 0) < settings.lockout_attempts:
        return None
    until = now + timedelta(minutes=settings.lockout_minutes)
    session.execute(update(StaffUser).where(StaffUser.id == user_id).values(locked_until=until))
    return until


def _clear_failures(session: Session, user: StaffUser) -> None:
    user.failed_attempts = 0
    user.locked_until = None
    session.execute(delete(SignInFailure).where(SignInFailure.user_id == user.id))


def unlock(session: Session, user: StaffUser) -> None:
    """Clear a user's failed sign-ins and any lock (after an admin resets their password)."""
    _clear_failures(session, user)
