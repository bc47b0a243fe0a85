"""Where the hall display's calls come from (no Kivy here): the central's GET /api/v1/calls,
polled with `since` on a thread. Each call names its counter; a recall comes back as a new call
(and is announced again). Polls overlap by a few seconds and calls are de-duplicated, so a call
committed while a poll was running is never missed. A failed poll keeps what is shown; calls
made during an outage are reported when the central answers again (the app speaks only the
newest ones).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from kiosk.contract.config import Config
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
    """Polls the central's calls on its own thread; `on_calls(list[Call])` (oldest first) and
    `on_online(bool)` are called on that thread."""

    OVERLAP_S = 10.0

    def __init__(self, fetch_calls: Callable[[str | None], dict], config: Config, translator: Translator, *,
                 on_calls: Callable[[list[Call]], None], on_online: Callable[[bool], None],
                 interval_s: float = 2.0, language: str | None = None) -> None:
        self.fetch_calls = fetch_calls
        self.translator = translator
        self.language = language or config.device.language
        self.on_calls = on_calls
        self.on_online = on_online
        self.interval_s = interval_s
        self.online: bool | None = None
        self.polls = 0
        self._since: dt.datetime | None = None
        self._seen: dict[tuple[str, str], dt.datetime] = {}  # (ticket, called_at) -> called_at
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
        """The calls made since the last good poll (none on the first: that is the baseline)."""
        since = (self._since - dt.timedelta(seconds=self.OVERLAP_S)).isoformat() if self._since else None
        try:
            body = self.fetch_calls(since)
            server_time = dt.datetime.fromisoformat(body["server_time"])
            entries = [e for e in body.get("calls", []) if e.get("display_number") and e.get("counter")]
        except Exception as exc:  # CentralUnavailable, CentralRejected, a malformed answer
            log.info("display: central not reachable: %s", exc)
            self._set_online(False)
            return []
        self._set_online(True)
        self.polls += 1
        baseline = self._since is None
        self._since = server_time
        calls = []
        now = time.time()
        for e in entries:
            key = (str(e["ticket_id"]), str(e["called_at"]))
            if key in self._seen:
                continue
            self._seen[key] = dt.datetime.fromisoformat(e["called_at"])
            if baseline:
                continue  # called before this display started: not announced again
            counters = (int(e["counter"]),)
            text, spoken = announce(self.translator, str(e["display_number"]), counters, self.language)
            calls.append(Call(str(e["ticket_id"]), str(e["display_number"]), str(e.get("service_code") or ""),
                              counters, text, spoken, self.language, now))
        horizon = server_time - dt.timedelta(seconds=2 * self.OVERLAP_S)
        self._seen = {k: at for k, at in self._seen.items() if at >= horizon}  # bounded
        return calls
