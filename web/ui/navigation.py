"""Which pages each role gets, in navigation order."""

from __future__ import annotations

import streamlit as st

from core.auth import Actor, Permission, allowed

SIGN_IN = ("web/pages/sign_in.py", "Sign in", ":material/login:")
OVERVIEW = ("web/pages/overview.py", "Overview", ":material/dashboard:")
COMPANY = ("web/pages/company.py", "Company settings", ":material/apartment:")
CONNECTIONS = ("web/pages/connections.py", "Xero connections", ":material/link:")
CONTACTS = ("web/pages/contacts.py", "Contacts & suppliers", ":material/contacts:")
MAPPINGS = ("web/pages/mappings.py", "Mappings", ":material/account_tree:")
USERS = ("web/pages/users.py", "Staff users", ":material/group:")
AUDIT = ("web/pages/audit.py", "Audit log", ":material/history:")
API_KEYS = ("web/pages/api_keys.py", "API keys", ":material/key:")
OUTBOX = ("web/pages/outbox.py", "Email outbox", ":material/outgoing_mail:")
ERRORS = ("web/pages/errors.py", "Sync errors", ":material/error:")
SYNC_RUNS = ("web/pages/sync_runs.py", "Sync runs", ":material/manage_history:")
DOCUMENTS = ("web/pages/documents.py", "Documents", ":material/receipt_long:")


def _page(spec: tuple[str, str, str], *, default: bool = False) -> st.Page:
    path, title, icon = spec
    return st.Page(path, title=title, icon=icon, default=default)


def page_files_for(actor: Actor | None) -> list[tuple[str, str, str]]:
    """The page specs an actor may open (tests walk this list)."""
    if actor is None:
        return [SIGN_IN]
    specs = [OVERVIEW, CONNECTIONS, CONTACTS, COMPANY]
    specs.append(MAPPINGS)  # everyone who sees a company reads its mappings; core decides who may change them
    specs.append(DOCUMENTS)  # every role that sees a company sees its documents; core decides who may act
    specs.append(SYNC_RUNS)  # every role that sees a company may see its runs
    # Alert emails: admins and support see every one, finance managers their company's.
    if allowed(actor, Permission.TRIAGE_ERRORS, actor.company_id):
        specs.append(ERRORS)
        specs.append(OUTBOX)
    if allowed(actor, Permission.MANAGE_USERS):
        specs.append(USERS)
    if allowed(actor, Permission.VIEW_AUDIT):
        specs.append(AUDIT)
    if allowed(actor, Permission.MANAGE_API_KEYS):
        specs.append(API_KEYS)
    return specs


EVERY = (
    *(SIGN_IN, OVERVIEW, CONNECTIONS, CONTACTS, COMPANY, MAPPINGS, DOCUMENTS),
    *(SYNC_RUNS, ERRORS, OUTBOX, USERS, AUDIT, API_KEYS),
)


def pages_for(actor: Actor | None) -> list[st.Page]:
    """The navigation for a signed-in person; for nobody, every page's address (so a link to any page is found,
    rather than "page not found") with the sign-in page first: app.py then shows the sign-in form at that address,
    and signing in lands on it."""
    specs = page_files_for(actor) if actor is not None else list(EVERY)
    return [_page(spec, default=index == 0) for index, spec in enumerate(specs)]
