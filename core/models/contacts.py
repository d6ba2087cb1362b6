"""Tables of the contacts sync: each contact's history, matches waiting for a person, and Xero's webhook inbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, BigId, str_enum


class ContactHistory(Base):
    """What changed on a platform contact and why (first link from Xero, a Xero update, a relink, an edit)."""

    __tablename__ = "contact_history"
    __table_args__ = (Index("ix_contact_history_at", "at"),)  # history older than the retention is deleted

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("platform_contacts.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    LINKED = "linked"  # a person picked one of the candidates
    CREATED = "created"  # a person chose to import it as a new contact
    DISMISSED = "dismissed"


class MatchReview(Base):
    """A Xero contact whose email or phone matches several platform contacts: a person picks."""

    __tablename__ = "match_reviews"
    __table_args__ = (
        UniqueConstraint("company_id", "xero_contact_id", name="uq_match_reviews_company_xero_contact"),
        Index("ix_match_reviews_open", "company_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    xero_contact_id: Mapped[str] = mapped_column(String(64))
    xero_name: Mapped[str] = mapped_column(String(255))
    # The contact as Xero sent it (our field names), to fill the record a person picks.
    xero_contact: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidate_ids: Mapped[list[int]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus), default=ReviewStatus.OPEN)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("platform_contacts.id", ondelete="SET NULL"))


class WebhookEvent(Base):
    """One event from Xero's webhook, recorded at once (the route answers within 5 s); the sidecar acts on it."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_waiting", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime]
    tenant_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))  # CONTACT, INVOICE, …
    event_type: Mapped[str] = mapped_column(String(40))  # CREATE, UPDATE
    resource_id: Mapped[str] = mapped_column(String(64))
    event_date: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(Text)


class XeroContactSeen(Base):
    """Every Xero contact a pull has seen, imported or not: what the import-policy preview counts."""

    __tablename__ = "xero_contacts_seen"
    __table_args__ = (UniqueConstraint("company_id", "xero_contact_id", name="uq_xero_contacts_seen_company_contact"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    xero_contact_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    is_supplier: Mapped[bool]
    is_customer: Mapped[bool]
    archived: Mapped[bool]
    groups: Mapped[list[str]] = mapped_column(JSON)
    seen_at: Mapped[datetime]
