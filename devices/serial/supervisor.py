"""One thread per port: open, read, decode, deliver; on failure close, back off, reopen.

pyserial's serial.threaded has no reconnect and its reader dies on a callback exception;
this supervisor is the missing part. Health goes out as HealthReport(device="panel:<name>").
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Generic, Protocol, TypeVar

from kiosk.health import HealthReporter
from kiosk.ports import HealthSink, HealthState, PanelPress

log = logging.getLogger(__name__)

PressSink = Callable[[PanelPress], None]
T = TypeVar("T")            # what a link delivers: PanelPress (panels), Scan (the scanner)

# What a link may raise when the port is gone or unusable: SerialException is an IOError
# subclass, pymodbus ConnectionException is a ModbusException; links convert theirs to these.
LINK_ERRORS: tuple[type[BaseException], ...] = (OSError, ConnectionError, ValueError)


class Link(Protocol[T]):
    """A port plus its protocol. Called from the supervisor thread only."""

    @property
    def description(self) -> str: ...
    def open(self) -> None: ...
    def poll(self) -> list[T]:
        """Wait briefly (<= ~0.1 s) for input; raise on a dead port."""
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Capped exponential delay between reopen attempts."""
    initial: float = 0.2
    maximum: float = 5.0
    factor: float = 2.0
    stable_after: float = 10.0  # up this long -> next failure starts again from `initial`

    def delay(self, failures: int) -> float:
        return min(self.maximum, self.initial * self.factor ** max(0, failures - 1))


class PanelSupervisor(Generic[T]):
    def __init__(self, name: str, link: Link[T], on_press: Callable[[T], None], *,
                 health: HealthSink | None = None, backoff: Backoff = Backoff(),
                 send_queue: int = 64, suspicious_every_s: float = 5.0) -> None:
        self.name = name
        self.link = link
        self.on_press = on_press
        self.backoff = backoff
        self.stats: Counter[str] = Counter()
        self.last_error = ""
        self._outbox: queue.Queue[bytes] = queue.Queue(maxsize=send_queue)
        self._stop = threading.Event()
        self._up = threading.Event()
        self._thread: threading.Thread | None = None
        # transitions only: a port that stays down would otherwise report every back-off
        self._report = HealthReporter(self.device, health, repeats="drop_same_state", max_detail=None)
        # while up: the count of suspicious frames in the detail, at most every suspicious_every_s
        self._detail = HealthReporter(self.device, health, repeats="drop", max_detail=None)
        self.suspicious_every_s = suspicious_every_s
        self._suspicious_told = 0
        self._suspicious_at = float("-inf")

    @property
    def device(self) -> str:
        return f"panel:{self.name}"

    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    def wait_up(self, timeout: float) -> bool:
        return self._up.wait(timeout)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name=f"panel-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("panel %s: supervisor did not stop within %.1fs", self.name, timeout)

    def send(self, data: bytes) -> bool:
        """Queue a host -> device frame. False if the port is down or the queue is full:
        commands are not kept across an unplug (a stale "start rating" is worse than none)."""
        if not self._up.is_set() or not getattr(self.link, "writable", True):
            self.stats["send_dropped"] += 1
            return False
        try:
            self._outbox.put_nowait(bytes(data))
            return True
        except queue.Full:
            self.stats["send_dropped"] += 1
            return False

    # -- supervisor thread -------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            opened_at = time.monotonic()
            try:
                self.link.open()
                self.stats["opens"] += 1
                self._up.set()
                self._report(HealthState.OK, self._open_detail())
                self._serve()
                return  # stop requested
            except LINK_ERRORS as exc:
                self._up.clear()
                self.link.close()
                self._drain_outbox()
                if time.monotonic() - opened_at >= self.backoff.stable_after:
                    failures = 0
                failures += 1
                self.stats["failures"] += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._report(HealthState.FAILED, self.last_error[:200])
                delay = self.backoff.delay(failures)
                log.warning("panel %s: %s; reopening in %.2fs", self.name, self.last_error, delay)
                self._stop.wait(delay)
            except Exception as exc:  # a bug in a link must not silently kill the port either
                self._up.clear()
                self.link.close()
                self._drain_outbox()
                failures += 1
                self.stats["failures"] += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("panel %s: unexpected error", self.name)
                self._report(HealthState.FAILED, self.last_error[:200])
                self._stop.wait(self.backoff.delay(failures))
        self._up.clear()
        self.link.close()

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                self._flush_outbox()
                for press in self.link.poll():
                    self._deliver(press)
                self._tell_suspicious()
        finally:
            if self._stop.is_set():
                self._up.clear()
                self.link.close()

    def _suspicious(self) -> int:
        return int(getattr(self.link, "suspicious_frames", 0))

    def _open_detail(self) -> str:
        n = self._suspicious()
        return f"open {self.link.description}" + (f"; suspicious frames: {n}" if n else "")

    def _tell_suspicious(self) -> None:
        """Frames that passed the checksum but made no sense: counted in the health detail."""
        n = self._suspicious()
        now = time.monotonic()
        if n != self._suspicious_told and now - self._suspicious_at >= self.suspicious_every_s:
            self._suspicious_told, self._suspicious_at = n, now
            self.stats["suspicious_frames"] = n
            self._detail(HealthState.OK, self._open_detail())

    def _flush_outbox(self) -> None:
        while True:
            try:
                data = self._outbox.get_nowait()
            except queue.Empty:
                return
            self.link.write(data)
            self.stats["frames_sent"] += 1

    def _drain_outbox(self) -> None:
        while True:
            try:
                self._outbox.get_nowait()
                self.stats["send_dropped"] += 1
            except queue.Empty:
                return

    def _deliver(self, press: T) -> None:
        self.stats["presses"] += 1
        try:
            self.on_press(press)
        except Exception:  # the app's bug must not unplug the counter
            self.stats["callback_errors"] += 1
            log.exception("panel %s: press callback failed for %r", self.name, press)
