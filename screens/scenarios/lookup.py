"""Headless scenario of the dossier look-up (issue 5).

"dossier-lookup": a serial scanner is configured on a real pty pair; the scenario writes to the
pty's other end like a scanner would. A code scanned on the attract screen shows its dossier;
then a code typed on the on-screen keyboard; then line noise, an over-long line and a hostile
link (a fixed refusal, never the input); then a queue ticket's QR; then the idle timeout clears
the result. Facts for the tests: what each screen showed (every label's text).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from devices.scanner.simulator import ScannerSimulator
from devices.speech.jack import jack_event
from kiosk.contract.dossier import DossierRecord
from kiosk.contract.config import Config
from kiosk.domain.clock import Clock
from kiosk.dossier.view import present
from kiosk.ticketing import ticket_qr_payload
from screens.scenarios.driver import ScenarioDriver
from screens.scenarios.lobby import LobbyScenario

SCANNED_CODE = "H12.30-20261020-0000087"       # Đang xử lý, past its due date: "Trễ hạn"
TYPED_CODE = "000.00.12.H12-261112-0014"       # Đã xử lý xong before the due date: "Trước hạn"
# A scan's answer normally shows within a second (timings: lookup_scanner_ms); on a machine loaded
# several times over its cores the app may draw a frame a second: room, not a measure.
SCAN_WAIT_S = 30.0
HOSTILE = "javascript:alert(document.cookie)//000.00.12.H12-261112-0014"


@dataclass
class ScannerScenario(LobbyScenario):
    """A lobby scenario whose kiosk has a serial scanner on a pty; `scanner` writes the scanner's end.
    Its headphone jack is a FIFO carrying SW_HEADPHONE_INSERT records (`jack` is its path)."""
    pty: dict = field(default_factory=dict)
    jack: str = ""

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        config, clock = super().prepare(config, data_dir)
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self.pty = {"master": master, "slave": slave, "path": os.ttyname(slave)}
        scanner = config.scanner.model_copy(update={"kind": "serial", "port": self.pty["path"], "timeout_s": 0.3})
        self.jack = str(data_dir / "headphone-jack")
        if not os.path.exists(self.jack):
            data_dir.mkdir(parents=True, exist_ok=True)
            os.mkfifo(self.jack)
        speech = config.speech.model_copy(update={"headphone_jack": "evdev", "jack_device": self.jack})
        return config.model_copy(update={"scanner": scanner, "speech": speech}), clock

    def plug(self, plugged: bool) -> None:
        """A headphone plugged in or pulled out, as the kernel's input device reports it."""
        fd = os.open(self.jack, os.O_WRONLY | os.O_NONBLOCK)  # the kiosk holds the reading end
        try:
            os.write(fd, jack_event(plugged))
        finally:
            os.close(fd)

    def simulator(self) -> ScannerSimulator:
        return ScannerSimulator(self.pty["master"], seed=5)


def _record(d: ScenarioDriver, key: str, screen: str) -> None:
    s = d.screen(screen)
    facts = {"screen": screen, "texts": s.texts()}
    for name in ("code", "status_label", "timeliness", "timeliness_label", "applicant", "next_step", "kind",
                 "reason", "title", "message", "number", "detail", "notice"):
        if hasattr(s, name):
            facts[name] = getattr(s, name)
    d.facts[key] = facts


def _pause(d: ScenarioDriver, seconds: float):
    until = time.monotonic() + seconds
    return d.until(lambda: time.monotonic() >= until, seconds + 2, f"{seconds} s", settle=0)


def _dossier_lookup(d: ScenarioDriver) -> Iterator:
    app = d.app
    assert isinstance(d.scenario, ScannerScenario)
    sim = d.scenario.simulator()
    yield from d.started()
    yield d.until(lambda: app.runtime.health.snapshot().get("scanner:lobby") is not None, 5, "the scanner port")
    d.facts["scanner_health"] = app.runtime.health.snapshot()["scanner:lobby"].state.value
    yield from d.screenshot("lookup-attract")

    # 1. A receipt scanned on the attract screen: straight to its dossier.
    d.mark("scan_sent_s")
    sim.scan(SCANNED_CODE, split=3, pause_s=0.005)
    yield d.until(lambda: app.sm.current == "dossier" and d.screen("dossier").code == SCANNED_CODE, SCAN_WAIT_S,
                  "the scanned dossier")
    d.mark("scan_shown_s")
    _record(d, "scanned", "dossier")
    yield from d.screenshot("lookup-scanned")

    # 2. Another dossier typed on the on-screen keyboard.
    d.tap(d.widget("dossier", "another"))
    yield d.on("lookup")
    lookup = d.screen("lookup")
    yield from d.screenshot("lookup-keyboard")
    keyboard = lookup.ids.keyboard
    # Voice mode on the keyboard: a first touch says the key, a second one types it.
    d.tap(app.root.ids.access.ids.voice)
    yield d.until(lambda: app.voice_mode, 3, "voice mode")
    d.tap(keyboard.keys["."])
    yield d.frames(0)
    voice = {"first_touch_text": keyboard.text, "first_touch_said": app.spoken[-1]}
    d.tap(keyboard.keys["."])
    yield d.frames(0)
    voice["second_touch_text"] = keyboard.text
    d.tap(keyboard.ids.delete)
    yield d.frames(0)
    voice["delete_said"], voice["delete_first_text"] = app.spoken[-1], keyboard.text
    d.tap(keyboard.ids.delete)
    yield d.frames(0)
    voice["delete_second_text"] = keyboard.text
    d.tap(d.widget("lookup", "back"))
    yield d.frames(0)
    voice["back_said"], voice["back_screen"] = app.spoken[-1], app.sm.current
    d.tap(app.root.ids.access.ids.voice)       # off again: the keys act at once
    yield d.until(lambda: not app.voice_mode, 3, "voice mode off")
    d.facts["keyboard_voice"] = voice
    for ch in TYPED_CODE[:-1] + "9":             # a typing mistake ...
        d.tap(keyboard.keys[ch])
        yield d.frames(0)
    d.tap(keyboard.ids.delete)                   # ... corrected
    d.tap(keyboard.keys[TYPED_CODE[-1]])
    yield d.until(lambda: keyboard.text == TYPED_CODE, 3, "the typed code")
    yield from d.screenshot("lookup-typed")
    d.mark("search_tapped_s")
    d.tap(d.widget("lookup", "search"))
    yield d.until(lambda: app.sm.current == "dossier" and d.screen("dossier").code == TYPED_CODE, SCAN_WAIT_S,
                  "the typed dossier")
    d.mark("typed_shown_s")
    _record(d, "typed", "dossier")
    yield from d.screenshot("lookup-result")
    d.tap(app.root.ids.access.ids.repeat)        # "Nghe lại": the result again (a WAV file in scenarios)
    d.tap(d.widget("dossier", "print_slip"))     # a status slip on the preview printer
    dossier = d.screen("dossier")
    yield d.until(lambda: dossier.print_state in ("printed", "failed"), 15, "the slip to print")
    d.facts["spoken"] = list(app.spoken)
    d.facts["slip"] = {"state": dossier.print_state, "message": app.lookup.last_slip.message if app.lookup.last_slip else None}
    if app.lookup.last_slip is not None and app.lookup.last_slip.ok:
        shutil.copyfile(app.lookup.last_slip.message, d.out_dir / "slip.png")

    # 3. Line noise, an over-long line, half a code, then a hostile link: one fixed refusal.
    sim.over_long(3000)
    sim.garbage(30, with_end=False)
    yield _pause(d, 0.6)                          # the scanner's partial-code timeout is 0.3 s
    sim.scan(HOSTILE)
    yield d.until(lambda: app.sm.current == "lookup_message", SCAN_WAIT_S, "the refusal")
    _record(d, "refused", "lookup_message")
    d.facts["scanner_stats"] = dict(app_scanner_stats(app))
    yield from d.screenshot("lookup-refused")

    # 4. A queue ticket of this centre scanned at the look-up.
    today = app.now_local().date()
    sim.scan(ticket_qr_payload(app.kiosk_config.centre.code, today.isoformat(), "A012",
                               "5f0c7f4e-8a51-4c57-9f8e-2d4a1c0b9e77"))
    yield d.until(lambda: d.screen("lookup_message").kind == "ticket", SCAN_WAIT_S, "the queue ticket")
    _record(d, "ticket", "lookup_message")
    yield from d.screenshot("lookup-ticket")

    # 4b. A headphone plugged in: voice mode by itself, kept for the next citizen while plugged.
    said_before = len(app.spoken)
    d.scenario.plug(True)
    yield d.until(lambda: app.voice_mode and app.headphones, 5, "voice mode from the jack")
    jack = {"said": app.spoken[said_before]}  # the jack's own words, whatever was said after them
    app.go_home()
    yield d.on("attract")
    jack["after_home"] = app.voice_mode
    said_before = len(app.spoken)
    d.scenario.plug(False)
    yield d.until(lambda: not app.voice_mode, 5, "voice mode off with the headphone out")
    jack["unplugged_said"] = app.spoken[said_before]
    d.facts["jack"] = jack

    # 5. Back to the typed dossier, then nobody touches the screen: it clears itself.
    sim.scan(TYPED_CODE)
    yield d.until(lambda: app.sm.current == "dossier", SCAN_WAIT_S, "the dossier again")
    d.mark("result_shown_s", at=app.screen_shown_at)
    yield d.on("attract", timeout=app.kiosk_config.lobby.dossier_result_s + app.kiosk_config.lobby.more_time_s + 5)
    d.mark("cleared_s", at=app.screen_shown_at)
    d.facts["after_timeout"] = {"screen": app.sm.current, "dossier_texts": d.screen("dossier").texts(),
                                "lookup_text": d.screen("lookup").ids.keyboard.text}
    yield from d.screenshot("lookup-cleared")


def app_scanner_stats(app) -> dict:
    """The scanner supervisor's and framer's counters (garbage, too long, timed-out partials)."""
    sup = app.scanner
    return {} if sup is None else {**sup.stats, **sup.link.framer.stats}



# -- the result screen's layout (issue 15): short and long records, normal and large text ---------
HOSTILE_NOTE = "<script>" + "X" * 120 + "</script> " + "Ghi chú rất dài " * 12


def layout_records(today: dt.date) -> dict[str, DossierRecord]:
    """A short record and a long one: a long procedure name, many history entries, a late
    dossier with a new appointment date, a hostile very long field (records as the central sends them)."""
    day = dt.timedelta(days=1)
    short = {"code": "000.00.12.H12-261112-0014", "procedure_name": "Đăng ký khai sinh", "status": 10,
             "received_date": (today - 3 * day).isoformat(), "due_date": (today - day).isoformat(),
             "finished_date": (today - 2 * day).isoformat(),
             "applicant": {"name": "Nguyễn Văn An", "id_number": "", "phone": "", "address": ""},
             "history": [{"at": f"{(today - 3 * day).isoformat()}T08:05:00+07:00", "status": 2, "note": "Tiếp nhận"}]}
    history = [{"at": f"{(today - (20 - i) * day).isoformat()}T{8 + i % 9:02d}:15:00+07:00",
                "status": (2, 4, 5, 4, 6, 4, 4, 4, 4, 4, 4, 4)[i],
                "note": HOSTILE_NOTE if i == 5 else f"Bước xử lý số {i + 1}: chuyển hồ sơ sang phòng chuyên môn để thẩm định và trình ký"}
               for i in range(12)]
    long = {"code": "G09.20-20261020-0092637", "status": 4,
            "procedure_name": "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
                              "với đất lần đầu cho hộ gia đình, cá nhân đã được cấp Giấy chứng nhận " + "dài " * 20,
            "received_date": (today - 40 * day).isoformat(), "due_date": (today - 10 * day).isoformat(),
            "new_due_date": (today + 7 * day).isoformat(),
            "applicant": {"name": "Tôn Nữ Hoàng Thị Minh Nguyệt Ánh Dương Phương Thảo", "id_number": "",
                          "phone": "", "address": ""},
            "history": history}
    return {"short": DossierRecord.from_json(short), "long": DossierRecord.from_json(long)}


def _check_layout(d: ScenarioDriver, key: str) -> Iterator:
    """The overlap/cut-off check on the result screen, at the top and scrolled to the end (a
    screenshot of each)."""
    from kivy.core.window import Window  # Kivy: once configured
    from screens.lobby.layout_check import layout_problems, scroll_views, window_box
    app = d.app
    screen = d.screen("dossier")
    roots = [screen, app.root.ids.access]
    yield from d.screenshot(f"layout-{key}")
    found = {"top": layout_problems(roots, Window.size)}
    screen.ids.scroll.scroll_y = 0
    yield from d.screenshot(f"layout-{key}-end")
    found["end"] = layout_problems(roots, Window.size)
    keys = [screen.ids[k] for k in ("print_slip", "another", "done")] + list(app.root.ids.access.children)
    d.facts.setdefault("layout", {})[key] = {
        "problems": found, "scroll_views": scroll_views(roots), "texts": screen.texts(),
        # the keys a citizen needs, whatever the scroll: on screen, at full size
        "keys": {getattr(k, "text", ""): [round(v) for v in window_box(k)] for k in keys},
        "window": list(Window.size)}


def _large_text_is(app: Any, want: bool) -> Callable[[], bool]:
    return lambda: bool(app.large_text == want)


def _showing(d: ScenarioDriver, code: str) -> Callable[[], bool]:
    return lambda: bool(d.app.sm.current == "dossier" and d.screen("dossier").code == code)


def _dossier_layout(d: ScenarioDriver) -> Iterator:
    app = d.app
    yield from d.started()
    today = app.now_local().date()
    records = layout_records(today)
    for large in (False, True):
        if app.large_text != large:
            d.tap(app.root.ids.access.ids.large_text)
            yield d.until(_large_text_is(app, large), 3, "large text")
        for name, record in records.items():
            view = present(record, app.tr, today, tz=app.desk.tz)
            app.go("dossier", quiet=True, view=view)
            yield d.until(_showing(d, record.code), 5,
                          f"the {name} record")
            yield from _check_layout(d, f"{name}{'-large' if large else ''}")


SCENARIOS = {s.name: s for s in (
    ScannerScenario(
        "dossier-lookup", "a dossier scanned on the attract screen, another typed on the on-screen keyboard, "
        "a hostile scan refused, a queue ticket scanned, the result cleared by the idle timeout", _dossier_lookup,
        # Only the result's own timeout is under test: the other screens get room for a loaded
        # machine's slow steps (a "more time?" question would take the next tap or utterance).
        lobby={"idle_timeout_s": 60.0}, timeout_s=200.0),
    ScannerScenario(
        "dossier-layout", "the dossier result screen with a short and a long record, normal and large text: "
        "the overlap and cut-off check (issue 15)", _dossier_layout,
        lobby={"dossier_result_s": 600.0, "idle_timeout_s": 600.0}),
)}
