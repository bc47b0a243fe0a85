"""The province system behind one interface, and its configurable REST client.

Every failure of that system comes out as ProvinceError with a kind: `timeout`, `unavailable`
(no connection), `server` (5xx, 408, 429), `auth` (401/403 even with a fresh token),
`bad_answer` (not JSON, or not the fields configured), `refused` (another 4xx: this push will
never be taken as it is). Nothing it sends can make the central fail.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import quote

import httpx

from central.province.settings import ProvinceSettings
from kiosk.contract.dossier import DossierRecord, parse_code

ErrorKind = Literal["timeout", "unavailable", "server", "auth", "bad_answer", "refused"]


class ProvinceError(Exception):
    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}"[:500])
        self.kind = kind


@dataclass(frozen=True)
class ProvinceDossier:
    record: DossierRecord
    office: str  # the office holding the dossier now


@dataclass(frozen=True)
class RatingPush:
    dossier_code: str
    level: str          # ours: very_satisfied / satisfied / unsatisfied
    reason: str | None
    reason_code: str | None
    officer: str | None
    counter: int
    rated_at: dt.datetime


class ProvinceSystem(Protocol):
    def lookup(self, code: str) -> ProvinceDossier | None:
        """The dossier's status, dates and office; None when that system has no such dossier."""
    def push_rating(self, push: RatingPush) -> None:
        """Hands one rating over; returns once that system took it (a repeat is harmless)."""


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{name} is not a date")
    text = value.strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y"):  # Vietnamese systems often write dd/mm/yyyy
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return dt.date.fromisoformat(text[:10])


def _text(value: Any, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"{name} is not text")
    text = str(value)
    if len(text) > limit or "\x00" in text:
        raise ValueError(f"{name} is too long")
    return text


def read_dossier(body: Any, code: str, s: ProvinceSettings) -> ProvinceDossier:
    """Their answer through the field mapping; ValueError for anything we must not show."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict):  # a common envelope
        body = body["data"]
    if not isinstance(body, dict):
        raise ValueError("the answer is not an object")
    f = s.dossier_fields
    parsed = parse_code(_text(body.get(f.code), f.code, 64))
    if parsed is None or parsed.code != code:
        raise ValueError(f"{f.code} is not the dossier asked for")
    status = body.get(f.status)
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 1 <= status <= 10:
        raise ValueError(f"{f.status} is not a national status code 1-10")
    received = _date(body.get(f.received_date), f.received_date) or parsed.received_date
    record = DossierRecord(code=code, procedure_name=_text(body.get(f.procedure_name), f.procedure_name, 500),
                           status=status, received_date=received,
                           due_date=_date(body.get(f.due_date), f.due_date),
                           finished_date=_date(body.get(f.finished_date), f.finished_date),
                           new_due_date=_date(body.get(f.new_due_date), f.new_due_date),
                           external_id=_text(body.get(f.external_id), f.external_id, 64) or None)
    return ProvinceDossier(record, _text(body.get(f.office), f.office, 200))


class RestProvinceClient:
    """ProvinceSystem over HTTP(S), as configured. Thread-safe (one httpx client, a token lock)."""

    def __init__(self, settings: ProvinceSettings, transport: httpx.BaseTransport | None = None) -> None:
        self.s = settings
        self.http = httpx.Client(base_url=settings.base_url, timeout=settings.timeout_s, transport=transport)
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    # -- auth ----------------------------------------------------------------------------
    def _headers(self, fresh: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        fixed = self.s.secret(self.s.auth_env)
        if fixed:
            headers[self.s.auth_header] = fixed
        if self.s.token_path:
            headers["Authorization"] = f"Bearer {self._bearer(fresh)}"
        return headers

    def _bearer(self, fresh: bool) -> str:
        with self._lock:
            if fresh or self._token is None or time.monotonic() >= self._token_until:
                body = self._send("POST", self.s.token_path or "", json={
                    "client_id": self.s.secret(self.s.client_id_env) or "",
                    "client_secret": self.s.secret(self.s.client_secret_env) or ""}, auth=False)
                token = body.get("access_token") if isinstance(body, dict) else None
                if not isinstance(token, str) or not token or len(token) > 4096:
                    raise ProvinceError("auth", "the token answer has no access_token")
                expires = body.get("expires_in", 300)
                life = float(expires) if isinstance(expires, (int, float)) and not isinstance(expires, bool) else 300.0
                self._token, self._token_until = token, time.monotonic() + max(0.0, life - 10)
            assert self._token is not None
            return self._token

    # -- one request ---------------------------------------------------------------------
    def _send(self, method: str, path: str, *, json: Any = None, auth: bool = True, fresh: bool = False,
              missing_ok: bool = False) -> Any:
        try:
            r = self.http.request(method, path, json=json, headers=self._headers(fresh) if auth else None)
        except httpx.TimeoutException as exc:
            raise ProvinceError("timeout", f"{method} {path}: no answer within {self.s.timeout_s} s ({exc})") from None
        except httpx.HTTPError as exc:
            raise ProvinceError("unavailable", f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if r.status_code in (401, 403):
            if auth and self.s.token_path and not fresh:  # an expired token: fetch a new one, once
                return self._send(method, path, json=json, fresh=True, missing_ok=missing_ok)
            raise ProvinceError("auth", f"{method} {path}: HTTP {r.status_code}")
        if missing_ok and r.status_code == 404:
            return None
        if r.status_code >= 500 or r.status_code in (408, 429):
            raise ProvinceError("server", f"{method} {path}: HTTP {r.status_code}")
        if r.status_code == 409 and method == "POST":  # already taken: a repeat is harmless
            return {}
        if r.status_code >= 300:
            raise ProvinceError("refused", f"{method} {path}: HTTP {r.status_code}: {r.text[:200]}")
        if not r.content:
            return {}
        try:
            return r.json()
        except ValueError:
            raise ProvinceError("bad_answer", f"{method} {path}: not JSON: {r.text[:80]!r}") from None

    # -- the two directions ----------------------------------------------------------------
    def lookup(self, code: str) -> ProvinceDossier | None:
        path = self.s.lookup_path.replace("{code}", quote(code, safe=""))
        body = self._send("GET", path, missing_ok=True)
        if body is None:
            return None
        try:
            return read_dossier(body, code, self.s)
        except (ValueError, TypeError) as exc:
            raise ProvinceError("bad_answer", f"GET {path}: {exc}") from None

    def push_rating(self, push: RatingPush) -> None:
        f = self.s.rating_fields
        parsed = parse_code(push.dossier_code)
        body = {f.dossier_code: push.dossier_code, f.level: self.s.levels.get(push.level, push.level),  # type: ignore[call-overload]
                f.reason: push.reason, f.reason_code: push.reason_code, f.officer: push.officer,
                f.counter: push.counter, f.rated_at: push.rated_at.isoformat(),
                f.agency: parsed.agency if parsed else None}
        self._send("POST", self.s.rating_path, json=body)
