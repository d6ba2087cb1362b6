"""Retry-all against the simulator: an archived contact's push fails, the contact is restored in Xero, "retry all
with this cause" puts the change back, the sidecar's push sends it once, and the error resolves. Pressing again
sends nothing more. A document's dry run runs the check before sending again on today's mappings."""

from __future__ import annotations

from sqlalchemy import select

from core.contacts import push as contact_push
from core.documents import push as document_push
from core.error_triage.actions import Verdict, retry
from core.error_triage.detail import detail
from core.error_triage.query import ErrorFilter
from core.hub import Hub
from core.mappings import store as mappings
from core.mappings.plan import Change
from core.models.mappings import MappingKind
from core.models.sync import ErrorStatus, SyncError
from core.sync import runs
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.contacts.test_pull import pull_all
from tests.sync.contacts.test_push import contact, contact_writes, in_xero, supplier
from tests.sync.documents.test_push import GOODS, errors_of, issue
from tests.sync.documents.test_push import ready as ready  # the fixture: Harbour connected, mappings suggested


def test_retry_all_with_this_cause_after_unarchiving_sends_once_and_resolves(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    supplier(hub, "r1", "SUP-5001", name="Riverside Joinery Ltd")
    assert contact_push.push_due(hub, worker="test").sent == 1
    xero_id = contact(hub, "SUP-5001").xero_contact_id
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{xero_id}/archive")
    supplier(hub, "r2", "SUP-5001", email="orders@riversidejoinery.example")
    assert contact_push.push_due(hub, worker="test").failed == 1

    fiona, group = actor(hub), ErrorFilter(company_id=harbour(hub), cause="contact_archived")
    with hub.db.read() as session:
        (check,) = retry(session, fiona, flt=group).checks  # the dry run, before the cause is fixed
    assert check.verdict is Verdict.GO and "Xero decides" in check.reason

    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{xero_id}/unarchive")
    with hub.db.write() as session:  # Xero's webhook: the hub reads the restored contact
        runs.request(session, company_id=harbour(hub), job="contacts_webhook", ids=[str(xero_id)])
    pull_all(hub)
    with hub.db.read() as session:  # the change is still unsent, so its error stays for the retry
        assert session.scalars(select(SyncError.status)).one() is ErrorStatus.OPEN
    with hub.db.write() as session:
        assert retry(session, fiona, flt=group, dry_run=False).count(Verdict.GO) == 1
    with hub.db.write() as session:  # the storm: pressed again before the sidecar ran
        assert retry(session, fiona, flt=group, dry_run=False).checks == ()
    before = len(contact_writes(sim))
    assert contact_push.push_due(hub, worker="test").sent == 1
    assert contact_push.push_due(hub, worker="test").sent == 0
    assert len(contact_writes(sim)) == before + 1
    with hub.db.read() as session:
        error = session.scalars(select(SyncError)).one()
    assert error.status is ErrorStatus.RESOLVED and error.resolved_at is not None
    assert in_xero(hub, "SUP-5001")["EmailAddress"] == "orders@riversidejoinery.example"


def test_the_dry_run_checks_a_documents_mappings_again_before_it_is_sent(ready: Hub, sim: Simulator) -> None:
    fiona, company_id = actor(ready), harbour(ready)
    with ready.db.write() as session:  # VAT5 is not mapped for sales yet
        mappings.save(session, fiona, company_id, [Change(MappingKind.TAX, "sales", "VAT5", None)])
    issue(ready, "INV-7104", lines=[{**GOODS, "tax_rate": "VAT5", "tax_amount": 2.07}])
    assert document_push.push_due(ready, worker="test").failed == 1
    group = ErrorFilter(company_id=company_id, cause="missing_tax_mapping")
    with ready.db.write() as session:
        (blocked,) = retry(session, fiona, flt=group, dry_run=False).checks
    assert blocked.verdict is Verdict.BLOCKED and "VAT5" in blocked.reason
    with ready.db.read() as session:
        shown = detail(session, fiona, blocked.error_id, xero_api_url=sim.url)
    assert (shown.hub_page, shown.hub_search, shown.xero_url) == ("documents", "INV-7104", None)  # not in Xero yet
    assert errors_of(ready, "INV-7104")[0].status is ErrorStatus.OPEN  # nothing was queued
    with ready.db.write() as session:
        mappings.save(session, fiona, company_id, [Change(MappingKind.TAX, "sales", "VAT5", "RROUTPUT")])
    with ready.db.read() as session:
        (check,) = retry(session, fiona, flt=group).checks
    assert check.verdict is Verdict.GO and "passes the check before sending" in check.reason
    with ready.db.write() as session:
        retry(session, fiona, flt=group, dry_run=False)
    assert document_push.push_due(ready, worker="test").sent == 1
    assert errors_of(ready, "INV-7104")[0].status is ErrorStatus.RESOLVED
