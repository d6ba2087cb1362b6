"""Admins manage staff users from the command line, on both databases, with the same checks as the page."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from core.demo import seed as demo
from core.hub import Hub
from core.models.base import AuditEvent, Role
from core.settings import PROJECT_ROOT
from core.staff import signin, users
from tests.conftest import TEST_ENV


def manage(hub: Hub, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": hub.db.url}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_create_disable_enable_reset_list(seeded: Hub) -> None:
    seeded.ensure_ready()
    created = manage(
        seeded,
        "users",
        "create",
        "ben@harbourbakery.example",
        "--name",
        "Ben Ortiz",
        "--role",
        "finance_manager",
        "--company",
        "harbour bakery ltd",
        "--company-admin",
        "--password",
        "correct horse battery",
    )
    assert created.returncode == 0, created.stderr
    with seeded.db.read() as session:
        ben = users.get_by_email(session, "ben@harbourbakery.example")
        assert ben is not None and ben.role is Role.FINANCE_MANAGER and ben.is_company_admin
        assert ben.company is not None and ben.company.name == "Harbour Bakery Ltd"

    assert manage(seeded, "users", "disable", "ben@harbourbakery.example").returncode == 0
    result = signin.sign_in(seeded.db, seeded.settings, "ben@harbourbakery.example", "correct horse battery")
    assert result.refusal == "disabled"
    assert manage(seeded, "users", "enable", "ben@harbourbakery.example").returncode == 0

    reset = manage(seeded, "users", "reset-password", "ben@harbourbakery.example")
    assert reset.returncode == 0
    new_password = reset.stdout.strip().rsplit(" ", 1)[-1]
    assert signin.sign_in(seeded.db, seeded.settings, "ben@harbourbakery.example", new_password).cookie

    listing = manage(seeded, "users", "list")
    assert listing.returncode == 0 and "ben@harbourbakery.example" in listing.stdout
    assert all(a.email in listing.stdout for a in demo.ACCOUNTS)
    with seeded.db.read() as session:
        labels = set(session.scalars(select(AuditEvent.actor_label).where(AuditEvent.action != "sign_in")))
    assert "command line" in labels


def test_refusals_are_one_clear_line(seeded: Hub) -> None:
    seeded.ensure_ready()
    unknown_company = manage(
        seeded,
        "users",
        "create",
        "x@example.com",
        "--role",
        "finance_manager",
        "--company",
        "Nowhere Ltd",
        "--password",
        "long enough pw",
    )
    assert unknown_company.returncode == 1 and "No company is called 'Nowhere Ltd'" in unknown_company.stderr
    unknown_user = manage(seeded, "users", "disable", "ghost@example.com")
    assert unknown_user.returncode == 1 and "No staff user has the email" in unknown_user.stderr
    missing_email = manage(seeded, "users", "disable")
    assert missing_email.returncode == 2 and "needs the user's email" in missing_email.stderr
    for result in (unknown_company, unknown_user, missing_email):
        assert "Traceback" not in result.stderr


def test_migrate_reports_the_revision(hub: Hub) -> None:
    result = manage(hub, "migrate")
    assert result.returncode == 0, result.stderr
    from core import migrate

    assert f"already at {migrate.head_revision()}" in result.stdout


def test_api_keys_from_the_command_line(hub: Hub) -> None:
    hub.ensure_ready()
    unsaid = manage(hub, "api-keys", "create", "Platform staging")
    assert unsaid.returncode == 1 and "--company ID, or --all-companies" in unsaid.stderr
    nowhere = manage(hub, "api-keys", "create", "Platform staging", "--company", "1")
    assert nowhere.returncode == 1 and "There is no company 1" in nowhere.stderr
    created = manage(hub, "api-keys", "create", "Platform staging", "--all-companies", "--read-only")
    assert created.returncode == 0 and "hubk_" in created.stdout
    listed = manage(hub, "api-keys", "list")
    assert "Platform staging" in listed.stdout and "active" in listed.stdout
    key_id = listed.stdout.split()[0]
    assert manage(hub, "api-keys", "revoke", key_id).returncode == 0
    assert "revoked" in manage(hub, "api-keys", "list").stdout
    refused = manage(hub, "api-keys", "revoke", "abc")
    assert refused.returncode == 1 and "Give the id" in refused.stderr
