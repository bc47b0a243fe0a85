"""Where the hall display's calls come from (no Kivy here).

The central has no "recent calls" endpoint (central/api.py: GET /queue gives waiting tickets
only, GET /queue/summary counts). So the display polls GET /api/v1/queue for every service some
counter serves and reports a ticket that LEFT the waiting lists as called. Limits (docs/counter.md,
"Hall display"):

* the counter is not in the answer: it is the counter that serves the ticket's service when only
  one does; otherwise every counter that serves it ("counter 1 or 2");
* a recall is invisible (the ticket was not waiting); a transfer between two services' polls of
  one pass can look like a call (the ticket is missing from both): rare, and shown once;
* calls appear up to one poll interval late.

A poll that fails keeps the last snapshot: nothing is announced twice or lost when the central
comes back (tickets called meanwhile are shown, only the newest ones spoken).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.config import Config
from kiosk.counter.announce import CALL_MESSAGE, call_announcement
from kiosk.i18n import N_, Translator
from kiosk.spoken import number_to_words, ticket_number_words

log = logging.getLogger(__name__)

OR = N_("{first} or {second}")


@dataclass(frozen=True)
class Call:
    ticket_id: str
    display_number: str
    service_code: str
    counters: tuple[int, ...]
    text: str      # "Mời công dân có số A023 đến quầy số 3."
    spoken: str    # "Mời công dân có số A hai mươi ba đến quầy số ba."
    language: str
    seen_at: float  # time.time()


def counters_by_service(config: Config) -> dict[str, tuple[int, ...]]:
    return {s.code: tuple(sorted(c.number for c in config.counters_for(s.code))) for s in config.services
            if config.counters_for(s.code)}


def announce(translator: Translator, display_number: str, counters: tuple[int, ...], language: str) -> tuple[str, str]:
    """(screen text, spoken text); several possible counters are read as "1 or 2"."""
    if len(counters) == 1:
        a = call_announcement(translator, display_number, counters[0], language)
        return a.text, a.spoken
    template = translator.gettext(CALL_MESSAGE, language)
    either = translator.gettext(OR, language)

    def join(items: list[str]) -> str:
        return either.format(first=", ".join(items[:-1]), second=items[-1])
    text = template.format(number=display_number, counter=join([str(c) for c in counters]))
    try:
        number_words = ticket_number_words(display_number, language)
    except ValueError:
        number_words = display_number
    spoken = template.format(number=number_words, counter=join([number_to_words(c, language) for c in counters]))
    return text, spoken


class CallsPoller:
    """Polls the central's queues on its own thread; `on_calls(list[Call])` (oldest first) and
    `on_online(bool)` are called on that thread."""

    def __init__(self, fetch_queue: Callable[[str], dict], config: Config, translator: Translator, *,
                 on_calls: Callable[[list[Call]], None], on_online: Callable[[bool], None],
                 interval_s: float = 2.0, language: str | None = None) -> None:
        self.fetch_queue = fetch_queue
        self.translator = translator
        self.language = language or config.device.language
        self.on_calls = on_calls
        self.on_online = on_online
        self.interval_s = interval_s
        self.counters = counters_by_service(config)
        self.online: bool | None = None
        self.polls = 0
        self._previous: dict[str, tuple[int, str, str]] | None = None  # id -> (position, number, service)
        self._day: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="display-calls", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                calls = self.poll_once()
                if calls:
                    self.on_calls(calls)
            except Exception:  # the display must outlive any bug in one pass
                log.exception("display poll failed")
            self._stop.wait(self.interval_s)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.on_online(online)

    def poll_once(self) -> list[Call]:
        """One pass over every served service; the calls seen since the last good pass."""
        snapshot: dict[str, tuple[int, str, str]] = {}
        day = None
        position = 0
        try:
            for code in self.counters:
                body = self.fetch_queue(code)
                day = body.get("day", day)
                for t in body.get("waiting", []):
                    position += 1
                    if t.get("ticket_id") and t.get("display_number"):
                        snapshot[str(t["ticket_id"])] = (position, str(t["display_number"]), code)
        except Exception as exc:  # CentralUnavailable, CentralRejected, a malformed answer
            log.info("display: central not reachable: %s", exc)
            self._set_online(False)
            return []
        self._set_online(True)
        self.polls += 1
        previous, self._previous = self._previous, snapshot
        if previous is None or day != self._day:  # first pass, or a new day: only a baseline
            self._day = day
            return []
        gone = sorted(((k, v) for k, v in previous.items() if k not in snapshot), key=lambda kv: kv[1][0])
        now = time.time()
        calls = []
        for ticket_id, (_pos, number, code) in gone:
            counters = self.counters.get(code, ())
            text, spoken = announce(self.translator, number, counters, self.language)
            calls.append(Call(ticket_id, number, code, counters, text, spoken, self.language, now))
        return calls
