"""The fault switches and the simulated clock, as one screen."""

from __future__ import annotations

from starlette.responses import Response

from sandbox import orgs
from sandbox.control import actions
from sandbox.faults import Fault, Faults
from sandbox.screens.base import Req, back, esc, html, options, url, utc
from sandbox.store import Store

CLOCK_STEPS = (("1800", "+30 minutes", "30m"), ("86400", "+1 day", "1d"), ("5270400", "+61 days", "61d"))
STEP_WORDS = {seconds: words.lstrip("+") for seconds, words, _ in CLOCK_STEPS}
MAX_STEP_SECONDS = 400 * 24 * 3600
KIND_WORDS = (
    ("status", "Answer with an error status"),
    ("latency", "Answer late (latency)"),
    ("timeout", "Do the work, answer too late (timeout)"),
    ("drop", "Do the work, drop the connection"),
)
METHODS = (("", "Any method"), ("GET", "GET"), ("PUT", "PUT"), ("POST", "POST"), ("DELETE", "DELETE"))


def _armed(faults: Faults) -> str:
    rows = "".join(
        f'<tr data-testid="armed-fault"><td>{esc(f.get("kind"))}</td><td class="num">{esc(f.get("count"))}</td>'
        f"<td>{esc(f.get('status') if f.get('kind') == 'status' else '')}</td>"
        f"<td>{esc(f.get('seconds') if f.get('kind') != 'status' else '')}</td>"
        f"<td>{esc(f.get('tenant_id') or 'Any')}</td><td>{esc(f.get('path') or 'Any')}</td>"
        f"<td>{esc(f.get('method') or 'Any')}</td></tr>"
        for f in faults.armed()
    )
    if not rows:
        return '<p class="note" data-testid="no-faults">No fault is armed: every call is answered normally.</p>'
    return (
        '<table data-testid="armed-faults"><thead><tr><th>Kind</th><th class="num">Calls left</th><th>Status</th>'
        "<th>Seconds</th><th>Organisation</th><th>Path</th><th>Method</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f'<form method="post" action="{url("faults", "clear")}" class="actions">'
        '<button type="submit" class="danger" data-testid="clear-faults">Clear all faults</button></form>'
    )


def _switches(store: Store, faults: Faults) -> str:
    tenants = [("", "Any organisation"), *orgs.list_orgs(store)]
    return (
        _armed(faults) + f'<form method="post" action="{url("faults", "arm")}"><div class="toolbar">'
        f'<div><label for="kind">Fault</label><select id="kind" name="kind" data-testid="fault-kind">'
        f"{options(KIND_WORDS, 'status')}</select></div>"
        '<div><label for="fault-status">Status</label><select id="fault-status" name="status" '
        f'data-testid="fault-status">{options([("503", "503"), ("500", "500"), ("429", "429")], "503")}</select></div>'
        '<div><label for="count">Next calls</label><input type="number" id="count" name="count" value="1" min="1" '
        'max="1000" style="width:5rem"></div>'
        '<div><label for="seconds">Seconds</label><input type="number" id="seconds" name="seconds" value="0" '
        'min="0" step="0.1" style="width:5rem"></div>'
        f'<div><label for="tenant">Organisation</label><select id="tenant" name="tenant">{options(tenants, "")}'
        "</select></div>"
        '<div><label for="path">Path starts with</label><input type="text" id="path" name="path" '
        'value="/api.xro/2.0/"></div>'
        f'<div><label for="method">Method</label><select id="method" name="method">{options(METHODS, "")}</select>'
        '</div><div><button class="primary" type="submit" data-testid="arm-fault">Arm fault</button></div></div>'
        '<p class="note">Status faults answer at once; latency waits the seconds then answers; timeout and drop do '
        "the work, so the caller cannot tell whether it happened.</p></form>"
    )


def page(store: Store, req: Req, *, faults: Faults) -> Response:
    now, offset = store.now_ms(), int(store.get_meta("clock_offset_ms") or 0)
    buttons = "".join(
        f'<button type="submit" name="seconds" value="{seconds}" data-testid="clock-{key}">{esc(words)}</button>'
        for seconds, words, key in CLOCK_STEPS
    )
    switches = f'<section class="box" data-testid="faults"><h2>Fault switches</h2>{_switches(store, faults)}</section>'
    body = (
        f"<h1>Fault switches and clock</h1>{switches}"
        '<section class="box" data-testid="clock"><h2>Simulated clock</h2>'
        f'<p>Simulated now: <strong data-testid="clock-now" data-ms="{now}">{esc(utc(now))}</strong></p>'
        f'<p class="note" data-testid="clock-offset">Ahead of real time by {esc(_duration(offset))}. '
        "Access tokens last 30 minutes; refresh tokens die after 60 idle days.</p>"
        f'<form method="post" action="{url("clock", "advance")}" class="actions">'
        f"<span>Move forward:</span>{buttons}</form></section>"
    )
    return html("Fault switches and clock", body, req=req)


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return f"{days} days, {hours} hours, {minutes} minutes"


def advance_clock(store: Store, req: Req) -> Response:
    seconds = req.form.get("seconds", "")
    try:
        value = float(seconds)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_STEP_SECONDS:
        return back(url("faults"), error="Move the clock forward by a positive number of seconds (at most 400 days).")
    actions.advance_clock(store, {"seconds": value}, {})
    return back(url("faults"), flash=f"Clock moved forward by {STEP_WORDS.get(seconds, f'{seconds} seconds')}.")


def arm(_store: Store, req: Req, *, faults: Faults) -> Response:
    form = req.form
    try:
        kind = form.get("kind", "status")
        fault = Fault(
            kind=kind,
            count=int(form.get("count") or 1),
            status=int(form.get("status") or 503),
            seconds=float(form.get("seconds") or 0),
            tenant_id=form.get("tenant") or None,
            path=form.get("path", "").strip() or None,
            method=form.get("method") or None,
        )
    except (TypeError, ValueError) as exc:
        return back(url("faults"), error=f"That fault cannot be armed: {exc}.")
    faults.add(fault)
    what = f"answer {fault.status}" if kind == "status" else dict(KIND_WORDS).get(kind, kind).lower()
    calls = "call" if fault.count == 1 else f"{fault.count} calls"
    return back(url("faults"), flash=f"Fault armed: the next {calls} will {what}.")


def clear(_store: Store, _req: Req, *, faults: Faults) -> Response:
    faults.clear()
    return back(url("faults"), flash="All fault switches cleared.")
