"""What a Xero user does to a contact on its screen: edit, archive, un-archive, merge (through the control API)."""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response

from sandbox import contacts, records
from sandbox.control import actions
from sandbox.records import Record
from sandbox.screens.base import Org, Req, back, confirm_page, esc, frame, org_of, org_url
from sandbox.screens.contacts import KIND, contact_of
from sandbox.store import Store

EDITABLE = (
    ("Name", "Contact name", True),
    ("FirstName", "First name", False),
    ("LastName", "Last name", False),
    ("EmailAddress", "Email address", False),
    ("BankAccountDetails", "Bank account", False),
    ("TaxNumber", "Tax number", False),
    ("AccountNumber", "Account number", False),
)


def _act(store: Store, org: Org, record: Record, action: str, body: dict[str, str] | None = None) -> str:
    """Run actions.contact_action; return its refusal, or "" when done."""
    try:
        actions.contact_action(store, body or {}, {"tenant": org.tenant_id, "contact": record.id, "action": action})
    except actions.ControlError as exc:
        return str(exc)
    return ""


def _name_taken(store: Store, org: Org, name: str, record: Record) -> bool:
    """Another active contact already has this name (Xero keeps active names unique)."""
    rows = store.rows(
        "SELECT id FROM records WHERE tenant_id = ? AND kind = ? AND name = ? AND status = 'ACTIVE'",
        (org.tenant_id, KIND, name.strip().lower()),
    )
    return any(row["id"] != record.id for row in rows)


def _edit_form(req: Req, org: Org, record: Record, values: dict[str, str], error: str = "") -> Response:
    fields = "".join(
        f'<label for="{key}">{label}</label><input type="{"email" if key == "EmailAddress" else "text"}" '
        f'id="{key}" name="{key}" value="{esc(values.get(key, ""))}" data-testid="edit-{key}"'
        f"{' required' if required else ''}>"
        for key, label, required in EDITABLE
    )
    target = org_url(org, "contacts", record.id)
    alert = f'<div class="flash error" role="alert" data-testid="flash-error">{esc(error)}</div>' if error else ""
    body = (
        f'{alert}<p class="note"><a href="{target}">← {esc(record.data.get("Name"))}</a></p>'
        f"<h1>Edit {esc(record.data.get('Name'))}</h1>"
        f'<form method="post" action="{target}/edit" class="stack" style="max-width:34rem">{fields}'
        '<div class="buttons"><button class="primary" type="submit" data-testid="save">Save</button>'
        f'<a class="button" href="{target}" data-testid="cancel">Cancel</a></div></form>'
    )
    return HTMLResponse(
        frame(f"Edit {record.data.get('Name', '')}", body, req=req, org=org, section="contacts"),
        status_code=400 if error else 200,
    )


def edit(store: Store, req: Req) -> Response:
    """GET: the form; POST: save the changed fields as a Xero user would (errors keep what was typed)."""
    org = org_of(store, req.path["tenant"])
    record = contact_of(store, org, req.path["contact"])
    target = org_url(org, "contacts", record.id)
    if record.data.get("MergedToContactID"):
        return back(target, error="This contact has been merged into another contact and can no longer be edited.")
    current = {key: str(record.data.get(key) or "") for key, _, _ in EDITABLE}
    if req.method != "POST":
        return _edit_form(req, org, record, current)
    sent = {key: req.form.get(key, "").strip() for key, _, _ in EDITABLE}
    changed = {k: v for k, v in sent.items() if v != current[k]}
    errors = contacts.problems(changed)
    if not sent["Name"]:
        errors.insert(0, "A contact name must be specified.")
    elif "Name" in changed and record.status == "ACTIVE" and _name_taken(store, org, sent["Name"], record):
        errors.insert(0, contacts.DUPLICATE_NAME.format(name=sent["Name"]))
    if errors:
        return _edit_form(req, org, record, sent, " ".join(errors))
    if not changed:
        return back(target, flash="Nothing changed.")
    refusal = _act(store, org, record, "edit", changed)
    return back(target, error=refusal) if refusal else back(target, flash="Contact saved.")


def archive(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = contact_of(store, org, req.path["contact"])
    target = org_url(org, "contacts", record.id)
    if record.data.get("MergedToContactID") or record.status == "ARCHIVED":
        return back(target, error="This contact is already archived.")
    if req.form.get("confirm") != "yes":
        return confirm_page(
            req,
            org,
            "contacts",
            question=f"Archive {record.data.get('Name', '')}?",
            detail="Archived contacts are hidden from lists and cannot be used on new invoices or bills until "
            "they are restored. Apps connected to this organisation see the contact as <strong>ARCHIVED</strong>.",
            action=f"{target}/archive",
            button="Archive",
            cancel=target,
        )
    refusal = _act(store, org, record, "archive")
    return back(target, error=refusal) if refusal else back(target, flash="Contact archived.")


def unarchive(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = contact_of(store, org, req.path["contact"])
    target = org_url(org, "contacts", record.id)
    if record.data.get("MergedToContactID"):
        return back(target, error="A merged contact cannot be restored.")
    if record.status == "ACTIVE":
        return back(target, error="This contact is already active.")
    name = str(record.data.get("Name", ""))
    if _name_taken(store, org, name, record):
        return back(target, error=f"Another active contact is called {name}. Rename one of them first.")
    if req.form.get("confirm") != "yes":
        return confirm_page(
            req,
            org,
            "contacts",
            question=f"Restore {name}?",
            detail="The contact becomes active again and can be used on new invoices and bills.",
            action=f"{target}/unarchive",
            button="Restore",
            cancel=target,
            destructive=False,
        )
    refusal = _act(store, org, record, "unarchive")
    return back(target, error=refusal) if refusal else back(target, flash="Contact restored.")


def merge(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = contact_of(store, org, req.path["contact"])
    target = org_url(org, "contacts", record.id)
    into_id = (req.form.get("into") or req.query.get("into") or "").strip()
    into = records.get(store, org.tenant_id, KIND, into_id) if into_id else None
    if into is None or into.id == record.id or into.status != "ACTIVE":
        return back(target, error="Choose a different, active contact to merge into.")
    if record.status != "ACTIVE":
        return back(target, error="Only an active contact can be merged.")
    if req.form.get("confirm") != "yes":
        name, survivor = esc(record.data.get("Name")), esc(into.data.get("Name"))
        return confirm_page(
            req,
            org,
            "contacts",
            question=f"Merge {record.data.get('Name', '')} into {into.data.get('Name', '')}?",
            detail=f"<strong>{name}</strong> will be archived and point to <strong>{survivor}</strong>, which keeps "
            "its details. Merging cannot be undone.",
            action=f"{target}/merge",
            button="Merge",
            cancel=target,
            hidden={"into": into.id},
        )
    refusal = _act(store, org, record, "merge", {"into": into.id})
    if refusal:
        return back(target, error=refusal)
    return back(target, flash=f"Contact merged into {into.data.get('Name', '')}.")
