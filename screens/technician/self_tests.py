"""The self-tests with PASS/FAIL; the scanner and panel tests wait for the technician."""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import N_
from provisioning.selftest import CheckResult
from screens.base import load_kv
from screens.technician.base import TechScreen

SCAN_TEST_S = 30.0
PANEL_TEST_S = 60.0
CHECK_TEXT = {"printer": N_("Printer: print a test ticket, read its status"),
              "scanner": N_("Scanner: scan any QR code"),
              "panel": N_("Panel: press each button in turn"),
              "speech": N_("Speech: say a test sentence"),
              "central": N_("Central system: reach it and log in"),
              "disk": N_("Disk space"),
              "clock": N_("Clock: compared with the central")}


class TestRow(BoxLayout):
    name = StringProperty("")
    title = StringProperty("")
    state = StringProperty("")      # "" | running | waiting | pass | fail
    detail = StringProperty("")
    screen = ObjectProperty(None)


class TechTestsScreen(TechScreen):
    waiting_for = StringProperty("")   # scanner | panel: a test that waits for the technician

    def prepare(self, **kwargs) -> None:
        super().prepare()
        box = self.ids.tests
        if not box.children:
            caps = self.mode.capabilities
            names = [test for test, device in (("printer", "printer"), ("scanner", "scanner"), ("panel", "panels"))
                     if device in caps] + ["speech", "central", "disk", "clock"]
            self.rows = {}
            for name in names:
                row = TestRow(name=name, title=self.tr(CHECK_TEXT[name]), screen=self)
                self.rows[name] = row
                box.add_widget(row)
        self._stop_waiting()

    def run_all(self) -> None:
        for name in self.rows:
            if name not in ("scanner", "panel"):
                self.run_test(name)

    def run_test(self, name: str) -> None:
        row = self.rows[name]
        if row.state in ("running", "waiting"):
            if name == self.waiting_for:
                self._finish_waiting()   # tapped again: the technician is done pressing
            return
        if name == "scanner":
            self._wait(name, self.tr("Scan any QR code now."), SCAN_TEST_S)
            return
        if name == "panel":
            self.presses: list[Any] = []
            self._wait(name, self.tr("Press each button of the panel in turn. Tap here when done."), PANEL_TEST_S)
            return
        row.state, row.detail = "running", self.tr("Testing…")
        self.mode.run(lambda s: s.run_check(name), on_done=self._result)

    def _result(self, result) -> None:
        row = self.rows.get(result.name)
        if row is not None:
            row.state, row.detail = ("pass" if result.ok else "fail"), result.detail

    def _wait(self, name: str, text: str, seconds: float) -> None:
        self._stop_waiting()
        self.waiting_for = name
        row = self.rows[name]
        row.state, row.detail = "waiting", text
        self._wait_ev = Clock.schedule_once(lambda dt_: self._finish_waiting(), seconds)

    def _cancel_wait(self) -> None:
        ev = getattr(self, "_wait_ev", None)
        if ev is not None:
            ev.cancel()
        self._wait_ev = None

    def _stop_waiting(self) -> None:
        self._cancel_wait()
        if self.waiting_for and self.waiting_for in getattr(self, "rows", {}):
            row = self.rows[self.waiting_for]
            if row.state == "waiting":
                row.state, row.detail = "", ""
        self.waiting_for = ""

    def _finish_waiting(self) -> None:
        name = self.waiting_for
        if name == "panel":
            keys = sorted({(p.address, p.key) for p in self.presses}, key=str)
            ok = bool(keys)
            result = CheckResult("panel", ok, self._press_text() if ok else self.tr("No press received."),
                                 {"presses": [list(k) for k in keys]})
        elif name == "scanner":
            result = CheckResult("scanner", False, self.tr("No code scanned."))
        else:
            return
        self._complete(result)

    def _complete(self, result) -> None:
        self._cancel_wait()
        self.waiting_for = ""
        self._result(result)
        self.mode.run(lambda s: s.record_check(result))

    def scanned(self, data: str) -> None:
        if self.waiting_for != "scanner":
            return
        self._complete(CheckResult("scanner", True, self.tr("Read a code of {n} characters.").format(n=len(data)),
                                   {"length": len(data)}))

    def pressed(self, press) -> None:
        if self.waiting_for != "panel":
            return
        self.presses.append(press)
        self.rows["panel"].detail = self._press_text() + "\n" + self.tr("Tap here when done.")

    def _press_text(self) -> str:
        tr = self.tr
        return ", ".join(f"{tr('address')} {p.address} {tr('key')} {p.key}" if p.address is not None
                         else f"{tr('key')} {p.key}" for p in self.presses[-8:])

    def on_leave(self, *args) -> None:
        self._stop_waiting()


load_kv(__file__)
