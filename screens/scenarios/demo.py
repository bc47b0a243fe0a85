"""The embedded central of `kiosk demo --role counter|display`, with something to call: a few
waiting tickets issued as a lobby kiosk would (ticket.issued events), and for the hall display
a counter device that calls them. Demo and scenario use only: `DemoHarness` is what the
launcher gets for an interactive demo (screens.launch.Harness)."""
from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import uuid
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import requests

from kiosk.contract.config import Config
from kiosk.contract.events import Event
from kiosk.contract.leases import LeaseRequest
from kiosk.contract.wire import TicketIssued
from kiosk.counter.client import CounterClient
from kiosk.domain.clock import Clock
from kiosk.sync.client import CentralClient, CentralRejected, LeaseRefused

log = logging.getLogger(__name__)


def _enrol(central, role: str, name: str, counters: list[int] | None = None) -> dict:
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    body: dict = {"role": role, **({"counters": counters} if counters is not None else {})}
    code = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json=body, headers=admin, timeout=10)
    code.raise_for_status()
    r = requests.post(f"{central.url}/api/v1/enrol", json={"code": code.json()["code"], "device_name": name},
                      timeout=10)
    r.raise_for_status()
    return r.json()


def seed_waiting_tickets(central, config: Config, data_dir: Path, services: list[str], per_service: int = 4,
                         minimum: int = 2) -> int:
    """Issue `per_service` tickets in each service with fewer than `minimum` waiting today, as a
    lobby kiosk does: numbers leased from the central, events built with the kiosk's models."""
    lobby = _enrol(central, "lobby", "demo lobby (seed)")
    client = CentralClient(central.url, lobby["token"], timeout=10)
    summary = client.call("GET", "/api/v1/queue/summary")
    waiting = {s["service_code"]: s["waiting"] for s in summary["services"]}
    now = dt.datetime.now(dt.timezone.utc)
    day = now.astimezone(ZoneInfo(config.centre.timezone)).date().isoformat()
    events: list[dict[str, Any]] = []
    for code in services:
        if waiting.get(code, 0) >= minimum:
            continue
        service = config.service(code)
        try:
            lease = client.request_lease(LeaseRequest(request_id=uuid.uuid4().hex, service_code=code, day=day,
                                                      count=per_service))
        except (CentralRejected, LeaseRefused):
            continue  # the day's numbers (or its quota) are used up
        for number in range(lease.first, lease.last + 1):
            issued = now - dt.timedelta(minutes=20) + dt.timedelta(seconds=len(events))
            tid = str(uuid.uuid4())
            events.append(Event(TicketIssued(
                ticket_id=tid, service_code=code, day=day, number=number,
                display_number=f"{service.prefix}{number:0{service.digits}d}", priority_group=None, issued_at=issued,
                lease_source="central", central_lease_id=lease.lease_id), occurred_at=issued, id=tid).wire())
    if events:
        client.post_events(lobby["device_id"], events, now)
    return len(events)


class DemoCaller:
    """A counter device at the demo central (for the hall-display scenario and demo)."""

    def __init__(self, central, counters: list[int]) -> None:
        answer = _enrol(central, "counter", "demo counter (caller)", counters)
        self.client = CounterClient(CentralClient(central.url, answer["token"], timeout=10))

    def call(self, counter: int) -> dict | None:
        """Finish what the counter serves, then call its next ticket (None: nobody waits)."""
        try:
            self.client.complete(counter)
        except Exception:
            pass  # nothing served at that counter
        return self.client.call_next(counter)


def start_demo_calls(central, config: Config, data_dir: Path, every_s: float = 8.0):
    """`kiosk demo --role display`: counters call a waiting ticket every few seconds (a thread);
    returns a function that stops it."""
    stop = threading.Event()
    counters = [c.number for c in config.counters]

    def run() -> None:
        caller = DemoCaller(central, counters)
        for counter in itertools.cycle(counters):
            if stop.wait(every_s):
                return
            try:
                if caller.call(counter) is None:
                    seed_waiting_tickets(central, config, data_dir, list(
                        next(c for c in config.counters if c.number == counter).services))
            except Exception as exc:
                log.info("demo call failed: %s", exc)

    threading.Thread(target=run, name="demo-calls", daemon=True).start()
    return stop.set


def seed_counter(central: Any, config: Config, data_dir: Path) -> None:
    """Waiting tickets in the services of the counters this device runs."""
    mine = sorted({s for c in config.counters if c.number in (config.counter.counters or [c.number])
                   for s in c.services})
    seed_waiting_tickets(central, config, data_dir, mine)


class DemoHarness:
    """`kiosk demo` in a window: the demo's central gets waiting tickets (counter, display), and
    for a hall display, counters that call them every few seconds. Its central sends Zalo messages
    to a gateway simulator, so the lobby asks for a phone number (docs/notify.md)."""
    embedded_central = True
    notify_channel: str | None = "zalo"

    def __init__(self, role: str) -> None:
        self.role = role

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        return config, None

    def setup(self, parts: Any) -> None:
        central, config, data_dir = parts.central, parts.config, parts.data_dir
        if central is None:
            return
        if self.role == "counter":
            seed_counter(central, config, data_dir)
        elif self.role == "display":
            seed_waiting_tickets(central, config, data_dir, [s.code for s in config.services
                                                             if config.counters_for(s.code)])
            stop: Callable[[], None] = start_demo_calls(central, config, data_dir)
            parts.stack.callback(stop)

    def attach(self, app: Any, out_dir: Path) -> None:
        return None

    def cleanup(self) -> None:
        pass
