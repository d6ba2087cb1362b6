"""Every page renders for every role, and a finance manager never sees or changes another company."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.auth import Actor
from core.demo import seed as demo
from core.hub import Hub
from core.models.base import AuditEvent, Company
from core.staff import users
from tests.ui.conftest import page_text
from web.ui.navigation import page_files_for

AppFactory = Callable[[str | None], AppTest]
FIONA = "fiona@harbourbakery.example"


def actor(hub: Hub, email: str) -> Actor:
    with hub.db.read() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        return Actor.of(user)


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_anonymous_visitor_gets_the_sign_in_form_and_demo_accounts(app_as: AppFactory) -> None:
    at = run_ok(app_as(None))
    assert at.title[0].value == "Xero integration hub"
    assert any('action="/auth/sign-in"' in str(html.value) for html in at.get("html"))
    accounts = at.dataframe[0].value
    assert FIONA in set(accounts["Email"]) and demo.DEMO_PASSWORD in page_text(at)


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("wrong", "don't match an active account"),
        ("slow_down", "Wait 2 minutes and try again"),
        ("busy", "busy signing other people in"),
        ("disabled", "Ask a hub admin to enable it"),
        ("unavailable", "cannot reach its database"),
        ("signed_out", "You are signed out"),
    ],
)
def test_sign_in_refusals_are_explained(app_as: AppFactory, code: str, shown: str) -> None:
    at = app_as(None)
    at.query_params["signin"] = code
    at.query_params["wait"] = "100"
    run_ok(at)
    assert shown in page_text(at)


def test_unknown_single_sign_on_user_is_told_to_ask_an_admin(app_as: AppFactory) -> None:
    at = run_ok(app_as("stranger@example.com"))
    assert "has no hub account" in page_text(at)


# Words a singular count may stand before that end in "s" and are not plural nouns.
NOT_PLURAL = frozenset({"is", "was", "has", "does", "this", "its", "plus", "as", "us", "less", "minus", "yes"})


def wrong_plurals(text: str) -> list[str]:
    """Counts whose noun disagrees: "1 contacts", "(s)" left for the reader to sort out."""
    found = re.findall(r"(?<![\d.,])1 ([a-z]+s)\b", text)
    return [f"1 {word}" for word in found if word not in NOT_PLURAL] + re.findall(r"\w+\(s\)", text)


@pytest.mark.parametrize("account", demo.ACCOUNTS, ids=[a.email.split("@")[0] for a in demo.ACCOUNTS])
def test_every_page_renders_for_every_role(app_as: AppFactory, ui_hub: Hub, account: demo.DemoAccount) -> None:
    at = run_ok(app_as(account.email))
    for path, title, _icon in page_files_for(actor(ui_hub, account.email)):
        run_ok(at.switch_page(path))
        assert any(t.value == title or title.startswith(t.value) for t in at.title), (path, page_text(at)[:300])
        assert not wrong_plurals(page_text(at)), (path, wrong_plurals(page_text(at)))


def test_the_plural_check_catches_what_it_should() -> None:
    assert wrong_plurals("1 contacts match · Download 1 rows · 2 minute(s) ago") == [
        "1 contacts",
        "1 rows",
        "minute(s)",
    ]
    assert wrong_plurals("1 contact matches · 1 is waiting · 21 rows · 1.5 hours · page 1 of 3") == []


def test_finance_manager_sees_nothing_of_other_companies(app_as: AppFactory, ui_hub: Hub) -> None:
    others = [c.name for c in demo.COMPANIES if c.name != "Harbour Bakery Ltd"]
    fiona = actor(ui_hub, FIONA)
    at = run_ok(app_as(FIONA))
    assert not at.sidebar.selectbox, "a finance manager has no company picker"
    pages = page_files_for(fiona)
    assert [p[0] for p in pages] == [
        "web/pages/overview.py",
        "web/pages/connections.py",
        "web/pages/contacts.py",
        "web/pages/company.py",
        "web/pages/mappings.py",
        "web/pages/documents.py",
        "web/pages/sync_runs.py",
        "web/pages/errors.py",
        "web/pages/outbox.py",
    ]
    for path, *_ in pages:
        text = page_text(run_ok(at.switch_page(path)))
        assert "Harbour Bakery Ltd" in text
        for other in others:
            assert other not in text, (path, other)


def test_finance_manager_changes_their_company_settings(app_as: AppFactory, ui_hub: Hub) -> None:
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/company.py"))
    at.text_input[0].set_value("books@harbourbakery.example")
    at.number_input[0].set_value(30)
    at.button[0].click()
    run_ok(at)
    with ui_hub.db.read() as session:
        company = session.scalar(select(Company).where(Company.name == "Harbour Bakery Ltd"))
        assert company is not None and company.finance_contact_email == "books@harbourbakery.example"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "company_changed"))
        assert event is not None and event.actor_label == FIONA


def test_finance_manager_chooses_who_owns_contact_details_after_reading_what_it_does(
    app_as: AppFactory, ui_hub: Hub
) -> None:
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/company.py"))
    owner = at.radio(key=next(r.key for r in at.radio if str(r.key).startswith("ownership-")))
    assert owner.value == "by_role"
    owner.set_value("xero")
    run_ok(at)
    assert "No contact differs from Xero now" in page_text(at)
    next(b for b in at.button if b.label == "Save the owner").click()
    run_ok(at)
    with ui_hub.db.read() as session:
        company = session.scalar(select(Company).where(Company.name == "Harbour Bakery Ltd"))
        assert company is not None and company.settings["contact_ownership"] == "xero"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "company_changed"))
        assert event is not None and event.after == {"contact_ownership": "xero"}


def test_bad_email_is_refused_on_the_page_and_nothing_changes(app_as: AppFactory, ui_hub: Hub) -> None:
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/company.py"))
    at.text_input[0].set_value("not an email")
    at.button[0].click()
    run_ok(at)
    assert "is not an email address" in page_text(at)
    with ui_hub.db.read() as session:
        company = session.scalar(select(Company).where(Company.name == "Harbour Bakery Ltd"))
        assert company is not None and company.finance_contact_email == "accounts@harbourbakery.example"


def test_viewer_reads_company_settings_but_cannot_save(app_as: AppFactory) -> None:
    at = run_ok(app_as("vic@hub.example"))
    run_ok(at.switch_page("web/pages/company.py"))
    assert at.text_input[0].disabled and at.button[0].disabled
    assert all(r.disabled for r in at.radio) and not [b for b in at.button if b.label == "Save the owner"]


def test_admin_adds_a_user_and_sees_the_generated_password(app_as: AppFactory, ui_hub: Hub) -> None:
    at = run_ok(app_as("ada@hub.example"))
    run_ok(at.switch_page("web/pages/users.py"))
    at.text_input(key="new-name").set_value("Priya Shah")
    at.text_input(key="new-email").set_value("priya@hub.example")
    at.selectbox(key="new-role").set_value(users.Role.SUPPORT)
    next(b for b in at.button if b.label == "Add user").click()
    run_ok(at)
    assert "Password for priya@hub.example" in page_text(at)
    with ui_hub.db.read() as session:
        created = users.get_by_email(session, "priya@hub.example")
        assert created is not None and created.role is users.Role.SUPPORT


def test_audit_page_lists_and_filters_events(app_as: AppFactory) -> None:
    at = run_ok(app_as("ada@hub.example"))
    run_ok(at.switch_page("web/pages/audit.py"))
    assert "Signed in" in page_text(at)
    at.text_input[0].set_value("nobody-matches-this")
    run_ok(at)
    assert "No audit events match" in page_text(at)


def test_database_problem_is_explained_not_raised(app_as: AppFactory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://hub:pw@127.0.0.1:1/hub")
    at = run_ok(app_as(FIONA))
    text = page_text(at)
    assert "The hub cannot start" in text and "Check DATABASE_URL" in text and ":pw@" not in text


def test_finance_manager_cannot_switch_to_another_company_by_tampering(app_as: AppFactory, ui_hub: Hub) -> None:
    with ui_hub.db.read() as session:
        tui = session.scalar(select(Company.id).where(Company.name == "Tui Garden Supplies Ltd"))
    at = run_ok(app_as(FIONA))
    at.session_state["company_id"] = tui
    run_ok(at.switch_page("web/pages/company.py"))
    assert "Harbour Bakery Ltd" in page_text(at) and "Tui Garden Supplies Ltd" not in page_text(at)
    at.text_input[0].set_value("changed@harbourbakery.example")
    at.button[0].click()
    run_ok(at)
    with ui_hub.db.read() as session:
        emails = dict(session.execute(select(Company.name, Company.finance_contact_email)).all())
    assert emails["Harbour Bakery Ltd"] == "changed@harbourbakery.example"
    assert emails["Tui Garden Supplies Ltd"] == "accounts@tuigarden.example"


def test_admin_makes_a_key_for_one_company_and_the_page_says_what_it_reaches(app_as: AppFactory) -> None:
    at = run_ok(app_as("ada@hub.example"))
    run_ok(at.switch_page("web/pages/api_keys.py"))
    at.text_input[0].set_value("Harbour's platform")
    reach = at.selectbox[0]
    reach.select_index(reach.options.index("Harbour Bakery Ltd"))
    at.radio[0].set_value("read")
    next(b for b in at.button if b.label == "Create key").click()
    run_ok(at)
    assert "copy it now" in page_text(at)
    table = at.dataframe[0].value
    row = table[table["Name"] == "Harbour's platform"].iloc[0]
    assert row["Reaches"] == "Harbour Bakery Ltd · read only" and row["Expires (UTC)"] == "never"


def test_single_sign_on_needs_a_verified_email(app_as: AppFactory) -> None:
    at = app_as(FIONA)
    at.user["email_verified"] = False
    run_ok(at)
    assert "has not verified that email address" in page_text(at)
    assert any('action="/auth/sign-in"' in str(html.value) for html in at.get("html"))


def test_single_sign_on_hands_the_browser_its_session_cookie(app_as: AppFactory) -> None:
    at = run_ok(app_as(FIONA))
    handoffs = [str(html.value) for html in at.get("html") if "/auth/single-sign-on?ticket=" in str(html.value)]
    assert len(handoffs) == 1 and "window.location.assign" in handoffs[0]
    at.run()  # a rerun before the browser follows keeps the same session, with no second ticket
    assert not [html for html in at.get("html") if "/auth/single-sign-on?ticket=" in str(html.value)]
