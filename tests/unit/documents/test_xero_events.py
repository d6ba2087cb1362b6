"""What each invoice or credit-note event becomes, decided without I/O (core.documents.xero_events.plan)."""

from __future__ import annotations

import pytest

from core.documents.xero_events import NOT_OURS, OWN_CREATE, Waiting, plan
from core.models.sync import ConnectionState
from core.sync.inbox import NO_COMPANY, Linked

LINKS = {
    "t-harbour": [Linked(1, ConnectionState.CONNECTED)],
    "t-paused": [Linked(2, ConnectionState.NEEDS_RECONNECT)],
    "t-shared": [Linked(3, ConnectionState.CONNECTED), Linked(4, ConnectionState.REMOVED)],
}
OURS = {(1, "i-1"), (1, "n-1"), (2, "i-2"), (3, "i-3"), (4, "i-4")}


@pytest.mark.parametrize(
    ("event", "reads", "outcome"),
    [
        (
            Waiting(1, "t-harbour", "INVOICE", "UPDATE", "i-1"),
            {1: ("INVOICE:i-1",)},
            "status read asked for (company 1)",
        ),
        (Waiting(1, "t-harbour", "CREDITNOTE", "UPDATE", "n-1"), {1: ("CREDITNOTE:n-1",)}, "(company 1)"),
        (Waiting(1, "t-harbour", "INVOICE", "UPDATE", "i-9"), {}, NOT_OURS),
        (Waiting(1, "t-harbour", "INVOICE", "CREATE", "i-1"), {}, OWN_CREATE),
        (Waiting(1, "t-unknown", "INVOICE", "UPDATE", "i-1"), {}, NO_COMPANY),
        (
            Waiting(1, "t-paused", "INVOICE", "UPDATE", "i-2"),
            {},
            "not read: the company's connection is needs reconnect",
        ),
        (Waiting(1, "t-shared", "INVOICE", "UPDATE", "i-3"), {3: ("INVOICE:i-3",)}, "(company 3)"),
        (Waiting(1, "t-shared", "INVOICE", "UPDATE", "i-4"), {}, NOT_OURS),  # the removed company's document
    ],
    ids=["invoice", "credit-note", "not-ours", "own-create", "unknown-tenant", "paused", "shared", "removed-company"],
)
def test_plan_one_event(event: Waiting, reads: dict, outcome: str) -> None:
    decided = plan([event], LINKS, OURS)
    assert dict(decided.reads) == reads
    assert outcome in decided.outcomes[1]


def test_plan_merges_ids_per_company_and_marks_every_event() -> None:
    waiting = [
        Waiting(1, "t-harbour", "INVOICE", "UPDATE", "i-1"),
        Waiting(2, "t-harbour", "CREDITNOTE", "UPDATE", "n-1"),
        Waiting(3, "t-harbour", "INVOICE", "UPDATE", "i-1"),
        Waiting(4, "t-harbour", "INVOICE", "UPDATE", "i-9"),
        Waiting(5, "t-unknown", "INVOICE", "UPDATE", "i-1"),
    ]
    decided = plan(waiting, LINKS, OURS)
    assert dict(decided.reads) == {1: ("INVOICE:i-1", "CREDITNOTE:n-1")}
    assert sorted(decided.outcomes) == [1, 2, 3, 4, 5]
