"""The Contacts & suppliers page's forms: the import policy (with its preview before saving) and phone types, and
the demo's supplier edit, which the platform's own entry point records and the sidecar pushes to Xero."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import companies
from core.auth import Actor
from core.contacts import import_policy as contact_policy
from core.contacts import query as contact_query
from core.contacts import views as contact_views
from core.contacts.xero_contact import POLICIES
from core.demo import suppliers as demo_suppliers
from core.hub import Hub
from core.models.base import Company
from web.ui import exceptions
from web.ui.contact_panels import SYNC_WORDS
from web.ui.messages import flash

PHONE_WORDS = {"MOBILE": "Mobile", "DEFAULT": "Default", "DDI": "Direct dial", "FAX": "Fax"}


def policy_form(hub: Hub, actor: Actor, company: Company, known_groups: list[str], *, can_edit: bool) -> None:
    """Which Xero contacts are imported, and which phone types; a change shows its preview before it is saved."""
    current = companies.settings_of(company)
    key = f"policy-{company.id}"
    policies = list(POLICIES)
    policy = st.radio(
        "Import from Xero",
        policies,
        index=policies.index(current.contact_import_policy) if current.contact_import_policy in POLICIES else 0,
        format_func=POLICIES.get,
        key=f"{key}-policy",
        disabled=not can_edit,
    )
    options = sorted({*known_groups, *current.import_groups}, key=str.lower)
    groups = st.multiselect(
        "Contact groups to import",
        options,
        default=[g for g in current.import_groups if g in options],
        key=f"{key}-groups",
        disabled=not can_edit or policy != "groups",
        help="Used by the “selected contact groups” policy. Groups appear here once contacts in them are imported.",
        placeholder="No group picked" if options else "No contact groups known yet",
    )
    phone_types = st.multiselect(
        "Phone types to import",
        list(PHONE_WORDS),
        default=[t for t in current.phone_types if t in PHONE_WORDS],
        format_func=PHONE_WORDS.get,
        key=f"{key}-phones",
        disabled=not can_edit,
        help="Some teams want mobile numbers only. Matching still uses every number Xero has.",
    )
    chosen_groups = tuple(groups) if policy == "groups" else current.import_groups
    policy_changed = policy != current.contact_import_policy or chosen_groups != current.import_groups
    changed = policy_changed or tuple(phone_types) != current.phone_types
    if policy_changed:
        try:
            with hub.db.read() as session:
                preview = contact_policy.policy_preview(session, actor, company.id, str(policy), tuple(groups))
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            with st.container(border=True):
                st.markdown("**Before you save: what this policy would do**")
                st.write(preview.text)
                samples = [("Taken, for example", preview.sample_taken), ("Outside it", preview.sample_outside)]
                rows = [{"": label, "Contacts": ", ".join(names) or "—"} for label, names in samples]
                st.table(pd.DataFrame(rows), hide_index=True)
    if not can_edit:
        st.caption("You can read the policy; changing it needs a finance manager of this company or an admin.")
        return
    if st.button("Save import settings", type="primary", disabled=not changed, key=f"{key}-save"):
        try:
            with hub.db.write() as session:
                message = contact_policy.save_policy(
                    session,
                    actor,
                    company.id,
                    policy=str(policy),
                    groups=tuple(groups),
                    phone_types=tuple(phone_types),
                )
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            flash(message)
            st.rerun()


def supplier_editor(hub: Hub, actor: Actor, company: Company, *, can_edit: bool) -> None:
    """For the demo: edit a supplier as the platform would (a supplier.changed event through
    core.platform_api.events)."""
    st.caption(
        "For the demo: change a supplier here as the platform would. The hub records the change as it records the "
        "platform's own, and sends it to Xero within seconds."
    )
    search = st.text_input("Find a supplier", key=f"edit-{company.id}-search", placeholder="Name or email")
    with hub.db.read() as session:
        found = contact_views.list_contacts(
            session,
            actor,
            company.id,
            contact_query.ContactFilter(text=search, role="supplier"),
            page=1,
            page_size=50,
            xero_api_url=hub.settings.xero_api_url,
        )
    if not companies.settings_of(company).platform_owns(True):
        st.info(
            "Xero owns this company's supplier details (Company settings), so suppliers are changed in Xero.",
            icon=":material/info:",
        )
        return
    editable = {row.id: row for row in found.rows if row.platform_id}
    if not editable:
        st.info("No supplier matches.", icon=":material/search_off:")
        return
    chosen = st.selectbox(
        "Supplier",
        list(editable),
        format_func=lambda i: f"{editable[i].name} ({editable[i].platform_id})",
        key=f"edit-{company.id}-pick",
    )
    with hub.db.read() as session:
        form = demo_suppliers.supplier_form(session, actor, company.id, int(chosen))
    with st.form(f"edit-{company.id}-{form.id}"):
        name = st.text_input("Name", value=form.name, disabled=not can_edit)
        email = st.text_input("Email", value=form.email, disabled=not can_edit)
        phone = st.text_input("Phone", value=form.phone, disabled=not can_edit, help="Replaces the first phone.")
        bank = st.text_input("Bank account", value=form.bank_account, disabled=not can_edit)
        sent = st.form_submit_button("Send the change", type="primary", disabled=not can_edit)
    if not can_edit:
        st.caption("Editing needs a finance manager of this company or an admin.")
    if sent and can_edit:
        try:
            with hub.db.write() as session:
                result = demo_suppliers.edit_supplier(
                    session, actor, company.id, form.id, name=name, email=email, phone=phone, bank_account=bank
                )
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
            return
        row = editable[form.id]
        if not result["changed"]:
            flash(f"{name.strip() or form.name}: nothing changed, so nothing is sent.")
        else:
            fields = ", ".join(str(f).replace("_", " ") for f in result["changed"])
            flash(f"{name.strip()}: {fields} changed. {SYNC_WORDS.get(str(result['sync']), '')}", row.xero_url)
        st.rerun()
