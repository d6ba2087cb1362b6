"""Strip secrets from anything the hub stores or shows about an exchange with Xero."""

from __future__ import annotations

import re
from typing import Any

SECRET_KEYS = re.compile(
    r"(authorization|token|secret|password|code_verifier|client_secret|refresh|api[-_]?key|signature|cookie)",
    re.IGNORECASE,
)
# Bearer tokens and JWTs that turn up inside free text (error messages, URLs).
SECRET_TEXT = re.compile(r"(Bearer\s+[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
HIDDEN = "***"


def redact(value: Any) -> Any:
    """A copy with every secret-looking key's value and every bearer token in text replaced by ***."""
    if isinstance(value, dict):
        return {k: (HIDDEN if isinstance(k, str) and SECRET_KEYS.search(k) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return SECRET_TEXT.sub(HIDDEN, value)
    return value
