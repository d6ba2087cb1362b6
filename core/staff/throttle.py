"""Sign-in throttling: failed sign-ins slow the next attempt, per client and per email, instead of locking accounts.

A hard lock after five failures let anyone lock anyone out, and it told which emails have accounts (a known email
said "locked", an unknown one "wrong" for ever). Here every email is throttled alike, known or not, and the wait grows
gradually: the first few failures cost nothing, then each one doubles the wait, up to a cap. A person who mistypes a
few times never notices; a guesser gets a handful of tries an hour. A client (one network address) gets more free
failures than one email, since an office shares an address, but guessing across many emails from one address is
slowed just the same. A wait is refused before the password is checked, so it costs no argon2 and writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_if_missing
from core.models.base import SignInThrottle


@dataclass(frozen=True)
class Policy:
    free_failures: int  # failures that cost no wait
    max_wait_seconds: int


EMAIL = Policy(free_failures=5, max_wait_seconds=300)
CLIENT = Policy(free_failures=20, max_wait_seconds=900)
# A key's failures are forgotten after this long without a new one.
FORGET_AFTER = timedelta(minutes=15)


def email_key(email: str) -> str:
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:48]


def client_key(client: str) -> str:
    return "client:" + client[:90]


def keys(email: str, client: str) -> dict[str, Policy]:
    found = {email_key(email): EMAIL}
    if client:
        found[client_key(client)] = CLIENT
    return found


def wait_for(failures: int, policy: Policy) -> int:
    """Seconds the next attempt waits after this many failures in a row: 0, then 1, 2, 4… up to the cap."""
    beyond = failures - policy.free_failures
    if beyond < 0:
        return 0
    return min(policy.max_wait_seconds, 2 ** min(beyond, 20))


def waiting(session: Session, email: str, client: str) -> int:
    """Whole seconds until this email may be tried from this client again (0: go ahead)."""
    now = clock.now()
    found = session.scalars(
        select(SignInThrottle.wait_until).where(
            SignInThrottle.key.in_(keys(email, client)), SignInThrottle.wait_until > now
        )
    )
    longest = max(found, default=None)
    return 0 if longest is None else max(1, int((longest - now).total_seconds() + 0.999))


def count_failure(session: Session, email: str, client: str) -> None:
    """Count a failed sign-in against the email and the client, and set how long each must wait.

    Each key's row is made if missing, then read FOR UPDATE (PostgreSQL) or under SQLite's write lock, so failures
    from several processes at once are all counted."""
    now = clock.now()
    for key, policy in sorted(keys(email, client).items()):  # in key order, so two processes cannot deadlock
        insert_if_missing(session, SignInThrottle.__table__, {"key": key, "failures": 0, "last_failure_at": now})
        locked = select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
        row = session.scalars(locked.execution_options(populate_existing=True)).one()
        if row.last_failure_at < now - FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = wait_for(row.failures, policy)
        row.wait_until = now + timedelta(seconds=wait) if wait else None
        session.flush()


def forget_email(session: Session, email: str) -> None:
    """Clear an email's failures (after a successful sign-in, or when an admin resets the password)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == email_key(email)))


def purge(session: Session) -> int:
    """Delete throttles nobody has failed against for a day; return how many."""
    cutoff: datetime = clock.now() - timedelta(days=1)
    result = session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < cutoff))
    return result.rowcount or 0
