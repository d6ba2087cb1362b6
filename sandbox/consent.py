"""The consent page's HTML: sign in as a Xero user, pick organisations, Allow or Cancel."""

from __future__ import annotations

from html import escape

from sandbox.orgs import Membership, XeroUserRow

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f6f8;margin:0;color:#1e3246}
header{background:#13b5ea;color:#fff;padding:.9rem 1.5rem;font-weight:600;font-size:1.1rem}
main{max-width:30rem;margin:2.5rem auto;background:#fff;border-radius:.75rem;padding:1.75rem 2rem;
 box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 1rem}
label{display:block;margin:.75rem 0 .3rem;font-size:.9rem}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem .7rem;border:1px solid #c9d2db;
 border-radius:.4rem;font:inherit}
.org{display:flex;gap:.6rem;align-items:flex-start;padding:.6rem 0;border-bottom:1px solid #eef1f4}
.org small{display:block;color:#8a5a00}
.buttons{display:flex;gap:.75rem;margin-top:1.25rem}
button{padding:.55rem 1.2rem;border-radius:.4rem;border:1px solid #c9d2db;background:#fff;font:inherit;cursor:pointer}
button.primary{background:#13b5ea;border-color:#13b5ea;color:#fff;font-weight:600}
.error{background:#fdecea;color:#8a1c12;padding:.6rem .8rem;border-radius:.4rem;margin-bottom:1rem}
.muted{color:#5b6b7a;font-size:.9rem}
ul.scopes{margin:.3rem 0 1rem 1.1rem;padding:0;color:#5b6b7a;font-size:.9rem}
"""

SCOPE_WORDS = {
    "accounting.contacts": "View and manage your contacts",
    "accounting.transactions": "View and manage your business transactions",
    "accounting.invoices": "View and manage your invoices and credit notes",
    "accounting.payments": "View and manage your payments",
    "accounting.attachments": "View and manage your attachments",
    "accounting.settings": "View and manage your organisation settings",
    "accounting.settings.read": "View your organisation settings",
    "offline_access": "Keep access while you're away",
}


def page(title: str, body: str, status_note: str = "") -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><header>Xero (simulator){status_note}</header>"
        f"<main>{body}</main></body></html>"
    )


def _hidden(params: dict[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v, quote=True)}'>" for k, v in params.items() if v
    )


def sign_in(app_name: str, params: dict[str, str], error: str = "") -> str:
    alert = f"<div class='error' role='alert'>{escape(error)}</div>" if error else ""
    return page(
        "Log in to Xero",
        f"""
      <h1>Log in to connect {escape(app_name)}</h1>{alert}
      <form method='post' action='/identity/connect/authorize'>{_hidden(params)}
        <label for='email'>Email address</label><input id='email' name='email' type='email' required autofocus>
        <label for='password'>Password</label><input id='password' name='password' type='password' required>
        <div class='buttons'><button class='primary' name='action' value='login' type='submit'>Log in</button>
          <button name='action' value='cancel' type='submit' formnovalidate>Cancel</button></div>
      </form>""",
    )


def choose(
    app_name: str,
    params: dict[str, str],
    user: XeroUserRow,
    orgs: list[Membership],
    error: str = "",
    blocked: dict[str, str] | None = None,
) -> str:
    """The organisations to tick; those the person may not connect (not an admin there, or the app's or the
    organisation's cap reached) are shown greyed out with the reason."""
    alert = f"<div class='error' role='alert'>{escape(error)}</div>" if error else ""
    rows = []
    for org in orgs:
        reason = (blocked or {}).get(org.tenant_id)
        if not org.can_connect_apps:
            reason = f"You need the admin role in {org.name} to connect apps. Ask one of its admins."
        note = f"<small>{escape(reason)}</small>" if reason else ""
        rows.append(
            f"<label class='org'><input type='checkbox' name='tenant' value='{escape(org.tenant_id)}'"
            f"{' disabled' if reason else ''}><span>{escape(org.name)}{note}</span></label>"
        )
    listing = "".join(rows) or "<p class='muted'>You don't belong to any organisation.</p>"
    scopes = "".join(f"<li>{escape(SCOPE_WORDS[s])}</li>" for s in params.get("scope", "").split() if s in SCOPE_WORDS)
    return page(
        "Connect to Xero",
        f"""
      <h1>{escape(app_name)} wants to access your Xero data</h1>{alert}
      <p class='muted'>Signed in as {escape(user.name)} ({escape(user.email)}).</p>
      <ul class='scopes'>{scopes}</ul>
      <form method='post' action='/identity/connect/authorize'>{_hidden(params)}
        <p><strong>Choose the organisations to connect</strong></p>{listing}
        <div class='buttons'><button class='primary' name='action' value='allow' type='submit'>Allow access</button>
          <button name='action' value='cancel' type='submit'>Cancel</button>
          <button name='action' value='logout' type='submit'>Not you?</button></div>
      </form>""",
    )


def problem(message: str) -> str:
    return page(
        "Xero: something is wrong",
        f"<h1>This connection request cannot go ahead</h1><div class='error' role='alert'>{escape(message)}</div>",
    )
