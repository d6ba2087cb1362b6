"""XERO_TARGET: the simulator or real Xero, said explicitly, with defaults right for each and the demo's public
credentials refused with real Xero."""

from __future__ import annotations

import pytest

from core.config import xero
from core.settings import ConfigError, load
from tests.conftest import TEST_ENV

REAL = {
    **TEST_ENV,
    "XERO_TARGET": "xero",
    "XERO_CLIENT_ID": "0123456789ABCDEF0123456789ABCDEF",
    "XERO_CLIENT_SECRET": "a-real-secret",
    "XERO_WEBHOOK_KEY": "a-real-webhook-key",
}


def test_the_simulator_is_the_default_and_works_out_of_the_box() -> None:
    settings = load(TEST_ENV)
    assert settings.xero_target == "simulator"
    assert settings.xero_api_url == settings.xero_identity_url == "http://127.0.0.1:8765"
    assert settings.xero_authorize_url == "http://127.0.0.1:8765/identity/connect/authorize"
    assert settings.xero_client_id == xero.DEMO_CLIENT_ID and settings.xero_webhook_key.value == xero.DEMO_WEBHOOK_KEY


def test_real_xero_gets_real_hosts_and_granular_scopes() -> None:
    settings = load(REAL)
    assert settings.xero_identity_url == "https://identity.xero.com"
    assert settings.xero_api_url == "https://api.xero.com"
    assert settings.xero_authorize_url == "https://login.xero.com/identity/connect/authorize"
    scopes = set(settings.xero_scopes.split())
    assert {"accounting.invoices", "accounting.payments", "accounting.contacts", "offline_access"} <= scopes
    assert not scopes & xero.BROAD_SCOPES  # apps created from March 2026 cannot ask for these


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        ("XERO_CLIENT_ID", "XERO_CLIENT_ID (your app's client id)"),
        ("XERO_CLIENT_SECRET", "XERO_CLIENT_SECRET"),
        ("XERO_WEBHOOK_KEY", "XERO_WEBHOOK_KEY (shown on your app's Webhooks page)"),
    ],
)
def test_real_xero_refuses_to_start_without_the_apps_own_credentials(unset: str, named: str) -> None:
    env = {k: v for k, v in REAL.items() if k != unset}
    with pytest.raises(ConfigError, match="demo ones are public") as refused:
        load(env)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("name", "demo"),
    [
        ("XERO_CLIENT_ID", xero.DEMO_CLIENT_ID),
        ("XERO_CLIENT_SECRET", xero.DEMO_CLIENT_SECRET),
        ("XERO_WEBHOOK_KEY", xero.DEMO_WEBHOOK_KEY),
    ],
)
def test_real_xero_refuses_the_simulators_public_demo_credentials(name: str, demo: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load({**REAL, name: demo})


def test_a_xero_url_without_the_switch_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ConfigError, match="set XERO_TARGET=xero"):
        load({**TEST_ENV, "XERO_API_URL": "https://api.xero.com"})
    with pytest.raises(ConfigError, match="XERO_TARGET must be"):
        load({**TEST_ENV, "XERO_TARGET": "production"})


def test_explicit_urls_and_scopes_win() -> None:
    settings = load({**REAL, "XERO_SCOPES": "offline_access  accounting.transactions", "XERO_API_URL": "https://x/"})
    assert settings.xero_scopes == "offline_access accounting.transactions" and settings.xero_api_url == "https://x"
