"""The sync-error model, redaction, and tokens encrypted at rest, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core.crypto import Vault
from core.hub import Hub
from core.models.base import Company
from core.models.schema import Base
from core.models.sync import ErrorStatus, SyncError
from core.redact import redact
from core.sync import causes, errors
from core.xero_access import grants

ACCESS = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4ZXJvLXVzZXIifQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
REFRESH = "5f1c2e0a9d8b7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e"


def company(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(Company.id).order_by(Company.id).limit(1)) or 0


def test_every_cause_says_who_acts_and_how_to_fix() -> None:
    wanted = {
        "validation",
        "contact_archived",
        "contact_merged",
        "missing_account_mapping",
        "missing_tax_mapping",
        "preflight_failed",
        "token_revoked",
        "xero_user_removed",
        "access_revoked",
        "minute_budget",
        "daily_budget",
        "xero_outage",
        "uncertain_timeout",
        "hub_bug",
    }
    assert wanted <= set(causes.CAUSES)
    for cause in causes.CAUSES.values():
        assert cause.title and cause.explanation.endswith(".") and cause.fix.endswith(".")
        assert cause.who in causes.WhoActs
    assert causes.cause("no-such-cause").code == "hub_bug"
    assert {c.code for c in causes.CAUSES.values() if c.connection} == {
        "token_revoked",
        "xero_user_removed",
        "access_revoked",
        "attachments_not_granted",  # the grant lacks the attachments scope: a reconnect asks for it
    }


def test_repeats_group_by_fingerprint_and_syncing_resolves(seeded: Hub) -> None:
    cid = company(seeded)
    contact = errors.EntityRef("contact", "c1", "SUP-1")
    with seeded.db.write() as session:
        first = errors.record(
            session, company_id=cid, code="contact_archived", entity=contact, detail="The contact has been archived."
        )
        again = errors.record(session, company_id=cid, code="contact_archived", entity=contact)
        other = errors.record(
            session, company_id=cid, code="contact_archived", entity=errors.EntityRef("contact", "c2")
        )
    assert first.id == again.id != other.id
    with seeded.db.read() as session:
        row = session.get(SyncError, first.id)
        assert row is not None and row.occurrences == 2 and row.status is ErrorStatus.OPEN
        assert row.entity_number == "SUP-1" and row.first_seen_at <= row.last_seen_at
    with seeded.db.write() as session:
        assert errors.resolve_for_entity(session, company_id=cid, entity_type="contact", entity_id="c1") == 1
        assert [e.entity_id for e in errors.open_errors(session, company_id=cid)] == ["c2"]
    with seeded.db.write() as session:  # it happens again: the same row reopens
        reopened = errors.record(session, company_id=cid, code="contact_archived", entity=contact)
        assert reopened.id == first.id and reopened.status is ErrorStatus.OPEN and reopened.occurrences == 3


def test_the_raw_exchange_is_stored_without_secrets(seeded: Hub) -> None:
    request = {
        "method": "POST",
        "url": "https://api.xero.com/api.xro/2.0/Contacts",
        "headers": {"Authorization": f"Bearer {ACCESS}", "xero-tenant-id": "t1", "Idempotency-Key": "k"},
        "body": {"Contacts": [{"Name": "Acme"}]},
    }
    response = {"status": 400, "body": {"Message": f"token {ACCESS} rejected", "refresh_token": REFRESH}}
    with seeded.db.write() as session:
        row = errors.record(session, company_id=company(seeded), code="validation", request=request, response=response)
    with seeded.db.read() as session:
        stored = session.get(SyncError, row.id)
        assert stored is not None and stored.raw_request is not None and stored.raw_response is not None
        assert stored.raw_request["headers"]["Authorization"] == "***"
        assert stored.raw_request["headers"]["xero-tenant-id"] == "t1"
        assert ACCESS not in str(stored.raw_response) and REFRESH not in str(stored.raw_response)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"client_secret": "s", "nested": [{"password": "p", "ok": 1}]},
            {"client_secret": "***", "nested": [{"password": "***", "ok": 1}]},
        ),
        ("failed with Bearer abc.def.ghi here", "failed with *** here"),
        ({"Cookie": "hub_session=x", "Name": "Acme"}, {"Cookie": "***", "Name": "Acme"}),
    ],
    ids=["keys", "bearer-in-text", "cookie"],
)
def test_redact(value: object, expected: object) -> None:
    assert redact(value) == expected


def test_a_database_dump_shows_no_token_in_clear(seeded: Hub) -> None:
    vault = Vault(seeded.settings)
    with seeded.db.write() as session:
        grant = grants.save_tokens(
            session,
            vault,
            None,
            {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 1800, "scope": "offline_access"},
            xero_user_id="u1",
        )
        grant_id = grant.id
    dump: list[str] = []
    with seeded.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            dump.extend(str(row) for row in connection.execute(text(f'SELECT * FROM "{table.name}"')))
    if seeded.db.dialect == "sqlite":  # the file itself, and its write-ahead log, byte for byte
        from pathlib import Path

        for suffix in ("", "-wal"):
            path = Path(f"{seeded.db.engine.url.database}{suffix}")
            if path.exists():
                dump.append(path.read_bytes().decode("latin-1"))
    everything = "\n".join(dump)
    assert ACCESS not in everything and REFRESH not in everything
    with seeded.db.read() as session:
        from core.models.sync import Grant

        stored = session.get(Grant, grant_id)
        assert stored is not None
        clear = grants.tokens(vault, stored)
    assert (clear.access_token, clear.refresh_token) == (ACCESS, REFRESH)
    assert ACCESS not in repr(clear)


def test_people_resolve_or_ignore_errors_within_their_rights(seeded: Hub) -> None:
    from core.auth import Actor, PermissionDenied
    from core.models.base import AuditEvent
    from core.staff import users

    def actor(email: str) -> Actor:
        with seeded.db.read() as session:
            user = users.get_by_email(session, email)
            assert user is not None
            return Actor.of(user)

    with seeded.db.write() as session:
        error = errors.record(
            session, company_id=company(seeded), code="validation", entity=errors.EntityRef("contact", "c9")
        )
    with pytest.raises(ValueError, match="Say why"), seeded.db.write() as session:
        errors.set_status(session, actor("sam@hub.example"), error.id, ErrorStatus.IGNORED)
    with pytest.raises(PermissionDenied), seeded.db.write() as session:
        errors.set_status(session, actor("vic@hub.example"), error.id, ErrorStatus.RESOLVED)
    with pytest.raises(PermissionDenied), seeded.db.write() as session:
        errors.set_status(session, actor("olivia@kookaburraplumbing.example"), error.id, ErrorStatus.RESOLVED)
    with seeded.db.write() as session:
        errors.set_status(session, actor("sam@hub.example"), error.id, ErrorStatus.IGNORED, "Known test contact")
    with seeded.db.read() as session:
        row = session.get(SyncError, error.id)
        assert row is not None and row.status is ErrorStatus.IGNORED and row.note == "Known test contact"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "error_status"))
        assert event is not None and event.after == {"status": "ignored"}
    with seeded.db.write() as session:  # an ignored error stays ignored when it happens again
        assert (
            errors.record(
                session, company_id=company(seeded), code="validation", entity=errors.EntityRef("contact", "c9")
            ).status
            is ErrorStatus.IGNORED
        )


def test_a_connection_needs_reconnect_once(seeded: Hub) -> None:
    from core import clock
    from core.models.sync import Connection, ConnectionState

    with seeded.db.write() as session:
        row = Connection(company_id=company(seeded), state=ConnectionState.CONNECTED, state_changed_at=clock.now())
        session.add(row)
        session.flush()
        connection_id = row.id
    for expected in (True, False):  # a second process seeing Xero refuse too changes nothing
        with seeded.db.write() as session:
            row = session.get(Connection, connection_id)
            assert row is not None
            moved = grants.needs_reconnect(session, row, reason="Xero refused access.", code="access_revoked")
            assert moved is expected and row.state is ConnectionState.NEEDS_RECONNECT
    with seeded.db.read() as session:
        (error,) = errors.open_errors(session, company_id=company(seeded))
        stored = session.get(Connection, connection_id)
        assert stored is not None and stored.state_reason == "Xero refused access."
    assert error.cause == "access_revoked" and error.occurrences == 1 and error.connection_id == connection_id
