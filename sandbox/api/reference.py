"""Organisation, Accounts, TaxRates, Currencies and ContactGroups: the reference data an integration reads."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import contacts, orgs, records, wire
from sandbox.api.base import BASE, Call, Refusal, authorise, elements_of, order_of, read_json, since_of, where_of
from sandbox.store import Store

SETTINGS_READ = ("accounting.settings", "accounting.settings.read")
CONTACTS_READ = ("accounting.contacts", "accounting.contacts.read")
CONTACTS_WRITE = ("accounting.contacts",)
GROUP_LIMIT = 100


def organisation(call: Call) -> Response:
    data = orgs.get_org(call.store, call.tenant_id) or {}
    created = data.pop("_created_ms", call.store.now_ms())
    data["CreatedDateUTC"] = wire.ms_date(created)
    return wire.json_response(wire.envelope("Organisations", [data], call.store.now_ms()))


CURRENCY_NAMES = {
    "GBP": "British Pound",
    "EUR": "Euro",
    "AUD": "Australian Dollar",
    "USD": "United States Dollar",
    "NZD": "New Zealand Dollar",
}


def currencies(call: Call) -> Response:
    """The organisation's currencies: its base currency and those of its bank accounts (as Xero lists them once
    a foreign-currency account exists)."""
    base = str((orgs.get_org(call.store, call.tenant_id) or {}).get("BaseCurrency") or "")
    codes = [base] if base else []
    for record in records.listing(call.store, call.tenant_id, "Account").records:
        code = record.data.get("CurrencyCode")
        if code and code not in codes:
            codes.append(code)
    items = [{"Code": c, "Description": CURRENCY_NAMES.get(c, c)} for c in codes]
    return wire.json_response(wire.envelope("Currencies", items, call.store.now_ms()))


def _listed(
    call: Call,
    request: Request,
    kind: str,
    collection: str,
    default_order: str,
    *,
    statuses: tuple[str, ...] = (),
    key: str | None = None,
    with_updated: bool = True,
) -> Response:
    where = where_of(request)

    def view(record: records.Record) -> dict[str, Any]:
        data = dict(record.data)
        if with_updated:
            data["UpdatedDateUTC"] = wire.ms_date(record.updated_ms)
        return data

    if key is not None:
        record = records.get(call.store, call.tenant_id, kind, key)
        if record is None:
            found = records.listing(call.store, call.tenant_id, kind, numbers=(key,)).records
            record = found[0] if found else None
        if record is None:
            raise Refusal(wire.not_found())
        return wire.json_response(wire.envelope(collection, [view(record)], call.store.now_ms()))
    listing = records.listing(
        call.store,
        call.tenant_id,
        kind,
        since_ms=since_of(request) if with_updated else None,
        statuses=statuses,
        predicate=(lambda r: where(view(r))) if where else None,
        order=order_of(request, default_order),
    )
    return wire.json_response(wire.envelope(collection, [view(r) for r in listing.records], call.store.now_ms()))


def group_view(call: Call, record: records.Record, *, members: bool) -> dict[str, Any]:
    data = dict(record.data)
    data["HasValidationErrors"] = False
    if members:
        data["Contacts"] = [
            {
                "ContactID": c,
                "Name": (
                    records.get(call.store, call.tenant_id, "Contact", c) or records.Record(c, 0, "", {})
                ).data.get("Name", ""),
            }
            for c in data.get("_members", [])
        ]
    data.pop("_members", None)
    if not members:
        data.pop("Contacts", None)
    return data


def groups(call: Call, request: Request, key: str | None) -> Response:
    if key is None:
        where = where_of(request)
        listing = records.listing(
            call.store,
            call.tenant_id,
            "ContactGroup",
            statuses=("ACTIVE",),
            order=order_of(request, "Name ASC"),
            predicate=(lambda r: where(r.data)) if where else None,
        )
        items = [group_view(call, r, members=False) for r in listing.records]
        return wire.json_response(wire.envelope("ContactGroups", items, call.store.now_ms()))
    record = records.get(call.store, call.tenant_id, "ContactGroup", key)
    if record is None or record.status != "ACTIVE":
        raise Refusal(wire.not_found())
    return wire.json_response(
        wire.envelope("ContactGroups", [group_view(call, record, members=True)], call.store.now_ms())
    )


def create_groups(call: Call, items: list[Any]) -> Response:
    now, out = call.store.now_ms(), []
    with call.store.tx() as db:
        active = len(records.find(db, call.tenant_id, "ContactGroup", statuses=("ACTIVE",)))
        for item in items:
            name = str(item.get("Name") or "").strip() if isinstance(item, dict) else ""
            if not name:
                return wire.validation_exception([{"ValidationErrors": [{"Message": "Name is required."}]}])
            if active >= GROUP_LIMIT:
                return wire.validation_exception(
                    [
                        {
                            "Name": name,
                            "ValidationErrors": [{"Message": "You\u2019ve reached the limit of 100 contact groups."}],
                        }
                    ]
                )
            record = records.Record(
                wire.new_id(), now, "ACTIVE", {"ContactGroupID": "", "Name": name, "Status": "ACTIVE", "_members": []}
            )
            record.data["ContactGroupID"] = record.id
            records.save(db, call.tenant_id, "ContactGroup", record, name=name)
            active += 1
            out.append(group_view(call, record, members=False))
    return wire.json_response(wire.envelope("ContactGroups", out, now))


def change_members(call: Call, key: str, items: list[Any] | None, remove: str | None) -> Response:
    """PUT adds contacts to a group; DELETE removes one (or, without an id, all)."""
    with call.store.tx() as db:
        record = records.get(db, call.tenant_id, "ContactGroup", key)
        if record is None or record.status != "ACTIVE":
            raise Refusal(wire.not_found())
        members: list[str] = list(record.data.get("_members", []))
        if items is None:
            members = [m for m in members if remove is not None and m != remove.lower()]
        else:
            for item in items:
                contact_id = str(item.get("ContactID", "")).lower() if isinstance(item, dict) else ""
                contact = records.get(db, call.tenant_id, "Contact", contact_id) if wire.is_guid(contact_id) else None
                if contact is None:
                    return wire.validation_exception([{"ValidationErrors": [{"Message": "Contact not found."}]}])
                if contact.status == "ARCHIVED":
                    return wire.validation_exception(
                        [{"ValidationErrors": [{"Message": "Unable to assign an Archived contact."}]}]
                    )
                if contact_id not in members:
                    members.append(contact_id)
        _sync_contacts(db, call.tenant_id, record, set(record.data.get("_members", [])), set(members))
        record.data["_members"] = members
        records.save(db, call.tenant_id, "ContactGroup", record, name=record.data["Name"])
    if items is None:
        return Response(status_code=204)
    shown = [{"ContactID": m} for m in members]
    return wire.json_response(wire.envelope("Contacts", shown, call.store.now_ms()))


def _sync_contacts(db, tenant_id: str, group: records.Record, before: set[str], after: set[str]) -> None:  # type: ignore[no-untyped-def]
    """Keep each contact's own ContactGroups list in step with the group's members."""
    summary = {"ContactGroupID": group.id, "Name": group.data["Name"], "Status": "ACTIVE", "Contacts": []}
    for contact_id in before ^ after:
        contact = records.get(db, tenant_id, "Contact", contact_id)
        if contact is None:
            continue
        kept = [g for g in contact.data.get("ContactGroups", []) if g.get("ContactGroupID") != group.id]
        contact.data["ContactGroups"] = [*kept, summary] if contact_id in after else kept
        contacts.save(db, tenant_id, contact)


def routes(store: Store) -> list[Route]:
    def serve(scopes: tuple[str, ...], handler):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> Response:
            try:
                call = authorise(store, request, scopes)
                body = await read_json(request) if request.method in ("PUT", "POST") else None
                return await run_in_threadpool(handler, call, request, body)
            except Refusal as refusal:
                return refusal.response

        return endpoint

    key = "{key}"
    return [
        Route(f"{BASE}/Organisation", serve(SETTINGS_READ, lambda c, r, b: organisation(c))),
        Route(
            f"{BASE}/Accounts", serve(SETTINGS_READ, lambda c, r, b: _listed(c, r, "Account", "Accounts", "Code ASC"))
        ),
        Route(
            f"{BASE}/Accounts/{key}",
            serve(
                SETTINGS_READ,
                lambda c, r, b: _listed(c, r, "Account", "Accounts", "Code ASC", key=r.path_params["key"]),
            ),
        ),
        Route(
            f"{BASE}/TaxRates",
            serve(SETTINGS_READ, lambda c, r, b: _listed(c, r, "TaxRate", "TaxRates", "Name ASC", with_updated=False)),
        ),
        Route(
            f"{BASE}/TaxRates/{key}",
            serve(
                SETTINGS_READ,
                lambda c, r, b: _listed(
                    c, r, "TaxRate", "TaxRates", "Name ASC", key=r.path_params["key"], with_updated=False
                ),
            ),
        ),
        Route(f"{BASE}/Currencies", serve(SETTINGS_READ, lambda c, r, b: currencies(c)), methods=["GET"]),
        Route(f"{BASE}/ContactGroups", serve(CONTACTS_READ, lambda c, r, b: groups(c, r, None)), methods=["GET"]),
        Route(
            f"{BASE}/ContactGroups",
            serve(CONTACTS_WRITE, lambda c, r, b: create_groups(c, elements_of(b, "ContactGroups"))),
            methods=["PUT"],
        ),
        Route(
            f"{BASE}/ContactGroups/{key}",
            serve(CONTACTS_READ, lambda c, r, b: groups(c, r, r.path_params["key"])),
            methods=["GET"],
        ),
        Route(
            f"{BASE}/ContactGroups/{key}/Contacts",
            serve(
                CONTACTS_WRITE,
                lambda c, r, b: change_members(c, r.path_params["key"], elements_of(b, "Contacts"), None),
            ),
            methods=["PUT"],
        ),
        Route(
            f"{BASE}/ContactGroups/{key}/Contacts",
            serve(CONTACTS_WRITE, lambda c, r, b: change_members(c, r.path_params["key"], None, None)),
            methods=["DELETE"],
        ),
        Route(
            f"{BASE}/ContactGroups/{key}/Contacts/{{contact}}",
            serve(
                CONTACTS_WRITE, lambda c, r, b: change_members(c, r.path_params["key"], None, r.path_params["contact"])
            ),
            methods=["DELETE"],
        ),
    ]
