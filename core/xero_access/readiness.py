"""Is the hub ready for its Xero? The questions that need no person (configuration, discovery, a token refresh, the
organisations a grant reaches), and the steps only a person can take in Xero's developer portal, as one checklist.
`manage.py check-xero` prints it; README's "Pointing the hub at real Xero" is the same list."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import select

from core.config import xero
from core.hub import Hub
from core.models.sync import Grant
from core.xero import oauth
from core.xero.outcomes import ReconnectNeeded, Transient, XeroProblem
from core.xero_access import cap, grants

WORKER = "check-xero"
# Status of a line: passed, failed, or a step for the person reading it.
OK, FAILED, TO_DO = "ok", "failed", "to do"


@dataclass(frozen=True)
class Line:
    status: str
    title: str
    detail: str = ""


def check(hub: Hub) -> list[Line]:
    """Every line of the checklist, in the order a deployer works through them."""
    settings = hub.settings
    lines = [_target(hub)]
    lines.append(_discovery(settings.xero_identity_url))
    lines.extend(_grant(hub))
    lines.append(
        Line(
            TO_DO,
            "Register the redirect URI on your app's Configuration page",
            settings.xero_redirect_uri
            + ("" if settings.xero_redirect_uri.startswith("https://") or not _real(hub) else " (Xero needs https)"),
        )
    )
    lines.append(
        Line(
            TO_DO,
            "Set the webhook on your app's Webhooks page (Contacts, Invoices and Credit notes)",
            f"delivery URL {settings.base_url}/webhooks/xero; its signing key goes in XERO_WEBHOOK_KEY",
        )
    )
    lines.append(_scopes(settings.xero_scopes))
    lines.append(_cap(hub))
    return lines


def _real(hub: Hub) -> bool:
    return hub.settings.xero_target == xero.XERO


def _target(hub: Hub) -> Line:
    settings = hub.settings
    where = "real Xero" if _real(hub) else "the built-in Xero simulator"
    return Line(
        OK,
        f"Xero is {where} (XERO_TARGET={settings.xero_target})",
        f"identity {settings.xero_identity_url}, API {settings.xero_api_url}, consent {settings.xero_authorize_url}, "
        f"client id {settings.xero_client_id}",
    )


def _discovery(identity_url: str) -> Line:
    url = f"{identity_url}/.well-known/openid-configuration"
    try:
        response = httpx.get(url, timeout=oauth.TIMEOUT)
        found = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError) as exc:
        return Line(FAILED, "Xero's identity service answers", f"{url}: {type(exc).__name__}; check XERO_IDENTITY_URL")
    if "token_endpoint" not in found:
        return Line(FAILED, "Xero's identity service answers", f"{url} answered {response.status_code}")
    return Line(OK, "Xero's identity service answers", f"token endpoint {found['token_endpoint']}")


def _grant(hub: Hub) -> list[Line]:
    """With a live grant: refresh its token (proves the client id and secret) and list the organisations it reaches."""
    with hub.db.read() as session:
        grant_id = session.scalar(
            select(Grant.id).where(Grant.revoked_at.is_(None)).order_by(Grant.updated_at.desc()).limit(1)
        )
    if grant_id is None:
        return [Line(TO_DO, "Connect a company to Xero", "no grant yet: the client id and secret are proven then")]
    try:
        used = grants.access_token(hub.db, hub.settings, grant_id, worker=WORKER)
        grants.expire_access_token(hub.db, hub.settings, grant_id, used)
        token = grants.access_token(hub.db, hub.settings, grant_id, worker=WORKER)
        reached = oauth.connections(hub.settings, token)
    except (ReconnectNeeded, Transient, XeroProblem) as problem:
        return [Line(FAILED, "A token refresh with your client id and secret", str(problem))]
    names = ", ".join(sorted(str(c.get("tenantName") or "?") for c in reached)) or "none"
    return [
        Line(OK, "A token refresh with your client id and secret", "Xero issued new tokens"),
        Line(OK, "Xero's /connections answers", f"the latest grant reaches {len(reached)}: {names}"),
    ]


def _scopes(scopes: str) -> Line:
    broad = sorted(set(scopes.split()) & xero.BROAD_SCOPES)
    if broad:
        return Line(
            TO_DO,
            "Scopes: this app asks for broad scopes",
            f"{', '.join(broad)} is refused for apps created from March 2026 and ends for older apps in September "
            f"2027; unset XERO_SCOPES for granular ones ({xero.DEFAULT_SCOPES})",
        )
    return Line(OK, "Scopes are granular", scopes)


def _cap(hub: Hub) -> Line:
    with hub.db.read() as session:
        found = cap.usage(session, hub.settings.xero_connection_cap)
    detail = found.words + (f". {found.advice}" if found.near else "")
    return Line(FAILED if found.full else OK, "Connections within Xero's cap for an uncertified app", detail)
