"""HTTP client for the central system's contract (docs/central.md, central/openapi.json)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from kiosk.contract.events import iso
from kiosk.contract.leases import LeaseAnswer, LeaseRefusal, LeaseRequest
from kiosk.contract.queue import QueueSummary


class CentralUnavailable(Exception):
    """Worth retrying later: no network, a timeout, a 5xx, 408, 409 or 429."""


class CentralMisconfigured(CentralUnavailable):
    """The answer is not the central's contract (404, 405, an HTML page, a body that is not the
    central's JSON): a proxy or URL is wrong. Retry later; never blame (dead-letter) the events."""


class CentralRejected(Exception):
    """The central refused the request for good (another 4xx): retrying the same cannot help."""

    def __init__(self, status: int, reason: str, contract: bool = True) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason
        self.contract = contract  # the body is the central's JSON error ({"detail": ...})


class LeaseRefused(CentralRejected):
    """The central grants no numbers now (409): refusal.reason says why (quota, space, share)."""

    def __init__(self, refusal: LeaseRefusal) -> None:
        super().__init__(409, refusal.message)
        self.refusal = refusal


M = TypeVar("M", bound=BaseModel)
RETRYABLE = {408, 409, 429}  # for event batches (the outbox contract)
BATCH_REFUSALS = {400, 413, 422}  # the central refuses the batch itself: split it to find the culprit
FINAL_409 = {408, 429}        # enrolment, leases: a 409 is the answer (code used, numbers exhausted)


@dataclass(frozen=True)
class ConfigAnswer:
    changed: bool
    etag: str | None
    document: dict[str, Any] | None


class CentralClient:
    def __init__(self, url: str, token: str | None = None, *, ca_file: str | None = None,
                 timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        # Passed on every request: a session-level verify loses to REQUESTS_CA_BUNDLE in the environment.
        self.verify: str | bool = ca_file or True
        self.timeout = timeout
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _request(self, method: str, path: str, *, retryable: set[int] = RETRYABLE, final: frozenset[int] | set[int] = frozenset(),
                 **kw: Any) -> requests.Response:
        """final: statuses handed back to the caller to read (neither raised nor retried)."""
        try:
            resp = self.session.request(method, self.url + path, timeout=kw.pop("timeout", self.timeout),
                                        verify=self.verify, **kw)
        except requests.exceptions.SSLError as exc:
            raise CentralRejected(0, f"TLS certificate not trusted: {exc}") from None
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise CentralUnavailable(f"cannot reach the central: {type(exc).__name__}") from None
        if resp.status_code in final:
            return resp
        if resp.status_code >= 500 or resp.status_code in retryable:
            raise CentralUnavailable(f"central answered HTTP {resp.status_code}")
        if resp.status_code >= 400 and resp.status_code != 304:
            raise CentralRejected(resp.status_code, _reason(resp), _is_contract_error(resp))
        return resp

    def _json(self, resp: requests.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            raise CentralUnavailable("central sent a response that is not JSON (cut or proxied?)") from None

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """The JSON answer of one request to the central (for the counter and dossier clients).
        Raises CentralUnavailable (retry later) or CentralRejected (refused)."""
        resp = self._request(method, path, **kw)
        return self._json(resp)

    def post_events(self, device_id: str, events: list[dict[str, Any]], sent_at: dt.datetime) -> dict[str, Any]:
        """The central's verdicts (kiosk.contract.wire.BatchAnswer). Raises CentralRejected for a
        contract refusal of the whole batch (400, 401, 403, 413, 422 with the central's error body),
        CentralMisconfigured for any answer that is not the contract, CentralUnavailable otherwise."""
        path = "/api/v1/events"
        try:
            resp = self._request("POST", path, json={"device_id": device_id, "sent_at": iso(sent_at), "events": events})
        except CentralRejected as exc:
            if exc.status in (0, 401, 403) or (exc.status in BATCH_REFUSALS and exc.contract):
                raise
            raise CentralMisconfigured(f"HTTP {exc.status} from {path} is not the central's answer (wrong URL "
                                       f"or proxy?): {exc.reason[:100]}") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise CentralMisconfigured(f"HTTP {resp.status_code} from {path} without per-event verdicts "
                                       "(wrong URL or proxy?)")
        return body

    def upload_diagnostics(self, zip_bytes: bytes) -> dict[str, Any]:
        """Sends a diagnostics bundle (provisioning.bundle) for the fleet page: {bundle_id, size, sha256}.
        Raises CentralRejected (e.g. 413 over the central's limit) or CentralUnavailable."""
        resp = self._request("POST", "/api/v1/diagnostics", data=zip_bytes, timeout=max(self.timeout, 30),
                             headers={"Content-Type": "application/octet-stream"})
        body = self._json(resp)
        if not isinstance(body, dict) or "bundle_id" not in body:
            raise CentralMisconfigured("the answer to a diagnostics upload is not the central's")
        return body

    def get_config(self, etag: str | None) -> ConfigAnswer:
        headers = {"If-None-Match": etag} if etag else {}
        resp = self._request("GET", "/api/v1/config", headers=headers)
        if resp.status_code == 304:
            return ConfigAnswer(False, etag, None)
        return ConfigAnswer(True, resp.headers.get("ETag"), self._json(resp))

    def request_lease(self, request: LeaseRequest) -> LeaseAnswer:
        """Raises LeaseRefused (409: nothing granted, with the reason), CentralRejected, CentralUnavailable."""
        resp = self._request("POST", "/api/v1/leases", json=request.model_dump(), retryable=FINAL_409, final={409})
        if resp.status_code == 409:
            body = self._json(resp)
            try:
                refusal = LeaseRefusal.model_validate(body.get("detail") if isinstance(body, dict) else None)
            except ValidationError:
                raise CentralRejected(409, _reason(resp)) from None
            raise LeaseRefused(refusal)
        return self._parsed(LeaseAnswer, resp)

    def queue_summary(self, day: str) -> QueueSummary:
        """The central's queue on the kiosk's local day (GET /api/v1/queue/summary)."""
        return self._parsed(QueueSummary, self._request("GET", "/api/v1/queue/summary", params={"day": day}))

    def _parsed(self, model: type[M], resp: requests.Response) -> M:
        try:
            return model.model_validate(self._json(resp))
        except ValidationError as exc:
            raise CentralUnavailable(f"central answered outside the contract: {exc.errors()[0]['msg']}") from None

    def enrol(self, code: str, device_name: str | None = None) -> dict[str, Any]:
        body = {"code": code}
        if device_name:
            body["device_name"] = device_name
        answer = self.call("POST", "/api/v1/enrol", json=body, retryable=FINAL_409)
        if not isinstance(answer, dict):
            raise CentralUnavailable("central answered the enrolment with something that is not an object")
        return answer


def _is_contract_error(resp: requests.Response) -> bool:
    try:
        body = resp.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "detail" in body


def _reason(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200] or resp.reason
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return str(detail)[:300]
