"""manage.py check-xero against the simulator: the checklist a deployer follows, answered over real HTTP, including a
simulator started with real-Xero-like settings (the hub's own app credentials and XERO_TARGET=xero)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.crypto import Vault
from core.hub import Hub
from core.xero_access import grants, readiness
from tests.conftest import make_settings
from tests.sandbox.conftest import HARBOUR, REDIRECT, Simulator
from tests.stack import free_port

OWN_APP = {
    "XERO_CLIENT_ID": "OWNAPP00000000000000000000000001",
    "XERO_CLIENT_SECRET": "an-own-secret-of-this-deployment",
    "XERO_WEBHOOK_KEY": "an-own-webhook-key-of-this-deployment",
}


def lines_of(hub: Hub) -> dict[str, readiness.Line]:
    return {line.title: line for line in readiness.check(hub)}


def test_before_anyone_connects_the_list_says_what_is_left(seeded: Hub, sim: Simulator, tmp_path: Path) -> None:
    settings = make_settings(seeded.db.url, tmp_path, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url)
    hub = Hub(settings=settings, db=seeded.db)
    found = lines_of(hub)
    assert found["Xero's identity service answers"].status == readiness.OK
    assert found["Xero's identity service answers"].detail == f"token endpoint {sim.url}/connect/token"
    assert found["Connect a company to Xero"].status == readiness.TO_DO
    redirect = found["Register the redirect URI on your app's Configuration page"]
    assert redirect.status == readiness.TO_DO and redirect.detail.endswith("/xero/callback")
    assert found["Scopes are granular"].status == readiness.OK
    assert found["Connections within Xero's cap for an uncertified app"].detail == "0 of 25 Xero connections in use"


def test_a_wrong_identity_host_fails_the_check(seeded: Hub, tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    hub = Hub(settings=make_settings(seeded.db.url, tmp_path, XERO_IDENTITY_URL=nowhere), db=seeded.db)
    line = lines_of(hub)["Xero's identity service answers"]
    assert line.status == readiness.FAILED and "XERO_IDENTITY_URL" in line.detail


@pytest.fixture
def real_like(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """A simulator whose registered app has this deployment's own credentials, as Xero's portal would."""
    monkeypatch.setenv("SANDBOX_CLIENT_ID", OWN_APP["XERO_CLIENT_ID"])
    monkeypatch.setenv("SANDBOX_CLIENT_SECRET", OWN_APP["XERO_CLIENT_SECRET"])
    monkeypatch.setenv("SANDBOX_WEBHOOK_KEY", OWN_APP["XERO_WEBHOOK_KEY"])
    running = Simulator(f"http://127.0.0.1:{free_port()}", tmp_path / "sim").start()
    yield running
    running.stop()


def test_with_real_xero_settings_a_grant_is_refreshed_and_its_organisations_listed(
    seeded: Hub, real_like: Simulator, tmp_path: Path
) -> None:
    env = {"XERO_TARGET": "xero", "XERO_IDENTITY_URL": real_like.url, "XERO_API_URL": real_like.url, **OWN_APP}
    hub = Hub(settings=make_settings(seeded.db.url, tmp_path, **env), db=seeded.db)
    assert hub.settings.xero_authorize_url == "https://login.xero.com/identity/connect/authorize"
    own = (OWN_APP["XERO_CLIENT_ID"], OWN_APP["XERO_CLIENT_SECRET"])
    code = real_like.consent("fiona@harbourbakery.example", [HARBOUR], client_id=own[0])
    answer = real_like.token(auth=own, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    with hub.db.write() as session:
        grants.save_tokens(session, Vault(hub.settings), None, tokens)
    found = lines_of(hub)
    assert found["Xero is real Xero (XERO_TARGET=xero)"].status == readiness.OK
    assert found["A token refresh with your client id and secret"].status == readiness.OK
    assert found["Xero's /connections answers"].detail == "the latest grant reaches 1: Harbour Bakery Ltd"
