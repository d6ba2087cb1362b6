"""Access and id tokens as Xero issues them: HS256 JWTs carrying the grant, the user and the consent event."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from sandbox.store import Store

ACCESS_TOKEN_SECONDS = 30 * 60
ISSUER = "https://identity.xero.com"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(store: Store) -> bytes:
    """This simulator's token key, made once and kept with its data."""
    key = store.get_meta("jwt_key")
    if key is None:
        key = secrets.token_hex(32)
        store.set_meta("jwt_key", key)
    return bytes.fromhex(key)


def encode(key: bytes, claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode(key: bytes, token: str) -> dict[str, Any] | None:
    """The claims of a token this simulator signed, or None (expiry is the caller's check)."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, json.JSONDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def random_token() -> str:
    """An opaque token (authorisation codes, refresh tokens)."""
    return secrets.token_hex(32)
