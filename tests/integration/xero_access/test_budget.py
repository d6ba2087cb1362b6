"""Xero's call budget shared through the database, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

from core import clock
from core.hub import Hub
from core.xero.client import Budget
from core.xero_access import budget

TENANT = "fe7792d2-6456-41ea-8189-1fda0cc1437f"


def test_five_calls_in_flight_at_most_across_threads(hub: Hub) -> None:
    slots: list[budget.Slot] = []
    waits: list[budget.Wait] = []
    lock = threading.Lock()

    def take() -> None:
        got = budget.acquire(hub.db, TENANT)
        with lock:
            (slots if isinstance(got, budget.Slot) else waits).append(got)  # type: ignore[arg-type]

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slots) == 5 and len(waits) == 3 and {w.reason for w in waits} == {"concurrent"}
    budget.release(hub.db, slots[0], Budget(minute=55, day=4990, app_minute=9990))
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)
    with hub.db.read() as session:
        shown = budget.view(session, TENANT)
    assert (shown.minute_remaining, shown.day_remaining) == (55, 4990)


def test_a_crashed_callers_slot_expires(hub: Hub) -> None:
    for _ in range(5):
        assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Wait)
    clock.advance(budget.SLOT_LIFETIME + timedelta(seconds=1))
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)


def test_429_pauses_every_process_and_the_minute_figure_is_respected(hub: Hub) -> None:
    budget.pause(hub.db, TENANT, 42, "minute")
    wait = budget.acquire(hub.db, TENANT)
    assert isinstance(wait, budget.Wait) and wait.reason == "minute" and 41 <= wait.seconds <= 42
    clock.advance(timedelta(seconds=43))
    slot = budget.acquire(hub.db, TENANT)
    assert isinstance(slot, budget.Slot)
    budget.release(hub.db, slot, Budget(minute=0, day=100, app_minute=9000))
    spent = budget.acquire(hub.db, TENANT)
    assert isinstance(spent, budget.Wait) and spent.reason == "minute"
    clock.advance(timedelta(seconds=61))
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)


def test_a_spent_day_stops_the_organisation_until_xero_resets_it(hub: Hub) -> None:
    budget.pause(hub.db, TENANT, 5 * 3600, "day")
    with hub.db.read() as session:
        shown = budget.view(session, TENANT)
    assert shown.day_remaining == 0 and shown.pause_reason == "day" and shown.paused_until is not None
    clock.advance(timedelta(hours=5, seconds=1))
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)


def test_an_app_wide_pause_holds_every_organisation(hub: Hub) -> None:
    other = "0b6c7a1e-8f37-4a51-9d0e-3c2b1a4f5e6d"
    budget.pause(hub.db, budget.APP, 30, "appminute")
    for tenant in (TENANT, other):
        wait = budget.acquire(hub.db, tenant)
        assert isinstance(wait, budget.Wait) and wait.reason == "appminute" and 29 <= wait.seconds <= 30
    held = budget.held(hub.db, other)
    assert held is not None and held.reason == "appminute"
    with hub.db.read() as session:
        assert budget.view(session, other).pause_reason == "appminute"
    clock.advance(timedelta(seconds=31))
    assert budget.held(hub.db, other) is None
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)


def test_a_day_reported_spent_holds_the_organisation_until_one_probe(hub: Hub) -> None:
    slot = budget.acquire(hub.db, TENANT)
    assert isinstance(slot, budget.Slot)
    budget.release(hub.db, slot, Budget(minute=50, day=0, app_minute=9000))
    wait = budget.acquire(hub.db, TENANT)
    assert isinstance(wait, budget.Wait) and wait.reason == "day"
    assert wait.seconds <= budget.DAY_PROBE.total_seconds()
    clock.advance(budget.DAY_PROBE + timedelta(seconds=1))
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)


def test_calls_in_flight_count_against_what_is_left_of_the_minute(hub: Hub) -> None:
    first = budget.acquire(hub.db, TENANT)
    assert isinstance(first, budget.Slot)
    budget.release(hub.db, first, Budget(minute=2, day=4000, app_minute=9000))  # two calls left this minute
    flying = [budget.acquire(hub.db, TENANT), budget.acquire(hub.db, TENANT)]
    assert all(isinstance(s, budget.Slot) for s in flying)
    third = budget.acquire(hub.db, TENANT)  # both of the minute's last calls are in flight: a third would be a 429
    assert isinstance(third, budget.Wait) and third.reason == "concurrent"
    budget.release(hub.db, flying[0], Budget(minute=1, day=3999, app_minute=8999))
    budget.release(hub.db, flying[1], Budget(minute=0, day=3998, app_minute=8998))
    spent = budget.acquire(hub.db, TENANT)
    assert isinstance(spent, budget.Wait) and spent.reason == "minute"
    clock.advance(timedelta(seconds=62))
    assert isinstance(budget.acquire(hub.db, TENANT), budget.Slot)
