"""The citizen's private rating terminal (`rating` role, issue 15): a small screen facing the
citizen, bound to one counter. It learns from the central that the counter just served a ticket
(GET /api/v1/counters/{n}/rating-request) and opens the rating request on its own
CounterService, so the rating follows the counter's rules (kiosk/counter/rating.py: window,
debounce, one per ticket, the reason and its timeout) and is stored and sent by this device
(rating.recorded / rating.reason; the central accepts them from the device bound to the counter).
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from kiosk.counter.client import CounterClient
from kiosk.counter.rating import ServedTicket
from kiosk.counter.service import CounterService

log = logging.getLogger(__name__)


class RatingTerminal:
    def __init__(self, service: CounterService, client: CounterClient, counter: int, *, poll_s: float = 1.0) -> None:
        self.service, self.client, self.counter, self.poll_s = service, client, counter, poll_s
        self.polls = 0
        self._seen: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> bool:
        """Ask the central once; True when a new rating request was opened."""
        self.polls += 1
        t: dict[str, Any] | None = self.client.rating_request(self.counter, self.service.rules.window_s)
        if t is None or str(t.get("ticket_id")) in self._seen:
            return False
        ticket_id = str(t["ticket_id"])
        self._seen.add(ticket_id)
        self.service.notify("served", {"counter": self.counter, "ticket_id": ticket_id,
                                       "display_number": str(t.get("display_number") or "")})
        return self.service.request_rating(ServedTicket(ticket_id, self.counter, t.get("officer"), None,
                                                        t.get("service_code")))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rating-terminal", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll_once()
            except Exception as exc:  # offline is normal: the next poll tries again
                log.debug("rating request poll failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
