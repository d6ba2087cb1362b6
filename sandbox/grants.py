"""Grants, tokens and connections: what Xero's identity service remembers about who let which app in where."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sandbox import tokens
from sandbox.apps import RegisteredApp
from sandbox.store import Store, dumps, loads
from sandbox.wire import new_id

CODE_SECONDS = 5 * 60  # unconfirmed in Xero's docs; see sandbox/README.md
REFRESH_GRACE_MS = 30 * 60 * 1000
REFRESH_IDLE_MS = 60 * 24 * 3600 * 1000


class GrantError(Exception):
    """The token endpoint's answer to a bad grant: an OAuth error code such as invalid_grant."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Bearer:
    """What a valid access token stands for."""

    grant_id: str
    client_id: str
    user_id: str | None
    scopes: frozenset[str]
    auth_event_id: str


def issue_code(
    store: Store,
    *,
    client_id: str,
    user_id: str,
    redirect_uri: str,
    scope: str,
    tenant_ids: list[str],
    code_challenge: str | None,
) -> str:
    code = tokens.random_token()
    with store.tx() as db:
        db.execute(
            "INSERT INTO auth_codes (code, client_id, user_id, redirect_uri, scope, tenant_ids, code_challenge,"
            " expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code,
                client_id,
                user_id,
                redirect_uri,
                scope,
                dumps(tenant_ids),
                code_challenge,
                store.now_ms() + CODE_SECONDS * 1000,
            ),
        )
    return code


def _pkce_ok(challenge: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(digest, challenge)


def exchange_code(store: Store, app: RegisteredApp, code: str, redirect_uri: str, verifier: str | None) -> dict:
    """authorization_code grant: one consent becomes (or joins) the user's grant and its connections."""
    now = store.now_ms()
    with store.tx() as db:
        row = db.execute("SELECT * FROM auth_codes WHERE code = ?", (code,)).fetchone()
        if row is None or row["used"] or row["expires_ms"] < now or row["client_id"] != app.client_id:
            raise GrantError("invalid_grant")
        if row["redirect_uri"] != redirect_uri:
            raise GrantError("invalid_grant", "redirect_uri does not match the authorisation request")
        if row["code_challenge"] and not _pkce_ok(row["code_challenge"], verifier):
            raise GrantError("invalid_grant", "code_verifier does not match the code_challenge")
        db.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (code,))
        grant = db.execute(
            "SELECT * FROM grants WHERE client_id = ? AND user_id = ? AND revoked_ms IS NULL",
            (app.client_id, row["user_id"]),
        ).fetchone()
        auth_event_id = new_id()
        if grant is None:
            grant_id, scope = new_id(), row["scope"]
            db.execute(
                "INSERT INTO grants (grant_id, client_id, user_id, scope, auth_event_id, created_ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (grant_id, app.client_id, row["user_id"], scope, auth_event_id, now),
            )
        else:
            # Scopes add up across consents; they only go away when the grant is revoked.
            grant_id = grant["grant_id"]
            scope = " ".join(sorted(set(grant["scope"].split()) | set(row["scope"].split())))
            db.execute(
                "UPDATE grants SET scope = ?, auth_event_id = ? WHERE grant_id = ?", (scope, auth_event_id, grant_id)
            )
        for tenant_id in loads(row["tenant_ids"]):
            _connect(db, grant_id, app.client_id, row["user_id"], tenant_id, auth_event_id, now)
        return _token_set(store, db, grant_id, app.client_id, row["user_id"], scope, auth_event_id, now)


def _connect(
    db,
    grant_id: str,
    client_id: str,
    user_id: str | None,
    tenant_id: str,
    auth_event_id: str,  # type: ignore[no-untyped-def]
    now: int,
) -> None:
    existing = db.execute(
        "SELECT id FROM connections WHERE grant_id = ? AND tenant_id = ? AND deleted_ms IS NULL", (grant_id, tenant_id)
    ).fetchone()
    if existing is None:
        db.execute(
            "INSERT INTO connections (id, grant_id, tenant_id, client_id, user_id, auth_event_id, created_ms,"
            " updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id(), grant_id, tenant_id, client_id, user_id, auth_event_id, now, now),
        )
    else:
        db.execute(
            "UPDATE connections SET auth_event_id = ?, updated_ms = ? WHERE id = ?",
            (auth_event_id, now, existing["id"]),
        )


def _token_set(
    store: Store,
    db,
    grant_id: str,
    client_id: str,
    user_id: str | None,
    scope: str,  # type: ignore[no-untyped-def]
    auth_event_id: str,
    now: int,
    *,
    with_refresh: bool = True,
) -> dict:
    key = tokens.signing_key(store)
    jti = tokens.random_token()[:32]
    expires = now // 1000 + tokens.ACCESS_TOKEN_SECONDS
    claims = {
        "nbf": now // 1000,
        "exp": expires,
        "iss": tokens.ISSUER,
        "aud": f"{tokens.ISSUER}/resources",
        "client_id": client_id,
        "sub": user_id or client_id,
        "auth_time": now // 1000,
        "xero_userid": user_id,
        "global_session_id": grant_id,
        "jti": jti,
        "authentication_event_id": auth_event_id,
        "scope": scope.split(),
    }
    db.execute(
        "INSERT INTO access_tokens (jti, grant_id, expires_ms) VALUES (?, ?, ?)", (jti, grant_id, expires * 1000)
    )
    result: dict = {
        "access_token": tokens.encode(key, claims),
        "expires_in": tokens.ACCESS_TOKEN_SECONDS,
        "token_type": "Bearer",
        "scope": scope,
    }
    if with_refresh and "offline_access" in scope.split():
        refresh = tokens.random_token()
        db.execute("INSERT INTO refresh_tokens (token, grant_id, issued_ms) VALUES (?, ?, ?)", (refresh, grant_id, now))
        result["refresh_token"] = refresh
    if "openid" in scope.split() and user_id:
        user = db.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
        result["id_token"] = tokens.encode(
            key,
            {
                "nbf": now // 1000,
                "exp": now // 1000 + 300,
                "iss": tokens.ISSUER,
                "aud": client_id,
                "sub": user_id,
                "xero_userid": user_id,
                "email": user["email"],
                "given_name": user["first_name"],
                "family_name": user["last_name"],
                "preferred_username": user["email"],
                "global_session_id": grant_id,
            },
        )
    return result


def refresh(store: Store, app: RegisteredApp, token: str) -> dict:
    """refresh_token grant: rotate on every use; a used token still works for 30 minutes (a lost response)."""
    now = store.now_ms()
    with store.tx() as db:
        row = db.execute(
            "SELECT r.*, g.client_id, g.user_id, g.scope, g.auth_event_id, g.revoked_ms FROM refresh_tokens r"
            " JOIN grants g ON g.grant_id = r.grant_id WHERE r.token = ?",
            (token,),
        ).fetchone()
        if row is None or row["revoked"] or row["revoked_ms"] is not None or row["client_id"] != app.client_id:
            raise GrantError("invalid_grant")
        if now - row["issued_ms"] > REFRESH_IDLE_MS:
            raise GrantError("invalid_grant")
        if row["first_used_ms"] is not None and now - row["first_used_ms"] > REFRESH_GRACE_MS:
            raise GrantError("invalid_grant")
        if row["first_used_ms"] is None:
            db.execute("UPDATE refresh_tokens SET first_used_ms = ? WHERE token = ?", (now, token))
        return _token_set(
            store, db, row["grant_id"], app.client_id, row["user_id"], row["scope"], row["auth_event_id"], now
        )


def client_credentials(store: Store, app: RegisteredApp) -> dict:
    """client_credentials grant for a custom connection: an access token for its one organisation, no refresh."""
    if not app.custom_tenant:
        raise GrantError("unauthorized_client", "this app is not a custom connection")
    now = store.now_ms()
    with store.tx() as db:
        org = db.execute(
            "SELECT tenant_id FROM orgs WHERE (tenant_id = ? OR name = ?) AND active = 1",
            (app.custom_tenant, app.custom_tenant),
        ).fetchone()
        if org is None:
            raise GrantError("invalid_client", "the custom connection's organisation does not exist")
        grant = db.execute(
            "SELECT * FROM grants WHERE client_id = ? AND user_id IS NULL AND revoked_ms IS NULL", (app.client_id,)
        ).fetchone()
        scope = " ".join(s for s in app.scopes if s not in {"offline_access", "openid", "profile", "email"})
        if grant is None:
            grant_id, event = new_id(), new_id()
            db.execute(
                "INSERT INTO grants (grant_id, client_id, user_id, scope, auth_event_id, created_ms)"
                " VALUES (?, ?, NULL, ?, ?, ?)",
                (grant_id, app.client_id, scope, event, now),
            )
        else:
            grant_id, event = grant["grant_id"], grant["auth_event_id"]
        _connect(db, grant_id, app.client_id, None, org["tenant_id"], event, now)
        return _token_set(store, db, grant_id, app.client_id, None, scope, event, now, with_refresh=False)


def revoke(store: Store, app: RegisteredApp, token: str) -> None:
    """Revoke the grant behind a refresh token: every connection it holds goes (unknown tokens are ignored)."""
    row = store.row("SELECT grant_id FROM refresh_tokens WHERE token = ?", (token,))
    if row is not None:
        revoke_grant(store, row["grant_id"], client_id=app.client_id)


def revoke_grant(store: Store, grant_id: str, *, client_id: str | None = None) -> bool:
    now = store.now_ms()
    with store.tx() as db:
        grant = db.execute(
            "SELECT client_id FROM grants WHERE grant_id = ? AND revoked_ms IS NULL", (grant_id,)
        ).fetchone()
        if grant is None or (client_id is not None and grant["client_id"] != client_id):
            return False
        db.execute("UPDATE grants SET revoked_ms = ? WHERE grant_id = ?", (now, grant_id))
        db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE grant_id = ?", (grant_id,))
        db.execute("UPDATE connections SET deleted_ms = ? WHERE grant_id = ? AND deleted_ms IS NULL", (now, grant_id))
    return True


def bearer(store: Store, access_token: str) -> Bearer | str:
    """The grant behind an access token, or the reason it is refused ("expired:<ms>" or "invalid")."""
    claims = tokens.decode(tokens.signing_key(store), access_token)
    if claims is None:
        return "invalid"
    row = store.row(
        "SELECT a.expires_ms, g.* FROM access_tokens a JOIN grants g ON g.grant_id = a.grant_id WHERE a.jti = ?",
        (claims.get("jti"),),
    )
    if row is None:
        return "invalid"
    if row["expires_ms"] <= store.now_ms():
        return f"expired:{row['expires_ms']}"
    return Bearer(
        row["grant_id"],
        row["client_id"],
        row["user_id"],
        frozenset(claims.get("scope") or ()),
        claims.get("authentication_event_id") or row["auth_event_id"],
    )
