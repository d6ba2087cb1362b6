"""Who may use the control API (/_sandbox/…): whoever holds this run's token, sending JSON.

The control API can wipe the simulator, move its clock and re-point the demo app's webhook, so a web page the
presenter happens to open must not reach it: a browser cannot add an Authorization header or a JSON content type to
a cross-site request without a preflight, which the simulator never grants. The token is SANDBOX_CONTROL_TOKEN when
set (a test run or the demo launcher picks one per run), or a fresh random one; either way it is written to
`control-token` in the data folder, readable by its owner only, for local tools such as `manage.py clock`.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/_sandbox/"
TOKEN_FILE = "control-token"


def token_for(data_dir: Path) -> str:
    """This run's token, written where local tools find it."""
    token = os.environ.get("SANDBOX_CONTROL_TOKEN", "").strip() or secrets.token_urlsafe(32)
    path = data_dir / TOKEN_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(token + "\n")
    return token


def read_token(data_dir: Path) -> str | None:
    """The token a simulator with this data folder is running with (None if it never ran there)."""
    try:
        return (data_dir / TOKEN_FILE).read_text().strip() or None
    except OSError:
        return None


class ControlGuard:
    """Refuses control requests without the run's token (401) or with a body that is not JSON (415)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if not hmac.compare_digest(headers.get(b"authorization", b""), self.expected):
            refusal = JSONResponse(
                {
                    "error": "The control API needs this run's token: send 'Authorization: Bearer <token>'. The "
                    f"simulator writes it to {TOKEN_FILE} in its data folder (or set SANDBOX_CONTROL_TOKEN)."
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="simulator control"'},
            )
            await refusal(scope, receive, send)
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or b"transfer-encoding" in headers
        if (has_body or content_type) and content_type != b"application/json":
            refusal = JSONResponse({"error": "Control requests send JSON (Content-Type: application/json)."}, 415)
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
