"""Helpers for the central tests: a running central, enrolled devices, event builders."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from central.centres import load_toml, parse_doc, store_doc
from central.embedded import EmbeddedCentral, start_embedded
from kiosk.contract.config import SAMPLE_CONFIG



@dataclass
class Device:
    central: "Central"
    device_id: str
    token: str
    role: str
    device_index: int

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.central.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        with self.client() as c:
            return c.post(path, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        with self.client() as c:
            return c.get(path, **kw)

    def send(self, *events: dict[str, Any], sent_at: dt.datetime | None = None,
             device_id: str | None = None) -> httpx.Response:
        body = {"device_id": device_id or self.device_id,
                "sent_at": (sent_at or dt.datetime.now(dt.timezone.utc)).isoformat(), "events": list(events)}
        return self.post("/api/v1/events", json=body)


@dataclass
class Central:
    embedded: EmbeddedCentral

    @property
    def url(self) -> str:
        return self.embedded.url

    @property
    def db(self) -> Any:
        return self.embedded.db

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.embedded.admin_token}"},
                            timeout=30)

    def code(self, role: str, ttl_hours: float = 24) -> str:
        with self.admin() as c:
            r = c.post("/api/v1/admin/enrolment-codes", json={"role": role, "ttl_hours": ttl_hours})
        assert r.status_code == 200, r.text
        return r.json()["code"]

    def enrol(self, role: str = "lobby", name: str | None = None) -> Device:
        r = httpx.post(f"{self.url}/api/v1/enrol", json={"code": self.code(role), "device_name": name})
        assert r.status_code == 200, r.text
        j = r.json()
        return Device(self, j["device_id"], j["token"], j["role"], j["device_index"])

    def import_doc(self, doc: dict[str, Any]) -> None:
        with self.db.transaction() as s:
            store_doc(s, parse_doc(doc))


def start(url: str) -> Central:
    central = Central(start_embedded(url))
    with central.db.transaction() as s:
        store_doc(s, load_toml(SAMPLE_CONFIG))
    return central


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def event(type_: str, payload: dict[str, Any], at: dt.datetime | None = None, id_: str | None = None) -> dict[str, Any]:
    return {"id": id_ or str(uuid.uuid4()), "type": type_, "occurred_at": (at or now()).isoformat(),
            "payload": payload}


def issued(ticket_id: str, number: int, service: str = "TPHT", priority: str | None = None, day: str | None = None,
           at: dt.datetime | None = None, prefix: str = "A") -> dict[str, Any]:
    at = at or now()
    day = day or at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    return event("ticket.issued", {"ticket_id": ticket_id, "service_code": service, "day": day, "number": number,
                                   "display_number": f"{prefix}{number:03d}", "priority_group": priority,
                                   "issued_at": at.isoformat()}, at)
