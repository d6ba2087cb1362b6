"""Where the hub's Xero is: the built-in simulator or real Xero, chosen by XERO_TARGET and never guessed from a URL.

With the simulator (the default), everything has a working default, the simulator's public demo app included. With
real Xero, the defaults are real Xero's hosts and granular scopes, and the simulator's demo credentials and keys are
refused at start-up: they are public, so a hub using them would let anyone forge its webhooks or act as its app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.config.values import ConfigError, Secret

SIMULATOR, XERO = "simulator", "xero"
TARGETS = (SIMULATOR, XERO)

# The simulator's demo app (sandbox/README.md); real Xero needs XERO_CLIENT_ID and XERO_CLIENT_SECRET from Xero.
DEMO_CLIENT_ID = "HUBDEMO0000000000000000000000001"
DEMO_CLIENT_SECRET = "demo-client-secret-not-for-production-use-0001"
# The simulator's demo webhook signing key; real Xero shows the app's key on its Webhooks page (facts §7).
DEMO_WEBHOOK_KEY = "demo-webhook-signing-key-0001"
# Granular scopes: apps created in Xero from March 2026 can ask for nothing broader. Contacts (read and write),
# invoices and credit notes, payments, files attached to documents (their PDFs), and the chart of accounts and tax
# rates (read only); openid, profile and email tell the hub which Xero user consented.
DEFAULT_SCOPES = (
    "offline_access openid profile email accounting.contacts accounting.invoices accounting.payments "
    "accounting.attachments accounting.settings.read"
)
# Broad scopes that granular ones replaced (Xero's 2026 change); only apps created before it may still ask for them.
BROAD_SCOPES = frozenset({"accounting.transactions", "accounting.transactions.read"})

# Organisations an uncertified app may be connected to at once (Xero's limits page; its 2026 tiers say 5 or 50).
DEFAULT_CONNECTION_CAP = 25

_HOSTS = {
    SIMULATOR: ("http://127.0.0.1:8765", "http://127.0.0.1:8765", None),
    XERO: ("https://identity.xero.com", "https://api.xero.com", "https://login.xero.com/identity/connect/authorize"),
}


@dataclass(frozen=True)
class XeroConfig:
    target: str
    identity_url: str
    api_url: str
    authorize_url: str
    client_id: str
    client_secret: Secret
    scopes: str
    webhook_key: Secret
    connection_cap: int = DEFAULT_CONNECTION_CAP

    @property
    def real(self) -> bool:
        return self.target == XERO


def load(env: Mapping[str, str]) -> XeroConfig:
    target = env.get("XERO_TARGET", "").strip().lower() or SIMULATOR
    if target not in TARGETS:
        raise ConfigError(f"XERO_TARGET must be 'simulator' or 'xero', got {target!r}.")
    identity_default, api_default, authorize_default = _HOSTS[target]
    identity = env.get("XERO_IDENTITY_URL", "").strip().rstrip("/") or identity_default
    api = env.get("XERO_API_URL", "").strip().rstrip("/") or api_default
    authorize = (
        env.get("XERO_AUTHORIZE_URL", "").strip() or authorize_default or f"{identity}/identity/connect/authorize"
    )
    config = XeroConfig(
        target=target,
        identity_url=identity,
        api_url=api,
        authorize_url=authorize,
        client_id=env.get("XERO_CLIENT_ID", "").strip() or (DEMO_CLIENT_ID if target == SIMULATOR else ""),
        client_secret=Secret(
            env.get("XERO_CLIENT_SECRET", "").strip() or (DEMO_CLIENT_SECRET if target == SIMULATOR else "")
        ),
        scopes=" ".join(env.get("XERO_SCOPES", DEFAULT_SCOPES).split()),
        webhook_key=_webhook_key(env, target),
        connection_cap=_cap(env),
    )
    if config.real:
        _check_real(config)
    elif any("xero.com" in url for url in (identity, api, authorize)):
        raise ConfigError(
            "XERO_TARGET is 'simulator' (the default) but a Xero URL points at xero.com. To use real Xero, set "
            "XERO_TARGET=xero (and its client id, secret and webhook key); otherwise unset the xero.com URLs."
        )
    return config


def _cap(env: Mapping[str, str]) -> int:
    raw = env.get("XERO_CONNECTION_CAP", "").strip()
    if not raw:
        return DEFAULT_CONNECTION_CAP
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"XERO_CONNECTION_CAP must be a whole number of organisations, got {raw!r}: Xero's limit for your app "
            "(25 for an uncertified app; your plan's number since 2026)."
        )
    return int(raw)


def _webhook_key(env: Mapping[str, str], target: str) -> Secret:
    """XERO_WEBHOOK_KEY: set but blank would let anyone sign a webhook, so it is refused."""
    raw = env.get("XERO_WEBHOOK_KEY")
    if raw is None:
        return Secret(DEMO_WEBHOOK_KEY if target == SIMULATOR else "")
    if not raw.strip():
        raise ConfigError(
            "XERO_WEBHOOK_KEY is set but empty. Give the webhook key shown on your app's Webhooks page in Xero's "
            "developer portal, or unset it to use the simulator's demo key."
        )
    return Secret(raw.strip())


def _check_real(config: XeroConfig) -> None:
    """With real Xero, every credential must be the app's own: say what to set, and where to find it."""
    missing = []
    if config.client_id in ("", DEMO_CLIENT_ID):
        missing.append("XERO_CLIENT_ID (your app's client id)")
    if config.client_secret.value in ("", DEMO_CLIENT_SECRET):
        missing.append("XERO_CLIENT_SECRET (generated on your app's Configuration page)")
    if config.webhook_key.value in ("", DEMO_WEBHOOK_KEY):
        missing.append("XERO_WEBHOOK_KEY (shown on your app's Webhooks page)")
    if missing:
        raise ConfigError(
            "XERO_TARGET is 'xero', so the hub needs your own Xero app's credentials; the simulator's demo ones are "
            "public and refused. Set " + ", ".join(missing) + ", from https://developer.xero.com/app/manage."
        )
