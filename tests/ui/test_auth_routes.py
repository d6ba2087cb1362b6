"""The sign-in routes over HTTP: throttled answers that do not tell which emails exist, the password checks on their
own threads (429 when full) so the webhook is never starved, the cookie's prefix, and the single sign-on hand-off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.config.xero import DEMO_WEBHOOK_KEY as DEMO_XERO_WEBHOOK_KEY
from core.demo.seed import DEMO_PASSWORD
from core.hub import Hub
from core.staff import passwords, single_sign_on
from sandbox.webhooks import sign
from web import lanes
from web.routes import ROUTES

FIONA = "fiona@harbourbakery.example"
ITR = b'{"events": [], "lastEventSequence": 0, "firstEventSequence": 0, "entropy": "S0MEENTR0PY"}'


@pytest.fixture
def client(ui_hub: Hub) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=ROUTES), follow_redirects=False) as test_client:
        yield test_client


def sign_in(client: TestClient, email: str, password: str = "wrong password") -> httpx.Response:
    return client.post("/auth/sign-in", data={"email": email, "password": password})


def answer(response: httpx.Response) -> dict[str, list[str]]:
    query = parse_qs(urlsplit(response.headers["location"]).query)
    query.pop("email", None)  # the form keeps what was typed; everything else must read the same
    return query


def test_rapid_wrong_sign_ins_are_slowed_and_read_the_same_for_known_and_unknown_emails(client: TestClient) -> None:
    known = [answer(sign_in(client, FIONA)) for _ in range(8)]
    unknown = [answer(sign_in(client, "nobody@harbourbakery.example")) for _ in range(8)]
    assert known == unknown
    assert [a["signin"] for a in known] == [["wrong"]] * 5 + [["slow_down"]] * 3
    assert known[-1]["wait"] == ["1"]


def test_one_client_is_slowed_across_emails(client: TestClient) -> None:
    answers = [answer(sign_in(client, f"guess{n}@example.com"))["signin"] for n in range(24)]
    assert answers[:20] == [["wrong"]] * 20 and answers[-1] == ["slow_down"]


def test_the_session_cookie_is_http_only_and_takes_the_host_prefix_over_https(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = sign_in(client, FIONA, DEMO_PASSWORD)
    assert plain.status_code == 303 and plain.cookies.get("hub_session")
    assert "httponly" in plain.headers["set-cookie"].lower()
    monkeypatch.setenv("HUB_BASE_URL", "https://hub.example.com")
    secure = sign_in(client, FIONA, DEMO_PASSWORD)
    cookie = secure.headers["set-cookie"]
    assert cookie.startswith("__Host-hub_session=") and "Secure" in cookie and "Path=/" in cookie
    assert "domain" not in cookie.lower()


def test_password_checks_have_their_own_threads_so_the_webhook_answers_and_overflow_is_told_to_wait(
    ui_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fifty sign-ins at once, each a second of password checking: the lane takes four, the rest get 429 at once,
    and Xero's webhook is answered straight away instead of queueing behind them."""
    monkeypatch.setattr(lanes, "SIGN_IN", lanes.Lane("sign-in", threads=2, queue=2))
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, p: time.sleep(1.0) or real(h, p))

    async def burst() -> tuple[list[int], float, int, str]:
        transport = httpx.ASGITransport(app=Starlette(routes=ROUTES))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            sign_ins = [
                asyncio.create_task(http.post("/auth/sign-in", data={"email": FIONA, "password": f"guess {n}"}))
                for n in range(50)
            ]
            await asyncio.sleep(0.2)  # every sign-in is in: the lane is full and the rest were answered
            started = time.monotonic()
            hook = await http.post(
                "/webhooks/xero", content=ITR, headers={"x-xero-signature": sign(DEMO_XERO_WEBHOOK_KEY, ITR)}
            )
            took = time.monotonic() - started
            answers = await asyncio.gather(*sign_ins)
        busy = next(a for a in answers if a.status_code == 429)
        return [a.status_code for a in answers], took, hook.status_code, busy.text + busy.headers["retry-after"]

    statuses, took, hook_status, busy = asyncio.run(burst())
    assert hook_status == 200 and took < 0.8
    assert statuses.count(303) == 4 and statuses.count(429) == 46
    assert "busy signing other people in" in busy and busy.endswith("5")


def test_a_single_sign_on_ticket_becomes_the_session_cookie_once(client: TestClient, ui_hub: Hub) -> None:
    with ui_hub.db.write() as session:
        outcome = single_sign_on.sign_in(
            session,
            ui_hub.settings,
            single_sign_on.Identity(email=FIONA, email_verified=True, issuer="https://id.example.com", subject="1"),
        )
    traded = client.get(f"/auth/single-sign-on?ticket={outcome.ticket}")
    assert traded.status_code == 303 and traded.headers["location"] == "/"
    assert traded.cookies.get("hub_session") and "httponly" in traded.headers["set-cookie"].lower()
    again = client.get(f"/auth/single-sign-on?ticket={outcome.ticket}")
    assert again.status_code == 303 and "set-cookie" not in again.headers
    assert client.get("/auth/single-sign-on").headers["location"] == "/"


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/errors?company=1", "/errors?company=1"),
        ("/contacts", "/contacts"),
        ("", "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/errors\r\nSet-Cookie: x=1", "/"),
    ],
    ids=["alert-link", "old-tab", "none", "scheme-relative", "other-site", "backslash", "header-split"],
)
def test_signing_in_lands_on_the_page_asked_for_and_never_on_another_site(
    client: TestClient, asked: str, lands: str
) -> None:
    answer = client.post("/auth/sign-in", data={"email": FIONA, "password": DEMO_PASSWORD, "next": asked})
    assert answer.status_code == 303 and answer.headers["location"] == lands


def test_a_refused_sign_in_keeps_the_page_asked_for_for_the_next_try(client: TestClient) -> None:
    refused = client.post("/auth/sign-in", data={"email": FIONA, "password": "wrong", "next": "/errors?company=1"})
    assert parse_qs(urlsplit(refused.headers["location"]).query)["next"] == ["/errors?company=1"]
