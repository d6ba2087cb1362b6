"""Alert digests over real SMTP (an aiosmtpd server on a free port), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core import clock, companies
from core.alerts import emails as email_outbox
from core.alerts import notify
from core.auth import COMMAND_LINE, Actor, PermissionDenied
from core.hub import Hub
from core.models.alerts import Alert, EmailMessage, EmailState
from core.models.base import AuditEvent, Company, Role
from core.settings import Settings, parse_smtp_url
from mailsink import MailSink
from scheduler import jobs
from scheduler.context import SidecarContext
from tests.stack import free_port

HARBOUR, KOOKABURRA = "Harbour Bakery Ltd", "Kookaburra Plumbing Pty Ltd"
FIONA = Actor(user_id=None, email="fiona@example", name="Fiona", role=Role.FINANCE_MANAGER)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    running = MailSink(tmp_path / "mail", port=0).start()
    yield running
    running.stop()


def mailing(hub: Hub, url: str | None) -> Settings:
    return dataclasses.replace(hub.settings, smtp=parse_smtp_url(url) if url else None)


def company(hub: Hub, name: str) -> Company:
    with hub.db.read() as session:
        found = session.scalar(select(Company).where(Company.name == name))
        assert found is not None
        return found


def raise_alert(hub: Hub, company_id: int | None, kind: str = "document_failed", summary: str = "INV-1 failed") -> None:
    with hub.db.write() as session:
        notify.alert(session, company_id=company_id, kind=kind, summary=summary)


def compose(hub: Hub, settings: Settings | None = None) -> int:
    with hub.db.write() as session:
        return notify.compose_digests(session, settings or hub.settings)


def emails(hub: Hub) -> list[EmailMessage]:
    with hub.db.read() as session:
        return list(session.scalars(select(EmailMessage).order_by(EmailMessage.id)))


def test_two_alerts_make_one_digest_to_the_finance_contact_and_support(seeded: Hub, sink: MailSink) -> None:
    harbour = company(seeded, HARBOUR)
    raise_alert(seeded, harbour.id, summary="Invoice INV-0042: account code 200 is archived in Xero.")
    raise_alert(seeded, harbour.id, "needs_reconnect", "Xero refused the hub's access (revoked in Xero).")
    assert compose(seeded) == 1
    assert compose(seeded) == 0  # nothing left waiting

    delivered = notify.deliver(seeded.db, mailing(seeded, sink.url), worker="w1")
    assert (delivered.sent, delivered.failed, delivered.configured) == (1, 0, True)
    (message,) = sink.messages()
    assert message["Subject"] == "Xero hub: 2 problems need attention at Harbour Bakery Ltd"
    assert message["X-Envelope-To"] == "accounts@harbourbakery.example, support@hub.example"
    assert message["From"] == "Xero hub <hub@hub.example>"
    body = message.get_content()
    assert f"{seeded.settings.base_url}/errors?company={harbour.id}" in body
    assert "Documents that did not reach Xero (1)" in body and "INV-0042: account code 200" in body
    assert "Xero connection needs reconnecting (1)" in body and "What to do:" in body
    (email,) = emails(seeded)
    assert email.state is EmailState.SENT and email.attempts == 1 and email.sent_at is not None
    with seeded.db.read() as session:
        assert set(session.scalars(select(Alert.email_id))) == {email.id}


def test_an_alert_inside_the_window_waits_for_the_next_digest(seeded: Hub) -> None:
    harbour, kookaburra = company(seeded, HARBOUR), company(seeded, KOOKABURRA)
    window = notify.window_for(harbour, seeded.settings)
    raise_alert(seeded, harbour.id, summary="INV-0001 failed")
    assert compose(seeded) == 1
    raise_alert(seeded, harbour.id, summary="third, inside the window")
    raise_alert(seeded, kookaburra.id, summary="another company has its own window")
    assert compose(seeded) == 1  # Kookaburra's only
    clock.advance(window - timedelta(minutes=1))
    assert compose(seeded) == 0
    clock.advance(timedelta(minutes=2))
    assert compose(seeded) == 1
    last = emails(seeded)[-1]
    assert last.company_id == harbour.id and "1 problem needs attention" in last.subject
    assert "third, inside the window" in last.body and "INV-0001" not in last.body


def test_hub_window_and_recipients_without_a_finance_contact(seeded: Hub) -> None:
    settings = dataclasses.replace(seeded.settings, alert_window_minutes=5)
    with seeded.db.write() as session:
        quiet = companies.create(
            session, COMMAND_LINE, name="No Contact Ltd", country="GB", base_currency="GBP", finance_contact_email=""
        )
        quiet.settings = {}  # no window of its own: the hub's applies
    raise_alert(seeded, quiet.id)
    raise_alert(seeded, None, "needs_reconnect", "A grant shared by two companies was revoked.")
    assert compose(seeded, settings) == 2
    by_company = {e.company_id: e for e in emails(seeded)}
    assert by_company[quiet.id].recipients == ["support@hub.example"]
    assert by_company[None].recipients == ["support@hub.example"]
    assert by_company[None].subject == "Xero hub: 1 problem needs attention in the hub"
    assert f"{settings.base_url}/errors\n" in by_company[None].body
    raise_alert(seeded, quiet.id)
    clock.advance(timedelta(minutes=4))
    assert compose(seeded, settings) == 0
    clock.advance(timedelta(minutes=2))
    assert compose(seeded, settings) == 1


def test_a_mail_server_that_is_down_loses_nothing(seeded: Hub, tmp_path: Path) -> None:
    port = free_port()
    settings = mailing(seeded, f"smtp://hub:s3cret-pass@127.0.0.1:{port}")
    raise_alert(seeded, company(seeded, HARBOUR).id)
    compose(seeded)
    before = clock.now()
    assert notify.deliver(seeded.db, settings, worker="w1") == notify.Delivery(sent=0, failed=1)
    (email,) = emails(seeded)
    assert email.state is EmailState.FAILED and email.attempts == 1
    assert email.last_error and f"Could not reach the mail server smtp://hub@127.0.0.1:{port}" in email.last_error
    assert "s3cret" not in email.last_error
    assert timedelta(seconds=30) <= email.next_attempt_at - before < timedelta(seconds=35)
    assert notify.deliver(seeded.db, settings, worker="w1") == notify.Delivery()  # not due yet

    sink = MailSink(tmp_path / "mail", port=port).start()
    try:
        plain = mailing(seeded, f"smtp://127.0.0.1:{port}")  # the sink asks for no login
        assert notify.deliver(seeded.db, plain, worker="w1") == notify.Delivery()
        clock.advance(timedelta(seconds=31))
        assert notify.deliver(seeded.db, plain, worker="w1") == notify.Delivery(sent=1)
        assert len(sink.messages()) == 1
    finally:
        sink.stop()
    (email,) = emails(seeded)
    assert email.state is EmailState.SENT and email.attempts == 2 and email.last_error is None


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 120), (3, 600), (4, 1800), (5, 3600), (40, 3600)])
def test_retries_back_off_to_an_hour(attempts: int, seconds: int) -> None:
    assert notify.retry_delay(attempts) == timedelta(seconds=seconds)


def test_two_concurrent_workers_never_send_one_email_twice(seeded: Hub, sink: MailSink) -> None:
    with seeded.db.write() as session:
        for n in range(12):
            made = companies.create(
                session,
                COMMAND_LINE,
                name=f"Busy {n} Ltd",
                country="GB",
                base_currency="GBP",
                finance_contact_email=f"books{n}@busy.example",
            )
            notify.alert(session, company_id=made.id, kind="document_failed", summary=f"Bill {n} failed")
    assert compose(seeded) == 12
    settings = mailing(seeded, sink.url)
    sent: dict[str, int] = {}

    def work(name: str) -> None:
        sent[name] = 0
        while (result := notify.deliver(seeded.db, settings, worker=name, limit=2)).sent:
            sent[name] += result.sent

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [message["Message-ID"] for message in sink.messages()]
    assert len(ids) == 12 and len(set(ids)) == 12 and sum(sent.values()) == 12
    assert {e.state for e in emails(seeded)} == {EmailState.SENT}


def test_a_send_abandoned_mid_lease_is_sent_again(seeded: Hub, sink: MailSink) -> None:
    raise_alert(seeded, company(seeded, HARBOUR).id)
    compose(seeded)
    with seeded.db.write() as session:  # a worker claimed it, then died
        session.execute(
            update(EmailMessage).values(
                state=EmailState.SENDING, lease_owner="dead", lease_until=clock.now() + notify.LEASE, attempts=1
            )
        )
    settings = mailing(seeded, sink.url)
    assert notify.deliver(seeded.db, settings, worker="w2") == notify.Delivery()
    clock.advance(notify.LEASE + timedelta(seconds=1))
    assert notify.deliver(seeded.db, settings, worker="w2") == notify.Delivery(sent=1)
    assert emails(seeded)[0].attempts == 2


def test_without_smtp_url_emails_wait_and_the_sidecar_says_why(seeded: Hub, sink: MailSink) -> None:
    raise_alert(seeded, company(seeded, HARBOUR).id)
    assert notify.deliver(seeded.db, seeded.settings, worker="w1") == notify.Delivery(configured=False)
    detail = jobs.send_alerts(SidecarContext(hub=seeded))
    assert "not sent, because SMTP_URL is not set" in detail
    (email,) = emails(seeded)
    assert email.state is EmailState.PENDING and email.attempts == 0
    configured = Hub(settings=mailing(seeded, sink.url), db=seeded.db)
    assert "1 emails sent" in jobs.send_alerts(SidecarContext(hub=configured))
    assert len(sink.messages()) == 1


def test_outbox_reads_are_scoped_and_send_again_is_audited(seeded: Hub, tmp_path: Path) -> None:
    harbour, kookaburra = company(seeded, HARBOUR), company(seeded, KOOKABURRA)
    for company_id in (harbour.id, kookaburra.id, None):
        raise_alert(seeded, company_id)
    compose(seeded)
    notify.deliver(seeded.db, mailing(seeded, f"smtp://127.0.0.1:{free_port()}"), worker="w1")
    fiona = dataclasses.replace(FIONA, company_id=harbour.id)
    admin = Actor(user_id=None, email="ada@example", name="Ada", role=Role.ADMIN)
    viewer = Actor(user_id=None, email="vic@example", name="Vic", role=Role.VIEWER)
    with seeded.db.read() as session:
        assert len(email_outbox.list_emails(session, admin)) == 3
        assert {r.company for r in email_outbox.list_emails(session, fiona)} == {HARBOUR}
        assert len(email_outbox.list_emails(session, admin, state=EmailState.FAILED)) == 1
        with pytest.raises(PermissionDenied):
            email_outbox.list_emails(session, viewer)
        with pytest.raises(PermissionDenied):
            email_outbox.list_emails(session, fiona, company_id=kookaburra.id)
    failed = next(e for e in emails(seeded) if e.state is EmailState.FAILED)
    other = next(e for e in emails(seeded) if e.company_id == kookaburra.id)
    with seeded.db.write() as session, pytest.raises(PermissionDenied):
        email_outbox.retry_now(session, fiona, other.id)
    with seeded.db.write() as session:
        assert email_outbox.retry_now(session, admin, failed.id)
    again = next(e for e in emails(seeded) if e.id == failed.id)
    assert again.state is EmailState.PENDING and again.next_attempt_at <= clock.now()
    with seeded.db.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "email_retry"))
        assert event is not None and event.actor_label == "ada@example" and str(failed.id) in (event.target or "")


def test_unknown_alert_kinds_are_refused(seeded: Hub) -> None:
    with pytest.raises(ValueError, match="unknown alert kind"), seeded.db.write() as session:
        notify.alert(session, company_id=None, kind="something_else", summary="?")
