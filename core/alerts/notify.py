"""Alert emails: alerts join the caller's transaction, become one digest per company per window, go out over SMTP.

Nothing is lost: an alert is a row before any email exists, a digest is a row before it is sent, and a send that
fails is retried with backoff for as long as it takes (an SMTP server that is down only delays the email). Sending
is claimed with a lease (a compare-and-set UPDATE), so two sidecars never send one email twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.alerts import digest, mailer
from core.alerts.digest import KINDS
from core.db import Database
from core.models.alerts import Alert, EmailMessage, EmailState
from core.models.base import Company
from core.settings import Settings

LEASE = timedelta(minutes=5)  # far above mailer.TIMEOUT_SECONDS, so a slow send keeps its lease
RETRY_STEPS_SECONDS = (30, 120, 600, 1800, 3600)  # then hourly, for ever
SEND_LIMIT = 20  # emails per deliver() run; the next run (10 s later) takes the rest
_COMPOSE_LOCK = 0x6875_626D_6169_6C  # "hubmail": PostgreSQL advisory lock, so two sidecars compose one at a time


def alert(session: Session, *, company_id: int | None, kind: str, summary: str, link: str | None = None) -> None:
    """Record something a person must hear about, in the caller's transaction; a digest email carries it later."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; add it to core.alerts.digest.KINDS")
    session.add(Alert(company_id=company_id, kind=kind, summary=summary, link=link, created_at=clock.now()))


def _of(column: Any, company_id: int | None) -> ColumnElement[bool]:
    return column.is_(None) if company_id is None else column == company_id


def window_for(company: Company | None, settings: Settings) -> timedelta:
    """How long a company waits between digests: its own setting (Company settings page), else the hub's."""
    own = (company.settings or {}).get("alert_digest_minutes") if company is not None else None
    return timedelta(minutes=float(own) if isinstance(own, int | float) and own > 0 else settings.alert_window_minutes)


def recipients(company: Company | None, settings: Settings) -> list[str]:
    """The company's finance contact (if it has one) and the support team, each once."""
    found = [company.finance_contact_email] if company is not None and company.finance_contact_email else []
    found.append(parseaddr(settings.support_email)[1])
    return list(dict.fromkeys(address.strip().lower() for address in found))


def compose_digests(session: Session, settings: Settings) -> int:
    """Turn waiting alerts into emails, at most one per company per window; return how many emails were made."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_COMPOSE_LOCK)))  # SQLite's BEGIN IMMEDIATE serialises
    now = clock.now()
    waiting = list(session.scalars(select(Alert.company_id).where(Alert.email_id.is_(None)).distinct()))
    made = 0
    for company_id in waiting:
        company = session.get(Company, company_id) if company_id is not None else None
        window = window_for(company, settings)
        last = session.scalar(select(func.max(EmailMessage.created_at)).where(_of(EmailMessage.company_id, company_id)))
        if last is not None and now - last < window:
            continue  # this company had its digest in this window; its alerts wait for the next
        made += _compose_one(session, settings, company_id, company, window, now)
    return made


def _compose_one(
    session: Session,
    settings: Settings,
    company_id: int | None,
    company: Company | None,
    window: timedelta,
    now: datetime,
) -> int:
    mine = and_(_of(Alert.company_id, company_id), Alert.email_id.is_(None))
    # Up to the newest alert seen now: one raised while we write is left for the next digest, never half-counted.
    newest, since = session.execute(select(func.max(Alert.id), func.min(Alert.created_at)).where(mine)).one()
    if newest is None:
        return 0
    mine = and_(mine, Alert.id <= newest)
    counts = {kind: n for kind, n in session.execute(select(Alert.kind, func.count()).where(mine).group_by(Alert.kind))}
    groups = []
    for kind in sorted(counts, key=lambda k: (list(KINDS).index(k) if k in KINDS else len(KINDS), k)):
        examples = session.execute(
            select(Alert.summary, Alert.link)
            .where(mine, Alert.kind == kind)
            .order_by(Alert.id)
            .limit(digest.SHOWN_PER_KIND)
        ).tuples()
        groups.append(digest.KindGroup(kind, counts[kind], tuple(examples)))
    name = company.name if company is not None else None
    link = f"{settings.base_url}/errors" + (f"?company={company_id}" if company_id is not None else "")
    email = EmailMessage(
        company_id=company_id,
        recipients=recipients(company, settings),
        subject=digest.subject(name, sum(counts.values())),
        body=digest.body(name, groups, link=link, since=since, window_minutes=window.total_seconds() / 60),
        state=EmailState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    session.flush()
    session.execute(update(Alert).where(mine).values(email_id=email.id).execution_options(synchronize_session=False))
    return 1


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failed try, then 2 min, 10 min, 30 min, then every hour."""
    return timedelta(seconds=RETRY_STEPS_SECONDS[min(max(attempts, 1), len(RETRY_STEPS_SECONDS)) - 1])


@dataclass(frozen=True)
class Delivery:
    """What one deliver() run did."""

    sent: int = 0
    failed: int = 0
    configured: bool = True


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipients: list[str]
    subject: str
    body: str
    attempts: int
    created_at: datetime


def _due(now: datetime) -> ColumnElement[bool]:
    waiting = and_(EmailMessage.state.in_((EmailState.PENDING, EmailState.FAILED)), EmailMessage.next_attempt_at <= now)
    # A worker that died mid-send: its lease runs out and the email is tried again.
    abandoned = and_(EmailMessage.state == EmailState.SENDING, EmailMessage.lease_until < now)
    return or_(waiting, abandoned)


def _claim(db: Database, worker: str) -> _Claimed | None:
    """Lease the oldest due email to this worker (compare-and-set), in one short transaction."""
    now = clock.now()
    with db.write() as session:
        query = select(EmailMessage.id).where(_due(now)).order_by(EmailMessage.next_attempt_at, EmailMessage.id)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        email_id = session.scalar(query.limit(1))
        if email_id is None:
            return None
        taken = session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == email_id, _due(now))
            .values(
                state=EmailState.SENDING,
                lease_owner=worker,
                lease_until=now + LEASE,
                attempts=EmailMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            return None  # another worker took it between our read and our write
        row = session.get_one(EmailMessage, email_id)
        return _Claimed(row.id, list(row.recipients), row.subject, row.body, row.attempts, row.created_at)


def _settle(db: Database, email_id: int, worker: str, **values: Any) -> bool:
    """Compare-and-set: only the worker holding the lease records the outcome."""
    with db.write() as session:
        result = session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == email_id, EmailMessage.state == EmailState.SENDING)
            .where(EmailMessage.lease_owner == worker)
            .values(lease_owner=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def deliver(db: Database, settings: Settings, *, worker: str, limit: int = SEND_LIMIT) -> Delivery:
    """Send due emails one by one, each outside any transaction; a failure is recorded and retried later."""
    if settings.smtp is None:
        return Delivery(configured=False)  # emails wait, pending; the Outbox page says why
    sent = failed = 0
    for _ in range(limit):
        claimed = _claim(db, worker)
        if claimed is None:
            break
        message = mailer.build(
            sender=settings.mail_from,
            recipients=claimed.recipients,
            subject=claimed.subject,
            body=claimed.body,
            message_id=mailer.message_id(claimed.id, claimed.created_at, settings.mail_from),
            date=clock.now(),
        )
        try:
            refused = mailer.send(settings.smtp, message)
        except mailer.MailNotSent as exc:
            failed += 1
            _settle(
                db,
                claimed.id,
                worker,
                state=EmailState.FAILED,
                next_attempt_at=clock.now() + retry_delay(claimed.attempts),
                last_error=mailer.safe_reason(exc.reason),
            )
            if exc.unreachable:
                break  # the rest would fail the same way; they keep their turn for the next run
            continue
        sent += 1
        note = "; ".join(f"{address}: {reply}" for address, reply in refused.items())
        _settle(
            db,
            claimed.id,
            worker,
            state=EmailState.SENT,
            sent_at=clock.now(),
            last_error=mailer.safe_reason(f"Sent, but the server refused some recipients ({note}).") if note else None,
        )
    return Delivery(sent=sent, failed=failed)
