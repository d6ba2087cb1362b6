"""What the demo story does in the built-in Xero simulator, as a Xero user or its control API would: add an
organisation, go through the consent page, archive a contact, disconnect the app, and switch on a lasting outage.

Only the demo seed uses it, and only against the simulator (its control API answers only this run's token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from demodata.orgs import DEMO_PASSWORD, DemoOrg


class SimulatorRefused(RuntimeError):
    """The simulator did not do what the story asked; the message says what and why."""


@dataclass(frozen=True)
class Simulator:
    url: str
    token: str

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=60, verify=False) as client:  # plain HTTP on this machine
            answer = client.request(method, f"/_sandbox{path}", json=body, headers=headers)
        if answer.status_code != 200:
            raise SimulatorRefused(f"The simulator refused {method} {path}: {answer.status_code} {answer.text[:200]}")
        return answer.json()

    def ensure_org(self, spec: DemoOrg) -> None:
        """The organisation with its users, generated as the hub's demo records expect (same seed, same ids)."""
        if any(org["tenantId"] == spec.tenant_id for org in self._control("GET", "/orgs")):
            return
        users = [
            {"email": u.email, "first_name": u.first_name, "last_name": u.last_name, "role": u.role} for u in spec.users
        ]
        self._control(
            "POST",
            "/orgs",
            {
                "name": spec.name,
                "country": spec.country,
                "contacts": spec.contacts,
                "seed": spec.seed,
                "tenantId": spec.tenant_id,
                "users": users,
            },
        )

    def consent(self, authorize_url: str, email: str, tenant_ids: list[str]) -> tuple[str, str]:
        """A person on Xero's consent page: sign in, tick the organisations, Allow; Xero's (state, code)."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        with httpx.Client(base_url=self.url, timeout=30, verify=False) as browser:
            browser.post(
                "/identity/connect/authorize",
                data={**params, "action": "login", "email": email, "password": DEMO_PASSWORD},
            )
            answer = browser.post(
                "/identity/connect/authorize", data={**params, "action": "allow", "tenant": tenant_ids}
            )
        if answer.status_code != 302:
            raise SimulatorRefused(f"The consent page did not send {email} back: {answer.text[:200]}")
        back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
        return back["state"], back["code"]

    def contact_action(self, tenant_id: str, contact_id: str, action: str) -> None:
        """What a Xero user does on a contact's screen (archive, unarchive)."""
        self._control("POST", f"/orgs/{tenant_id}/contacts/{contact_id}/{action}")

    def revoke(self, tenant_id: str) -> None:
        """Someone disconnects the app in Xero's connected-apps screen: the Xero user's grant ends."""
        self._control("POST", f"/orgs/{tenant_id}/revoke", {})

    def outage(self, tenant_id: str, *, path: str, method: str, count: int) -> None:
        """Xero answers 503 to the organisation's next `count` calls of this kind."""
        fault = {"kind": "status", "status": 503, "count": count, "path": path, "method": method}
        self._control("POST", "/faults", {**fault, "tenantId": tenant_id})

    def outages(self, tenant_id: str) -> int:
        """How many 503s are still armed for the organisation."""
        armed = self._control("GET", "/faults")
        return sum(f["count"] for f in armed if f.get("tenant_id") == tenant_id and f.get("status") == 503)

    def limits(self) -> dict[str, int]:
        return dict(self._control("GET", "/limits"))

    def set_limits(self, limits: dict[str, int]) -> None:
        self._control("POST", "/limits", limits)
