"""The encryption-key check and the sidecar heartbeat, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from core import clock, crypto
from core.health import sidecar
from core.hub import Hub
from tests.conftest import TEST_ENV, make_settings


def test_first_check_records_a_value_and_later_checks_pass(hub: Hub) -> None:
    hub.ensure_ready()
    with hub.db.write() as session:
        crypto.check_key(session, hub.settings)
        assert session.get(crypto.HubMeta, "encryption_key_check") is not None


def test_wrong_key_is_refused_and_nothing_changes(hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hub.ensure_ready()
    other = make_settings(hub.db.url, tmp_path, HUB_ENCRYPTION_KEY=Fernet.generate_key().decode())
    mismatch = pytest.raises(crypto.EncryptionKeyMismatch, match="not the key this database was set up with")
    with mismatch, hub.db.write() as session:
        crypto.check_key(session, other)
    with hub.db.write() as session:
        crypto.check_key(session, hub.settings)


def test_rotation_reads_old_secrets_and_writes_with_the_new_key(hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = crypto.Vault(hub.settings)
    secret = old.encrypt("refresh-token-value")
    new_key = Fernet.generate_key().decode()
    rotated = make_settings(hub.db.url, tmp_path, HUB_ENCRYPTION_KEY=f"{new_key},{TEST_ENV['HUB_ENCRYPTION_KEY']}")
    vault = crypto.Vault(rotated)
    assert vault.decrypt(secret) == "refresh-token-value"
    assert (
        crypto.Vault(make_settings(hub.db.url, tmp_path, HUB_ENCRYPTION_KEY=new_key)).decrypt(vault.encrypt("x")) == "x"
    )
    assert "refresh-token-value" not in secret


def test_heartbeat_alive_then_stale(hub: Hub) -> None:
    started = clock.now()
    with hub.db.write() as session:
        sidecar.beat(session, instance_id="a", hostname="h", pid=1, started_at=started)
    with hub.db.read() as session:
        status = sidecar.status(session, heartbeat_seconds=10)
    assert status.alive and status.instances == 1
    clock.advance(timedelta(seconds=31))
    with hub.db.read() as session:
        status = sidecar.status(session, heartbeat_seconds=10)
    assert not status.alive and status.last_beat_at is not None
    assert status.last_beat_at is not None and clock.now() - status.last_beat_at >= timedelta(seconds=31)


def test_job_runs_are_recorded(hub: Hub) -> None:
    with hub.db.write() as session:
        sidecar.job_started(session, job_id="purge_sessions", instance_id="a")
    with hub.db.read() as session:
        (job,) = sidecar.status(session, heartbeat_seconds=10).jobs
        assert job.outcome == "running"
    with hub.db.write() as session:
        sidecar.job_finished(session, job_id="purge_sessions", ok=False, detail="Boom")
    with hub.db.read() as session:
        (job,) = sidecar.status(session, heartbeat_seconds=10).jobs
        assert (job.outcome, job.detail, job.runs) == ("failed", "Boom", 1)
        assert job.last_finished_at is not None and job.last_finished_at > datetime(2020, 1, 1, tzinfo=UTC)
