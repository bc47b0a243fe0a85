"""A network ESC/POS printer simulator: records what it receives and answers DLE EOT status
queries like an Epson TM printer, in a chosen state (ok / low / out / cover_open / silent).

For tests and for technicians without a printer: point a kiosk at it with kind "network".
"""
from __future__ import annotations

import enum
import socket
import socketserver
import threading
import time
from pathlib import Path
from typing import Callable

from .stream import DecodedJob, JobCollector, StreamReader, job_image

MAX_RECORDED = 32 * 1024 * 1024  # bytes kept in `received`


class SimState(str, enum.Enum):
    OK = "ok"
    LOW = "low"                # near-end sensor on
    OUT = "out"                # roll end: offline, stopped at paper end
    COVER_OPEN = "cover_open"  # offline, paper fine
    SILENT = "silent"          # accepts data, never answers (like a printer with status off)


def status_byte(state: SimState, n: int) -> int | None:
    """Answer to DLE EOT n (Epson TM bit layout: bits 1 and 4 always set)."""
    if state is SimState.SILENT:
        return None
    offline = state in (SimState.OUT, SimState.COVER_OPEN)
    if n == 1:    # printer status: bit 3 offline
        return 0x12 | (0x08 if offline else 0)
    if n == 2:    # offline cause: bit 2 cover open, bit 5 stopped at paper end
        return 0x12 | (0x04 if state is SimState.COVER_OPEN else 0) | (0x20 if state is SimState.OUT else 0)
    if n == 3:    # error status: none
        return 0x12
    if n == 4:    # paper sensors: bits 2-3 near end, bits 5-6 roll end
        return 0x12 | {SimState.LOW: 0x0C, SimState.OUT: 0x6C}.get(state, 0)
    return None


class PrinterSimulator:
    """TCP printer on host:port (port 0 = any free port). Use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: SimState | str = SimState.OK, *,
                 save_dir: str | Path | None = None,
                 on_job: Callable[[DecodedJob], None] | None = None) -> None:
        self.state = SimState(state)
        self.save_dir = Path(save_dir) if save_dir else None
        self.on_job = on_job
        self.jobs: list[DecodedJob] = []
        self.queries: list[int] = []         # n of every DLE EOT n received
        self.connections = 0
        self._received = bytearray()
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler)
        self._server.sim = self
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def start(self) -> "PrinterSimulator":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="printer-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=2)

    def __enter__(self) -> "PrinterSimulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, condition: Callable[["PrinterSimulator"], bool], timeout: float = 5.0) -> bool:
        """Poll until condition(self) holds; True if it did within timeout (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self):
                return True
            time.sleep(0.01)
        return condition(self)

    # called from connection threads
    def _record(self, data: bytes) -> None:
        with self._lock:
            self._received += data
            if len(self._received) > MAX_RECORDED:  # a simulator left running for days
                del self._received[:len(self._received) - MAX_RECORDED]

    def _job_done(self, job: DecodedJob) -> None:
        with self._lock:
            self.jobs.append(job)
            number = len(self.jobs)
        if self.save_dir and (job.images or job.qr_payloads):
            self.save_dir.mkdir(parents=True, exist_ok=True)
            job_image(job).save(self.save_dir / f"job-{number:04d}.png")
        if self.on_job:
            self.on_job(job)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    sim: PrinterSimulator

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.open_sockets: set[socket.socket] = set()

    def close_all(self) -> None:
        for s in list(self.open_sockets):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sim, sock = self.server.sim, self.request
        self.server.open_sockets.add(sock)
        sim.connections += 1
        reader, collector = StreamReader(), JobCollector()
        try:
            while data := sock.recv(65536):
                sim._record(data)
                for cmd in reader.feed(data):
                    if cmd.kind == "status_query":
                        sim.queries.append(cmd.raw[2])
                        answer = status_byte(sim.state, cmd.raw[2])
                        if answer is not None:
                            sock.sendall(bytes((answer,)))
                    elif (job := collector.add(cmd)) is not None:
                        sim._job_done(job)
        except OSError:
            pass  # client went away
        finally:
            self.server.open_sockets.discard(sock)
            if (job := collector.flush()) is not None:
                sim._job_done(job)


def run_printer_simulator(host: str = "127.0.0.1", port: int = 9100, state: SimState | str = "ok",
                          save_dir: str | Path | None = None) -> None:
    """Run in the foreground until Ctrl-C, printing one line per job (for `kiosk simulate printer`)."""
    def report(job: DecodedJob) -> None:
        sizes = ", ".join(f"{im.width}x{im.height}" for im in job.images) or "none"
        qr = "; ".join(job.qr_payloads) or "none"
        print(f"job: {job.nbytes} bytes, images {sizes}, QR {qr}, {'cut' if job.cut else 'no cut'}", flush=True)

    sim = PrinterSimulator(host, port, state, save_dir=save_dir, on_job=report)
    sim.start()
    where = f", saving job PNGs to {sim.save_dir}" if sim.save_dir else ""
    print(f"printer simulator on {sim.host}:{sim.port}, state {sim.state.value}{where}; Ctrl-C to stop",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        print(f"stopped after {len(sim.jobs)} job(s), {len(sim.received)} bytes", flush=True)
