"""The Idempotency-Key of a write: the same across retries of the same versions, new when what matters changes."""

from __future__ import annotations

from dataclasses import replace

from core.sync.outbox import Claimed, write_key

ENTRY = Claimed(1, 1, 1, "contact", "7", 3, "update", {}, "contact:7:v3", attempts=1)
OTHER = Claimed(2, 1, 1, "contact", "8", 1, "update", {}, "contact:8:v1", attempts=1)
BODY = [{"ContactID": "xero-7", "EmailAddress": "a@ely.example"}]


def test_a_retry_of_the_same_versions_and_body_has_the_same_key_whatever_the_claims() -> None:
    again = replace(ENTRY, attempts=5, failures=2)
    assert write_key("contacts", [ENTRY, OTHER], BODY) == write_key("contacts", [OTHER, again], BODY)


def test_a_new_version_a_new_body_a_refusal_or_another_kind_of_write_has_a_new_key() -> None:
    first = write_key("contacts", [ENTRY], BODY)
    assert write_key("contacts", [replace(ENTRY, idempotency_key="contact:7:v4")], BODY) != first
    assert write_key("contacts", [ENTRY], [{**BODY[0], "EmailAddress": "b@ely.example"}]) != first
    assert write_key("contacts", [replace(ENTRY, refusals=1)], BODY) != first
    assert write_key("payments", [ENTRY], BODY) != first
    assert len(write_key("documents", [ENTRY], BODY)) <= 128  # Xero's limit
