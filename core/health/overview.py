"""The overview dashboard's figures: connections by state, sync volume and errors per hour, push latency, the oldest
unsynced change, API budget per organisation, the sidecar, and the companies needing a person first.

A handful of queries whatever the number of companies; the arithmetic lives in core.health.overview_plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.auth import Actor, company_scope
from core.connections import banner as connection_banner
from core.connections import views as connection_views
from core.connections.views import ConnectionView
from core.health import sidecar
from core.health.overview_plan import Activity, Reason, attention_order, bucket, hour_starts, percentile, reasons
from core.models.sync import Connection, OutboxEntry, OutboxState, SyncError, SyncRun
from core.sync.outbox import UNSYNCED
from core.xero_access import cap

# Push latency is measured over at most this many of the newest changes sent in the window (fast at any size).
LATENCY_SAMPLE = 5000
# Jobs that send to Xero (every other job brings records from Xero).
SENDS = frozenset({"push", "payments_push"})


@dataclass(frozen=True)
class CompanyHealth:
    view: ConnectionView
    activity: Activity
    reasons: tuple[Reason, ...]

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Latency:
    """Seconds from a change recorded to Xero accepting it, over `sample` changes."""

    p50: float
    p95: float
    sample: int


@dataclass(frozen=True)
class Dashboard:
    companies: tuple[CompanyHealth, ...]  # those needing attention first
    states: dict[str, int]  # connection state label → companies
    hours: tuple[datetime, ...]  # the start of each of the last 24 hours (UTC), oldest first
    pulled: tuple[int, ...]  # records received from Xero per hour
    pushed: tuple[int, ...]  # records sent to Xero per hour
    errors: tuple[int, ...]  # new sync errors per hour
    latency: Latency | None
    sidecar: sidecar.SidecarStatus
    # Places the hub's Xero app holds against Xero's cap (shown to those who see every company).
    places: cap.Usage | None = None

    @property
    def attention(self) -> tuple[CompanyHealth, ...]:
        return tuple(c for c in self.companies if c.needs_attention)

    @property
    def oldest_unsynced(self) -> CompanyHealth | None:
        waiting = [c for c in self.companies if c.activity.oldest_unsynced_at is not None]
        return min(waiting, key=lambda c: c.activity.oldest_unsynced_at, default=None)  # type: ignore[arg-type,return-value]


def _hour(session: Session, column: Any) -> Any:
    """The hour (UTC) a timestamp falls in, as 'YYYY-MM-DD HH' text on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def _parse_hour(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)


def _scoped(query: Any, column: Any, scope: frozenset[int] | None) -> Any:
    return query if scope is None else query.where(column.in_(scope))


def _activity(session: Session, ids: list[int]) -> dict[int, Activity]:
    """Per company: the last contacts poll, and the oldest change still waiting to reach Xero (two queries)."""
    polled = dict(
        session.execute(
            select(Connection.company_id, Connection.contacts_polled_at).where(Connection.company_id.in_(ids))
        )
        .tuples()
        .all()
    )
    waiting = {
        company_id: (oldest, count)
        for company_id, oldest, count in session.execute(
            select(OutboxEntry.company_id, func.min(OutboxEntry.created_at), func.count())
            .where(OutboxEntry.company_id.in_(ids), OutboxEntry.state.in_(UNSYNCED))
            .group_by(OutboxEntry.company_id)
        )
    }
    return {
        cid: Activity(polled.get(cid), *waiting.get(cid, (None, 0))) for cid in ids if cid in polled or cid in waiting
    }


def _per_hour(session: Session, scope: frozenset[int] | None, since: datetime) -> tuple[Counter, Counter, Counter]:
    """Records pulled and pushed (from sync runs) and new sync errors, per hour since `since`."""
    run_hour = _hour(session, SyncRun.finished_at)
    runs = _scoped(
        select(run_hour, SyncRun.job, func.sum(SyncRun.records))
        .where(SyncRun.finished_at >= since)
        .group_by(run_hour, SyncRun.job),
        SyncRun.company_id,
        scope,
    )
    pulled: Counter = Counter()
    pushed: Counter = Counter()
    for hour, job, total in session.execute(runs):
        (pushed if job in SENDS else pulled)[_parse_hour(hour)] += int(total or 0)
    error_hour = _hour(session, SyncError.first_seen_at)
    errors = _scoped(
        select(error_hour, func.count()).where(SyncError.first_seen_at >= since).group_by(error_hour),
        SyncError.company_id,
        scope,
    )
    return pulled, pushed, Counter({_parse_hour(h): int(n) for h, n in session.execute(errors)})


def latency(session: Session, scope: frozenset[int] | None, since: datetime) -> Latency | None:
    """p50 and p95 of "could go" → done over the newest changes sent since `since` (a bounded sample). A change
    could go when it was recorded, or when its company connected if that came later: one recorded before the
    connection waited for it, not for the hub."""
    query = _scoped(
        select(OutboxEntry.created_at, OutboxEntry.done_at, Connection.connected_at)
        .outerjoin(Connection, Connection.company_id == OutboxEntry.company_id)
        .where(OutboxEntry.state == OutboxState.DONE, OutboxEntry.done_at >= since)
        .order_by(OutboxEntry.id.desc())
        .limit(LATENCY_SAMPLE),
        OutboxEntry.company_id,
        scope,
    )
    seconds = [
        max(0.0, (done - max(created, connected or created)).total_seconds())
        for created, done, connected in session.execute(query)
    ]
    if not seconds:
        return None
    return Latency(percentile(seconds, 50) or 0.0, percentile(seconds, 95) or 0.0, len(seconds))


def build(session: Session, actor: Actor, *, heartbeat_seconds: int, connection_cap: int) -> Dashboard:
    """Everything the overview shows, for the companies the actor may see."""
    now = clock.now()
    views = connection_views.list_views(session, actor)
    ids = [v.company_id for v in views]
    known = _activity(session, ids)
    banners = connection_banner.for_views(session, actor, views)
    rows = [(v, known.get(v.company_id, Activity()), banners.get(v.company_id)) for v in views]
    health = [CompanyHealth(v, a, reasons(v, a, now, b)) for v, a, b in rows]
    order = attention_order([(h.view.company, h.reasons) for h in health])
    starts = hour_starts(now)
    scope = company_scope(actor)
    pulled, pushed, errors = _per_hour(session, scope, starts[0])
    return Dashboard(
        companies=tuple(health[i] for i in order),
        states=dict(Counter(v.state_label for v in views)),
        hours=tuple(starts),
        pulled=tuple(bucket(starts, pulled.items())),
        pushed=tuple(bucket(starts, pushed.items())),
        errors=tuple(bucket(starts, errors.items())),
        latency=latency(session, scope, now - timedelta(hours=24)),
        sidecar=sidecar.status(session, heartbeat_seconds=heartbeat_seconds),
        places=cap.usage(session, connection_cap) if scope is None else None,
    )
