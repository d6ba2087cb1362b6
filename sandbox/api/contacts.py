"""/Contacts: read with Xero's filters and paging; create (PUT) and create-or-update (POST) in batches."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import contacts, events, records, wire
from sandbox.api.base import (
    BASE,
    Call,
    Refusal,
    authorise,
    elements_of,
    flag,
    guids,
    idempotent,
    order_of,
    paging,
    read_json,
    since_of,
    where_of,
)
from sandbox.store import Store

READ = ("accounting.contacts", "accounting.contacts.read")
WRITE = ("accounting.contacts",)
SEARCHED = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")


class _Rollback(Exception):
    pass


def _echo(element: Any, errors: list[str]) -> dict[str, Any]:
    known = contacts.WRITABLE | contacts.IGNORED
    echoed = {k: v for k, v in element.items() if k in known} if isinstance(element, dict) else {}
    for derived in ("ValidationErrors", "HasValidationErrors", "StatusAttributeString", "UpdatedDateUTC"):
        echoed.pop(derived, None)
    return {
        **echoed,
        "HasValidationErrors": True,
        "StatusAttributeString": "ERROR",
        "ValidationErrors": [{"Message": message} for message in errors],
    }


def write_batch(
    call: Call, elements: list[Any], *, create_only: bool, path_id: str | None, summarize: bool
) -> Response:
    """Write every element in one transaction; with summarizeErrors (Xero's default) one bad element undoes all."""
    store, now = call.store, call.store.now_ms()
    results: list[dict[str, Any]] = []
    changed: list[tuple[str, bool]] = []
    try:
        with store.tx() as db:
            for element in elements:
                errors = contacts.problems(element)
                record = None
                if not errors:
                    existing = None if create_only else contacts.target_of(db, call.tenant_id, element, path_id)
                    if path_id and existing is None:
                        raise Refusal(wire.not_found())
                    if create_only and element.get("ContactID"):
                        errors = ["ContactID cannot be given when creating a contact; use POST to update one."]
                    else:
                        record, errors = contacts.write(db, call.tenant_id, element, existing=existing, now_ms=now)
                if errors or record is None:
                    results.append(_echo(element, errors))
                    continue
                changed.append((record.id, existing is None))
                shown = contacts.view(record)
                if not summarize:
                    shown["StatusAttributeString"] = "OK"
                results.append(shown)
            if summarize and len(changed) < len(results):
                raise _Rollback
    except _Rollback:
        return wire.validation_exception([r for r in results if r.get("HasValidationErrors")])
    for contact_id, created in changed:
        events.record(store, call.tenant_id, "CONTACT", contact_id, created=created)
    return wire.json_response(wire.envelope("Contacts", results, now))


def read(call: Call, request: Request, path_id: str | None) -> Response:
    store = call.store
    if path_id is not None:
        record = _one(call, path_id)
        return wire.json_response(wire.envelope("Contacts", [contacts.view(record)], store.now_ms()))
    page, size = paging(request)
    where, search = where_of(request), request.query_params.get("searchTerm", "").strip().lower()
    ids = guids(request, "IDs")
    summary = flag(request, "summaryOnly")
    statuses = () if ids or flag(request, "includeArchived") else ("ACTIVE",)

    def wanted(record: records.Record) -> bool:
        if search and not any(search in str(record.data.get(f) or "").lower() for f in SEARCHED):
            return False
        return where is None or where(contacts.view(record))

    listing = records.listing(
        store,
        call.tenant_id,
        contacts.KIND,
        since_ms=since_of(request),
        statuses=statuses,
        ids=ids,
        predicate=wanted if (where or search) else None,
        order=order_of(request, "Name ASC"),
        page=page,
        page_size=size,
        docs=not summary,
    )
    extra = {} if page is None else {"pagination": wire.pagination(page, size, listing.total)}
    if listing.docs is not None:
        return wire.spliced_response("Contacts", listing.docs, store.now_ms(), **extra)
    items = [contacts.view(r, summary_only=summary) for r in listing.records]
    return wire.json_response(wire.envelope("Contacts", items, store.now_ms(), **extra))


def _one(call: Call, key: str) -> records.Record:
    if wire.is_guid(key):
        record = records.get(call.store, call.tenant_id, contacts.KIND, key)
    else:
        found = records.listing(call.store, call.tenant_id, contacts.KIND, numbers=(key,)).records
        record = found[0] if found else None
    if record is None:
        raise Refusal(wire.not_found())
    return record


def routes(store: Store) -> list[Route]:
    async def collection(request: Request) -> Response:
        return await _serve(request, None)

    async def single(request: Request) -> Response:
        return await _serve(request, request.path_params["key"])

    async def _serve(request: Request, path_id: str | None) -> Response:
        try:
            if request.method == "GET":
                call = authorise(store, request, READ)
                return await run_in_threadpool(read, call, request, path_id)
            call = authorise(store, request, WRITE)
            raw = await request.body()
            body = await read_json(request)
            items = elements_of(body, "Contacts")
            summarize = request.query_params.get("summarizeErrors", "true").lower() != "false"
            create_only = request.method == "PUT"
            return await run_in_threadpool(
                idempotent,
                call,
                request,
                raw,
                lambda: _guarded(
                    lambda: write_batch(call, items, create_only=create_only, path_id=path_id, summarize=summarize)
                ),
            )
        except Refusal as refusal:
            return refusal.response

    return [
        Route(f"{BASE}/Contacts", collection, methods=["GET", "PUT", "POST"]),
        Route(f"{BASE}/Contacts/{{key}}", single, methods=["GET", "POST"]),
    ]


def _guarded(run: Any) -> Response:
    try:
        return run()
    except Refusal as refusal:
        return refusal.response
