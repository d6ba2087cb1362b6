"""The diagnostics download: everything support needs about one company, no secret in it, only for those allowed,
and audited."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from core.auth import SYSTEM, PermissionDenied
from core.crypto import Vault
from core.db import Database
from core.health import diagnostics
from core.hub import Hub
from core.models.base import AuditEvent, StaffUser
from core.models.mappings import Mapping, MappingKind
from core.models.platform import ApiKey
from core.models.sync import Connection, ConnectionState, Grant, XeroBudget
from core.platform_api import keys as api_keys
from core.sync import outbox, run_history
from core.sync.errors import EntityRef, record
from core.xero_access import grants
from tests.conftest import TEST_ENV, make_settings
from tests.integration.health.test_overview import HARBOUR, TUI, company_id
from tests.sync.connections.test_lifecycle import actor

# Xero's access tokens are JWTs; its refresh tokens opaque strings.
ACCESS = "eyJhbGciOiJSUzI1NiIsImtpZCI6Imtub3duIn0.eyJzdWIiOiJrbm93bi1hY2Nlc3MifQ.S2lsbE1lS25vd25TaWduYXR1cmU"
REFRESH = "rt-KNOWN-REFRESH-TOKEN-9a7e44c1d2"
SMTP_PASSWORD = "smtp-KNOWN-PASSWORD-31d0"
TENANT = "fe7792d2-6456-41ea-8189-1fda0cc1437f"


@pytest.fixture
def hub(db: Database, tmp_path: Path) -> Hub:
    settings = make_settings(db.url, tmp_path, SMTP_URL=f"smtp+starttls://hub:{SMTP_PASSWORD}@mail.example:587")
    made = Hub(settings=settings, db=db)
    from core.demo import seed as demo

    with made.db.write() as session:
        demo.seed(session)
    return made


def seed_everything(hub: Hub) -> tuple[int, str]:
    """A connected company with a grant holding known tokens, errors with raw exchanges, runs, outbox and budget."""
    harbour, now = company_id(hub, HARBOUR), clock.now()
    with hub.db.write() as session:
        grant = grants.save_tokens(
            session,
            Vault(hub.settings),
            None,
            {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 1800, "scope": "accounting.contacts"},
            xero_user_id="xero-user-1",
        )
        grant.xero_user_email = "fiona@harbourbakery.example"
        session.add(
            Connection(
                company_id=harbour,
                grant_id=grant.id,
                state=ConnectionState.CONNECTED,
                tenant_id=TENANT,
                tenant_name="Harbour Bakery Ltd",
                connected_at=now,
                state_changed_at=now,
            )
        )
        session.add(XeroBudget(tenant_id=TENANT, minute_remaining=57, day_remaining=4890, updated_at=now))
        session.add(
            Mapping(
                company_id=harbour,
                kind=MappingKind.ACCOUNT,
                scope="sales_invoice",
                source="BREAD",
                target="200",
                origin="person",
                changed_at=now,
            )
        )
        record(
            session,
            company_id=harbour,
            code="contact_archived",
            entity=EntityRef("contact", "7", "Archway Timber Ltd"),
            detail="The contact is archived.",
            request={"headers": {"Authorization": f"Bearer {ACCESS}"}, "Contacts": [{"Name": "Archway Timber Ltd"}]},
            response={"Message": f"token {ACCESS} refused", "refresh_token": REFRESH},
        )
        outbox.enqueue(
            session, company_id=harbour, entity_type="contact", entity_id="7", version=1, operation="update", payload={}
        )
        run_history.record_finished(
            session,
            company_id=harbour,
            job="push",
            started_at=now - timedelta(seconds=2),
            records=1,
            api_calls=1,
            outcome="1 contacts sent to Xero, 0 refused, 0 to retry",
        )
        _row, key = api_keys.create(session, SYSTEM, "Platform production", company_id=None)
    return harbour, key


def download(hub: Hub, email: str, company: int) -> str:
    with hub.db.read() as session:
        return json.dumps(diagnostics.build(session, actor(hub, email), company, settings=hub.settings), default=str)


def test_diagnostics_hold_what_support_needs_and_no_secret(hub: Hub) -> None:
    harbour, api_key = seed_everything(hub)
    text = download(hub, "sam@hub.example", harbour)
    with hub.db.read() as session:
        grant = session.scalars(select(Grant)).one()
        hashes = [h for h in session.scalars(select(StaffUser.password_hash)) if h]
        key_hash = session.scalars(select(ApiKey.key_hash)).one()
    settings = hub.settings
    secrets = {
        "access token": ACCESS,
        "refresh token": REFRESH,
        "stored access token": grant.access_token,
        "stored refresh token": grant.refresh_token,
        "API key": api_key,
        "API key hash": key_hash,
        "secret key": TEST_ENV["HUB_SECRET_KEY"],
        "encryption key": TEST_ENV["HUB_ENCRYPTION_KEY"],
        "Xero client secret": settings.xero_client_secret.value,
        "webhook key": settings.xero_webhook_key.value,
        "SMTP password": SMTP_PASSWORD,
        **{f"password hash {n}": h for n, h in enumerate(hashes)},
    }
    leaked = [name for name, value in secrets.items() if value and value in text]
    assert not leaked, leaked
    assert len(hashes) >= 7

    found = json.loads(text)
    assert found["company"]["name"] == HARBOUR and found["import_policy"]["policy"] == "suppliers_and_contacts"
    assert found["mappings"] == [
        {"table": "account", "scope": "sales_invoice", "source": "BREAD", "target": "200", "flag": None}
    ]
    assert found["connection"]["state"] == "connected" and found["connection"]["tenant_id"] == TENANT
    assert found["connection"]["grant"]["xero_user_email"] == "fiona@harbourbakery.example"
    assert found["connection"]["grant"]["renewable"] is True
    assert found["budget"]["minute_remaining"] == 57 and found["budget"]["day_remaining"] == 4890
    assert found["outbox"] == {"pending": 1}
    (run,) = found["recent_runs"]
    assert run["job"] == "push" and run["api_calls"] == 1 and run["seconds"] >= 2
    (error,) = found["errors"]
    assert error["cause"] == "contact_archived" and error["status"] == "open"
    assert error["raw_request"]["Contacts"] == [{"Name": "Archway Timber Ltd"}]
    assert error["raw_request"]["headers"]["Authorization"] == "***"
    assert found["sidecar"]["alive"] is False and found["hub"]["version"]
    shown = found["hub"]["settings"]
    assert shown["secret_key"] == "***" and shown["encryption_keys"] == ["***"]
    assert shown["smtp"] == "smtp+starttls://hub@mail.example:587" and shown["base_url"] == settings.base_url


@pytest.mark.parametrize(
    ("email", "company", "allowed"),
    [
        ("ada@hub.example", HARBOUR, True),
        ("sam@hub.example", TUI, True),
        ("fiona@harbourbakery.example", HARBOUR, True),  # a company admin, for her own company
        ("fiona@harbourbakery.example", TUI, False),
        ("colin@harbourbakery.example", HARBOUR, False),  # a finance manager without the company-admin flag
        ("vic@hub.example", HARBOUR, False),  # the read-only viewer
    ],
    ids=["admin", "support", "company-admin", "other-company", "finance-manager", "viewer"],
)
def test_who_may_download(hub: Hub, email: str, company: str, allowed: bool) -> None:
    cid = company_id(hub, company)
    who = actor(hub, email)
    assert diagnostics.may_download(who, cid) is allowed
    if allowed:
        assert json.loads(download(hub, email, cid))["company"]["name"] == company
        with hub.db.write() as session:
            diagnostics.record_download(session, who, cid)
        with hub.db.read() as session:
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "diagnostics_downloaded")).one()
        assert event.company_id == cid and event.actor_label == email
    else:
        with pytest.raises(PermissionDenied, match="diagnostics"):
            download(hub, email, cid)
        with pytest.raises(PermissionDenied), hub.db.write() as session:
            diagnostics.record_download(session, who, cid)
