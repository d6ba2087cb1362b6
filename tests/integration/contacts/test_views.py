"""The Contacts & suppliers page's core on both databases: filters, paging, search, export, the review lists,
the import policy preview, and who may do what."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from core import clock
from core.auth import Actor, PermissionDenied
from core.companies import CompanyError, settings_of
from core.contacts import actions as contact_actions
from core.contacts import import_policy as contact_policy
from core.contacts import ownership
from core.contacts import proposals as contact_proposals
from core.contacts import reviews as contact_reviews
from core.contacts import views as contact_views
from core.contacts.actions import ContactError
from core.contacts.query import ContactFilter
from core.demo import suppliers as demo_suppliers
from core.hub import Hub
from core.models.base import AuditEvent, Company
from core.models.contacts import ContactHistory, MatchReview, ReviewStatus, XeroContactSeen
from core.models.platform import Origin, PlatformContact, PlatformEvent, SupplierProposal
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState, RunState, SyncRun
from core.platform_api import events as platform
from core.staff import users
from core.sync.errors import EntityRef
from core.sync.errors import record as record_error
from core.sync.outbox import enqueue

FIONA = "fiona@harbourbakery.example"
OLIVIA = "olivia@kookaburraplumbing.example"  # a finance manager of another company
SIMULATOR = "http://127.0.0.1:8765"
TENANT = "fe7792d2-6456-41ea-8189-1fda0cc1437f"


def actor(hub: Hub, email: str) -> Actor:
    with hub.db.read() as session:
        user = users.get_by_email(session, email)
        assert user is not None
        return Actor.of(user)


def harbour(hub: Hub) -> int:
    """Harbour Bakery, emptied of the demo's platform contacts so each test seeds exactly what it reads."""
    with hub.db.write() as session:
        cid = session.scalar(select(Company.id).where(Company.name == "Harbour Bakery Ltd"))
        assert cid is not None
        session.execute(delete(PlatformContact).where(PlatformContact.company_id == cid))
        return cid


def connect(hub: Hub, cid: int, state: ConnectionState = ConnectionState.CONNECTED) -> None:
    with hub.db.write() as session:
        session.add(Connection(company_id=cid, state=state, state_changed_at=clock.now(), tenant_id=TENANT))


def add(session: Any, cid: int, name: str, **values: Any) -> PlatformContact:
    now = clock.now()
    contact = PlatformContact(
        company_id=cid,
        origin=values.pop("origin", Origin.PLATFORM),
        name=name,
        phones=values.pop("phones", []),
        addresses=[],
        version=1,
        created_at=now,
        changed_at=now,
        **values,
    )
    session.add(contact)
    session.flush()
    return contact


def cast_list(hub: Hub, cid: int) -> None:
    """One contact per thing the filters tell apart."""
    with hub.db.write() as session:
        add(session, cid, "Alpha Supplies", email="alpha@supplies.example", is_supplier=True, xero_contact_id="x-a")
        add(
            session,
            cid,
            "Beta Cafe",
            email="Orders@BetaCafe.example",
            is_customer=True,
            xero_contact_id="x-b",
            xero_status="ARCHIVED",
        )
        add(session, cid, "Gamma Grains", is_supplier=True, is_customer=True)
        add(session, cid, "Delta Dairy", xero_contact_id="x-d", outside_policy=True)
        add(
            session,
            cid,
            "Epsilon Eggs",
            is_supplier=True,
            xero_contact_id="x-e",
            drift={"email": "old@eggs.example"},
            groups=["Wholesale"],
        )
        pending = add(session, cid, "Zeta Flour", is_supplier=True, xero_contact_id="x-z", groups=["Wholesale Plus"])
        enqueue(
            session,
            company_id=cid,
            entity_type="contact",
            entity_id=str(pending.id),
            version=2,
            operation="update",
            payload={"email": "new@zeta.example"},
        )
        failing = add(session, cid, "Eta Honey", is_supplier=True, xero_contact_id="x-h", drift=None)
        record_error(session, company_id=cid, code="contact_archived", entity=EntityRef("contact", str(failing.id)))
        done = add(session, cid, "Theta Tins", is_supplier=True, xero_contact_id="x-t", groups=["Ōtautahi"])
        entry = enqueue(
            session,
            company_id=cid,
            entity_type="contact",
            entity_id=str(done.id),
            version=2,
            operation="update",
            payload={"name": "Theta Tins"},
        )
        entry.state = OutboxState.DONE


def names(hub: Hub, cid: int, flt: ContactFilter, who: str = FIONA) -> list[str]:
    with hub.db.read() as session:
        page = contact_views.list_contacts(session, actor(hub, who), cid, flt, page=1, xero_api_url=SIMULATOR)
    assert page.total == len(page.rows)
    return [row.name for row in page.rows]


FILTERS = [
    ("everything", ContactFilter(), "Alpha Beta Delta Epsilon Eta Gamma Theta Zeta"),
    ("search name any case", ContactFilter(text="eGGs"), "Epsilon"),
    ("search email", ContactFilter(text="orders@beta"), "Beta"),
    ("search wildcard is literal", ContactFilter(text="%"), ""),
    ("suppliers (both included)", ContactFilter(role="supplier"), "Alpha Epsilon Eta Gamma Theta Zeta"),
    ("customers", ContactFilter(role="customer"), "Beta Gamma"),
    ("both", ContactFilter(role="both"), "Gamma"),
    ("neither", ContactFilter(role="neither"), "Delta"),
    ("linked active", ContactFilter(status="linked_active"), "Alpha Epsilon Eta Theta Zeta"),
    ("archived in Xero", ContactFilter(status="linked_archived"), "Beta"),
    ("not linked", ContactFilter(status="not_linked"), "Gamma"),
    ("outside policy", ContactFilter(status="outside_policy"), "Delta"),
    ("change waiting", ContactFilter(sync="pending"), "Zeta"),
    ("error open", ContactFilter(sync="error"), "Eta"),
    ("synced", ContactFilter(sync="synced"), "Alpha Beta Delta Epsilon Theta"),
    ("drift", ContactFilter(drift_only=True), "Epsilon"),
    ("group, exact name", ContactFilter(group="Wholesale"), "Epsilon"),
    ("group, non-Latin name", ContactFilter(group="Ōtautahi"), "Theta"),
    ("filters combine", ContactFilter(role="supplier", sync="synced", text="a"), "Alpha Theta"),
]


@pytest.mark.parametrize(("flt", "expected"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS])
def test_each_filter_narrows_the_list(seeded: Hub, flt: ContactFilter, expected: str) -> None:
    cid = harbour(seeded)
    cast_list(seeded, cid)
    assert [n.split()[0] for n in names(seeded, cid, flt)] == expected.split()


def test_rows_carry_link_sync_state_error_and_drift(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    cast_list(seeded, cid)
    with seeded.db.read() as session:
        page = contact_views.list_contacts(
            session, actor(seeded, FIONA), cid, ContactFilter(), page=1, xero_api_url=SIMULATOR
        )
    rows = {row.name: row for row in page.rows}
    assert rows["Alpha Supplies"].xero_url == f"{SIMULATOR}/screens/orgs/{TENANT}/contacts/x-a"
    assert rows["Gamma Grains"].xero_url is None and rows["Gamma Grains"].roles == "Supplier and customer"
    assert rows["Zeta Flour"].pending and not rows["Theta Tins"].pending  # a done push is not waiting
    assert rows["Eta Honey"].error == "Contact archived in Xero" and rows["Alpha Supplies"].error is None
    assert rows["Epsilon Eggs"].drift == {"email": "old@eggs.example"} and rows["Eta Honey"].drift == {}
    assert rows["Beta Cafe"].status_label == "Archived in Xero"


def test_paging_is_by_name_and_clamped(seeded: Hub) -> None:
    cid = harbour(seeded)
    with seeded.db.write() as session:
        for n in range(120):
            add(session, cid, f"Supplier {n:03d}", is_supplier=True)
    fiona = actor(seeded, FIONA)
    with seeded.db.read() as session:
        first = contact_views.list_contacts(session, fiona, cid, ContactFilter(), page=1)
        last = contact_views.list_contacts(session, fiona, cid, ContactFilter(), page=3)
        beyond = contact_views.list_contacts(session, fiona, cid, ContactFilter(), page=99)
    assert (first.total, first.pages, len(first.rows)) == (120, 3, 50)
    assert first.rows[0].name == "Supplier 000" and last.rows[-1].name == "Supplier 119" and len(last.rows) == 20
    assert beyond.page == 3 and beyond.rows == last.rows


def test_export_is_every_match_and_formula_safe(seeded: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = harbour(seeded)
    cast_list(seeded, cid)
    with seeded.db.write() as session:
        add(session, cid, '=HYPERLINK("http://evil.example")', is_supplier=True, email="@sum.example")
    monkeypatch.setattr(contact_views, "EXPORT_BATCH", 2)  # several keyset batches
    fiona = actor(seeded, FIONA)
    with seeded.db.read() as session:
        text = contact_views.export_csv(session, fiona, cid, ContactFilter(role="supplier"), xero_api_url=SIMULATOR)
    rows = list(csv.DictReader(io.StringIO(text)))
    by_name = {r["name"]: r for r in rows}
    assert {n.split()[0] for n in by_name} == {
        '\'=HYPERLINK("http://evil.example")',
        *["Alpha", "Epsilon", "Eta"],
        *["Gamma", "Theta", "Zeta"],
    }
    assert by_name['\'=HYPERLINK("http://evil.example")']["email"] == "'@sum.example"
    epsilon = next(r for r in rows if r["name"] == "Epsilon Eggs")
    assert epsilon["drift"] == "email=old@eggs.example" and epsilon["groups"] == "Wholesale"
    assert next(r for r in rows if r["name"] == "Zeta Flour")["pending_change"] == "yes"
    with seeded.db.write() as session:
        contact_views.record_export(session, fiona, cid, ContactFilter(role="supplier"))
    with seeded.db.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "contacts_exported"))
        assert event is not None and event.after == {"role": "supplier"}


def test_group_names_are_the_distinct_groups(seeded: Hub) -> None:
    cid = harbour(seeded)
    cast_list(seeded, cid)
    with seeded.db.read() as session:
        found = contact_views.group_names(session, actor(seeded, FIONA), cid)
    assert found == ["Wholesale", "Wholesale Plus", "Ōtautahi"]


def open_review(hub: Hub, cid: int, **xero: Any) -> tuple[int, int, int]:
    """Two platform contacts sharing an email, and the Xero contact that matched both: (review, first, second)."""
    with hub.db.write() as session:
        first = add(session, cid, "Fenland Flour", email="orders@fenland.example", is_supplier=True, platform_id="P1")
        second = add(session, cid, "Fenland Flour Mill", email="orders@fenland.example", platform_id="P2")
        review = MatchReview(
            company_id=cid,
            xero_contact_id="x-fen",
            xero_name="Fenland Flour Mill Ltd",
            xero_contact={
                "name": "Fenland Flour Mill Ltd",
                "first_name": "Fenland Flour Mill Ltd",
                "email": "orders@fenland.example",
                "phones": [{"type": "MOBILE", "number": "+44 7700 900123"}],
                "bank_account": "20-00-00 55779911",
                "is_supplier": True,
                "is_customer": False,
                **xero,
            },
            candidate_ids=[first.id, second.id],
            reason="2 platform contacts share this email or phone",
            created_at=clock.now(),
        )
        session.add(review)
        session.flush()
        return review.id, first.id, second.id


def decide(hub: Hub, review_id: int, who: str = FIONA, **choice: Any) -> str:
    options = {"link_to": None, "create": False, "dismiss": False, **choice}
    with hub.db.write() as session:
        return contact_reviews.decide_review(session, actor(hub, who), review_id, **options)


def test_reviews_list_the_candidates(seeded: Hub) -> None:
    cid = harbour(seeded)
    review_id, first, second = open_review(seeded, cid)
    with seeded.db.read() as session:
        (view,) = contact_reviews.reviews(session, actor(seeded, FIONA), cid)
    assert (view.id, view.name, view.roles) == (review_id, "Fenland Flour Mill Ltd", "supplier")
    assert view.phones == "+44 7700 900123 (mobile)"
    assert [(c.id, c.name, c.email) for c in view.candidates] == [
        (first, "Fenland Flour", "orders@fenland.example"),
        (second, "Fenland Flour Mill", "orders@fenland.example"),
    ]


def test_picking_a_candidate_fills_it_once_as_the_pull_does(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    review_id, first, _ = open_review(seeded, cid)
    message = decide(seeded, review_id, link_to=first)
    assert "Linked Fenland Flour Mill Ltd" in message
    with seeded.db.read() as session:
        contact = session.get(PlatformContact, first)
        assert contact is not None and contact.xero_contact_id == "x-fen" and contact.xero_status == "ACTIVE"
        assert (contact.name, contact.bank_account, contact.version) == (
            "Fenland Flour Mill Ltd",
            "20-00-00 55779911",
            2,
        )
        assert contact.synced_snapshot == contact.snapshot() and contact.last_synced_at is not None
        history = {
            h.source: h for h in session.scalars(select(ContactHistory).where(ContactHistory.contact_id == first))
        }
        assert history["xero_first_link"].changes["name"] == {"from": "Fenland Flour", "to": "Fenland Flour Mill Ltd"}
        assert FIONA in (history["review_link"].note or "")
        review = session.get(MatchReview, review_id)
        assert review is not None and review.status is ReviewStatus.LINKED and review.contact_id == first
        pull = session.scalar(select(SyncRun).where(SyncRun.job == "contacts_webhook"))
        assert pull is not None and pull.cursor == {"ids": ["x-fen"]}  # groups and status follow in one pull
        audit_row = session.scalar(select(AuditEvent).where(AuditEvent.action == "contact_review_decided"))
        assert audit_row is not None and audit_row.after == {"decision": "linked", "contact": "Fenland Flour Mill Ltd"}


def test_import_as_new_creates_a_linked_xero_contact(seeded: Hub) -> None:
    cid = harbour(seeded)
    review_id, first, second = open_review(seeded, cid)
    decide(seeded, review_id, create=True)
    with seeded.db.read() as session:
        created = session.scalar(select(PlatformContact).where(PlatformContact.xero_contact_id == "x-fen"))
        assert (
            created is not None
            and created.origin is Origin.XERO
            and created.platform_id == f"X-{created.xero_contact_id}"
        )
        assert created.is_supplier and created.email == "orders@fenland.example" and created.id not in (first, second)
        review = session.get(MatchReview, review_id)
        assert review is not None and review.status is ReviewStatus.CREATED and review.contact_id == created.id
        assert session.scalar(select(SyncRun.id)) is None  # not connected: no pull asked for


def test_dismiss_leaves_every_contact_alone(seeded: Hub) -> None:
    cid = harbour(seeded)
    review_id, _, _ = open_review(seeded, cid)
    assert "stays in Xero only" in decide(seeded, review_id, dismiss=True)
    with seeded.db.read() as session:
        assert session.scalar(select(func.count()).where(PlatformContact.xero_contact_id.is_not(None))) == 0
        review = session.get(MatchReview, review_id)
        assert review is not None and review.status is ReviewStatus.DISMISSED
        assert contact_reviews.reviews(session, actor(seeded, FIONA), cid) == []


@pytest.mark.parametrize(
    ("choice", "refusal"),
    [
        ({"link_to": 0}, "Pick one of the platform contacts listed"),
        ({"create": True, "dismiss": True}, "Choose one"),
        ({}, "Choose one"),
        ({"link_to": "linked"}, "already linked to another Xero contact"),
        ({"again": True}, "already decided"),
    ],
    ids=["not a candidate", "two choices", "no choice", "candidate linked elsewhere", "decided twice"],
)
def test_refused_review_decisions_say_why(seeded: Hub, choice: dict[str, Any], refusal: str) -> None:
    cid = harbour(seeded)
    review_id, first, _ = open_review(seeded, cid)
    choice = dict(choice)  # the table is shared by both databases' runs
    if choice.get("link_to") == "linked":
        with seeded.db.write() as session:
            contact = session.get(PlatformContact, first)
            assert contact is not None
            contact.xero_contact_id = "x-other"
        choice = {"link_to": first}
    if choice.pop("again", False):
        decide(seeded, review_id, dismiss=True)
        choice = {"create": True}
    with pytest.raises(ContactError, match=refusal):
        decide(seeded, review_id, **choice)


def supplier_with_proposal(hub: Hub, cid: int) -> int:
    with hub.db.write() as session:
        platform.handle(
            session,
            company_id=cid,
            event_id="s1",
            kind="supplier.changed",
            data={"supplier_id": "sup-1", "name": "Fenland Flour", "bank_account": "20-00-00 11111111"},
        )
        platform.handle(
            session,
            company_id=cid,
            event_id="p1",
            kind="supplier.proposed_update",
            data={
                "proposal_id": "prop-1",
                "supplier_id": "sup-1",
                "changes": {"bank_account": "20-00-00 22222222", "email": "pay@fenland.example"},
            },
        )
        return session.scalar(select(SupplierProposal.id).where(SupplierProposal.platform_id == "prop-1")) or 0


def test_a_proposal_shows_its_diff_and_accepting_queues_the_push(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    proposal_id = supplier_with_proposal(seeded, cid)
    with seeded.db.read() as session:
        (view,) = contact_proposals.proposals(session, actor(seeded, FIONA), cid)
    assert view.supplier == "Fenland Flour"
    assert [(c.label, c.current, c.proposed) for c in view.changes] == [
        ("Email", "—", "pay@fenland.example"),
        ("Bank account", "20-00-00 11111111", "20-00-00 22222222"),
    ]
    with seeded.db.write() as session:
        result = contact_proposals.decide_proposal(session, actor(seeded, FIONA), proposal_id, accept=True)
    assert result["sync"] == "queued" and result["changed"] == ["bank_account", "email"]
    with seeded.db.read() as session:
        event = session.scalar(select(PlatformEvent).where(PlatformEvent.kind == "proposal.decided"))
        assert event is not None and event.result["status"] == "accepted"
        (entry,) = session.scalars(select(OutboxEntry))
        assert entry.state is OutboxState.PENDING and entry.payload["bank_account"] == "20-00-00 22222222"
        proposal = session.get(SupplierProposal, proposal_id)
        assert proposal is not None and proposal.decided_by_user_id == actor(seeded, FIONA).user_id
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "supplier_proposal_decided"))
        assert contact_proposals.proposals(session, actor(seeded, FIONA), cid) == []
    with seeded.db.write() as session, pytest.raises(ContactError, match="already accepted"):
        contact_proposals.decide_proposal(session, actor(seeded, FIONA), proposal_id, accept=False)


def test_rejecting_a_proposal_changes_nothing(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    proposal_id = supplier_with_proposal(seeded, cid)
    with seeded.db.write() as session:
        contact_proposals.decide_proposal(session, actor(seeded, FIONA), proposal_id, accept=False)
    with seeded.db.read() as session:
        contact = session.scalar(select(PlatformContact).where(PlatformContact.platform_id == "sup-1"))
        assert contact is not None and contact.bank_account == "20-00-00 11111111"
        (entry,) = session.scalars(select(OutboxEntry))  # only the supplier's creation waits
        assert entry.payload["bank_account"] == "20-00-00 11111111" and "email" not in entry.payload


def policy_cast(hub: Hub, cid: int) -> None:
    """Contacts the hub holds from Xero, of every kind a policy tells apart, and one platform-only contact."""
    with hub.db.write() as session:
        add(session, cid, "Supplier A", is_supplier=True, xero_contact_id="1", origin=Origin.XERO)
        add(session, cid, "Customer B", is_customer=True, xero_contact_id="2", origin=Origin.XERO)
        add(session, cid, "Both C", is_supplier=True, is_customer=True, xero_contact_id="3", groups=["Trade"])
        add(session, cid, "Customer D", is_customer=True, xero_contact_id="4", xero_status="ARCHIVED")
        add(session, cid, "Customer E", is_customer=True, xero_contact_id="5", outside_policy=True)
        add(session, cid, "Platform only F", is_supplier=True)
        # What the pulls saw in Xero: the five above, and one supplier never imported (G).
        seen = [
            ("1", "Supplier A", True, False, False, []),
            ("2", "Customer B", False, True, False, []),
            ("3", "Both C", True, True, False, ["Trade"]),
            ("4", "Customer D", False, True, True, []),
            ("5", "Customer E", False, True, False, []),
            ("6", "Supplier G", True, False, False, []),
        ]
        for xero_id, name, supplier, customer, archived, groups in seen:
            session.add(
                XeroContactSeen(
                    company_id=cid,
                    xero_contact_id=xero_id,
                    name=name,
                    is_supplier=supplier,
                    is_customer=customer,
                    archived=archived,
                    groups=groups,
                    seen_at=clock.now(),
                )
            )


@pytest.mark.parametrize(
    ("policy", "groups", "taken", "outside", "back_in"),
    [
        ("suppliers_and_contacts", (), "Supplier A, Both C, Supplier G", "Customer B, Customer E", 0),
        ("customers_only", (), "Customer B, Both C, Customer E", "Supplier A", 1),
        ("all", (), "Supplier A, Customer B, Both C, Customer D, Customer E, Supplier G", "", 1),
        ("groups", ("Trade",), "Both C", "Supplier A, Customer B, Customer E", 0),
    ],
    ids=["default", "customers only", "everything", "groups"],
)
def test_policy_preview_counts_every_contact_seen_in_xero(
    seeded: Hub, policy: str, groups: tuple[str, ...], taken: str, outside: str, back_in: int
) -> None:
    cid = harbour(seeded)
    policy_cast(seeded, cid)
    with seeded.db.read() as session:
        preview = contact_policy.policy_preview(session, actor(seeded, FIONA), cid, policy, groups)
    assert preview.known == 6
    assert sorted(preview.sample_taken) == sorted(filter(None, taken.split(", ")))
    assert sorted(preview.sample_outside) == sorted(filter(None, outside.split(", ")))
    assert (preview.taken, preview.outside, preview.back_in) == (
        len(preview.sample_taken),
        len(preview.sample_outside),
        back_in,
    )
    assert "contacts the hub has seen in Xero" in preview.text


def test_saving_the_policy_is_audited_and_asks_for_a_full_pass(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    with seeded.db.write() as session:
        message = contact_policy.save_policy(
            session, actor(seeded, FIONA), cid, policy="groups", groups=("Trade", " Trade "), phone_types=("MOBILE",)
        )
    assert "applies it to every contact" in message
    with seeded.db.read() as session:
        company = session.get(Company, cid)
        assert company is not None
        saved = settings_of(company)
        assert (saved.contact_import_policy, saved.import_groups, saved.phone_types) == (
            "groups",
            ("Trade",),
            ("MOBILE",),
        )
        assert company.finance_contact_email == "accounts@harbourbakery.example"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "company_changed"))
        assert event is not None and event.after is not None and event.after["contact_import_policy"] == "groups"
        run = session.scalar(select(SyncRun).where(SyncRun.job == "contacts_reconcile"))
        assert run is not None and run.state is RunState.QUEUED


@pytest.mark.parametrize(
    ("values", "refusal"),
    [
        ({"policy": "groups", "groups": (), "phone_types": ("MOBILE",)}, "at least one contact group"),
        ({"policy": "friends", "groups": (), "phone_types": ("MOBILE",)}, "Pick one of the import policies"),
        ({"policy": "all", "groups": (), "phone_types": ()}, "at least one phone type"),
        ({"policy": "all", "groups": (), "phone_types": ("PAGER",)}, "at least one phone type"),
    ],
    ids=["groups without a group", "unknown policy", "no phone type", "unknown phone type"],
)
def test_bad_policy_settings_are_refused(seeded: Hub, values: dict[str, Any], refusal: str) -> None:
    cid = harbour(seeded)
    with seeded.db.write() as session, pytest.raises(CompanyError, match=refusal):
        contact_policy.save_policy(session, actor(seeded, FIONA), cid, **values)


def test_sync_now_asks_for_a_poll_once_connected(seeded: Hub) -> None:
    cid = harbour(seeded)
    with seeded.db.write() as session, pytest.raises(ContactError, match="not connected"):
        contact_actions.request_sync(session, actor(seeded, FIONA), cid)
    connect(seeded, cid)
    with seeded.db.write() as session:
        assert "within a few seconds" in contact_actions.request_sync(session, actor(seeded, FIONA), cid)
    with seeded.db.read() as session:
        status = contact_actions.import_status(session, actor(seeded, FIONA), cid)
        assert status.connected and status.pull_waiting and status.state is None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "contacts_sync_requested"))


def test_import_status_reads_the_latest_import_run(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    with seeded.db.write() as session:
        now = clock.now()
        session.add(
            SyncRun(
                company_id=cid,
                job="contacts_import",
                state=RunState.RUNNING,
                requested_at=now,
                not_before=now,
                records=0,
                api_calls=3,
                progress={"pages": 3, "contacts": 2400, "estimate": 10000, "done": {"create": 2300, "link": 100}},
            )
        )
    with seeded.db.read() as session:
        status = contact_actions.import_status(session, actor(seeded, FIONA), cid)
    assert status.importing and (status.pages, status.contacts, status.fraction) == (3, 2400, 0.24)
    assert status.done == {"create": 2300, "link": 100}
    with seeded.db.write() as session:
        assert "still under way" in contact_actions.request_sync(session, actor(seeded, FIONA), cid)


def test_the_demo_edit_goes_through_the_platform_entry_point(seeded: Hub) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    with seeded.db.write() as session:
        contact = add(
            session,
            cid,
            "Fenland Flour",
            platform_id="sup-1",
            is_supplier=True,
            xero_contact_id="x-fen",
            phones=[{"type": "MOBILE", "number": "+44 7700 900123"}, {"type": "DEFAULT", "number": "01353 1"}],
        )
        contact.synced_snapshot = contact.snapshot()
        imported = add(
            session,
            cid,
            "From Xero Ltd",
            platform_id="X-x-2",
            is_supplier=True,
            origin=Origin.XERO,
            xero_contact_id="x-2",
        )
        customer = add(session, cid, "Customer Ltd", platform_id="X-x-3", is_customer=True, xero_contact_id="x-3")
    fiona = actor(seeded, FIONA)
    with seeded.db.read() as session:
        form = demo_suppliers.supplier_form(session, fiona, cid, contact.id)
    assert (form.name, form.phone, form.email) == ("Fenland Flour", "+44 7700 900123", "")
    with seeded.db.write() as session:
        result = demo_suppliers.edit_supplier(
            session, fiona, cid, contact.id, name="Fenland Flour", email="", phone="+44 7700 900999", bank_account="1"
        )
    assert result["changed"] == ["bank_account", "phones"] and result["sync"] == "queued"
    with seeded.db.read() as session:
        (entry,) = session.scalars(select(OutboxEntry))
        assert entry.payload["phones"][0] == {"type": "MOBILE", "number": "+44 7700 900999"}
        assert entry.payload["phones"][1]["number"] == "01353 1"
        assert session.scalar(select(PlatformEvent.kind)) == "supplier.changed"
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "supplier_edited"))
    with seeded.db.write() as session, pytest.raises(ContactError, match="Email: 'nope' is not an email address"):
        demo_suppliers.edit_supplier(session, fiona, cid, contact.id, name="F", email="nope", phone="", bank_account="")
    with seeded.db.write() as session, pytest.raises(ContactError, match="Name: cannot be emptied"):
        demo_suppliers.edit_supplier(session, fiona, cid, contact.id, name=" ", email="", phone="", bank_account="")
    with seeded.db.write() as session:  # a supplier imported from Xero is the platform's to edit too
        said = demo_suppliers.edit_supplier(
            session,
            fiona,
            cid,
            imported.id,
            name="From Xero Ltd",
            email="ap@fromxero.example",
            phone="",
            bank_account="",
        )
    assert said["changed"] == ["email"] and said["sync"] == "queued"
    with seeded.db.write() as session, pytest.raises(ContactError, match="is not a supplier"):
        demo_suppliers.edit_supplier(session, fiona, cid, customer.id, name="X", email="", phone="", bank_account="")
    with seeded.db.write() as session:
        ownership.save(session, fiona, cid, "xero")
    with seeded.db.write() as session, pytest.raises(ContactError, match="Xero owns this company's supplier details"):
        demo_suppliers.edit_supplier(session, fiona, cid, contact.id, name="F", email="", phone="", bank_account="")


Call = Callable[[Any, Actor, int, int], Any]
CALLS: dict[str, Call] = {
    "list": lambda s, a, cid, _: contact_views.list_contacts(s, a, cid, ContactFilter(), page=1),
    "export": lambda s, a, cid, _: contact_views.export_csv(s, a, cid, ContactFilter()),
    "groups": lambda s, a, cid, _: contact_views.group_names(s, a, cid),
    "reviews": lambda s, a, cid, _: contact_reviews.reviews(s, a, cid),
    "decide review": lambda s, a, cid, rid: contact_reviews.decide_review(
        s, a, rid, link_to=None, create=False, dismiss=True
    ),
    "proposals": lambda s, a, cid, _: contact_proposals.proposals(s, a, cid),
    "preview": lambda s, a, cid, _: contact_policy.policy_preview(s, a, cid, "all", ()),
    "save policy": lambda s, a, cid, _: contact_policy.save_policy(
        s, a, cid, policy="all", groups=(), phone_types=("MOBILE",)
    ),
    "sync now": lambda s, a, cid, _: contact_actions.request_sync(s, a, cid),
    "status": lambda s, a, cid, _: contact_actions.import_status(s, a, cid),
}
# Who is refused what: a finance manager of another company everything; viewers and support any change but sync now
# (support acts on sync problems); the company's own finance managers nothing.
REFUSED = {
    OLIVIA: set(CALLS),
    "vic@hub.example": {"decide review", "save policy", "sync now"},
    "sam@hub.example": {"decide review", "save policy"},
    "colin@harbourbakery.example": set(),
}


@pytest.mark.parametrize("who", list(REFUSED), ids=lambda w: w.split("@")[0])
def test_who_may_read_and_change_a_companys_contacts(seeded: Hub, who: str) -> None:
    cid = harbour(seeded)
    connect(seeded, cid)
    review_id, _, _ = open_review(seeded, cid)
    someone = actor(seeded, who)
    for name, call in CALLS.items():
        with seeded.db.write() as session:
            if name in REFUSED[who]:
                with pytest.raises(PermissionDenied):
                    call(session, someone, cid, review_id)
            else:
                call(session, someone, cid, review_id)
            session.rollback()  # each call on the same starting point
