"""Apps registered with the simulated Xero: from environment variables (with demo defaults) or the control API."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.store import Store, dumps, loads

# The demo's app: the hub's defaults point at exactly these values.
DEMO_CLIENT_ID = "HUBDEMO0000000000000000000000001"
DEMO_CLIENT_SECRET = "demo-client-secret-not-for-production-use-0001"
DEMO_REDIRECT_URIS = ("http://127.0.0.1:8501/xero/callback", "http://localhost:8501/xero/callback")
DEMO_WEBHOOK_URL = "http://127.0.0.1:8501/webhooks/xero"
DEMO_WEBHOOK_KEY = "demo-webhook-signing-key-0001"
# A custom connection (client_credentials grant) bound to one organisation.
DEMO_CUSTOM_CLIENT_ID = "HUBCUSTOM000000000000000000000001"
DEMO_CUSTOM_CLIENT_SECRET = "demo-custom-connection-secret-0001"
DEFAULT_CONNECTION_CAP = 25
DEFAULT_SCOPES = (
    "offline_access openid profile email accounting.contacts accounting.transactions accounting.settings "
    "accounting.invoices accounting.payments accounting.attachments"
)


@dataclass(frozen=True)
class RegisteredApp:
    client_id: str
    client_secret: str
    name: str = "Xero integration hub"
    redirect_uris: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_key: str = ""
    # For a custom connection: the organisation (tenant id or name) the client_credentials grant reaches.
    custom_tenant: str | None = None
    scopes: tuple[str, ...] = field(default_factory=lambda: tuple(DEFAULT_SCOPES.split()))
    # Organisations it may be connected to at once: Xero's cap for an app not yet certified; 0 for a certified app.
    connection_cap: int = DEFAULT_CONNECTION_CAP

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["redirect_uris"] = list(self.redirect_uris)
        data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegisteredApp:
        values = dict(data)
        values["redirect_uris"] = tuple(values.get("redirect_uris") or ())
        values["scopes"] = tuple(values.get("scopes") or DEFAULT_SCOPES.split())
        return cls(**values)


def from_env(env: Mapping[str, str] | None = None) -> list[RegisteredApp]:
    """The standard app and the custom-connection app, as the README documents them."""
    env = os.environ if env is None else env
    uris = env.get("SANDBOX_REDIRECT_URIS")
    return [
        RegisteredApp(
            client_id=env.get("SANDBOX_CLIENT_ID", DEMO_CLIENT_ID),
            client_secret=env.get("SANDBOX_CLIENT_SECRET", DEMO_CLIENT_SECRET),
            name=env.get("SANDBOX_APP_NAME", "Xero integration hub"),
            redirect_uris=tuple(u.strip() for u in uris.split(",") if u.strip()) if uris else DEMO_REDIRECT_URIS,
            webhook_url=env.get("SANDBOX_WEBHOOK_URL", DEMO_WEBHOOK_URL) or None,
            webhook_key=env.get("SANDBOX_WEBHOOK_KEY", DEMO_WEBHOOK_KEY),
            connection_cap=int(env.get("SANDBOX_CONNECTION_CAP", DEFAULT_CONNECTION_CAP)),
        ),
        RegisteredApp(
            client_id=env.get("SANDBOX_CUSTOM_CLIENT_ID", DEMO_CUSTOM_CLIENT_ID),
            client_secret=env.get("SANDBOX_CUSTOM_CLIENT_SECRET", DEMO_CUSTOM_CLIENT_SECRET),
            name="Xero integration hub (custom connection)",
            custom_tenant=env.get("SANDBOX_CUSTOM_TENANT", "Harbour Bakery Ltd"),
        ),
    ]


def register(store: Store, app: RegisteredApp) -> None:
    """Add or replace an app."""
    with store.tx() as db:
        db.execute(
            "INSERT INTO apps (client_id, data) VALUES (?, ?) ON CONFLICT (client_id) DO UPDATE SET data = ?",
            (app.client_id, dumps(app.to_json()), dumps(app.to_json())),
        )


def get(store: Store, client_id: str) -> RegisteredApp | None:
    found = store.row("SELECT data FROM apps WHERE client_id = ?", (client_id,))
    return None if found is None else RegisteredApp.from_json(loads(found["data"]))


def all_apps(store: Store) -> list[RegisteredApp]:
    return [RegisteredApp.from_json(loads(r["data"])) for r in store.rows("SELECT data FROM apps ORDER BY client_id")]
