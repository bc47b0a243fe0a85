"""Device-side simulators for tests, benchmarks and bench-top checks without hardware.

Open the *other* end of a pty pair (socat) from the one the kiosk reads:
    socat -d -d pty,raw,echo=0,link=/tmp/panel-dev pty,raw,echo=0,link=/tmp/panel-host
"""
from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections import deque
from typing import Any, Iterable, Sequence

import serial

from . import ft12, registry

log = logging.getLogger(__name__)


class PanelSimulator:
    """A rating evaluator / caller keypad (or a whole ft12 bus of them) on one port.

    For ft12 a reader thread acknowledges host commands (start rating, digits, beep) addressed
    to one of `addresses`, like real devices do, and keeps them in `received` (bounded).
    """

    def __init__(self, port: str, protocol: str = "ft12", *, addresses: Sequence[int] = (0x81,),
                 baudrate: int = 9600, answer: bool = True, seed: int | None = None) -> None:
        encode_key = registry.get(protocol).encode_key
        if encode_key is None:
            raise ValueError(f"stream protocol must be one of {registry.stream_names()}")
        self._encode_key = encode_key
        self.port = port
        self.protocol = protocol
        self.addresses = tuple(addresses)
        self.baudrate = baudrate
        self.answer = answer and protocol == "ft12"
        self.rng = random.Random(seed)
        self.received: deque[ft12.Frame] = deque(maxlen=256)
        self.sent_frames = 0
        self._serial: serial.Serial | None = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None

    def __enter__(self) -> "PanelSimulator":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        self._serial = serial.Serial(self.port, baudrate=self.baudrate, timeout=0.05, write_timeout=5)
        self._stop.clear()
        if self.answer:
            self._reader = threading.Thread(target=self._answer_loop, name="panel-sim", daemon=True)
            self._reader.start()

    def close(self) -> None:
        self._stop.set()
        if self._reader is not None:
            self._reader.join(2)
            self._reader = None
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def frame_for(self, key: int, address: int | None = None) -> bytes:
        return self._encode_key(self.addresses[0] if address is None else address, key)

    def garbage(self, max_len: int = 8) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, max_len)))

    def write(self, data: bytes) -> None:
        if self._serial is None:
            raise serial.SerialException("simulator port not open")
        with self._write_lock:
            self._serial.write(data)
            self._serial.flush()

    def press(self, key: int, address: int | None = None, *, garbage: bool = False) -> bytes:
        """Send one key press (optionally preceded by line noise); returns the bytes sent."""
        data = (self.garbage() if garbage else b"") + self.frame_for(key, address)
        self.write(data)
        self.sent_frames += 1
        return data

    def run(self, keys: Iterable[int], *, interval: float = 0.5, garbage: bool = False,
            address: int | None = None) -> int:
        sent = 0
        for key in keys:
            if self._stop.is_set():
                break
            self.press(key, address, garbage=garbage)
            sent += 1
            self._stop.wait(interval)
        return sent

    def _answer_loop(self) -> None:
        decoder = ft12.Ft12Decoder()
        while not self._stop.is_set():
            try:
                data = self._serial.read(64) if self._serial else b""
            except (OSError, serial.SerialException) as exc:
                log.warning("panel simulator: read failed: %s", exc)
                return
            for frame in decoder.feed(data):
                self.received.append(frame)
                if frame.address in self.addresses and frame.func not in (ft12.FUNC_ACK, ft12.FUNC_KEY):
                    try:
                        self.write(ft12.encode_ack(frame.address, frame.func))
                    except (OSError, serial.SerialException):
                        return


class ModbusPanelSimulator:
    """Modbus RTU digital-input modules (pymodbus's own server) whose inputs a test toggles.

    `units` maps device id -> number of inputs. Ids not listed do not answer, like an empty
    address on a real RS-485 bus.
    """

    def __init__(self, port: str, units: dict[int, int] | None = None, *, baudrate: int = 9600) -> None:
        from pymodbus.simulator import DataType, SimData, SimDevice  # heavy import, only here

        self.port = port
        self.baudrate = baudrate
        self.units = dict(units or {1: 8})
        self._lock = threading.Lock()
        self._inputs = {uid: [False] * n for uid, n in self.units.items()}
        self._devices = []
        for uid, n in self.units.items():
            padded = (n + 15) // 16 * 16
            bits = [SimData(0, count=padded, values=False, datatype=DataType.BITS)]
            regs = [SimData(0, count=1, values=0, datatype=DataType.REGISTERS)]
            self._devices.append(SimDevice(id=uid, simdata=(list(bits), bits, regs, list(regs)),
                                           action=self._action_for(uid)))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None  # a pymodbus ModbusSerialServer once serving (imported late)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None

    def _action_for(self, uid: int):
        from pymodbus.simulator.simutils import SimUtils

        async def action(func_code, start_address, address, count, registers, values):
            # Serve discrete-input reads from our state: the test thread owns the truth.
            if func_code == 2:
                with self._lock:
                    bits = list(self._inputs[uid])
                bits += [False] * (-len(bits) % 16)
                for i, reg in enumerate(SimUtils.bitsToRegisters(bits)):
                    registers[i] = reg
            return None
        return action

    def __enter__(self) -> "ModbusPanelSimulator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 5.0) -> None:
        self._thread = threading.Thread(target=self._serve, name="modbus-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("Modbus simulator did not start")
        if self.error is not None:
            raise RuntimeError(f"Modbus simulator failed: {self.error}")

    def _serve(self) -> None:
        from pymodbus.server import ModbusSerialServer

        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        async def main() -> None:
            self._server = ModbusSerialServer(self._devices, port=self.port, baudrate=self.baudrate,
                                              ignore_missing_devices=True)
            await self._server.serve_forever(background=True)
            self._ready.set()
            await self._server.serving

        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # report to start(), never kill the test process
            self.error = exc
            self._ready.set()
        finally:
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._server is not None and not self._loop.is_closed():
            try:
                asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop).result(2)
            except Exception:
                log.warning("Modbus simulator: shutdown failed", exc_info=True)
        if self._thread is not None:
            self._thread.join(3)
            self._thread = None

    def set_input(self, unit: int, index: int, value: bool) -> None:
        with self._lock:
            self._inputs[unit][index] = value

    def press(self, unit: int, index: int, hold: float = 0.2) -> None:
        """Hold a button down for `hold` seconds (longer than the kiosk's poll interval)."""
        self.set_input(unit, index, True)
        time.sleep(hold)
        self.set_input(unit, index, False)
