"""Webhooks as Xero sends them: signed batches of thin events per app, retried, and the intent-to-receive check."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox import apps
from sandbox.store import Store
from sandbox.wire import from_ms

log = logging.getLogger("sandbox.webhooks")
RESOURCE = {
    "CONTACT": ("Contacts", "Contact"),
    "INVOICE": ("Invoices", "Invoice"),
    "CREDITNOTE": ("CreditNotes", "CreditNote"),
}
BATCH = 100
TIMEOUT_SECONDS = 5.0  # Xero's rule: the endpoint answers within 5 seconds
MAX_BACKOFF_SECONDS = 300.0


def sign(key: str, body: bytes) -> str:
    """x-xero-signature: base64 of HMAC-SHA256 over the raw body with the app's webhook key."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def event_time(ms: int) -> str:
    """2024-06-21T01:15:39.902: zone-less UTC with milliseconds, as Xero's webhook events carry."""
    moment = from_ms(ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


DISABLE_AFTER_MS = 24 * 3600 * 1000  # Xero stops trying after a day of failures and disables the webhook


@dataclass
class _Backoff:
    failures: int = 0
    next_try: float = 0.0
    failing_since_ms: int | None = None
    url: str | None = None


@dataclass
class WebhookSender:
    store: Store
    public_url: str = field(default_factory=lambda: os.environ.get("SANDBOX_PUBLIC_URL", "https://api.xero.com"))
    interval: float = field(default_factory=lambda: float(os.environ.get("SANDBOX_WEBHOOK_INTERVAL", "1.0")))
    _backoff: dict[str, _Backoff] = field(default_factory=dict)

    def _cursor(self, client_id: str) -> int:
        return int(self.store.get_meta(f"webhook_cursor:{client_id}") or 0)

    def pending(self, client_id: str) -> list[dict[str, Any]]:
        """Events for organisations this app is connected to, after its cursor, oldest first."""
        rows = self.store.rows(
            "SELECT e.* FROM events e WHERE e.seq > ? AND EXISTS (SELECT 1 FROM connections c WHERE"
            " c.tenant_id = e.tenant_id AND c.client_id = ? AND c.deleted_ms IS NULL) ORDER BY e.seq LIMIT ?",
            (self._cursor(client_id), client_id, BATCH),
        )
        return [self._event(dict(row)) for row in rows]

    def _event(self, row: dict[str, Any]) -> dict[str, Any]:
        plural, kind = RESOURCE[row["category"]]
        event = {
            "resourceUrl": f"{self.public_url}/api.xro/2.0/{plural}/{row['resource_id']}",
            "resourceId": row["resource_id"],
            "eventDateUtc": event_time(row["at_ms"]),
            "eventType": row["event_type"],
            "eventCategory": row["category"],
            "tenantId": row["tenant_id"],
            "tenantType": "ORGANISATION",
            "_seq": row["seq"],
        }
        if row["category"] == "CREDITNOTE":
            found = self.store.row(
                "SELECT data FROM records WHERE tenant_id = ? AND kind = ? AND id = ?",
                (row["tenant_id"], kind, row["resource_id"]),
            )
            data = json.loads(found["data"]) if found else {}
            event["data"] = {"Type": data.get("Type", "ACCRECCREDIT"), "Status": data.get("Status", "AUTHORISED")}
        return event

    async def deliver_once(self, client: httpx.AsyncClient) -> int:
        """Send every app its due batch; return how many events were delivered."""
        delivered = 0
        loop_now = asyncio.get_running_loop().time()
        for app in apps.all_apps(self.store):
            if not app.webhook_url or self.store.get_meta(f"webhook_disabled:{app.client_id}"):
                continue
            backoff = self._backoff.setdefault(app.client_id, _Backoff(url=app.webhook_url))
            if backoff.url != app.webhook_url:  # a new endpoint starts with a clean slate
                backoff = self._backoff[app.client_id] = _Backoff(url=app.webhook_url)
            if loop_now < backoff.next_try:
                continue
            events = self.pending(app.client_id)
            if not events:
                continue
            ok, outcome = await self._post(client, app, events)
            self._log(app.client_id, events, ok, outcome)
            if ok:
                self.store.set_meta(f"webhook_cursor:{app.client_id}", str(events[-1]["_seq"]))
                backoff.failures, backoff.next_try, backoff.failing_since_ms = 0, 0.0, None
                delivered += len(events)
                continue
            backoff.failures += 1
            backoff.next_try = loop_now + min(MAX_BACKOFF_SECONDS, self.interval * 2**backoff.failures)
            backoff.failing_since_ms = backoff.failing_since_ms or self.store.now_ms()
            if self.store.now_ms() - backoff.failing_since_ms > DISABLE_AFTER_MS:
                self.store.set_meta(f"webhook_disabled:{app.client_id}", "1")
                log.warning("webhook for %s disabled after a day of failed deliveries", app.client_id)
        self._trim()
        return delivered

    async def _post(
        self, client: httpx.AsyncClient, app: apps.RegisteredApp, events: list[dict[str, Any]]
    ) -> tuple[bool, str]:
        body = json.dumps(
            {
                "events": [{k: v for k, v in e.items() if k != "_seq"} for e in events],
                "firstEventSequence": events[0]["_seq"],
                "lastEventSequence": events[-1]["_seq"],
                "entropy": secrets.token_hex(10).upper(),
            }
        ).encode()
        return await self._send(client, app.webhook_url or "", body, sign(app.webhook_key, body))

    async def _send(self, client: httpx.AsyncClient, url: str, body: bytes, signature: str) -> tuple[bool, str]:
        try:
            response = await client.post(
                url,
                content=body,
                timeout=TIMEOUT_SECONDS,
                headers={"Content-Type": "application/json", "x-xero-signature": signature},
            )
        except httpx.HTTPError as exc:
            return False, type(exc).__name__
        return response.status_code == 200, str(response.status_code)

    def _log(self, client_id: str, events: list[dict[str, Any]], ok: bool, outcome: str) -> None:
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO webhook_deliveries (at_ms, client_id, first_seq, last_seq, events, ok, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.store.now_ms(), client_id, events[0]["_seq"], events[-1]["_seq"], len(events), int(ok), outcome),
            )

    def _trim(self) -> None:
        """Keep the event and delivery tables bounded: drop what every app has had, and old delivery rows."""
        cursors = [self._cursor(a.client_id) for a in apps.all_apps(self.store) if a.webhook_url]
        with self.store.tx() as db:
            if cursors:
                db.execute("DELETE FROM events WHERE seq <= ?", (min(cursors),))
            db.execute("DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - 20000")
            db.execute("DELETE FROM webhook_deliveries WHERE id <= (SELECT max(id) FROM webhook_deliveries) - 1000")

    async def intent_to_receive(self, client_id: str, rounds: int = 2) -> dict[str, Any]:
        """Xero's check: empty event batches, some signed right and some wrong; 200 and 401 respectively expected."""
        app = apps.get(self.store, client_id)
        if app is None or not app.webhook_url:
            return {"passed": False, "attempts": [], "error": "The app has no webhook URL."}
        attempts = []
        async with httpx.AsyncClient() as client:
            for index in range(rounds * 2):
                body = json.dumps(
                    {
                        "events": [],
                        "lastEventSequence": 0,
                        "firstEventSequence": 0,
                        "entropy": secrets.token_hex(10).upper(),
                    }
                ).encode()
                good = index % 2 == 0
                signature = sign(app.webhook_key if good else secrets.token_hex(16), body)
                _, outcome = await self._send(client, app.webhook_url, body, signature)
                expected = "200" if good else "401"
                attempts.append({"signedCorrectly": good, "status": outcome, "expected": expected})
        passed = all(a["status"] == a["expected"] for a in attempts)
        if passed:
            self.store.set_meta(f"webhook_disabled:{client_id}", "")
        return {"passed": passed, "attempts": attempts}

    async def run(self) -> None:
        """Deliver forever (the app's lifespan starts and cancels this)."""
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    await self.deliver_once(client)
                except Exception:
                    log.exception("webhook delivery round failed")
                await asyncio.sleep(self.interval)
