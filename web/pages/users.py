"""Staff users (admins): add people, change their role or company, disable them, reset passwords."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import companies, text
from core.models.base import Role, StaffUser
from core.staff import users
from web.ui import context, exceptions, tables
from web.ui.messages import md

actor, hub = context.actor(), context.hub()
st.title("Staff users")

with hub.db.read() as session:
    everyone = users.list_users(session, actor)
    all_companies = {c.id: c.name for c in companies.list_visible(session, actor)}


def status_of(user: StaffUser) -> str:
    if user.is_disabled:
        return "Disabled"
    if user.failed_attempts:
        failed = text.plural(user.failed_attempts, "failed sign-in", "failed sign-ins")
        return f"Active, {failed} since the last good one"
    return "Active"


tables.show(
    pd.DataFrame(
        [
            {
                "Name": u.name,
                "Email": u.email,
                "Role": u.role.label,
                "Company": all_companies.get(u.company_id or 0, "—"),
                "Company admin": u.is_company_admin,
                "Status": status_of(u),
                "Last sign-in (UTC)": u.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if u.last_sign_in_at else "never",
            }
            for u in everyone
        ]
    ),
)

if "new_password" in st.session_state:
    who, password = st.session_state.pop("new_password")
    st.success(f"Password for {md(who)}: `{password}` — pass it on now; it is not shown again.", icon=":material/key:")


def draft_form(prefix: str, user: StaffUser | None = None) -> users.UserDraft:
    name = st.text_input("Name", value=user.name if user else "", key=f"{prefix}-name")
    email = st.text_input("Email", value=user.email if user else "", key=f"{prefix}-email")
    roles = list(Role)
    role = st.selectbox(
        "Role",
        roles,
        index=roles.index(user.role) if user else roles.index(Role.FINANCE_MANAGER),
        format_func=lambda r: r.label,
        key=f"{prefix}-role",
    )
    company_ids = list(all_companies)
    company_id = st.selectbox(
        "Company (finance managers only)",
        company_ids,
        index=company_ids.index(user.company_id) if user and user.company_id in company_ids else 0,
        format_func=all_companies.get,
        key=f"{prefix}-company",
        disabled=role is not Role.FINANCE_MANAGER,
    )
    is_admin = st.checkbox(
        "Company admin (may connect and disconnect Xero)",
        value=bool(user and user.is_company_admin),
        key=f"{prefix}-admin",
        disabled=role is not Role.FINANCE_MANAGER,
    )
    return users.UserDraft(email=email, name=name, role=role, company_id=company_id, is_company_admin=is_admin)


with st.expander("Add a user", icon=":material/person_add:"):
    draft = draft_form("new")
    password = st.text_input("Password (leave empty to generate one)", type="password", key="new-password")
    if st.button("Add user", type="primary"):
        chosen = password or users.generate_password()
        try:
            with hub.db.write() as session:
                users.create(session, actor, draft, chosen)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            if not password:
                st.session_state["new_password"] = (draft.email.strip().lower(), chosen)
            st.toast(f"{md(draft.name.strip())} added.", icon=":material/check:")
            st.rerun()


@st.dialog("Please confirm")
def confirm(question: str, action: str, user_id: int) -> None:
    st.write(question)
    left, right = st.columns(2)
    if left.button("Yes, go ahead", type="primary"):
        try:
            with hub.db.write() as session:
                if action == "disable":
                    users.set_disabled(session, actor, user_id, True)
                elif action == "reset":
                    fresh = users.reset_password(session, actor, user_id)
                    st.session_state["new_password"] = (next(u.email for u in everyone if u.id == user_id), fresh)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            st.rerun()
    if right.button("Cancel"):
        st.rerun()


with st.expander("Change a user", icon=":material/manage_accounts:"):
    by_id = {u.id: u for u in everyone}
    chosen_id = st.selectbox("User", list(by_id), format_func=lambda uid: f"{by_id[uid].name} ({by_id[uid].email})")
    target = by_id[chosen_id]
    edited = draft_form(f"edit-{target.id}", target)
    save, toggle, reset = st.columns(3)
    if save.button("Save changes", type="primary"):
        try:
            with hub.db.write() as session:
                users.update(session, actor, target.id, edited)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            st.toast("Saved.", icon=":material/check:")
            st.rerun()
    if target.is_disabled:
        if toggle.button("Enable"):
            with hub.db.write() as session:
                users.set_disabled(session, actor, target.id, False)
            st.rerun()
    elif toggle.button("Disable…"):
        confirm(
            f"Disable {target.name}? They are signed out everywhere at once and cannot sign in.", "disable", target.id
        )
    if reset.button("Reset password…"):
        confirm(f"Reset {target.name}'s password? Their sessions end and any lock is cleared.", "reset", target.id)
