"""The words of an alert digest: pure functions from waiting alerts to a subject and a plain-text body."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

# How many alerts of one kind a digest lists one by one; the rest are counted.
SHOWN_PER_KIND = 10
SUMMARY_MAX = 300
SUBJECT_MAX = 300
WRAP = 76


@dataclass(frozen=True)
class AlertKind:
    """How a digest talks about one kind of alert: a heading and what the reader should do."""

    title: str
    action: str


KINDS: dict[str, AlertKind] = {
    "document_failed": AlertKind(
        "Documents that did not reach Xero",
        "Open the error list (link below) to see why each one failed and how to fix it, then retry it from there. "
        "Until then these documents are missing from Xero.",
    ),
    "contact_failed": AlertKind(
        "Supplier or contact changes that did not reach Xero",
        "Each one says what Xero refused and how to fix it (often in Xero, for example restoring an archived "
        "contact). Once fixed, retry it from the error list; until then Xero keeps the old details.",
    ),
    "needs_reconnect": AlertKind(
        "Xero connection needs reconnecting",
        "A company admin signs in to the hub and clicks Reconnect on the Xero connections page. Nothing is lost: "
        "changes wait and are sent once the connection works again.",
    ),
    "inactivity_warning": AlertKind(
        "Xero connection unused for a long time",
        "The hub disconnects a Xero connection after 60 days without activity. If you still need it, sign in "
        "to the hub and open the Xero connections page (or sync something) before then; otherwise nothing is needed.",
    ),
    "inactivity_disconnect": AlertKind(
        "Disconnected after 60 days without activity",
        "Syncing has stopped. Your mappings and any changes made since are kept; a company admin can reconnect "
        "on the Xero connections page whenever you want syncing to resume.",
    ),
}


@dataclass(frozen=True)
class KindGroup:
    """The waiting alerts of one kind for one digest: how many, and the first few in full."""

    kind: str
    count: int
    examples: tuple[tuple[str, str | None], ...]  # (summary, link), oldest first


def one_line(text: str, limit: int = SUMMARY_MAX) -> str:
    """Text fit for one line of an email or a header: no control characters, no line breaks, bounded."""
    flat = re.sub(r"[\x00-\x1f\x7f\s]+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def subject(company_name: str | None, total: int) -> str:
    """'Xero hub: 3 problems need attention at Harbour Bakery Ltd'."""
    problems = "1 problem needs" if total == 1 else f"{total} problems need"
    where = f" at {one_line(company_name, 200)}" if company_name else " in the hub"
    return one_line(f"Xero hub: {problems} attention{where}", SUBJECT_MAX)


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    """A paragraph wrapped for plain-text mail (76 columns), never breaking a word or a link."""
    return textwrap.wrap(
        text,
        width=WRAP,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def body(
    company_name: str | None, groups: list[KindGroup], *, link: str, since: datetime, window_minutes: float
) -> str:
    """The digest's plain text, written for the finance contact or the support team reading it."""
    total = sum(group.count for group in groups)
    parts = urlsplit(link)
    origin = f"{parts.scheme}://{parts.netloc}"
    problems = "1 problem" if total == 1 else f"{total} problems"
    name = one_line(company_name, 200) if company_name else None
    about = f"{name}'s link to Xero" if name else "the Xero integration hub"
    lines = ["Hello,", ""]
    lines += _wrap(
        f"{problems} with {about} {'needs' if total == 1 else 'need'} attention "
        f"(the first at {since:%H:%M} UTC on {since:%d %b %Y})."
    )
    for group in groups:
        kind = KINDS.get(group.kind, AlertKind(group.kind.replace("_", " ").capitalize(), "See the error list."))
        lines += ["", f"{kind.title} ({group.count})"]
        for summary, item_link in group.examples:
            lines += _wrap(one_line(summary), "    ", "  - ")
            if item_link:  # a hub path ("/connections") is made absolute with the hub's own address
                absolute = f"{origin}{item_link}" if item_link.startswith("/") else item_link
                lines.append(f"    {one_line(absolute, 500)}")
        if group.count > len(group.examples):
            lines.append(f"  … and {group.count - len(group.examples)} more (all are in the error list).")
        lines += _wrap(f"What to do: {kind.action}", "  ")
    lines += ["", "See everything that needs attention, with the fix for each:", link, ""]
    lines += _wrap(
        f"You get at most one of these emails every {window_minutes:g} minutes"
        + (f" for {name}" if name else "")
        + "; anything new waits for the next one."
        + (" The finance contact and the window are set on the hub's Company settings page." if name else "")
    )
    lines += ["", "-- ", "Xero integration hub"]
    return "\n".join(lines) + "\n"
