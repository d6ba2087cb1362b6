"""Tracking categories end to end, against the simulator over real HTTP on SQLite and PostgreSQL: read with the
reference data, a line's dimension values suggested and mapped (page and CSV), sent to Xero as line Tracking, and
refused before any call when unmapped or when Xero archived the option (which the watchdog flags too)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.documents import push as document_push
from core.hub import Hub
from core.mappings import csv_files as mappings_csv
from core.mappings import refresh as reference
from core.mappings import store as mappings
from core.mappings import view as mappings_view
from core.mappings.plan import Change
from core.models.mappings import MappingKind
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.platform_api.checks import PlatformInputError
from core.sync import outbox
from core.xero import resources
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.documents.test_push import GOODS, errors_of, issue, writes, xero
from tests.sync.documents.test_push import ready as ready  # connected, reference read, a supplier in Xero
from tests.sync.mappings.test_reference_and_mappings import mapped, refresh_all

TRK = MappingKind.TRACKING


def options(hub: Hub) -> dict[str, str]:
    """'Region: North' → its option id, as the hub read them."""
    with hub.db.read() as session:
        return {o.label: o.option_id for o in reference.load(session, harbour(hub)).tracking}


def test_options_are_read_suggested_for_values_on_lines_and_sent_to_xero_as_tracking(ready: Hub) -> None:
    found = options(ready)
    assert set(found) == {"Region: North", "Region: South", "Department: Sales", "Department: Operations"}
    issue(ready, "INV-8001", lines=[{**GOODS, "tracking": {"region": "north", "department": "Sales"}}])
    assert document_push.push_due(ready, worker="test").failed == 1  # not mapped yet: refused, no call
    (error,) = errors_of(ready, "INV-8001")
    assert error.cause == "missing_tracking_mapping"
    assert "region 'north' has no Xero tracking option" in (error.detail or "")
    assert _ask_refresh(ready)  # the next refresh suggests an option for the values that arrived meanwhile
    refresh_all(ready)
    rows = mapped(ready)
    assert rows[("tracking", "region", "north")].target == found["Region: North"]  # names match, ignoring case
    assert rows[("tracking", "department", "Sales")].origin == "suggested"
    with ready.db.write() as session:
        failed = session.scalars(select(OutboxEntry.id).where(OutboxEntry.state == OutboxState.FAILED)).all()
        outbox.retry(session, list(failed))
    assert document_push.push_due(ready, worker="test").sent == 1
    assert errors_of(ready, "INV-8001")[0].status is ErrorStatus.RESOLVED
    (invoice,) = xero(ready, resources.INVOICES, InvoiceNumbers="INV-8001")
    sent = sorted((t["Name"], t["Option"], t["TrackingOptionID"]) for t in invoice["LineItems"][0]["Tracking"])
    assert sent == [
        ("Department", "Sales", found["Department: Sales"]),
        ("Region", "North", found["Region: North"]),
    ]


def _ask_refresh(hub: Hub) -> bool:
    with hub.db.write() as session:
        said = reference.request_refresh(session, actor(hub), harbour(hub))
    return said.startswith("Refresh from Xero asked for")


def test_an_option_archived_in_xero_is_flagged_and_stops_documents_before_any_call(ready: Hub, sim: Simulator) -> None:
    north = options(ready)["Region: North"]
    with ready.db.write() as session:
        mappings.save(session, actor(ready), harbour(ready), [Change(TRK, "region", "North", north)])
    issue(ready, "INV-8002", lines=[{**GOODS, "tracking": {"region": "North"}}])
    sim.control("POST", f"/orgs/{HARBOUR}/tracking-options/{north}/archive")
    _ask_refresh(ready)
    refresh_all(ready)
    row = mapped(ready)[("tracking", "region", "North")]
    assert row.stale_reason and "Region: North is archived" in row.stale_reason
    with ready.db.read() as session:
        flag = session.scalars(select(SyncError).where(SyncError.entity_id == "tracking:region:North")).one()
        page = mappings_view.page(session, actor(ready), harbour(ready))
    assert flag.cause == "mapping_stale" and "INV-8002" in (flag.detail or "")
    assert [r.source for r in page.flagged] == ["North"] and page.tracking[0].target_label == "Region: North"
    assert north not in {code for code, _ in page.tracking[0].choices}  # an archived option is never offered
    calls = len(writes(sim))
    assert document_push.push_due(ready, worker="test").failed == 1
    assert len(writes(sim)) == calls
    (error,) = errors_of(ready, "INV-8002")
    assert error.cause == "mapping_stale" and "Region: North" in (error.detail or "")
    with pytest.raises(mappings.MappingError, match="archived"), ready.db.write() as session:
        mappings.save(session, actor(ready), harbour(ready), [Change(TRK, "region", "North", north)])
    south = options(ready)["Region: South"]
    with ready.db.write() as session:
        mappings.save(session, actor(ready), harbour(ready), [Change(TRK, "region", "North", south)])
    with ready.db.read() as session:
        assert session.get(SyncError, flag.id).status is ErrorStatus.RESOLVED  # type: ignore[union-attr]


def test_tracking_mappings_go_through_csv_by_names_and_a_bad_row_applies_nothing(ready: Hub) -> None:
    fiona, company = actor(ready), harbour(ready)
    header = "dimension,value,tracking_category,tracking_option\n"
    bad = header + "region,North,Region,North\nregion,East,Region,East\n"
    with ready.db.write() as session:
        result = mappings_csv.import_file(session, fiona, company, TRK, bad, name="bad.csv")
    assert not result.ok and len(result.errors) == 1 and "'Region: East' is not among" in result.errors[0]
    assert ("tracking", "region", "North") not in mapped(ready)
    good = header + "region,North,region,north\ncost_centre,Bakery floor,DEPARTMENT,operations\n"
    with ready.db.write() as session:
        assert mappings_csv.import_file(session, fiona, company, TRK, good, name="good.csv").ok
    rows = mapped(ready)
    assert rows[("tracking", "cost_centre", "Bakery floor")].target == options(ready)["Department: Operations"]
    with ready.db.read() as session:
        exported = mappings_csv.export(session, fiona, company, TRK)
    assert exported.splitlines()[0] == header.strip()
    assert "cost_centre,Bakery floor,Department,Operations" in exported and "region,North,Region,North" in exported


@pytest.mark.parametrize(
    ("tracking", "field"),
    [
        pytest.param({"a": "1", "b": "2", "c": "3"}, "data.lines[0].tracking", id="three-dimensions"),
        pytest.param({"region": ["North"]}, "data.lines[0].tracking.region", id="not-text"),
        pytest.param({"region": "N" * 65}, "data.lines[0].tracking.region", id="too-long"),
    ],
)
def test_bad_tracking_from_the_platform_is_refused_and_nothing_is_kept(ready: Hub, tracking: dict, field: str) -> None:
    with pytest.raises(PlatformInputError) as refused:
        issue(ready, "INV-8009", lines=[{**GOODS, "tracking": tracking}])
    assert refused.value.field == field and refused.value.status == 400
    assert errors_of(ready, "INV-8009") == []
    with ready.db.read() as session:
        assert session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "document")).all() == []
