"""Which pages each role gets, in navigation order."""

from __future__ import annotations

import streamlit as st

from core.auth import Actor, Permission, allowed

SIGN_IN = ("pages/sign_in.py", "Sign in", ":material/login:")
OVERVIEW = ("pages/overview.py", "Overview", ":material/dashboard:")
COMPANY = ("pages/company.py", "Company settings", ":material/apartment:")
CONNECTIONS = ("pages/connections.py", "Xero connections", ":material/link:")
CONTACTS = ("pages/contacts.py", "Contacts & suppliers", ":material/contacts:")
MAPPINGS = ("pages/mappings.py", "Mappings", ":material/account_tree:")
USERS = ("pages/users.py", "Staff users", ":material/group:")
AUDIT = ("pages/audit.py", "Audit log", ":material/history:")
API_KEYS = ("pages/api_keys.py", "API keys", ":material/key:")
OUTBOX = ("pages/outbox.py", "Email outbox", ":material/outgoing_mail:")
ERRORS = ("pages/errors.py", "Sync errors", ":material/error:")
SYNC_RUNS = ("pages/sync_runs.py", "Sync runs", ":material/manage_history:")
DOCUMENTS = ("pages/documents.py", "Documents", ":material/receipt_long:")


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


def pages_for(actor: Actor | None) -> list[st.Page]:
    specs = page_files_for(actor)
    return [_page(spec, default=index == 0) for index, spec in enumerate(specs)]
