"""Platform API keys: created by admins, shown once, stored only as a hash, revocable. Each names what it reaches:
one company or (chosen explicitly) every company, writing events or only reading the feed, and an optional expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.failures import Refusal
from core.models.base import Company
from core.models.platform import ApiKey

PREFIX = "hubk_"
TOUCH_EVERY = timedelta(minutes=5)


class ApiKeyError(Refusal):
    """A key change was refused; the message says why."""


class OutOfReach(Refusal):
    """A live key used beyond what it was made for: another company, or a write with a read-only key."""

    status = 403


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    session: Session,
    actor: Actor,
    name: str,
    *,
    company_id: int | None,
    write: bool = True,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for a platform, for one company (or every company: company_id None, chosen on purpose); the key
    itself is returned this once and never stored."""
    require(actor, Permission.MANAGE_API_KEYS)
    name = name.strip()
    if not name or len(name) > 120:
        raise ApiKeyError("Name the key after the platform that will use it (at most 120 characters).")
    if company_id is not None and session.get(Company, company_id) is None:
        raise ApiKeyError(f"There is no company {company_id}; pick one from the list, or every company.")
    if expires_at is not None and expires_at <= clock.now():
        raise ApiKeyError("The expiry is in the past; pick a later date, or none.")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        prefix=key[:12],
        key_hash=_hash(key),
        created_by_user_id=actor.user_id,
        created_at=clock.now(),
        company_id=company_id,
        can_write=write,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    reach = {"company": company_id or "every company", "access": "read and write" if write else "read only"}
    if expires_at is not None:
        reach["expires"] = expires_at.isoformat(timespec="minutes")
    audit.record(session, actor=actor, action="api_key_created", target=f"{name} ({row.prefix}…)", after=reach)
    return row, key


def revoke(session: Session, actor: Actor, key_id: int) -> ApiKey:
    """Stop a key working at once."""
    require(actor, Permission.MANAGE_API_KEYS)
    row = session.get(ApiKey, key_id)
    if row is None:
        raise ApiKeyError("That key no longer exists; reload the page.")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(session, actor=actor, action="api_key_revoked", target=f"{row.name} ({row.prefix}…)")
    return row


def list_keys(session: Session, actor: Actor) -> list[ApiKey]:
    require(actor, Permission.MANAGE_API_KEYS)
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


def authenticate(session: Session, presented: str | None) -> ApiKey | None:
    """The live key a request presented (not revoked, not expired), or None."""
    if not presented or not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(presented)))
    now = clock.now()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
    return row


def check_reach(key: ApiKey, company_id: int, *, write: bool) -> None:
    """Refuse a live key used beyond what it was made for."""
    if key.company_id is not None and key.company_id != company_id:
        raise OutOfReach(
            f"This key is for company {key.company_id} only; it cannot reach company {company_id}. Use a key made "
            f"for company {company_id} (an admin makes one on the API keys page)."
        )
    if write and not key.can_write:
        raise OutOfReach(
            "This key is read only: it reads the contacts feed but cannot send events. Send events with a key "
            "made to send them (an admin makes one on the API keys page)."
        )


def reach_words(key: ApiKey, company_names: dict[int, str]) -> str:
    """What a key reaches, as the API keys page says it."""
    where = "Every company"
    if key.company_id is not None:
        where = company_names.get(key.company_id, f"Company {key.company_id}")
    return f"{where} · {'read and write' if key.can_write else 'read only'}"
