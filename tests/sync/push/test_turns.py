"""Whose turn, against the simulator over real HTTP: an organisation Xero is slow to answer holds up none of the
others, and a turn that runs out of time gives back what it did not send."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import select

from core.connections import consent
from core.connections import lifecycle as connections
from core.contacts import push as contact_push
from core.documents import push as document_push
from core.hub import Hub
from core.models.platform import PlatformContact
from core.models.sync import OutboxEntry, OutboxState, RunState, SyncRun
from core.platform_api import events as platform
from core.push import turns
from tests import beside
from tests.sandbox.conftest import HARBOUR, KOOKABURRA, Simulator
from tests.sync.connections.test_cap import kookaburra
from tests.sync.connections.test_lifecycle import actor, connect, grant_in_xero, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.documents.test_push import RENT, issue
from tests.sync.documents.test_push import ready as ready  # Harbour connected, mapped, one supplier in Xero

OLIVIA = "olivia@kookaburraplumbing.example"


def connect_kookaburra(hub: Hub) -> int:
    olivia, company_id = actor(hub, OLIVIA), kookaburra(hub)
    back = grant_in_xero(consent.begin(hub, olivia, company_id), [KOOKABURRA], email=OLIVIA)
    found = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    connections.confirm(hub, olivia, company_id, found.consent_id, KOOKABURRA)
    return company_id


def supplier(hub: Hub, company_id: int, supplier_id: str, name: str) -> None:
    with hub.db.write() as session:
        platform.handle(session, company_id=company_id, event_id=f"{company_id}-{supplier_id}",
                        kind="supplier.changed", data={"supplier_id": supplier_id, "name": name})  # fmt: skip


def done_at(hub: Hub, company_id: int, supplier_id: str) -> tuple[datetime, datetime]:
    with hub.db.read() as session:
        contact = session.scalars(
            select(PlatformContact.id).where(
                PlatformContact.company_id == company_id, PlatformContact.platform_id == supplier_id
            )
        ).one()
        entry = session.scalars(
            select(OutboxEntry).where(OutboxEntry.entity_type == "contact", OutboxEntry.entity_id == str(contact))
        ).one()
        assert entry.state is OutboxState.DONE and entry.done_at is not None, (supplier_id, entry.state)
        return entry.created_at, entry.done_at


def test_an_organisation_xero_is_slow_to_answer_holds_up_none_of_the_others(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    other = connect_kookaburra(hub)
    beside.slow_answers(sim, HARBOUR, "Contacts", 3.0)
    supplier(hub, harbour(hub), "SUP-7001", "Slow Harbour Supplies Ltd")
    supplier(hub, other, "SUP-7101", "Quick Plumbing Parts Pty Ltd")
    job = threading.Thread(target=turns.push_for, args=(hub, contact_push.PUSH),
                           kwargs={"worker": "sidecar-1", "seconds": 2.5})  # fmt: skip
    job.start()
    time.sleep(0.7)  # Harbour's turn is waiting for Xero's answer when the other company's next change comes
    supplier(hub, other, "SUP-7102", "Later Plumbing Parts Pty Ltd")
    job.join(timeout=30)
    assert not job.is_alive()
    _, slow_done = done_at(hub, harbour(hub), "SUP-7001")
    _, first_done = done_at(hub, other, "SUP-7101")
    recorded, later_done = done_at(hub, other, "SUP-7102")
    assert first_done < later_done < slow_done, "the other company's changes went while Harbour's turn waited"
    assert (later_done - recorded).total_seconds() < 2.0


def test_a_turn_out_of_time_makes_no_further_call_and_gives_back_the_rest(ready: Hub, sim: Simulator) -> None:
    for n in range(120):  # three calls' worth: 50, 50 and 20
        issue(ready, f"BILL-{n:03d}", kind="bill", lines=[RENT])
    beside.slow_answers(sim, HARBOUR, "Invoices", 1.0)
    tally = turns.push_for(ready, document_push.PUSH, worker="sidecar-1", seconds=0.3)
    assert tally.sent == 50, "the first call is made, then the others' turn"
    with ready.db.read() as session:
        back = session.scalars(
            select(OutboxEntry).where(OutboxEntry.entity_type == "document", OutboxEntry.state != OutboxState.DONE)
        ).all()
        run = session.scalars(select(SyncRun).where(SyncRun.job == "push").order_by(SyncRun.id.desc())).first()
    assert len(back) == 70 and {(e.state, e.attempts, e.failures) for e in back} == {(OutboxState.PENDING, 0, 0)}
    assert run is not None and run.state is RunState.DONE and "70 left for its next turn" in (run.outcome or "")
    sim.control("DELETE", "/faults")
    since = beside.last_seq(sim)
    assert turns.push_for(ready, document_push.PUSH, worker="sidecar-1", seconds=30).sent == 70
    calls = [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in beside.request_log(sim, since)]
    assert calls == [("PUT", "Invoices"), ("PUT", "Invoices")], "the 70 go in two calls, with no lookup first"
