"""The organisation a company is connected to, as far as links into Xero need it: its tenant and short code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models.mappings import XeroReference
from core.models.sync import Connection
from core.xero.links import Organisation


def of_company(session: Session, company_id: int, api_url: str) -> Organisation:
    tenant = session.scalar(select(Connection.tenant_id).where(Connection.company_id == company_id))
    short_code = session.scalar(
        select(XeroReference.short_code).where(
            XeroReference.company_id == company_id, XeroReference.tenant_id == tenant
        )
    )
    return Organisation(api_url, tenant, short_code or None)
