"""SQLAlchemy 2.0 typed tables. Every change here comes with an Alembic migration."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")


def str_enum(kind: type[enum.Enum], length: int = 24) -> Enum:
    """A Python enum stored as its string values (no database enum type, so migrations stay simple)."""
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use core.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPPORT = "support"
    FINANCE_MANAGER = "finance_manager"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    base_currency: Mapped[str] = mapped_column(String(3))
    finance_contact_email: Mapped[str | None] = mapped_column(String(320))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    # Offboarded by a hub admin: disconnected from Xero and its personal data erased; the row stays for the audit log.
    offboarded_at: Mapped[datetime | None]


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="RESTRICT"))
    is_company_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Null for accounts that only sign in through single sign-on.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Failed sign-ins since the last successful one (shown to admins); throttling itself is by sign_in_throttles.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_sign_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # The single sign-on identity bound to this account at its first single sign-on ("issuer|subject").
    sso_subject: Mapped[str | None] = mapped_column(String(500), unique=True)

    company: Mapped[Company | None] = relationship(lazy="joined")


class SignInThrottle(Base):
    """Recent failed sign-ins from one client or for one email, and how long the next attempt must wait.

    Keyed by "client:<address>" or "email:<sha256 of the email>", so an unknown email is throttled exactly like a
    known one and nothing stored names it."""

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]
    wait_until: Mapped[datetime | None]


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    # SHA-256 of the random token in the cookie: a database dump cannot be replayed as a cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[StaffUser] = relationship(lazy="joined")


class SignInHandoff(Base):
    """A single sign-on's new session on its way to the browser: the page opens the session and hands the browser a
    one-time ticket, which the sign-in route trades, once and within a minute, for the session's HttpOnly cookie."""

    __tablename__ = "sign_in_handoffs"

    # SHA-256 of the one-time ticket the page hands the browser.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("staff_sessions.id", ondelete="CASCADE"))
    # The session's cookie value, encrypted with HUB_ENCRYPTION_KEY; the row is deleted when traded.
    cookie: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_company_at", "company_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    # Kept as text too, so the record survives the user being renamed or deleted.
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    target: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)


class SidecarHeartbeat(Base):
    __tablename__ = "sidecar_heartbeats"

    instance_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]


class SchedulerJob(Base):
    __tablename__ = "scheduler_jobs"

    job_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    instance_id: Mapped[str | None] = mapped_column(String(80))
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_detail: Mapped[str | None] = mapped_column(Text)
    run_count: Mapped[int] = mapped_column(Integer, default=0)


class HubMeta(Base):
    """Small facts about this installation (for example, the encryption key check value)."""

    __tablename__ = "hub_meta"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
