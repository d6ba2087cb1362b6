"""The overview's figures from seeded rows, on SQLite and PostgreSQL: per-hour buckets, push latency percentiles,
the oldest unsynced change, companies needing attention first, a finance manager's own figures only, and a fixed
number of queries whatever the number of companies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import event, select

from core import clock, companies
from core.auth import SYSTEM, Actor
from core.connections import inactivity
from core.connections import lifecycle as connections
from core.health import overview as dashboard
from core.hub import Hub
from core.models.base import Company
from core.models.sync import (
    Connection,
    ConnectionState,
    Grant,
    OutboxEntry,
    OutboxState,
    RunState,
    SyncRun,
)
from core.sync import queue
from core.sync.errors import EntityRef, record
from tests.sync.connections.test_lifecycle import actor

HARBOUR, KOOKABURRA, TUI = "Harbour Bakery Ltd", "Kookaburra Plumbing Pty Ltd", "Tui Garden Supplies Ltd"
SAM, FIONA = "sam@hub.example", "fiona@harbourbakery.example"


def half_past() -> datetime:
    """Move the clock to the next half hour, so 'ten minutes ago' is in the current hour."""
    now = clock.now()
    target = now.replace(minute=30, second=0, microsecond=0)
    if target < now:
        target += timedelta(hours=1)
    clock.advance(target - now)
    return clock.now()


def company_id(hub: Hub, name: str) -> int:
    with hub.db.read() as session:
        found = session.scalar(select(Company.id).where(Company.name == name))
        assert found is not None
        return found


def connect_row(hub: Hub, name: str, state: ConnectionState = ConnectionState.CONNECTED, **values: object) -> int:
    cid, now = company_id(hub, name), clock.now()
    with hub.db.write() as session:
        grant = Grant(scopes="", access_token="", access_expires_at=now, created_at=now, updated_at=now)
        session.add(grant)
        session.flush()
        defaults = {
            "tenant_id": f"tenant-{cid}",
            "tenant_name": f"{name} (Xero)",
            "connected_at": now - timedelta(days=2),
            "last_activity_at": now - timedelta(days=1),
            "contacts_polled_at": now - timedelta(minutes=5),
            "state_changed_at": now,
        }
        session.add(Connection(company_id=cid, grant_id=grant.id, state=state, **{**defaults, **values}))
    return cid


def run(session, cid: int, job: str, finished: datetime, records: int) -> None:  # type: ignore[no-untyped-def]
    session.add(
        SyncRun(
            company_id=cid,
            job=job,
            state=RunState.DONE,
            requested_at=finished,
            not_before=finished,
            started_at=finished,
            finished_at=finished,
            records=records,
            api_calls=1,
        )
    )


def entry(session, cid: int, n: int, state: OutboxState, created: datetime, done: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    session.add(
        OutboxEntry(
            company_id=cid,
            entity_type="contact",
            entity_id=str(n),
            entity_version=1,
            operation="update",
            payload={},
            idempotency_key=f"k-{cid}-{n}",
            state=state,
            not_before=created,
            created_at=created,
            updated_at=done or created,
            done_at=done,
        )
    )


def build(hub: Hub, who: Actor) -> dashboard.Dashboard:
    with hub.db.read() as session:
        return dashboard.build(session, who, heartbeat_seconds=10, connection_cap=25)


def test_records_and_errors_are_bucketed_per_hour_over_the_last_day(seeded: Hub) -> None:
    now = half_past()
    harbour = connect_row(seeded, HARBOUR)
    with seeded.db.write() as session:
        run(session, harbour, "contacts_poll", now - timedelta(minutes=10), 5)
        run(session, harbour, "push", now - timedelta(minutes=20), 2)
        run(session, harbour, "push", now - timedelta(hours=2), 2)
        run(session, harbour, "payments_push", now - timedelta(hours=2), 1)
        run(session, harbour, "contacts_import", now - timedelta(hours=23), 40)
        run(session, harbour, "contacts_import", now - timedelta(hours=25), 1000)  # outside the window
        for n in range(2):
            record(session, company_id=harbour, code="validation", entity=EntityRef("contact", f"c{n}"))
        clock.advance(timedelta(hours=-3))
        record(session, company_id=harbour, code="validation", entity=EntityRef("contact", "old"))
        clock.advance(timedelta(hours=3))
    board = build(seeded, actor(seeded, SAM))
    assert len(board.hours) == 24 and board.hours[-1] == now.replace(minute=0, second=0, microsecond=0)
    assert board.pulled[-1] == 5 and board.pushed[-1] == 2 and board.pushed[-3] == 3
    assert board.pulled[0] == 40 and sum(board.pulled) == 45 and sum(board.pushed) == 5
    assert board.errors[-1] == 2 and board.errors[-4] == 1 and sum(board.errors) == 3


def test_push_latency_percentiles_count_only_changes_done_in_the_last_day(seeded: Hub) -> None:
    now = clock.now()
    harbour, tui = company_id(seeded, HARBOUR), company_id(seeded, TUI)
    with seeded.db.write() as session:
        for n in range(1, 101):  # 1 s .. 100 s
            entry(
                session,
                harbour,
                n,
                OutboxState.DONE,
                now - timedelta(minutes=30),
                now - timedelta(minutes=30) + timedelta(seconds=n),
            )
        entry(session, harbour, 500, OutboxState.DONE, now - timedelta(hours=40), now - timedelta(hours=30))
        entry(session, harbour, 501, OutboxState.PENDING, now - timedelta(hours=2))
        entry(session, tui, 600, OutboxState.DONE, now - timedelta(hours=1), now)  # 3,600 s, another company
    everyone = build(seeded, actor(seeded, SAM)).latency
    assert everyone is not None and everyone.sample == 101 and everyone.p50 == 51 and everyone.p95 == 96
    own = build(seeded, actor(seeded, FIONA)).latency
    assert own is not None and (own.p50, own.p95, own.sample) == (50, 95, 100)


def test_push_latency_counts_from_when_a_change_could_first_go(seeded: Hub) -> None:
    """A change the platform recorded before the company connected waited for the connection, not for the hub: it
    counts from the connection, so a fresh connect does not show a latency no edit ever had."""
    now = clock.now()
    connected = now - timedelta(minutes=10)
    harbour = connect_row(seeded, HARBOUR, connected_at=connected)
    with seeded.db.write() as session:
        for n in range(1, 21):  # recorded an hour before the connection, sent 2 s after it
            entry(session, harbour, n, OutboxState.DONE, now - timedelta(hours=1), connected + timedelta(seconds=2))
        entry(
            session, harbour, 99, OutboxState.DONE, now - timedelta(minutes=5), now - timedelta(minutes=5, seconds=-3)
        )
    latency = build(seeded, actor(seeded, SAM)).latency
    assert latency is not None and latency.sample == 21 and latency.p95 <= 3


def test_companies_needing_attention_come_first_most_urgent_first(seeded: Hub) -> None:
    now = clock.now()
    harbour = connect_row(seeded, HARBOUR)  # healthy
    tui = connect_row(seeded, TUI, ConnectionState.NEEDS_RECONNECT, state_reason="Access revoked in Xero.")
    kooka = connect_row(seeded, KOOKABURRA)
    with seeded.db.write() as session:
        record(session, company_id=kooka, code="contact_archived", entity=EntityRef("contact", "1", "Archway Ltd"))
        entry(session, kooka, 1, OutboxState.FAILED, now - timedelta(hours=3))
        entry(session, tui, 2, OutboxState.HELD, now - timedelta(hours=5))
    board = build(seeded, actor(seeded, SAM))
    names = [c.view.company for c in board.companies]
    assert names == [TUI, KOOKABURRA, HARBOUR]
    assert [c.view.company for c in board.attention] == [TUI, KOOKABURRA]
    tui_reasons = [r.text for r in board.companies[0].reasons]
    assert tui_reasons[0] == f"Needs reconnecting to Xero since {now.day} {now:%B %Y}: Access revoked in Xero."
    assert "1 change held until Xero is reconnected" in tui_reasons
    kooka_reasons = [(r.text, r.fix) for r in board.companies[1].reasons]
    assert kooka_reasons[0] == ("1 open sync error (latest: Contact archived in Xero)", "errors")
    assert ("A change has waited 3 h to reach Xero", "sync_runs") in kooka_reasons
    assert board.oldest_unsynced is not None and board.oldest_unsynced.view.company == KOOKABURRA
    assert board.states == {"Connected": 2, "Needs reconnect": 1}
    assert board.companies[2].view.company_id == harbour and not board.companies[2].reasons


def test_a_finance_manager_sees_only_their_company(seeded: Hub) -> None:
    connect_row(seeded, HARBOUR)
    tui = connect_row(seeded, TUI, ConnectionState.NEEDS_RECONNECT)
    with seeded.db.write() as session:
        record(session, company_id=tui, code="validation", entity=EntityRef("contact", "x"))
        run(session, tui, "push", clock.now(), 9)
    board = build(seeded, actor(seeded, FIONA))
    assert [c.view.company for c in board.companies] == [HARBOUR]
    assert sum(board.errors) == 0 and sum(board.pushed) == 0 and not board.attention


@contextmanager
def counting(hub: Hub) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(hub.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_companies(seeded: Hub) -> None:
    sam = actor(seeded, SAM)
    for name in (HARBOUR, TUI):
        connect_row(seeded, name)
    with counting(seeded) as few:
        build(seeded, sam)
    with seeded.db.write() as session:
        for n in range(12):
            made = companies.create(session, SYSTEM, name=f"Extra Company {n} Ltd", country="GB", base_currency="GBP")
            session.flush()
            record(session, company_id=made.id, code="validation", entity=EntityRef("contact", "1"))
    for n in range(12):
        connect_row(seeded, f"Extra Company {n} Ltd", contacts_polled_at=clock.now() - timedelta(hours=3))
    with counting(seeded) as many:
        board = build(seeded, sam)
    assert len(board.companies) == 15 and len(board.attention) == 12
    assert len(many) == len(few) <= 16, [s[:120] for s in many]


def ended(hub: Hub) -> None:
    """Harbour disconnected by its admin with a change held, Tui removed, Kookaburra idle for 61 days."""
    harbour, tui = connect_row(hub, HARBOUR), connect_row(hub, TUI)
    connect_row(hub, KOOKABURRA, last_activity_at=clock.now() - timedelta(days=61))
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub, FIONA), harbour)
        connections.remove(session, actor(hub, "mere@tuigarden.example"), tui)
        queue.queue(session, harbour, "contact", 1, 1, "update", {"email": "a@example.com"})
    inactivity.check(hub)


def test_disconnected_removed_and_auto_disconnected_companies_need_a_person(seeded: Hub) -> None:
    ended(seeded)
    today = clock.now()
    day = f"{today.day} {today:%B %Y}"
    board = build(seeded, actor(seeded, SAM))
    listed = {c.view.company: [(r.text, r.fix) for r in c.reasons] for c in board.attention}
    assert set(listed) == {HARBOUR, TUI, KOOKABURRA}
    assert listed[HARBOUR] == [
        (f"Disconnected from Xero by Fiona Hughes on {day}", "connections"),
        ("1 change held until Xero is reconnected", "connections"),
    ]
    assert listed[TUI] == [(f"Xero connection removed by Mere Parata on {day}: nothing is sent to Xero", "connections")]
    assert listed[KOOKABURRA] == [
        (f"Disconnected automatically on {day} after 60 days without activity", "connections")
    ]
    own = build(seeded, actor(seeded, FIONA))  # a finance manager's overview lists their own the same way
    assert own.attention[0].reasons[0].text == f"Disconnected from Xero by Fiona Hughes on {day}"


def test_the_number_of_queries_does_not_grow_with_ended_connections(seeded: Hub) -> None:
    sam = actor(seeded, SAM)
    ended(seeded)
    with counting(seeded) as few:
        build(seeded, sam)
    with seeded.db.write() as session:
        for n in range(12):
            companies.create(session, SYSTEM, name=f"Extra Company {n} Ltd", country="GB", base_currency="GBP")
    for n in range(12):
        state = ConnectionState.REMOVED if n % 2 else ConnectionState.DISCONNECTED
        connect_row(seeded, f"Extra Company {n} Ltd", state)
    with counting(seeded) as many:
        board = build(seeded, sam)
    assert len(board.attention) == 15
    assert len(many) == len(few), [s[:120] for s in many]
