"""The simulated identity service over real HTTP: consent, code exchange, refresh rotation, revocation."""

from __future__ import annotations

import httpx
import pytest

from sandbox import apps
from tests.sandbox.conftest import CLIENT, HARBOUR, KOOKABURRA, REDIRECT, SCOPE, Simulator, claims, pkce_pair
from tests.sandbox.openapi_strict import check_identity, check_identity_schema

AUTHORIZE = {"response_type": "code", "client_id": CLIENT[0], "redirect_uri": REDIRECT, "scope": SCOPE, "state": "s"}


def connections(sim: Simulator, token: str, **params: str) -> httpx.Response:
    return httpx.get(f"{sim.url}/connections", params=params, headers={"Authorization": f"Bearer {token}"})


def test_consent_code_exchange_and_connections(sim: Simulator) -> None:
    tokens = sim.connect()
    check_identity_schema("AccessToken", sim.last_token_body)
    assert tokens["expires_in"] == 1800 and tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    event = claims(tokens["access_token"])["authentication_event_id"]
    listed = connections(sim, tokens["access_token"])
    check_identity("GET", "/connections", status=200, body=listed.content)
    (only,) = listed.json()
    assert (only["tenantId"], only["tenantName"], only["authEventId"]) == (HARBOUR, "Harbour Bakery Ltd", event)
    assert connections(sim, tokens["access_token"], authEventId="00000000-0000-0000-0000-000000000000").json() == []


def test_one_consent_can_grant_several_organisations(sim: Simulator) -> None:
    tokens = sim.connect("bookkeeper@ledgerlane.example", [HARBOUR, KOOKABURRA])
    listed = connections(sim, tokens["access_token"]).json()
    assert {c["tenantId"] for c in listed} == {HARBOUR, KOOKABURRA}
    assert len({c["authEventId"] for c in listed}) == 1


def test_cancel_returns_access_denied(sim: Simulator) -> None:
    response = httpx.post(f"{sim.url}/identity/connect/authorize", data={**AUTHORIZE, "action": "cancel"})
    assert response.status_code == 302
    assert "error=access_denied" in response.headers["location"] and "state=s" in response.headers["location"]


def test_a_user_without_the_admin_role_cannot_grant(sim: Simulator) -> None:
    with httpx.Client(base_url=sim.url) as browser:
        page = browser.post(
            "/identity/connect/authorize",
            data={**AUTHORIZE, "action": "login", "email": "colin@harbourbakery.example", "password": "xero-demo"},
        )
        assert "You need the admin role in Harbour Bakery Ltd" in page.text
        refused = browser.post("/identity/connect/authorize", data={**AUTHORIZE, "action": "allow", "tenant": HARBOUR})
    assert refused.status_code == 400 and "admin role" in refused.text


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"client_id": "nobody"}, 400, "client_id is not registered"),
        ({"redirect_uri": "https://evil.example/cb"}, 400, "redirect_uri does not match"),
    ],
    ids=["unknown-client", "unregistered-redirect"],
)
def test_bad_authorisation_requests_stop_at_xero(sim: Simulator, params: dict, status: int, text: str) -> None:
    response = httpx.get(f"{sim.url}/identity/connect/authorize", params={**AUTHORIZE, **params})
    assert response.status_code == status and text in response.text


def test_wrong_password_on_the_consent_page(sim: Simulator) -> None:
    response = httpx.post(
        f"{sim.url}/identity/connect/authorize",
        data={**AUTHORIZE, "action": "login", "email": "fiona@harbourbakery.example", "password": "nope"},
    )
    assert response.status_code == 401 and "incorrect" in response.text


def test_pkce(sim: Simulator) -> None:
    verifier, challenge = pkce_pair()
    code = sim.consent("fiona@harbourbakery.example", [HARBOUR], challenge=challenge)
    wrong = sim.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier="x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = sim.consent("fiona@harbourbakery.example", [HARBOUR], challenge=challenge)
    right = sim.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert right.status_code == 200


def test_a_code_is_single_use_and_client_auth_may_be_in_the_body(sim: Simulator) -> None:
    code = sim.consent("fiona@harbourbakery.example", [HARBOUR])
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
    }
    assert httpx.post(f"{sim.url}/connect/token", data=form).status_code == 200
    again = httpx.post(f"{sim.url}/connect/token", data=form)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    ("form", "auth", "error"),
    [
        ({"grant_type": "refresh_token", "refresh_token": "x"}, (CLIENT[0], "wrong"), "invalid_client"),
        ({"grant_type": "password"}, CLIENT, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "unknown"}, CLIENT, "invalid_grant"),
        ({"grant_type": "client_credentials"}, CLIENT, "unauthorized_client"),
    ],
    ids=["bad-secret", "unsupported-grant", "unknown-refresh-token", "not-a-custom-connection"],
)
def test_token_endpoint_errors(sim: Simulator, form: dict, auth: tuple, error: str) -> None:
    response = httpx.post(f"{sim.url}/connect/token", data=form, auth=auth)
    assert response.status_code == 400 and response.json()["error"] == error


def test_refresh_rotates_with_a_thirty_minute_grace(sim: Simulator) -> None:
    first = sim.connect()["refresh_token"]
    second = sim.token(grant_type="refresh_token", refresh_token=first).json()
    assert second["refresh_token"] != first
    sim.control("POST", "/clock/advance", seconds=29 * 60)
    assert sim.token(grant_type="refresh_token", refresh_token=first).status_code == 200  # a lost response
    sim.control("POST", "/clock/advance", seconds=2 * 60)
    late = sim.token(grant_type="refresh_token", refresh_token=first)
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    assert sim.token(grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code == 200


def test_sixty_idle_days_kill_a_refresh_token(sim: Simulator) -> None:
    token = sim.connect()["refresh_token"]
    sim.control("POST", "/clock/advance", seconds=60 * 86400 + 60)
    assert sim.token(grant_type="refresh_token", refresh_token=token).json() == {"error": "invalid_grant"}


def test_access_tokens_expire_after_thirty_minutes(sim: Simulator) -> None:
    token = sim.connect()["access_token"]
    assert sim.api(token).get("/Organisation").status_code == 200
    sim.control("POST", "/clock/advance", seconds=30 * 60 + 1)
    expired = sim.api(token).get("/Organisation")
    assert expired.status_code == 401 and expired.json()["Detail"].startswith("TokenExpired: token expired at ")


def test_delete_one_connection_then_revoke_the_grant(sim: Simulator) -> None:
    tokens = sim.connect("bookkeeper@ledgerlane.example", [HARBOUR, KOOKABURRA])
    access = tokens["access_token"]
    harbour = next(c for c in connections(sim, access).json() if c["tenantId"] == HARBOUR)
    headers = {"Authorization": f"Bearer {access}"}
    assert httpx.delete(f"{sim.url}/connections/{harbour['id']}", headers=headers).status_code == 204
    assert httpx.delete(f"{sim.url}/connections/{harbour['id']}", headers=headers).status_code == 404
    assert [c["tenantId"] for c in connections(sim, access).json()] == [KOOKABURRA]
    assert sim.api(access, HARBOUR).get("/Organisation").status_code == 403
    revoked = httpx.post(f"{sim.url}/connect/revocation", data={"token": tokens["refresh_token"]}, auth=CLIENT)
    assert revoked.status_code == 200
    assert connections(sim, access).json() == []
    assert sim.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()["error"] == (
        "invalid_grant"
    )


def test_client_credentials_reach_the_custom_connections_organisation(sim: Simulator) -> None:
    response = httpx.post(
        f"{sim.url}/connect/token",
        data={"grant_type": "client_credentials"},
        auth=(apps.DEMO_CUSTOM_CLIENT_ID, apps.DEMO_CUSTOM_CLIENT_SECRET),
    )
    assert response.status_code == 200 and "refresh_token" not in response.json()
    token = response.json()["access_token"]
    assert [c["tenantId"] for c in connections(sim, token).json()] == [HARBOUR]
    assert sim.api(token).get("/Organisation").json()["Organisations"][0]["Name"] == "Harbour Bakery Ltd"


def test_revoking_in_xeros_screens_and_removing_the_user(sim: Simulator) -> None:
    tokens = sim.connect()
    sim.control("POST", f"/orgs/{HARBOUR}/users/fiona@harbourbakery.example/remove")
    assert sim.api(tokens["access_token"]).get("/Organisation").status_code == 403
    tokens = sim.connect("bookkeeper@ledgerlane.example", [HARBOUR])
    sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    assert sim.api(tokens["access_token"]).get("/Organisation").status_code == 403
    assert sim.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()["error"] == (
        "invalid_grant"
    )


def register(sim: Simulator, client_id: str, cap: int) -> tuple[str, str]:
    secret = f"secret-of-{client_id}"
    sim.control(
        "POST",
        "/apps",
        client_id=client_id,
        client_secret=secret,
        name=f"App {client_id}",
        redirect_uris=[REDIRECT],
        connection_cap=cap,
    )
    return client_id, secret


def connect_app(sim: Simulator, app: tuple[str, str], tenants: list[str]) -> None:
    code = sim.consent("bookkeeper@ledgerlane.example", tenants, client_id=app[0])
    answer = sim.token(auth=app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert answer.status_code == 200, answer.text


def login_page(browser: httpx.Client, client_id: str) -> str:
    """Sign in on the consent page as the bookkeeper, who is an admin of several organisations."""
    params = {**AUTHORIZE, "client_id": client_id, "email": "bookkeeper@ledgerlane.example", "password": "xero-demo"}
    return browser.post("/identity/connect/authorize", data={**params, "action": "login"}).text


def test_an_uncertified_app_at_its_cap_cannot_take_another_organisation(sim: Simulator) -> None:
    capped = register(sim, "CAPPED0000000000000000000000001", cap=1)
    connect_app(sim, capped, [HARBOUR])
    allow = {**AUTHORIZE, "client_id": capped[0], "action": "allow"}
    with httpx.Client(base_url=sim.url) as browser:
        page = login_page(browser, capped[0])
        assert "needs to complete certification before it can connect to more Xero organisations" in page
        refused = browser.post("/identity/connect/authorize", data={**allow, "tenant": KOOKABURRA})
        # The organisation it already holds can be consented again (a reconnect takes no new place).
        again = browser.post("/identity/connect/authorize", data={**allow, "tenant": HARBOUR})
    assert refused.status_code == 400 and "needs to complete certification" in refused.text
    assert again.status_code == 302 and "code=" in again.headers["location"]
    certified = register(sim, "CERTIFIED000000000000000000000001", cap=0)
    connect_app(sim, certified, [HARBOUR, KOOKABURRA])  # a certified app has no cap


def test_an_organisation_connects_at_most_two_uncertified_apps(sim: Simulator) -> None:
    for n in (1, 2):
        other = register(sim, f"OTHERAPP000000000000000000000000{n}", cap=25)
        connect_app(sim, other, [KOOKABURRA])
    with httpx.Client(base_url=sim.url) as browser:
        assert "already has two uncertified apps connected" in login_page(browser, CLIENT[0])
    sim.connect("bookkeeper@ledgerlane.example", [HARBOUR])  # another organisation is fine
