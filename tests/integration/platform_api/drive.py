"""Driving the platform API from its own OpenAPI document: a hub with records to point at, what a request may
change, and what a refusal must say."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.auth import COMMAND_LINE
from core.hub import Hub
from core.models.base import AuditEvent, Company
from core.models.platform import (
    ApiKey,
    PlatformContact,
    PlatformDocument,
    PlatformEvent,
    PlatformPayment,
    SupplierProposal,
)
from core.models.sync import Connection, ConnectionState, OutboxEntry
from core.platform_api import events as platform
from core.platform_api import keys as api_keys

POOL = 12  # records of each kind the generated events may point at
BIG = 999_999_999
_SEEDS = itertools.count()
# Every table core.platform_api writes to (and the audit log, which it must not); the events first.
WRITTEN = (
    PlatformEvent,
    PlatformContact,
    SupplierProposal,
    PlatformDocument,
    PlatformPayment,
    OutboxEntry,
    ApiKey,
    AuditEvent,
)  # the pool's documents are large, so generated payments fit what is due
KINDS = ("sales_invoice", "customer_credit_note", "bill", "supplier_credit_note")


@dataclass
class Records:
    """What the generated requests point at: the company, its suppliers, documents (by kind) and proposals."""

    company_id: int
    key: str
    suppliers: list[str]
    documents: dict[str, str]  # platform id -> kind
    proposals: list[str]
    # Documents only payments point at: a generated change or void (which may leave nothing due) never reaches them.
    payable: list[str] = field(default_factory=list)
    ids: itertools.count = field(default_factory=itertools.count)


def prepare(hub: Hub) -> Records:
    """Harbour Bakery connected, with suppliers, large documents of every kind and pending proposals."""
    with hub.db.write() as session:
        company = session.scalar(select(Company).where(Company.name == "Harbour Bakery Ltd"))
        assert company is not None
        session.add(
            Connection(
                company_id=company.id, state=ConnectionState.CONNECTED, state_changed_at=clock.now(), tenant_id="t"
            )
        )
        key = api_keys.create(session, COMMAND_LINE, "Generated traffic", company_id=None)[1]
    records = Records(company.id, key, [f"S-{n}" for n in range(POOL)], {}, [f"PR-{n}" for n in range(POOL)])
    for n, supplier in enumerate(records.suppliers):
        _send(hub, company.id, "supplier.changed", {"supplier_id": supplier, "name": f"Supplier {n}"})
        _send(
            hub,
            company.id,
            "supplier.proposed_update",
            {"proposal_id": records.proposals[n], "supplier_id": supplier, "changes": {"tax_number": f"T{n}"}},
        )
        kind = KINDS[n % len(KINDS)]
        records.documents[f"D-{n}"] = kind
        line = {"description": "Flour", "quantity": 1, "unit_amount": BIG, "category": "c", "tax_rate": "t"}
        document = {"document_id": f"D-{n}", "kind": kind, "number": f"N-{n}", "contact_id": supplier}
        _send(hub, company.id, "document.issued", document | {"issue_date": "2026-01-05", "lines": [line]})
        payable = {**document, "document_id": f"P-{n}", "number": f"P-{n}"}
        _send(hub, company.id, "document.issued", payable | {"issue_date": "2026-01-05", "lines": [line]})
        records.payable.append(f"P-{n}")
    return records


def _send(hub: Hub, company_id: int, kind: str, data: dict[str, Any]) -> None:
    with hub.db.write() as session:
        platform.handle(session, company_id=company_id, event_id=f"seed-{next(_SEEDS)}", kind=kind, data=data)


Choose = Callable[[list[Any], str], Any]  # picks one of the options (Hypothesis's data, or a seeded Random)
LARGEST = 999_999_999_999.99  # the largest amount a field takes


def aim(case: Any, choose: Choose, records: Records) -> None:
    """Point a valid generated event at records the company holds, as a platform's events would, so that it can be
    taken; now and then it is left as generated (an unknown company, supplier or document), and now and then its
    amounts are the largest a field takes."""
    if choose([False] * 9 + [True], "leave as generated"):
        return
    case.path_parameters["company_id"] = records.company_id
    values, kind = case.body["data"], case.body["type"]
    if kind in ("supplier.changed", "supplier.proposed_update") and choose([True, False], "known supplier"):
        values["supplier_id"] = choose(records.suppliers, "supplier")
    elif kind == "proposal.decided":
        values["proposal_id"] = choose(records.proposals, "proposal")
    elif kind in ("document.issued", "document.changed"):
        values["contact_id"] = choose(records.suppliers, "contact")
        if kind == "document.changed":
            values["document_id"] = choose(sorted(records.documents), "document")
            values["kind"] = records.documents[values["document_id"]]
        if values.get("due_date") and values["due_date"] < values["issue_date"]:
            values["due_date"] = values["issue_date"]
        if values["kind"] != "sales_invoice":
            for line in values["lines"]:
                line.pop("discount_rate", None)
        if values.get("line_amount_types") == "NoTax":  # a document without tax has no line carrying any
            for line in values["lines"]:
                line.pop("tax_amount", None)
        if choose([False] * 5 + [True], "largest amounts"):
            for line in values["lines"]:
                line["quantity"] = line["unit_amount"] = LARGEST
    elif kind == "document.voided":
        values["document_id"] = choose(sorted(records.documents), "document")
    elif kind == "payment.recorded":
        values["document_id"] = choose(records.payable, "payable document")
        values.pop("currency", None)


def digest(session: Session) -> tuple[Any, ...]:
    """Everything a platform's request could record: the rows it adds, the versions and decisions it changes."""
    counts = [select(func.count()).select_from(model).scalar_subquery() for model in WRITTEN]
    changes = [
        select(func.coalesce(func.sum(PlatformContact.version), 0)).scalar_subquery(),
        select(func.coalesce(func.sum(PlatformDocument.version), 0)).scalar_subquery(),
        select(func.count()).where(SupplierProposal.decided_at.is_not(None)).scalar_subquery(),
        select(func.coalesce(func.sum(OutboxEntry.entity_version), 0)).scalar_subquery(),
    ]
    return tuple(session.execute(select(*counts, *changes)).one())


def _places(value: Any, path: str = "") -> dict[str, Any]:
    found = {path: value}
    if isinstance(value, dict):
        for key, inner in value.items():
            found |= _places(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found |= _places(inner, f"{path}[{index}]")
    return found


def points_into(request: Any, path: str) -> bool:
    """Whether a refusal's `field` names a place in the request: one that is there, or a field left out of an
    object that is."""
    places = _places(request)
    parent = path.rsplit(".", 1)[0] if "." in path else ""
    return path in places or isinstance(places.get(parent), dict)


@dataclass
class Tally:
    """What the generated requests got, by event type (or route) and status."""

    seen: Counter[tuple[str, str, int]] = field(default_factory=Counter)

    def add(self, mode: str, what: str, status: int) -> None:
        self.seen[(mode, what, status)] += 1

    def share_taken(self, mode: str, route: str = "events") -> float:
        sent = [(what, status, n) for (m, what, status), n in self.seen.items() if m == mode and what.startswith(route)]
        total = sum(n for _, _, n in sent)
        return sum(n for _, status, n in sent if status < 300) / total if total else 0.0
