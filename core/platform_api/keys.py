"""Platform API keys: created by admins, shown once, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, clock
from core.auth import Actor, Permission, require
from core.failures import Refusal
from core.models.platform import ApiKey

PREFIX = "hubk_"
TOUCH_EVERY = timedelta(minutes=5)


class ApiKeyError(Refusal):
    """A key change was refused; the message says why."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(session: Session, actor: Actor, name: str) -> tuple[ApiKey, str]:
    """A new key for a platform; the key itself is returned this once and never stored."""
    require(actor, Permission.MANAGE_API_KEYS)
    name = name.strip()
    if not name or len(name) > 120:
        raise ApiKeyError("Name the key after the platform that will use it (at most 120 characters).")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name, prefix=key[:12], key_hash=_hash(key), created_by_user_id=actor.user_id, created_at=clock.now()
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="api_key_created", target=f"{name} ({row.prefix}…)")
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
    """The live key a request presented, or None."""
    if not presented or not presented.startswith(PREFIX) or len(presented) > 200:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(presented)))
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
    return row
