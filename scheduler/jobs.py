"""Job bodies: open a transaction, call core, commit. No logic lives here."""

from __future__ import annotations

from core.alerts import notify
from core.connections import cleanups, inactivity
from core.connections import lifecycle as connections
from core.connections import xero_check as connection_check
from core.contacts import pull as contacts_sync
from core.contacts import push as contact_push
from core.contacts import webhooks
from core.documents import attach as document_pdfs
from core.documents import push as document_push
from core.documents import status as document_status
from core.documents import xero_events as document_events
from core.health import sidecar
from core.mappings import refresh as reference
from core.payments import push as payment_push
from core.privacy import retention
from core.staff import sessions
from core.sync import run_history
from scheduler.context import SidecarContext


def heartbeat(ctx: SidecarContext) -> str:
    """Tell every page this sidecar is alive."""
    with ctx.hub.db.write() as session:
        sidecar.beat(
            session,
            instance_id=ctx.instance_id,
            hostname=ctx.hostname,
            pid=ctx.pid,
            started_at=ctx.started_at,
            heartbeat_seconds=ctx.hub.settings.heartbeat_seconds,
        )
    return "beat"


def housekeeping(ctx: SidecarContext) -> str:
    """Delete staff sessions, sidecar heartbeats and sync runs that ended long ago; clear personal data past its
    retention (in bounded batches, each its own short transaction)."""
    with ctx.hub.db.write() as session:
        purged = sessions.purge(session, ctx.hub.settings)
        beats = sidecar.forget_stopped(session)
        old_runs = run_history.purge(session)
    swept = retention.sweep(ctx.hub.db, ctx.hub.settings)
    return (
        f"{purged} old sessions and sign-in records, {beats} old sidecar records and {old_runs} old sync runs "
        f"deleted; {swept}"
    )


def xero_cleanups(ctx: SidecarContext) -> str:
    """Delete in Xero what disconnects, removes and abandoned consents left, and revoke grants nobody uses."""
    with ctx.hub.db.write() as session:
        abandoned = connections.abandon_expired(session)
    done = cleanups.run_due(ctx.hub, worker=ctx.instance_id)
    return f"{done} clean-ups done in Xero, {abandoned} abandoned consents"


def inactivity_check(ctx: SidecarContext) -> str:
    """Warn at 45 and 55 days without activity; disconnect at 60."""
    return inactivity.check(ctx.hub)


def send_alerts(ctx: SidecarContext) -> str:
    """Batch waiting alerts into digest emails, then send the due ones over SMTP."""
    with ctx.hub.db.write() as session:
        composed = notify.compose_digests(session, ctx.hub.settings)
    result = notify.deliver(ctx.hub.db, ctx.hub.settings, worker=ctx.instance_id)
    if not result.configured:
        return f"{composed} digests composed; not sent, because SMTP_URL is not set"
    return f"{composed} digests composed, {result.sent} emails sent, {result.failed} failed (retried later)"


def push_contacts(ctx: SidecarContext) -> str:
    """Send supplier and contact changes to Xero, batched per organisation."""
    return str(contact_push.push_for(ctx.hub, worker=ctx.instance_id))


def push_documents(ctx: SidecarContext) -> str:
    """Send issued invoices, bills and credit notes (and their edits and voids) to Xero, batched per organisation,
    then attach the PDFs of those already there."""
    documents = document_push.push_for(ctx.hub, worker=ctx.instance_id)
    return f"{documents}; {document_pdfs.push_due(ctx.hub, worker=ctx.instance_id)}"


def check_connections(ctx: SidecarContext) -> str:
    """Notice grants revoked and organisations disconnected in Xero, without waiting for a sync to fail."""
    return connection_check.check_all(ctx.hub, worker=ctx.instance_id)


def webhook_inbox(ctx: SidecarContext) -> str:
    """Turn the webhook events Xero sent into targeted contact pulls (one run per company), and read at once the
    status of the documents Xero said changed (one read per organisation)."""
    return f"{webhooks.process(ctx.hub)}; {document_events.handle(ctx.hub, worker=ctx.instance_id)}"


def pull_contacts(ctx: SidecarContext) -> str:
    """One turn of a due contacts pull (import, poll, webhook, reconcile)."""
    return contacts_sync.run_once(ctx.hub, worker=ctx.instance_id)


def schedule_pulls(ctx: SidecarContext) -> str:
    """Ask for the 10-minute polls and nightly reconciles that are due."""
    return contacts_sync.schedule(ctx.hub)


def reference_data(ctx: SidecarContext) -> str:
    """Ask for the hourly refresh of Xero accounts and tax rates where due, then do one waiting refresh."""
    asked = reference.schedule(ctx.hub)
    return f"{asked}; {reference.run_once(ctx.hub, worker=ctx.instance_id)}"


def push_payments(ctx: SidecarContext) -> str:
    """Send platform payments to Xero, batched per organisation."""
    return str(payment_push.push_due(ctx.hub, worker=ctx.instance_id))


def poll_documents(ctx: SidecarContext) -> str:
    """Bring back payment status and amounts due of pushed documents where a poll is due."""
    return document_status.poll_due(ctx.hub, worker=ctx.instance_id)
