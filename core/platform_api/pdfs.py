"""A document's PDF from the platform: checked (base64, a real PDF, within Xero's limits, for a document the
platform issued), kept until it is attached to the document in Xero, and queued for that upload.

The PDF comes on a route of its own (PUT …/documents/{document_id}/pdf), not inside a document event: events stay
small under their 256 KB cap, and a PDF rendered after the document was issued is sent when it is ready. A PUT of the
same bytes again records nothing; other bytes replace a PDF not yet attached, and are refused once Xero holds it."""

from __future__ import annotations

import binascii
import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.db import Database
from core.models.platform import DocumentPdf, PlatformDocument
from core.platform_api import events
from core.platform_api.checks import EventConflict, PlatformInputError
from core.sync.queue import queue
from core.xero import attachments

ENTITY = "attachment"
FIELDS = ("file_name", "content")
MB = 1024 * 1024


def _content(raw: Any) -> bytes:
    if not isinstance(raw, str) or not raw.strip():
        raise PlatformInputError("content", "is required: the PDF's bytes in base64 (RFC 4648, with padding)")
    try:
        text = "".join(raw.split()).encode("ascii")
        pdf = binascii.a2b_base64(text, strict_mode=True)
        if binascii.b2a_base64(pdf, newline=False) != text:  # excess padding or stray bits Python lets through
            raise ValueError(text[:0])
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError too
        raise PlatformInputError(
            "content", "is not valid base64: use A-Z, a-z, 0-9, + and / with = padding (RFC 4648)"
        ) from None
    if len(pdf) > attachments.MAX_BYTES:
        raise PlatformInputError(
            "content", f"is {len(pdf) / MB:.1f} MB; Xero takes PDFs of at most {attachments.MAX_BYTES // MB} MB"
        )
    if not pdf.startswith(attachments.PDF_MAGIC):
        raise PlatformInputError("content", "is not a PDF: a PDF file starts with %PDF-")
    return pdf


def _file_name(raw: Any, document: PlatformDocument) -> str:
    if raw is None:
        return _default_name(document.number)
    if not isinstance(raw, str):
        raise PlatformInputError("file_name", "must be text")
    problem = attachments.name_problem(raw)
    if problem:
        raise PlatformInputError("file_name", problem)
    return raw


def _default_name(number: str) -> str:
    cleaned = "".join("-" if not ch.isprintable() or ch in '/\\:*?"<>|' else ch for ch in number).strip() or "document"
    return f"{cleaned[: attachments.MAX_NAME - 4]}.pdf"


def _document(session: Session, company_id: int, document_id: str) -> PlatformDocument:
    document = session.scalar(
        select(PlatformDocument).where(
            PlatformDocument.company_id == company_id, PlatformDocument.platform_id == document_id
        )
    )
    if document is None:
        raise PlatformInputError(
            "document_id", f"no document {document_id[:64]!r} in this company: send document.issued first"
        )
    if document.voided:
        raise PlatformInputError("document_id", f"{document_id!r} is voided; its PDF is not attached in Xero")
    return document


def attach(session: Session, *, company_id: int, document_id: str, body: Any) -> dict[str, Any]:
    """Keep a document's PDF and queue its upload to Xero, once; the same bytes again record nothing."""
    if not isinstance(body, dict):
        raise PlatformInputError("body", "must be a JSON object with content (base64) and, optionally, file_name")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise PlatformInputError(unknown[0][:64], f"is not a field of a PDF; send only {' and '.join(FIELDS)}")
    events.require_company(session, company_id)
    document = _document(session, company_id, document_id)
    pdf = _content(body.get("content"))
    name = _file_name(body.get("file_name"), document)
    digest = hashlib.sha256(pdf).hexdigest()
    kept = session.scalar(select(DocumentPdf).where(DocumentPdf.document_id == document.id))
    still_kept = kept is not None and (kept.xero_attachment_id is not None or kept.cleared_at is None)
    if kept is not None and still_kept and kept.sha256 == digest and kept.file_name == name:
        return {**_result(kept, document), "sync": "unchanged", "duplicate": True}
    if kept is not None and (kept.xero_attachment_id or kept.uncertain_since):
        raise EventConflict(
            f"document {document_id!r} already has its PDF {kept.file_name!r} attached in Xero, which keeps "
            "attachments as they are; send a credit note and a new document to change it"
        )
    now = clock.now()
    if kept is None:
        kept = DocumentPdf(company_id=company_id, document_id=document.id, version=0, received_at=now)
        session.add(kept)
    kept.file_name, kept.size, kept.sha256, kept.content = name, len(pdf), digest, pdf
    kept.version, kept.received_at, kept.cleared_at = kept.version + 1, now, None
    session.flush()
    payload = {"document_id": document.id, "file_name": name, "size": len(pdf), "sha256": digest}
    outcome = queue(session, company_id, ENTITY, kept.id, kept.version, "create", payload)
    return {**_result(kept, document), "sync": outcome, "duplicate": False}


def _result(kept: DocumentPdf, document: PlatformDocument) -> dict[str, Any]:
    return {
        "entity": "document_pdf",
        "id": kept.id,
        "document_id": document.platform_id,
        "file_name": kept.file_name,
        "size": kept.size,
        "sha256": kept.sha256,
        "attached": kept.xero_attachment_id is not None,
    }


def receive(db: Database, *, presented_key: str | None, company_id: int, document_id: str, body: Any) -> dict[str, Any]:
    """A PDF from the platform API, in its own transaction, with a key that may write to the company."""
    for attempt in (1, 2):  # the same PDF sent twice at once: the second is answered as a duplicate
        try:
            with db.write() as session:
                events.live_key(session, presented_key, company_id, write=True)
                return attach(session, company_id=company_id, document_id=document_id, body=body)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
