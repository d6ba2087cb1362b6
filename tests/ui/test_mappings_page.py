"""The Mappings page with seeded state: the empty state before connecting, suggested mappings from stored reference
data, a refused tax rate with its reason, a saved change, the watchdog's flag, the kind of account payments go to
(and what to do in Xero when none is there), and read-only viewers."""

from __future__ import annotations

import random

from streamlit.testing.v1 import AppTest

from core import clock
from core.hub import Hub
from core.mappings import refresh as reference
from core.mappings.reference import account_json, tax_json, tracking_json
from core.mappings.rules import PAYMENT_ACCOUNTS
from core.models.base import AuditEvent
from core.models.mappings import Mapping, MappingKind
from core.models.sync import ConnectionState
from core.sync.errors import EntityRef, record
from demodata.accounts import build_accounts
from demodata.taxes import build_tax_rates
from tests.ui.conftest import page_text
from tests.ui.test_connections_page import company_id, seed_connection
from tests.ui.test_pages import FIONA, AppFactory, run_ok

PAGE = "web/pages/mappings.py"
HARBOUR = "Harbour Bakery Ltd"


def open_page(app_as: AppFactory, who: str = FIONA) -> AppTest:
    at = run_ok(app_as(who))
    return run_ok(at.switch_page(PAGE))


def seed_reference(hub: Hub, *, archive: str | None = None, payments_enabled: bool = True) -> None:
    """Reference data as a refresh from Xero stores it (the first one also suggests defaults); without
    payments_enabled, no account has "Enable payments to this account" ticked."""
    accounts = [account_json(a) for a in build_accounts(random.Random(1), "GB", "GBP")]
    for account in accounts:
        if account["code"] == archive:
            account["status"] = "ARCHIVED"
        account["payments"] = account["payments"] and payments_enabled
    data = {
        "accounts": accounts,
        "tax_rates": [tax_json(t) for t in build_tax_rates("GB")],
        "currencies": [{"code": "GBP", "description": "British Pound"}, {"code": "EUR", "description": "Euro"}],
        "contact_groups": [],
    }
    with hub.db.write() as session:
        reference.store(session, company_id(hub, HARBOUR), "tenant-harbour", data)


def save_one(at: AppTest, key: str, row_starts: str, row_has: str, target_starts: str) -> AppTest:
    """Pick a row in the one-row form, then its target (the target box follows the row picked), and save."""
    row = next(s for s in at.selectbox if s.key == f"{key}-one-row")
    row.select_index(next(i for i, o in enumerate(row.options) if o.startswith(row_starts) and row_has in o))
    at = run_ok(at)
    target = next(s for s in at.selectbox if s.key == f"{key}-one-target")
    target.select_index(next(i for i, o in enumerate(target.options) if o.startswith(target_starts)))
    next(b for b in at.button if b.key == f"{key}-one-save").click()
    return run_ok(at)


def test_before_connecting_the_page_says_to_connect_first(app_as: AppFactory) -> None:
    text = page_text(open_page(app_as))
    assert "Connect to Xero first" in text and "kept across disconnects and reconnects" in text


def test_a_tax_rate_with_another_effective_rate_is_refused_with_the_reason(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    seed_reference(ui_hub)
    at = open_page(app_as)
    text = page_text(at)
    assert "read from Xero" in text and "Suggested (check it)" in text
    at = save_one(at, "tax", "VAT5", "Sales", "OUTPUT2")
    errors = " ".join(str(e.value) for e in at.error)
    assert "Nothing was saved" in errors and "The effective rates differ" in errors and "Reduced VAT 5% is 5%" in errors

    at = save_one(at, "tax", "ZERO ", "Sales", "EXEMPTOUTPUT")
    assert "Saved 1 mapping change;" in page_text(at)
    with ui_hub.db.read() as session:
        saved = session.query(Mapping).filter_by(source="ZERO", scope="sales").one()
    assert saved.target == "EXEMPTOUTPUT" and saved.origin == "person"


def test_saving_a_suggestion_as_it_stands_confirms_it(app_as: AppFactory, ui_hub: Hub) -> None:
    """The "Map to" box starts at what the row maps to now; saving it unchanged makes the suggestion the person's."""
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    seed_reference(ui_hub)
    at = open_page(app_as)
    row = next(s for s in at.selectbox if s.key == "acc-one-row")
    target = next(s for s in at.selectbox if s.key == "acc-one-target")
    with ui_hub.db.read() as session:
        first = session.query(Mapping).filter_by(kind=MappingKind.ACCOUNT).order_by(Mapping.id).all()
    suggested = {(m.scope, m.source): m.target for m in first if m.origin == "suggested"}
    assert suggested and str(target.value).split(" · ")[0] in suggested.values()  # not "— not mapped —"
    assert not str(target.value).startswith("—")
    next(b for b in at.button if b.key == "acc-one-save").click()
    at = run_ok(at)
    assert "Saved 1 mapping change;" in page_text(at)
    with ui_hub.db.read() as session:
        origins = {m.origin for m in session.query(Mapping).filter_by(kind=MappingKind.ACCOUNT).all()}
    assert "person" in origins and row.value is not None


def test_the_watchdog_flag_shows_with_the_reason(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    seed_reference(ui_hub)
    seed_reference(ui_hub, archive="469")  # Xero archived the Rent account the suggestion used
    text = page_text(open_page(app_as))
    assert "Changed in Xero since it was mapped" in text and "469 · Rent is archived in Xero" in text


def test_payments_go_to_the_chosen_kind_of_account_and_an_empty_list_says_what_to_do_in_xero(
    app_as: AppFactory, ui_hub: Hub
) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    seed_reference(ui_hub, payments_enabled=False)  # no account in Xero has payments enabled
    at = open_page(app_as)
    choice = next(r for r in at.radio if r.key == "payment-accounts")
    assert choice.value == "any" and "Enable payments to this account" not in page_text(at)
    assert choice.options == [PAYMENT_ACCOUNTS[k] for k in ("any", "bank", "payments_enabled")]
    choice.set_value("payments_enabled")
    next(b for b in at.button if b.key == "FormSubmitter:payment-accounts-form-Save").click()
    at = run_ok(at)
    text = page_text(at)
    assert "Payments now go to accounts with payments enabled" in text
    assert "GBP**: No account in Xero has payments enabled" in text
    assert "tick \u201cEnable payments to this account\u201d" in text and "Chart of accounts" in text
    assert "090 · Business Bank Account is a bank account" in text  # the suggested bank account no longer fits
    assert next(r for r in at.radio if r.key == "payment-accounts").value == "payments_enabled"
    with ui_hub.db.read() as session:
        (changed,) = session.query(AuditEvent).filter_by(action="company_changed").all()
    assert changed.after == {"payment_accounts": "payments_enabled"}


def test_viewers_read_but_cannot_change(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.DISCONNECTED)
    seed_reference(ui_hub)
    at = run_ok(app_as("vic@hub.example"))
    at.sidebar.selectbox[0].select(HARBOUR)
    at = run_ok(run_ok(at).switch_page(PAGE))
    text = page_text(at)
    assert "not connected to Xero now" in text and "You can read these mappings" in text
    assert not [b for b in at.button if b.label == "Save this mapping"]
    assert next(r for r in at.radio if r.key == "payment-accounts").disabled


REGION = {
    "TrackingCategoryID": "c-region",
    "Name": "Region",
    "Status": "ACTIVE",
    "Options": [
        {"TrackingOptionID": "o-north", "Name": "North", "Status": "ACTIVE"},
        {"TrackingOptionID": "o-south", "Name": "South", "Status": "ACTIVE"},
    ],
}


def seed_tracking(hub: Hub, *, archive_north: bool = False) -> None:
    """Reference data with the Region category, and the platform's region North mapped to South by a person."""
    seed_reference(hub)
    region = tracking_json(REGION)
    if archive_north:
        region["options"][0]["status"] = "ARCHIVED"
    with hub.db.write() as session:
        company = company_id(hub, HARBOUR)
        found = reference.load(session, company)
        data = {
            "accounts": [account_json(a) for a in build_accounts(random.Random(1), "GB", "GBP")],
            "tax_rates": [tax_json(t) for t in build_tax_rates("GB")],
            "currencies": [{"code": c} for c in found.currencies],
            "contact_groups": [],
            "tracking_categories": [region],
        }
        if not archive_north:
            session.add(
                Mapping(
                    company_id=company,
                    kind=MappingKind.TRACKING,
                    scope="region",
                    source="North",
                    target="o-south",
                    origin="person",
                    changed_at=clock.now(),
                )
            )
        reference.store(session, company, "tenant-harbour", data)


def test_a_dimension_value_maps_to_a_tracking_option_and_an_archived_one_is_flagged(
    app_as: AppFactory, ui_hub: Hub
) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    seed_tracking(ui_hub)
    at = open_page(app_as)
    assert "Tracking" in [t.label for t in at.tabs]
    target = next(s for s in at.selectbox if s.key == "trk-one-target")
    assert target.value == "Region: South" and set(target.options) == {
        "— not mapped —",
        "Region: North",
        "Region: South",
    }
    at = save_one(at, "trk", "North", "Region", "Region: North")
    assert "Saved 1 mapping change;" in page_text(at)
    with ui_hub.db.read() as session:
        saved = session.query(Mapping).filter_by(kind=MappingKind.TRACKING, source="North").one()
    assert (saved.target, saved.origin) == ("o-north", "person")

    seed_tracking(ui_hub, archive_north=True)  # Xero archived North, which the row now maps to
    at = open_page(app_as)
    text = page_text(at)
    assert "Changed in Xero since it was mapped" in text and "Region: North is archived" in text
    target = next(s for s in at.selectbox if s.key == "trk-one-target")
    assert "Region: North" not in target.options  # never offered again


def test_documents_waiting_on_a_mapping_are_pointed_to_from_the_page(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    seed_reference(ui_hub)
    assert "on a mapping" not in page_text(open_page(app_as))
    with ui_hub.db.write() as session:
        for number in ("1", "2"):
            record(
                session,
                company_id=cid,
                code="missing_account_mapping",
                entity=EntityRef("document", number),
                detail="Not sent to Xero: line 1 (category 'DELIVERY'): no account.",
            )
        record(session, company_id=cid, code="contact_archived", entity=EntityRef("contact", "7"), detail="x")
    at = open_page(app_as)
    assert "2 documents or payments wait on a mapping" in " ".join(str(w.value) for w in at.warning)
    assert any(b.label == "Open their sync errors" for b in at.button)
