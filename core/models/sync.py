"""Tables of the sync core: Xero grants and connections, the outbox of changes to push, and sync errors."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, BigId, str_enum


class ConnectionState(enum.StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    FAILED = "failed"
    HELD = "held"
    DISCARDED = "discarded"


class ErrorStatus(enum.StrEnum):
    OPEN = "open"
    RETRYING = "retrying"
    RESOLVED = "resolved"
    IGNORED = "ignored"


class Grant(Base):
    """A Xero user's authorisation of the hub: tokens (encrypted), scopes, expiry, and the consent it came from."""

    __tablename__ = "xero_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    xero_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    xero_user_email: Mapped[str | None] = mapped_column(String(320))
    auth_event_id: Mapped[str | None] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str] = mapped_column(Text)  # Fernet ciphertext, never the token itself
    refresh_token: Mapped[str | None] = mapped_column(Text)  # Fernet ciphertext
    access_expires_at: Mapped[datetime]
    refresh_issued_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Refreshing is leased, so two processes never spend the same refresh token.
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Connection(Base):
    """One company's link to one Xero organisation, through a grant. A company has one row, reused on reconnect."""

    __tablename__ = "xero_connections"
    __table_args__ = (
        # The sidecar's due-queries: one query a tick finds the companies due, oldest served first.
        Index("ix_xero_connections_documents_due", "state", "documents_polled_at"),
        Index("ix_xero_connections_contacts_due", "state", "contacts_polled_at"),
        Index("ix_xero_connections_inactive", "state", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), unique=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("xero_grants.id", ondelete="SET NULL"), index=True)
    state: Mapped[ConnectionState] = mapped_column(str_enum(ConnectionState))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    tenant_name: Mapped[str | None] = mapped_column(String(255))
    xero_connection_id: Mapped[str | None] = mapped_column(String(64))
    # The first organisation the company confirmed: reconnecting to another one is refused.
    pinned_tenant_id: Mapped[str | None] = mapped_column(String(64))
    backfill_from: Mapped[date | None] = mapped_column(Date)
    connected_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    connected_at: Mapped[datetime | None]
    state_changed_at: Mapped[datetime]
    state_reason: Mapped[str | None] = mapped_column(Text)
    last_activity_at: Mapped[datetime | None]
    # The inactivity warnings already sent (45, then 55 days); cleared by any activity.
    inactivity_warned_days: Mapped[int | None] = mapped_column(Integer)
    last_sync_at: Mapped[datetime | None]
    # Contacts polling: the newest UpdatedDateUTC seen (If-Modified-Since), the last poll and full reconcile.
    contacts_since: Mapped[datetime | None]
    contacts_polled_at: Mapped[datetime | None]
    contacts_reconciled_at: Mapped[datetime | None]
    # The status poll of pushed documents (payment status and amounts due coming back), If-Modified-Since cursor.
    documents_since: Mapped[datetime | None]
    documents_polled_at: Mapped[datetime | None]


class ConsentRequest(Base):
    """One "Connect to Xero" click: its single-use state, who and which company it is for, and what Xero granted."""

    __tablename__ = "xero_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the state sent to Xero
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    backfill_from: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    spent_at: Mapped[datetime | None]
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("xero_grants.id", ondelete="SET NULL"))
    # The organisations Xero granted in this consent, for the second pick: [{tenantId, tenantName, id}].
    offered: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    confirmed_at: Mapped[datetime | None]
    # Never confirmed before it expired: what Xero granted in it has been queued for clean-up.
    abandoned_at: Mapped[datetime | None]


class XeroBudget(Base):
    """What Xero last said is left for one organisation (or "*" for the whole app), and any pause it asked for."""

    __tablename__ = "xero_budgets"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    minute_remaining: Mapped[int | None] = mapped_column(Integer)
    day_remaining: Mapped[int | None] = mapped_column(Integer)
    app_minute_remaining: Mapped[int | None] = mapped_column(Integer)
    # When the organisation's current minute window began (about: the first call seen in it). A spent minute is
    # waited out from here, not from the last call, so the whole 60 calls a minute are usable.
    minute_started_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime]


class XeroCallSlot(Base):
    """A call in flight to one organisation (at most 5 at once); a crashed caller's slot expires."""

    __tablename__ = "xero_call_slots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime]


class OutboxEntry(Base):
    """One change to push to Xero, written in the same transaction as the change itself."""

    __tablename__ = "outbox_entries"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_entries_idempotency_key"),
        # Claiming reads only live states, so the index stays small however much history is done.
        Index("ix_outbox_entries_claim", "state", "not_before", "id"),
        Index("ix_outbox_entries_entity", "company_id", "entity_type", "entity_id", "state"),
        Index("ix_outbox_entries_done", "state", "done_at"),  # the overview's push latency over the last day
        Index("ix_outbox_entries_payload_kept", "payload_cleared_at", "done_at"),  # done payloads blanked in time
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("xero_connections.id", ondelete="SET NULL"))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    entity_version: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    state: Mapped[OutboxState] = mapped_column(str_enum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims, waits included
    failures: Mapped[int] = mapped_column(Integer, default=0)  # tries that failed: the back-off follows these
    refusals: Mapped[int] = mapped_column(Integer, default=0)  # Xero refused it: the next send needs a new key
    not_before: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error_id: Mapped[int | None] = mapped_column(ForeignKey("sync_errors.id", ondelete="SET NULL"))
    xero_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    # When housekeeping blanked the payload of this done entry (the row's facts stay: what, when, which version).
    payload_cleared_at: Mapped[datetime | None]


class SyncError(Base):
    """A failure a person can act on: what, where, why, who must act; repeats group under one fingerprint."""

    __tablename__ = "sync_errors"
    __table_args__ = (
        Index("ix_sync_errors_open", "status", "company_id", "cause"),
        Index("ix_sync_errors_entity", "company_id", "entity_type", "entity_id", "status"),
        Index("ix_sync_errors_latest", "status", "company_id", "last_seen_at"),  # each company's newest open one
        Index("ix_sync_errors_first_seen", "first_seen_at"),  # new errors per hour
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("xero_connections.id", ondelete="SET NULL"))
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    entity_number: Mapped[str | None] = mapped_column(String(255))
    cause: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    raw_request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw_response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[ErrorStatus] = mapped_column(str_enum(ErrorStatus), default=ErrorStatus.OPEN)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class CleanupKind(enum.StrEnum):
    DELETE_CONNECTION = "delete_connection"  # DELETE /connections/{id}: one organisation leaves the grant
    REVOKE_GRANT = "revoke_grant"  # the grant holds nothing the hub uses any more


class XeroCleanup(Base):
    """Something to undo in Xero after a disconnect, a remove or a refused pick; the sidecar does it and retries."""

    __tablename__ = "xero_cleanups"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CleanupKind] = mapped_column(str_enum(CleanupKind))
    grant_id: Mapped[int] = mapped_column(ForeignKey("xero_grants.id", ondelete="CASCADE"), index=True)
    # The company whose connection this was: its deletion waits while that company is connecting again.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    xero_connection_id: Mapped[str | None] = mapped_column(String(64))
    tenant_name: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(index=True)


class RunState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class SyncRun(Base):
    """One piece of sync work for a company (an import, a poll, a push batch): asked for, run, and what happened."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_claim", "state", "not_before"),
        Index("ix_sync_runs_company", "company_id", "job", "id"),
        Index("ix_sync_runs_requested", "company_id", "job", "requested_at"),  # asked for within the hour?
        Index("ix_sync_runs_finished", "finished_at"),  # records per hour, and old runs deleted
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job: Mapped[str] = mapped_column(String(40))
    state: Mapped[RunState] = mapped_column(str_enum(RunState))
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime]
    not_before: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    records: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    # Where a long run stands (pages done, estimate) and where it resumes after a crash.
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(Text)
