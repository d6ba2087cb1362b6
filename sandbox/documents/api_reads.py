"""GET /Invoices, /CreditNotes and /Payments: one record by id or number, or lists with Xero's filters and paging."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox import payments, records, wire
from sandbox.api.base import Call, Refusal, flag, guids, order_of, paging, since_of, where_of
from sandbox.documents.spec import INVOICE, Spec, view


def unitdp(request: Request) -> int:
    raw = request.query_params.get("unitdp")
    if raw not in (None, "", "2", "4"):
        raise Refusal(wire.request_problem("unitdp must be 4 (or left out for 2 decimal places)."))
    return 4 if raw == "4" else 2


def _names(request: Request, name: str, *, upper: bool = False) -> tuple[str, ...]:
    raw = request.query_params.get(name, "")
    values = [v.strip().strip('"').strip() for v in raw.split(",")]
    return tuple(v.upper() if upper else v for v in values if v)


def read_documents(call: Call, request: Request, spec: Spec, key: str | None) -> Response:
    store, unit_places = call.store, unitdp(request)
    if key is not None:
        record = _one(call, spec, key)
        return wire.json_response(wire.envelope(spec.plural, [view(spec, record, unit_places=unit_places)], _now(call)))
    page, size = paging(request)
    ids = guids(request, "IDs")
    contact_ids = guids(request, "ContactIDs")
    numbers = _names(request, "InvoiceNumbers") if spec is INVOICE else ()
    statuses = _names(request, "Statuses", upper=True)
    summary, mine = flag(request, "summaryOnly"), flag(request, "createdByMyApp")
    flag(request, "includeArchived")  # accepted; invoices have no ARCHIVED status to include
    where, search = where_of(request), request.query_params.get("searchTerm", "").strip().lower()
    extra: dict[str, Any] = {}
    if contact_ids:
        marks = ",".join("?" * len(contact_ids))
        found = store.rows(
            f"SELECT id FROM records WHERE tenant_id = ? AND kind = ? AND name IN ({marks})",
            (call.tenant_id, spec.kind, *contact_ids),
        )
        wanted = {row["id"] for row in found} & (set(ids) if ids else {row["id"] for row in found})
        if not wanted:
            extra = {} if page is None else {"pagination": wire.pagination(page, size, 0)}
            return wire.json_response(wire.envelope(spec.plural, [], _now(call), **extra))
        ids = tuple(sorted(wanted))

    def wanted_record(record: records.Record) -> bool:
        if mine and record.data.get("_app") != call.bearer.client_id:
            return False
        if search and not any(
            search in str(record.data.get(f) or "").lower() for f in (spec.number_field, "Reference")
        ):
            return False
        return where is None or where(view(spec, record))

    listing = records.listing(
        store,
        call.tenant_id,
        spec.kind,
        since_ms=since_of(request),
        statuses=statuses,
        ids=ids,
        numbers=numbers,
        predicate=wanted_record if (where or search or mine) else None,
        order=order_of(request, "UpdatedDateUTC ASC"),
        page=page,
        page_size=size,
        docs=page is not None and not summary and unit_places == 2,
    )
    if page is not None:
        extra["pagination"] = wire.pagination(page, size, listing.total)
    if listing.docs is not None:
        return wire.spliced_response(spec.plural, listing.docs, _now(call), **extra)
    lines = page is not None and not summary
    items = [view(spec, r, lines=lines, unit_places=unit_places) for r in listing.records]
    return wire.json_response(wire.envelope(spec.plural, items, _now(call), **extra))


def read_payments(call: Call, request: Request, key: str | None) -> Response:
    if key is not None:
        record = records.get(call.store, call.tenant_id, payments.KIND, key) if wire.is_guid(key) else None
        if record is None:
            raise Refusal(wire.not_found())
        return wire.json_response(wire.envelope("Payments", [payments.payment_view(record)], _now(call)))
    page, size = paging(request)
    where = where_of(request)
    listing = records.listing(
        call.store,
        call.tenant_id,
        payments.KIND,
        since_ms=since_of(request),
        predicate=(lambda r: where(payments.payment_view(r))) if where else None,
        order=order_of(request, "UpdatedDateUTC ASC"),
        page=page,
        page_size=size,
        docs=True,
    )
    extra = {} if page is None else {"pagination": wire.pagination(page, size, listing.total)}
    if listing.docs is not None:
        return wire.spliced_response("Payments", listing.docs, _now(call), **extra)
    items = [payments.payment_view(r) for r in listing.records]
    return wire.json_response(wire.envelope("Payments", items, _now(call), **extra))


def _one(call: Call, spec: Spec, key: str) -> records.Record:
    record = records.get(call.store, call.tenant_id, spec.kind, key) if wire.is_guid(key) else None
    if record is None and not wire.is_guid(key):
        found = records.listing(call.store, call.tenant_id, spec.kind, numbers=(key,)).records
        record = next((r for r in found if r.status != "DELETED"), found[0] if found else None)
    if record is None:
        raise Refusal(wire.not_found())
    return record


def _now(call: Call) -> int:
    return call.store.now_ms()
