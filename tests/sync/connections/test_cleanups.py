"""What disconnects, removes, refused picks and abandoned consents undo in Xero, one grant per Xero user, the
initial import queued on connect, inactivity, and the export offered before a remove."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock, companies
from core.auth import COMMAND_LINE
from core.connections import cleanups, consent, inactivity
from core.connections import lifecycle as connections
from core.connections import views as connection_views
from core.connections import xero_check as connection_check
from core.hub import Hub
from core.models.alerts import Alert
from core.models.base import AuditEvent
from core.models.sync import CleanupKind, ConnectionState, Grant, SyncError, XeroCleanup
from core.platform_api import events as platform
from core.sync import runs
from core.xero import oauth
from core.xero_access import grants
from tests import control
from tests.conftest import make_settings
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import EVENTS, actor, connect, grant_in_xero, harbour, state_of
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture


def live_tenants(hub: Hub, grant_id: int) -> set[str]:
    """The organisations Xero says this grant still reaches."""
    token = grants.access_token(hub.db, hub.settings, grant_id, worker="test")
    return {c["tenantId"] for c in oauth.connections(hub.settings, token)}


def the_grant(hub: Hub) -> Grant:
    with hub.db.read() as session:
        return session.scalars(select(Grant)).one()


def xero_calls(sim: Simulator, method: str, prefix: str) -> int:
    log = control.get(f"{sim.url}/_sandbox/requests").json()
    return sum(1 for r in log if r["method"] == method and r["path"].startswith(prefix))


def test_disconnect_changes_nothing_in_xero_until_the_sidecar_deletes_and_revokes(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    grant_id = the_grant(hub).id
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    assert state_of(hub).state is ConnectionState.DISCONNECTED
    assert xero_calls(sim, "DELETE", "/connections/") == 0  # the page never waits on Xero
    assert live_tenants(hub, grant_id) == {HARBOUR}
    assert cleanups.run_due(hub, worker="test", limit=1) == 1
    grant = the_grant(hub)
    assert grant.revoked_at is not None  # no company uses it any more, so it stops being used at once
    assert cleanups.run_due(hub, worker="test", limit=1) == 1  # then the revocation itself
    assert xero_calls(sim, "DELETE", "/connections/") == 1
    assert xero_calls(sim, "POST", "/connect/revocation") == 1
    grant = the_grant(hub)
    assert grant.refresh_token is None and grant.access_token == ""
    assert cleanups.run_due(hub, worker="test") == 0


def test_one_grant_per_xero_user_and_revoked_only_when_no_company_uses_it(hub: Hub, sim: Simulator) -> None:
    """A bookkeeper links two companies with one Xero login: disconnecting one must not cut the other off."""
    with hub.db.write() as session:
        events = companies.create(session, COMMAND_LINE, name="Harbour Events", country="GB", base_currency="GBP").id
    connect(hub)
    ada = actor(hub, "ada@hub.example")
    back = grant_in_xero(consent.begin(hub, ada, events), [EVENTS])
    found = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    connections.confirm(hub, ada, events, found.consent_id, EVENTS)
    grant_id = the_grant(hub).id  # .one(): the second consent reused the Xero user's grant
    assert live_tenants(hub, grant_id) == {HARBOUR, EVENTS}

    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    cleanups.run_due(hub, worker="test")
    cleanups.run_due(hub, worker="test")
    assert the_grant(hub).revoked_at is None
    assert live_tenants(hub, grant_id) == {EVENTS}  # the other company still syncs
    assert xero_calls(sim, "POST", "/connect/revocation") == 0

    with hub.db.write() as session:
        connections.remove(session, ada, events)
    cleanups.run_due(hub, worker="test")
    cleanups.run_due(hub, worker="test")
    assert the_grant(hub).revoked_at is not None
    assert xero_calls(sim, "POST", "/connect/revocation") == 1


def test_organisations_granted_but_not_picked_are_deleted_in_xero(hub: Hub) -> None:
    connect(hub, HARBOUR, granted=[HARBOUR, EVENTS])
    grant_id = the_grant(hub).id
    assert live_tenants(hub, grant_id) == {HARBOUR, EVENTS}
    assert cleanups.run_due(hub, worker="test", limit=1) == 1
    assert live_tenants(hub, grant_id) == {HARBOUR}
    assert the_grant(hub).revoked_at is None


def test_a_consent_never_confirmed_leaves_nothing_behind_in_xero(hub: Hub, sim: Simulator) -> None:
    back = grant_in_xero(consent.begin(hub, actor(hub), harbour(hub)), [HARBOUR])
    consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    with hub.db.write() as session:
        assert connections.abandon_expired(session) == 0  # still waiting for the second pick
    clock.advance(consent.CONSENT_TTL + timedelta(minutes=1))
    with hub.db.write() as session:
        assert connections.abandon_expired(session) == 1
    assert cleanups.run_due(hub, worker="test", limit=1) == 1
    assert cleanups.run_due(hub, worker="test", limit=1) == 1
    assert the_grant(hub).revoked_at is not None
    assert xero_calls(sim, "POST", "/connect/revocation") == 1
    with hub.db.read() as session:
        assert consent.pending(session, actor(hub), harbour(hub)) is None


def test_xero_unreachable_never_blocks_a_disconnect_and_the_clean_up_waits(hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    connect(hub)
    offline = Hub(
        settings=make_settings(
            hub.db.url, tmp_path, XERO_IDENTITY_URL="http://127.0.0.1:9", XERO_API_URL="http://127.0.0.1:9"
        ),
        db=hub.db,
    )
    clock.advance(timedelta(hours=1))  # the access token needs a refresh, which cannot reach Xero
    with offline.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    assert cleanups.run_due(offline, worker="test") == 0
    with hub.db.read() as session:
        row = session.scalars(select(XeroCleanup)).one()
        assert row.done_at is None and row.attempts == 1 and "could not be reached" in (row.last_error or "")
        assert cleanups.waiting(session) == 1
    assert cleanups.run_due(hub, worker="test") == 0  # backing off
    clock.advance(timedelta(minutes=5))
    assert cleanups.run_due(hub, worker="test", limit=1) == 1


def test_a_clean_up_failing_for_long_becomes_a_sync_error_that_resolves_when_it_is_done(hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    connect(hub)
    offline = Hub(
        settings=make_settings(
            hub.db.url, tmp_path, XERO_IDENTITY_URL="http://127.0.0.1:9", XERO_API_URL="http://127.0.0.1:9"
        ),
        db=hub.db,
    )
    clock.advance(timedelta(hours=1))
    with offline.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    for tries in range(1, cleanups.SHOW_AFTER_ATTEMPTS + 1):
        assert cleanups.run_due(offline, worker="test") == 0
        with hub.db.read() as session:
            shown = session.scalars(select(SyncError).where(SyncError.entity_type == "xero_cleanup")).all()
        assert len(shown) == (1 if tries == cleanups.SHOW_AFTER_ATTEMPTS else 0)  # a blip stays quiet
        clock.advance(timedelta(hours=1))
    (error,) = shown
    assert error.cause == "xero_outage" and error.company_id == harbour(hub)
    assert "could not delete the connection to Harbour Bakery Ltd in Xero after 3 tries" in (error.detail or "")
    assert cleanups.run_due(hub, worker="test", limit=1) == 1
    with hub.db.read() as session:
        assert session.get(SyncError, error.id).status.value == "resolved"  # type: ignore[union-attr]


def test_connecting_queues_the_initial_import(hub: Hub) -> None:
    connect(hub)
    with hub.db.read() as session:
        run = runs.latest(session, actor(hub), harbour(hub), "contacts_import")
    assert run is not None and run.state.value == "queued" and run.requested_by_user_id == actor(hub).user_id


@pytest.mark.parametrize(
    ("idle_days", "warned", "expected"),
    [
        (44, None, []),
        (45, None, [(45, False)]),
        (50, 45, []),
        (55, 45, [(55, False)]),
        (58, None, [(55, False)]),
        (59, 55, []),
        (60, 55, [(60, True)]),
        (90, None, [(90, True)]),
    ],
    ids=lambda v: str(v),
)
def test_inactivity_plan(idle_days: int, warned: int | None, expected: list[tuple[int, bool]]) -> None:
    now = clock.now()
    steps = inactivity.plan([(7, now - timedelta(days=idle_days, hours=1), warned)], now)
    assert [(s.days, s.disconnect) for s in steps] == expected


def test_sixty_days_without_activity_warn_twice_then_disconnect_with_an_alert(hub: Hub) -> None:
    connect(hub)

    def alerts() -> list[str]:
        with hub.db.read() as session:
            return list(session.scalars(select(Alert.kind).order_by(Alert.id)))

    clock.advance(timedelta(days=45, minutes=1))
    inactivity.check(hub)
    inactivity.check(hub)  # once only
    assert alerts() == ["inactivity_warning"]
    clock.advance(timedelta(days=10))
    inactivity.check(hub)
    assert alerts() == ["inactivity_warning", "inactivity_warning"]
    with hub.db.read() as session:
        days = connection_views.list_views(session, actor(hub))[0].days_to_disconnect
    assert days == 5
    clock.advance(timedelta(days=5))
    assert inactivity.check(hub) == "0 inactivity warnings, 1 automatic disconnects"
    row = state_of(hub)
    assert row.state is ConnectionState.DISCONNECTED and "60 days" in (row.state_reason or "")
    assert alerts()[-1] == "inactivity_disconnect"
    with hub.db.read() as session:
        assert session.scalars(select(XeroCleanup.kind)).all() == [CleanupKind.DELETE_CONNECTION]


def test_a_staff_action_on_the_company_is_activity(hub: Hub) -> None:
    connect(hub)
    clock.advance(timedelta(days=50))
    with hub.db.write() as session:
        company = companies.get(session, actor(hub), harbour(hub))
        companies.update_profile(
            session,
            actor(hub),
            company.id,
            finance_contact_email="books@harbourbakery.example",
            settings=companies.settings_of(company),
        )
    clock.advance(timedelta(days=20))
    inactivity.check(hub)
    assert state_of(hub).state is ConnectionState.CONNECTED


def test_remove_offers_an_export_and_lists_what_it_discarded(hub: Hub) -> None:
    connect(hub)
    with hub.db.write() as session:
        platform.handle(
            session,
            company_id=harbour(hub),
            event_id="x-1",
            kind="supplier.changed",
            data={"supplier_id": "s-9", "name": "Ely Eggs", "email": "eggs@ely.example"},
        )
    with hub.db.read() as session:
        bundle = connection_views.export_before_remove(session, actor(hub), harbour(hub))
    assert bundle["organisation"]["tenant_id"] == HARBOUR and json.dumps(bundle, default=str)
    assert {"contact_links", "document_links", "mappings", "open_errors"} <= set(bundle)
    with hub.db.write() as session:
        connection_views.record_export(session, actor(hub), harbour(hub))
        connections.remove(session, actor(hub), harbour(hub))
    with hub.db.read() as session:
        listed = connection_views.discarded(session, actor(hub), harbour(hub))
        exported = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "export_before_remove"))
    assert [(d.label, d.entity_type) for d in listed] == [("Ely Eggs", "contact")]
    assert "email" in listed[0].fields and exported is not None


def test_the_sidecar_notices_access_revoked_in_xero_without_a_sync(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    assert "1 connections need reconnecting" in connection_check.check_all(hub, worker="test")
    assert state_of(hub).state is ConnectionState.NEEDS_RECONNECT
    connection_check.check_all(hub, worker="test")  # once: no second error, no call for an ended grant
    with hub.db.read() as session:
        assert len(session.scalars(select(SyncError)).all()) == 1


def test_the_sidecar_notices_an_organisation_disconnected_in_xero(hub: Hub) -> None:
    row = connect(hub)
    token = grants.access_token(hub.db, hub.settings, the_grant(hub).id, worker="test")
    oauth.delete_connection(hub.settings, token, row.xero_connection_id or "")  # Xero's Connected apps → Disconnect
    connection_check.check_all(hub, worker="test")
    moved = state_of(hub)
    assert moved.state is ConnectionState.NEEDS_RECONNECT and "Connected apps" in (moved.state_reason or "")
    connect(hub)  # reconnecting brings it back, with the connection's error resolved
    with hub.db.read() as session:
        assert [e.status.value for e in session.scalars(select(SyncError))] == ["resolved"]


def test_a_reconnect_before_the_clean_up_ran_keeps_the_connection_in_xero(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    row = connect(hub)  # quicker than the sidecar: Xero hands back the same connection
    assert cleanups.run_due(hub, worker="test") == 0
    assert live_tenants(hub, row.grant_id or 0) == {HARBOUR}
    assert xero_calls(sim, "DELETE", "/connections/") == 0


def test_no_revocation_once_the_same_xero_user_connected_again(hub: Hub, sim: Simulator) -> None:
    """Revoking ends every connection of the Xero user: a reconnect between the deletion and the revocation wins."""
    connect(hub)
    with hub.db.write() as session:
        connections.remove(session, actor(hub), harbour(hub))
    assert cleanups.run_due(hub, worker="test", limit=1) == 1  # the connection is deleted; the revocation is queued
    row = connect(hub)  # the same person reconnects before the sidecar revokes
    assert cleanups.run_due(hub, worker="test", limit=1) == 1
    assert xero_calls(sim, "POST", "/connect/revocation") == 0
    assert live_tenants(hub, row.grant_id or 0) == {HARBOUR}


def test_a_waiting_deletion_spares_a_connection_offered_for_the_second_pick(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    back = grant_in_xero(consent.begin(hub, actor(hub), harbour(hub)), [HARBOUR])
    found = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    cleanups.run_due(hub, worker="test")  # the sidecar comes round while the person is at the second pick
    assert xero_calls(sim, "DELETE", "/connections/") == 0
    row = connections.confirm(hub, actor(hub), harbour(hub), found.consent_id, HARBOUR)
    assert live_tenants(hub, row.grant_id or 0) == {HARBOUR}
