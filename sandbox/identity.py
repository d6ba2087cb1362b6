"""Xero's identity service: the consent page, the token and revocation endpoints, and /connections."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox import apps, caps, connections, consent, grants, orgs, tokens
from sandbox.store import Store
from sandbox.wire import json_response, oauth_error, problem

LOGIN_COOKIE = "sandbox_xero_login"
AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _login_value(store: Store, user_id: str) -> str:
    mac = hmac.new(tokens.signing_key(store), f"login:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"{user_id}.{mac}"


def _logged_in(store: Store, request: Request) -> orgs.XeroUserRow | None:
    user_id, _, mac = request.cookies.get(LOGIN_COOKIE, "").partition(".")
    if not user_id or not hmac.compare_digest(_login_value(store, user_id), f"{user_id}.{mac}"):
        return None
    return orgs.get_user(store, user_id)


def _redirect(uri: str, **params: str) -> RedirectResponse:
    joiner = "&" if "?" in uri else "?"
    return RedirectResponse(uri + joiner + urlencode({k: v for k, v in params.items() if v}), status_code=302)


def _choose(
    store: Store, app: apps.RegisteredApp, params: dict[str, str], user: orgs.XeroUserRow, error: str = ""
) -> str:
    memberships = orgs.memberships(store, user.user_id)
    full = caps.blocked(store, app, [m.tenant_id for m in memberships])
    return consent.choose(app.name, params, user, memberships, error, full)


def authorize_routes(store: Store) -> list[Route]:
    async def authorize(request: Request) -> Response:
        source = await request.form() if request.method == "POST" else request.query_params
        params = {name: str(source.get(name, "")) for name in AUTH_PARAMS}
        app = apps.get(store, params["client_id"])
        if app is None:
            return HTMLResponse(consent.problem("The app's client_id is not registered with Xero."), 400)
        if params["redirect_uri"] not in app.redirect_uris:
            return HTMLResponse(consent.problem("The redirect_uri does not match any registered for this app."), 400)
        back, state = params["redirect_uri"], params["state"]
        if params["response_type"] != "code":
            return _redirect(back, error="unsupported_response_type", state=state)
        if not params["scope"].strip():
            return _redirect(back, error="invalid_scope", state=state)
        if params["code_challenge"] and params["code_challenge_method"] != "S256":
            return _redirect(back, error="invalid_request", state=state)
        action = str(source.get("action", "")) if request.method == "POST" else ""
        if action == "cancel":
            return _redirect(back, error="access_denied", state=state)
        user = _logged_in(store, request)
        response: Response
        if action == "logout":
            response = HTMLResponse(consent.sign_in(app.name, params))
            response.delete_cookie(LOGIN_COOKIE)
            return response
        if action == "login":
            user = orgs.check_password(store, str(source.get("email", "")), str(source.get("password", "")))
            if user is None:
                return HTMLResponse(consent.sign_in(app.name, params, "Your email or password is incorrect."), 401)
            response = HTMLResponse(_choose(store, app, params, user))
            response.set_cookie(LOGIN_COOKIE, _login_value(store, user.user_id), httponly=True, samesite="lax")
            return response
        if user is None:
            return HTMLResponse(consent.sign_in(app.name, params))
        if action != "allow":
            return HTMLResponse(_choose(store, app, params, user))
        chosen = [str(t) for t in source.getlist("tenant")]  # type: ignore[union-attr]
        allowed = {m.tenant_id for m in orgs.memberships(store, user.user_id) if m.can_connect_apps}
        full = caps.blocked(store, app, chosen)
        if not chosen or not set(chosen) <= allowed or full:
            if not chosen:
                error = "Choose at least one organisation to connect."
            elif not set(chosen) <= allowed:
                error = "You need the admin role in every organisation you connect."
            else:
                error = next(iter(full.values()))
            return HTMLResponse(_choose(store, app, params, user, error), 400)
        code = grants.issue_code(
            store,
            client_id=app.client_id,
            user_id=user.user_id,
            redirect_uri=back,
            scope=params["scope"],
            tenant_ids=chosen,
            code_challenge=params["code_challenge"] or None,
        )
        return _redirect(back, code=code, scope=params["scope"], state=state, session_state=tokens.random_token()[:16])

    return [Route("/identity/connect/authorize", authorize, methods=["GET", "POST"])]


def _client(store: Store, request: Request, form: dict[str, str]) -> apps.RegisteredApp | None:
    """Client authentication by HTTP Basic or by client_id and client_secret in the form body."""
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    app = apps.get(store, client_id)
    if app is None or not hmac.compare_digest(app.client_secret, secret):
        return None
    return app


def token_routes(store: Store) -> list[Route]:
    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        app = _client(store, request, form)
        if app is None:
            return oauth_error("invalid_client")
        grant_type = form.get("grant_type", "")
        try:
            if grant_type == "authorization_code":
                result = await run_in_threadpool(
                    grants.exchange_code,
                    store,
                    app,
                    form.get("code", ""),
                    form.get("redirect_uri", ""),
                    form.get("code_verifier"),
                )
            elif grant_type == "refresh_token":
                result = await run_in_threadpool(grants.refresh, store, app, form.get("refresh_token", ""))
            elif grant_type == "client_credentials":
                result = await run_in_threadpool(grants.client_credentials, store, app)
            else:
                return oauth_error("unsupported_grant_type")
        except grants.GrantError as refused:
            return oauth_error(refused.error, description=refused.description)
        return json_response(result, headers={"Cache-Control": "no-store"})

    async def revocation(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        app = _client(store, request, form)
        if app is None:
            return oauth_error("invalid_client")
        await run_in_threadpool(grants.revoke, store, app, form.get("token", ""))
        return Response(status_code=200)

    return [
        Route("/connect/token", token, methods=["POST"]),
        Route("/connect/revocation", revocation, methods=["POST"]),
    ]


def bearer_of(store: Store, request: Request) -> grants.Bearer | Response:
    """The caller's grant from its Bearer token, or Xero's 401 answer."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return problem(401, "AuthenticationUnsuccessful", {"WWW-Authenticate": "Bearer"})
    found = grants.bearer(store, header[7:].strip())
    if isinstance(found, grants.Bearer):
        return found
    if found.startswith("expired:"):
        from sandbox.wire import from_ms

        at = from_ms(int(found.split(":", 1)[1]))
        return problem(
            401,
            f"TokenExpired: token expired at {at:%m/%d/%Y %H:%M:%S}",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return problem(401, "AuthenticationUnsuccessful", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def connection_routes(store: Store) -> list[Route]:
    async def list_connections(request: Request) -> Response:
        who = bearer_of(store, request)
        if isinstance(who, Response):
            return who
        event = request.query_params.get("authEventId")
        return json_response(await run_in_threadpool(connections.rows, store, who.grant_id, event))

    async def delete_connection(request: Request) -> Response:
        who = bearer_of(store, request)
        if isinstance(who, Response):
            return who
        done = await run_in_threadpool(connections.delete, store, who.grant_id, request.path_params["id"])
        return (
            Response(status_code=204)
            if done
            else json_response({"Title": "NotFound", "Status": 404, "Detail": "The connection was not found."}, 404)
        )

    return [Route(path, list_connections, methods=["GET"]) for path in ("/connections", "/Connections")] + [
        Route(path, delete_connection, methods=["DELETE"]) for path in ("/connections/{id}", "/Connections/{id}")
    ]


async def discovery(request: Request) -> Response:
    """OpenID Connect discovery, as Xero's identity service publishes it (the endpoints on this simulator)."""
    base = str(request.base_url).rstrip("/")
    return json_response(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/identity/connect/authorize",
            "token_endpoint": f"{base}/connect/token",
            "revocation_endpoint": f"{base}/connect/revocation",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": sorted(consent.SCOPE_WORDS),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )


def routes(store: Store) -> list[Route]:
    return [
        Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
        *authorize_routes(store),
        *token_routes(store),
        *connection_routes(store),
    ]
