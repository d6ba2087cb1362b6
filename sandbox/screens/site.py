"""The demo's "Xero screens" under /screens/: plain server-rendered HTML standing in for Xero's own screens.

Wiring in sandbox/app.py: Route("/", site.home) and *site.routes(store, faults=faults). Every action is a form
POST that ends in a 303 back to the page it came from, with its flash message in the query string; destructive
actions have a confirmation page first (GET shows it, the POST carries confirm=yes).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Faults
from sandbox.screens import accounts, admin, contact_actions, contacts, invoice, invoices
from sandbox.screens import faults as fault_screen
from sandbox.screens.base import NotFound, Req, not_found_page, org_of, org_url, problem_page
from sandbox.store import Store

Handler = Callable[[Store, Req], Response]
MAX_FORM_BYTES = 64 * 1024
log = logging.getLogger(__name__)

ORG = "/screens/orgs/{tenant}"
CONTACT = ORG + "/contacts/{contact}"
INVOICE = ORG + "/invoices/{invoice}"
BOTH = ("GET", "POST")


def _org_home(store: Store, req: Req) -> Response:
    return RedirectResponse(org_url(org_of(store, req.path["tenant"]), "contacts"), status_code=303)


def _unknown(_store: Store, _req: Req) -> Response:
    raise NotFound("There is no simulator screen at this address.")


ROUTES: list[tuple[tuple[str, ...], str, Handler]] = [
    (("GET",), "/screens/", admin.orgs_page),
    (("POST",), "/screens/clock/advance", fault_screen.advance_clock),
    (("GET",), ORG, _org_home),
    (("GET",), ORG + "/contacts", contacts.list_page),
    (("GET",), CONTACT, contacts.detail_page),
    (BOTH, CONTACT + "/edit", contact_actions.edit),
    (BOTH, CONTACT + "/archive", contact_actions.archive),
    (BOTH, CONTACT + "/unarchive", contact_actions.unarchive),
    (BOTH, CONTACT + "/merge", contact_actions.merge),
    (("GET",), ORG + "/invoices", invoices.list_page),
    (("GET",), INVOICE, invoice.detail_page),
    (("GET",), INVOICE + "/attachments/{attachment}", invoice.attachment),
    (("POST",), INVOICE + "/payments", invoice.add_payment),
    (BOTH, INVOICE + "/void", invoice.void),
    (("GET",), ORG + "/accounts", accounts.list_page),
    (BOTH, ORG + "/accounts/{account}/archive", partial(accounts.change, archive=True)),
    (("POST",), ORG + "/accounts/{account}/restore", partial(accounts.change, archive=False)),
    (("POST",), ORG + "/accounts/{account}/payments/enable", partial(accounts.payments, enable=True)),
    (("POST",), ORG + "/accounts/{account}/payments/disable", partial(accounts.payments, enable=False)),
    (("GET",), ORG + "/apps", admin.apps_page),
    (BOTH, ORG + "/apps/{client}/disconnect", admin.disconnect),
    (BOTH, ORG + "/users/{user}/remove", admin.remove_user),
    (BOTH, "/screens/{rest:path}", _unknown),
]


async def home(_request: Request) -> Response:
    """The simulator's front page is the organisations screen."""
    return RedirectResponse("/screens/", status_code=307)


def _endpoint(store: Store, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            raw = await request.body()
            if len(raw) > MAX_FORM_BYTES:
                return problem_page("That form is larger than the simulator's screens accept.", 413)
            form = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
        req = Req(dict(request.path_params), dict(request.query_params), form, request.method)
        try:
            return await run_in_threadpool(handler, store, req)
        except NotFound as exc:
            return not_found_page(str(exc))
        except Exception:
            # A screen must never show a traceback: log it for the developer, show a plain page to the viewer.
            log.exception("screen %s %s failed", request.method, request.url.path)
            return problem_page("The simulator could not show this page. The details are in its log.")

    return serve


def routes(store: Store, *, faults: Faults) -> list[Route]:
    """Every screen route, for sandbox/app.py's route list (none collides with Xero's paths or /_sandbox/);
    `faults` are the running switches the fault screen arms and clears."""
    switches: list[tuple[tuple[str, ...], str, Handler]] = [
        (("GET",), "/screens/faults", partial(fault_screen.page, faults=faults)),
        (("POST",), "/screens/faults/arm", partial(fault_screen.arm, faults=faults)),
        (("POST",), "/screens/faults/clear", partial(fault_screen.clear, faults=faults)),
    ]
    return [
        Route("/screens", home, methods=["GET"]),
        *(Route(p, _endpoint(store, handler), methods=list(m)) for m, p, handler in [*switches, *ROUTES]),
    ]
