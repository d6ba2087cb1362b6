"""The hub-wide figures a scrape of the web app's /metrics reads from the database, whichever process did the work:
changes not yet in Xero and the oldest one's age, per kind and state; what Xero last said is left of its call
budget, per organisation bucket; organisations paused by a 429; open sync errors per cause. Three queries per scrape
whatever the number of organisations (the outbox one reads only live entries, through the claim index)."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core import clock
from core.db import Database
from core.failures import UNAVAILABLE_ERRORS
from core.metrics import definitions as metrics
from core.models.sync import Connection, ErrorStatus, OutboxEntry, OutboxState, SyncError, XeroBudget
from core.sync.causes import CAUSES
from core.xero_access.budget import APP

log = logging.getLogger(__name__)
# Changes not yet in Xero: waiting their turn (or backing off), being sent, refused until a person acts, held for a
# reconnection.
WAITING = (OutboxState.PENDING, OutboxState.LEASED, OutboxState.FAILED, OutboxState.HELD)
KINDS = tuple(metrics.KINDS.values())


def _outbox(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    e = OutboxEntry
    # A change could go when it was recorded, or when its company connected if later (as the overview counts it).
    could_go = case((Connection.connected_at > e.created_at, Connection.connected_at), else_=e.created_at)
    query = (
        select(e.entity_type, e.state, func.count(), func.min(could_go))
        .outerjoin(Connection, Connection.company_id == e.company_id)
        .where(e.state.in_(WAITING))
        .group_by(e.entity_type, e.state)
    )
    counts: Counter[tuple[str, str]] = Counter()
    oldest: dict[tuple[str, str], float] = defaultdict(float)
    for entity_type, state, count, first in session.execute(query):
        key = (metrics.kind_label(entity_type), OutboxState(state).value)
        counts[key] += count
        if first is not None:
            oldest[key] = max(oldest[key], (now - first).total_seconds(), 0.0)
    waiting = GaugeMetricFamily(
        "hub_outbox_changes",
        "Changes not yet in Xero, by kind and state (pending: waiting or backing off; leased: being sent; "
        "failed: refused until a person acts; held: until the company reconnects).",
        labels=["kind", "state"],
    )
    age = GaugeMetricFamily(
        "hub_outbox_oldest_change_age_seconds",
        "Age of the oldest change not yet in Xero, by kind and state, from when it could first go (0: none).",
        labels=["kind", "state"],
    )
    extra = sorted({k for k, _ in counts} - set(KINDS))
    for kind in (*KINDS, *extra):
        for state in WAITING:
            waiting.add_metric([kind, state.value], counts[(kind, state.value)])
            age.add_metric([kind, state.value], round(oldest[(kind, state.value)], 3))
    yield waiting
    yield age


def _budget(session: Session, now: datetime) -> Iterator[GaugeMetricFamily]:
    left = GaugeMetricFamily(
        "hub_xero_calls_left",
        "The fewest calls Xero last said are left to any organisation of the bucket, this minute or today.",
        labels=["org_bucket", "window"],
    )
    app = GaugeMetricFamily("hub_xero_app_calls_left", "Calls Xero last said are left to the whole app this minute.")
    paused = GaugeMetricFamily(
        "hub_xero_organisations_paused",
        "Organisations no call may go to now, after Xero's 429, by its limit (appminute: every organisation).",
        labels=["limit"],
    )
    fewest: dict[tuple[str, str], int] = {}
    stopped: Counter[str] = Counter({limit: 0 for limit in sorted(metrics.LIMITS)})
    newest: tuple[datetime, int] | None = None
    b = XeroBudget
    columns = (b.tenant_id, b.minute_remaining, b.day_remaining, b.app_minute_remaining, b.paused_until, b.pause_reason)
    for row in session.execute(select(*columns, b.updated_at)):  # plain rows: a fifth of the ORM's time
        if row.paused_until is not None and row.paused_until > now:
            stopped[metrics.limit_label(row.pause_reason)] += 1
        if row.tenant_id == APP:
            continue
        if row.app_minute_remaining is not None and (newest is None or row.updated_at > newest[0]):
            newest = (row.updated_at, row.app_minute_remaining)
        for window, value in (("minute", row.minute_remaining), ("day", row.day_remaining)):
            key = (metrics.bucket(row.tenant_id), window)
            if value is not None:
                fewest[key] = min(value, fewest.get(key, value))
    for (org, window), value in sorted(fewest.items(), key=lambda item: (int(item[0][0]), item[0][1])):
        left.add_metric([org, window], value)
    if newest is not None:
        app.add_metric([], newest[1])
    for limit, count in sorted(stopped.items()):
        paused.add_metric([limit], count)
    yield left
    yield app
    yield paused


def _errors(session: Session) -> Iterator[GaugeMetricFamily]:
    query = (
        select(SyncError.cause, func.count())
        .where(SyncError.status.in_((ErrorStatus.OPEN, ErrorStatus.RETRYING)))
        .group_by(SyncError.cause)
    )
    found: Counter[str] = Counter({code: 0 for code in CAUSES})
    for cause, count in session.execute(query):
        found[cause if cause in CAUSES else metrics.OTHER] += count
    family = GaugeMetricFamily(
        "hub_sync_errors_open", "Sync errors open (or being retried), by cause.", labels=["cause"]
    )
    for cause, count in sorted(found.items()):
        family.add_metric([cause], count)
    yield family


class Snapshot(Collector):
    """The database's figures, read when scraped; `hub_database_up` 0 (and nothing else) when it cannot answer."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("hub_database_up", "Whether the web app could read the figures from the database.")
        try:
            now = clock.now()
            with self.db.read() as session:
                families = [*_outbox(session, now), *_budget(session, now), *_errors(session)]
        except UNAVAILABLE_ERRORS as exc:
            log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families
