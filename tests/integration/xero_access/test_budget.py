"""Xero's call budget shared through the database, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

from core import clock
from core.hub import Hub
from core.models.sync import XeroBudget
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


OTHER = "0b6c7a1e-8f37-4a51-9d0e-3c2b1a4f5e6d"


def _app_row(hub: Hub) -> XeroBudget | None:
    with hub.db.read() as session:
        return session.get(XeroBudget, budget.APP)


def test_far_from_the_app_minute_limit_no_process_writes_the_app_row(hub: Hub) -> None:
    slot = budget.acquire(hub.db, TENANT)
    assert isinstance(slot, budget.Slot)
    budget.release(hub.db, slot, Budget(minute=59, day=4999, app_minute=budget.APP_WATCH))
    assert _app_row(hub) is None  # one hot row under every call would serialise every organisation


def test_near_the_app_minute_limit_calls_in_flight_to_any_organisation_count_against_it(hub: Hub) -> None:
    first = budget.acquire(hub.db, TENANT)
    assert isinstance(first, budget.Slot)
    budget.release(hub.db, first, Budget(minute=59, day=4999, app_minute=3))  # three calls left for the whole app
    flying = [budget.acquire(hub.db, TENANT), budget.acquire(hub.db, OTHER), budget.acquire(hub.db, OTHER)]
    assert all(isinstance(s, budget.Slot) for s in flying)
    fourth = budget.acquire(hub.db, TENANT)  # the app's last three calls are in flight: a fourth would be a 429
    assert isinstance(fourth, budget.Wait) and fourth.reason == "appminute" and fourth.seconds == 1
    for left, slot in zip((2, 1, 0), flying, strict=True):
        budget.release(hub.db, slot, Budget(minute=58, day=4998, app_minute=left))  # type: ignore[arg-type]
    for tenant in (TENANT, OTHER):  # spent: every organisation waits for the app's next minute, without asking
        wait = budget.acquire(hub.db, tenant)
        assert isinstance(wait, budget.Wait) and wait.reason == "appminute" and 55 <= wait.seconds <= 62
        held = budget.held(hub.db, tenant)
        assert held is not None and held.reason == "appminute"
    clock.advance(timedelta(seconds=62))
    again = budget.acquire(hub.db, OTHER)
    assert isinstance(again, budget.Slot)
    budget.release(hub.db, again, Budget(minute=59, day=4997, app_minute=9_999))  # Xero's new minute: full again
    row = _app_row(hub)
    assert row is not None and row.minute_remaining is None  # far from the limit again: no longer counted


def test_an_answer_that_comes_back_late_never_raises_what_is_left_of_the_apps_minute(hub: Hub) -> None:
    slots = [budget.acquire(hub.db, TENANT), budget.acquire(hub.db, OTHER)]
    assert all(isinstance(s, budget.Slot) for s in slots)
    budget.release(hub.db, slots[1], Budget(minute=59, day=4999, app_minute=5))  # type: ignore[arg-type]
    budget.release(hub.db, slots[0], Budget(minute=59, day=4999, app_minute=6))  # type: ignore[arg-type]
    row = _app_row(hub)
    assert row is not None and row.minute_remaining == 5


def test_two_processes_never_both_take_the_apps_last_call(hub: Hub) -> None:
    first = budget.acquire(hub.db, TENANT)
    assert isinstance(first, budget.Slot)
    budget.release(hub.db, first, Budget(minute=59, day=4999, app_minute=4))
    tenants = [f"{k:08d}-0000-4000-8000-000000000000" for k in range(8)]
    taken: list[budget.Slot] = []
    start = threading.Barrier(len(tenants))

    def take(tenant: str) -> None:
        start.wait()
        got = budget.acquire(hub.db, tenant)
        if isinstance(got, budget.Slot):
            taken.append(got)

    threads = [threading.Thread(target=take, args=(t,)) for t in tenants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 4  # eight organisations at once, four calls left for the app
