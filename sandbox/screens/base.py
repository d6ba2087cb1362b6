"""What every demo screen shares: the request, the page frame and its CSS, flash messages, formatting helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox import orgs
from sandbox.consent import STYLE as CONSENT_STYLE
from sandbox.store import Store
from sandbox.wire import from_ms, parse_date

PAGE_SIZE = 50
# The consent page's look, widened for tables and lists.
STYLE = (
    CONSENT_STYLE
    + """
header{display:flex;align-items:center;gap:1.5rem;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:500;font-size:.95rem}
header a:hover,header a:focus{text-decoration:underline}
header .brand{font-weight:700;font-size:1.1rem;margin-right:auto}
nav.org{background:#fff;border-bottom:1px solid #dde3e8;padding:.55rem 1.5rem;display:flex;gap:1.25rem;
 align-items:center;flex-wrap:wrap}
nav.org strong{margin-right:.75rem}
nav.org a{color:#0b6e99;text-decoration:none;padding:.3rem 0;border-bottom:2px solid transparent}
nav.org a.current{border-bottom-color:#13b5ea;color:#1e3246;font-weight:600}
main{max-width:72rem;margin:1.5rem auto;padding:1.5rem 2rem}
h1{display:flex;align-items:center;gap:.6rem;flex-wrap:wrap}
h2{font-size:1.05rem;margin:1.5rem 0 .6rem}
a{color:#0b6e99}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th{text-align:left;color:#5b6b7a;font-weight:600;border-bottom:2px solid #dde3e8;padding:.5rem .6rem}
td{border-bottom:1px solid #eef1f4;padding:.5rem .6rem;vertical-align:top}
tbody tr:hover{background:#f7fafc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:.12rem .5rem;border-radius:1rem;
 background:#eef1f4;color:#40566b;margin-right:.25rem;white-space:nowrap}
.badge.green{background:#e3f6ea;color:#17693a}.badge.grey{background:#eceff2;color:#5b6b7a}
.badge.blue{background:#e1f3fb;color:#0b6e99}.badge.amber{background:#fdf1dc;color:#8a5a00}
.badge.red{background:#fdecea;color:#8a1c12}
.flash{background:#e3f6ea;color:#17693a;padding:.6rem .8rem;border-radius:.4rem;margin-bottom:1rem}
.flash.error{background:#fdecea;color:#8a1c12}
.toolbar{display:flex;gap:.75rem;align-items:flex-end;flex-wrap:wrap;margin:.5rem 0 1rem}
.toolbar label{margin:0 0 .25rem}
input[type=text],input[type=search],input[type=number],input[type=date],select{padding:.5rem .6rem;
 border:1px solid #c9d2db;border-radius:.4rem;font:inherit;background:#fff;box-sizing:border-box}
form.stack input[type=text],form.stack input[type=email]{width:100%}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(24rem,1fr));gap:0 2.5rem}
dl{display:grid;grid-template-columns:10rem 1fr;gap:.4rem .75rem;margin:0;font-size:.92rem}
dt{color:#5b6b7a}dd{margin:0;overflow-wrap:anywhere}
.actions{display:flex;gap:.6rem;align-items:center;flex-wrap:wrap;margin:.5rem 0 1rem}
.actions form{display:flex;gap:.5rem;align-items:center;margin:0}
.actions label{display:inline;margin:0}
button,a.button{line-height:1.25;font-size:.95rem}
a.button{display:inline-block;padding:.55rem 1.2rem;border-radius:.4rem;border:1px solid #c9d2db;background:#fff;
 color:#1e3246;text-decoration:none}
.buttons,.actions{align-items:center}
a.button.primary{background:#13b5ea;border-color:#13b5ea;color:#fff;font-weight:600}
button.danger,a.button.danger{background:#fff;border-color:#d9534f;color:#b52b27}
button.destructive{background:#c9302c;border-color:#c9302c;color:#fff;font-weight:600}
button:disabled{opacity:.5;cursor:not-allowed}
.pager{display:flex;gap:1rem;align-items:center;margin-top:1rem;font-size:.92rem}
.empty{padding:2rem;text-align:center;color:#5b6b7a;background:#f7fafc;border-radius:.5rem}
.note{color:#5b6b7a;font-size:.85rem}
.box{border:1px solid #dde3e8;border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}
.box h2:first-child{margin-top:.25rem}
input[type=text],input[type=search],input[type=number],input[type=date],select{height:2.45rem}
code{font-size:.85rem;color:#40566b}
"""
)


class NotFound(Exception):
    """The thing a screen was asked for does not exist: answered with a friendly 404 page."""


@dataclass(frozen=True)
class Req:
    """What a screen handler sees of its request."""

    path: dict[str, str]
    query: dict[str, str]
    form: dict[str, str]
    method: str


@dataclass(frozen=True)
class Org:
    tenant_id: str
    name: str
    data: dict[str, Any]


def org_of(store: Store, tenant_id: str) -> Org:
    """The organisation in the URL, or a 404 page."""
    data = orgs.get_org(store, tenant_id)
    if data is None:
        raise NotFound("There is no organisation with that id in the simulator.")
    return Org(tenant_id, str(data.get("Name", "")), data)


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def url(*parts: str, **query: Any) -> str:
    """/screens/... with each path part quoted and the non-empty query values appended."""
    path = "/screens/" + "/".join(quote(str(p), safe="") for p in parts)
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return path + ("?" + urlencode(kept) if kept else "")


def org_url(org: Org | str, *parts: str, **query: Any) -> str:
    tenant = org.tenant_id if isinstance(org, Org) else org
    return url("orgs", tenant, *parts, **query)


def back(target: str, *, flash: str = "", error: str = "") -> Response:
    """A 303 to the page the action came from, with its flash message in the query string."""
    message = urlencode({"error": error} if error else {"flash": flash}) if (flash or error) else ""
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(target + (joiner + message if message else ""), status_code=303)


SECTIONS = (
    ("contacts", "Contacts"),
    ("invoices", "Invoices and bills"),
    ("accounts", "Chart of accounts"),
    ("apps", "Connected apps"),
)


def frame(title: str, body: str, *, req: Req | None = None, org: Org | None = None, section: str = "") -> str:
    """The whole HTML page: the Xero (simulator) header, the organisation's tabs, flash messages, the body."""
    subnav = ""
    if org is not None:
        tabs = "".join(
            f'<a href="{org_url(org, key)}" data-testid="nav-{key}"{" class=current" if key == section else ""}>'
            f"{label}</a>"
            for key, label in SECTIONS
        )
        subnav = f'<nav class="org" aria-label="Organisation"><strong>{esc(org.name)}</strong>{tabs}</nav>'
    flashes = ""
    if req is not None and req.query.get("flash"):
        flashes += f'<div class="flash" role="status" data-testid="flash">{esc(req.query["flash"])}</div>'
    if req is not None and req.query.get("error"):
        flashes += f'<div class="flash error" role="alert" data-testid="flash-error">{esc(req.query["error"])}</div>'
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} · Xero (simulator)</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head><body>'
        '<header><span class="brand" data-testid="brand">Xero (simulator)</span>'
        f'<nav aria-label="Simulator"><a href="{url("")}" data-testid="nav-orgs">Organisations</a> '
        f'&nbsp; <a href="{url("faults")}" data-testid="nav-faults">Fault switches and clock</a></nav></header>'
        f"{subnav}<main>{flashes}{body}</main></body></html>"
    )


def html(title: str, body: str, *, req: Req | None = None, org: Org | None = None, section: str = "") -> Response:
    return HTMLResponse(frame(title, body, req=req, org=org, section=section))


def not_found_page(message: str) -> Response:
    body = (
        f'<h1 data-testid="not-found">Page not found</h1><p>{esc(message)}</p>'
        f'<p><a href="{url("")}">Back to the organisations</a></p>'
    )
    return HTMLResponse(frame("Not found", body), status_code=404)


def problem_page(message: str, status: int = 500) -> Response:
    body = (
        f'<h1 data-testid="problem">Something went wrong</h1><p>{esc(message)}</p>'
        f'<p><a href="{url("")}">Back to the organisations</a></p>'
    )
    return HTMLResponse(frame("Something went wrong", body), status_code=status)


def confirm_page(
    req: Req,
    org: Org,
    section: str,
    *,
    question: str,
    detail: str,
    action: str,
    button: str,
    cancel: str,
    hidden: dict[str, str] | None = None,
    destructive: bool = True,
) -> Response:
    """The confirmation step of a destructive action (detail is HTML, already escaped); the POST has confirm=yes."""
    fields = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in (hidden or {}).items())
    body = (
        f'<h1 data-testid="confirm-question">{esc(question)}</h1><p>{detail}</p>'
        f'<form method="post" action="{esc(action)}" class="actions">{fields}'
        '<input type="hidden" name="confirm" value="yes">'
        f'<button class="{"destructive" if destructive else "primary"}" type="submit" data-testid="confirm">'
        f"{esc(button)}</button>"
        f'<a class="button" href="{esc(cancel)}" data-testid="cancel">Cancel</a></form>'
    )
    return html(question, body, req=req, org=org, section=section)


def badge(text: str, colour: str = "", testid: str = "") -> str:
    attr = f' data-testid="{esc(testid)}"' if testid else ""
    return f'<span class="badge {esc(colour)}"{attr}>{esc(text)}</span>'


def utc(ms: int | None) -> str:
    return "" if ms is None else from_ms(ms).strftime("%Y-%m-%d %H:%M:%S UTC")


def day(value: Any) -> str:
    """A document date (/Date(ms+0000)/ or ISO) as 12 Mar 2026."""
    parsed = parse_date(value)
    return parsed.strftime("%d %b %Y") if parsed else ""


def money(value: Any, currency: str = "") -> str:
    try:
        amount = float(value or 0)
    except (TypeError, ValueError):
        return esc(value)
    return f"{esc(currency)} {amount:,.2f}".strip()


def shown(value: Any, testid: str) -> str:
    """A value that always has its place (and test id), with a muted "Not set" when empty."""
    text = "" if value is None else str(value)
    empty = "" if text else '<span class="note">Not set</span>'
    return f'<span data-testid="{esc(testid)}">{esc(text)}</span>{empty}'


def definitions(pairs: Iterable[tuple[str, str]], testid: str = "") -> str:
    """A <dl> of label -> already-escaped HTML, skipping empty values."""
    attr = f' data-testid="{esc(testid)}"' if testid else ""
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs if v)
    return f"<dl{attr}>{rows}</dl>" if rows else '<p class="note">None recorded.</p>'


def options(choices: Iterable[tuple[str, str]], selected: str) -> str:
    return "".join(
        f'<option value="{esc(v)}"{" selected" if v == selected else ""}>{esc(label)}</option>' for v, label in choices
    )


def pager(req: Req, page: int, total: int, base: str, testid: str = "pager") -> str:
    """'Showing 51 to 100 of 123' with Previous / Next links that keep the filters."""
    pages = max(1, -(-total // PAGE_SIZE))
    first, last = (page - 1) * PAGE_SIZE + 1, min(page * PAGE_SIZE, total)
    keep = {k: v for k, v in req.query.items() if k not in ("page", "flash", "error")}

    def link(number: int, label: str, key: str) -> str:
        query = urlencode({**keep, "page": number})
        return f'<a href="{esc(base)}?{esc(query)}" data-testid="{testid}-{key}" rel="{key}">{label}</a>'

    shown = f"Showing {first} to {last} of {total}" if total else "Nothing to show"
    prev = link(page - 1, "← Previous", "prev") if page > 1 else ""
    nxt = link(page + 1, "Next →", "next") if page < pages else ""
    return (
        f'<div class="pager" data-testid="{testid}"><span data-testid="result-count">{shown}</span>'
        f"<span>Page {min(page, pages)} of {pages}</span>{prev}{nxt}</div>"
    )


def page_number(req: Req, total: int) -> int:
    """The page asked for, kept between the first and the last page of total items."""
    try:
        asked = int(req.query.get("page", "1"))
    except ValueError:
        asked = 1
    return min(max(1, asked), max(1, -(-total // PAGE_SIZE)))
