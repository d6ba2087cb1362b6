"""The simulator's ASGI app. This first slice serves its home page and health check."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Xero simulator</title>
<style>body{font-family:system-ui,sans-serif;margin:3rem;color:#1e3246}h1{color:#13b5ea}</style></head>
<body><h1>Xero simulator</h1>
<p>A local stand-in for Xero used by the integration hub's demo and tests. Data folder: <code>{data}</code>.</p>
</body></html>"""


def create_app(data_dir: Path) -> Starlette:
    """The simulator app, keeping its state under data_dir."""
    data_dir.mkdir(parents=True, exist_ok=True)

    async def home(_request: Request) -> HTMLResponse:
        return HTMLResponse(HOME.replace("{data}", str(data_dir)))

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/", home), Route("/healthz", healthz)])
