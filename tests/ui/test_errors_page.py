"""The Sync errors page: empty state, grouped view, filters from the URL, the detail panel showing Xero's text as
text, ignore refused without a note, and retry-all's dry run before it sends."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import clock
from core.hub import Hub
from core.models.base import AuditEvent, Company
from core.models.platform import PlatformContact
from core.models.sync import Connection, ConnectionState, ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.sync import errors, outbox
from tests.ui.conftest import page_text

AppFactory = Callable[[str | None], AppTest]
SAM, FIONA = "sam@hub.example", "fiona@harbourbakery.example"
ERRORS = "web/pages/errors.py"
SCRIPT = "<script>alert('owned')</script><b>bold</b>"


def open_errors(app_as: AppFactory, email: str, **params: str) -> AppTest:
    at = app_as(email)
    at.run()
    at.query_params.update(params)
    at.switch_page(ERRORS).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def company(hub: Hub, name: str) -> int:
    with hub.db.read() as session:
        return session.scalars(select(Company.id).where(Company.name.startswith(name))).one()


def refused(hub: Hub, company_id: int, entity: str, code: str = "contact_archived", detail: str = "archived") -> int:
    """A change pushed and refused: a failed outbox entry and its open error, the company connected."""
    with hub.db.write() as session:
        if session.scalar(select(Connection).where(Connection.company_id == company_id)) is None:
            session.add(
                Connection(
                    company_id=company_id, state=ConnectionState.CONNECTED, state_changed_at=clock.now(), tenant_id="t"
                )
            )
        outbox.enqueue(
            session,
            company_id=company_id,
            entity_type="contact",
            entity_id=entity,
            version=1,
            operation="update",
            payload={"Name": entity},
        )
    (claimed,) = outbox.claim(hub.db, worker="w", company_id=company_id)
    with hub.db.write() as session:
        error = errors.record(
            session,
            company_id=company_id,
            code=code,
            entity=errors.EntityRef("contact", entity, f"Supplier {entity}"),
            detail=detail,
            response={"Message": detail},
        )
        outbox.fail(session, claimed.id, worker="w", error_id=error.id)
        return error.id


def test_no_errors_says_everything_reached_xero(app_as: AppFactory) -> None:
    text = page_text(open_errors(app_as, SAM))
    assert "No open sync errors — everything reached Xero" in text


def test_support_sees_groups_across_companies_and_a_finance_manager_only_theirs(
    app_as: AppFactory, ui_hub: Hub
) -> None:
    harbour, kook = company(ui_hub, "Harbour"), company(ui_hub, "Kookaburra")
    for n in ("1", "2"):
        refused(ui_hub, harbour, n)
    refused(ui_hub, kook, "3", "duplicate_name", "Another contact has this name")
    at = open_errors(app_as, SAM)
    (frame,) = at.dataframe
    assert list(zip(frame.value["Company"], frame.value["Cause"], frame.value["Errors"], strict=True)) == [
        ("Harbour Bakery Ltd", "Contact archived in Xero", 2),
        ("Kookaburra Plumbing Pty Ltd", "Another Xero contact has this name", 1),
    ]
    text = page_text(at)
    assert "Restore the contact in Xero" in text and "The company" in text
    fiona = open_errors(app_as, FIONA)
    assert list(fiona.dataframe[0].value["Company"]) == ["Harbour Bakery Ltd"]
    assert "Kookaburra" not in page_text(fiona)


def test_the_url_filters_the_list_and_a_foreign_company_is_refused(app_as: AppFactory, ui_hub: Hub) -> None:
    harbour, kook = company(ui_hub, "Harbour"), company(ui_hub, "Kookaburra")
    refused(ui_hub, harbour, "1")
    refused(ui_hub, kook, "2")
    at = open_errors(app_as, SAM, company=str(kook))
    assert list(at.dataframe[0].value["Company"]) == ["Kookaburra Plumbing Pty Ltd"]
    assert at.selectbox(key="errors-company").value == kook
    fiona = open_errors(app_as, FIONA, company=str(kook))
    assert "company you cannot see" in page_text(fiona)
    assert list(fiona.dataframe[0].value["Company"]) == ["Harbour Bakery Ltd"]


def test_the_detail_shows_xeros_html_as_text_and_ignore_needs_a_note(app_as: AppFactory, ui_hub: Hub) -> None:
    error_id = refused(ui_hub, company(ui_hub, "Harbour"), "7", "validation", SCRIPT)
    at = open_errors(app_as, SAM)
    at.radio(key="errors-view").set_value("Every error").run()
    codes = [c.value for c in at.code]
    assert SCRIPT in codes  # shown verbatim as code, never as HTML
    assert not any(SCRIPT in str(m.value) for m in at.markdown)
    assert not any(SCRIPT in str(h.value) for h in at.get("html"))  # the page's own HTML only (sign-out, hand-off)
    at.button(key=f"error-{error_id}-ignore").click().run()
    assert "Write a note first" in page_text(at)
    with ui_hub.db.read() as session:
        assert session.get(SyncError, error_id).status is ErrorStatus.OPEN  # type: ignore[union-attr]
    at.text_input(key=f"error-{error_id}-note").set_value("Test record from the platform's QA team")
    at.button(key=f"error-{error_id}-ignore").click().run()
    with ui_hub.db.read() as session:
        assert session.get(SyncError, error_id).status is ErrorStatus.IGNORED  # type: ignore[union-attr]
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "error_status")).all()
    assert event.detail == "Test record from the platform's QA team"
    assert "No open sync errors" in page_text(at)


def test_retry_all_with_this_cause_shows_the_dry_run_then_sends(app_as: AppFactory, ui_hub: Hub) -> None:
    harbour = company(ui_hub, "Harbour")
    for n in ("1", "2", "3"):
        refused(ui_hub, harbour, n)
    at = open_errors(app_as, SAM)
    at.button(key="errors-retry-group-dry").click().run()
    text = page_text(at)
    assert "Dry run: 3 goes now" in text and "Xero decides" in text
    reasons = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert len(reasons) == 1 and reasons[0].startswith("- **Goes now** (3 errors): ")  # the reason whole, once
    with ui_hub.db.read() as session:
        assert set(session.scalars(select(OutboxEntry.state))) == {OutboxState.FAILED}
    at.button(key="errors-retry-group-go").click().run()
    assert "Retried: 3 goes now" in page_text(at)
    with ui_hub.db.read() as session:
        assert set(session.scalars(select(OutboxEntry.state))) == {OutboxState.PENDING}
        assert set(session.scalars(select(SyncError.status))) == {ErrorStatus.RETRYING}


def test_a_dry_run_with_nothing_to_send_says_why_and_offers_nothing(app_as: AppFactory, ui_hub: Hub) -> None:
    harbour = company(ui_hub, "Harbour")
    for n in ("1", "2"):
        refused(ui_hub, harbour, n)
    with ui_hub.db.write() as session:
        session.scalars(select(Connection)).one().state = ConnectionState.NEEDS_RECONNECT
    at = open_errors(app_as, SAM)
    at.button(key="errors-retry-group-dry").click().run()
    text = page_text(at)
    assert "Dry run: 2 blocked" in text and "none would go now; fix what holds them back" in text
    assert "confirm to retry" not in text
    reasons = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert len(reasons) == 1 and reasons[0].startswith("- **Blocked** (2 errors): Reconnect first:")
    go = at.button(key="errors-retry-group-go")
    assert go.label == "Nothing to retry now" and go.disabled


def test_the_detail_links_to_the_contact_in_the_hub_and_in_xero(app_as: AppFactory, ui_hub: Hub) -> None:
    harbour = company(ui_hub, "Harbour")
    with ui_hub.db.write() as session:
        contact = session.scalars(select(PlatformContact).where(PlatformContact.company_id == harbour)).first()
        contact.xero_contact_id = "c0ffee-1"
        contact_id, name = str(contact.id), contact.name
    refused(ui_hub, harbour, contact_id)
    at = open_errors(app_as, SAM)
    at.radio(key="errors-view").set_value("Every error").run()
    assert any(b.label == "Open it in Xero" for b in at.get("link_button"))
    at.button(key=f"error-{refused_id(ui_hub)}-hub").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Contacts & suppliers"
    assert at.text_input(key=f"contacts-{harbour}-text").value == name


def refused_id(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalars(select(SyncError.id)).one()
