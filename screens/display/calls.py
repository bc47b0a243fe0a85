"""Where the hall display's calls come from (no Kivy here): the central's push channel
(GET /api/v1/calls/stream, server-sent events), resumed from the last event after a reconnect;
when the stream cannot be opened, GET /api/v1/calls polled with `since` until it can again.
Each call names its counter; a recall comes back as a new call (and is announced again). Polls
overlap by a few seconds and calls are de-duplicated, so a call committed while a poll was
running is never missed. A failed poll keeps what is shown; calls made during an outage are
reported when the central answers again (the app speaks only the newest ones).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.contract.config import Config
from kiosk.counter.announce import CALL_MESSAGE, call_announcement
from kiosk.i18n import N_, Translator
from kiosk.spoken import number_to_words, ticket_number_words
from kiosk.sync.client import CentralRejected
from kiosk.sync.sse import SseEvent

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


StreamCalls = Callable[[str | None, Callable[[Any], None]], Iterator[SseEvent]]


class CallsPoller:
    """Follows the central's calls on its own thread (push, else polling); `on_calls(list[Call])`
    (oldest first) and `on_online(bool)` are called on that thread.

    stream_calls(last_event_id, on_open) opens the push channel (kiosk.sync.sse.stream); None:
    polling only."""

    OVERLAP_S = 10.0
    STREAM_RETRY_S = (2.0, 30.0)   # first and longest wait before the push channel is tried again
    NO_STREAM_RETRY_S = 300.0      # the central has no push channel (an older one): poll, ask rarely

    def __init__(self, fetch_calls: Callable[[str | None], dict], config: Config, translator: Translator, *,
                 on_calls: Callable[[list[Call]], None], on_online: Callable[[bool], None],
                 interval_s: float = 2.0, language: str | None = None,
                 stream_calls: StreamCalls | None = None) -> None:
        self.fetch_calls = fetch_calls
        self.stream_calls = stream_calls
        self.pushed = 0                     # calls received through the push channel
        self.streaming = False
        self._last_id: str | None = None
        self._stream_failures = 0
        self._stream_retry_at = 0.0
        self._response: Any = None
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
        self.interrupt()
        if self._thread is not None:
            self._thread.join(5)

    def interrupt(self) -> None:
        """Closes the open push stream (the poller falls back to polling, then reconnects)."""
        response = self._response
        if response is not None:
            try:
                response.close()  # wakes the reader blocked between two events
            except Exception:  # noqa: BLE001 - already closed
                pass

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.stream_calls is not None and time.monotonic() >= self._stream_retry_at:
                try:
                    self.follow_stream()
                    continue  # the stream ended (the central restarted): resume at once
                except CentralRejected as exc:
                    log.info("display: no push channel (%s); polling", exc)
                    self._stream_retry_at = time.monotonic() + self.NO_STREAM_RETRY_S
                except Exception as exc:  # CentralUnavailable, or a bug in one event
                    self._stream_failures += 1
                    first, cap = self.STREAM_RETRY_S
                    wait = min(cap, first * 2 ** (self._stream_failures - 1))
                    log.info("display: push channel lost (%s); polling, retry in %.0f s", exc, wait)
                    self._stream_retry_at = time.monotonic() + wait
                finally:
                    self.streaming, self._response = False, None
                if self._stop.is_set():
                    return
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

    def _opened(self, response: Any) -> None:
        self._response = response
        if self._stop.is_set():
            response.close()

    def follow_stream(self) -> None:
        """Reads the push channel until it ends; raises when it cannot be opened or breaks."""
        assert self.stream_calls is not None
        overlap = dt.timedelta(seconds=self.OVERLAP_S)  # after polling: what a poll may have missed
        resume = self._last_id or ((self._since - overlap).isoformat() if self._since else None)
        for ev in self.stream_calls(resume, self._opened):
            if self._stop.is_set():
                return
            if ev.event == "hello" and isinstance(ev.data, dict):
                self.streaming, self._stream_failures = True, 0
                self._set_online(True)
                server_time = dt.datetime.fromisoformat(ev.data["server_time"])
                baseline = self._since is None
                calls = self._accept(list(ev.data.get("calls") or []), baseline, server_time)
                self._since = self._since or server_time
            elif ev.event == "call" and isinstance(ev.data, dict):
                self._last_id = ev.id or self._last_id
                at = dt.datetime.fromisoformat(str(ev.data["called_at"]))
                calls = self._accept([ev.data], False, at)
                self._since = max(self._since, at) if self._since else at
                self.pushed += len(calls)
            else:
                continue
            if calls:
                self.on_calls(calls)

    def _accept(self, entries: list[dict], baseline: bool, server_time: dt.datetime) -> list[Call]:
        """The entries not seen before, as calls (none when baseline: shown before this display started)."""
        calls = []
        now = time.time()
        for e in entries:
            if not (e.get("display_number") and e.get("counter")):
                continue
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
        return self._accept(entries, baseline, server_time)
