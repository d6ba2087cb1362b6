"""The web process's hub handle, shared by the routes and the pages."""

from __future__ import annotations

import os
from functools import lru_cache

from core.hub import Hub, open_hub
from core.settings import load

# The environment variables a hub handle depends on; a change (tests do this) gives a new handle.
_WATCHED = (
    "DATABASE_URL",
    "HUB_DATA_DIR",
    "HUB_SECRET_KEY",
    "HUB_ENCRYPTION_KEY",
    "HUB_DEMO",
    "HUB_BASE_URL",
    "HUB_SESSION_IDLE_HOURS",
    "HUB_SESSION_MAX_HOURS",
    "HUB_HEARTBEAT_SECONDS",
    "XERO_CONNECTION_CAP",
    "SMTP_URL",
    "HUB_METRICS_TOKEN",
)


def get_hub() -> Hub:
    """The hub for the current environment (raises ConfigError with advice if it is misconfigured)."""
    return _hub_for(tuple(os.environ.get(name, "") for name in _WATCHED))


@lru_cache(maxsize=8)
def _hub_for(_key: tuple[str, ...]) -> Hub:
    return open_hub(load())
