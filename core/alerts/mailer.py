"""Sending one email over SMTP (plain, STARTTLS or implicit TLS), and saying plainly why it failed."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from core.redact import redact
from core.settings import SmtpConfig

# A server that accepts the connection but never answers must not hold a worker (or its lease) for long.
TIMEOUT_SECONDS = 20
ERROR_MAX = 500


class MailNotSent(Exception):
    """The message was not accepted; `unreachable` means the server itself could not be used (try later)."""

    def __init__(self, reason: str, *, unreachable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable


def build(
    *, sender: str, recipients: list[str], subject: str, body: str, message_id: str, date: datetime
) -> EmailMessage:
    """A plain-text UTF-8 message; the Message-ID is stable so a resent copy is recognisably the same email."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the hub
    message.set_content(body)
    return message


def message_id(email_id: int, created_at: datetime, sender: str) -> str:
    """<hub-email-42-1763690000@hub.example>: the same for every attempt at one email."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "hub.invalid"
    return f"<hub-email-{email_id}-{int(created_at.timestamp())}@{domain}>"


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == "tls":
        return smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
    client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
    if config.security == "starttls":
        try:
            client.starttls(context=ssl.create_default_context())
        except BaseException:
            client.close()
            raise
    return client


def send(config: SmtpConfig, message: EmailMessage) -> dict[str, str]:
    """Hand the message to the SMTP server, or raise MailNotSent with a reason safe to store and show.

    Returns the recipients the server refused while accepting the message for the others (usually none).
    """
    envelope_from = parseaddr(str(message["From"]))[1]
    envelope_to = [parseaddr(part)[1] for part in str(message["To"]).split(",")]
    try:
        with _connect(config) as client:
            if config.username:
                client.login(config.username, config.password.value if config.password else "")
            refused = client.send_message(message, from_addr=envelope_from, to_addrs=envelope_to)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailNotSent(
            f"The mail server {config.label} refused the hub's login ({_said(exc)}). Check the user and password "
            "in SMTP_URL.",
            unreachable=True,
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{address}: {_said(reply)}" for address, reply in exc.recipients.items())
        raise MailNotSent(f"The mail server refused every recipient ({refused}).", unreachable=False) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise MailNotSent(f"The mail server refused the message ({_said(exc)}).", unreachable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, timeouts, TLS failures, a server that hung up: the server, not the message.
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        raise MailNotSent(f"Could not reach the mail server {config.label} ({detail}).", unreachable=True) from None
    return {address: _said(reply) for address, reply in refused.items()}


def _said(reply: object) -> str:
    """An SMTP reply (an exception or a (code, message) pair) as 'code message', short."""
    code = getattr(reply, "smtp_code", None)
    text = getattr(reply, "smtp_error", None)
    if isinstance(reply, tuple) and len(reply) == 2:
        code, text = reply
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return f"{code} {text}".strip() if code is not None else str(reply)


def safe_reason(reason: str) -> str:
    """The failure text as stored: bounded, one line, with any token-looking text removed."""
    flat = " ".join(str(redact(reason)).split())
    return flat if len(flat) <= ERROR_MAX else flat[: ERROR_MAX - 1] + "…"
