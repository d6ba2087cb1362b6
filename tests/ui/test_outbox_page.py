"""The Email outbox page: empty state, listed digests, reading one, sending again, and who sees what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.alerts import notify
from core.hub import Hub
from core.models.alerts import EmailMessage, EmailState
from core.models.base import AuditEvent, Company
from tests.ui.conftest import page_text

AppFactory = Callable[[str | None], AppTest]
ADA, FIONA = "ada@hub.example", "fiona@harbourbakery.example"
OUTBOX = "web/pages/outbox.py"


def open_outbox(app_as: AppFactory, email: str) -> AppTest:
    at = app_as(email)
    at.run()
    at.switch_page(OUTBOX).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def digests(hub: Hub, summaries: dict[str, str]) -> None:
    """One waiting digest per company name, each carrying one alert."""
    with hub.db.write() as session:
        for name, summary in summaries.items():
            company_id = session.scalar(select(Company.id).where(Company.name == name))
            notify.alert(session, company_id=company_id, kind="document_failed", summary=summary)
        notify.compose_digests(session, hub.settings)


def test_an_empty_outbox_says_so_and_that_delivery_is_not_configured(app_as: AppFactory) -> None:
    text = page_text(open_outbox(app_as, ADA))
    assert "No alert emails yet" in text
    assert "Email delivery is not configured" in text and "SMTP_URL" in text


def test_a_configured_outbox_names_its_server(app_as: AppFactory, ui_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtps://hub:s3cret-pass@mail.example:465")
    text = page_text(open_outbox(app_as, ADA))
    assert "Sent through smtps://hub@mail.example:465" in text
    assert "not configured" not in text and "s3cret" not in text


def test_admin_sees_every_email_reads_one_and_sends_it_again(app_as: AppFactory, ui_hub: Hub) -> None:
    digests(
        ui_hub,
        {
            "Harbour Bakery Ltd": "Invoice INV-7: <script>alert('x')</script> is not valid",
            "Kookaburra Plumbing Pty Ltd": "Bill B-9 failed",
        },
    )
    at = open_outbox(app_as, ADA)
    table = at.dataframe[0].value
    assert len(table) == 2 and set(table["State"]) == {"Waiting to send"}
    assert "Xero hub: 1 problem needs attention at Harbour Bakery Ltd" in set(table["Subject"])
    assert "accounts@harbourbakery.example, support@hub.example" in set(table["To"])

    at.selectbox(key="outbox-email").select_index(1).run()
    body = "\n".join(str(code.value) for code in at.code)
    assert "<script>alert('x')</script>" in body  # shown as text, never as markup
    assert not any("<script>" in str(html.value) for html in at.get("html"))
    chosen = next(b for b in at.button if b.key and b.key.startswith("outbox-retry-"))
    chosen.click().run()
    assert not at.exception
    with ui_hub.db.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "email_retry"))
        assert event is not None and event.actor_label == ADA
        assert set(session.scalars(select(EmailMessage.state))) == {EmailState.PENDING}


def test_finance_manager_sees_only_their_company(app_as: AppFactory, ui_hub: Hub) -> None:
    digests(ui_hub, {"Harbour Bakery Ltd": "Invoice INV-7 failed", "Tui Garden Supplies Ltd": "Bill T-1 failed"})
    at = open_outbox(app_as, FIONA)
    text = page_text(at)
    assert len(at.dataframe[0].value) == 1 and "Harbour Bakery Ltd" in text
    assert "Tui Garden" not in text and "Bill T-1" not in text
    assert not [box for box in at.selectbox if box.key == "outbox-company"]  # one company: no company filter


def test_filters_that_match_nothing_say_so(app_as: AppFactory, ui_hub: Hub) -> None:
    digests(ui_hub, {"Harbour Bakery Ltd": "Invoice INV-7 failed"})
    at = open_outbox(app_as, ADA)
    at.selectbox(key="outbox-state").select(EmailState.SENT).run()
    assert "No emails match these filters" in page_text(at)
