"""Helpers for the central tests: a running central, enrolled devices, and events built with the
kiosk's own contract code (kiosk.contract.events.Event + kiosk.contract.wire models), never by hand."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from central.centres import load_toml, parse_doc, store_doc
from central.embedded import EmbeddedCentral, start_embedded
from kiosk.contract.config import SAMPLE_CONFIG, load_config
from kiosk.contract.events import Event
from kiosk.contract.numbering import fallback_block
from kiosk.contract.wire import DeviceHeartbeat, HealthEntry, Payload, TicketIssued

SAMPLE = load_config(SAMPLE_CONFIG)
TZ = ZoneInfo(SAMPLE.centre.timezone)


@dataclass
class Device:
    central: "Central"
    device_id: str
    token: str
    role: str
    device_index: int
    _next: dict[str, itertools.count] = field(default_factory=dict)

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

    @staticmethod
    def numbers_for(dev: "Device") -> Any:
        """A fresh numbering of dev's own block (one day's worth): numbers(service) -> the next."""
        counters: dict[str, itertools.count[int]] = {}

        def nxt(service: str) -> int:
            if service not in counters:
                block = fallback_block(SAMPLE.numbering, SAMPLE.service(service).max_number, dev.device_index)
                assert block is not None
                counters[service] = itertools.count(block[0])
            return next(counters[service])
        return nxt

    def number(self, service: str = "TPHT") -> int:
        """The next number of this lobby's own offline fallback block (kiosk.contract.numbering)."""
        if service not in self._next:
            block = fallback_block(SAMPLE.numbering, SAMPLE.service(service).max_number, self.device_index)
            assert block is not None
            self._next[service] = itertools.count(block[0])
        return next(self._next[service])


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

    def code(self, role: str, ttl_hours: float = 24, counters: list[int] | None = None) -> str:
        body: dict[str, Any] = {"role": role, "ttl_hours": ttl_hours}
        if counters is not None:
            body["counters"] = counters
        with self.admin() as c:
            r = c.post("/api/v1/admin/enrolment-codes", json=body)
        assert r.status_code == 200, r.text
        return r.json()["code"]

    def enrol(self, role: str = "lobby", name: str | None = None, counters: list[int] | None = None) -> Device:
        """A counter device is bound to every counter of the sample centre unless told otherwise."""
        if role == "counter" and counters is None:
            counters = [c.number for c in SAMPLE.counters]
        r = httpx.post(f"{self.url}/api/v1/enrol", json={"code": self.code(role, counters=counters),
                                                         "device_name": name})
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


def event(payload: Payload, at: dt.datetime | None = None, id_: str | None = None) -> dict[str, Any]:
    """A wire event, as the kiosk's outbox sends it."""
    return Event(payload, occurred_at=at or now(), id=id_ or str(uuid.uuid4())).wire()


def issued(dev: Device, ticket_id: str, service: str = "TPHT", priority: str | None = None,
           at: dt.datetime | None = None, number: int | None = None, display: str | None = None) -> dict[str, Any]:
    """A ticket.issued from lobby `dev`, numbered in its own fallback block unless told."""
    at = at or now()
    n = number if number is not None else dev.number(service)
    return event(TicketIssued(ticket_id=ticket_id, service_code=service, day=at.astimezone(TZ).date().isoformat(),
                              number=n, display_number=display or f"A{n:03d}", priority_group=priority,
                              issued_at=at, lease_source="fallback"), at, id_=ticket_id)


def heartbeat(at: dt.datetime | None = None, **state: Any) -> dict[str, Any]:
    health = {k: HealthEntry(**v) for k, v in state.pop("health", {}).items()}
    return event(DeviceHeartbeat(**{"version": "0.1.0", "uptime_s": 12.5, "health": health, **state}), at)
