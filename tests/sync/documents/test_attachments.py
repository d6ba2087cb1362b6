"""A document's PDF attached in Xero, against the simulator over real HTTP on SQLite and PostgreSQL: it waits for
its document to reach Xero, goes once (an upload whose answer was lost is found among the document's attachments,
never sent twice), lands on invoices, bills and credit notes, lets its bytes go once Xero holds it, and each refusal
(Xero's ten files a document, a connection without leave to attach files) is a sync error saying who acts, sent
again by a retry once fixed."""

from __future__ import annotations

import base64
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core import clock
from core.connections import lifecycle as connections
from core.documents import attach
from core.documents import push as document_push
from core.documents import views as document_views
from core.documents.query import DocumentFilter
from core.error_triage.actions import retry
from core.error_triage.detail import detail as triage_detail
from core.hub import Hub
from core.models.platform import DocumentPdf
from core.models.sync import ErrorStatus, Grant, OutboxEntry, OutboxState, SyncError
from core.platform_api import pdfs
from core.xero_access import gate
from tests import control
from tests.sandbox.conftest import Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub
from tests.sync.documents.test_push import document, issue, ready  # noqa: F401 - the fixture
from tests.sync.payments.test_payments_and_status import connection_id

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def send_pdf(hub: Hub, number: str, content: bytes = PDF, **body: Any) -> dict[str, Any]:
    with hub.db.write() as session:
        return pdfs.attach(
            session,
            company_id=harbour(hub),
            document_id=number,
            body={"content": base64.b64encode(content).decode(), **body},
        )


def in_xero(hub: Hub, collection: str, xero_id: str) -> list[dict[str, Any]]:
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        return list(xero.request("GET", f"/{collection}/{xero_id}/Attachments")["Attachments"])


def uploads(sim: Simulator) -> list[dict[str, Any]]:
    log = control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json()
    return [r for r in log if r["method"] in ("PUT", "POST") and "/Attachments/" in r["path"]]


def stored(hub: Hub, number: str) -> DocumentPdf:
    with hub.db.read() as session:
        found = session.scalars(select(DocumentPdf).where(DocumentPdf.document_id == document(hub, number).id)).one()
        _ = found.content  # loaded while the session is open (deferred)
        return found


def errors_of(hub: Hub) -> list[SyncError]:
    with hub.db.read() as session:
        return list(session.scalars(select(SyncError).where(SyncError.entity_type == "attachment")))


def shown(hub: Hub, number: str) -> str:
    """What the Documents page says of the document's PDF."""
    with hub.db.read() as session:
        page = document_views.list_documents(
            session, actor(hub), harbour(hub), DocumentFilter(text=number), xero_api_url=hub.settings.xero_api_url
        )
    (item,) = [i for i in page.rows if i.row.entity_type == "document"]
    return item.pdf


def later(seconds: int = 20) -> None:
    clock.advance(timedelta(seconds=seconds))


def test_a_pdf_waits_for_its_document_then_is_attached_once(ready: Hub, sim: Simulator) -> None:  # noqa: F811
    issue(ready, "INV-8001")
    assert send_pdf(ready, "INV-8001")["sync"] == "queued"
    waited = attach.push_due(ready, worker="test")
    assert (waited.sent, waited.waiting) == (0, 1) and uploads(sim) == []  # the invoice is not in Xero yet
    assert shown(ready, "INV-8001") == "Waiting for the document to reach Xero"
    assert document_push.push_due(ready, worker="test").sent == 1
    later()
    assert attach.push_due(ready, worker="test").sent == 1
    invoice = document(ready, "INV-8001")
    (found,) = in_xero(ready, "Invoices", str(invoice.xero_id))
    assert (found["FileName"], found["ContentLength"], found["MimeType"]) == (
        "INV-8001.pdf",
        len(PDF),
        "application/pdf",
    )
    with gate.organisation(ready, connection_id(ready), worker="test") as xero:
        assert xero.request("GET", f"/Invoices/{invoice.xero_id}")["Invoices"][0]["HasAttachments"] is True
    kept = stored(ready, "INV-8001")
    assert kept.xero_attachment_id == found["AttachmentID"] and kept.content is None  # Xero holds the bytes now
    assert shown(ready, "INV-8001") == "Attached in Xero"
    later()
    assert send_pdf(ready, "INV-8001")["duplicate"] is True  # the platform sending it again changes nothing
    assert attach.push_due(ready, worker="test").sent == 0 and len(uploads(sim)) == 1


def test_bills_and_credit_notes_take_their_pdfs_too(ready: Hub) -> None:  # noqa: F811
    issue(ready, "B-8002", kind="bill")
    issue(ready, "SCN-8002", kind="supplier_credit_note")
    assert document_push.push_due(ready, worker="test").sent == 2
    send_pdf(ready, "B-8002", file_name="Bill B-8002.pdf")
    send_pdf(ready, "SCN-8002")
    assert attach.push_due(ready, worker="test").sent == 2
    assert in_xero(ready, "Invoices", str(document(ready, "B-8002").xero_id))[0]["FileName"] == "Bill B-8002.pdf"
    assert in_xero(ready, "CreditNotes", str(document(ready, "SCN-8002").xero_id))[0]["FileName"] == "SCN-8002.pdf"


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_an_upload_whose_answer_was_lost_is_found_never_attached_twice(
    ready: Hub,  # noqa: F811
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    monkeypatch.setattr(gate, "TIMEOUT", httpx.Timeout(1.0, connect=1.0))
    issue(ready, "INV-8003")
    assert document_push.push_due(ready, worker="test").sent == 1
    send_pdf(ready, "INV-8003")
    invoice_id = str(document(ready, "INV-8003").xero_id)
    armed = {"kind": fault, "seconds": 2, "path": f"/api.xro/2.0/Invoices/{invoice_id}/Attachments", "method": "PUT"}
    control.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()
    lost = attach.push_due(ready, worker="test")
    assert (lost.sent, lost.waiting) == (0, 1)
    assert stored(ready, "INV-8003").uncertain_since is not None
    time.sleep(2.5)  # Xero finished the upload; its answer never reached the hub
    clock.advance(timedelta(minutes=7))  # past Xero's six minutes of idempotency: only the lookup can tell
    assert attach.push_due(ready, worker="test").sent == 1
    assert len(uploads(sim)) == 1  # adopted from the document's attachments: no second upload
    (found,) = in_xero(ready, "Invoices", invoice_id)
    kept = stored(ready, "INV-8003")
    assert kept.xero_attachment_id == found["AttachmentID"] and kept.uncertain_since is None


def test_xero_refusing_the_file_is_a_sync_error_and_a_retry_sends_it(ready: Hub, sim: Simulator) -> None:  # noqa: F811
    issue(ready, "INV-8004")
    assert document_push.push_due(ready, worker="test").sent == 1
    invoice_id = str(document(ready, "INV-8004").xero_id)
    with gate.organisation(ready, connection_id(ready), worker="test") as xero:
        for n in range(10):  # a finance team's own files fill the document
            xero.request("PUT", f"/Invoices/{invoice_id}/Attachments/scan-{n}.pdf", content=PDF)
    send_pdf(ready, "INV-8004")
    assert attach.push_due(ready, worker="test").failed == 1
    (error,) = errors_of(ready)
    assert error.cause == "attachment_refused" and "at most 10 attachments" in (error.detail or "")
    assert error.entity_number == "PDF of INV-8004"
    with ready.db.read() as session:  # the errors page leads to the document, in the hub and in Xero
        shown_error = triage_detail(session, actor(ready), error.id, xero_api_url=ready.settings.xero_api_url)
    assert (shown_error.hub_page, shown_error.hub_search) == ("documents", "INV-8004")
    assert str(shown_error.xero_url).endswith(invoice_id)
    with ready.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "attachment")).one()
        assert entry.state is OutboxState.FAILED
    assert stored(ready, "INV-8004").content == PDF  # nothing lost: kept for the retry
    assert shown(ready, "INV-8004") == "Not attached: see the error"
    # The finance team makes room in Xero (the simulator's control deletes one file) and retries.
    with sqlite_of(sim) as db:
        db.execute("DELETE FROM attachments WHERE file_name = 'scan-0.pdf'")
    with ready.db.write() as session:
        retry(session, actor(ready), error_ids=[error.id], dry_run=False)
    assert attach.push_due(ready, worker="test").sent == 1
    assert errors_of(ready)[0].status is ErrorStatus.RESOLVED
    assert len(in_xero(ready, "Invoices", invoice_id)) == 10


def test_a_connection_without_leave_to_attach_files_says_to_reconnect(ready: Hub, sim: Simulator) -> None:  # noqa: F811
    issue(ready, "INV-8005")
    assert document_push.push_due(ready, worker="test").sent == 1
    with ready.db.write() as session:
        for grant in session.scalars(select(Grant)):
            grant.scopes = " ".join(s for s in grant.scopes.split() if s != "accounting.attachments")
    send_pdf(ready, "INV-8005")
    assert attach.push_due(ready, worker="test").failed == 1 and uploads(sim) == []
    (error,) = errors_of(ready)
    assert error.cause == "attachments_not_granted"
    with ready.db.read() as session:  # held for the reconnection, like a disconnected company's changes
        assert session.scalars(select(OutboxEntry.state).where(OutboxEntry.entity_type == "attachment")).one() is (
            OutboxState.HELD
        )
    assert attach.push_due(ready, worker="test").sent == 0
    with ready.db.write() as session:  # a company admin reconnects, and Xero grants leave to attach files
        connections.disconnect(session, actor(ready), harbour(ready))
    connect(ready)
    assert errors_of(ready)[0].status is ErrorStatus.RESOLVED
    assert attach.push_due(ready, worker="test").sent == 1
    assert len(uploads(sim)) == 1


@contextmanager
def sqlite_of(sim: Simulator) -> Iterator[sqlite3.Connection]:
    """The simulator's own database, for what a person does in Xero that its API does not offer (delete a file)."""
    with closing(sqlite3.connect(sim.data / "sandbox.db", timeout=10, isolation_level=None)) as db:
        yield db
