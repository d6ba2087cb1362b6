"""Staff sign-in: the password check, throttled per client and per email, and the refusals people read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit, clock, text
from core.db import Database
from core.models.base import StaffUser
from core.settings import Settings
from core.staff import passwords, sessions, throttle

# Every refusal the sign-in page can show, by code (the route passes the code, never free text). A wrong password
# and an unknown email get the same words, and so does a wait: nothing here tells which emails have accounts.
REFUSALS = {
    "wrong": "That email and password don't match an active account. Check both and try again.",
    "slow_down": "Too many sign-in attempts. Wait {wait} and try again; if you have forgotten your password, ask "
    "a hub admin to reset it.",
    "busy": "The hub is busy signing other people in. Try again in a few seconds.",
    "disabled": "This account is disabled. Ask a hub admin to enable it again.",
    "unavailable": "Sign-in is unavailable because the hub cannot reach its database. Try again in a minute; "
    "if it persists, tell the engineering team.",
    "cross_site": "Sign-in must come from the hub's own sign-in page. Open the hub's address and sign in there.",
}


def refusal_message(code: str, *, wait_seconds: int = 0) -> str:
    """The words for a refusal code (unknown codes get the generic wrong-credentials text)."""
    template = REFUSALS.get(code, REFUSALS["wrong"])
    return template.format(wait=_wait_words(wait_seconds))


def _wait_words(seconds: int) -> str:
    if seconds <= 0:
        return "a moment"
    if seconds < 90:
        return text.plural(seconds, "second", "seconds")
    return text.plural((seconds + 59) // 60, "minute", "minutes")


@dataclass(frozen=True)
class SignInResult:
    """Either a signed session cookie or a refusal code (never both)."""

    cookie: str | None = None
    refusal: str | None = None
    wait_seconds: int = 0


def normalise_email(email: str) -> str:
    return email.strip().lower()


def sign_in(
    db: Database, settings: Settings, email: str, password: str, *, user_agent: str = "", client: str = ""
) -> SignInResult:
    """Check an email and password from a client (its network address); on success open a session.

    An email or client still waiting after recent failures is refused before the password is checked. The argon2
    check runs outside any transaction, so a burst of sign-ins never holds the database's write lock.
    """
    email = normalise_email(email)[:320]
    with db.read() as session:
        wait = throttle.waiting(session, email, client)
        user = session.scalar(select(StaffUser).where(StaffUser.email == email)) if not wait else None
        known = (user.id, user.password_hash) if user is not None else None
    if wait:
        return SignInResult(refusal="slow_down", wait_seconds=wait)
    matched = passwords.verify(known[1] if known else None, password)
    fresh_hash = passwords.hash_password(password) if matched and passwords.needs_rehash(known[1] or "") else None

    with db.write() as session:
        user = session.get(StaffUser, known[0]) if known else None
        if user is None or not matched:
            throttle.count_failure(session, email, client)
            if user is not None:
                counted = StaffUser.failed_attempts + 1
                session.execute(update(StaffUser).where(StaffUser.id == user.id).values(failed_attempts=counted))
            why = "wrong password" if user is not None else "unknown email"
            _failed(session, email or "(blank)", why, user.company_id if user else None)
            return SignInResult(refusal="wrong")
        if user.is_disabled:
            _failed(session, email, "account disabled", user.company_id)
            return SignInResult(refusal="disabled")
        forget_failures(session, user)
        user.last_sign_in_at = clock.now()
        if fresh_hash:
            user.password_hash = fresh_hash
        return SignInResult(cookie=sessions.start(session, settings, user, user_agent=user_agent))


def _failed(session: Session, email: str, why: str, company_id: int | None) -> None:
    audit.record(session, actor=None, actor_label=email, action="sign_in_failed", company_id=company_id, detail=why)


def forget_failures(session: Session, user: StaffUser) -> None:
    """Clear a user's failed sign-ins and any wait (on success, or after an admin resets their password)."""
    user.failed_attempts = 0
    throttle.forget_email(session, user.email)
