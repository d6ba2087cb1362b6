"""The control API under /_sandbox/: seed, reset, act as a Xero user would, move the clock, read the request log."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from demodata import orgs as seed
from sandbox import apps, contacts, events, grants, loader, orgs, records
from sandbox.api import tracking
from sandbox.store import Store

Handler = Callable[[Store, dict[str, Any], dict[str, str]], Any]


class ControlError(Exception):
    """A control request that cannot be done; answered 400 or 404 with the message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def reset(store: Store, body: dict[str, Any], _params: dict[str, str]) -> Any:
    """Wipe everything and load a seed: "demo" (default) or "empty"."""
    store.wipe()
    store.reset_clock()
    for app in apps.from_env():
        apps.register(store, app)
    if body.get("seed", "demo") == "demo":
        for org in seed.demo_orgs():
            loader.load_org(store, org, documents=loader.DEMO_DOCUMENTS)
    return {"organisations": [{"tenantId": t, "name": n} for t, n in orgs.list_orgs(store)]}


def create_org(store: Store, body: dict[str, Any], _params: dict[str, str]) -> Any:
    """A generated organisation: name, country (GB/AU/NZ), contacts (count), seed, optional users."""
    users = [
        seed.XeroUser(
            u["email"],
            u.get("first_name", "Xero"),
            u.get("last_name", "User"),
            u.get("password", seed.DEMO_PASSWORD),
            u.get("role", "admin"),
        )
        for u in body.get("users", [])
    ]
    try:
        generated = seed.generate(
            name=str(body["name"]),
            country=str(body.get("country", "GB")),
            contacts=int(body.get("contacts", 60)),
            seed=int(body.get("seed", 1)),
            tenant_id=body.get("tenantId"),
            users=users or None,
        )
    except (KeyError, ValueError) as exc:
        raise ControlError(f"Cannot create that organisation: {exc}") from None
    if orgs.get_org(store, generated.tenant_id) is not None:
        raise ControlError("An organisation with that tenant id already exists.")
    loader.load_org(store, generated, documents=int(body.get("documents", 0)))
    return {
        "tenantId": generated.tenant_id,
        "name": generated.name,
        "contacts": len(generated.contacts),
        "users": [{"email": u.email, "role": u.role} for u in generated.users],
    }


def list_orgs(store: Store, _body: dict[str, Any], _params: dict[str, str]) -> Any:
    return [{"tenantId": t, "name": n} for t, n in orgs.list_orgs(store)]


def register_app(store: Store, body: dict[str, Any], _params: dict[str, str]) -> Any:
    try:
        app = apps.RegisteredApp.from_json(body)
    except TypeError as exc:
        raise ControlError(f"Not an app definition: {exc}") from None
    apps.register(store, app)
    return app.to_json()


def advance_clock(store: Store, body: dict[str, Any], _params: dict[str, str]) -> Any:
    seconds = float(body.get("seconds", 0))
    if seconds < 0:
        raise ControlError("The clock only moves forward.")
    return {"offsetMs": store.advance(seconds), "nowMs": store.now_ms()}


def clock(store: Store, _body: dict[str, Any], _params: dict[str, str]) -> Any:
    return {"nowMs": store.now_ms()}


def request_log(store: Store, _body: dict[str, Any], params: dict[str, str]) -> Any:
    since, limit = int(params.get("since", 0)), min(int(params.get("limit", 1000)), 10_000)
    rows = store.rows("SELECT * FROM request_log WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit))
    return [dict(row) for row in rows]


def _contact(store: Store, tenant: str, contact_id: str) -> records.Record:
    found = records.get(store, tenant, "Contact", contact_id)
    if found is None:
        raise ControlError("No such contact in that organisation.", 404)
    return found


def contact_action(store: Store, body: dict[str, Any], params: dict[str, str]) -> Any:
    """What a Xero user does on a contact's screen: archive, unarchive, merge, edit, or a silent flag change; and
    `gdpr`, the contact's owner asking Xero to erase them."""
    tenant, action = params["tenant"], params["action"]
    with store.tx() as db:
        contact = _contact(store, tenant, params["contact"])
        data, now = contact.data, store.now_ms()
        updated = now
        if action == "archive":
            data["ContactStatus"] = "ARCHIVED"
        elif action == "unarchive":
            data["ContactStatus"] = "ACTIVE"
        elif action == "gdpr":  # its owner asked for erasure (a ContactStatus of Xero's OpenAPI enum)
            data["ContactStatus"] = "GDPRREQUEST"
        elif action == "merge":
            into = _contact(store, tenant, str(body.get("into", "")))
            if into.id == contact.id or into.status != "ACTIVE":
                raise ControlError("Merge into a different, active contact.")
            data["ContactStatus"], data["MergedToContactID"] = "ARCHIVED", into.id
        elif action == "edit":
            data.update(
                {
                    k: v
                    for k, v in body.items()
                    if k
                    in {
                        "Name",
                        "FirstName",
                        "LastName",
                        "EmailAddress",
                        "AccountNumber",
                        "BankAccountDetails",
                        "TaxNumber",
                    }
                }
            )
        elif action == "silent":
            # IsSupplier, IsCustomer and Balances change without moving UpdatedDateUTC, as in Xero.
            data.update({k: v for k, v in body.items() if k in {"IsSupplier", "IsCustomer", "Balances"}})
            updated = contact.updated_ms
        else:
            raise ControlError(f"Unknown contact action {action!r}.", 404)
        saved = records.Record(contact.id, updated, data["ContactStatus"], data)
        contacts.save(db, tenant, saved)
    if action != "silent":
        events.record(store, tenant, "CONTACT", contact.id, created=False)
    return {"ContactID": contact.id, "ContactStatus": data["ContactStatus"]}


def archive_account(store: Store, _body: dict[str, Any], params: dict[str, str]) -> Any:
    with store.tx() as db:
        account = records.get(db, params["tenant"], "Account", params["account"])
        if account is None:
            raise ControlError("No such account in that organisation.", 404)
        account.data["Status"] = "ARCHIVED"
        saved = records.Record(account.id, store.now_ms(), "ARCHIVED", account.data)
        records.save(
            db,
            params["tenant"],
            "Account",
            saved,
            name=account.data.get("Name", ""),
            number=account.data.get("Code", ""),
        )
    return {"AccountID": account.id, "Status": "ARCHIVED"}


def tracking_option(store: Store, _body: dict[str, Any], params: dict[str, str]) -> Any:
    """A Xero user archives or restores a tracking option (Settings → Tracking categories)."""
    status = {"archive": "ARCHIVED", "restore": "ACTIVE"}.get(params["action"])
    if status is None:
        raise ControlError(f"Unknown tracking option action {params['action']!r}.", 404)
    try:
        return tracking.set_option_status(store, params["tenant"], params["option"], status)
    except tracking.NotFound:
        raise ControlError("No such tracking option in that organisation.", 404) from None


def revoke_app(store: Store, body: dict[str, Any], params: dict[str, str]) -> Any:
    """A Xero user disconnects the app from an organisation in Xero's connected-apps screen."""
    tenant, client_id = params["tenant"], str(body.get("clientId") or apps.from_env()[0].client_id)
    rows = store.rows(
        "SELECT DISTINCT grant_id FROM connections WHERE tenant_id = ? AND client_id = ? AND deleted_ms IS NULL",
        (tenant, client_id),
    )
    for row in rows:
        grants.revoke_grant(store, row["grant_id"])
    return {"revokedGrants": len(rows)}


def remove_user(store: Store, _body: dict[str, Any], params: dict[str, str]) -> Any:
    """An organisation's admin removes a Xero user (for example the one who connected the app)."""
    user = store.row("SELECT user_id FROM users WHERE email = ?", (params["email"].lower(),))
    if user is None:
        raise ControlError("No Xero user has that email.", 404)
    orgs.remove_member(store, params["tenant"], user["user_id"])
    return {"removed": params["email"]}


def void_invoice(store: Store, _body: dict[str, Any], params: dict[str, str]) -> Any:
    """A Xero user voids an approved invoice (refused, as in Xero, once a payment or credit is applied)."""
    from sandbox.documents import user_actions

    try:
        return user_actions.void(store, params["tenant"], params["invoice"])
    except user_actions.ActionRefused as exc:
        raise ControlError(str(exc), exc.status) from None


def invoice_payment(store: Store, body: dict[str, Any], params: dict[str, str]) -> Any:
    """A Xero user records a payment on an invoice: {"amount", "accountCode"?, "date"?}."""
    from sandbox.documents import user_actions

    try:
        return user_actions.pay(store, params["tenant"], params["invoice"], body)
    except user_actions.ActionRefused as exc:
        raise ControlError(str(exc), exc.status) from None


ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/_sandbox/reset", reset),
    ("GET", "/_sandbox/orgs", list_orgs),
    ("POST", "/_sandbox/orgs", create_org),
    ("POST", "/_sandbox/apps", register_app),
    ("GET", "/_sandbox/clock", clock),
    ("POST", "/_sandbox/clock/advance", advance_clock),
    ("GET", "/_sandbox/requests", request_log),
    ("POST", "/_sandbox/orgs/{tenant}/contacts/{contact}/{action}", contact_action),
    ("POST", "/_sandbox/orgs/{tenant}/accounts/{account}/archive", archive_account),
    ("POST", "/_sandbox/orgs/{tenant}/tracking-options/{option}/{action}", tracking_option),
    ("POST", "/_sandbox/orgs/{tenant}/revoke", revoke_app),
    ("POST", "/_sandbox/orgs/{tenant}/users/{email}/remove", remove_user),
    ("POST", "/_sandbox/orgs/{tenant}/invoices/{invoice}/void", void_invoice),
    ("POST", "/_sandbox/orgs/{tenant}/invoices/{invoice}/payments", invoice_payment),
]


def routes(store: Store) -> list[Route]:
    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else {}
                if not isinstance(body, dict):
                    raise ControlError("The body must be a JSON object.")
                params = {**request.query_params, **request.path_params}
                return JSONResponse(await run_in_threadpool(handler, store, body, params))
            except json.JSONDecodeError:
                return JSONResponse({"error": "The body is not valid JSON."}, status_code=400)
            except ControlError as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)

        return serve

    return [Route(path, endpoint(handler), methods=[method]) for method, path, handler in ROUTES]
