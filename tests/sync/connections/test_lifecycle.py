"""The connection lifecycle against the simulator: consent, second pick, pinning, disconnect, remove, reconnect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from core.auth import Actor, PermissionDenied
from core.connections import cleanups, consent
from core.connections import lifecycle as connections
from core.hub import Hub
from core.models.base import AuditEvent, Company
from core.models.platform import PlatformContact
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState
from core.platform_api import events as platform
from core.staff import users
from demodata import orgs as demo_orgs
from tests import control
from tests.conftest import make_settings
from tests.sandbox.conftest import HARBOUR, Simulator

EVENTS = demo_orgs.HARBOUR_EVENTS.tenant_id


@pytest.fixture
def hub(seeded: Hub, sim: Simulator, tmp_path) -> Hub:  # type: ignore[no-untyped-def]
    return Hub(
        settings=make_settings(seeded.db.url, tmp_path, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url), db=seeded.db
    )


def actor(hub: Hub, email: str = "fiona@harbourbakery.example") -> Actor:
    with hub.db.read() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        return Actor.of(user)


def harbour(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(Company.id).where(Company.name == "Harbour Bakery Ltd")) or 0


def grant_in_xero(url: str, tenants: list[str], email: str = "fiona@harbourbakery.example") -> dict[str, str]:
    """A person in the consent page: sign in, tick, Allow; returns the callback's query."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    base = url.split("/identity/")[0]
    with httpx.Client(base_url=base) as browser:
        browser.post(
            "/identity/connect/authorize",
            data={**params, "action": "login", "email": email, "password": demo_orgs.DEMO_PASSWORD},
        )
        answer = browser.post("/identity/connect/authorize", data={**params, "action": "allow", "tenant": tenants})
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def connect(hub: Hub, tenant: str = HARBOUR, granted: list[str] | None = None) -> Connection:
    fiona = actor(hub)
    url = consent.begin(hub, fiona, harbour(hub))
    back = grant_in_xero(url, granted or [tenant])
    found = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    return connections.confirm(hub, fiona, harbour(hub), found.consent_id, tenant)


def state_of(hub: Hub) -> Connection:
    with hub.db.read() as session:
        row = session.scalar(select(Connection).where(Connection.company_id == harbour(hub)))
        assert row is not None
        return row


def test_connect_with_a_second_pick_among_granted_organisations(hub: Hub) -> None:
    fiona = actor(hub)
    url = consent.begin(hub, fiona, harbour(hub))
    back = grant_in_xero(url, [HARBOUR, EVENTS])
    found = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    assert {o["tenantName"] for o in found.offered} == {"Harbour Bakery Ltd", "Harbour Bakery Events Ltd"}
    row = connections.confirm(hub, fiona, harbour(hub), found.consent_id, HARBOUR)
    assert row.state is ConnectionState.CONNECTED and row.pinned_tenant_id == HARBOUR
    with pytest.raises(connections.ConnectRefused, match="already confirmed"):
        connections.confirm(hub, fiona, harbour(hub), found.consent_id, HARBOUR)  # a stale second tab
    with pytest.raises(connections.ConnectRefused, match="expired or was already used"):
        consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)  # replayed


@pytest.mark.parametrize(
    ("state", "error", "message"),
    [
        ("forged", None, "expired or was already used"),
        (None, None, "expired or was already used"),
    ],
)
def test_bad_callbacks_connect_nothing(hub: Hub, state: str | None, error: str | None, message: str) -> None:
    with pytest.raises(connections.ConnectRefused, match=message):
        consent.complete_consent(hub, state=state, code="x", error=error)


def test_cancel_in_xero(hub: Hub) -> None:
    url = consent.begin(hub, actor(hub), harbour(hub))
    state = parse_qs(urlsplit(url).query)["state"][0]
    with pytest.raises(connections.ConnectRefused, match="cancelled in Xero"):
        consent.complete_consent(hub, state=state, code=None, error="access_denied")


def test_only_company_admins_connect(hub: Hub) -> None:
    with pytest.raises(PermissionDenied, match="company's admins"):
        consent.begin(hub, actor(hub, "colin@harbourbakery.example"), harbour(hub))


def test_a_company_stays_pinned_to_its_first_organisation(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    with pytest.raises(connections.ConnectRefused, match="create a new company"):
        connect(hub, EVENTS)
    assert state_of(hub).state is ConnectionState.DISCONNECTED and state_of(hub).tenant_id == HARBOUR
    assert cleanups.run_due(hub, worker="test") == 3  # both connections, then the grant nobody uses any more
    live = control.get(f"{sim.url}/_sandbox/requests").json()
    assert any(r["method"] == "DELETE" and r["path"].startswith("/connections/") for r in live)


def test_disconnect_holds_edits_and_reconnect_sends_them(hub: Hub) -> None:
    connect(hub)
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    with hub.db.write() as session:
        result = platform.handle(
            session,
            company_id=harbour(hub),
            event_id="edit-1",
            kind="supplier.changed",
            data={"supplier_id": "s-1", "name": "Ely Eggs"},
        )
    assert result["sync"] == "held"
    connect(hub)
    with hub.db.read() as session:
        assert [e.state for e in session.scalars(select(OutboxEntry))] == [OutboxState.PENDING]
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.in_(("connect", "disconnect")))
                .order_by(AuditEvent.id)
            )
        )
    assert actions == ["connect", "disconnect", "connect"]


def test_remove_discards_edits_and_nothing_from_before_is_pushed(hub: Hub) -> None:
    connect(hub)
    with hub.db.write() as session:
        platform.handle(
            session,
            company_id=harbour(hub),
            event_id="e-1",
            kind="supplier.changed",
            data={"supplier_id": "s-1", "name": "Ely Eggs"},
        )
    with hub.db.write() as session:
        discarded = connections.remove(session, actor(hub), harbour(hub))
    assert len(discarded) == 1
    with hub.db.write() as session:
        assert (
            platform.handle(
                session,
                company_id=harbour(hub),
                event_id="e-2",
                kind="supplier.changed",
                data={"supplier_id": "s-1", "name": "Ely Eggs Ltd"},
            )["sync"]
            == "discarded"
        )
    connect(hub)
    with hub.db.read() as session:
        states = [e.state for e in session.scalars(select(OutboxEntry))]
    assert states == [OutboxState.DISCARDED, OutboxState.DISCARDED]
    with hub.db.write() as session:  # a linked contact edited after the reconnection sends only that change
        contact = session.scalars(select(PlatformContact).where(PlatformContact.platform_id == "s-1")).one()
        contact.xero_contact_id = "x-1"
    with hub.db.write() as session:
        connections.remove(session, actor(hub), harbour(hub))
    connect(hub)
    with hub.db.write() as session:
        assert (
            platform.handle(
                session,
                company_id=harbour(hub),
                event_id="e-3",
                kind="supplier.changed",
                data={"supplier_id": "s-1", "email": "hi@elyeggs.example"},
            )["sync"]
            == "queued"
        )
    with hub.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.state == OutboxState.PENDING)).one()
    assert entry.operation == "update" and entry.payload == {"email": "hi@elyeggs.example"}
