"""Company settings: the finance contact who gets alerts, how often alerts are batched, who owns contact details;
for hub admins, the danger zone that offboards the company."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core import clock, companies
from core.auth import Permission, allowed
from core.contacts import ownership
from core.privacy import export, offboarding
from core.staff import sessions
from web.ui import context, exceptions
from web.ui.messages import md

actor, hub, company = context.actor(), context.hub(), context.company()

st.title("Company settings")
if company is None:
    st.info("You are not linked to any company yet. Ask a hub admin to link your account.", icon=":material/info:")
    st.stop()

st.subheader(company.name)
st.caption(f"{companies.COUNTRIES.get(company.country, company.country)} · base currency {company.base_currency}")

can_edit = allowed(actor, Permission.EDIT_COMPANY, company.id)
current = companies.settings_of(company)
with st.form(f"company-{company.id}"):
    email = st.text_input(
        "Finance contact email",
        value=company.finance_contact_email or "",
        help="Sync alerts for this company go to this address.",
        disabled=not can_edit,
    )
    window = st.number_input(
        "Alert digest window (minutes)",
        min_value=5,
        max_value=24 * 60,
        value=current.alert_digest_minutes,
        step=5,
        help="At most one alert email per window; it summarises everything that failed in it.",
        disabled=not can_edit,
    )
    saved = st.form_submit_button("Save", type="primary", disabled=not can_edit)

if not can_edit:
    st.caption("You can read these settings; changing them needs a finance manager of this company or an admin.")
elif saved:
    try:
        with hub.db.write() as session:
            companies.update_profile(
                session,
                actor,
                company.id,
                finance_contact_email=email,
                # Only the alert window is in this form: every other setting (import policy, groups, phone
                # types, who owns contact details) is kept as it is.
                settings=replace(current, alert_digest_minutes=int(window)),
            )
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        st.toast("Company settings saved.", icon=":material/check:")
        st.rerun()

st.subheader("Who owns contact details")
st.caption(
    "Every contact is a platform record, whether the platform created it or it came from Xero. When the platform "
    "and Xero differ, the owner's details win; the other side's show beside them on the Contacts & suppliers page."
)
owners = list(companies.OWNERSHIPS)
owner = st.radio(
    "Owner",
    owners,
    index=owners.index(current.contact_ownership) if current.contact_ownership in owners else 0,
    format_func=companies.OWNERSHIPS.get,
    key=f"ownership-{company.id}",
    disabled=not can_edit,
    label_visibility="collapsed",
)
if owner != current.contact_ownership:
    try:
        with hub.db.read() as session:
            st.info(ownership.effect(session, actor, company.id, str(owner)), icon=":material/info:")
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
if can_edit and st.button("Save the owner", disabled=owner == current.contact_ownership, key=f"owner-{company.id}"):
    try:
        with hub.db.write() as session:
            said = ownership.save(session, actor, company.id, str(owner))
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        st.toast(said, icon=":material/check:")
        st.rerun()

if allowed(actor, Permission.MANAGE_COMPANIES):
    with st.expander("Add a company"):
        with st.form("new-company", clear_on_submit=True):
            name = st.text_input("Name")
            country = st.selectbox("Country", options=list(companies.COUNTRIES), format_func=companies.COUNTRIES.get)
            currency = st.text_input("Base currency", value="GBP", max_chars=3)
            contact = st.text_input("Finance contact email")
            added = st.form_submit_button("Add company")
        if added:
            try:
                with hub.db.write() as session:
                    companies.create(
                        session,
                        actor,
                        name=name,
                        country=country or "GB",
                        base_currency=currency,
                        finance_contact_email=contact,
                    )
            except exceptions.EXPECTED as exc:
                exceptions.show(exc)
            else:
                st.toast(f"{md(name.strip())} added.", icon=":material/check:")
                st.rerun()

if allowed(actor, Permission.OFFBOARD_COMPANY):
    st.subheader("Danger zone")
    try:
        with hub.db.read() as session:
            leaving = offboarding.preview(session, actor, company.id)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
        st.stop()
    if leaving.offboarded:
        st.info(f"{md(company.name)} was offboarded: its personal data is erased.", icon=":material/info:")
        st.stop()
    st.markdown(
        f"**Offboard {md(company.name)}**: for a customer leaving the platform. This cannot be undone:\n\n"
        + "\n".join(f"- {md(words)}" for words in leaving.words)
    )
    st.caption("Kept for the audit log and the books: the company's name, document and payment numbers and amounts.")

    def _zip() -> bytes:
        """Built only when the button is pressed, for the person as they stand then."""
        with hub.db.read() as session:
            return export.zip_bytes(session, sessions.current(session, actor), company.id)

    def _audit_export() -> None:
        with hub.db.write() as session:
            export.record_export(session, actor, company.id)

    st.download_button(
        "Download the company's data first (ZIP of CSV files)",
        _zip,
        file_name=f"company-{company.id}-{clock.now():%Y%m%d}.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click=_audit_export,
    )
    typed = st.text_input("Type the company's name to confirm", key=f"offboard-name-{company.id}")
    if st.button(f"Offboard {company.name}", type="primary", key=f"offboard-{company.id}"):
        try:
            with hub.db.write() as session:
                offboarding.offboard(session, actor, company.id, typed_name=typed)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            st.toast(f"{md(company.name)} is offboarded.", icon=":material/check:")
            st.rerun()
