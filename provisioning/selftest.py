"""Device self-tests with a plain pass/fail and a reason a technician can act on.
Used by `kiosk provision test ...` and by the technician screens."""
from __future__ import annotations

import datetime as dt
import email.utils
import shutil
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.contract.config import Config, PanelSettings
from kiosk.ports import HealthReport, PanelPress, TicketPrinter, TicketPrintout

MIN_FREE_DISK = 500 * 1024 * 1024
MAX_CLOCK_SKEW_S = 60


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str
    data: dict = field(default_factory=dict)

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def _ignore(_: HealthReport) -> None:
    pass


def check_printer(config: Config, data_dir: Path, printer: TicketPrinter | None = None) -> CheckResult:
    """Prints a test ticket. `printer`: the app's own, already open (its port cannot be opened
    twice); it is left open. Without it a printer is built from the config and closed after."""
    own = printer is None
    if printer is None:
        from devices.factory import build_printer
        printer = build_printer(config, data_dir, _ignore)
    try:
        status = printer.status()
        result = printer.print_ticket(TicketPrintout(
            header=config.centre.name, number="TEST", service="Kiểm tra máy in / Printer test",
            lines=(f"{config.device.id}", dt.datetime.now().strftime("%H:%M:%S %d/%m/%Y")),
            qr_payload="KMC1:TEST", footer="Nếu đọc được dòng này, máy in hoạt động tốt."))
    finally:
        if own:
            printer.close()
    detail = f"printed ({result.status.value})" if result.ok else f"not printed: {result.message}"
    return CheckResult("printer", result.ok, f"{detail}; status before printing: {status.value}",
                      {"status": status.value, "message": result.message})


def check_speech(config: Config, data_dir: Path) -> CheckResult:
    from devices.speech.engine import EspeakEngine, SpeechError
    engine = EspeakEngine(voice=config.speech.voice_vi, rate=config.speech.rate, english_voice=config.speech.voice_en)
    sentence = "Xin chào. Đây là câu kiểm tra loa của ki-ốt."
    out = data_dir / "selftest-speech.wav"
    try:
        engine.check()
        engine.synthesize(sentence, out, "vi")
    except SpeechError as exc:
        return CheckResult("speech", False, str(exc))
    with wave.open(str(out)) as w:
        seconds = w.getnframes() / w.getframerate()
    played, why = engine.audio_available(), "check the speaker/ALSA"
    if played:
        try:
            engine.play_wav(out)
        except SpeechError as exc:
            played, why = False, str(exc)
    detail = f"{seconds:.1f} s of speech written to {out}; " + ("played on the speaker" if played
                                                               else f"NO audio output: {why}")
    # A kiosk set to speak aloud that cannot is a failure; one set to write files ("file", "null")
    # passes on the synthesis alone.
    ok = seconds > 0.5 and (played or config.speech.mode in ("file", "null"))
    return CheckResult("speech", ok, detail, {"seconds": round(seconds, 2), "played": played})


def check_panel(config: Config, name: str | None, presses: int = 1, timeout: float = 30.0,
                on_ready: Callable[[PanelSettings], None] | None = None) -> CheckResult:
    """Waits for `presses` button presses on a configured panel port and lists them.
    `on_ready(panel)` is called once the port is open: presses before it are lost."""
    from devices.serial import open_panel
    panels = config.counter.panels
    panel = next((p for p in panels if name in (None, p.name)), None)
    if panel is None:
        return CheckResult("panel", False, f"no panel {name or ''} in the config ([[counter.panels]])")
    got: list[PanelPress] = []
    done = threading.Event()

    def on_press(press: PanelPress) -> None:
        got.append(press)
        if len(got) >= presses:
            done.set()

    deadline = time.monotonic() + timeout
    supervisor = open_panel(panel.name, panel.port, panel.protocol, on_press, baudrate=panel.baudrate)
    try:
        if on_ready is not None and supervisor.wait_up(timeout):
            on_ready(panel)
        done.wait(max(0.0, deadline - time.monotonic()))
    finally:
        supervisor.stop()
    keys = [f"addr {p.address} key {p.key}" if p.address is not None else f"key {p.key}" for p in got]
    ok = len(got) >= presses
    return CheckResult("panel", ok, (f"{len(got)} press(es): " + ", ".join(keys)) if got else
                      f"no press within {timeout:.0f} s on {panel.port} ({panel.protocol})",
                      {"presses": [(p.address, p.key) for p in got]})


def check_scanner(config: Config, timeout: float = 30.0) -> CheckResult:
    """Waits for one scan on the configured scanner. Only the code's length is reported: the code
    may be a citizen's ID card QR."""
    from devices.scanner import Scan, open_scanner
    codes: list[bytes] = []
    done = threading.Event()

    def on_scan(scan: Scan) -> None:
        codes.append(scan.data)
        done.set()

    try:
        scanner = open_scanner(config.scanner, on_scan, name="selftest")
    except (ImportError, OSError, ValueError) as exc:  # evdev kind without the evdev package, ...
        return CheckResult("scanner", False, f"scanner not usable: {exc}")
    if scanner is None:
        return CheckResult("scanner", False, "no scanner configured ([scanner] kind)")
    try:
        done.wait(timeout)
    finally:
        scanner.stop()
    if not codes:
        why = f"; port not opened: {scanner.last_error}" if scanner.last_error and not scanner.stats["opens"] else ""
        return CheckResult("scanner", False, f"no code scanned within {timeout:.0f} s on {config.scanner.port}{why}")
    length = len(codes[0].decode("utf-8", "replace"))
    return CheckResult("scanner", True, f"read a code of {length} characters", {"length": length})


def check_central(config: Config) -> CheckResult:
    import requests
    c = config.central
    if not c.url:
        return CheckResult("central", False, "no central configured: enrol with `kiosk provision enrol`")
    verify = c.ca_file or True
    try:
        health = requests.get(f"{c.url}/healthz", timeout=c.timeout_s, verify=verify)
        auth = requests.get(f"{c.url}/api/v1/config", timeout=c.timeout_s, verify=verify,
                            headers={"Authorization": f"Bearer {c.token}"} if c.token else {})
    except requests.exceptions.SSLError:
        return CheckResult("central", False, "TLS certificate not trusted: check central.ca_file")
    except requests.RequestException as exc:
        return CheckResult("central", False, f"cannot reach {c.url}: {type(exc).__name__}")
    skew = None
    if health.headers.get("Date"):
        server = email.utils.parsedate_to_datetime(health.headers["Date"])
        skew = (dt.datetime.now(dt.timezone.utc) - server).total_seconds()
    if auth.status_code in (401, 403):
        return CheckResult("central", False, f"reached, but this device is not authorised (HTTP {auth.status_code}): "
                                            "re-enrol", {"skew_s": skew})
    ok = health.ok and auth.status_code in (200, 304)
    return CheckResult("central", ok, f"reached {c.url}, authorised" if ok else f"HTTP {auth.status_code}",
                      {"skew_s": skew})


def check_disk(data_dir: Path) -> CheckResult:
    probe = data_dir if data_dir.exists() else Path(tempfile.gettempdir())
    free = shutil.disk_usage(probe).free
    return CheckResult("disk", free >= MIN_FREE_DISK, f"{free / 2**30:.1f} GiB free in {probe}", {"free_bytes": free})


def check_clock(config: Config) -> CheckResult:
    now = dt.datetime.now(dt.timezone.utc)
    if now.year < 2024:
        return CheckResult("clock", False, f"the clock says {now:%Y-%m-%d}: set the time (NTP)")
    central = check_central(config) if config.central.url else None
    skew = central.data.get("skew_s") if central else None
    if skew is None:
        return CheckResult("clock", True, f"{now:%Y-%m-%d %H:%M:%S} UTC (not compared: central not reached)")
    ok = abs(skew) <= MAX_CLOCK_SKEW_S
    return CheckResult("clock", ok, f"{skew:+.1f} s from the central's clock" + ("" if ok else ": enable NTP"),
                      {"skew_s": skew})


def run_all(config: Config, data_dir: Path) -> list[CheckResult]:
    results = [check_disk(data_dir), check_clock(config), check_central(config), check_speech(config, data_dir)]
    if config.printer.kind != "none":
        results.append(check_printer(config, data_dir))
    return results

