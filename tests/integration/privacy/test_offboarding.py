"""Offboarding a company: hub admins only, confirmed by typing its name; the connection removed, an export offered,
personal data erased, its staff disabled and its API keys revoked; non-personal facts and other companies kept."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import clock
from core.auth import PermissionDenied
from core.hub import Hub
from core.models.alerts import EmailMessage
from core.models.base import AuditEvent, Company, StaffUser
from core.models.platform import ApiKey, PlatformContact
from core.models.sync import Connection, ConnectionState
from core.privacy import export, offboarding
from tests.integration.health.test_overview import HARBOUR, TUI, company_id
from tests.integration.test_cli import manage
from tests.sync.connections.test_lifecycle import actor

ADA, FIONA = "ada@hub.example", "fiona@harbourbakery.example"


def _prepare(hub: Hub, company: int) -> None:
    now = clock.now()
    with hub.db.write() as session:
        session.add(
            Connection(company_id=company, state=ConnectionState.CONNECTED, tenant_name="Harbour", state_changed_at=now)
        )
        session.add(ApiKey(name="Platform", prefix="hubk_x", key_hash="h" * 64, company_id=company, created_at=now))
        session.add(
            EmailMessage(
                company_id=company,
                recipients=[FIONA],
                subject="Sync problems",
                body="Ely Eggs failed",
                next_attempt_at=now,
                created_at=now,
            )
        )


def _count(hub: Hub, *where: object) -> int:
    with hub.db.read() as session:
        return session.scalar(select(func.count()).select_from(PlatformContact).where(*where)) or 0


def test_a_finance_manager_cannot_offboard_even_their_own_company(seeded: Hub) -> None:
    harbour = company_id(seeded, HARBOUR)
    fiona = actor(seeded, FIONA)  # a company admin of Harbour Bakery
    with seeded.db.write() as session:
        for attempt in (
            lambda: offboarding.preview(session, fiona, harbour),
            lambda: offboarding.offboard(session, fiona, harbour, typed_name=HARBOUR),
            lambda: export.zip_bytes(session, fiona, harbour),
        ):
            with pytest.raises(PermissionDenied, match="offboard a company"):
                attempt()
    with seeded.db.read() as session:
        assert session.scalar(select(Company.offboarded_at).where(Company.id == harbour)) is None


def test_the_confirmation_needs_the_companys_name_and_changes_nothing_otherwise(seeded: Hub) -> None:
    harbour = company_id(seeded, HARBOUR)
    with seeded.db.write() as session, pytest.raises(offboarding.OffboardRefused, match="type the company's name"):
        offboarding.offboard(session, actor(seeded, ADA), harbour, typed_name="Harbour")
    assert _count(seeded, PlatformContact.company_id == harbour, PlatformContact.erased_at.is_not(None)) == 0


def test_an_admin_offboards_a_company_after_exporting_it(seeded: Hub) -> None:
    harbour, tui = company_id(seeded, HARBOUR), company_id(seeded, TUI)
    _prepare(seeded, harbour)
    ada = actor(seeded, ADA)
    tui_contacts = _count(seeded, PlatformContact.company_id == tui, PlatformContact.email.is_not(None))
    with seeded.db.read() as session:
        shown = offboarding.preview(session, ada, harbour)
        archive = zipfile.ZipFile(io.BytesIO(export.zip_bytes(session, ada, harbour)))
        emails = session.scalars(select(PlatformContact.email).where(PlatformContact.company_id == harbour)).all()
    assert shown.connected and shown.contacts > 0 and shown.emails == 1 and shown.users == 2 and shown.api_keys == 1
    assert any("2 staff users are disabled" in w for w in shown.words)
    assert sorted(archive.namelist()) == ["contacts.csv", "documents.csv", "payments.csv", "sync_errors.csv"]
    exported = archive.read("contacts.csv").decode()
    assert all(e in exported for e in emails if e)  # the company's data, before it goes

    with seeded.db.write() as session:
        offboarding.offboard(session, ada, harbour, typed_name=f" {HARBOUR} ")

    with seeded.db.read() as session:
        company = session.get(Company, harbour)
        assert company is not None and company.offboarded_at is not None and company.name == HARBOUR
        assert company.finance_contact_email is None
        conn = session.scalar(select(Connection).where(Connection.company_id == harbour))
        assert conn is not None and conn.state is ConnectionState.REMOVED
        staff = session.scalars(select(StaffUser).where(StaffUser.company_id == harbour)).all()
        assert staff and all(u.is_disabled and u.password_hash is None for u in staff)
        assert {u.name for u in staff} == {"Former user"} and not any("harbourbakery" in u.email for u in staff)
        assert session.scalar(select(ApiKey.revoked_at)) is not None
        assert session.scalar(select(func.count()).where(EmailMessage.company_id == harbour)) == 0
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "company_offboarded")).one()
        assert event.company_id == harbour and event.actor_label == ADA and "contacts have" in (event.detail or "")
    assert _count(seeded, PlatformContact.company_id == harbour, PlatformContact.email.is_not(None)) == 0
    assert _count(seeded, PlatformContact.company_id == harbour, PlatformContact.erased_at.is_(None)) == 0
    assert _count(seeded, PlatformContact.company_id == tui, PlatformContact.email.is_not(None)) == tui_contacts

    with seeded.db.write() as session, pytest.raises(offboarding.OffboardRefused, match="offboarded already"):
        offboarding.offboard(session, ada, harbour, typed_name=HARBOUR)


def test_offboarding_from_the_command_line_exports_first_and_needs_the_name(seeded: Hub, tmp_path: Path) -> None:
    seeded.ensure_ready()
    target = tmp_path / "harbour.zip"
    refused = manage(seeded, "offboard-company", HARBOUR, "--export", str(target), "--confirm", "Harbour")
    assert refused.returncode == 1 and "type the company's name" in refused.stderr and "Traceback" not in refused.stderr
    done = manage(seeded, "offboard-company", HARBOUR, "--export", str(target), "--confirm", HARBOUR)
    assert done.returncode == 0, done.stderr
    assert "contacts have their personal details" in done.stdout and "is offboarded" in done.stdout
    assert "contacts.csv" in zipfile.ZipFile(target).namelist()
    with seeded.db.read() as session:
        assert session.scalar(select(Company.offboarded_at).where(Company.name == HARBOUR)) is not None
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_label == "command line")).all()
    assert {"company_exported", "company_offboarded"} <= set(actions)
