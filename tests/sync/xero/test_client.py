"""The Accounting API client against the simulator: paging, batched idempotent writes, and outcomes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from core.xero import outcomes, resources
from core.xero.client import AccountingClient, Budget
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator


@pytest.fixture
def budgets() -> list[Budget]:
    return []


@pytest.fixture
def client(sim: Simulator, budgets: list[Budget]) -> Iterator[AccountingClient]:
    with httpx.Client(timeout=30) as http:
        yield AccountingClient(
            http,
            api_url=sim.url,
            access_token=sim.connect()["access_token"],
            tenant_id=HARBOUR,
            on_budget=budgets.append,
        )


def test_reads_page_at_the_largest_size_and_report_the_budget(
    client: AccountingClient, sim: Simulator, budgets: list[Budget]
) -> None:
    contacts = client.list(resources.CONTACTS, params={"includeArchived": "true"})
    assert len(contacts) > 100 and len({c["ContactID"] for c in contacts}) == len(contacts)
    log = sim.control("GET", "/requests")
    assert any("pageSize=1000" in row["query"] and "page=1" in row["query"] for row in log)
    assert budgets[-1].minute == 59 and budgets[-1].day == 4999 and budgets[-1].app_minute == 9999
    assert client.organisation()["Name"] == "Harbour Bakery Ltd"
    accounts = client.list(resources.ACCOUNTS, where='Type=="BANK"')
    assert accounts and all(a["Type"] == "BANK" for a in accounts)


def test_if_modified_since_is_sent_for_incremental_reads(client: AccountingClient) -> None:
    from core import clock

    recent = client.list(resources.CONTACTS, since=clock.now())
    assert recent == []


def test_writes_batch_with_idempotency_and_per_item_outcomes(client: AccountingClient, sim: Simulator) -> None:
    elements = [{"Name": f"Batch Supplier {i}"} for i in range(60)] + [{"Name": "Batch Supplier 3"}]
    results = client.write(resources.CONTACTS, elements, idempotency_key="contact-batch:v1", create_only=True)
    assert len(results) == 61 and sum(r.ok for r in results) == 60
    assert "already assigned" in results[-1].messages[0]
    writes = [r for r in sim.control("GET", "/requests") if r["method"] == "PUT"]
    assert len(writes) == 2 and all("summarizeErrors=false" in r["query"] for r in writes)
    again = client.write(resources.CONTACTS, elements, idempotency_key="contact-batch:v1", create_only=True)
    assert [r.element.get("ContactID") for r in again] == [r.element.get("ContactID") for r in results]


@pytest.mark.parametrize(
    ("fault", "expected", "cause"),
    [
        ({"kind": "status", "status": 429, "retryAfter": 42}, outcomes.RetryAfter, "minute_budget"),
        ({"kind": "status", "status": 503}, outcomes.Transient, "xero_outage"),
        ({"kind": "status", "status": 500}, outcomes.Transient, "xero_outage"),
    ],
    ids=["rate-limited", "unavailable", "server-error"],
)
def test_faults_become_outcomes(
    client: AccountingClient, sim: Simulator, fault: dict, expected: type, cause: str
) -> None:
    control.post(f"{sim.url}/_sandbox/faults", json=fault)
    with pytest.raises(expected) as caught:
        client.organisation()
    assert caught.value.cause == cause and caught.value.request == {
        "method": "GET",
        "path": "/Organisation",
        "params": None,
        "body": None,
    }
    if expected is outcomes.RetryAfter:
        assert caught.value.seconds == 42  # type: ignore[attr-defined]


def test_a_timed_out_write_is_uncertain(client: AccountingClient, sim: Simulator) -> None:
    control.post(f"{sim.url}/_sandbox/faults", json={"kind": "timeout", "seconds": 3, "method": "PUT"})
    client.http.timeout = httpx.Timeout(1.0)
    with pytest.raises(outcomes.UncertainOutcome):
        client.write(resources.CONTACTS, [{"Name": "Maybe Saved Ltd"}], idempotency_key="maybe:v1", create_only=True)


def test_expired_token_revoked_access_and_daily_budget(client: AccountingClient, sim: Simulator) -> None:
    sim.control("POST", "/clock/advance", seconds=31 * 60)
    with pytest.raises(outcomes.RefreshAndRetry):
        client.organisation()
    fresh = sim.connect()
    client.headers["Authorization"] = f"Bearer {fresh['access_token']}"
    sim.control("POST", "/limits", day=1)
    client.organisation()
    with pytest.raises(outcomes.DailyBudgetSpent) as caught:
        client.organisation()
    assert caught.value.seconds > 3600
    sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    sim.control("POST", "/limits", day=5000)
    with pytest.raises(outcomes.ReconnectNeeded):
        client.organisation()
