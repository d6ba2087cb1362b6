"""Supplier push against the simulator: creates carry ContactNumber, edits send only what changed, batches are one
call per organisation, Xero-side trouble becomes sync errors, and held changes wait for the connection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core import clock
from core.connections import lifecycle as connections
from core.contacts import pull as contacts_sync
from core.contacts import push as contact_push
from core.hub import Hub
from core.models.alerts import Alert
from core.models.platform import PlatformContact
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.platform_api import events as platform
from core.sync import outbox, runs
from core.xero import resources
from core.xero_access import gate
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture


def supplier(hub: Hub, event: str, supplier_id: str, **data: Any) -> dict[str, Any]:
    with hub.db.write() as session:
        return platform.handle(
            session,
            company_id=harbour(hub),
            event_id=event,
            kind="supplier.changed",
            data={"supplier_id": supplier_id, **data},
        )


def in_xero(hub: Hub, number: str) -> dict[str, Any]:
    with hub.db.read() as session:
        connection = connections.of_company(session, actor(hub), harbour(hub))
        assert connection is not None
    with gate.organisation(hub, connection.id, worker="test") as xero:
        (found,) = xero.list(resources.CONTACTS, where=f'ContactNumber=="{number}"', params={"includeArchived": "true"})
    return found


def contact(hub: Hub, supplier_id: str) -> PlatformContact:
    with hub.db.read() as session:
        return session.scalars(select(PlatformContact).where(PlatformContact.platform_id == supplier_id)).one()


def contact_writes(sim: Simulator) -> list[dict[str, Any]]:
    log = control.get(f"{sim.url}/_sandbox/requests").json()
    return [r for r in log if r["method"] in ("POST", "PUT") and r["path"].endswith("/Contacts")]


def test_a_new_supplier_is_created_in_xero_with_our_id_then_edits_send_only_what_changed(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    supplier(hub, "e1", "SUP-1001", name="Ely Fresh Eggs Ltd", email="orders@elyeggs.example")
    tally = contact_push.push_due(hub, worker="test")
    assert (tally.sent, tally.failed) == (1, 0)
    created = in_xero(hub, "SUP-1001")
    assert created["Name"] == "Ely Fresh Eggs Ltd" and created["EmailAddress"] == "orders@elyeggs.example"
    assert contact(hub, "SUP-1001").xero_contact_id == created["ContactID"]

    supplier(hub, "e2", "SUP-1001", email="accounts@elyeggs.example")
    supplier(hub, "e3", "SUP-1001", bank_account="20-00-00 12345678")  # coalesces with the edit before it
    assert contact_push.push_due(hub, worker="test").sent == 1
    updated = in_xero(hub, "SUP-1001")
    assert updated["EmailAddress"] == "accounts@elyeggs.example"
    assert updated["BankAccountDetails"] == "20-00-00 12345678"
    assert contact_push.push_due(hub, worker="test").sent == 0


def test_one_call_per_organisation_for_a_batch(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    for n in range(12):
        supplier(hub, f"b{n}", f"SUP-2{n:03d}", name=f"Batch Supplier {n} Ltd")
    before = len(contact_writes(sim))
    assert contact_push.push_due(hub, worker="test").sent == 12
    assert len(contact_writes(sim)) == before + 1


def test_an_archived_contact_in_xero_becomes_a_sync_error_that_resolves_after_unarchiving(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    supplier(hub, "a1", "SUP-3001", name="Archway Timber Ltd")
    contact_push.push_due(hub, worker="test")
    xero_id = contact(hub, "SUP-3001").xero_contact_id
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{xero_id}/archive")
    supplier(hub, "a2", "SUP-3001", email="yard@archwaytimber.example")
    assert contact_push.push_due(hub, worker="test").failed == 1
    with hub.db.read() as session:
        error = session.scalars(select(SyncError)).one()
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.state == OutboxState.FAILED)).one()
    assert error.cause == "contact_archived" and error.entity_number == "Archway Timber Ltd"
    assert "archived" in (error.detail or "") and error.raw_request is not None
    with hub.db.read() as session:
        (alert,) = session.scalars(select(Alert)).all()  # one alert for the digest email, not one per retry
    assert alert.kind == "contact_failed" and "Archway Timber Ltd" in alert.summary

    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{xero_id}/unarchive")
    with hub.db.write() as session:
        outbox.retry(session, [entry.id])
    assert contact_push.push_due(hub, worker="test").sent == 1
    with hub.db.read() as session:
        assert session.scalars(select(SyncError.status)).one() is ErrorStatus.RESOLVED
    assert in_xero(hub, "SUP-3001")["EmailAddress"] == "yard@archwaytimber.example"


def test_changes_wait_while_disconnected_and_go_after_reconnecting(hub: Hub) -> None:
    connect(hub)
    supplier(hub, "d1", "SUP-4001", name="Dockside Dairy Ltd")
    contact_push.push_due(hub, worker="test")
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    supplier(hub, "d2", "SUP-4001", email="milk@docksidedairy.example")
    assert contact_push.push_due(hub, worker="test").sent == 0
    connect(hub)
    assert contact_push.push_due(hub, worker="test").sent == 1
    assert in_xero(hub, "SUP-4001")["EmailAddress"] == "milk@docksidedairy.example"


def test_a_revoked_connection_holds_the_change_and_asks_for_a_reconnect(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    supplier(hub, "r1", "SUP-5001", name="Revoked Roofing Ltd")
    contact_push.push_due(hub, worker="test")
    with hub.db.read() as session:
        states = list(session.scalars(select(OutboxEntry.state)))
        causes = list(session.scalars(select(SyncError.cause)))
    assert states == [OutboxState.HELD] and len(causes) == 1
    connect(hub)  # the reconnect resolves the connection's error and sends what waited
    assert contact_push.push_due(hub, worker="test").sent == 1


def test_a_contact_merged_in_xero_is_followed_to_the_survivor_and_the_change_goes_there(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    supplier(hub, "m1", "SUP-6001", name="Mill Lane Flour Ltd")
    supplier(hub, "m2", "SUP-6002", name="Mill Lane Flour Limited")
    contact_push.push_due(hub, worker="test")
    gone, survivor = contact(hub, "SUP-6001").xero_contact_id, contact(hub, "SUP-6002").xero_contact_id
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{gone}/merge", into=str(survivor))
    supplier(hub, "m3", "SUP-6001", email="orders@milllane.example")
    assert contact_push.push_due(hub, worker="test").waiting == 1  # refused as merged: a pull follows the merge
    while contacts_sync.run_once(hub, worker="test") != "nothing to pull":
        pass
    assert contact(hub, "SUP-6001").xero_contact_id == survivor
    clock.advance(timedelta(minutes=2))
    assert contact_push.push_due(hub, worker="test").sent == 1
    assert in_xero(hub, "SUP-6002")["EmailAddress"] == "orders@milllane.example"
    with hub.db.read() as session:
        assert session.scalars(select(SyncError.status)).all() == [ErrorStatus.RESOLVED]


def test_a_duplicate_name_in_xero_is_an_error_on_that_supplier(hub: Hub) -> None:
    connect(hub)
    supplier(hub, "n1", "SUP-7001", name="Twin Mills Ltd")
    supplier(hub, "n2", "SUP-7002", name="Twin Mills Ltd")
    tally = contact_push.push_due(hub, worker="test")
    assert (tally.sent, tally.failed) == (1, 1)
    with hub.db.read() as session:
        error = session.scalars(select(SyncError)).one()
    assert error.cause == "duplicate_name" and error.entity_number == "Twin Mills Ltd"


def lose_the_next_answer(sim: Simulator) -> None:
    """Xero does the next contacts write and the reply is cut off (the hub cannot know it happened)."""
    armed = {"kind": "drop", "path": "/api.xro/2.0/Contacts", "method": "POST"}
    control.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()


def test_a_take_back_made_while_the_edit_is_in_flight_reaches_xero(
    hub: Hub, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(hub)
    supplier(hub, "t1", "SUP-7001", name="Fen Honey Ltd", email="a@fenhoney.example")
    assert contact_push.push_due(hub, worker="test").sent == 1
    supplier(hub, "t2", "SUP-7001", email="b@fenhoney.example")
    send = contact_push.ContactPush.send

    def taken_back_in_flight(self: Any, *args: Any, **kwargs: Any) -> Any:
        supplier(hub, "t3", "SUP-7001", email="a@fenhoney.example")  # the platform changes its mind meanwhile
        return send(self, *args, **kwargs)

    monkeypatch.setattr(contact_push.ContactPush, "send", taken_back_in_flight)
    assert contact_push.push_due(hub, worker="test").sent == 1
    monkeypatch.undo()
    contact_push.push_for(hub, worker="test")
    assert in_xero(hub, "SUP-7001")["EmailAddress"] == "a@fenhoney.example"


def test_a_take_back_of_an_edit_whose_answer_was_lost_reaches_xero(hub: Hub, sim: Simulator) -> None:
    """Xero did the edit but the reply was cut off; the platform then took the edit back. The hub cannot know what
    Xero holds for the field it sent, so the value goes again, whatever the snapshot says."""
    connect(hub)
    supplier(hub, "l1", "SUP-7003", name="Lode Honey Ltd", email="a@lodehoney.example")
    assert contact_push.push_due(hub, worker="test").sent == 1
    supplier(hub, "l2", "SUP-7003", email="b@lodehoney.example")
    lose_the_next_answer(sim)
    assert contact_push.push_due(hub, worker="test").waiting == 1
    assert in_xero(hub, "SUP-7003")["EmailAddress"] == "b@lodehoney.example"  # Xero did it
    supplier(hub, "l3", "SUP-7003", email="a@lodehoney.example")  # taken back
    clock.advance(timedelta(minutes=2))
    contact_push.push_for(hub, worker="test")
    assert in_xero(hub, "SUP-7003")["EmailAddress"] == "a@lodehoney.example"


def test_edits_made_while_a_create_went_unanswered_reach_xero(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    supplier(hub, "u1", "SUP-7002", name="Cam Valley Cheese Ltd", email="a@camvalley.example")
    lose_the_next_answer(sim)
    assert contact_push.push_due(hub, worker="test").waiting == 1
    supplier(hub, "u2", "SUP-7002", email="b@camvalley.example", bank_account="20-00-00 11112222")
    clock.advance(timedelta(minutes=2))
    contact_push.push_for(hub, worker="test")
    found = in_xero(hub, "SUP-7002")
    assert (found["EmailAddress"], found.get("BankAccountDetails")) == ("b@camvalley.example", "20-00-00 11112222")
    assert contact(hub, "SUP-7002").xero_contact_id == found["ContactID"]


def test_a_pull_never_overwrites_a_supplier_the_hub_created_and_xero_has_not_confirmed(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    while contacts_sync.run_once(hub, worker="test") != "nothing to pull":
        pass
    supplier(hub, "p1", "SUP-7003", name="Wicken Mill Ltd", email="a@wicken.example")
    lose_the_next_answer(sim)
    assert contact_push.push_due(hub, worker="test").waiting == 1
    supplier(hub, "p2", "SUP-7003", email="b@wicken.example", last_name="Fenby")
    with hub.db.write() as session:
        runs.request(session, company_id=harbour(hub), job="contacts_poll")
    while contacts_sync.run_once(hub, worker="test") != "nothing to pull":
        pass
    ours = contact(hub, "SUP-7003")
    assert (ours.email, ours.last_name) == ("b@wicken.example", "Fenby")  # the platform's values, kept
    clock.advance(timedelta(minutes=2))
    contact_push.push_for(hub, worker="test")
    found = in_xero(hub, "SUP-7003")
    assert (found["EmailAddress"], found.get("LastName")) == ("b@wicken.example", "Fenby")
    assert len([c for c in contact_writes(sim) if c["method"] == "POST"]) >= 2  # the create, then the update


def test_a_retried_edit_carries_the_same_idempotency_key_and_a_refusal_retried_by_a_person_a_new_one(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    supplier(hub, "k1", "SUP-7201", name="Ramsey Rye Ltd")
    contact_push.push_due(hub, worker="test")
    supplier(hub, "k2", "SUP-7201", email="a@ramseyrye.example")
    lose_the_next_answer(sim)
    assert contact_push.push_due(hub, worker="test").waiting == 1
    clock.advance(timedelta(minutes=2))
    assert contact_push.push_due(hub, worker="test").sent == 1
    lost, again = [w["idempotency_key"] for w in contact_writes(sim)][-2:]
    assert lost and again == lost  # Xero replays its first answer instead of doing the write twice

    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{contact(hub, 'SUP-7201').xero_contact_id}/archive")
    supplier(hub, "k3", "SUP-7201", email="b@ramseyrye.example")
    assert contact_push.push_due(hub, worker="test").failed == 1
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{contact(hub, 'SUP-7201').xero_contact_id}/unarchive")
    with hub.db.write() as session:
        (entry,) = session.scalars(select(OutboxEntry.id).where(OutboxEntry.state == OutboxState.FAILED))
        outbox.retry(session, [entry])
    assert contact_push.push_due(hub, worker="test").sent == 1  # a replay would repeat the refusal
    refused, retried = [w["idempotency_key"] for w in contact_writes(sim)][-2:]
    assert refused != retried and in_xero(hub, "SUP-7201")["EmailAddress"] == "b@ramseyrye.example"


def test_once_the_organisation_answers_again_what_backed_off_is_due_at_once(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    supplier(hub, "r1", "SUP-7101", name="Soham Seeds Ltd")
    outage = {"kind": "status", "status": 503, "path": "/api.xro/2.0/Contacts", "method": "POST", "count": 3}
    control.post(f"{sim.url}/_sandbox/faults", json=outage).raise_for_status()
    for failure in range(3):
        if failure:
            clock.advance(timedelta(minutes=5))
        assert contact_push.push_due(hub, worker="test").waiting == 1
    assert contact_push.push_due(hub, worker="test").sent == 0  # backing off: its next try is seconds away
    supplier(hub, "r2", "SUP-7102", name="Soham Grain Ltd")
    assert contact_push.push_due(hub, worker="test").sent == 1  # Xero answers again
    assert contact_push.push_due(hub, worker="test").sent == 1  # so the one that backed off goes at once
    assert in_xero(hub, "SUP-7101")["Name"] == "Soham Seeds Ltd"


def poll(hub: Hub) -> None:
    with hub.db.write() as session:
        runs.request(session, company_id=harbour(hub), job="contacts_poll")
    while contacts_sync.run_once(hub, worker="test") != "nothing to pull":
        pass


def phone_in_xero(hub: Hub, supplier_id: str, **parts: str) -> None:
    """Someone else (a Xero user, another app) writes the mobile phone's parts in Xero."""
    with hub.db.read() as session:
        connection = connections.of_company(session, actor(hub), harbour(hub))
        assert connection is not None
    element = {"ContactID": contact(hub, supplier_id).xero_contact_id, "Phones": [{"PhoneType": "MOBILE", **parts}]}
    with gate.organisation(hub, connection.id, worker="test") as xero:
        (result,) = xero.write(resources.CONTACTS, [element], idempotency_key=f"phone-{supplier_id}-{parts}")
    assert result.ok


def mobile_in_xero(hub: Hub, supplier_id: str) -> tuple[str, str, str]:
    found = next(p for p in in_xero(hub, supplier_id)["Phones"] if p["PhoneType"] == "MOBILE")
    return found["PhoneCountryCode"], found["PhoneAreaCode"], found["PhoneNumber"]


def test_an_edited_phone_replaces_the_whole_phone_in_xero_and_reads_back_without_drift(hub: Hub) -> None:
    connect(hub)
    phone = [{"type": "MOBILE", "number": "+44 01632 960111"}]
    supplier(hub, "f1", "SUP-8001", name="Fen Phones Ltd", first_name="Ada", last_name="Fen", phones=phone)
    assert contact_push.push_due(hub, worker="test").sent == 1
    phone_in_xero(hub, "SUP-8001", PhoneCountryCode="44", PhoneAreaCode="01632", PhoneNumber="960111")
    poll(hub)
    assert contact(hub, "SUP-8001").drift is None  # Xero's three parts read as the number the platform holds

    supplier(hub, "f2", "SUP-8001", phones=[{"type": "MOBILE", "number": "+44 7788 123456"}])
    assert contact_push.push_due(hub, worker="test").sent == 1
    assert mobile_in_xero(hub, "SUP-8001") == ("44", "", "7788 123456")  # the old area code cleared
    poll(hub)
    ours = contact(hub, "SUP-8001")
    assert ours.drift is None and ours.phones == [{"type": "MOBILE", "number": "+44 7788 123456"}]


def test_a_phone_left_mixed_with_old_parts_in_xero_is_sent_whole_with_the_next_update(hub: Hub) -> None:
    connect(hub)
    phone = [{"type": "MOBILE", "number": "+44 7788 123456"}]
    supplier(hub, "g1", "SUP-8002", name="Fen Dials Ltd", first_name="Ada", last_name="Dial", phones=phone)
    assert contact_push.push_due(hub, worker="test").sent == 1
    # What a send of the number alone left: Xero kept the country and area code it had before.
    phone_in_xero(hub, "SUP-8002", PhoneCountryCode="44", PhoneAreaCode="01632", PhoneNumber="+44 7788 123456")
    poll(hub)
    assert contact(hub, "SUP-8002").drift == {"phones": [{"type": "MOBILE", "number": "+44 01632 +44 7788 123456"}]}

    supplier(hub, "g2", "SUP-8002", email="calls@fendials.example")
    assert contact_push.push_due(hub, worker="test").sent == 1
    assert mobile_in_xero(hub, "SUP-8002") == ("44", "", "7788 123456")
    poll(hub)
    assert contact(hub, "SUP-8002").drift is None
