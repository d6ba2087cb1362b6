"""The organisations overview, and an organisation's connected apps and users (disconnect, remove)."""

from __future__ import annotations

import sqlite3

from starlette.responses import Response

from sandbox import apps
from sandbox.control import actions
from sandbox.screens.base import (
    Req,
    back,
    badge,
    confirm_page,
    esc,
    html,
    org_of,
    org_url,
    utc,
)
from sandbox.store import Store, loads


def orgs_page(store: Store, req: Req) -> Response:
    rows = store.rows(
        "SELECT o.tenant_id, o.name, o.data,"
        " (SELECT count(*) FROM records r WHERE r.tenant_id = o.tenant_id AND r.kind = 'Contact') AS contacts,"
        " (SELECT count(DISTINCT c.client_id) FROM connections c WHERE c.tenant_id = o.tenant_id"
        "  AND c.deleted_ms IS NULL) AS apps"
        " FROM orgs o WHERE o.active = 1 ORDER BY o.name"
    )
    body_rows = "".join(
        f'<tr data-testid="org-row" data-tenant-id="{esc(r["tenant_id"])}">'
        f'<td><a href="{org_url(r["tenant_id"], "contacts")}" data-testid="org-link">{esc(r["name"])}</a>'
        f"<br><code>{esc(r['tenant_id'])}</code></td>"
        f"<td>{esc(loads(r['data']).get('CountryCode'))}</td><td>{esc(loads(r['data']).get('BaseCurrency'))}</td>"
        f'<td class="num" data-testid="org-contacts">{r["contacts"]:,}</td>'
        f'<td class="num" data-testid="org-apps">{r["apps"]}</td>'
        f'<td><a href="{org_url(r["tenant_id"], "contacts")}">Contacts</a> · '
        f'<a href="{org_url(r["tenant_id"], "invoices")}">Invoices and bills</a> · '
        f'<a href="{org_url(r["tenant_id"], "apps")}">Connected apps</a></td></tr>'
        for r in rows
    )
    table = (
        '<table data-testid="orgs-table"><thead><tr><th>Organisation</th><th>Country</th><th>Currency</th>'
        f'<th class="num">Contacts</th><th class="num">Connected apps</th><th>Open</th></tr></thead>'
        f"<tbody>{body_rows}</tbody></table>"
        if body_rows
        else '<div class="empty" data-testid="empty">No organisations yet. Create one with POST /_sandbox/orgs.</div>'
    )
    body = (
        "<h1>Organisations</h1><p class='note'>A local stand-in for Xero's own screens: change things here as a Xero "
        "user would, and watch connected apps see the change.</p>" + table
    )
    return html("Organisations", body, req=req)


def apps_page(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    connections = store.rows(
        "SELECT c.*, u.first_name, u.last_name, u.email FROM connections c LEFT JOIN users u ON u.user_id = c.user_id"
        " WHERE c.tenant_id = ? AND c.deleted_ms IS NULL ORDER BY c.created_ms",
        (org.tenant_id,),
    )
    conn_rows = "".join(
        f'<tr data-testid="connection-row" data-client-id="{esc(c["client_id"])}">'
        f"<td><strong>{esc(_app_name(store, c['client_id']))}</strong><br><code>{esc(c['client_id'])}</code></td>"
        f"<td>{_who(c)}</td><td>{esc(utc(c['created_ms']))}</td><td><code>{esc(c['auth_event_id'])}</code></td>"
        f'<td><a class="button danger" href="{org_url(org, "apps", c["client_id"], "disconnect")}" '
        f'data-testid="disconnect">Disconnect</a></td></tr>'
        for c in connections
    )
    conn_table = (
        '<table data-testid="connections-table"><thead><tr><th>App</th><th>Connected by</th><th>Connected</th>'
        f"<th>authEventId</th><th></th></tr></thead><tbody>{conn_rows}</tbody></table>"
        if conn_rows
        else '<div class="empty" data-testid="no-connections">No app is connected to this organisation.</div>'
    )
    users = store.rows(
        "SELECT u.user_id, u.email, u.first_name, u.last_name, m.role FROM org_users m"
        " JOIN users u ON u.user_id = m.user_id WHERE m.tenant_id = ? ORDER BY m.role, u.first_name",
        (org.tenant_id,),
    )
    user_rows = "".join(
        f'<tr data-testid="user-row" data-email="{esc(u["email"])}">'
        f"<td>{esc(u['first_name'])} {esc(u['last_name'])}</td><td>{esc(u['email'])}</td>"
        f"<td>{badge(u['role'].title(), 'blue' if u['role'] == 'admin' else 'grey')}</td>"
        f'<td><a class="button danger" href="{org_url(org, "users", u["user_id"], "remove")}" '
        f'data-testid="remove-user">Remove user</a></td></tr>'
        for u in users
    )
    user_table = (
        '<table data-testid="users-table"><thead><tr><th>Name</th><th>Email</th><th>Role</th><th></th></tr></thead>'
        f"<tbody>{user_rows}</tbody></table>"
        if user_rows
        else '<div class="empty">This organisation has no users.</div>'
    )
    body = (
        f"<h1>Connected apps</h1>{conn_table}<h2>Users</h2>"
        "<p class='note'>Removing a user ends the connections they made to this organisation.</p>"
        f"{user_table}"
    )
    return html("Connected apps", body, req=req, org=org, section="apps")


def _app_name(store: Store, client_id: str) -> str:
    app = apps.get(store, client_id)
    return app.name if app else client_id


def _who(row: sqlite3.Row) -> str:
    if row["user_id"] is None:
        return '<span class="note">Custom connection (no user)</span>'
    return f"{esc(row['first_name'])} {esc(row['last_name'])}<br><span class='note'>{esc(row['email'])}</span>"


def disconnect(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    client_id, target = req.path["client"], org_url(org, "apps")
    live = store.row(
        "SELECT 1 FROM connections WHERE tenant_id = ? AND client_id = ? AND deleted_ms IS NULL",
        (org.tenant_id, client_id),
    )
    if live is None:
        return back(target, error="That app is not connected to this organisation.")
    name = _app_name(store, client_id)
    if req.form.get("confirm") != "yes":
        return confirm_page(
            req,
            org,
            "apps",
            question=f"Disconnect {name}?",
            detail=f"{esc(name)} loses access to <strong>{esc(org.name)}</strong> at once: its tokens stop working "
            "here and its users must connect it again.",
            action=org_url(org, "apps", client_id, "disconnect"),
            button="Disconnect",
            cancel=target,
        )
    actions.revoke_app(store, {"clientId": client_id}, {"tenant": org.tenant_id})
    return back(target, flash=f"{name} disconnected from {org.name}.")


def remove_user(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    target = org_url(org, "apps")
    user = store.row(
        "SELECT u.* FROM org_users m JOIN users u ON u.user_id = m.user_id WHERE m.tenant_id = ? AND m.user_id = ?",
        (org.tenant_id, req.path["user"]),
    )
    if user is None:
        return back(target, error="That user is not in this organisation.")
    name = f"{user['first_name']} {user['last_name']}".strip()
    if req.form.get("confirm") != "yes":
        return confirm_page(
            req,
            org,
            "apps",
            question=f"Remove {name}?",
            detail=f"{esc(name)} ({esc(user['email'])}) loses access to <strong>{esc(org.name)}</strong>, and every "
            "app connection they made to it stops working.",
            action=org_url(org, "users", user["user_id"], "remove"),
            button="Remove user",
            cancel=target,
        )
    actions.remove_user(store, {}, {"tenant": org.tenant_id, "email": user["email"]})
    return back(target, flash=f"{name} removed from {org.name}.")
