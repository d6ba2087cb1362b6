"""Calling Xero for a connection through core.xero_access.gate, against the simulator over real HTTP, on both databases:
refused access and expired grants end in "needs reconnect" once, 429s and spent days pause every process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.crypto import Vault
from core.hub import Hub
from core.models.base import Company
from core.models.sync import Connection, ConnectionState, ErrorStatus, SyncError
from core.xero import outcomes
from core.xero_access import budget, gate, grants
from tests import control
from tests.conftest import make_settings
from tests.sandbox.conftest import HARBOUR, Simulator

FIONA = "fiona@harbourbakery.example"  # the Xero user who connects Harbour Bakery in sim.connect()


@dataclass
class Linked:
    hub: Hub
    sim: Simulator
    connection_id: int
    grant_id: int

    def calls(self) -> list[dict]:
        """The simulator's request log (every call that reached "Xero")."""
        return self.sim.control("GET", "/requests", limit=10000)

    def organisation(self, **options: float) -> dict:
        with gate.organisation(self.hub, self.connection_id, worker="test", **options) as xero:
            return xero.organisation()

    def connection(self) -> Connection:
        with self.hub.db.read() as session:
            row = session.get(Connection, self.connection_id)
            assert row is not None
            return row

    def errors(self) -> list[SyncError]:
        with self.hub.db.read() as session:
            return list(session.scalars(select(SyncError).where(SyncError.status == ErrorStatus.OPEN)))

    def view(self) -> budget.View:
        with self.hub.db.read() as session:
            return budget.view(session, HARBOUR)

    def move_clocks(self, seconds: float) -> None:
        """Time passes for the hub and for Xero alike."""
        clock.advance(timedelta(seconds=seconds))
        self.sim.control("POST", "/clock/advance", seconds=seconds)


@pytest.fixture
def linked(seeded: Hub, sim: Simulator, tmp_path) -> Iterator[Linked]:  # type: ignore[no-untyped-def]
    """Harbour Bakery connected to its Xero organisation through Fiona's grant; the simulator restored after."""
    hub = Hub(
        settings=make_settings(seeded.db.url, tmp_path, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url), db=seeded.db
    )
    tokens = sim.connect(FIONA)
    with hub.db.write() as session:
        grant = grants.save_tokens(session, Vault(hub.settings), None, tokens)
        company = session.scalar(select(Company.id).where(Company.name == "Harbour Bakery Ltd"))
        assert company is not None
        row = Connection(
            company_id=company,
            grant_id=grant.id,
            state=ConnectionState.CONNECTED,
            tenant_id=HARBOUR,
            pinned_tenant_id=HARBOUR,
            connected_at=clock.now(),
            state_changed_at=clock.now(),
        )
        session.add(row)
        session.flush()
        ids = row.id, grant.id
    yield Linked(hub, sim, *ids)
    control.delete(f"{sim.url}/_sandbox/faults")
    sim.control("POST", "/limits", concurrent=5, minute=60, day=5000, appMinute=10_000)


def spend(linked: Linked, calls: int) -> None:
    """A caller that bypasses the hub's budget (as a crashed process would) spends the organisation's calls."""
    token = grants.access_token(linked.hub.db, linked.hub.settings, linked.grant_id, worker="other")
    with linked.sim.api(token) as other:
        for _ in range(calls):
            assert other.get("/Organisation").status_code == 200


def test_calls_go_through_and_keep_xeros_figures(linked: Linked) -> None:
    assert linked.organisation()["Name"] == "Harbour Bakery Ltd"
    shown = linked.view()
    assert (shown.minute_remaining, shown.day_remaining, shown.paused_until) == (59, 4999, None)


def test_revoked_access_needs_reconnect_once(linked: Linked) -> None:
    linked.sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    with pytest.raises(outcomes.ReconnectNeeded):
        linked.organisation()
    assert linked.connection().state is ConnectionState.NEEDS_RECONNECT
    (error,) = linked.errors()
    assert error.cause == "access_revoked" and error.connection_id == linked.connection_id
    assert error.raw_response is not None and error.raw_response["status"] in (401, 403)
    before = linked.calls()
    with pytest.raises(outcomes.ReconnectNeeded, match="needs a reconnect"):
        linked.organisation()
    assert linked.calls() == before  # Xero is not asked again
    assert len(linked.errors()) == 1 and linked.errors()[0].occurrences == 1


def test_a_removed_xero_user_needs_reconnect(linked: Linked) -> None:
    linked.sim.control("POST", f"/orgs/{HARBOUR}/users/{FIONA}/remove")
    with gate.organisation(linked.hub, linked.connection_id, worker="test") as xero:
        with pytest.raises(outcomes.ReconnectNeeded, match="AuthenticationUnsuccessful"):
            xero.organisation()
        before = linked.calls()
        with pytest.raises(outcomes.ReconnectNeeded):  # the same client does not ask Xero again either
            xero.organisation()
        assert linked.calls() == before
    assert linked.connection().state is ConnectionState.NEEDS_RECONNECT
    assert [e.cause for e in linked.errors()] == ["access_revoked"]


def test_a_refresh_token_past_its_life_needs_reconnect_without_a_loop(linked: Linked) -> None:
    linked.move_clocks(61 * 24 * 3600)  # refresh tokens unused for 60 days expire
    with pytest.raises(outcomes.ReconnectNeeded, match="invalid_grant"):
        linked.organisation()
    with pytest.raises(outcomes.ReconnectNeeded):
        linked.organisation()
    refreshes = [r for r in linked.calls() if r["path"] == "/connect/token"]
    assert len(refreshes) == 2 and [r["status"] for r in refreshes] == [200, 400]  # the connect, one refresh
    assert not [r for r in linked.calls() if r["path"].startswith("/api.xro/")]
    assert linked.connection().state is ConnectionState.NEEDS_RECONNECT
    assert [e.cause for e in linked.errors()] == ["token_revoked"]


def test_an_access_token_expired_mid_call_is_refreshed_once(linked: Linked) -> None:
    token, organisation = "/connect/token", "/api.xro/2.0/Organisation"

    def log() -> list[tuple[str, int]]:
        return [(r["path"], r["status"]) for r in linked.calls() if r["path"] in (token, organisation)]

    linked.sim.control("POST", "/clock/advance", seconds=31 * 60)  # Xero's clock is ahead of ours
    assert linked.organisation()["Name"] == "Harbour Bakery Ltd"
    assert log() == [(token, 200), (organisation, 401), (token, 200), (organisation, 200)]
    assert linked.organisation()["Name"] == "Harbour Bakery Ltd"  # the fresh token was stored and is used
    assert log()[4:] == [(organisation, 200)]
    assert linked.connection().state is ConnectionState.CONNECTED and linked.errors() == []


def test_429_pauses_the_organisation_for_every_process(linked: Linked) -> None:
    linked.sim.control("POST", "/limits", minute=3)
    spend(linked, 3)
    with pytest.raises(outcomes.RetryAfter) as caught:
        linked.organisation()
    seconds = caught.value.seconds
    assert caught.value.status == 429 and caught.value.problem == "minute" and 50 <= seconds <= 60
    paused = linked.view()
    assert paused.pause_reason == "minute" and paused.paused_until is not None
    assert abs((paused.paused_until - clock.now()).total_seconds() - seconds) < 5
    before = linked.calls()
    with pytest.raises(outcomes.RetryAfter) as again:  # another "process": the gate answers, Xero is not asked
        linked.organisation(max_wait_seconds=1)
    assert again.value.status is None and 45 <= again.value.seconds <= 60
    assert linked.calls() == before
    linked.move_clocks(seconds + 1)
    assert linked.organisation()["Name"] == "Harbour Bakery Ltd"


def test_the_gate_stops_at_a_spent_minute_and_sleeps_through_short_waits(linked: Linked) -> None:
    linked.sim.control("POST", "/limits", minute=2)
    linked.organisation()
    linked.organisation()
    before = linked.calls()
    with pytest.raises(outcomes.RetryAfter) as caught:  # Xero said 0 left this minute: not asked a third time
        linked.organisation()
    assert caught.value.problem == "minute" and linked.calls() == before
    linked.move_clocks(60)
    budget.pause(linked.hub.db, HARBOUR, 1, "minute")
    assert linked.organisation(max_wait_seconds=3)["Name"] == "Harbour Bakery Ltd"  # slept through 1 s


def test_the_daily_budget_stops_calls_until_xeros_day_resets(linked: Linked) -> None:
    linked.sim.control("POST", "/limits", day=3)
    spend(linked, 3)
    with pytest.raises(outcomes.DailyBudgetSpent) as caught:
        linked.organisation()
    seconds = caught.value.seconds
    assert caught.value.status == 429 and seconds > 23 * 3600
    shown = linked.view()
    assert shown.day_remaining == 0 and shown.pause_reason == "day" and shown.paused_until is not None
    before = linked.calls()
    linked.move_clocks(3600)
    with pytest.raises(outcomes.DailyBudgetSpent) as again:
        linked.organisation()
    assert again.value.problem == "day" and abs(again.value.seconds - (seconds - 3600)) < 5
    assert linked.calls() == before
    linked.move_clocks(seconds - 3600 + 1)
    assert linked.organisation()["Name"] == "Harbour Bakery Ltd"
    assert linked.view().day_remaining == 2


def test_a_day_reported_spent_is_honoured_before_any_429(linked: Linked) -> None:
    linked.sim.control("POST", "/limits", day=1)
    linked.organisation()  # Xero answers, saying 0 calls are left today
    before = linked.calls()
    with pytest.raises(outcomes.DailyBudgetSpent):
        linked.organisation()
    assert linked.calls() == before and linked.view().day_remaining == 0
    linked.move_clocks(budget.DAY_PROBE.total_seconds() + 1)  # one probe learns when Xero's day resets
    with pytest.raises(outcomes.DailyBudgetSpent) as probe:
        linked.organisation()
    assert probe.value.status == 429 and linked.view().pause_reason == "day"


def test_the_app_minute_limit_pauses_the_whole_app(linked: Linked) -> None:
    linked.sim.control("POST", "/limits", appMinute=2)
    spend(linked, 2)
    with pytest.raises(outcomes.RetryAfter) as caught:
        linked.organisation()
    assert caught.value.problem == "appminute"
    with linked.hub.db.read() as session:
        assert budget.view(session, "some-other-organisation").pause_reason == "appminute"
    assert isinstance(budget.acquire(linked.hub.db, "some-other-organisation"), budget.Wait)
    before = linked.calls()
    with pytest.raises(outcomes.RetryAfter):
        linked.organisation()
    assert linked.calls() == before


def test_near_the_app_minute_limit_calls_stop_before_xero_refuses_one(linked: Linked) -> None:
    linked.sim.control("POST", "/limits", appMinute=4)
    answered: list[str] = []
    refused: list[str] = []

    def caller() -> None:  # three workers at once, as sidecars share a backlog
        while True:
            try:
                answered.append(linked.organisation(max_wait_seconds=0.5)["Name"])
            except outcomes.RetryAfter as exc:
                refused.append(exc.problem)
                return

    workers = [threading.Thread(target=caller) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(answered) == 4 and refused == ["appminute"] * 3  # every call the app had, and no more
    assert [r["status"] for r in linked.calls() if r["path"].endswith("/Organisation")] == [200] * 4  # no 429


def test_only_connected_connections_are_called(linked: Linked) -> None:
    with linked.hub.db.write() as session:
        row = session.get(Connection, linked.connection_id)
        assert row is not None
        row.state = ConnectionState.DISCONNECTED
    with pytest.raises(outcomes.ReconnectNeeded, match="disconnected"):
        linked.organisation()
    assert not [r for r in linked.calls() if r["path"].startswith("/api.xro/")]
    assert linked.errors() == []
