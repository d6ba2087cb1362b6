"""One simulator process per test session (real HTTP on a free port), reset to the demo seed before each test."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.settings import PROJECT_ROOT
from demodata import orgs as seed
from sandbox import apps
from tests import control
from tests.stack import free_port

CLIENT = (apps.DEMO_CLIENT_ID, apps.DEMO_CLIENT_SECRET)
REDIRECT = apps.DEMO_REDIRECT_URIS[0]
SCOPE = "offline_access openid profile email accounting.contacts accounting.settings accounting.transactions"
HARBOUR = next(o for o in seed.DEMO_ORGS if o.name == "Harbour Bakery Ltd").tenant_id
KOOKABURRA = next(o for o in seed.DEMO_ORGS if o.name == "Kookaburra Plumbing Pty Ltd").tenant_id


@dataclass
class Simulator:
    url: str
    data: Path
    process: subprocess.Popen[bytes] | None = None
    last_token_body: bytes = b""
    webhook_interval: float = 0.2  # seconds between webhook deliveries (the simulator's own default is 1 s)

    def start(self) -> Simulator:
        port = int(self.url.rsplit(":", 1)[1])
        self.data.mkdir(parents=True, exist_ok=True)
        # Its log goes to a file: a pipe nobody reads fills up after some 64 KB of tracebacks (each "drop" fault
        # logs one), and the simulator then blocks on its next log line with every request waiting behind it.
        log = (self.data / "simulator.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port), "--data", str(self.data)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "SANDBOX_WEBHOOK_INTERVAL": str(self.webhook_interval)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()  # the child has its own copy
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def control(self, method: str, path: str, **body: object) -> dict:
        response = control.request(method, f"{self.url}/_sandbox{path}", json=body or None, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def consent(
        self,
        email: str,
        tenants: list[str],
        *,
        scope: str = SCOPE,
        state: str = "s1",
        challenge: str | None = None,
        client_id: str = CLIENT[0],
    ) -> str:
        """Go through the consent page as a person would (sign in, tick organisations, Allow); return the code."""
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": state,
        }
        if challenge:
            params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        with httpx.Client(base_url=self.url, timeout=30) as browser:
            page = browser.get("/identity/connect/authorize", params=params)
            assert page.status_code == 200 and "Log in" in page.text
            chosen = browser.post(
                "/identity/connect/authorize",
                data={**params, "action": "login", "email": email, "password": seed.DEMO_PASSWORD},
            )
            assert chosen.status_code == 200, chosen.text
            allowed = browser.post("/identity/connect/authorize", data={**params, "action": "allow", "tenant": tenants})
        assert allowed.status_code == 302, allowed.text
        query = parse_qs(urlsplit(allowed.headers["location"]).query)
        assert query["state"] == [state]
        return query["code"][0]

    def token(self, auth: tuple[str, str] = CLIENT, **form: str) -> httpx.Response:
        return httpx.post(f"{self.url}/connect/token", data=form, auth=auth, timeout=30)

    def connect(self, email: str = "fiona@harbourbakery.example", tenants: list[str] | None = None) -> dict:
        code = self.consent(email, tenants or [HARBOUR])
        response = self.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
        assert response.status_code == 200, response.text
        self.last_token_body = response.content
        return response.json()

    def api(self, access_token: str, tenant: str | None = HARBOUR) -> httpx.Client:
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        if tenant:
            headers["xero-tenant-id"] = tenant
        return httpx.Client(base_url=f"{self.url}/api.xro/2.0", headers=headers, timeout=60)


def pkce_pair(verifier: str = "v" * 50) -> tuple[str, str]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def claims(jwt: str) -> dict:
    import json

    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def ms_of(value: str) -> int:
    found = re.match(r"/Date\((\d+)", value)
    assert found, value
    return int(found.group(1))


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    running = Simulator(f"http://127.0.0.1:{free_port()}", tmp_path_factory.mktemp("sandbox")).start()
    yield running
    running.stop()


@pytest.fixture
def sim(simulator: Simulator) -> Simulator:
    simulator.control("POST", "/reset", seed="demo")
    control.delete(f"{simulator.url}/_sandbox/faults")
    simulator.control("POST", "/limits", concurrent=5, minute=60, day=5000, appMinute=10_000)
    return simulator
