"""The company settings page's danger zone: hub admins only; it names what goes, offers the export, and offboards
only when the company's name is typed."""

from __future__ import annotations

from sqlalchemy import select

from core.hub import Hub
from core.models.base import AuditEvent, Company
from core.models.platform import PlatformContact
from tests.ui.conftest import page_text
from tests.ui.test_pages import FIONA, AppFactory, run_ok

HARBOUR = "Harbour Bakery Ltd"


def _harbour(hub: Hub) -> Company:
    with hub.db.read() as session:
        found = session.scalar(select(Company).where(Company.name == HARBOUR))
    assert found is not None
    return found


def _offboard_button(at):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == f"Offboard {HARBOUR}")


def test_a_finance_manager_sees_no_danger_zone(app_as: AppFactory) -> None:
    at = run_ok(app_as(FIONA))  # a company admin of Harbour Bakery, still not a hub admin
    run_ok(at.switch_page("web/pages/company.py"))
    assert "Danger zone" not in page_text(at) and not [b for b in at.button if b.label.startswith("Offboard")]


def test_an_admin_offboards_a_company_by_typing_its_name(app_as: AppFactory, ui_hub: Hub) -> None:
    harbour = _harbour(ui_hub)
    at = run_ok(app_as("ada@hub.example"))
    at.session_state["company_id"] = harbour.id
    run_ok(at.switch_page("web/pages/company.py"))
    text = page_text(at)
    assert "Danger zone" in text and "contacts have their personal details and history erased" in text
    assert "2 staff users are disabled" in text
    assert [d for d in at.get("download_button") if "Download the company's data" in str(d.proto.label)]

    at.text_input(key=f"offboard-name-{harbour.id}").set_value("Harbour")
    _offboard_button(at).click()
    run_ok(at)
    assert "type the company's name exactly" in page_text(at)
    assert _harbour(ui_hub).offboarded_at is None  # a wrong name changes nothing

    at.text_input(key=f"offboard-name-{harbour.id}").set_value(HARBOUR)
    _offboard_button(at).click()
    run_ok(at)
    assert "was offboarded" in page_text(at)
    with ui_hub.db.read() as session:
        assert session.scalar(select(Company.offboarded_at).where(Company.id == harbour.id)) is not None
        emails = session.scalars(select(PlatformContact.email).where(PlatformContact.company_id == harbour.id))
        assert not any(emails)
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "company_offboarded")) is not None
