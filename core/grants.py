"""Xero grants: a Xero user's tokens, stored encrypted, and read back only where a call to Xero needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from core import clock
from core.crypto import Vault
from core.models_sync import Grant


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
