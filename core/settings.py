"""Typed settings, read once from the environment at each entrypoint and passed down."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.config import metrics, xero
from core.config.values import ConfigError, Secret
from core.text import is_email

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


DEFAULT_MAIL_FROM = "Xero hub <hub@hub.example>"
DEFAULT_SUPPORT_EMAIL = "support@hub.example"
SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpConfig:
    """The SMTP server alert emails go through (SMTP_URL); the password is a Secret."""

    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    username: str | None = None
    password: Secret | None = None

    @property
    def label(self) -> str:
        """The server as safe to show and log, e.g. smtp+starttls://hub@mail.example:587."""
        scheme = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.security]
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    """Everything the hub's processes are configured with (README lists each variable)."""

    database_url: Secret
    data_dir: Path
    secret_key: Secret
    encryption_keys: tuple[Secret, ...]
    demo: bool = False
    base_url: str = "http://127.0.0.1:8501"
    session_idle_hours: float = 8.0
    # However busy, a session ends this long after sign-in.
    session_max_hours: float = 12.0
    heartbeat_seconds: int = 10
    # How often the sidecar asks Xero which connections each grant still has (revoked or disconnected there).
    connection_check_seconds: int = 300
    # How often the sidecar polls Xero for the status of pushed documents (paid, part paid, voided; amounts due): the
    # safety net, since Xero's invoice and credit-note webhooks bring most changes back within seconds.
    documents_poll_seconds: int = 600
    # How often the parts of a page that change by themselves (import progress, statuses, counts) are redrawn.
    live_seconds: int = 10
    # Follow the clock offset kept in the database (demo and tests move time for every process at once).
    shared_clock: bool = False
    # "simulator" or "xero" (XERO_TARGET): real Xero refuses the simulator's demo credentials at start-up.
    xero_target: str = xero.SIMULATOR
    xero_identity_url: str = "http://127.0.0.1:8765"
    xero_api_url: str = "http://127.0.0.1:8765"
    xero_authorize_url: str = "http://127.0.0.1:8765/identity/connect/authorize"
    xero_client_id: str = xero.DEMO_CLIENT_ID
    xero_client_secret: Secret = field(default_factory=lambda: Secret(xero.DEMO_CLIENT_SECRET))
    xero_redirect_uri: str = "http://127.0.0.1:8501/xero/callback"
    xero_scopes: str = xero.DEFAULT_SCOPES
    xero_webhook_key: Secret = field(default_factory=lambda: Secret(xero.DEMO_WEBHOOK_KEY))
    xero_connection_cap: int = xero.DEFAULT_CONNECTION_CAP
    # Alert emails: None (SMTP_URL unset) keeps them waiting in the outbox, unsent.
    smtp: SmtpConfig | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    support_email: str = DEFAULT_SUPPORT_EMAIL
    alert_window_minutes: float = 15.0
    # Retention in days: raw Xero exchanges of sync errors, delivered alert emails, payloads of done outbox entries,
    # contact history (with decided supplier proposals). Housekeeping enforces them in bounded batches.
    keep_exchanges_days: float = 30.0
    keep_emails_days: float = 90.0
    keep_payloads_days: float = 90.0
    keep_contact_history_days: float = 365.0
    # Metrics: the bearer token /metrics asks for (empty: the web app has no /metrics), and each sidecar's listener
    # (port 0: none; without a token it may listen on loopback only).
    metrics_token: Secret = field(default_factory=lambda: Secret(""))
    sidecar_metrics_port: int = 0
    sidecar_metrics_host: str = "127.0.0.1"

    @property
    def secure_cookies(self) -> bool:
        """Served over HTTPS: cookies are Secure and the session cookie takes the __Host- prefix."""
        return self.base_url.startswith("https://")

    @property
    def database_label(self) -> str:
        """The database URL with any password hidden, safe to show and log."""
        return redact_url(self.database_url.value)


def redact_url(url: str) -> str:
    """Hide the password in a URL such as postgresql://user:pw@host/db."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than zero, got {raw!r}.")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def check_encryption_key(raw: str, name: str = "HUB_ENCRYPTION_KEY") -> Secret:
    """Validate one Fernet key (32 url-safe base64 bytes) without revealing it."""
    try:
        decoded = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != 32:
        raise ConfigError(
            f"{name} is not a valid key: it must be 32 bytes in url-safe base64 (44 characters). "
            "Generate one with `python manage.py generate-key`."
        )
    return Secret(raw)


def parse_smtp_url(raw: str) -> SmtpConfig:
    """SMTP_URL such as smtp://127.0.0.1:8025, smtp+starttls://host:587 or smtps://user:password@host:465."""
    shown = redact_url(raw)
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        raise ConfigError(
            f"SMTP_URL {shown!r} is not a URL; give e.g. smtp+starttls://user:password@host:587."
        ) from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ConfigError(
            f"SMTP_URL {shown!r} is not an SMTP server the hub can use. Give smtp://host:port (no encryption), "
            "smtp+starttls://user:password@host:587 or smtps://user:password@host:465."
        )
    security, default_port = SMTP_SCHEMES[parts.scheme]
    return SmtpConfig(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=Secret(unquote(parts.password)) if parts.password else None,
    )


def _address(env: Mapping[str, str], name: str, default: str) -> str:
    """An email address setting ("Name <a@b.example>" or a bare address), checked."""
    value = env.get(name, "").strip() or default
    if not is_email(parseaddr(value)[1]):
        raise ConfigError(f"{name} {value!r} is not an email address; give one such as {default!r}.")
    return value


def load_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data folder alone (needs no keys): HUB_DATA_DIR or data/ in the project."""
    env = os.environ if env is None else env
    return Path(env.get("HUB_DATA_DIR") or DEFAULT_DATA_DIR)


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from environment variables, failing with a clear message."""
    env = os.environ if env is None else env
    data_dir = load_data_dir(env)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'hub.db'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain URLs are accepted as a convenience.
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    if not (database_url.startswith("sqlite:///") or database_url.startswith("postgresql+psycopg://")):
        raise ConfigError(
            f"DATABASE_URL {redact_url(database_url)!r} is not a database the hub can use. Give a SQLite file "
            "(sqlite:////absolute/path/hub.db) or PostgreSQL (postgresql://user:password@host:5432/dbname)."
        )

    secret_key = env.get("HUB_SECRET_KEY", "").strip()
    if len(secret_key) < 32:
        raise ConfigError(
            "HUB_SECRET_KEY is missing or shorter than 32 characters. It signs session cookies; "
            "generate one with `python manage.py generate-key` and set it in the environment. "
            "(The demo launcher creates one for you under data/.)"
        )
    raw_keys = [k.strip() for k in env.get("HUB_ENCRYPTION_KEY", "").split(",") if k.strip()]
    if not raw_keys:
        raise ConfigError(
            "HUB_ENCRYPTION_KEY is missing. It encrypts Xero tokens at rest; generate one with "
            "`python manage.py generate-key`. To rotate, list the new key first, then the old "
            "ones, separated by commas."
        )
    keys = tuple(check_encryption_key(k) for k in raw_keys)

    base_url = env.get("HUB_BASE_URL", "http://127.0.0.1:8501").rstrip("/")
    target = xero.load(env)
    smtp_url = env.get("SMTP_URL", "").strip()
    return Settings(
        database_url=Secret(database_url),
        data_dir=data_dir,
        secret_key=Secret(secret_key),
        encryption_keys=keys,
        demo=_flag(env, "HUB_DEMO"),
        shared_clock=_flag(env, "HUB_DEMO") or _flag(env, "HUB_SHARED_CLOCK"),
        base_url=base_url,
        session_idle_hours=_float(env, "HUB_SESSION_IDLE_HOURS", 8.0),
        session_max_hours=_float(env, "HUB_SESSION_MAX_HOURS", 12.0),
        heartbeat_seconds=max(1, round(_float(env, "HUB_HEARTBEAT_SECONDS", 10))),
        connection_check_seconds=max(
            5, round(_float(env, "HUB_CONNECTION_CHECK_SECONDS", 20 if _flag(env, "HUB_DEMO") else 300))
        ),
        documents_poll_seconds=max(
            5, round(_float(env, "HUB_DOCUMENTS_POLL_SECONDS", 60 if _flag(env, "HUB_DEMO") else 600))
        ),
        live_seconds=max(1, round(_float(env, "HUB_LIVE_SECONDS", 5 if _flag(env, "HUB_DEMO") else 10))),
        xero_target=target.target,
        xero_identity_url=target.identity_url,
        xero_api_url=target.api_url,
        xero_authorize_url=target.authorize_url,
        xero_client_id=target.client_id,
        xero_client_secret=target.client_secret,
        xero_redirect_uri=env.get("XERO_REDIRECT_URI", f"{base_url}/xero/callback"),
        xero_scopes=target.scopes,
        xero_webhook_key=target.webhook_key,
        xero_connection_cap=target.connection_cap,
        smtp=parse_smtp_url(smtp_url) if smtp_url else None,
        mail_from=_address(env, "HUB_MAIL_FROM", DEFAULT_MAIL_FROM),
        support_email=_address(env, "HUB_SUPPORT_EMAIL", DEFAULT_SUPPORT_EMAIL),
        alert_window_minutes=_float(env, "HUB_ALERT_WINDOW_MINUTES", 15.0),
        keep_exchanges_days=_float(env, "HUB_KEEP_EXCHANGES_DAYS", 30.0),
        keep_emails_days=_float(env, "HUB_KEEP_EMAILS_DAYS", 90.0),
        keep_payloads_days=_float(env, "HUB_KEEP_PAYLOADS_DAYS", 90.0),
        keep_contact_history_days=_float(env, "HUB_KEEP_CONTACT_HISTORY_DAYS", 365.0),
        **metrics.load(env),
    )
