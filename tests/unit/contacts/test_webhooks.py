"""Xero webhooks, the pure parts: the signature check, the payload parser and the inbox plan."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from core.config.xero import DEMO_WEBHOOK_KEY as DEMO_XERO_WEBHOOK_KEY
from core.contacts.webhooks import NO_COMPANY, Incoming, Linked, Waiting, event_date, parse, plan, verify
from core.models.sync import ConnectionState
from core.settings import ConfigError, load
from tests.conftest import TEST_ENV

KEY = "demo-webhook-signing-key-0001"
BODY = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}'


def sign(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(
    ("key", "body", "signature", "expected"),
    [
        (KEY, BODY, sign(KEY, BODY), True),
        (KEY, BODY, "  " + sign(KEY, BODY) + " ", True),
        (KEY, BODY, sign("another-key", BODY), False),
        (KEY, BODY + b" ", sign(KEY, BODY), False),
        (KEY, BODY.replace(b"ABC", b"ABD"), sign(KEY, BODY), False),
        (KEY, BODY, None, False),
        (KEY, BODY, "", False),
        (KEY, b"", sign(KEY, b""), True),
        (KEY, b"", "", False),
        ("", BODY, sign("", BODY), False),
        (KEY, BODY, "not base64 at all!", False),
        (KEY, BODY, sign(KEY, BODY)[:-4], False),
        (KEY, BODY, "é" * 44, False),
        (KEY, BODY, sign(KEY, BODY).lower(), False),
    ],
    ids=[
        "good",
        "good-padded-header",
        "wrong-key",
        "body-with-extra-byte",
        "tampered-body",
        "missing-header",
        "empty-header",
        "empty-body-signed",
        "empty-body-unsigned",
        "no-key-configured",
        "garbage-signature",
        "truncated-signature",
        "non-ascii-signature",
        "case-changed-signature",
    ],
)
def test_verify(key: str, body: bytes, signature: str | None, expected: bool) -> None:
    assert verify(key, body, signature) is expected


def event(**fields: object) -> dict:
    base = {
        "resourceUrl": "https://api.xero.com/api.xro/2.0/Contacts/c-1",
        "resourceId": "c-1",
        "eventDateUtc": "2024-06-21T01:15:39.902",
        "eventType": "UPDATE",
        "eventCategory": "CONTACT",
        "tenantId": "t-1",
        "tenantType": "ORGANISATION",
    }
    return {k: v for k, v in {**base, **fields}.items() if v is not None}


def payload(*events: object) -> bytes:
    return json.dumps(
        {"events": list(events), "firstEventSequence": 1, "lastEventSequence": 2, "entropy": "X"}
    ).encode()


@pytest.mark.parametrize(
    ("body", "kept", "skipped", "problem"),
    [
        (payload(), 0, 0, None),
        (payload(event(), event(resourceId="c-2", eventType="CREATE")), 2, 0, None),
        (payload(event(), event(tenantId=None)), 1, 1, "no tenantId"),
        (payload(event(resourceId=""), "text", 7), 0, 3, "no resourceId"),
        (payload(event(resourceId="x" * 65)), 0, 1, "longer than 64"),
        (payload(event(eventCategory=["CONTACT"])), 0, 1, "no eventCategory"),
        (b"{not json", 0, 0, "not JSON"),
        (b"\xff\xfe", 0, 0, "not JSON"),
        (b"", 0, 0, "not JSON"),
        (b"[1, 2]", 0, 0, "no list of events"),
        (b'{"events": {}}', 0, 0, "no list of events"),
        (b'{"entropy": "X"}', 0, 0, "no list of events"),
    ],
    ids=[
        "intent-to-receive",
        "two-events",
        "one-without-tenant",
        "all-malformed",
        "too-long-id",
        "category-not-text",
        "not-json",
        "not-utf8",
        "empty",
        "a-list",
        "events-not-a-list",
        "no-events",
    ],
)
def test_parse_keeps_what_it_can_and_says_why_not(body: bytes, kept: int, skipped: int, problem: str | None) -> None:
    parsed = parse(body)
    assert (len(parsed.events), parsed.skipped) == (kept, skipped)
    assert (parsed.problem is None) if problem is None else (problem in (parsed.problem or ""))


def test_an_event_is_read_as_xero_sends_it() -> None:
    (incoming,) = parse(payload(event(eventCategory="contact", eventType="update"))).events
    assert incoming == Incoming("t-1", "CONTACT", "UPDATE", "c-1", datetime(2024, 6, 21, 1, 15, 39, 902000, tzinfo=UTC))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-06-21T01:15:39.902", datetime(2024, 6, 21, 1, 15, 39, 902000, tzinfo=UTC)),
        ("2019-12-07T18:46:19.5165400", datetime(2019, 12, 7, 18, 46, 19, 516540, tzinfo=UTC)),
        ("2024-06-21T03:15:39+02:00", datetime(2024, 6, 21, 1, 15, 39, tzinfo=UTC)),
        ("yesterday", None),
        (17, None),
        (None, None),
    ],
    ids=["xero-millis", "identity-7-digits", "with-offset", "not-a-date", "a-number", "missing"],
)
def test_event_dates_are_utc(raw: object, expected: datetime | None) -> None:
    assert event_date(raw) == expected


CONNECTED = Linked(1, ConnectionState.CONNECTED)
LINKS = {
    "t-harbour": [CONNECTED],
    "t-paused": [Linked(2, ConnectionState.NEEDS_RECONNECT)],
    "t-shared": [Linked(3, ConnectionState.CONNECTED), Linked(4, ConnectionState.REMOVED)],
}


@pytest.mark.parametrize(
    ("event", "pulls", "outcome"),
    [
        (Waiting(1, "t-harbour", "CONTACT", "c-1"), {1: ("c-1",)}, "contacts update asked for (company 1)"),
        (Waiting(1, "t-unknown", "CONTACT", "c-1"), {}, NO_COMPANY),
        (Waiting(1, "t-unknown", "INVOICE", "i-1"), {}, NO_COMPANY),
        (Waiting(1, "t-harbour", "SUBSCRIPTION", "s-1"), {}, "ignored: the hub does not use SUBSCRIPTION events"),
        (Waiting(1, "t-paused", "CONTACT", "c-1"), {}, "connection is needs reconnect"),
        (Waiting(1, "t-shared", "CONTACT", "c-1"), {3: ("c-1",)}, "company 3"),
    ],
    ids=[
        "connected",
        "unknown-tenant",
        "unknown-tenant-invoice",
        "other",
        "paused",
        "shared",
    ],
)
def test_plan_one_event(event: Waiting, pulls: dict, outcome: str) -> None:
    decided = plan([event], LINKS)
    assert dict(decided.pulls) == pulls
    assert outcome in decided.outcomes[1]


def test_plan_merges_ids_per_company_and_marks_every_event() -> None:
    waiting = [
        Waiting(1, "t-harbour", "CONTACT", "c-1"),
        Waiting(2, "t-harbour", "CONTACT", "c-2"),
        Waiting(3, "t-harbour", "CONTACT", "c-1"),
        Waiting(4, "t-harbour", "INVOICE", "i-1"),
        Waiting(5, "t-unknown", "CONTACT", "c-9"),
    ]
    decided = plan(waiting, LINKS)
    assert dict(decided.pulls) == {1: ("c-1", "c-2")}
    assert sorted(decided.outcomes) == [1, 2, 3, 4, 5]


def test_the_webhook_key_setting() -> None:
    assert load(TEST_ENV).xero_webhook_key.value == DEMO_XERO_WEBHOOK_KEY == KEY  # the simulator's demo app
    custom = load({**TEST_ENV, "XERO_WEBHOOK_KEY": " portal-key-123 "})
    assert custom.xero_webhook_key.value == "portal-key-123" and "portal-key-123" not in repr(custom)
    with pytest.raises(ConfigError, match="XERO_WEBHOOK_KEY is set but empty"):
        load({**TEST_ENV, "XERO_WEBHOOK_KEY": "  "})
