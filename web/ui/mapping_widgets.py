"""The Mappings page's widgets: an editable table per mapping table (and per document kind), a one-row form, the
choice of which kind of account payments go to, and the CSV download/upload with a preview of errors. Each widget
owns its session_state keys."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from core.auth import Actor
from core.hub import Hub
from core.mappings import csv_files as mappings_csv
from core.mappings import payment_accounts
from core.mappings import store as mappings
from core.mappings.plan import Change
from core.mappings.rules import PAYMENT_ACCOUNTS
from core.mappings.view import Row
from core.models.mappings import MappingKind
from core.text import plural
from web.ui import exceptions, tables
from web.ui.messages import flash, md

NONE = "— not mapped —"


def _code(label: str | None, codes: dict[str, str] | None = None) -> str | None:
    """'200 · Sales' → '200' (or what the rows' choices say the label stands for); the empty choice → None."""
    if not label or label == NONE:
        return None
    if codes and label in codes:
        return codes[label]
    return label.split(" · ", 1)[0].strip()


def _codes(rows: Sequence[Row]) -> dict[str, str]:
    """Label → code of every choice the rows offer, and of what they map to now (a tracking option's label is not
    its id)."""
    now = {row.target_label: row.target for row in rows if row.target_label and row.target}
    return now | {label: code for row in rows for code, label in row.choices}


def _save(hub: Hub, actor: Actor, company_id: int, changes: list[Change]) -> bool:
    """Save through core; show every refused row in plain words. True when saved."""
    if not changes:
        st.info("Nothing changed: every row already maps to what is shown.", icon=":material/info:")
        return False
    try:
        with hub.db.write() as session:
            done = mappings.save(session, actor, company_id, changes)
    except mappings.MappingError as exc:
        st.error(str(exc).splitlines()[0], icon=":material/block:")
        for refusal in exc.refusals:
            st.error(f"**{md(refusal.where)}** — {md(refusal.reason)}", icon=":material/do_not_disturb_on:")
        return False
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
        return False
    flash(f"Saved {plural(len(done.writes), 'mapping change', 'mapping changes')}; each is in the audit log.")
    return True


def editor(
    hub: Hub, actor: Actor, company_id: int, rows: Sequence[Row], *, key: str, options: list[str], editable: bool
) -> None:
    """One editable table: the thing to map, its current target (a selectbox), who set it, and the watchdog flag."""
    labels = {code: label for row in rows for code, label in row.choices}
    labels |= {label.split(" · ", 1)[0]: label for label in options}
    frame = pd.DataFrame(
        {
            "Platform": [r.source_label for r in rows],
            "Xero": [labels.get(r.target, r.target_label or r.target) if r.target else NONE for r in rows],
            "Set by": [r.origin for r in rows],
            "Problem": [r.flag or r.hint or "" for r in rows],
        }
    )
    current = [o for o in dict.fromkeys([NONE, *options, *frame["Xero"].tolist()])]
    edited = st.data_editor(
        frame,
        key=f"{key}-table",
        disabled=["Platform", "Set by", "Problem"] if editable else True,
        hide_index=True,
        width="stretch",
        column_config=tables.fitted(
            frame,
            {
                "Xero": st.column_config.SelectboxColumn("Xero", options=current, required=True),
                "Problem": st.column_config.TextColumn("Problem"),
            },
        ),
    )
    if not editable:
        return
    if st.button("Save changes", key=f"{key}-save", type="primary", icon=":material/save:"):
        codes = _codes(rows)
        changes = [
            Change(row.kind, row.scope, row.source, _code(str(value), codes))
            for row, value in zip(rows, edited["Xero"].tolist(), strict=True)
            if _code(str(value), codes) != row.target
        ]
        if _save(hub, actor, company_id, changes):
            st.rerun()


def one_row_form(
    hub: Hub, actor: Actor, company_id: int, rows: Sequence[Row], *, key: str, options: list[str], noun: str
) -> None:
    """Change a single mapping with two dropdowns (easier than the table on a small screen or with a keyboard). The
    second starts at what the row maps to now, so saving a suggestion as it stands confirms it."""
    choices = [NONE, *options]
    row_key, target_key = f"{key}-one-row", f"{key}-one-target"
    codes = _codes(rows)

    def now(row: Row) -> str:
        return next((label for label in choices if row.target and _code(label, codes) == row.target), NONE)

    def follow() -> None:  # a row picked: its target box starts at what the row maps to now
        st.session_state[target_key] = now(rows[int(st.session_state[row_key])])

    with st.container(border=True, key=f"{key}-one"):
        left, right = st.columns(2)
        names = [f"{r.source_label} — {r.scope_label}" if r.scope_label else r.source_label for r in rows]
        picked = int(
            left.selectbox(noun, range(len(rows)), format_func=lambda i: names[i], key=row_key, on_change=follow)
        )
        row = rows[picked]
        if st.session_state.get(target_key) not in choices:
            st.session_state[target_key] = now(row)
        target = right.selectbox("Map to", choices, key=target_key)
        change = Change(row.kind, row.scope, row.source, _code(target, codes))
        if st.button("Save this mapping", icon=":material/save:", key=f"{key}-one-save") and _save(
            hub, actor, company_id, [change]
        ):
            st.rerun()


def payment_setting(hub: Hub, actor: Actor, company_id: int, current: str, *, editable: bool) -> None:
    """Which kind of Xero account payments go to, saved (audited) with one button; the accounts offered follow it."""
    with st.form("payment-accounts-form"):
        chosen = st.radio(
            "Payments go to",
            list(PAYMENT_ACCOUNTS),
            index=list(PAYMENT_ACCOUNTS).index(current) if current in PAYMENT_ACCOUNTS else 0,
            format_func=PAYMENT_ACCOUNTS.__getitem__,
            key="payment-accounts",
            disabled=not editable,
            help="Xero takes payments into bank accounts, and into other accounts once \u201cEnable payments to "
            "this account\u201d is ticked on them in its chart of accounts. Some teams record payments straight in "
            "the bank account they reach; others in a clearing account they reconcile with the bank themselves. "
            "Only accounts of the kind chosen here are offered below, and a payment mapped to another kind is not "
            "sent.",
        )
        saved = st.form_submit_button("Save", icon=":material/save:", disabled=not editable)
    if not (saved and editable):
        return
    try:
        with hub.db.write() as session:
            said = payment_accounts.save_setting(session, actor, company_id, str(chosen))
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
        return
    flash(said)
    st.rerun()


def csv_panel(hub: Hub, actor: Actor, company_id: int, kind: MappingKind, title: str, *, editable: bool) -> None:
    """Download the table as CSV; upload a file, see every bad row, and apply only a file without errors."""
    st.markdown(f"**{title}** — columns: `{', '.join(mappings_csv.COLUMNS[kind])}`")
    with hub.db.read() as session:
        data = mappings_csv.export(session, actor, company_id, kind)
    st.download_button(
        "Download CSV", data, file_name=mappings_csv.filename(kind), mime="text/csv", key=f"csv-down-{kind.value}"
    )
    if not editable:
        return
    upload = st.file_uploader("Upload a CSV file", type=["csv"], key=f"csv-up-{kind.value}")
    if upload is None:
        return
    text = upload.getvalue().decode("utf-8", errors="replace")
    with hub.db.read() as session:
        try:
            checked = mappings_csv.preview(session, actor, company_id, kind, text)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
            return
    if checked.errors:
        st.error(
            f"Nothing from {md(upload.name)} can be applied: {plural(len(checked.errors), 'row has', 'rows have')} "
            "errors. Fix them in the file and upload it again.",
            icon=":material/block:",
        )
        tables.show(pd.DataFrame({"Problem": list(checked.errors)}))
        return
    writes = checked.plan.writes if checked.plan else ()
    would = plural(len(writes), "mapping", "mappings")
    st.info(f"{md(upload.name)} is valid: {would} would change.", icon=":material/fact_check:")
    if writes and st.button("Apply this file", key=f"csv-apply-{kind.value}", type="primary"):
        with hub.db.write() as session:
            done = mappings_csv.import_file(session, actor, company_id, kind, text, name=upload.name)
        if done.ok:
            flash(f"Applied {plural(len(writes), 'mapping change', 'mapping changes')} from {upload.name}.")
            st.rerun()
        st.error("The mappings changed meanwhile; nothing was applied. Upload the file again to check it.")
