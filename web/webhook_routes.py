"""POST /webhooks/xero: Xero's webhook. Thin: core.contacts.webhooks checks the signature and keeps the events.

Xero's rules (xero-api-facts.md §7, https://developer.xero.com/documentation/webhooks/configuring-your-server):
200 with no body for a good signature, 401 for a bad one, within 5 seconds; anything else is retried for up to a day,
then the webhook is disabled. So this route answers 503 only when the database cannot keep the events (Xero's retry
then delivers them again), and never 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.contacts import webhooks
from core.failures import UNAVAILABLE_ERRORS
from core.settings import ConfigError
from web import lanes
from web.bodies import read_capped
from web.runtime import get_hub

log = logging.getLogger(__name__)
# Xero's batches are a few hundred bytes per event; a megabyte is far beyond any real delivery.
MAX_BODY = 1024 * 1024
# Xero waits 5 seconds; the rest of the budget is the network's.
ANSWER_WITHIN_SECONDS = 4.0


def _receive(body: bytes, signature: str | None) -> webhooks.Outcome:
    hub = get_hub()
    return webhooks.receive(hub.db, hub.settings, body, signature, ready=hub.ensure_ready)


async def _within_budget(run: Callable[[], webhooks.Outcome]) -> webhooks.Outcome:
    # On the webhook's own threads, so sign-ins and page work cannot starve it. Past the deadline the answer is
    # abandoned, so Xero hears in time even if the database is stuck; should the write still land, Xero's retry
    # records the events again, which is harmless (the inbox merges contact ids into one run).
    with anyio.fail_after(ANSWER_WITHIN_SECONDS):
        return await lanes.WEBHOOK.run(run)


async def xero_webhook(request: Request) -> Response:
    body = await read_capped(request, MAX_BODY)  # the signature covers these exact bytes
    if body is None:
        return PlainTextResponse(f"A webhook body is at most {MAX_BODY // 1024} KB.", status_code=413)
    signature = request.headers.get("x-xero-signature")
    try:
        outcome = await _within_budget(lambda: _receive(body, signature))
    except lanes.LaneFull:
        log.warning("Xero webhook not kept: every webhook thread is busy and the queue is full; Xero will retry")
        return PlainTextResponse("The hub is busy; retry later.", status_code=503)
    except TimeoutError:
        log.warning(
            "Xero webhook not kept: the database did not answer within %.0f s; Xero will retry", ANSWER_WITHIN_SECONDS
        )
        return PlainTextResponse("The hub is busy; retry later.", status_code=503)
    except ConfigError as exc:
        log.warning("Xero webhook not kept: the hub is misconfigured: %s", exc)
        return PlainTextResponse("The hub is not configured; retry later.", status_code=503)
    except UNAVAILABLE_ERRORS as exc:
        log.warning("Xero webhook not kept: the database is unavailable (%s); Xero will retry", type(exc).__name__)
        return PlainTextResponse("The hub cannot reach its database; retry later.", status_code=503)
    except Exception:  # a bug answers like an outage (Xero retries), never with a 500 page
        log.exception("Xero webhook not kept: unexpected failure; Xero will retry")
        return PlainTextResponse("The hub could not keep the events; retry later.", status_code=503)
    if not outcome.signed:
        # Xero's intent-to-receive check sends wrongly signed requests on purpose, so this is not a warning.
        log.info("Xero webhook refused: x-xero-signature does not match XERO_WEBHOOK_KEY")
        return Response(status_code=401)
    if outcome.problem:
        log.warning(
            "Xero webhook accepted with problems: %s (%d events kept); the contacts poll catches up anything lost",
            outcome.problem,
            outcome.recorded,
        )
    return Response(status_code=200)


ROUTES = [Route("/webhooks/xero", xero_webhook, methods=["POST"])]
