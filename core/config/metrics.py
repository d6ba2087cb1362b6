"""The metrics settings: HUB_METRICS_TOKEN, HUB_SIDECAR_METRICS_PORT and HUB_SIDECAR_METRICS_HOST (README,
"Metrics")."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from core.config.values import ConfigError, Secret

MIN_TOKEN_LENGTH = 16


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load(env: Mapping[str, str]) -> dict[str, Any]:
    """The Settings fields for metrics, checked: a short token, a bad port, or a sidecar listening beyond this
    machine with no token to ask for, stop the process with what to change."""
    token = env.get("HUB_METRICS_TOKEN", "").strip()
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"HUB_METRICS_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters; generate one with "
            "`python manage.py generate-key`."
        )
    raw = env.get("HUB_SIDECAR_METRICS_PORT", "").strip() or "0"
    if not raw.isdigit() or int(raw) > 65535:
        raise ConfigError(f"HUB_SIDECAR_METRICS_PORT must be a port number (0 for none), got {raw!r}.")
    host = env.get("HUB_SIDECAR_METRICS_HOST", "").strip() or "127.0.0.1"
    if int(raw) and not token and not _loopback(host):
        raise ConfigError(
            f"HUB_SIDECAR_METRICS_HOST {host!r} lets other machines read the sidecar's metrics: set "
            "HUB_METRICS_TOKEN too (scrapers then send it as a bearer token), or listen on 127.0.0.1."
        )
    return {"metrics_token": Secret(token), "sidecar_metrics_port": int(raw), "sidecar_metrics_host": host}
