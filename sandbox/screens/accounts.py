"""The chart of accounts screen: what a Xero user sees and does to accounts (archive, restore, and ticking or
unticking "Enable payments to this account"), so the demo can show the hub's mapping watchdog noticing an account
archived in Xero, and an account made ready to take payments."""

from __future__ import annotations

from starlette.responses import Response

from sandbox import records
from sandbox.screens.base import NotFound, Org, Req, back, badge, confirm_page, esc, html, org_of, org_url
from sandbox.store import Store

KIND = "Account"


def _account(store: Store, org: Org, account_id: str) -> records.Record:
    found = records.get(store, org.tenant_id, KIND, account_id)
    if found is None:
        raise NotFound("That account is not in this organisation's chart of accounts.")
    return found


def list_page(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    accounts = sorted(records.listing(store, org.tenant_id, KIND).records, key=lambda r: str(r.data.get("Code")))
    rows = "".join(
        f'<tr data-testid="account-row" data-account-code="{esc(a.data.get("Code"))}">'
        f"<td>{esc(a.data.get('Code'))}</td><td>{esc(a.data.get('Name'))}</td><td>{esc(a.data.get('Type'))}</td>"
        f"<td>{esc(a.data.get('TaxType'))}</td>"
        f"<td>{_payments_cell(org, a)}</td>"
        f"<td>{badge('Active', 'green') if a.status == 'ACTIVE' else badge('Archived', 'grey')}</td>"
        f'<td><form method="post" action="{org_url(org, "accounts", a.id, _verb(a))}">'
        f'<button type="submit" data-testid="account-{_verb(a)}">{_verb(a).capitalize()}</button></form></td></tr>'
        for a in accounts
        if not a.data.get("SystemAccount")  # Xero does not let system accounts be archived
    )
    body = (
        "<h1>Chart of accounts</h1><p>System accounts (receivables, payables, tax, rounding) are not listed: Xero "
        "does not let them be archived.</p>"
        '<table data-testid="accounts-table"><thead><tr><th>Code</th><th>Name</th><th>Type</th><th>Tax type</th>'
        f"<th>Payments</th><th>Status</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return html("Chart of accounts", body, req=req, org=org, section="accounts")


def _payments_cell(org: Org, account: records.Record) -> str:
    """Whether the account takes payments: always for a bank account; otherwise as ticked, with the switch."""
    if account.data.get("Type") == "BANK":
        return "Yes (bank account)"
    enabled = bool(account.data.get("EnablePaymentsToAccount"))
    verb = "disable" if enabled else "enable"
    return (
        f"{'Yes' if enabled else 'No'} "
        f'<form method="post" action="{org_url(org, "accounts", account.id, "payments", verb)}" style="display:inline">'
        f'<button type="submit" data-testid="account-payments-{verb}">{verb.capitalize()} payments</button></form>'
    )


def payments(store: Store, req: Req, *, enable: bool) -> Response:
    """Tick or untick "Enable payments to this account" (Xero offers it on accounts other than bank accounts, which
    always take payments); apps see EnablePaymentsToAccount change on their next read."""
    org = org_of(store, req.path["tenant"])
    account = _account(store, org, req.path["account"])
    target = org_url(org, "accounts")
    name = f"{account.data.get('Code')} {account.data.get('Name')}"
    if account.data.get("Type") == "BANK":
        return back(target, error=f"A bank account always takes payments: {name} has no such setting.")
    if account.data.get("SystemAccount"):
        return back(target, error=f"{name} is a system account: Xero does not let payments go to it.")
    with store.tx() as db:
        account.data["EnablePaymentsToAccount"] = enable
        saved = records.Record(account.id, store.now_ms(), account.status, account.data)
        records.save(
            db, org.tenant_id, KIND, saved, name=account.data.get("Name", ""), number=account.data.get("Code", "")
        )
    return back(target, flash=f"Payments to account {name} {'enabled' if enable else 'disabled'}.")


def _verb(account: records.Record) -> str:
    return "archive" if account.status == "ACTIVE" else "restore"


def change(store: Store, req: Req, *, archive: bool) -> Response:
    """Archive (after a confirmation) or restore one account; apps see the new Status on their next read."""
    org = org_of(store, req.path["tenant"])
    account = _account(store, org, req.path["account"])
    target = org_url(org, "accounts")
    name = f"{account.data.get('Code')} {account.data.get('Name')}"
    if archive and req.form.get("confirm") != "yes":
        return confirm_page(
            req,
            org,
            "accounts",
            question=f"Archive account {name}?",
            detail="Archived accounts cannot be used on new invoices, bills or payments. Apps connected to this "
            "organisation see the account as <strong>ARCHIVED</strong>.",
            action=org_url(org, "accounts", account.id, "archive"),
            button="Archive",
            cancel=target,
        )
    status = "ARCHIVED" if archive else "ACTIVE"
    with store.tx() as db:
        account.data["Status"] = status
        saved = records.Record(account.id, store.now_ms(), status, account.data)
        records.save(
            db, org.tenant_id, KIND, saved, name=account.data.get("Name", ""), number=account.data.get("Code", "")
        )
    return back(target, flash=f"Account {name} {'archived' if archive else 'restored'}.")
