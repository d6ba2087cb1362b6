"""The demo story's past days: the story's companies issue invoices and change suppliers, and each change is sent to
the simulator when it happened, with the seed's clock set back (core.clock.travel) so the sync runs, latencies and
charts carry their real times. Every run is real: the same pushes and polls the sidecar makes, over HTTP."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from core import clock
from core.demo import story_sync as sync
from core.hub import Hub
from core.models.base import Company

DAYS = 6
POLL_EVERY = 4  # the contacts and documents polls at every fourth moment (each poll is a call per organisation)
# What each story company sells, by its country: (description, unit price).
GOODS = {
    "AU": (("Single origin beans, 1 kg", "38.50"), ("Espresso blend, 5 kg", "165.00"), ("Cold brew, 2 l", "24.90")),
    "NZ": (("Double kayak hire, half day", "95.00"), ("Guided paddle tour", "120.00"), ("Wetsuit hire", "15.00")),
    "GB": (("Pale ale, 30 l keg", "89.00"), ("Stout, 9 gallon cask", "112.50"), ("Brewery tour for ten", "150.00")),
}
AREA = {"AU": "+61 2 5550", "NZ": "+64 4 555", "GB": "+44 113 496"}


def moments(now: datetime) -> list[datetime]:
    """When the past work happened: once a day for the older days, every four hours over the last day (so the
    overview's 24-hour charts have bars across the day), some minutes off the hour like real work."""
    rng = random.Random(7)
    older = [now - timedelta(days=DAYS - k) for k in range(DAYS - 1)]
    recent = [now - timedelta(hours=22 - 4 * k) for k in range(6)]
    return [m + timedelta(minutes=rng.randint(0, 50)) for m in older + recent]


def _work(session: Session, company: Company, step: int) -> None:
    """One moment's platform events for one company: an invoice, and every other time a supplier's new phone."""
    customers = sync.linked(session, company.id, suppliers=False)
    suppliers = sync.linked(session, company.id, suppliers=True)
    if customers:
        description, price = GOODS[company.country][step % 3]
        lines = [(description, 1 + step % 4, Decimal(price), "GOODS")]
        if step % 3 == 0:
            lines.append(("Delivery", 1, Decimal("12.00"), "DELIVERY"))
        number = f"INV-{company.id}{step:03d}"
        data = sync.invoice(
            number,
            customers[step % len(customers)],
            clock.now().date().isoformat(),
            lines,
            sync.sales_rate(session, company.id),
            currency=company.base_currency,
        )
        sync.event(session, company.id, f"story-{number}", "document.issued", data)
    if suppliers and step % 2 == 0:
        supplier = suppliers[(step // 2) % len(suppliers)]
        phone = f"{AREA[company.country]} {1000 + step * 37:04d}"
        data = {"supplier_id": supplier.platform_id, "phones": [{"type": "DEFAULT", "number": phone}]}
        sync.event(session, company.id, f"story-phone-{company.id}-{step}", "supplier.changed", data)


def days(hub: Hub, company_ids: list[int], now: datetime) -> int:
    """Replay the past days for these (connected) companies; return how many moments were replayed."""
    rng = random.Random(11)
    steps = moments(now)
    for step, moment in enumerate(steps):
        clock.travel(moment)
        # The older days one company at a time (each moment's first call refreshes a token), the last day all.
        busy = company_ids if moment > now - timedelta(days=1) else [company_ids[step % len(company_ids)]]
        with hub.db.write() as session:
            for company_id in busy:
                company = session.get(Company, company_id)
                assert company is not None
                _work(session, company, step)
        clock.travel(moment + timedelta(seconds=rng.uniform(1.5, 4.5)))  # the sidecar's next turn
        sync.pushes(hub)
        if step % POLL_EVERY == POLL_EVERY - 1:
            sync.polls(hub)
    return len(steps)
