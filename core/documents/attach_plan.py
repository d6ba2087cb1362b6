"""A document's PDF to Xero, the gathering and the plan: what the hub knows about each claimed upload, and what to do
with it (pure): nothing (already attached, or other bytes came since), wait for the document to reach Xero, refuse
(no leave to attach files, the bytes gone), or upload."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.platform import DocumentKind, DocumentPdf, PlatformDocument
from core.models.sync import Connection, Grant
from core.sync.outbox import Claimed
from core.xero import attachments

CREDIT_NOTES = (DocumentKind.CUSTOMER_CREDIT_NOTE, DocumentKind.SUPPLIER_CREDIT_NOTE)


@dataclass(frozen=True)
class PdfFacts:
    """One claimed upload and what the hub knows about it."""

    entry: Claimed
    pdf_id: int
    file_name: str
    size: int
    sha256: str
    has_bytes: bool
    uncertain: bool
    attached: bool
    document_id: int
    number: str
    collection: str  # Invoices or CreditNotes
    document_xero_id: str | None
    granted: bool  # the connection's grant may attach files


@dataclass(frozen=True)
class Upload:
    facts: PdfFacts

    @property
    def entry(self) -> Claimed:
        return self.facts.entry


@dataclass(frozen=True)
class Settle:  # nothing to send
    facts: PdfFacts


@dataclass(frozen=True)
class Wait:  # the document is not in Xero yet
    facts: PdfFacts


@dataclass(frozen=True)
class Refuse:
    facts: PdfFacts
    cause: str
    message: str


Action = Upload | Settle | Wait | Refuse


def gather(session: Session, company_id: int, entries: list[Claimed]) -> list[PdfFacts]:
    """The facts of each claimed upload (entries whose PDF is gone are left out)."""
    scopes = session.scalar(
        select(Grant.scopes)
        .join(Connection, Connection.grant_id == Grant.id)
        .where(Connection.company_id == company_id)
    )
    granted = attachments.SCOPE in (scopes or "").split()
    found = []
    for entry in entries:
        pdf = session.get(DocumentPdf, int(entry.entity_id)) if entry.entity_id.isdigit() else None
        if pdf is None or pdf.company_id != company_id:
            continue
        document = session.get(PlatformDocument, pdf.document_id)
        assert document is not None  # a PDF goes with its document (CASCADE)
        has_bytes = session.scalar(select(DocumentPdf.content.is_not(None)).where(DocumentPdf.id == pdf.id))
        found.append(
            PdfFacts(
                entry=entry,
                pdf_id=pdf.id,
                file_name=pdf.file_name,
                size=pdf.size,
                sha256=pdf.sha256,
                has_bytes=bool(has_bytes),
                uncertain=pdf.uncertain_since is not None,
                attached=pdf.xero_attachment_id is not None,
                document_id=document.id,
                number=document.number,
                collection="CreditNotes" if document.kind in CREDIT_NOTES else "Invoices",
                document_xero_id=document.xero_id,
                granted=granted,
            )
        )
    return found


def plan(facts: list[PdfFacts]) -> list[Action]:
    """What to do with each upload."""
    actions: list[Action] = []
    for f in facts:
        if f.attached or f.entry.payload.get("sha256") != f.sha256:  # done, or newer bytes have their own entry
            actions.append(Settle(f))
        elif not f.has_bytes:
            actions.append(Refuse(f, "pdf_expired", f"The PDF of {f.number} is no longer kept; send it again."))
        elif f.document_xero_id is None:
            actions.append(Wait(f))
        elif not f.granted:
            actions.append(
                Refuse(f, "attachments_not_granted", f"The PDF of {f.number} waits for leave to attach files.")
            )
        else:
            actions.append(Upload(f))
    return actions
