"""The outbox on SQLite and PostgreSQL: enqueue, coalesce, lease, retry, hold, discard, and concurrent workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from core import clock
from core.health import sidecar
from core.hub import Hub
from core.models.base import Company
from core.models.sync import OutboxEntry, OutboxState, SyncError
from core.push import executor
from core.settings import PROJECT_ROOT
from core.sync import backlog, errors, outbox
from core.xero.outcomes import Transient


def company(hub: Hub) -> int:
    with hub.db.read() as session:
        found = session.scalar(select(Company.id).order_by(Company.id).limit(1))
        assert found is not None
        return found


def add(hub: Hub, entity_id: str, version: int = 1, **payload: object) -> int:
    with hub.db.write() as session:
        return outbox.enqueue(
            session,
            company_id=company(hub),
            entity_type="contact",
            entity_id=entity_id,
            version=version,
            operation="update",
            payload=payload or {"Name": entity_id},
        ).id


def state_of(hub: Hub, entry_id: int) -> OutboxState:
    with hub.db.read() as session:
        entry = session.get(OutboxEntry, entry_id)
        assert entry is not None
        return entry.state


def test_claim_then_complete(seeded: Hub) -> None:
    entry_id = add(seeded, "c1")
    (claimed,) = outbox.claim(seeded.db, worker="w1")
    assert claimed.id == entry_id and claimed.idempotency_key == "contact:c1:v1" and claimed.attempts == 1
    assert outbox.claim(seeded.db, worker="w2") == []
    with seeded.db.write() as session:
        assert outbox.complete(session, entry_id, worker="w1", xero_id="xero-1")
    assert state_of(seeded, entry_id) is OutboxState.DONE


def test_pending_changes_to_one_record_coalesce(seeded: Hub) -> None:
    # Each payload is the record's whole difference from what Xero last had, so the newest replaces the waiting one.
    first = add(seeded, "c1", 1, Name="Old name", EmailAddress="a@example.com")
    second = add(seeded, "c1", 2, Name="New name", EmailAddress="a@example.com")
    assert first == second
    (claimed,) = outbox.claim(seeded.db, worker="w1")
    assert claimed.payload == {"Name": "New name", "EmailAddress": "a@example.com"}
    assert claimed.entity_version == 2 and claimed.idempotency_key == "contact:c1:v2"


def test_a_record_is_never_pushed_twice_at_once(seeded: Hub) -> None:
    add(seeded, "c1", 1)
    (first,) = outbox.claim(seeded.db, worker="w1")
    later = add(seeded, "c1", 2, Name="v2")
    assert later != first.id
    assert outbox.claim(seeded.db, worker="w2") == []  # version 1 is still in flight
    with seeded.db.write() as session:
        outbox.complete(session, first.id, worker="w1")
    (second,) = outbox.claim(seeded.db, worker="w2")
    assert second.id == later and second.entity_version == 2


def test_an_expired_lease_is_claimed_again_and_the_old_worker_cannot_settle(seeded: Hub) -> None:
    entry_id = add(seeded, "c1")
    outbox.claim(seeded.db, worker="w1")
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    (again,) = outbox.claim(seeded.db, worker="w2")
    assert again.id == entry_id and again.attempts == 2
    with seeded.db.write() as session:
        assert not outbox.complete(session, entry_id, worker="w1")
        assert outbox.complete(session, entry_id, worker="w2")


def test_retry_later_respects_backoff_and_retry_after(seeded: Hub) -> None:
    entry_id = add(seeded, "c1")
    outbox.claim(seeded.db, worker="w1")
    with seeded.db.write() as session:
        outbox.retry_later(session, entry_id, worker="w1", failures=1, not_before=clock.now() + timedelta(seconds=50))
    assert outbox.claim(seeded.db, worker="w1") == []
    clock.advance(timedelta(seconds=49))
    assert outbox.claim(seeded.db, worker="w1") == []
    clock.advance(timedelta(seconds=2))
    assert [c.id for c in outbox.claim(seeded.db, worker="w1")] == [entry_id]


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    import random

    rng = random.Random(7)
    for attempts, low, high in [(1, 2.5, 5), (3, 10, 20), (30, 450, 900)]:
        for _ in range(50):
            assert low <= outbox.backoff(attempts, rng=rng).total_seconds() <= high


def test_failed_entries_wait_for_a_person(seeded: Hub) -> None:
    from core.sync import errors

    entry_id = add(seeded, "c1")
    outbox.claim(seeded.db, worker="w1")
    with seeded.db.write() as session:
        error = errors.record(
            session, company_id=company(seeded), code="contact_archived", entity=errors.EntityRef("contact", "c1")
        )
        outbox.fail(session, entry_id, worker="w1", error_id=error.id)
    assert outbox.claim(seeded.db, worker="w1") == []
    with seeded.db.write() as session:
        assert outbox.retry(session, [entry_id]) == 1
    assert [c.id for c in outbox.claim(seeded.db, worker="w1")] == [entry_id]


def test_disconnect_holds_reconnect_releases_remove_discards(seeded: Hub) -> None:
    ids = [add(seeded, f"c{i}") for i in range(3)]
    cid = company(seeded)
    with seeded.db.write() as session:
        assert backlog.hold_company(session, cid) == 3
    assert outbox.claim(seeded.db, worker="w") == []
    with seeded.db.write() as session:
        assert backlog.release_company(session, cid) == 3
        assert sorted(backlog.discard_company(session, cid)) == sorted(ids)
    assert {state_of(seeded, i) for i in ids} == {OutboxState.DISCARDED}
    assert outbox.claim(seeded.db, worker="w") == []


def test_concurrent_workers_never_claim_the_same_entry(seeded: Hub) -> None:
    with seeded.db.write() as session:
        for i in range(300):
            outbox.enqueue(
                session,
                company_id=company(seeded),
                entity_type="contact",
                entity_id=f"c{i}",
                version=1,
                operation="update",
                payload={"n": i},
            )
    claimed: dict[int, str] = {}
    duplicates: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while batch := outbox.claim(seeded.db, worker=name, limit=7):
            with lock:
                for entry in batch:
                    if entry.id in claimed:
                        duplicates.append(entry.id)
                    claimed[entry.id] = name
            with seeded.db.write() as session:
                for entry in batch:
                    assert outbox.complete(session, entry.id, worker=name)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert duplicates == [] and len(claimed) == 300
    assert len(set(claimed.values())) > 1  # the work really was shared
    with seeded.db.read() as session:
        done = session.scalar(select(func.count()).where(OutboxEntry.state == OutboxState.DONE))
    assert done == 300


KILLED_WORKER = """
import sys, time
from core.sync import outbox
from core.db import Database
claimed = outbox.claim(Database(sys.argv[1]), worker="doomed", limit=100)
print(len(claimed), flush=True)
time.sleep(60)
"""


def test_a_worker_killed_mid_lease_loses_nothing(seeded: Hub) -> None:
    ids = {add(seeded, f"c{i}") for i in range(5)}
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, seeded.db.url],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert worker.stdout is not None and worker.stdout.readline().strip() == "5"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert {state_of(seeded, i) for i in ids} == {OutboxState.LEASED}
    assert outbox.claim(seeded.db, worker="survivor") == []
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    time.sleep(0.01)
    assert {c.id for c in outbox.claim(seeded.db, worker="survivor")} == ids


def test_a_records_changes_go_out_in_order(seeded: Hub) -> None:
    """An earlier change that failed (waiting for a person) holds back a later one of the same record."""
    from core.sync import errors

    first = add(seeded, "c1", 1)
    outbox.claim(seeded.db, worker="w1")
    with seeded.db.write() as session:
        error = errors.record(
            session, company_id=company(seeded), code="validation", entity=errors.EntityRef("contact", "c1")
        )
        outbox.fail(session, first, worker="w1", error_id=error.id)
        # A create of another kind for the same record, enqueued after the failure, waits behind it.
        later = outbox.enqueue(
            session,
            company_id=company(seeded),
            entity_type="contact",
            entity_id="c1",
            version=2,
            operation="archive",
            payload={"archived": True},
        ).id
    other = add(seeded, "c2")
    assert [c.id for c in outbox.claim(seeded.db, worker="w1")] == [other]
    with seeded.db.write() as session:
        outbox.retry(session, [first])
    assert [c.id for c in outbox.claim(seeded.db, worker="w1")] == [first]
    assert later != first


def test_disconnect_leaves_an_entry_in_flight_to_its_worker(seeded: Hub) -> None:
    entry_id = add(seeded, "c1")
    outbox.claim(seeded.db, worker="w1")
    with seeded.db.write() as session:
        assert backlog.hold_company(session, company(seeded)) == 0
        assert outbox.complete(session, entry_id, worker="w1", xero_id="x-1")
    assert state_of(seeded, entry_id) is OutboxState.DONE


def test_a_claim_stays_fast_over_a_big_backlog_before_the_database_has_statistics(seeded: Hub) -> None:
    # A backfill queues thousands of changes at once; PostgreSQL has no statistics for them until autovacuum runs,
    # and a correlated anti-join then checked every waiting change against every other (45 s a claim at 10,000).
    owner, now = company(seeded), clock.now()
    rows = [
        {
            "company_id": owner,
            "entity_type": "document",
            "entity_id": str(n),
            "entity_version": 1,
            "operation": "create",
            "payload": {},
            "idempotency_key": f"document:{n}:v1",
            "state": OutboxState.PENDING.value,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(6000)
    ]
    with seeded.db.write() as session:
        session.execute(OutboxEntry.__table__.insert(), rows)
        session.execute(OutboxEntry.__table__.insert(), [{**rows[0], "entity_version": 2, "idempotency_key": "v2"}])
    started = time.perf_counter()
    claimed = outbox.claim(seeded.db, worker="w", limit=200, company_id=owner, entity_type="document")
    took = time.perf_counter() - started
    assert len(claimed) == 200 and took < 3, f"{took:.1f} s"
    assert [c.entity_id for c in claimed][:2] == ["0", "1"]  # oldest first
    again = outbox.claim(seeded.db, worker="w2", limit=6000, company_id=owner, entity_type="document")
    assert len(again) == 5800  # the second version of record 0 waits for the first, which is in flight


def test_one_failure_after_many_waits_backs_off_by_failures_not_claims(seeded: Hub) -> None:
    """Waits (for a contact, for Xero's accounts, a lease a killed sidecar left) are claims but not failures: one
    outage after many of them is tried again within seconds, not parked for an hour, and stays quiet (a blip)."""
    entry_id = add(seeded, "c1")
    entity = errors.EntityRef("contact", "c1")
    for _ in range(16):
        (claimed,) = outbox.claim(seeded.db, worker="w1")
        with seeded.db.write() as session:
            executor.retry(session, claimed, entity, worker="w1")
        clock.advance(timedelta(seconds=10))
    (claimed,) = outbox.claim(seeded.db, worker="w1")
    assert claimed.attempts == 17
    with seeded.db.write() as session:
        executor.retry(session, claimed, entity, worker="w1", problem=Transient("Xero is down.", status=503))
    clock.advance(timedelta(seconds=6))
    assert [c.id for c in outbox.claim(seeded.db, worker="w1")] == [entry_id]
    with seeded.db.read() as session:
        assert session.scalars(select(SyncError)).all() == []


def test_a_sidecar_that_stops_or_dies_leaves_no_lease_to_wait_for(seeded: Hub) -> None:
    """A stopped sidecar's leases are free at once; a killed one's once its heartbeat is long silent (well inside
    the lease, well past any pause a live sidecar has), so its changes are not stuck for the lease's two minutes."""
    started = clock.now()
    for n, instance in enumerate(("stopped-1", "killed-1", "alive-1")):
        add(seeded, f"c{n}")
        with seeded.db.write() as session:
            sidecar.beat(session, instance_id=instance, hostname="h", pid=n, started_at=started)
        outbox.claim(seeded.db, worker=instance, limit=1)
    with seeded.db.write() as session:
        sidecar.stop(session, instance_id="stopped-1")
    assert [c.entity_id for c in outbox.claim(seeded.db, worker="other")] == ["c0"]
    clock.advance(timedelta(seconds=61))
    with seeded.db.write() as session:
        sidecar.beat(session, instance_id="alive-1", hostname="h", pid=2, started_at=started)
    assert [c.entity_id for c in outbox.claim(seeded.db, worker="other")] == ["c1"]  # alive-1 keeps its lease
