"""/Invoices, /CreditNotes (with /Allocations) and /Payments: Xero's reads, filters and paging, and batch writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import events, payments, records, wire
from sandbox.api.base import (
    BASE,
    Call,
    Refusal,
    authorise,
    elements_of,
    idempotent,
    read_json,
)
from sandbox.documents import allocations, api_reads, echo, writes
from sandbox.documents import contacts as document_contacts
from sandbox.documents.api_reads import unitdp
from sandbox.documents.calc import Books
from sandbox.documents.spec import CREDIT_NOTE, INVOICE, Spec, problems, target_of, view
from sandbox.store import Store

# The broad scope reaches every document; Xero's granular scopes (2026) split it into invoices and payments.
GRANULAR = {"Invoices": "accounting.invoices", "CreditNotes": "accounting.invoices", "Payments": "accounting.payments"}


def scopes_for(resource: str, *, write: bool) -> tuple[str, ...]:
    granular = GRANULAR[resource]
    if write:
        return ("accounting.transactions", granular)
    return ("accounting.transactions", "accounting.transactions.read", granular, f"{granular}.read")


# (shown, errors, [(webhook category, resource id, created)]) for one element of a batch write
Result = tuple[dict[str, Any] | None, list[str], list[tuple[str, str, bool]]]
Runner = Callable[[Any, Books, Any], Result]


class _Rollback(Exception):
    pass


def write_batch(
    call: Call,
    elements: list[Any],
    run: Runner,
    *,
    plural: str,
    known: set[str] | frozenset[str],
    error_flag: str | None,
    summarize: bool,
) -> Response:
    """One transaction for the batch; with summarizeErrors (Xero's default) one refused element undoes them all."""
    store, now = call.store, call.store.now_ms()
    results: list[dict[str, Any]] = []
    announced: dict[tuple[str, str], bool] = {}
    try:
        with store.tx() as db:
            books = Books.load(db, call.tenant_id)
            for element in elements:
                db.execute("SAVEPOINT element")  # a refused element leaves nothing behind (say, a new contact)
                shown, errors, changes = run(db, books, element)
                if errors or shown is None:
                    db.execute("ROLLBACK TO element")
                    db.execute("RELEASE element")
                    results.append(echo.echo(element, errors, known, error_flag))
                    continue
                db.execute("RELEASE element")
                for category, resource_id, created in changes:
                    announced[(category, resource_id)] = announced.get((category, resource_id), False) or created
                results.append(shown if summarize else {**shown, "StatusAttributeString": "OK"})
            document_contacts.refresh_stale(db, books, _today(call))
            if summarize and any(r.get("StatusAttributeString") == "ERROR" for r in results):
                raise _Rollback
    except _Rollback:
        return wire.validation_exception([r for r in results if r.get("StatusAttributeString") == "ERROR"])
    for (category, resource_id), created in announced.items():
        events.record(store, call.tenant_id, category, resource_id, created=created)
    return wire.json_response(wire.envelope(plural, results, now))


def _today(call: Call):  # type: ignore[no-untyped-def]
    return wire.from_ms(call.store.now_ms()).date()


def document_runner(call: Call, spec: Spec, request: Request, key: str | None) -> Runner:
    create_only, now, today = request.method == "PUT", call.store.now_ms(), _today(call)
    unit_places = unitdp(request)

    def run(db: Any, books: Books, element: Any) -> Result:
        errors = problems(spec, element)
        if errors:
            return None, errors, []
        existing = None
        if create_only and element.get(spec.id_field):
            return None, [f"{spec.id_field} cannot be given when creating; use POST to update a {spec.label}."], []
        if not create_only:
            existing = target_of(db, call.tenant_id, spec, element, key)
            if key is not None and existing is None:
                raise Refusal(wire.not_found())
            if existing is None and element.get(spec.id_field):
                return None, [f"An existing {spec.label} with the specified {spec.id_field} could not be found"], []
        outcome = writes.write(
            db, books, spec, element, existing=existing, now_ms=now, today=today, unit_places=unit_places,
            app=call.bearer.client_id,
        )  # fmt: skip
        if outcome.errors or outcome.record is None:
            return None, outcome.errors, []
        changes = [("CONTACT", contact_id, True) for contact_id in outcome.new_contacts]
        if not outcome.quiet:
            changes.append((spec.category, outcome.record.id, outcome.created))
        return view(spec, outcome.record, unit_places=unit_places), [], changes

    return run


def payment_runner(call: Call, key: str | None) -> Runner:
    now, today = call.store.now_ms(), _today(call)

    def run(db: Any, books: Books, element: Any) -> Result:
        errors = payments.problems(element)
        if errors:
            return None, errors, []
        if key is not None:
            payment = records.get(db, call.tenant_id, payments.KIND, key)
            if payment is None:
                raise Refusal(wire.not_found())
            record, errors, touched = payments.delete(db, books, payment, element, now_ms=now, today=today)
        elif element.get("PaymentID"):
            record, errors, touched = None, ["PaymentID cannot be given when creating a payment."], []
        else:
            record, errors, touched = payments.create(db, books, element, now_ms=now, today=today)
        if errors or record is None:
            return None, errors, []
        shown = payments.payment_view(record, document=payments.document_view(db, call.tenant_id, record))
        return shown, [], [(spec.category, doc_id, False) for spec, doc_id in touched]

    return run


def allocation_runner(call: Call, key: str) -> Runner:
    now, today = call.store.now_ms(), _today(call)

    def run(db: Any, books: Books, element: Any) -> Result:
        credit = target_of(db, call.tenant_id, CREDIT_NOTE, {}, key)
        if credit is None:
            raise Refusal(wire.not_found())
        errors = allocations.problems(element)
        if errors:
            return None, errors, []
        shown, errors, touched = allocations.allocate(db, books, credit, element, now_ms=now, today=today)
        return shown, errors, [(spec.category, doc_id, False) for spec, doc_id in touched]

    return run


def routes(store: Store) -> list[Route]:
    def endpoint(resource: str, sub: str | None = None) -> Callable[[Request], Any]:
        async def serve(request: Request) -> Response:
            key = request.path_params.get("key")
            try:
                if request.method == "GET":
                    call = authorise(store, request, scopes_for(resource, write=False))
                    if resource == "Payments":
                        return await run_in_threadpool(api_reads.read_payments, call, request, key)
                    spec = INVOICE if resource == "Invoices" else CREDIT_NOTE
                    return await run_in_threadpool(api_reads.read_documents, call, request, spec, key)
                call = authorise(store, request, scopes_for(resource, write=True))
                raw = await request.body()
                plural = "Allocations" if sub else resource
                items = elements_of(await read_json(request), plural)
                summarize = request.query_params.get("summarizeErrors", "true").lower() != "false"
                if sub:
                    run, known, error_flag = allocation_runner(call, key), allocations.FIELDS, None
                elif resource == "Payments":
                    run, known, error_flag = payment_runner(call, key), payments.FIELDS, "HasValidationErrors"
                else:
                    spec = INVOICE if resource == "Invoices" else CREDIT_NOTE
                    run, known, error_flag = document_runner(call, spec, request, key), spec.known, "HasErrors"

                def write() -> Response:
                    return _guarded(
                        lambda: write_batch(
                            call, items, run, plural=plural, known=known, error_flag=error_flag, summarize=summarize
                        )
                    )

                return await run_in_threadpool(idempotent, call, request, raw, write)
            except Refusal as refusal:
                return refusal.response

        return serve

    found: list[Route] = []
    for resource in ("Invoices", "CreditNotes", "Payments"):
        found.append(Route(f"{BASE}/{resource}", endpoint(resource), methods=["GET", "PUT", "POST"]))
        found.append(Route(f"{BASE}/{resource}/{{key}}", endpoint(resource), methods=["GET", "POST"]))
    found.append(
        Route(f"{BASE}/CreditNotes/{{key}}/Allocations", endpoint("CreditNotes", "Allocations"), methods=["PUT"])
    )
    return found


def _guarded(run: Callable[[], Response]) -> Response:
    try:
        return run()
    except Refusal as refusal:
        return refusal.response
