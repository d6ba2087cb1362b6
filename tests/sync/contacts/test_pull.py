"""Contacts pull against the simulator: the initial import (policy, matching, reviews, resumable paging), polls
that respect who owns a contact, archived and merged contacts in Xero, and webhook-targeted pulls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.contacts import import_policy as contact_policy
from core.contacts import pull as contacts_sync
from core.hub import Hub
from core.models.alerts import Alert
from core.models.contacts import ContactHistory, MatchReview
from core.models.platform import Origin, PlatformContact
from core.models.sync import Connection, ErrorStatus, RunState, SyncError, SyncRun
from core.sync import runs
from core.xero import client as client_module
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture


def pull_all(hub: Hub, limit: int = 50) -> list[str]:
    said = []
    for _ in range(limit):
        outcome = contacts_sync.run_once(hub, worker="test")
        if outcome == "nothing to pull":
            return said
        said.append(outcome)
    raise AssertionError(f"the pull never finished: {said[-3:]}")


def count(hub: Hub, *where: object) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(PlatformContact).where(*where)) or 0


def test_the_initial_import_links_matches_creates_the_rest_and_lists_ambiguous_ones(hub: Hub) -> None:
    company = harbour(hub)
    platform_before = count(hub, PlatformContact.company_id == company)
    connect(hub)
    said = pull_all(hub)
    assert said and "contacts_import" in said[-1]
    linked = count(
        hub,
        PlatformContact.company_id == company,
        PlatformContact.origin == Origin.PLATFORM,
        PlatformContact.xero_contact_id.is_not(None),
    )
    created = count(hub, PlatformContact.origin == Origin.XERO, PlatformContact.company_id == company)
    assert linked >= 3 and created >= 10  # the demo's platform suppliers match Xero contacts by email or phone
    with hub.db.read() as session:
        reviews = session.scalars(select(MatchReview)).all()
        first_links = session.scalar(select(func.count()).where(ContactHistory.source == "xero_first_link"))
        run = runs.latest(session, actor(hub), company, "contacts_import")
        conn = session.scalar(select(Connection))
    assert reviews and all(r.candidate_ids for r in reviews)  # near-duplicates wait for a person
    assert first_links and run is not None and run.state is RunState.DONE and run.progress["contacts"] > 0
    assert conn is not None and conn.contacts_since is not None and conn.contacts_reconciled_at is not None
    # No customer-only contact is imported under the default policy.
    assert (
        count(hub, PlatformContact.origin == Origin.XERO, PlatformContact.is_customer, ~PlatformContact.is_supplier)
        == 0
    )
    assert count(hub, PlatformContact.company_id == company) >= platform_before

    # The same import again changes nothing: no duplicates, no second review.
    with hub.db.write() as session:
        runs.request(session, company_id=company, job="contacts_import")
    pull_all(hub)
    assert count(hub, PlatformContact.origin == Origin.XERO, PlatformContact.company_id == company) == created
    with hub.db.read() as session:
        assert len(session.scalars(select(MatchReview)).all()) == len(reviews)


def test_a_long_import_goes_in_turns_and_resumes_at_its_cursor(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "PAGE_SIZE", 10)  # small pages, so a 120-contact organisation has many
    monkeypatch.setattr(contacts_sync.resources, "PAGE_SIZE", 10)
    monkeypatch.setattr(contacts_sync, "PAGES_PER_TURN", 2)
    connect(hub)
    first = contacts_sync.run_once(hub, worker="test")
    with hub.db.read() as session:
        run = session.scalars(select(SyncRun).where(SyncRun.job == "contacts_import")).one()
    assert run.state is RunState.QUEUED and run.cursor == {"page": 3} and run.progress["pages"] == 2, first
    assert run.progress["estimate"] == 120  # Xero's itemCount: the page shows how far the import is
    said = pull_all(hub)
    with hub.db.read() as session:
        run = session.scalars(select(SyncRun).where(SyncRun.job == "contacts_import")).one()
    assert run.state is RunState.DONE and len(said) >= 4 and run.progress["pages"] >= 8
    assert run.api_calls == run.progress["pages"] == 12  # 120 contacts, 10 a page: no call past the last page


def test_polls_take_xero_changes_for_xero_owned_contacts_and_show_drift_for_our_suppliers(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.read() as session:
        ours = session.scalars(
            select(PlatformContact).where(
                PlatformContact.origin == Origin.PLATFORM,
                PlatformContact.is_supplier,
                PlatformContact.xero_contact_id.is_not(None),
            )
        ).first()
        theirs = session.scalars(
            select(PlatformContact).where(PlatformContact.origin == Origin.XERO, ~PlatformContact.is_supplier)
        ).first()
    assert ours is not None and theirs is not None
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{ours.xero_contact_id}/edit", EmailAddress="changed@xero.example")
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{theirs.xero_contact_id}/edit", EmailAddress="new@xero.example")
    with hub.db.write() as session:
        runs.request(session, company_id=harbour(hub), job="contacts_poll")
    pull_all(hub)
    with hub.db.read() as session:
        ours_now = session.get(PlatformContact, ours.id)
        theirs_now = session.get(PlatformContact, theirs.id)
    assert ours_now is not None and ours_now.email == ours.email  # the platform wins for its supplier
    assert ours_now.drift == {"email": "changed@xero.example"}
    assert theirs_now is not None and theirs_now.email == "new@xero.example"  # Xero owns this one


def test_archived_in_xero_is_an_error_until_restored_and_a_merge_relinks(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.read() as session:
        a, b = session.scalars(
            select(PlatformContact).where(PlatformContact.xero_contact_id.is_not(None)).limit(2)
        ).all()
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{a.xero_contact_id}/archive")
    with hub.db.write() as session:
        runs.request(session, company_id=harbour(hub), job="contacts_webhook", ids=[str(a.xero_contact_id)])
    pull_all(hub)
    with hub.db.read() as session:
        error = session.scalars(select(SyncError)).one()
    assert error.cause == "contact_archived" and error.entity_id == str(a.id)
    with hub.db.read() as session:
        assert session.scalars(select(Alert.kind)).all() == ["contact_failed"]  # the digest email tells a person
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{a.xero_contact_id}/unarchive")
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{b.xero_contact_id}/merge", into=str(a.xero_contact_id))
    with hub.db.write() as session:
        runs.request(
            session,
            company_id=harbour(hub),
            job="contacts_webhook",
            ids=[str(a.xero_contact_id), str(b.xero_contact_id)],
        )
    pull_all(hub)
    with hub.db.read() as session:
        assert session.scalars(select(SyncError.status)).one() is ErrorStatus.RESOLVED
        relinked = session.get(PlatformContact, b.id)
        note = session.scalar(select(ContactHistory.note).where(ContactHistory.source == "relink"))
    assert relinked is not None and relinked.xero_contact_id == a.xero_contact_id and note


def test_polls_and_reconciles_are_asked_for_when_due(hub: Hub) -> None:

    from core import clock

    connect(hub)
    assert contacts_sync.schedule(hub) == "0 contact pulls asked for"  # the import has not finished yet
    pull_all(hub)
    clock.advance(timedelta(minutes=11))
    assert contacts_sync.schedule(hub) == "1 contact pulls asked for"
    pull_all(hub)
    clock.advance(timedelta(hours=25))
    contacts_sync.schedule(hub)
    with hub.db.read() as session:
        jobs = [
            r.job
            for r in session.scalars(select(SyncRun).where(SyncRun.job.in_(contacts_sync.JOBS)).order_by(SyncRun.id))
        ]
    assert jobs == ["contacts_import", "contacts_poll", "contacts_reconcile"]


def test_the_nightly_reconcile_catches_a_change_that_does_not_move_updated_date(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.read() as session:
        supplier = session.scalars(
            select(PlatformContact).where(
                PlatformContact.origin == Origin.XERO, PlatformContact.is_supplier, ~PlatformContact.is_customer
            )
        ).first()
    assert supplier is not None
    # In Xero the supplier becomes customer-only without its UpdatedDateUTC moving (as Xero does for these flags).
    sim.control(
        "POST", f"/orgs/{HARBOUR}/contacts/{supplier.xero_contact_id}/silent", IsSupplier=False, IsCustomer=True
    )
    for job in ("contacts_poll", "contacts_reconcile"):
        with hub.db.write() as session:
            runs.request(session, company_id=harbour(hub), job=job)
        pull_all(hub)
        with hub.db.read() as session:
            now = session.get(PlatformContact, supplier.id)
        assert now is not None
        if job == "contacts_poll":
            assert not now.outside_policy  # If-Modified-Since cannot see it
    assert now.outside_policy  # the full pass did: customer-only is outside the default policy


def test_the_policy_preview_counts_from_every_contact_seen_in_xero(hub: Hub) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.read() as session:
        default = contact_policy.policy_preview(session, actor(hub), harbour(hub), "suppliers_and_contacts", ())
        everything = contact_policy.policy_preview(session, actor(hub), harbour(hub), "all", ())
        customers = contact_policy.policy_preview(session, actor(hub), harbour(hub), "customers_only", ())
        waiting = len(session.scalars(select(MatchReview)).all())
    assert everything.known == everything.taken >= default.taken > 0 and default.sample_taken
    assert (
        default.known == everything.known > count(hub, PlatformContact.origin == Origin.XERO) + waiting
    )  # seen, not imported
    assert customers.outside > 0  # suppliers would fall outside a customers-only policy


def test_a_pull_xero_fails_is_a_sync_error_that_resolves_when_the_pull_works(hub: Hub, sim: Simulator) -> None:

    from core import clock

    connect(hub)
    company = harbour(hub)
    control.post(f"{sim.url}/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/api.xro/2.0/Contacts"})
    said = contacts_sync.run_once(hub, worker="test")
    assert "Will retry" in said
    with hub.db.read() as session:
        error = session.scalars(select(SyncError).where(SyncError.company_id == company)).one()
        run = session.scalars(select(SyncRun).where(SyncRun.job == "contacts_import")).one()
    assert (error.cause, error.entity_type, error.entity_id) == ("xero_outage", "sync_job", "contacts_import")
    assert error.status is ErrorStatus.OPEN and error.detail and error.detail.startswith("Initial import")
    assert error.raw_request and error.raw_request["path"] == "/Contacts"
    assert run.state is RunState.QUEUED  # kept, to resume from its cursor
    control.delete(f"{sim.url}/_sandbox/faults")
    clock.advance(timedelta(minutes=2))
    pull_all(hub)
    with hub.db.read() as session:
        error = session.get(SyncError, error.id)
    assert error is not None and error.status is ErrorStatus.RESOLVED


def test_a_fault_in_the_hub_is_recorded_kept_for_later_and_raised(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    connect(hub)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("ContactID")

    monkeypatch.setattr(contacts_sync, "from_xero", broken)
    with pytest.raises(KeyError):
        contacts_sync.run_once(hub, worker="test")
    with hub.db.read() as session:
        error = session.scalars(select(SyncError).where(SyncError.company_id == harbour(hub))).one()
        run = session.scalars(select(SyncRun).where(SyncRun.job == "contacts_import")).one()
    assert error.cause == "hub_bug" and "KeyError" in (error.detail or "")
    assert run.state is RunState.QUEUED and run.lease_owner is None
