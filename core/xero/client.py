"""The Accounting API client: one request method, paging at the largest size, batched idempotent writes.

Every answer goes through core.xero.answers.classify, so a caller only ever sees data or an outcome named by
what happens next. The remaining-budget headers of every answer go to `on_budget` and to the optional `gate`,
which every call passes (core.xero_access.gate wires the shared budget in); with `refresh`, a 401 TokenExpired is
answered by one refresh and one repeat of the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx
import orjson

from core.redact import redact
from core.xero.answers import classify, items_of
from core.xero.outcomes import ItemResult, RefreshAndRetry, Transient, UncertainOutcome, XeroProblem
from core.xero.resources import BATCH_SIZE, ORGANISATION, PAGE_SIZE, Resource


@dataclass(frozen=True)
class Budget:
    """What Xero said is left, from the headers of one answer."""

    minute: int | None
    day: int | None
    app_minute: int | None


class CallGate(Protocol):
    """Around every call: `enter` waits for (or refuses) a slot; `leave` hands it back with what Xero said."""

    def enter(self) -> object: ...

    def leave(self, ticket: object, budget: Budget | None, problem: XeroProblem | None) -> None: ...


def _int(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name, "")
    return int(value) if value.strip().isdigit() else None


class AccountingClient:
    """Calls for one organisation with one access token."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        api_url: str,
        access_token: str,
        tenant_id: str,
        on_budget: Callable[[Budget], None] | None = None,
        gate: CallGate | None = None,
        refresh: Callable[[], str] | None = None,
    ) -> None:
        self.http, self.base = http, f"{api_url.rstrip('/')}/api.xro/2.0"
        self.tenant_id, self.on_budget = tenant_id, on_budget
        self.gate, self.refresh = gate, refresh
        self.headers = {
            "Authorization": f"Bearer {access_token}",
            "xero-tenant-id": tenant_id,
            "Accept": "application/json",
        }
        self.calls = 0
        self.pagination: dict[str, Any] | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """One call (repeated once after a refresh if the token expired); returns the JSON body, or raises the
        outcome (XeroProblem) its answer means. `content` is a raw body (an attachment's bytes) instead of JSON."""
        try:
            return self._once(method, path, params=params, json=json, headers=headers, content=content)
        except RefreshAndRetry:
            if self.refresh is None:
                raise
            # Xero's clock says the token expired before ours did: one refresh, one repeat, never a loop.
            self.headers["Authorization"] = f"Bearer {self.refresh()}"
            return self._once(method, path, params=params, json=json, headers=headers, content=content)

    def _once(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        headers: dict[str, str] | None,
        content: bytes | None = None,
    ) -> Any:
        ticket = self.gate.enter() if self.gate is not None else None
        self.calls += 1
        budget: Budget | None = None
        problem: XeroProblem | None = None
        try:
            response = self._send(method, path, params=params, json=json, headers=headers, content=content)
            budget = Budget(
                _int(response.headers, "x-minlimit-remaining"),
                _int(response.headers, "x-daylimit-remaining"),
                _int(response.headers, "x-appminlimit-remaining"),
            )
            if self.on_budget is not None:
                self.on_budget(budget)
            problem = classify(response.status_code, response.headers, response.content)
        except XeroProblem as exc:
            problem = exc
        finally:
            if problem is not None:
                body = json if content is None else f"({len(content)} bytes, not kept)"
                problem.request = redact({"method": method, "path": path, "params": params, "body": body})
            if self.gate is not None:
                self.gate.leave(ticket, budget, problem)
        if problem is not None:
            raise problem
        return orjson.loads(response.content) if response.content else None

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        headers: dict[str, str] | None,
        content: bytes | None = None,
    ) -> httpx.Response:
        try:
            return self.http.request(
                method,
                f"{self.base}{path}",
                params=params,
                json=json,
                content=content,
                headers={**self.headers, **(headers or {})},
            )
        except httpx.TimeoutException as exc:
            kind = UncertainOutcome if method in ("PUT", "POST") else Transient
            raise kind(f"Xero did not answer in time ({type(exc).__name__}).") from None
        except httpx.TransportError as exc:
            kind = UncertainOutcome if method in ("PUT", "POST") and isinstance(exc, httpx.ReadError) else Transient
            raise kind(f"Xero could not be reached ({type(exc).__name__}).") from None

    def organisation(self) -> dict[str, Any]:
        return self.request("GET", "/Organisation")[ORGANISATION.collection][0]

    def list(self, resource: Resource, **options: Any) -> list[dict[str, Any]]:
        """Every record (one call when the resource is not paged); options as for pages()."""
        return [record for page in self.pages(resource, **options) for record in page]

    def pages(
        self,
        resource: Resource,
        *,
        where: str | None = None,
        since: datetime | None = None,
        order: str | None = None,
        params: dict[str, Any] | None = None,
        start: int = 1,
    ) -> Iterator[list[dict[str, Any]]]:
        """Page by page at the largest size, from `start` (a saved cursor), until a short page."""
        query = dict(params or {})
        if where:
            query["where"] = where
        if order:
            query["order"] = order
        headers = {}
        if since is not None and resource.modified_since:
            headers["If-Modified-Since"] = since.strftime("%Y-%m-%dT%H:%M:%S")
        page = start
        while True:
            if resource.paged:
                query |= {"page": page, "pageSize": PAGE_SIZE}
            body = self.request("GET", f"/{resource.collection}", params=query, headers=headers)
            records = body[resource.collection]
            # Xero's paging metadata (itemCount: how many there are in all), for progress bars.
            self.pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else None
            yield records
            last = bool(self.pagination and page >= int(self.pagination.get("pageCount") or 0) > 0)
            if not resource.paged or len(records) < PAGE_SIZE or last:  # no call for an empty page past the end
                return
            page += 1

    def write(
        self, resource: Resource, elements: list[dict[str, Any]], *, idempotency_key: str, create_only: bool = False
    ) -> list[ItemResult]:
        """Create or update in batches of about 50, each element's outcome kept (summarizeErrors=false)."""
        results: list[ItemResult] = []
        for index in range(0, len(elements), BATCH_SIZE):
            batch = elements[index : index + BATCH_SIZE]
            key = idempotency_key if len(elements) <= BATCH_SIZE else f"{idempotency_key}:{index // BATCH_SIZE}"
            data = self.request(
                "PUT" if create_only else "POST",
                f"/{resource.collection}",
                params={"summarizeErrors": "false"},
                json={resource.collection: batch},
                headers={"Idempotency-Key": key[:128]},
            )
            results.extend(items_of(data, resource.collection))
        return results
