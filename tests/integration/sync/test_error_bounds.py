"""What a sync error keeps of an exchange with Xero: redacted always, and bounded when Xero answers with megabytes."""

from __future__ import annotations

from sqlalchemy import select

from core.db import dump_json
from core.hub import Hub
from core.models.base import Company
from core.models.sync import SyncError
from core.sync import errors


def _company(hub: Hub) -> int:
    with hub.db.read() as session:
        company_id = session.scalars(select(Company.id)).first()
    assert company_id is not None
    return company_id


def test_an_enormous_answer_is_cut_with_a_note_and_secrets_still_go(seeded: Hub) -> None:
    page = "<html><script>alert(1)</script>" + "x" * 1_000_000 + "</html>"
    with seeded.db.write() as session:
        row = errors.record(
            session,
            company_id=_company(seeded),
            code="xero_outage",
            detail="Xero answered 503 with an HTML page.",
            request={"method": "GET", "headers": {"Authorization": "Bearer abc.def.ghi"}},
            response={"status": 503, "body": page},
        )
        error_id = row.id
    with seeded.db.read() as session:
        stored = session.get(SyncError, error_id)
        assert stored is not None
        assert stored.raw_request == {"method": "GET", "headers": {"Authorization": "***"}}
        response = stored.raw_response
    assert response is not None and set(response) == {"truncated", "start"}
    assert "only the first 64,000 are kept" in response["truncated"]
    assert len(response["start"]) == errors.RAW_LIMIT
    assert response["start"].startswith('{"status":503,"body":"<html><script>')


def test_an_ordinary_answer_is_kept_whole(seeded: Hub) -> None:
    answer = {"Elements": [{"ValidationErrors": [{"Message": "Account code '999' is not a valid code."}]}]}
    with seeded.db.write() as session:
        row = errors.record(session, company_id=_company(seeded), code="validation", detail="Refused", response=answer)
        error_id = row.id
    with seeded.db.read() as session:
        stored = session.get(SyncError, error_id)
        assert stored is not None and stored.raw_response == answer
    assert len(dump_json(answer)) < errors.RAW_LIMIT
