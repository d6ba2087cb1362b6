"""Tables of alerting: the alerts other parts raise, and the digest emails that carry them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, BigId, str_enum


class EmailState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # leased to one worker until lease_until
    SENT = "sent"
    FAILED = "failed"  # the last try failed; tried again at next_attempt_at

    @property
    def label(self) -> str:
        return {
            EmailState.PENDING: "Waiting to send",
            EmailState.SENDING: "Sending",
            EmailState.SENT: "Sent",
            EmailState.FAILED: "Failed, will retry",
        }[self]


class EmailMessage(Base):
    """One email to send (an alert digest), kept after sending as the record of what went out."""

    __tablename__ = "email_messages"
    __table_args__ = (
        Index("ix_email_messages_claim", "state", "next_attempt_at"),
        Index("ix_email_messages_company_created", "company_id", "created_at"),
        Index("ix_email_messages_sent", "state", "sent_at"),  # delivered emails deleted after the retention
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Null for hub-wide mail (to the support team only).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[EmailState] = mapped_column(str_enum(EmailState, 16), default=EmailState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)  # what the SMTP server said; never a password
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Alert(Base):
    """Something a person should hear about by email; email_id is set once a digest carries it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_waiting", "email_id", "company_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Null for hub-wide alerts (to the support team only).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id", ondelete="SET NULL"))
