"""Email outbox: the alert digests the hub sent or is about to send, why one failed, and sending it again."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from core import companies
from core.alerts import emails
from core.models.alerts import EmailState
from core.text import plural
from web.ui import context, exceptions, live, tables

LIMIT = 200  # the newest emails listed; older ones are kept until retention clears them

actor, hub = context.actor(), context.hub()
st.title("Email outbox")
st.caption(
    "Alert emails about failed syncs and Xero connections that need a person. They are batched: at most one digest "
    "per company per window, to the company's finance contact and the support team."
)

smtp = hub.settings.smtp
if smtp is None:
    st.warning(
        "Email delivery is not configured, so alert emails wait here unsent. Set SMTP_URL (for example "
        "`smtp+starttls://user:password@mail.example.com:587`) for the web app and the background sync (sidecar) "
        "and restart them; the waiting emails are then sent.",
        icon=":material/mail_lock:",
    )
else:
    st.caption(f"Sent through {smtp.label}.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


with hub.db.read() as session:
    visible = {c.id: c.name for c in companies.list_visible(session, actor)}

if len(visible) == 1:
    st.subheader(next(iter(visible.values())))
first, second = st.columns(2)
state = first.selectbox(
    "State", [None, *EmailState], format_func=lambda s: "Every state" if s is None else s.label, key="outbox-state"
)
company_id = None
if len(visible) > 1:
    company_id = second.selectbox(
        "Company",
        [None, *visible],
        format_func=lambda c: "All companies" if c is None else visible[c],
        key="outbox-company",
    )


def _rows() -> list[emails.EmailRow]:
    with hub.db.read() as session:
        return emails.list_emails(session, actor, state=state, company_id=company_id, limit=LIMIT)


rows = _rows()  # what "Read an email" below offers (the list redraws itself)
# Fast while an email is on its way out, slower otherwise (a new digest comes in).
on_the_way = (EmailState.SENDING,) if smtp is None else (EmailState.PENDING, EmailState.SENDING)


@live.part(moving=any(r.state in on_the_way for r in rows))
def emails_now() -> None:
    """The emails as they stand now: a digest appears when it is written, and its state moves as it is sent."""
    now = _rows()
    if not now:
        if state is None and company_id is None:
            st.info(
                "No alert emails yet. When a document fails to sync or a Xero connection needs attention, the digest "
                "about it appears here within a minute.",
                icon=":material/inbox:",
            )
        else:
            st.info("No emails match these filters. Choose another state or company.", icon=":material/search_off:")
        return
    newest = f" (the newest {LIMIT})." if len(now) == LIMIT else "."
    st.caption(f"{plural(len(now), 'email', 'emails')}, newest first{newest}")
    tables.show(
        pd.DataFrame(
            [
                {
                    "When (UTC)": _when(row.created_at),
                    "Company": row.company or "Hub-wide",
                    "To": ", ".join(row.recipients),
                    "Subject": row.subject,
                    "State": row.state.label,
                    "Attempts": row.attempts,
                    "Sent / next try (UTC)": _when(
                        row.sent_at if row.state is EmailState.SENT else row.next_attempt_at
                    ),
                    "Last error": row.last_error or "",
                }
                for row in now
            ]
        ),
    )


emails_now()
if not rows:
    st.stop()

with st.expander("Read an email", icon=":material/mail:", expanded=True):  # the newest, open: what one comes to read
    by_id = {row.id: row for row in rows}
    chosen = by_id[
        st.selectbox(
            "Email",
            list(by_id),
            format_func=lambda i: f"{_when(by_id[i].created_at)} · {by_id[i].subject}",
            key="outbox-email",
        )
    ]
    # st.text and st.code show text as it is: nothing in an alert (a Xero message, say) is rendered as markup.
    st.text(f"To: {', '.join(chosen.recipients)}\nSubject: {chosen.subject}\nState: {chosen.state.label}")
    if chosen.last_error:
        st.text(f"Last error (attempt {chosen.attempts}): {chosen.last_error}")
    st.code(chosen.body, language=None, wrap_lines=True)
    if chosen.can_send_now:
        if st.button("Send again now", icon=":material/send:", key=f"outbox-retry-{chosen.id}"):
            try:
                with hub.db.write() as session:
                    queued = emails.retry_now(session, actor, chosen.id)
            except exceptions.EXPECTED as exc:
                exceptions.show(exc)
            else:
                if queued and smtp is None:
                    st.toast("The email is due now; it goes out once SMTP_URL is set.", icon=":material/schedule:")
                elif queued:
                    st.toast("The email will be sent within a few seconds.", icon=":material/send:")
                else:
                    st.toast("That email is being sent or was sent already; nothing to do.", icon=":material/check:")
                st.rerun()
    elif chosen.state is EmailState.SENDING:
        st.caption("This email is being sent right now.")
    else:
        st.caption("Sent emails are kept as the record of what went out; there is nothing to send again.")
