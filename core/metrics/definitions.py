"""Every metric a hub process counts, defined once, with labels drawn from small fixed sets.

No label ever carries a tenant id, a company, a person or a record: an organisation is named only by its bucket (a
stable hash of its tenant id, modulo ORG_BUCKETS), Xero's limits, causes, kinds and jobs by their fixed names, and
anything else by "other". Counts made inside a transaction (sync errors opened and resolved) are applied when it
commits, so a rolled-back transaction counts nothing. The figures read from the database when scraped (changes
waiting, calls left, open errors) are in core.health.scrape.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from sqlalchemy import event
from sqlalchemy.orm import Session

ORG_BUCKETS = 16
# Xero's rate limits as its 429 answers name them (X-Rate-Limit-Problem).
LIMITS = frozenset({"minute", "day", "concurrent", "appminute"})
# Outbox entity types and the kind each is reported as.
KINDS = {"contact": "contacts", "document": "documents", "payment": "payments"}
OTHER = "other"
_CAUSE = re.compile(r"[a-z_]{1,40}")

disable_created_metrics()  # a `_created` twin of every counter doubles the series and tells Prometheus nothing new
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files of this process
PlatformCollector(registry=REGISTRY)

XERO_CALLS = Counter(
    "hub_xero_calls",
    "Calls to Xero's Accounting API through the budget gate, by organisation bucket and outcome "
    "(ok, rate_limited, client_error, server_error, no_answer).",
    ["org_bucket", "outcome"],
    registry=REGISTRY,
)
XERO_RATE_LIMITED = Counter(
    "hub_xero_rate_limited",
    "Xero's 429 answers, by organisation bucket and the limit Xero named (minute, day, concurrent, appminute).",
    ["org_bucket", "limit"],
    registry=REGISTRY,
)
PUSH_LATENCY = Histogram(
    "hub_push_latency_seconds",
    "From when a change could first go to Xero (recorded, or its company connected if later) to Xero accepting it.",
    ["kind"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400),
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "hub_job_duration_seconds",
    "How long each run of a sidecar job took.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "hub_job_runs", "Runs of each sidecar job, by outcome (ok or failed).", ["job", "outcome"], registry=REGISTRY
)
JOB_LAST_SUCCESS = Gauge(
    "hub_job_last_success_timestamp_seconds",
    "When each sidecar job last finished without failing (Unix time).",
    ["job"],
    registry=REGISTRY,
)
ERRORS_OPENED = Counter(
    "hub_sync_errors_opened",
    "Sync errors opened (new, or reopened after being resolved), by cause.",
    ["cause"],
    registry=REGISTRY,
)
ERRORS_RESOLVED = Counter(
    "hub_sync_errors_resolved",
    "Sync errors resolved (their record synced, or a person resolved them), by cause.",
    ["cause"],
    registry=REGISTRY,
)


def bucket(tenant_id: str) -> str:
    """The organisation's bucket: stable across processes and restarts, and never the tenant id itself."""
    return str(int(hashlib.sha256(tenant_id.encode()).hexdigest()[:8], 16) % ORG_BUCKETS)


def limit_label(problem: str | None) -> str:
    return problem if problem in LIMITS else OTHER


def kind_label(entity_type: str) -> str:
    return KINDS.get(entity_type, OTHER)


def cause_label(cause: str) -> str:
    """A cause code from the table of causes (core.sync.causes); anything else as "other"."""
    return cause if _CAUSE.fullmatch(cause or "") else OTHER


def xero_call(tenant_id: str, *, status: int | None, answered: bool, problem: str | None = None) -> None:
    """One call through the gate: its answer's status (None: no answer), and Xero's limit for a 429."""
    org = bucket(tenant_id)
    if not answered or status is None:
        outcome = "no_answer"
    elif status == 429:
        outcome = "rate_limited"
        XERO_RATE_LIMITED.labels(org, limit_label(problem)).inc()
    elif status >= 500 or status == 408:
        outcome = "server_error"
    elif status >= 400:
        outcome = "client_error"
    else:
        outcome = "ok"
    XERO_CALLS.labels(org, outcome).inc()


def job_ran(job: str, seconds: float, *, ok: bool) -> None:
    JOB_DURATION.labels(job).observe(seconds)
    JOB_RUNS.labels(job, "ok" if ok else "failed").inc()
    if ok:
        JOB_LAST_SUCCESS.labels(job).set(time.time())


def pushed(entity_type: str, seconds: Iterable[float]) -> None:
    histogram = PUSH_LATENCY.labels(kind_label(entity_type))
    for value in seconds:
        histogram.observe(max(0.0, value))


_PENDING = "metrics_on_commit"


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Count once the session's transaction commits (never if it rolls back)."""
    session.info.setdefault(_PENDING, []).append(count)


def errors_opened(session: Session, cause: str) -> None:
    on_commit(session, ERRORS_OPENED.labels(cause_label(cause)).inc)


def errors_resolved(session: Session, causes: Iterable[str]) -> None:
    for cause in causes:
        on_commit(session, ERRORS_RESOLVED.labels(cause_label(cause)).inc)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for count in session.info.pop(_PENDING, ()):
        count()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
