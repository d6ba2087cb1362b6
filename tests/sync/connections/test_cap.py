"""Xero's cap on an uncertified app's connections: a company that would take a place beyond it is refused before
anyone is sent to Xero, with words that say what to do; a reconnect takes no new place; a disconnect gives one back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.connections import consent
from core.connections import lifecycle as connections
from core.hub import Hub
from core.models.base import Company
from core.xero_access import cap
from tests.conftest import make_settings
from tests.sandbox.conftest import Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour


@pytest.fixture
def hub(seeded: Hub, sim: Simulator, tmp_path) -> Hub:  # type: ignore[no-untyped-def]
    env = {"XERO_IDENTITY_URL": sim.url, "XERO_API_URL": sim.url, "XERO_CONNECTION_CAP": "1"}
    return Hub(settings=make_settings(seeded.db.url, tmp_path, **env), db=seeded.db)


def kookaburra(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(Company.id).where(Company.name == "Kookaburra Plumbing Pty Ltd")) or 0


def test_a_company_beyond_the_cap_is_told_what_to_do_and_a_reconnect_is_not(hub: Hub) -> None:
    connect(hub)
    with hub.db.read() as session:
        assert cap.usage(session, 1) == cap.Usage(used=1, cap=1)
    olivia = actor(hub, "olivia@kookaburraplumbing.example")
    with pytest.raises(consent.ConnectRefused) as refused:
        consent.begin(hub, olivia, kookaburra(hub))
    assert refused.value.code == "cap"
    assert "connected to 1 organisation, the most Xero allows" in str(refused.value)
    assert "Disconnect companies that no longer use Xero" in str(refused.value)
    assert consent.begin(hub, actor(hub), harbour(hub))  # Harbour holds its place: reconnecting takes no new one
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub, "ada@hub.example"), harbour(hub))
    assert consent.begin(hub, olivia, kookaburra(hub))  # the place came back
