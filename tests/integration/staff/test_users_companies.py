"""Admin user management and company settings: permission checks, validation and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import audit, companies
from core.auth import Actor, PermissionDenied
from core.companies import CompanySettings
from core.demo.seed import DEMO_PASSWORD
from core.hub import Hub
from core.models.base import AuditEvent, Company, Role
from core.staff import sessions, signin, users


def actor_for(hub: Hub, email: str) -> Actor:
    with hub.db.read() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        return Actor.of(user)


def company_id(hub: Hub, name: str) -> int:
    with hub.db.read() as session:
        found = session.scalar(select(Company.id).where(Company.name == name))
        assert found is not None
        return found


ADA = "ada@hub.example"
FIONA = "fiona@harbourbakery.example"


def test_admin_creates_a_user_who_can_sign_in(seeded: Hub) -> None:
    admin = actor_for(seeded, ADA)
    harbour = company_id(seeded, "Harbour Bakery Ltd")
    with seeded.db.write() as session:
        users.create(
            session,
            admin,
            users.UserDraft("New.Person@Example.com", "New Person", Role.FINANCE_MANAGER, harbour),
            "a long password",
        )
    result = signin.sign_in(seeded.db, seeded.settings, "new.person@example.com", "a long password")
    assert result.cookie
    with seeded.db.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created"))
        assert event is not None and event.actor_label == ADA and event.after is not None
        assert event.after["role"] == "finance_manager" and event.company_id == harbour


@pytest.mark.parametrize(
    ("draft", "password", "message"),
    [
        (users.UserDraft("not-an-email", "X", Role.SUPPORT), "long enough pw", "not an email"),
        (users.UserDraft("x@example.com", " ", Role.SUPPORT), "long enough pw", "Give the user a name"),
        (users.UserDraft(FIONA, "Dup", Role.SUPPORT), "long enough pw", "already exists"),
        (
            users.UserDraft("x@example.com", "X", Role.FINANCE_MANAGER),
            "long enough pw",
            "belongs to one company",
        ),
        (users.UserDraft("x@example.com", "X", Role.SUPPORT), "short", "at least 10"),
    ],
    ids=["bad-email", "no-name", "duplicate", "fm-without-company", "short-password"],
)
def test_bad_user_input_is_refused_and_nothing_is_stored(seeded: Hub, draft, password, message) -> None:  # type: ignore[no-untyped-def]
    admin = actor_for(seeded, ADA)
    with pytest.raises(users.UserError, match=message), seeded.db.write() as session:
        users.create(session, admin, draft, password)
    with seeded.db.read() as session:
        assert users.get_by_email(session, "x@example.com") is None


@pytest.mark.parametrize("email", [FIONA, "sam@hub.example", "vic@hub.example"], ids=["fm", "support", "viewer"])
def test_only_admins_manage_users(seeded: Hub, email: str) -> None:
    with pytest.raises(PermissionDenied), seeded.db.read() as session:
        users.list_users(session, actor_for(seeded, email))


def test_reset_password_unlocks_and_ends_sessions(seeded: Hub) -> None:
    cookie = signin.sign_in(seeded.db, seeded.settings, FIONA, DEMO_PASSWORD).cookie
    for _ in range(5):
        signin.sign_in(seeded.db, seeded.settings, FIONA, "nope nope nope")
    admin = actor_for(seeded, ADA)
    fiona_id = actor_for(seeded, FIONA).user_id
    assert fiona_id is not None
    with seeded.db.write() as session:
        new_password = users.reset_password(session, admin, fiona_id)
    with seeded.db.read() as session:
        assert sessions.lookup(session, seeded.settings, cookie) is None
    assert signin.sign_in(seeded.db, seeded.settings, FIONA, new_password).cookie


def test_admin_cannot_lock_themselves_out(seeded: Hub) -> None:
    admin = actor_for(seeded, ADA)
    assert admin.user_id is not None
    with pytest.raises(users.UserError, match="your own account"), seeded.db.write() as session:
        users.set_disabled(session, admin, admin.user_id, True)
    with pytest.raises(users.UserError, match="admin role away"), seeded.db.write() as session:
        users.update(session, admin, admin.user_id, users.UserDraft(ADA, "Ada", Role.SUPPORT))


def test_finance_manager_sees_and_edits_only_their_company(seeded: Hub) -> None:
    fiona = actor_for(seeded, FIONA)
    harbour, tui = company_id(seeded, "Harbour Bakery Ltd"), company_id(seeded, "Tui Garden Supplies Ltd")
    with seeded.db.read() as session:
        assert [c.name for c in companies.list_visible(session, fiona)] == ["Harbour Bakery Ltd"]
        with pytest.raises(PermissionDenied):
            companies.get(session, fiona, tui)
    with pytest.raises(PermissionDenied), seeded.db.write() as session:
        companies.update_profile(session, fiona, tui, finance_contact_email="x@example.com", settings=CompanySettings())
    with seeded.db.write() as session:
        companies.update_profile(
            session,
            fiona,
            harbour,
            finance_contact_email="Books@HarbourBakery.example",
            settings=CompanySettings(alert_digest_minutes=30),
        )
    with seeded.db.read() as session:
        company = companies.get(session, fiona, harbour)
        assert company.finance_contact_email == "books@harbourbakery.example"
        assert companies.settings_of(company).alert_digest_minutes == 30
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "company_changed"))
        assert event is not None and event.before == {
            "alert_digest_minutes": 60,
            "finance_contact_email": "accounts@harbourbakery.example",
        }
        assert event.after == {
            "alert_digest_minutes": 30,
            "finance_contact_email": "books@harbourbakery.example",
        }


@pytest.mark.parametrize("email", ["sam@hub.example", "vic@hub.example", ADA], ids=["support", "viewer", "admin"])
def test_hub_wide_roles_see_every_company(seeded: Hub, email: str) -> None:
    with seeded.db.read() as session:
        assert len(companies.list_visible(session, actor_for(seeded, email))) == 3


def test_audit_filter_and_csv(seeded: Hub) -> None:
    admin = actor_for(seeded, ADA)
    harbour = company_id(seeded, "Harbour Bakery Ltd")
    with seeded.db.write() as session:
        companies.update_profile(
            session,
            admin,
            harbour,
            finance_contact_email="a@harbourbakery.example",
            settings=CompanySettings(),
        )
    signin.sign_in(seeded.db, seeded.settings, FIONA, "bad password!")
    signin.sign_in(seeded.db, seeded.settings, '=HYPERLINK("http://evil.example")', "x")
    with seeded.db.read() as session:
        changed = audit.list_events(session, admin, audit.AuditFilter(actions=("company_changed",)))
        assert [row.company for row in changed] == ["Harbour Bakery Ltd"]
        assert audit.count_events(session, admin, audit.AuditFilter(actor_text="FIONA")) == 1
        csv_text = audit.export_csv(session, admin, audit.AuditFilter())
        assert csv_text.splitlines()[0].startswith("at_utc,actor,action")
        assert "finance_contact_email=a@harbourbakery.example" in csv_text
        assert "'=hyperlink" in csv_text and ",=hyperlink" not in csv_text.lower()
        with pytest.raises(PermissionDenied):
            audit.list_events(session, actor_for(seeded, "sam@hub.example"), audit.AuditFilter())
