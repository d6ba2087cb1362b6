"""A document's PDF through the platform API's own route, on SQLite and PostgreSQL: kept and queued once (the same
PDF again records nothing), and every bad input refused naming what to fix with nothing recorded: a PDF over Xero's
limit, bytes that are not a PDF, corrupt base64, a body past the route's cap, a bad file name, a field not listed,
and a PDF for a document the platform never sent (or voided)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core import clock
from core.hub import Hub
from core.models.platform import DocumentPdf, PlatformDocument
from core.models.sync import OutboxEntry
from core.platform_api.shapes import PDF_MAX_BODY
from core.xero import attachments
from tests.integration.platform_api.drive import Records
from web.routes import ROUTES

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def client(served: tuple[Hub, Records]) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=ROUTES), raise_server_exceptions=True) as test_client:
        yield test_client


def send(client: TestClient, records: Records, document: str, body: Any, *, raw: bytes | None = None) -> Any:
    return client.put(
        f"/api/v1/companies/{records.company_id}/documents/{document}/pdf",
        content=raw if raw is not None else json.dumps(body).encode(),  # ASCII JSON: a lone surrogate goes as \ud800
        headers={"Authorization": f"Bearer {records.key}"},
    )


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def kept(hub: Hub) -> tuple[int, int]:
    """PDFs kept and their uploads queued."""
    with hub.db.read() as session:
        pdfs = session.scalar(select(func.count()).select_from(DocumentPdf)) or 0
        queued = session.scalar(select(func.count()).where(OutboxEntry.entity_type == "attachment")) or 0
    return pdfs, queued


def test_a_pdf_is_kept_and_queued_once(client: TestClient, served: tuple[Hub, Records]) -> None:
    hub, records = served
    first = send(client, records, "D-0", {"content": b64(PDF)})
    assert first.status_code == 201, first.text
    result = first.json()["result"]
    assert result["file_name"] == "N-0.pdf" and result["size"] == len(PDF) and result["sync"] == "queued"
    assert (result["duplicate"], result["attached"]) == (False, False)
    again = send(client, records, "D-0", {"content": b64(PDF)})
    assert again.status_code == 200 and again.json()["result"]["duplicate"] is True
    assert kept(hub) == (1, 1)
    with hub.db.read() as session:
        stored = session.scalars(select(DocumentPdf)).one()
        assert stored.content == PDF and stored.sha256 == result["sha256"]
    # Other bytes before it is attached replace it: the waiting upload now carries the newest.
    newer = send(client, records, "D-0", {"content": b64(PDF + b"%more"), "file_name": "Invoice N-0.pdf"})
    assert newer.status_code == 201 and newer.json()["result"]["file_name"] == "Invoice N-0.pdf"
    assert kept(hub) == (1, 1)
    with hub.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "attachment")).one()
        assert entry.payload["sha256"] == newer.json()["result"]["sha256"] and entry.entity_version == 2


def test_other_bytes_once_attached_in_xero_are_a_conflict(client: TestClient, served: tuple[Hub, Records]) -> None:
    hub, records = served
    assert send(client, records, "D-1", {"content": b64(PDF)}).status_code == 201
    with hub.db.write() as session:
        stored = session.scalars(select(DocumentPdf)).one()
        stored.xero_attachment_id, stored.attached_at, stored.content = "a-1", clock.now(), None
    refused = send(client, records, "D-1", {"content": b64(PDF + b"%other")})
    assert (refused.status_code, refused.json()["error"]) == (409, "conflict")
    assert "already has its PDF 'N-1.pdf' attached in Xero" in refused.json()["message"]
    again = send(client, records, "D-1", {"content": b64(PDF)})  # the same PDF: a duplicate, not a conflict
    assert again.status_code == 200 and again.json()["result"]["attached"] is True
    assert kept(hub) == (1, 1)


TOO_BIG = b"%PDF-" + b"0" * (attachments.MAX_BYTES - 4)


@pytest.mark.parametrize(
    ("document", "body", "field", "said"),
    [
        ("D-0", {"content": b64(TOO_BIG)}, "content", "Xero takes PDFs of at most 10 MB"),
        ("D-0", {"content": b64(b"<html>not a pdf</html>")}, "content", "is not a PDF: a PDF file starts with %PDF-"),
        ("D-0", {"content": "JVBERi0x*LjcK"}, "content", "is not valid base64"),
        ("D-0", {"content": "JVBERi0xLjcK="}, "content", "is not valid base64"),
        ("D-0", {"content": ""}, "content", "is required"),
        ("D-0", {}, "content", "is required"),
        ("D-0", {"content": b64(PDF), "file_name": "a/b.pdf"}, "file_name", "must not hold control characters"),
        ("D-0", {"content": b64(PDF), "file_name": "invoice.docx"}, "file_name", "must end in .pdf"),
        ("D-0", {"content": b64(PDF), "file_name": "a\ud800.pdf"}, "file_name", "must not hold control characters"),
        ("D-0", {"content": b64(PDF), "file_name": "n" * 97 + ".pdf"}, "file_name", "at most 100 characters"),
        ("D-0", {"content": b64(PDF), "pdf": "x"}, "pdf", "is not a field of a PDF"),
        ("NEVER-SENT", {"content": b64(PDF)}, "document_id", "no document 'NEVER-SENT' in this company"),
        ("D-0", ["content"], "body", "must be a JSON object"),
    ],
    ids=[
        "over-10-MB",
        "not-a-pdf",
        "corrupt-base64",
        "bad-padding",
        "empty",
        "missing",
        "slash-in-name",
        "not-pdf-name",
        "surrogate-in-name",
        "name-too-long",
        "unknown-field",
        "document-never-sent",
        "not-an-object",
    ],
)
def test_bad_input_is_refused_naming_what_to_fix(
    client: TestClient, served: tuple[Hub, Records], document: str, body: Any, field: str, said: str
) -> None:
    hub, records = served
    response = send(client, records, document, body)
    answer = response.json()
    assert (response.status_code, answer["error"], answer["field"]) == (400, "invalid", field), answer
    assert said in answer["message"]
    assert kept(hub) == (0, 0)


def test_a_voided_document_takes_no_pdf(client: TestClient, served: tuple[Hub, Records]) -> None:
    hub, records = served
    with hub.db.write() as session:
        session.scalars(select(PlatformDocument).where(PlatformDocument.platform_id == "D-2")).one().voided = True
    answer = send(client, records, "D-2", {"content": b64(PDF)}).json()
    assert answer["field"] == "document_id" and "is voided" in answer["message"]
    assert kept(hub) == (0, 0)


def test_a_body_past_the_cap_is_too_large_and_a_key_comes_first(
    client: TestClient, served: tuple[Hub, Records]
) -> None:
    hub, records = served
    big = b'{"content": "' + b"A" * PDF_MAX_BODY + b'"}'
    response = send(client, records, "D-0", None, raw=big)
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    keyless = client.put(f"/api/v1/companies/{records.company_id}/documents/D-0/pdf", content=b"{}")
    assert (keyless.status_code, keyless.json()["error"]) == (401, "unauthorised")
    assert send(client, records, "D-0", None, raw=b"{not json").json()["field"] == "body"
    assert kept(hub) == (0, 0)
