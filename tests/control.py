"""The simulator's control API as the tests reach it: one token for the run, set before any simulator starts (every
simulator a test starts inherits it), sent with every control request."""

from __future__ import annotations

import os
import secrets
from typing import Any

import httpx

TOKEN = os.environ.setdefault("SANDBOX_CONTROL_TOKEN", secrets.token_urlsafe(24))
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, headers={**HEADERS, **kwargs.pop("headers", {})}, **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return request("POST", url, **kwargs)


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return request("DELETE", url, **kwargs)
