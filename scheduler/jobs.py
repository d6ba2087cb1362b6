"""Job bodies: open a transaction, call core, commit. No logic lives here."""

from __future__ import annotations

from core import sessions, sidecar
from scheduler.context import SidecarContext


def heartbeat(ctx: SidecarContext) -> str:
    """Tell every page this sidecar is alive."""
    with ctx.hub.db.write() as session:
        sidecar.beat(
            session, instance_id=ctx.instance_id, hostname=ctx.hostname, pid=ctx.pid, started_at=ctx.started_at
        )
    return "beat"


def housekeeping(ctx: SidecarContext) -> str:
    """Delete staff sessions and sidecar heartbeats that ended long ago."""
    with ctx.hub.db.write() as session:
        purged = sessions.purge(session, ctx.hub.settings)
        beats = sidecar.forget_stopped(session)
    return f"{purged} old sessions and sign-in records and {beats} old sidecar records deleted"
