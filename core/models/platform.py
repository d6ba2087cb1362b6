"""The platform records the hub syncs (contacts and suppliers, proposed updates, documents, payments), the events
that brought them, and the API keys platforms call with."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.models.base import Base, BigId, str_enum

Money = Numeric(14, 2)


class Origin(enum.StrEnum):
    PLATFORM = "platform"  # created in the platform
    XERO = "xero"  # imported from Xero


class DocumentKind(enum.StrEnum):
    SALES_INVOICE = "sales_invoice"  # ACCREC
    CUSTOMER_CREDIT_NOTE = "customer_credit_note"  # ACCRECCREDIT
    BILL = "bill"  # ACCPAY
    SUPPLIER_CREDIT_NOTE = "supplier_credit_note"  # ACCPAYCREDIT

    @property
    def xero_type(self) -> str:
        return {
            "sales_invoice": "ACCREC",
            "customer_credit_note": "ACCRECCREDIT",
            "bill": "ACCPAY",
            "supplier_credit_note": "ACCPAYCREDIT",
        }[self.value]


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# The contact fields the platform owns and Xero mirrors: what a snapshot holds and what a change may carry.
CONTACT_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phones",
    "addresses",
    "bank_account",
    "tax_number",
    "is_customer",
)


class PlatformContact(Base):
    """A contact or supplier of a company, as the platform holds it, and its link to a Xero contact."""

    __tablename__ = "platform_contacts"
    __table_args__ = (
        UniqueConstraint("company_id", "platform_id", name="uq_platform_contacts_company_platform_id"),
        Index("ix_platform_contacts_email", "company_id", "email"),
        Index("ix_platform_contacts_xero", "company_id", "xero_contact_id"),
        Index("ix_platform_contacts_feed", "company_id", "changed_at", "id"),
        Index("ix_platform_contacts_name", "company_id", "name", "id"),  # the Contacts page pages by name
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # The platform's id: its own for contacts it created, "X-<ContactID>" for those imported from Xero.
    platform_id: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[Origin] = mapped_column(str_enum(Origin))
    name: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    phones: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    addresses: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    bank_account: Mapped[str | None] = mapped_column(String(255))
    tax_number: Mapped[str | None] = mapped_column(String(50))
    is_supplier: Mapped[bool] = mapped_column(default=False)
    is_customer: Mapped[bool] = mapped_column(default=False)
    archived: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    xero_contact_id: Mapped[str | None] = mapped_column(String(64))
    # What Xero last had (after the last push or pull): only fields that differ from it are pushed.
    synced_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the import and polls learn from Xero.
    xero_status: Mapped[str | None] = mapped_column(String(20))  # ACTIVE or ARCHIVED
    xero_updated_at: Mapped[datetime | None]
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)  # Xero contact group names
    # Imported once but outside the company's import policy now: kept, no longer refreshed.
    outside_policy: Mapped[bool] = mapped_column(default=False)
    # Xero values that differ from ours on a linked supplier (the platform wins; people see both): {field: value}.
    drift: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A customer's outstanding total in Xero and whether it differs from the platform's by more than 0.01.
    xero_outstanding: Mapped[Decimal | None] = mapped_column(Money)
    off_balance: Mapped[bool] = mapped_column(default=False)
    last_synced_at: Mapped[datetime | None]
    # Its owner asked Xero to erase it (ContactStatus GDPRREQUEST): personal fields blanked, never pushed again; the
    # row stays as a tombstone linking the platform id to the Xero ContactID, so it is never imported again.
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    changed_at: Mapped[datetime]

    def snapshot(self) -> dict[str, Any]:
        """The contact's fields as they stand, to compare with (or record as) what Xero last had."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


class SupplierProposal(Base):
    """Details a supplier proposed for itself (contact and bank details), waiting for a finance user's decision."""

    __tablename__ = "supplier_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("platform_contacts.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[str] = mapped_column(String(64))
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus), default=ProposalStatus.PENDING)
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))


class PlatformDocument(Base):
    """A sales invoice, bill or credit note issued through the platform."""

    __tablename__ = "platform_documents"
    __table_args__ = (UniqueConstraint("company_id", "platform_id", name="uq_platform_documents_company_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    number: Mapped[str] = mapped_column(String(255))
    contact_id: Mapped[int] = mapped_column(ForeignKey("platform_contacts.id", ondelete="RESTRICT"), index=True)
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    # Shown on the document in Xero (its Reference), e.g. the customer's order number.
    reference: Mapped[str | None] = mapped_column(String(255))
    # Whether unit amounts exclude tax, include it, or the document has none (Xero's LineAmountTypes).
    line_amount_types: Mapped[str] = mapped_column(String(10), default="Exclusive", server_default="Exclusive")
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[Decimal] = mapped_column(Money)
    voided: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    xero_id: Mapped[str | None] = mapped_column(String(64))
    # What Xero says of it, from the push's answer and the status poll: DRAFT, AUTHORISED, PAID, VOIDED, …
    xero_status: Mapped[str | None] = mapped_column(String(20))
    amount_due: Mapped[Decimal | None] = mapped_column(Money)
    amount_paid: Mapped[Decimal | None] = mapped_column(Money)
    xero_updated_at: Mapped[datetime | None]
    pushed_at: Mapped[datetime | None]
    # A write to Xero timed out: the outcome is unknown until the document is looked up there (shown "uncertain").
    uncertain_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    changed_at: Mapped[datetime]

    def outbox_payload(self, contact: PlatformContact) -> dict[str, object]:
        """What an outbox entry of this document carries: the same when it is issued, changed, or backfilled."""
        return {
            "kind": self.kind.value,
            "number": self.number,
            "contact_id": contact.id,
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "reference": self.reference,
            "line_amount_types": self.line_amount_types,
            "currency": self.currency,
            "lines": self.lines,
            "total": str(self.total),
        }


class DocumentPdf(Base):
    """The PDF of a document, as the platform rendered it, until it is attached to the document in Xero.

    The bytes are kept only while they wait to go (deferred: a list of documents never loads them) and are cleared
    once Xero holds the attachment; its name, size, SHA-256 and Xero's AttachmentID stay."""

    __tablename__ = "document_pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("platform_documents.id", ondelete="CASCADE"), unique=True)
    file_name: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    version: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime]
    # An upload went unanswered: the document's attachments in Xero are listed before any retry.
    uncertain_since: Mapped[datetime | None]
    xero_attachment_id: Mapped[str | None] = mapped_column(String(64))
    attached_at: Mapped[datetime | None]
    # When the bytes were cleared: attached in Xero, or past retention / offboarding before they could go.
    cleared_at: Mapped[datetime | None]


class PlatformPayment(Base):
    """A payment the platform recorded against one of its documents."""

    __tablename__ = "platform_payments"
    __table_args__ = (UniqueConstraint("company_id", "platform_id", name="uq_platform_payments_company_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[int] = mapped_column(ForeignKey("platform_documents.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(255))
    xero_id: Mapped[str | None] = mapped_column(String(64))
    xero_status: Mapped[str | None] = mapped_column(String(20))  # AUTHORISED, DELETED (reversed in Xero)
    exported_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PlatformEvent(Base):
    """Every platform event received, by its id: a repeat returns the first answer and records nothing."""

    __tablename__ = "platform_events"
    __table_args__ = (UniqueConstraint("event_id", name="uq_platform_events_event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(40))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    received_at: Mapped[datetime]


class ApiKey(Base):
    """A platform's key for the /api routes; only a hash is stored, the key is shown once when created."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    # What the key reaches: one company (None: every company, chosen explicitly), writing events or only reading.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    can_write: Mapped[bool] = mapped_column(default=True)
    expires_at: Mapped[datetime | None]
