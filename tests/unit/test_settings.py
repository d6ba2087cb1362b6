"""Settings come from the environment and fail with a message that says what to do."""

from __future__ import annotations

import pytest

from core.settings import ConfigError, Secret, load, redact_url
from tests.conftest import TEST_ENV


def test_defaults_to_sqlite_under_data(tmp_path) -> None:
    settings = load({**TEST_ENV, "HUB_DATA_DIR": str(tmp_path)})
    assert settings.database_url.value == f"sqlite:///{tmp_path / 'hub.db'}"
    assert settings.session_idle_hours == 8


def test_plain_postgres_url_uses_psycopg() -> None:
    settings = load({**TEST_ENV, "DATABASE_URL": "postgresql://hub:pw@db/hub"})
    assert settings.database_url.value == "postgresql+psycopg://hub:pw@db/hub"
    assert settings.database_label == "postgresql+psycopg://hub:***@db/hub"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HUB_ENCRYPTION_KEY": TEST_ENV["HUB_ENCRYPTION_KEY"]}, "HUB_SECRET_KEY is missing"),
        ({"HUB_SECRET_KEY": TEST_ENV["HUB_SECRET_KEY"]}, "HUB_ENCRYPTION_KEY is missing"),
        ({**TEST_ENV, "HUB_ENCRYPTION_KEY": "not-a-key"}, "HUB_ENCRYPTION_KEY is not a valid key"),
        ({**TEST_ENV, "HUB_SESSION_IDLE_HOURS": "soon"}, "HUB_SESSION_IDLE_HOURS must be a number"),
        ({**TEST_ENV, "HUB_SESSION_IDLE_HOURS": "-1"}, "greater than zero"),
        ({**TEST_ENV, "DATABASE_URL": "mysql://hub:pw@db/hub"}, "not a database the hub can use"),
        ({**TEST_ENV, "DATABASE_URL": "not a url"}, "not a database the hub can use"),
    ],
    ids=[
        "no-secret-key",
        "no-encryption-key",
        "bad-encryption-key",
        "idle-not-number",
        "idle-negative",
        "mysql",
        "garbage-url",
    ],
)
def test_bad_settings_explain_themselves(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load(env)
    assert any(word in str(caught.value) for word in ("generate", "number", "zero", "postgresql://"))
    assert ":pw@" not in str(caught.value)


def test_secrets_never_print() -> None:
    secret = Secret("hunter2-hunter2")
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret) and "hunter2" not in f"{secret}"
    settings = load(TEST_ENV)
    assert TEST_ENV["HUB_SECRET_KEY"] not in repr(settings)
    assert TEST_ENV["HUB_ENCRYPTION_KEY"] not in repr(settings)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:///data/hub.db", "sqlite:///data/hub.db"),
        ("postgresql+psycopg://postgres@127.0.0.1/hub", "postgresql+psycopg://postgres@127.0.0.1/hub"),
        ("postgresql+psycopg://hub:s3cret@db:5432/hub", "postgresql+psycopg://hub:***@db:5432/hub"),
    ],
    ids=["sqlite", "no-password", "password"],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
