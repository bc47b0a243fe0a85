"""TechnicianMode: the gesture that opens the technician screens, their worker thread, the
inactivity timeout, and the restart (or factory reset) that applies what was changed.

An app installs it into its ScreenManager with the name of its home screen; the gesture only
works there, where the top-left corner holds no button, so a citizen's tap is never taken.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, StringProperty

from kiosk.worker import BackgroundWorker
from provisioning.session import TechnicianContext, TechnicianSession
from screens.technician.diag import TechDiagScreen
from screens.technician.devices import TechDevicesScreen
from screens.technician.enrol import TechEnrolScreen
from screens.technician.menu import TechMenuScreen
from screens.technician.pin import TechPinScreen
from screens.technician.self_tests import TechTestsScreen
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)

HOLD_S = 3.0            # how long the corner is held: longer than any citizen's tap
CORNER = 0.12           # the corner square, as a fraction of the window's shorter side
INACTIVE_S = 300.0      # technician screens left alone this long close themselves (audited)
SCREEN_CLASSES = {"tech_pin": TechPinScreen, "tech_menu": TechMenuScreen, "tech_enrol": TechEnrolScreen,
                  "tech_devices": TechDevicesScreen, "tech_tests": TechTestsScreen, "tech_diag": TechDiagScreen}


class TechnicianMode(EventDispatcher):
    active = BooleanProperty(False)           # a technician screen is shown
    entered = BooleanProperty(False)          # the PIN was accepted
    restart_pending = BooleanProperty(False)  # enrolment or assignment saved: a restart applies it
    restart_reason = StringProperty("")

    def __init__(self, app, *, db, home: str, capabilities: frozenset[str] = frozenset(), **devices: Any) -> None:
        """db: the app's device database; devices: what the session reuses rather than opens
        again (the lobby's clock and printer: provisioning.session.TechnicianContext)."""
        super().__init__()
        self.app = app
        self.db = db
        self.devices = devices
        self.home = home
        self.capabilities = capabilities      # printer, scanner, panels: what this app drives
        self.worker: BackgroundWorker | None = None
        self._session = None
        self._inactive_ev = None
        self.restart_requested = False
        self.reset_requested = False
        self.opened_by: str = ""

    # -- installing --------------------------------------------------------------------------
    def install(self, sm) -> None:
        self.sm = sm
        self.worker = BackgroundWorker("technician", dispatch=on_ui_thread)
        for name, cls in SCREEN_CLASSES.items():
            sm.add_widget(cls(name=name, app=self.app, mode=self))
        sm.bind(current=self._on_screen)
        Window.bind(on_touch_down=self._touch_down, on_touch_up=self._touch_up, on_key_down=self._key_down)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.drain(timeout=5)   # an audit being written is finished
            self.worker.close()
            self.worker = None

    @property
    def session(self):
        """The TechnicianSession (built on first use: the worker thread may call it)."""
        if self._session is None:
            r = self.app.runtime
            self._session = TechnicianSession(TechnicianContext(
                config=r.config, config_path=r.config_path, config_seed=r.config_seed, data_dir=r.data_dir,
                db=self.db, **self.devices))
        return self._session

    def run(self, job: Callable[[Any], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """job(session) on the technician worker; the answer comes back on the UI thread."""
        if self.worker is None:
            return
        self.worker.submit(lambda: job(self.session), on_done=on_done, on_error=on_error)  # the worker logs failures

    # -- the gesture -------------------------------------------------------------------------
    def in_corner(self, x: float, y: float) -> bool:
        side = CORNER * min(Window.width, Window.height)
        return x <= side and y >= Window.height - side

    def _touch_down(self, window, touch) -> None:
        if self.active:
            self._reset_inactivity()
            return None
        if self.sm.current == self.home and self.in_corner(touch.x, touch.y):
            touch.ud["technician_hold"] = Clock.schedule_once(lambda dt: self._held(touch), HOLD_S)
        return None  # the touch goes on to the widgets

    def _touch_up(self, window, touch):
        hold = touch.ud.pop("technician_hold", None)
        if hold is not None:
            hold.cancel()
        if touch.ud.get("technician_opened"):
            return True  # the home screen must not take the held touch as "start"
        return None

    def _held(self, touch) -> None:
        touch.ud.pop("technician_hold", None)
        touch.ud["technician_opened"] = True
        self.open("gesture")

    def _key_down(self, window, key, scancode, codepoint, modifiers):
        if codepoint == "t" and "ctrl" in modifiers and "alt" in modifiers and not self.active:
            self.open("keys")
            return True
        return None

    # -- entering and leaving ----------------------------------------------------------------
    def open(self, how: str) -> None:
        log.info("technician mode asked for (%s)", how)
        self.opened_by = how
        self.show("tech_pin")

    def show(self, name: str, **kwargs: Any) -> None:
        screen = self.sm.get_screen(name)
        screen.prepare(**kwargs)
        self.sm.current = name
        self._reset_inactivity()

    def _on_screen(self, sm, current: str) -> None:
        was = self.active
        self.active = current in SCREEN_CLASSES
        if was and not self.active and self.entered:
            self._left("home")  # the app went home by itself (it should not): still audited
        if self.active:
            self._reset_inactivity()
        elif self._inactive_ev is not None:
            self._inactive_ev.cancel()
            self._inactive_ev = None

    def welcome(self) -> None:
        """The PIN was accepted."""
        self.entered = True
        self.show("tech_menu")

    def leave(self, why: str = "exit") -> None:
        if self.entered:
            self._left(why)
        self._go_home()

    def _left(self, why: str) -> None:
        self.entered = False
        self.run(lambda s: s.leave(why))

    def _go_home(self) -> None:
        if hasattr(self.app, "go_home"):
            self.app.go_home()
        else:
            self.app.go(self.home)

    def _reset_inactivity(self) -> None:
        if self._inactive_ev is not None:
            self._inactive_ev.cancel()
        self._inactive_ev = Clock.schedule_once(self._inactive, INACTIVE_S)

    def _inactive(self, dt_: float) -> None:
        self._inactive_ev = None
        if self.active:
            log.info("technician screens left alone for %.0f s: closing them", INACTIVE_S)
            self.leave("timeout")

    # -- devices routed to the technician screens --------------------------------------------
    def on_scan(self, data: str | bytes) -> bool:
        """A scanned code: the technician screens take it while they are shown (enrolment QR,
        scanner test); the citizen's look-up never sees it. True when taken."""
        if not self.active:
            return False
        screen = self.sm.current_screen
        if hasattr(screen, "scanned"):
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
            screen.scanned(text)
        return True

    def on_press(self, press) -> bool:
        """A panel button press (UI thread): the panel test takes it; no rating is recorded
        while a technician is at the device."""
        if not self.active:
            return False
        screen = self.sm.current_screen
        if hasattr(screen, "pressed"):
            screen.pressed(press)
        return True

    # -- applying ------------------------------------------------------------------------------
    def need_restart(self, reason: str) -> None:
        self.restart_pending = True
        self.restart_reason = reason

    def restart(self, *, reset: bool = False) -> None:
        """Stop the app so it starts again on the new identity/config (RESTART_EXIT), or after a
        factory reset, which the launcher runs once everything is closed."""
        self.restart_requested = True
        self.reset_requested = reset
        self.entered = False
        Clock.schedule_once(lambda dt: self.app.stop(), 1.0)
