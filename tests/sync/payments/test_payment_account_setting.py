"""The kind of account payments go to, a company setting, against the simulator over real HTTP on SQLite and
PostgreSQL: saved audited, mappings that no longer fit it flagged, the push refusing a payment whose account does not
fit (nothing sent, a sync error saying what to do) and sending it once a fitting account is mapped; an account whose
payments are switched off in Xero stops the push the same way, and the Mappings page then says how to switch them on.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from core.documents import actions as document_actions
from core.hub import Hub
from core.mappings import payment_accounts
from core.mappings import refresh as reference
from core.mappings import store as mappings
from core.mappings import view as mappings_view
from core.mappings.plan import Change
from core.models.base import AuditEvent
from core.models.mappings import MappingKind
from core.payments import push as payment_push
from core.xero_access import gate
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.mappings.test_reference_and_mappings import mapped, refresh_all
from tests.sync.payments.test_payments_and_status import (
    connection_id,
    invoice_in_xero,
    open_errors,
    pay,
    payment,
    payment_calls,
    ready,
)

P = MappingKind.PAYMENT


def choose(hub: Hub, accepts: str) -> str:
    with hub.db.write() as session:
        return payment_accounts.save_setting(session, actor(hub), harbour(hub), accepts)


def map_gbp(hub: Hub, code: str) -> None:
    with hub.db.write() as session:
        mappings.save(session, actor(hub), harbour(hub), [Change(P, "", "GBP", code)])


def reexport(hub: Hub, platform_id: str) -> None:
    with hub.db.write() as session:
        document_actions.reexport(
            session, actor(hub), harbour(hub), entity_type="payment", entity_id=payment(hub, platform_id).id
        )


def account_in_xero(hub: Hub, payment_id: str) -> str:
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        return str(xero.request("GET", f"/Payments/{payment_id}")["Payments"][0]["Account"]["Code"])


def test_payments_go_only_to_the_kind_of_account_the_company_chose(hub: Hub, sim: Simulator) -> None:
    assert ready(hub) == "090"  # by default a bank account is suggested, as before the setting existed
    invoice = invoice_in_xero(hub, "PAY-6001")
    said = choose(hub, "payments_enabled")
    assert "GBP" in said and "EUR" in said and "Mappings page" in said
    assert choose(hub, "payments_enabled") == "Nothing changed."
    with hub.db.read() as session:
        (changed,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "company_changed")).all()
    assert changed.before == {"payment_accounts": "any"} and changed.after == {"payment_accounts": "payments_enabled"}
    flag = mapped(hub)[("payment", "", "GBP")].stale_reason or ""
    assert "090 · Business Bank Account is a bank account" in flag and "Changed in Xero" not in flag

    pay(hub, invoice, "25.00", "PM-61")
    before = len(payment_calls(sim))
    assert payment_push.push_due(hub, worker="test").refused == 1
    assert len(payment_calls(sim)) == before  # nothing was sent
    (error,) = open_errors(hub, payment(hub, "PM-61").id)
    assert error.cause == "payment_account_unfit"
    assert "090 · Business Bank Account is a bank account" in (error.detail or "")
    assert "Mappings page" in (error.detail or "")

    with hub.db.write() as session, pytest.raises(mappings.MappingError, match="is a bank account"):
        mappings.save(session, actor(hub), harbour(hub), [Change(P, "", "EUR", "092")])
    map_gbp(hub, "615")  # the payments-enabled clearing account fits, and its flag goes
    assert mapped(hub)[("payment", "", "GBP")].stale_reason is None
    reexport(hub, "PM-61")
    assert payment_push.push_due(hub, worker="test").sent == 1
    sent = payment(hub, "PM-61")
    assert sent.xero_id and account_in_xero(hub, sent.xero_id) == "615"
    assert not open_errors(hub, sent.id)

    choose(hub, "bank")  # back to bank accounts: the clearing account no longer fits
    assert "615 · Stripe Clearing is not a bank account" in (mapped(hub)[("payment", "", "GBP")].stale_reason or "")
    choose(hub, "any")
    assert mapped(hub)[("payment", "", "GBP")].stale_reason is None


def test_an_account_whose_payments_are_switched_off_in_xero_stops_the_push_and_the_page_says_what_to_do(
    hub: Hub, sim: Simulator
) -> None:
    ready(hub)
    choose(hub, "payments_enabled")
    map_gbp(hub, "615")
    invoice = invoice_in_xero(hub, "PAY-6101")
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        clearing = next(a for a in xero.request("GET", "/Accounts")["Accounts"] if a["Code"] == "615")
    screen = f"{sim.url}/screens/orgs/{HARBOUR}/accounts/{clearing['AccountID']}/payments/disable"
    assert httpx.post(screen, follow_redirects=True, timeout=30).status_code == 200
    with hub.db.write() as session:  # the hourly refresh, asked for now
        reference.request_refresh(session, actor(hub), harbour(hub))
    refresh_all(hub)
    assert "does not accept payments" in (mapped(hub)[("payment", "", "GBP")].stale_reason or "")

    pay(hub, invoice, "10.00", "PM-62")
    assert payment_push.push_due(hub, worker="test").refused == 1
    (error,) = open_errors(hub, payment(hub, "PM-62").id)
    assert error.cause == "payment_account_unfit" and "615 · Stripe Clearing does not accept payments" in (
        error.detail or ""
    )
    with hub.db.read() as session:
        page = mappings_view.page(session, actor(hub), harbour(hub))
    gbp = next(r for r in page.payments if r.source == "GBP")
    assert page.payment_accounts == "payments_enabled" and gbp.choices == ()
    assert gbp.hint and "\u201cEnable payments to this account\u201d" in gbp.hint
