"""Reference data and mappings against the simulator over real HTTP, on SQLite and PostgreSQL: the refresh after
connecting, suggested defaults, audited changes, mappings kept across disconnect/remove/reconnect, CSV import, and
the watchdog flagging a mapping whose account was archived in Xero."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import clock
from core.connections import lifecycle as connections
from core.hub import Hub
from core.mappings import csv_files as mappings_csv
from core.mappings import organisation
from core.mappings import refresh as reference
from core.mappings import store as mappings
from core.mappings.plan import Change
from core.models.base import AuditEvent
from core.models.mappings import Mapping, MappingKind
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument
from core.models.sync import ErrorStatus, RunState, SyncError, SyncRun
from core.sync import runs
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture

A, T = MappingKind.ACCOUNT, MappingKind.TAX
SI, BILL = DocumentKind.SALES_INVOICE, DocumentKind.BILL


def refresh_all(hub: Hub) -> list[str]:
    said = []
    for _ in range(5):
        outcome = reference.run_once(hub, worker="test")
        if outcome == "nothing to refresh":
            return said
        said.append(outcome)
    raise AssertionError(said)


def mapped(hub: Hub) -> dict[tuple[str, str, str], Mapping]:
    with hub.db.read() as session:
        return {(m.kind.value, m.scope, m.source): m for m in mappings.rows(session, harbour(hub))}


def add_bill(hub: Hub, number: str, category: str, tax_rate: str = "VAT20") -> None:
    company = harbour(hub)
    now = clock.now()
    with hub.db.write() as session:
        contact = session.scalars(select(PlatformContact).where(PlatformContact.company_id == company)).first()
        assert contact is not None
        line = {"description": "Flour", "quantity": "1", "unit_amount": "10", "category": category}
        session.add(
            PlatformDocument(
                company_id=company,
                platform_id=number,
                kind=DocumentKind.BILL,
                number=number,
                contact_id=contact.id,
                issue_date=date(2026, 11, 1),
                currency="GBP",
                lines=[{**line, "tax_rate": tax_rate}],
                total=Decimal("12.00"),
                created_at=now,
                changed_at=now,
            )
        )


def test_connecting_reads_reference_data_with_six_calls_and_suggests_defaults(hub: Hub, sim: Simulator) -> None:
    before = len(control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json())
    connect(hub)
    said = refresh_all(hub)
    assert len(said) == 1 and "accounts" in said[0]
    calls = control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json()[before:]
    api = sorted(c["path"].rsplit("/", 1)[-1] for c in calls if "/api.xro/" in c["path"])
    assert api == ["Accounts", "ContactGroups", "Currencies", "Organisation", "TaxRates", "TrackingCategories"]
    with hub.db.read() as session:
        ref = reference.load(session, harbour(hub))
        run = runs.latest(session, actor(hub), harbour(hub), reference.JOB)
    assert ref.tenant_id == HARBOUR and ref.fetched_at is not None
    with hub.db.read() as session:
        org = organisation.of_company(session, harbour(hub), "https://api.xero.com")
    assert re.fullmatch(r"![A-Za-z0-9]{5}", org.short_code or "")  # links into Xero name the organisation now
    assert ref.account("455") is not None and not ref.account("455").active  # type: ignore[union-attr]
    assert any(len(t.components) > 1 for t in ref.tax_types) and set(ref.currencies) == {"GBP", "EUR"}
    assert ref.contact_groups and run is not None and run.state is RunState.DONE and run.api_calls == 6
    found = mapped(hub)
    assert found[("account", "sales_invoice", "GOODS")].target == "200"
    assert found[("tax", "purchases", "VAT20")].target == "INPUT2" and found[("payment", "", "GBP")].target == "090"
    assert {m.origin for m in found.values()} == {"suggested"}
    with hub.db.read() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "mapping_changed")).all()
    assert len(audited) == len(found) and all(a.actor_label == "system" and a.before is None for a in audited)


def test_changes_are_audited_refused_ones_change_nothing_and_mappings_survive_reconnects(hub: Hub) -> None:
    connect(hub)
    refresh_all(hub)
    fiona = actor(hub)
    with hub.db.write() as session:
        mappings.save(session, fiona, harbour(hub), [Change(A, "bill", "RENT", "473")])
    changes = [Change(A, "bill", "RENT", "469"), Change(T, "sales", "VAT5", "OUTPUT2")]
    with (
        pytest.raises(mappings.MappingError, match="Nothing was saved: 1 row") as refused,
        hub.db.write() as session,
    ):
        mappings.save(session, fiona, harbour(hub), changes)
    assert "The effective rates differ" in refused.value.refusals[0].reason
    assert mapped(hub)[("account", "bill", "RENT")].target == "473"  # the valid row was not applied either
    with hub.db.read() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None and last.before == {"target": "469", "origin": "suggested"}
    assert last.after == {"target": "473", "origin": "person"} and last.actor_label == fiona.email

    for end in (connections.disconnect, connections.remove):
        with hub.db.write() as session:
            end(session, fiona, harbour(hub))
        assert mapped(hub)[("account", "bill", "RENT")].target == "473"
        connect(hub)
        refresh_all(hub)
        kept = mapped(hub)[("account", "bill", "RENT")]
        assert kept.target == "473" and kept.origin == "person"  # no second round of suggestions over it
    with pytest.raises(mappings.MappingError, match="effective rates differ"), hub.db.write() as session:
        mappings.save(
            session,
            actor(hub, "colin@harbourbakery.example"),
            harbour(hub),
            [Change(T, "sales", "VAT5", "OUTPUT2")],
        )


def test_a_csv_file_with_any_bad_row_applies_nothing(hub: Hub) -> None:
    connect(hub)
    refresh_all(hub)
    fiona = actor(hub)
    bad = "document_kind,category,account_code\nbill,RENT,473\nbill,RENT,469\nbill,FREIGHT,455\nbill,NOPE,400\n"
    with hub.db.write() as session:
        result = mappings_csv.import_file(session, fiona, harbour(hub), A, bad, name="bad.csv")
    assert not result.ok and len(result.errors) == 3
    assert "Line 3: RENT (bill)" in result.errors[0] and "twice" in result.errors[0]
    assert "archived" in result.errors[1] and "no line category 'NOPE'" in result.errors[2]
    assert mapped(hub)[("account", "bill", "RENT")].target == "469"
    good = "document_kind,category,account_code\nbill,RENT,473\nsales_invoice,DELIVERY,\n"
    with hub.db.write() as session:
        assert mappings_csv.import_file(session, fiona, harbour(hub), A, good, name="good.csv").ok
    after = mapped(hub)
    assert (
        after[("account", "bill", "RENT")].origin == "import" and ("account", "sales_invoice", "DELIVERY") not in after
    )
    with hub.db.read() as session:
        exported = mappings_csv.export(session, fiona, harbour(hub), A)
    assert "bill,RENT,473" in exported and exported.startswith("document_kind,category,account_code")


def test_the_watchdog_flags_a_mapping_whose_account_xero_archived_and_clears_it_once_fixed(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    refresh_all(hub)
    add_bill(hub, "BILL-77", "RENT")
    assert mapped(hub)[("account", "bill", "RENT")].target == "469"
    with hub.db.read() as session:
        rent = reference.load(session, harbour(hub)).account("469")
        assert isinstance(
            mappings.resolve(session, harbour(hub), A, document_kind=DocumentKind.BILL, category="RENT"),
            mappings.Resolved,
        )
    assert rent is not None
    sim.control("POST", f"/orgs/{HARBOUR}/accounts/{rent.account_id}/archive")
    with hub.db.write() as session:
        reference.request_refresh(session, actor(hub), harbour(hub))
    refresh_all(hub)
    row = mapped(hub)[("account", "bill", "RENT")]
    assert row.stale_reason and "archived in Xero" in row.stale_reason
    with hub.db.read() as session:
        flagged = session.scalars(select(SyncError).where(SyncError.cause == "mapping_stale")).all()
        error = next(e for e in flagged if e.entity_id == "account:bill:RENT")
        problem = mappings.resolve(session, harbour(hub), A, document_kind=DocumentKind.BILL, category="RENT")
    assert error.status is ErrorStatus.OPEN and "BILL-77" in (error.detail or "")
    assert {e.entity_id for e in flagged} == {"account:bill:RENT", "account:supplier_credit_note:RENT"}
    assert isinstance(problem, mappings.Problem) and problem.cause == "mapping_stale"
    with hub.db.write() as session:
        mappings.save(session, actor(hub), harbour(hub), [Change(A, "bill", "RENT", "473")])
    with hub.db.read() as session:
        assert session.get(SyncError, error.id).status is ErrorStatus.RESOLVED  # type: ignore[union-attr]
    assert mapped(hub)[("account", "bill", "RENT")].stale_reason is None


def test_refreshes_are_asked_for_hourly(hub: Hub) -> None:
    connect(hub)
    refresh_all(hub)
    assert reference.schedule(hub) == "0 reference refreshes asked for"
    clock.advance(timedelta(hours=1, minutes=1))
    assert reference.schedule(hub) == "1 reference refreshes asked for"
    with hub.db.read() as session:
        waiting = session.scalars(
            select(SyncRun).where(SyncRun.job == reference.JOB, SyncRun.state == RunState.QUEUED)
        ).all()
    assert len(waiting) == 1


@pytest.mark.parametrize(
    ("kind", "ask", "expected"),
    [
        pytest.param(A, {"document_kind": SI, "category": "GOODS"}, "200", id="account"),
        pytest.param(A, {"document_kind": BILL, "category": "GOODS"}, "missing_account_mapping", id="no-account"),
        pytest.param(T, {"document_kind": BILL, "tax_rate": "VAT20", "category": "RENT"}, "INPUT2", id="tax"),
        pytest.param(T, {"document_kind": SI, "tax_rate": "VAT175"}, "missing_tax_mapping", id="no-tax"),
        pytest.param(MappingKind.PAYMENT, {"currency": "EUR"}, "092", id="payment"),
        pytest.param(MappingKind.PAYMENT, {"currency": "USD"}, "missing_payment_mapping", id="no-payment"),
    ],
)  # fmt: skip
def test_resolve_answers_the_push_with_a_target_or_a_named_problem(
    hub: Hub, kind: MappingKind, ask: dict, expected: str
) -> None:
    connect(hub)
    refresh_all(hub)
    with hub.db.read() as session:
        found = mappings.resolve(session, harbour(hub), kind, **ask)
    if isinstance(found, mappings.Resolved):
        assert found.target == expected
    else:
        assert found.cause == expected and "Mappings page" in found.message


def test_a_refresh_for_a_company_that_is_not_connected_is_refused_in_words(hub: Hub) -> None:
    with hub.db.write() as session:
        said = reference.request_refresh(session, actor(hub), harbour(hub))
    assert said.startswith("Not refreshed: the company is not connected to Xero")
    with hub.db.read() as session:
        assert not runs.under_way(session, harbour(hub), (reference.JOB,))


def test_a_category_only_seen_on_a_waiting_document_can_be_mapped(hub: Hub) -> None:
    connect(hub)
    refresh_all(hub)
    add_bill(hub, "BILL-88", "PACKAGING")
    with hub.db.write() as session:
        mappings.save(session, actor(hub), harbour(hub), [Change(A, "bill", "PACKAGING", "429")])
        with pytest.raises(mappings.MappingError, match="used on purchases documents only"):
            mappings.save(session, actor(hub), harbour(hub), [Change(A, "sales_invoice", "PACKAGING", "200")])
    assert mapped(hub)[("account", "bill", "PACKAGING")].target == "429"
