"""TrackingCategories: the organisation's tracking categories and their options (read-only here), and the control
action a Xero user takes in Settings → Tracking categories: archiving an option.

Without includeArchived, Xero leaves out archived categories and the archived options of active ones; with it, both
are listed with their Status (xero_accounting.yaml, GET /TrackingCategories)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import records, wire
from sandbox.api.base import BASE, Call, Refusal, authorise, flag, order_of, where_of
from sandbox.store import Store

SETTINGS_READ = ("accounting.settings", "accounting.settings.read")
KIND = "TrackingCategory"


def _view(record: records.Record, *, archived: bool) -> dict[str, Any]:
    data = dict(record.data)
    options = [dict(o) for o in data.get("Options") or []]
    data["Options"] = options if archived else [o for o in options if o.get("Status") == "ACTIVE"]
    return data


def listed(call: Call, request: Request, key: str | None) -> Response:
    archived = flag(request, "includeArchived")
    if key is not None:
        record = records.get(call.store, call.tenant_id, KIND, key) if wire.is_guid(key) else None
        if record is None or record.status == "DELETED":
            raise Refusal(wire.not_found())
        return wire.json_response(
            wire.envelope("TrackingCategories", [_view(record, archived=True)], call.store.now_ms())
        )
    where = where_of(request)
    listing = records.listing(
        call.store,
        call.tenant_id,
        KIND,
        statuses=("ACTIVE", "ARCHIVED") if archived else ("ACTIVE",),
        predicate=(lambda r: where(r.data)) if where else None,
        order=order_of(request, "Name ASC"),
    )
    items = [_view(r, archived=archived) for r in listing.records]
    return wire.json_response(wire.envelope("TrackingCategories", items, call.store.now_ms()))


class NotFound(Exception):
    """No such option in the organisation."""


def set_option_status(store: Store, tenant_id: str, option_id: str, status: str) -> dict[str, Any]:
    """A Xero user archives (or restores) one tracking option; the category's options keep their order."""
    with store.tx() as db:
        for record in records.find(db, tenant_id, KIND):
            options = record.data.get("Options") or []
            option = next((o for o in options if o["TrackingOptionID"].lower() == option_id.lower()), None)
            if option is None:
                continue
            option["Status"] = status
            saved = records.Record(record.id, store.now_ms(), record.status, record.data)
            records.save(db, tenant_id, KIND, saved, name=record.data.get("Name", ""))
            return {"TrackingCategoryID": record.id, "TrackingOptionID": option["TrackingOptionID"], "Status": status}
    raise NotFound(option_id)


def routes(store: Store) -> list[Route]:
    def serve(handler):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> Response:
            try:
                call = authorise(store, request, SETTINGS_READ)
                return await run_in_threadpool(handler, call, request)
            except Refusal as refusal:
                return refusal.response

        return endpoint

    return [
        Route(f"{BASE}/TrackingCategories", serve(lambda c, r: listed(c, r, None)), methods=["GET"]),
        Route(
            f"{BASE}/TrackingCategories/{{key}}",
            serve(lambda c, r: listed(c, r, r.path_params["key"])),
            methods=["GET"],
        ),
    ]
