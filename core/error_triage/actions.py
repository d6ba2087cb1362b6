"""What a person does about sync errors: retry one, retry a group after fixing its cause (dry run first), resolve,
or ignore with a note. Every action is permission-checked and audited.

A retry storm (retry-all pressed again and again, or by two people at once) sends nothing twice: only errors still
open are picked, each change goes back to the queue by a compare-and-set from "failed" (a change already pending or
in flight is left alone), and the idempotency key keeps Xero from applying a version twice.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, replace

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, PermissionDenied, require
from core.error_triage.facts import Facts, gather
from core.error_triage.query import ErrorFilter, TriageError, matching_ids, scope
from core.models.sync import ConnectionState, ErrorStatus, OutboxState, SyncError
from core.sync import causes, errors, outbox, runs

# At most this many errors per press; the plan says how many more match, and pressing again takes the next ones.
MAX_BATCH = 1000
# Causes only Xero can judge: the hub sends again and Xero's answer decides.
XERO_DECIDES = {
    "contact_archived": "Only Xero knows whether the contact is still archived: Xero decides when it is sent again.",
    "contact_merged": "Xero decides when it is sent again (the merge must be followed first).",
    "duplicate_name": "Only Xero knows whether the name is still taken: Xero decides when it is sent again.",
    "validation": "Xero checks the record again when it is sent and decides.",
}


class Verdict(enum.StrEnum):
    GO = "goes now"
    PULL = "read again from Xero"
    WAITING = "already queued"
    BLOCKED = "blocked"
    CANNOT = "cannot be retried"


@dataclass(frozen=True)
class Check:
    error_id: int
    company_id: int
    company: str
    title: str
    entity: str
    verdict: Verdict
    reason: str
    entry_id: int | None = None
    xero_id: str | None = None
    job: str | None = None


@dataclass(frozen=True)
class RetryPlan:
    checks: tuple[Check, ...]
    more: int = 0  # matching errors beyond this batch
    applied: bool = False

    def count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.checks if c.verdict is verdict)

    @property
    def summary(self) -> str:
        counts = Counter(c.verdict for c in self.checks)
        if not counts:
            return "No open errors match, so there is nothing to retry (errors already retrying are queued)."
        parts = [f"{n} {v.value}" for v, n in counts.items()]
        more = f" {self.more:,} more match: retry again for the next batch." if self.more else ""
        return ("Retried: " if self.applied else "Dry run: ") + ", ".join(parts) + "." + more


def judge(f: Facts) -> Check:
    """Whether retrying this error would send something now, or what still blocks it (hub data only)."""
    title = causes.cause(f.cause).title

    def check(verdict: Verdict, reason: str) -> Check:
        return Check(
            f.error_id, f.company_id, f.company, title, f.entity, verdict, reason, f.entry_id, f.xero_id, f.job
        )

    if f.status not in (ErrorStatus.OPEN.value, ErrorStatus.RETRYING.value):
        return check(Verdict.CANNOT, f"It is {f.status} already: nothing to retry.")
    if f.status == ErrorStatus.RETRYING.value and f.entry_state is None:
        return check(Verdict.WAITING, "It is being retried already (asked for earlier): left alone.")
    if f.entry_state in (OutboxState.PENDING.value, OutboxState.LEASED.value):
        return check(Verdict.WAITING, "Its change is already queued or being sent: left alone so it goes only once.")
    if f.connection == ConnectionState.REMOVED.value:
        return check(Verdict.CANNOT, f"{f.company}'s Xero connection was removed, so nothing is sent to Xero.")
    if f.connection != ConnectionState.CONNECTED.value:
        state = "never connected" if f.connection is None else f.connection.replace("_", " ")
        return check(
            Verdict.BLOCKED,
            f"Reconnect first: {f.company}'s Xero connection is {state}. A company admin reconnects on the Xero "
            "connections page; waiting changes then go by themselves.",
        )
    if causes.cause(f.cause).connection:
        return check(Verdict.CANNOT, "It is about the connection, which works again now: resolve it.")
    if f.entry_state == OutboxState.HELD.value:
        return check(Verdict.WAITING, "Its change is held for the connection and goes when the connection is used.")
    if f.entry_state == OutboxState.FAILED.value:
        if f.preflight:
            return check(Verdict.BLOCKED, f"The check before sending still fails: {f.preflight}")
        if f.preflight == "":
            return check(Verdict.GO, "It passes the check before sending now, so its change goes back in the queue.")
        return check(Verdict.GO, XERO_DECIDES.get(f.cause, "Its change goes back in the queue now."))
    if f.entry_state in (OutboxState.DONE.value, OutboxState.DISCARDED.value):
        return check(Verdict.CANNOT, f"Nothing waits to be sent: its change was {f.entry_state} since. Resolve it.")
    if f.job:
        return check(Verdict.PULL, f'The hub runs "{runs.JOBS[f.job]}" again; it resolves when that run succeeds.')
    if f.xero_id:
        return check(
            Verdict.PULL,
            "No change waits to be sent: the hub reads the record from Xero again; fixed there, it resolves.",
        )
    return check(
        Verdict.CANNOT,
        "Nothing is queued for it and there is no record to read again: the hub retries this kind of problem by "
        "itself, and it resolves when the record next syncs. Resolve it by hand once you know it is over.",
    )


def _mark_retrying(session: Session, error_id: int) -> bool:
    """Compare-and-set: only the first of two people retrying the same open error moves it."""
    result = session.execute(
        update(SyncError)
        .where(SyncError.id == error_id, SyncError.status == ErrorStatus.OPEN)
        .values(status=ErrorStatus.RETRYING)
    )
    return result.rowcount == 1


def _apply(session: Session, actor: Actor, check: Check) -> Check:
    if check.verdict is Verdict.GO and check.entry_id is not None:
        # The change first (failed → pending); the error follows only if this press moved it.
        if outbox.retry(session, [check.entry_id]) == 1:
            _mark_retrying(session, check.error_id)
            return check
    elif check.verdict is Verdict.PULL:
        if _mark_retrying(session, check.error_id):
            # A run waiting for the same job absorbs this one, so a storm of presses asks for one run.
            job, ids = (check.job, None) if check.job else ("contacts_webhook", [check.xero_id or ""])
            runs.request(session, company_id=check.company_id, job=job, requested_by=actor.user_id, ids=ids)
            return check
    else:
        return check
    return replace(check, verdict=Verdict.WAITING, reason="Someone retried it a moment ago: left alone.")


def _audit(session: Session, actor: Actor, checks: list[Check], flt: ErrorFilter | None) -> None:
    by_company: dict[int, list[Check]] = {}
    for c in checks:
        by_company.setdefault(c.company_id, []).append(c)
    for company_id, items in by_company.items():
        counts = Counter(c.verdict.value for c in items)
        titles = sorted({c.title for c in items})
        target = f"{items[0].title} #{items[0].error_id}" if len(items) == 1 else f"{len(items)} sync errors"
        audit.record(
            session,
            actor=actor,
            action="retry",
            company_id=company_id,
            target=target[:300],
            after={**dict(counts), "errors": [f"#{c.error_id}" for c in items]},
            detail="; ".join(titles) + (f" (filter: {flt.params()})" if flt is not None else ""),
        )


def retry(
    session: Session,
    actor: Actor,
    *,
    error_ids: list[int] | None = None,
    flt: ErrorFilter | None = None,
    dry_run: bool = True,
) -> RetryPlan:
    """Retry these errors, or every open error of the filter (a group is a filter): a dry run unless told not."""
    more = 0
    if error_ids is None:
        if flt is None:
            raise TriageError("Say which errors to retry: pick one, a group, or filter the list.")
        found = matching_ids(session, actor, replace(flt, statuses=(ErrorStatus.OPEN.value,)), limit=MAX_BATCH + 1)
        ids, more = found[:MAX_BATCH], max(0, len(found) - MAX_BATCH)
    else:
        ids = list(error_ids)[:MAX_BATCH]
    facts = gather(session, ids)
    allowed_ids = scope(actor)
    if allowed_ids is not None and any(f.company_id not in allowed_ids for f in facts):
        raise PermissionDenied("Some of these errors are another company's: you can retry only your own company's.")
    for company_id in {f.company_id for f in facts}:
        require(actor, Permission.TRIAGE_ERRORS, company_id)
    checks = [judge(f) for f in facts]
    if dry_run:
        return RetryPlan(tuple(checks), more=more)
    done = [_apply(session, actor, c) for c in checks]
    if done:
        _audit(session, actor, done, flt if error_ids is None else None)
    return RetryPlan(tuple(done), more=more, applied=True)


def resolve(session: Session, actor: Actor, error_id: int, *, note: str = "") -> SyncError:
    """A person says the problem is over (the record's waiting change, if any, stays as it is)."""
    return _set(session, actor, error_id, ErrorStatus.RESOLVED, note)


def ignore(session: Session, actor: Actor, error_id: int, *, note: str) -> SyncError:
    """A person decides the error needs no action; the note says why, for the next person who reads it."""
    if not note.strip():
        raise TriageError("Write a note saying why this error is ignored: it is what the next person reads.")
    return _set(session, actor, error_id, ErrorStatus.IGNORED, note)


def _set(session: Session, actor: Actor, error_id: int, status: ErrorStatus, note: str) -> SyncError:
    row = session.get(SyncError, error_id)
    allowed_ids = scope(actor)
    if row is None or (allowed_ids is not None and row.company_id not in allowed_ids):
        raise TriageError("That sync error does not exist or you cannot see it.")
    if row.status is status:
        raise TriageError(f"That error is {status.value} already: nothing changed.")
    return errors.set_status(session, actor, error_id, status, note.strip() or None)
