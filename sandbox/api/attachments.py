"""/Invoices/{id}/Attachments and /CreditNotes/{id}/Attachments: list, upload (PUT and POST by file name, the raw
bytes as the body) and download (by AttachmentID or file name), with Xero's limits (sandbox/attachments.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import attachments, records, wire
from sandbox.api.base import BASE, Call, Refusal, authorise, flag, idempotent
from sandbox.documents.spec import CREDIT_NOTE, INVOICE, Spec
from sandbox.store import Store

WRITE = ("accounting.attachments",)
READ = ("accounting.attachments", "accounting.attachments.read")
SPECS = {"Invoices": INVOICE, "CreditNotes": CREDIT_NOTE}


def _document(call: Call, spec: Spec, key: str) -> records.Record:
    found = records.get(call.store, call.tenant_id, spec.kind, key) if wire.is_guid(key) else None
    if found is None:
        raise Refusal(wire.not_found())
    return found


def _api_url(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{BASE}"


def listed(call: Call, request: Request, spec: Spec, key: str) -> Response:
    document = _document(call, spec, key)
    found = attachments.of_document(call.store, call.tenant_id, spec, document.id)
    shown = [attachments.view(spec, document.id, a, _api_url(request)) for a in found]
    return wire.json_response(wire.envelope("Attachments", shown, call.store.now_ms()))


def download(call: Call, spec: Spec, key: str, wanted: str) -> Response:
    document = _document(call, spec, key)
    found = attachments.content_of(call.store, call.tenant_id, spec, document.id, wanted)
    if found is None:
        raise Refusal(wire.not_found("The attachment you're looking for cannot be found"))
    attachment, content = found
    headers = {"Content-Disposition": attachments.disposition(attachment.file_name)}
    return Response(content, media_type=attachment.mime, headers=headers)


def upload(call: Call, request: Request, spec: Spec, key: str, name: str, content: bytes) -> Response:
    include_online = flag(request, "IncludeOnline") if request.method == "PUT" else False
    with call.store.tx() as db:
        document = records.get(db, call.tenant_id, spec.kind, key) if wire.is_guid(key) else None
        if document is None:
            raise Refusal(wire.not_found())
        made = attachments.add(
            db,
            call.tenant_id,
            spec,
            document,
            name=name,
            mime=attachments.mime_of(name, request.headers.get("content-type", "")),
            content=content,
            include_online=include_online,
            now_ms=call.store.now_ms(),
        )
    if isinstance(made, str):
        return wire.request_problem(made)
    shown = attachments.view(spec, document.id, made, _api_url(request))
    return wire.json_response(wire.envelope("Attachments", [shown], call.store.now_ms()))


async def _body(request: Request) -> bytes:
    """The raw file, refused once past the limit (whatever length was declared)."""
    too_big = Refusal(wire.request_problem("The file is larger than the 10 MB Xero accepts for an attachment."))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > attachments.MAX_BYTES:
        raise too_big
    size, parts = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > attachments.MAX_BYTES:
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


def routes(store: Store) -> list[Route]:
    def endpoint(resource: str) -> Callable[[Request], Any]:
        spec = SPECS[resource]

        async def serve(request: Request) -> Response:
            key, name = request.path_params["key"], request.path_params.get("name")
            try:
                if request.method == "GET":
                    call = authorise(store, request, READ)
                    if name is None:
                        return await run_in_threadpool(listed, call, request, spec, key)
                    return await run_in_threadpool(download, call, spec, key, name)
                call = authorise(store, request, WRITE)
                raw = await _body(request)

                def write() -> Response:
                    return _guarded(lambda: upload(call, request, spec, key, name or "", raw))

                return await run_in_threadpool(idempotent, call, request, raw, write)
            except Refusal as refusal:
                return refusal.response

        return serve

    found: list[Route] = []
    for resource in SPECS:
        found.append(Route(f"{BASE}/{resource}/{{key}}/Attachments", endpoint(resource), methods=["GET"]))
        found.append(
            Route(f"{BASE}/{resource}/{{key}}/Attachments/{{name}}", endpoint(resource), methods=["GET", "PUT", "POST"])
        )
    return found


def _guarded(run: Callable[[], Response]) -> Response:
    try:
        return run()
    except Refusal as refusal:
        return refusal.response
