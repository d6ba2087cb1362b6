"""The chaos run's books: what the platform sent, what the hub holds and what Xero holds, held against each other."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from core.hub import Hub
from core.models.platform import DocumentKind, PlatformDocument, PlatformPayment
from core.models.sync import ErrorStatus, SyncError
from tests import beside
from tests.sandbox.conftest import Simulator

XERO_FIELDS = {"name": "Name", "email": "EmailAddress", "bank_account": "BankAccountDetails",
               "first_name": "FirstName", "last_name": "LastName"}  # fmt: skip
CREDIT_KINDS = {DocumentKind.CUSTOMER_CREDIT_NOTE, DocumentKind.SUPPLIER_CREDIT_NOTE}


def xero_list(sim: Simulator, token: str, tenant: str, collection: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant, "Accept": "application/json"}
    for page in range(1, 1000):
        answer = httpx.get(f"{sim.url}/api.xro/2.0/{collection}", params={"page": page}, headers=headers, timeout=60)
        answer.raise_for_status()
        found = answer.json().get(collection) or []
        rows += found
        if not found:
            return rows
    return rows


def _same(ours: Any, theirs: Any) -> bool:
    return (ours or None) == (theirs or None)


def compare(hub: Hub, sim: Simulator, company_id: int, tenant: str, email: str, side: Any) -> dict[str, Any]:
    token = beside.access_token(sim, email, tenant)
    contacts = xero_list(sim, token, tenant, "Contacts")
    documents = xero_list(sim, token, tenant, "Invoices") + xero_list(sim, token, tenant, "CreditNotes")
    payments = [p for p in xero_list(sim, token, tenant, "Payments") if p.get("Status") != "DELETED"]
    by_number = Counter(x.get("ContactNumber") for x in contacts)
    row: dict[str, Any] = {"company": side.name, "suppliers": len(side.suppliers)}
    lost, duplicated, stale = [], [], []
    for supplier_id, values in side.suppliers.items():
        if by_number[supplier_id] == 0:
            lost.append(supplier_id)
        elif by_number[supplier_id] > 1:
            duplicated.append(supplier_id)
        else:
            (theirs,) = [x for x in contacts if x.get("ContactNumber") == supplier_id]
            wrong = {
                k: (v, theirs.get(XERO_FIELDS[k]))
                for k, v in values.items()
                if k in XERO_FIELDS and not _same(v, theirs.get(XERO_FIELDS[k]))
            }
            if wrong:
                stale.append(f"{supplier_id} {wrong}")
    row |= {"supplier lost": len(lost), "supplier twice": len(duplicated), "supplier stale": len(stale)}
    row["details"] = [f"lost: {s}" for s in lost] + [f"twice: {s}" for s in duplicated] + [f"stale: {s}" for s in stale]
    with hub.db.read() as session:
        ours = list(session.scalars(select(PlatformDocument).where(PlatformDocument.company_id == company_id)))
        paid = list(session.scalars(select(PlatformPayment).where(PlatformPayment.company_id == company_id)))
        errors = Counter(
            session.scalars(
                select(SyncError.cause).where(SyncError.company_id == company_id, SyncError.status == ErrorStatus.OPEN)
            )
        )
    number_of = {d.kind: ("CreditNoteNumber" if d.kind in CREDIT_KINDS else "InvoiceNumber") for d in ours}
    xero_docs = Counter(x.get("InvoiceNumber") or x.get("CreditNoteNumber") for x in documents)
    differs = 0
    for document in ours:
        found = [x for x in documents if x.get(number_of[document.kind]) == document.number]
        if len(found) != 1:
            continue
        (theirs,) = found
        due = theirs.get("RemainingCredit" if document.kind in CREDIT_KINDS else "AmountDue")
        xero_id = theirs.get("CreditNoteID" if document.kind in CREDIT_KINDS else "InvoiceID")
        if document.xero_id != xero_id or Decimal(str(document.amount_due)) != Decimal(str(due)):
            differs += 1
    row |= {
        "documents": len(ours),
        "document lost": sum(1 for d in ours if xero_docs[d.number] == 0),
        "document twice": sum(1 for d in ours if xero_docs[d.number] > 1),
        "document hub≠Xero": differs,
    }
    known = {p.xero_id for p in paid if p.xero_id}
    in_xero = {p["PaymentID"] for p in payments}
    row |= {
        "payments": len(paid),
        "payment lost": sum(1 for p in paid if not p.xero_id),
        "payment unknown to hub": len(in_xero - known),
        "overpaid": sum(1 for x in documents if Decimal(str(x.get("AmountPaid") or 0)) > Decimal(str(x.get("Total")))),
        "open errors": ", ".join(f"{cause}: {n}" for cause, n in sorted(errors.items())) or "none",
    }
    return row
