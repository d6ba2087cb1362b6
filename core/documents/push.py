"""Document push: waiting invoice, bill and credit-note changes checked (core.documents.preflight), planned
(core.documents.plan) and sent in batches of up to 50 per endpoint through the push executor (core.push.executor),
every entry settled with what Xero said (core.documents.settle). The sidecar runs it every 2 seconds.

A document whose contact is not in Xero yet has the contact created first, in the same turn, through the supplier
push (core.contacts.push); a timed-out write is looked up in Xero before it is sent again (core.documents.lookup).
Organisations are pushed side by side (a few threads), each through its own budget gate.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import clock
from core.contacts import push as contact_push
from core.documents import lookup as document_lookup
from core.documents import settle as document_settle
from core.documents.gather import gather, need_contacts
from core.documents.plan import DocumentFacts, Plan, Write, plan
from core.documents.preflight import Lookups
from core.documents.settle import Tally
from core.hub import Hub
from core.models.platform import PlatformDocument
from core.push import executor, turns
from core.push import tally as push_tally
from core.push.executor import Turn
from core.sync import outbox
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero.answers import items_of
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, Transient, UncertainOutcome, XeroProblem
from core.xero.resources import BATCH_SIZE

ENTITY = "document"
WAIT_FOR_REFERENCE = 10  # seconds: the reference data is read within seconds of connecting
# Changes claimed per organisation at once: up to four calls of 50 through one client and one read of the mappings.
PER_TURN = 4 * BATCH_SIZE
PARALLEL = 8  # organisations pushed at once: each waits on its own budget, so one slow organisation holds none up

Gathered = tuple[dict[int, DocumentFacts], Lookups]


class DocumentPush(executor.Push[Write]):
    entity_type = ENTITY
    tally = Tally
    limit = PER_TURN
    parallel = PARALLEL

    def gather(
        self, session: Session, company_id: int, entries: list[Claimed]
    ) -> tuple[dict[int, DocumentFacts], Lookups]:
        return gather(session, company_id, entries)

    def prepare(
        self,
        hub: Hub,
        turn: Turn,
        entries: list[Claimed],
        facts: tuple[dict[int, DocumentFacts], Lookups],
        *,
        worker: str,
    ) -> list[Write]:
        known, lookups = facts
        if not lookups.ready:  # just connected: judging mappings before Xero's accounts are read would refuse all
            with hub.db.write() as session:
                document_settle.later(session, entries, worker=worker, tally=turn.tally, seconds=WAIT_FOR_REFERENCE)
            return []
        decided = plan(entries, known, lookups)
        writes, settles, refusals, waits = list(decided.writes), list(decided.settles), list(decided.refusals), []
        if decided.waits:  # their contacts are not in Xero yet: created now, then the documents planned again
            again = self._with_contacts(hub, turn, decided, worker)
            writes, settles, refusals = (
                writes + list(again.writes),
                settles + list(again.settles),
                refusals + list(again.refusals),
            )
            waits = [w.entry for w in again.waits]
        with hub.db.write() as session:
            for settle in settles:
                outbox.complete(session, settle.entry.id, worker=worker)
            document_settle.refuse_all(session, refusals, worker=worker, tally=turn.tally)
            document_settle.later(session, waits, worker=worker, tally=turn.tally)  # a contact not created yet
        turn.quiet = len(settles)
        return writes

    def _with_contacts(self, hub: Hub, turn: Turn, decided: Plan, worker: str) -> Plan:
        """Create the missing contacts in Xero now (the company's supplier push), then plan those documents again."""
        waiting = [w.entry for w in decided.waits]
        with hub.db.write() as session:
            need_contacts(session, turn.company_id, [w.contact_id for w in decided.waits])
        contact_push.push_company(hub, turn.company_id, worker=worker)
        with hub.db.read() as session:
            known, lookups = gather(session, turn.company_id, waiting)
        return plan(waiting, known, lookups)

    def adopt(self, hub: Hub, xero: AccountingClient, writes: list[Write], turn: Turn, *, worker: str) -> list[Write]:
        """Creates whose earlier write went unanswered: adopt those Xero already holds; send only the others."""
        unsure = [w for w in writes if w.lookup]
        if not unsure:
            return writes
        found = document_lookup.find(xero, unsure)
        with hub.db.write() as session:
            adopted = [(w, found[w.entry.id]) for w in unsure if w.entry.id in found]
            document_settle.succeeded(session, adopted, worker=worker, tally=turn.tally)
        return [w for w in writes if w.entry.id not in found]

    def calls(self, writes: list[Write]) -> list[list[Write]]:
        """Up to 50 per call, per endpoint and method (PUT creates, POST updates and voids)."""
        keyed: dict[tuple[str, bool], list[Write]] = {}
        for write in writes:
            keyed.setdefault((write.resource.collection, write.create), []).append(write)
        return [group[i : i + BATCH_SIZE] for group in keyed.values() for i in range(0, len(group), BATCH_SIZE)]

    def send(
        self, hub: Hub, xero: AccountingClient, call: list[Write], turn: Turn, *, worker: str
    ) -> list[ItemResult] | None:
        """One batch write. The creates are marked uncertain before the call (write-ahead): if the process dies
        before the answer is settled, the retry looks them up in Xero instead of creating them twice. Any answer
        clears the mark; no answer at all leaves the documents uncertain, to be looked up before any retry."""
        resource = call[0].resource
        creates = [w.document_id for w in call if w.create]
        _mark(hub, creates, on=True)
        body = {resource.collection: [w.element for w in call]}
        key = outbox.write_key("documents", [w.entry for w in call], body)
        try:
            data = xero.request(
                "PUT" if call[0].create else "POST",
                f"/{resource.collection}",
                params={"summarizeErrors": "false", "unitdp": "4"},
                json=body,
                headers={"Idempotency-Key": key},
            )
        except (UncertainOutcome, Transient) as problem:
            if problem.status is not None:  # Xero answered (5xx): nothing was saved
                _mark(hub, creates, on=False)
                raise
            with hub.db.write() as session:  # no answer: Xero may have saved the batch
                document_settle.uncertain(session, call, problem, worker=worker, tally=turn.tally)
            return None
        except XeroProblem:
            _mark(hub, creates, on=False)  # Xero answered, or the budget stopped the call before it went out
            raise
        return items_of(data, resource.collection)

    def settle(
        self,
        session: Session,
        call: Sequence[Write],
        results: Sequence[ItemResult],
        turn: Turn,
        *,
        worker: str,
        problem: XeroProblem | None = None,
    ) -> None:
        document_settle.apply(session, call, results, worker=worker, tally=turn.tally, problem=problem)

    def entity(self, write: Write) -> EntityRef:
        return EntityRef("document", str(write.document_id), write.number)


PUSH = DocumentPush()


def push_due(hub: Hub, *, worker: str, limit: int = PER_TURN, parallel: int = PARALLEL) -> push_tally.Tally:
    """One batch (up to `limit` changes) for every organisation with changes due, organisations side by side."""
    return turns.push_due(hub, PUSH, worker=worker, limit=limit, parallel=parallel)


def push_for(hub: Hub, *, worker: str, seconds: float = 1.8, limit: int = PER_TURN) -> push_tally.Tally:
    """Batches until nothing is due or `seconds` pass: a backlog keeps every organisation's budget in use."""
    return turns.push_for(hub, PUSH, worker=worker, seconds=seconds, limit=limit)


def _mark(hub: Hub, document_ids: list[int], *, on: bool) -> None:
    if not document_ids:
        return
    with hub.db.write() as session:
        query = update(PlatformDocument).where(PlatformDocument.id.in_(document_ids))
        if on:
            query = query.where(PlatformDocument.uncertain_since.is_(None)).values(uncertain_since=clock.now())
        else:
            query = query.values(uncertain_since=None)
        session.execute(query.execution_options(synchronize_session=False))
