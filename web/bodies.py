"""Request bodies read as they stream in, given up on once past a cap, whatever length the client declared: a
client without a key or a signature can never make a route buffer more than the cap."""

from __future__ import annotations

from starlette.requests import Request


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The raw body, or None once it passes `limit` bytes (or declares more)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    size, parts = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)
