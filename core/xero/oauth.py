"""OAuth 2.0 with Xero through Authlib's httpx client: authorise, exchange, refresh, revoke, and /connections."""

from __future__ import annotations

import json
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from core.settings import Settings
from core.xero.answers import classify
from core.xero.outcomes import ReconnectNeeded, Transient, UncertainOutcome, XeroProblem

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def _client(settings: Settings) -> OAuth2Client:
    return OAuth2Client(
        client_id=settings.xero_client_id,
        client_secret=settings.xero_client_secret.value,
        scope=settings.xero_scopes,
        redirect_uri=settings.xero_redirect_uri,
        token_endpoint_auth_method="client_secret_basic",
        timeout=TIMEOUT,
    )


def authorization_url(settings: Settings, state: str) -> str:
    """Where to send the person to consent in Xero (the state comes back on the callback)."""
    with _client(settings) as client:
        url, _ = client.create_authorization_url(settings.xero_authorize_url, state=state)
    return str(url)


def _token_call(settings: Settings, grant: str, **form: str) -> dict[str, Any]:
    url = f"{settings.xero_identity_url}/connect/token"
    try:
        with _client(settings) as client:
            if grant == "refresh_token":
                token = client.refresh_token(url, refresh_token=form["refresh_token"])
            else:
                token = client.fetch_token(url, grant_type="authorization_code", code=form["code"])
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise ReconnectNeeded("Xero no longer accepts this authorisation (invalid_grant).", status=400) from None
        raise XeroProblem(f"Xero's token endpoint refused the request ({exc.error}).", status=400) from None
    except httpx.TimeoutException:
        raise UncertainOutcome("Xero's token endpoint did not answer in time.") from None
    except httpx.HTTPError as exc:
        raise Transient(f"Xero's token endpoint could not be reached ({type(exc).__name__}).") from None
    except ValueError:
        raise Transient("Xero's token endpoint answered with something that is not a token.") from None
    return dict(token)


def exchange_code(settings: Settings, code: str) -> dict[str, Any]:
    """The authorisation code from the callback, for tokens (used once, at once)."""
    return _token_call(settings, "authorization_code", code=code)


def refresh(settings: Settings, refresh_token: str) -> dict[str, Any]:
    """A new token pair; the refresh token rotates, so store the new one before using the access token."""
    return _token_call(settings, "refresh_token", refresh_token=refresh_token)


def revoke(settings: Settings, refresh_token: str) -> None:
    """Revoke the grant: Xero removes every connection it holds."""
    try:
        with _client(settings) as client:
            response = client.revoke_token(
                f"{settings.xero_identity_url}/connect/revocation", token=refresh_token, token_type_hint="refresh_token"
            )
    except httpx.HTTPError as exc:
        raise Transient(f"Xero could not be reached ({type(exc).__name__}).") from None
    problem = classify(response.status_code, response.headers, response.content)
    if problem is not None:
        raise problem


def claims(access_token: str) -> dict[str, Any]:
    """The access token's claims (Xero's is a JWT carrying authentication_event_id and xero_userid); not verified:
    the hub only reads which consent and user it came from, and Xero checks the token on every call."""
    import base64

    try:
        payload = access_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def _http(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One call to Xero's identity service; a network failure becomes Transient, never a raw httpx error."""
    try:
        return httpx.request(method, url, timeout=TIMEOUT, **kwargs)
    except httpx.HTTPError as exc:
        raise Transient(f"Xero could not be reached ({type(exc).__name__}).") from None


def connections(settings: Settings, access_token: str, *, auth_event_id: str | None = None) -> list[dict[str, Any]]:
    """The organisations this grant reaches (only those of one consent, with auth_event_id)."""
    params = {"authEventId": auth_event_id} if auth_event_id else None
    response = _http(
        "GET",
        f"{settings.xero_api_url}/connections",
        params=params,
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    problem = classify(response.status_code, response.headers, response.content)
    if problem is not None:
        raise problem
    return list(response.json())


def delete_connection(settings: Settings, access_token: str, connection_id: str) -> bool:
    """Disconnect one organisation; False if Xero no longer had it."""
    response = _http(
        "DELETE",
        f"{settings.xero_api_url}/connections/{connection_id}",
        headers={"Authorization": f"Bearer {access_token}"},
    )
    if response.status_code == 404:
        return False
    problem = classify(response.status_code, response.headers, response.content)
    if problem is not None:
        raise problem
    return True
