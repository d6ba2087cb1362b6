"""Serving the metrics: the bearer-token check that the web app's /metrics and each sidecar's listener share, the
text a scrape gets, and the sidecar's own listener (HUB_SIDECAR_METRICS_PORT)."""

from __future__ import annotations

import hmac
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from core.config.values import ConfigError, Secret
from core.metrics.definitions import REGISTRY
from core.settings import Settings

log = logging.getLogger(__name__)
PATH = "/metrics"


def authorised(header: str | None, token: Secret) -> bool:
    """Whether an Authorization header carries the metrics token (constant-time); never without a token set."""
    if not token:
        return False
    scheme, _, given = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.value.encode())


class _Joined:
    """Several collectors read as one registry (the process's counters and the database's figures)."""

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = tuple(sources)

    def collect(self) -> Iterator[Any]:
        for source in self.sources:
            yield from source.collect()


def render(*extra: Collector) -> tuple[bytes, str]:
    """This process's metrics, and any extra collectors', in Prometheus's text format, with its content type."""
    return generate_latest(_Joined((REGISTRY, *extra))), CONTENT_TYPE_LATEST  # type: ignore[arg-type]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the sidecar's log."""


def _guarded(app: Callable[..., Any], token: Secret) -> Callable[..., Any]:
    """Only GET /metrics, and with the token when one is set (without one the listener is on loopback only)."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def answer(status: str, text: str) -> list[bytes]:
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [text.encode()]

        if environ.get("PATH_INFO") != PATH:
            return answer("404 Not Found", f"Metrics are at {PATH}.\n")
        if token and not authorised(environ.get("HTTP_AUTHORIZATION"), token):
            return answer("401 Unauthorized", "Send the metrics token: Authorization: Bearer <HUB_METRICS_TOKEN>.\n")
        return app(environ, start_response)

    return guarded


def start_listener(settings: Settings) -> WSGIServer | None:
    """Serve this process's metrics on HUB_SIDECAR_METRICS_PORT in a daemon thread (None when it is 0 or unset)."""
    port, host = settings.sidecar_metrics_port, settings.sidecar_metrics_host
    if not port:
        return None

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        server_class = type("Server", (ThreadingWSGIServer,), {"address_family": family})
        server = make_server(
            host, port, _guarded(make_wsgi_app(REGISTRY), settings.metrics_token), server_class, _Quiet
        )
    except OSError as exc:
        raise ConfigError(
            f"HUB_SIDECAR_METRICS_PORT {port} cannot be used on {host} ({exc.strerror or exc}). Each sidecar on a "
            "host needs a port of its own; give this one another, or 0 to serve no metrics."
        ) from None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics served on http://%s:%d%s", host, port, PATH)
    return server
