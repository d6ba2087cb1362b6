"""Where a person goes after signing in: the page they asked for, if it is one of the hub's own.

A link from an alert email or an old tab opens the sign-in form when nobody is signed in (the form keeps the address
in a hidden field); after signing in the person lands on it rather than on the overview. Only a path on this hub is
followed, never another site: anything else lands on the overview."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

# The sign-in page's own parameters are not part of where the person was going.
OWN = frozenset({"signin", "email", "wait", "next"})
MAX_LENGTH = 1000


def asked_for(url: str | None, query: Mapping[str, str]) -> str:
    """The path and query the browser asked for ("/errors?company=1"), or the one carried over from an earlier try."""
    if query.get("next"):
        return safe(query["next"])
    path = urlsplit(url or "").path or "/"
    rest = urlencode({k: v for k, v in query.items() if k not in OWN})
    return safe(path + (f"?{rest}" if rest else ""))


def safe(target: str | None) -> str:
    """The target if it is a path on this hub, else the overview ("/")."""
    target = (target or "").strip()
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or "\\" in target
        or len(target) > MAX_LENGTH
        or urlsplit(target).netloc
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target
