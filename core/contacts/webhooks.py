"""Xero webhooks: check the signature, keep each event in the inbox at once, and let the sidecar turn its contact
events into targeted contact pulls (invoice and credit-note events are read by core.documents.xero_events). Xero's
rules are in xero-api-facts.md §7 (D-WH-SERVER: https://developer.xero.com/documentation/webhooks/
configuring-your-server): HMAC-SHA256 over the raw body, 200 or 401 within 5 seconds."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert

from core import clock
from core.db import Database
from core.hub import Hub
from core.models.contacts import WebhookEvent
from core.models.sync import ConnectionState
from core.settings import Settings
from core.sync import inbox, runs
from core.sync.inbox import DOCUMENT_CATEGORIES, NO_COMPANY, Linked, not_connected

# The webhook_events columns' widths: a longer value is not a Xero id, so the event is skipped, never truncated.
WIDTHS = {"tenantId": 64, "eventCategory": 40, "eventType": 40, "resourceId": 64}


def verify(key: str, body: bytes, signature: str | None) -> bool:
    """Whether x-xero-signature is base64(HMAC-SHA256(key, raw body)), compared in constant time."""
    if not key or not signature:
        return False
    try:
        presented = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, presented)


@dataclass(frozen=True)
class Incoming:
    """One event as Xero sent it, checked and ready to keep."""

    tenant_id: str
    category: str
    event_type: str
    resource_id: str
    event_date: datetime | None


@dataclass(frozen=True)
class Parsed:
    """A payload's events that can be kept, how many could not, and why (for the log)."""

    events: tuple[Incoming, ...] = ()
    skipped: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What receive() did: signed False means answer 401; otherwise 200 (see web/webhook_routes.py)."""

    signed: bool
    recorded: int = 0
    skipped: int = 0
    problem: str | None = None


def event_date(raw: object) -> datetime | None:
    """eventDateUtc such as 2024-06-21T01:15:39.902: zone-less UTC (facts §4); None if it is not a date."""
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_event(raw: object) -> Incoming | str:
    """One event, or the reason it cannot be kept."""
    if not isinstance(raw, dict):
        return "an event is not a JSON object"
    values: dict[str, str] = {}
    for name, width in WIDTHS.items():
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            return f"an event has no {name}"
        if len(value.strip()) > width:
            return f"an event's {name} is longer than {width} characters"
        values[name] = value.strip()
    return Incoming(
        tenant_id=values["tenantId"],
        category=values["eventCategory"].upper(),
        event_type=values["eventType"].upper(),
        resource_id=values["resourceId"],
        event_date=event_date(raw.get("eventDateUtc")),
    )


def parse(body: bytes) -> Parsed:
    """The payload {events, firstEventSequence, lastEventSequence, entropy}; bad parts are counted, never raised."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Parsed(problem="the body is not JSON")
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        return Parsed(problem="the body has no list of events")
    # The sequence numbers and entropy are not needed: Xero's order is a hint only (facts §7), and the
    # intent-to-receive check sends 0 although the spec says sequences start at 1.
    events: list[Incoming] = []
    reasons: list[str] = []
    for raw in payload["events"]:
        checked = parse_event(raw)
        if isinstance(checked, Incoming):
            events.append(checked)
        else:
            reasons.append(checked)
    problem = f"{len(reasons)} events skipped ({reasons[0]})" if reasons else None
    return Parsed(events=tuple(events), skipped=len(reasons), problem=problem)


def receive(
    db: Database,
    settings: Settings,
    body: bytes,
    signature: str | None,
    *,
    ready: Callable[[], None] | None = None,
) -> Outcome:
    """Verify, parse and keep every event in one short transaction; `ready` runs only before a write."""
    if not verify(settings.xero_webhook_key.value, body, signature):
        return Outcome(signed=False)
    parsed = parse(body)
    # A signed but malformed payload still gets 200: it came from Xero, retrying the same bytes cannot help, and
    # failed deliveries end with Xero disabling the webhook (facts §7). Polling catches whatever it carried.
    if not parsed.events:  # Xero's intent-to-receive check: no events, so no database needed
        return Outcome(signed=True, skipped=parsed.skipped, problem=parsed.problem)
    if ready is not None:
        ready()
    now = clock.now()
    rows = [
        {
            "received_at": now,
            "tenant_id": e.tenant_id,
            "category": e.category,
            "event_type": e.event_type,
            "resource_id": e.resource_id,
            "event_date": e.event_date,
            "attempts": 0,
        }
        for e in parsed.events
    ]
    with db.write() as session:
        session.execute(insert(WebhookEvent), rows)
    return Outcome(signed=True, recorded=len(rows), skipped=parsed.skipped, problem=parsed.problem)


@dataclass(frozen=True)
class Waiting:
    """An inbox row waiting to be acted on."""

    id: int
    tenant_id: str
    category: str
    resource_id: str


@dataclass(frozen=True)
class Plan:
    """Contact ids to pull per company, and the outcome each inbox row is marked with."""

    pulls: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    outcomes: Mapping[int, str] = field(default_factory=dict)


def plan(waiting: Iterable[Waiting], links: Mapping[str, list[Linked]]) -> Plan:
    """Decide, without I/O, what each waiting event becomes."""
    pulls: dict[int, list[str]] = defaultdict(list)
    outcomes: dict[int, str] = {}
    for event in waiting:
        linked = links.get(event.tenant_id, [])
        if not linked:
            outcomes[event.id] = NO_COMPANY
        elif event.category != "CONTACT":
            outcomes[event.id] = f"ignored: the hub does not use {event.category} events"
        else:
            connected = sorted(c.company_id for c in linked if c.state == ConnectionState.CONNECTED)
            for company_id in connected:
                if event.resource_id not in pulls[company_id]:
                    pulls[company_id].append(event.resource_id)
            if connected:
                companies = ", ".join(str(c) for c in connected)
                outcomes[event.id] = f"contacts update asked for (company {companies})"
            else:
                outcomes[event.id] = (
                    f"not pulled: the company's connection is {not_connected(linked)}; "
                    "the contacts poll picks the change up once it is connected again"
                )
    return Plan(pulls={k: tuple(v) for k, v in pulls.items()}, outcomes=outcomes)


def process(hub: Hub, *, limit: int = 200) -> str:
    """Turn waiting contact (and unused) events into contacts_webhook runs (one per company, ids merged); mark each
    event once. Invoice and credit-note events are core.documents.xero_events'."""
    with hub.db.write() as session:
        rows = inbox.claim(session, dialect=hub.db.dialect, limit=limit, besides=DOCUMENT_CATEGORIES)
        if not rows:
            return "no webhook events waiting"
        linked = inbox.links(session, {r.tenant_id for r in rows})
        decided = plan((Waiting(r.id, r.tenant_id, r.category, r.resource_id) for r in rows), linked)
        for company_id, ids in sorted(decided.pulls.items()):
            inbox.lock_waiting_run(session, company_id, "contacts_webhook")
            runs.request(session, company_id=company_id, job="contacts_webhook", ids=list(ids))
        inbox.mark(rows, decided.outcomes)
    pulled = sum(len(ids) for ids in decided.pulls.values())
    return f"{len(rows)} webhook events processed: {pulled} contacts to pull for {len(decided.pulls)} companies"
