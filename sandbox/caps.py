"""Xero's caps on an app that has not completed certification: it may be connected to at most 25 organisations at
once (SANDBOX_CONNECTION_CAP; 0 stands for a certified app, with no cap), and an organisation may connect at most
two uncertified apps. On the consent page an organisation the app may not take is shown but cannot be ticked, with
Xero's reason; reconnecting an organisation the app already holds takes no new place."""

from __future__ import annotations

from sandbox.apps import RegisteredApp, all_apps
from sandbox.store import Store

UNCERTIFIED_APPS_PER_ORG = 2
LIVE = (
    "SELECT c.tenant_id, c.client_id FROM connections c JOIN grants g ON g.grant_id = c.grant_id"
    " WHERE c.deleted_ms IS NULL AND g.revoked_ms IS NULL"
)


def app_full(app: RegisteredApp) -> str:
    return (
        f"{app.name} needs to complete certification before it can connect to more Xero organisations "
        f"(it is connected to {app.connection_cap}, the most for an uncertified app)."
    )


ORG_FULL = "This organisation already has two uncertified apps connected, the most Xero allows."


def blocked(store: Store, app: RegisteredApp, tenant_ids: list[str]) -> dict[str, str]:
    """The organisations among tenant_ids this app may not be connected to now, each with Xero's reason."""
    live = [(r["tenant_id"], r["client_id"]) for r in store.rows(LIVE)]
    held = {tenant for tenant, client in live if client == app.client_id}
    if not app.connection_cap:
        return {}
    uncertified = {a.client_id for a in all_apps(store) if a.connection_cap}
    reasons = {}
    for tenant in tenant_ids:
        if tenant in held:
            continue
        others = {client for t, client in live if t == tenant and client != app.client_id and client in uncertified}
        if len(held) >= app.connection_cap:
            reasons[tenant] = app_full(app)
        elif len(others) >= UNCERTIFIED_APPS_PER_ORG:
            reasons[tenant] = ORG_FULL
    return reasons
