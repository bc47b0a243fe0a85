"""The App base of every device role (lobby, counter, display): translation and language, the
window and its layout unit, device health and new centre configurations handed onto the UI
thread, scanned codes, the technician mode, start-up (systemd, SIGTERM, the first frame).

Layout unit: `app.u` is 1 px on a 1080x1920 portrait screen, or on a 1920x1080 landscape one.
Scenarios (screens.scenarios) expect `app.sm`, `app.screen()`, `app.runtime.timings`,
`app.metrics` and `app.first_frame_at`.
"""
from __future__ import annotations

import logging
import signal
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.contract.config import Config
from kiosk.contract.catalogues import LANGUAGES
from kiosk.ports import HealthReport, HealthState
from kiosk.sync.enrolment import short_device_id
from screens import theme
from screens.runtime import DeviceRuntime
from screens.service_manager import announce_ready, record_first_frame
from screens.technician.mode import TechnicianMode
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)


class DeviceApp(App):
    lang = StringProperty("vi")            # the language shown now
    u = NumericProperty(1.0)               # layout unit
    portrait = BooleanProperty(True)
    online = BooleanProperty(True)         # the central answers (health "central")
    device_label = StringProperty("")
    devices_text = StringProperty("")      # the status bar's middle (panels, speech)
    devices_ok = BooleanProperty(True)
    offline_text = "Offline"               # msgid at the right of the status bar when offline

    def __init__(self, runtime: DeviceRuntime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.kiosk_config = runtime.config
        self.translator = runtime.translator
        self.default_lang = runtime.config.device.language
        self.lang = self.default_lang
        self.device_label = short_device_id(runtime.config.device.id)
        self.first_frame_at: float | None = None   # time.monotonic() of the first frame drawn
        self.metrics: dict[str, float] = {}        # last measured latencies (ms), for scenarios and logs
        self.health_states: dict[str, HealthReport] = {}
        self.technician: TechnicianMode | None = None  # installed in build()
        self.scanner: Any = None                       # devices.scanner supervisor, set by the launcher

    # -- translation --------------------------------------------------------------------------
    def tr(self, message: str, lang: str | None = None) -> str:
        """Translate an English msgid; in .kv pass app.lang so the text rebinds on a switch."""
        return self.translator.gettext(message, lang or self.lang)

    def set_language(self, lang: str) -> None:
        if lang in LANGUAGES and lang != self.lang:
            self.translator.set_language(lang)
            self.lang = lang

    # -- building -----------------------------------------------------------------------------
    def load_kv(self, filename: Any = None) -> bool:
        """No automatic kv by class name: each screen module loads its own .kv file."""
        return False

    def setup_window(self) -> None:
        """Window colour and size, kiosk mode, and the device health shown from now on."""
        Window.clearcolor = theme.BG
        Window.bind(size=self._on_window_size)
        if self.runtime.kiosk_mode:
            Window.bind(on_request_close=lambda *args, **kwargs: True)  # no closing from the keyboard
        self._on_window_size(Window, Window.size)
        self.runtime.health.subscribe(self._health_from_any_thread)
        for report in self.runtime.health.snapshot().values():
            self.on_health(report)

    def _on_window_size(self, window: Any, size: tuple[int, int]) -> None:
        w, h = size
        self.portrait = h >= w
        self.u = min(w / 1080, h / 1920) if self.portrait else min(w / 1920, h / 1080)

    def install_technician(self, sm: Any, *, home: str, capabilities: frozenset[str] = frozenset(),
                           **devices: Any) -> None:
        """The technician screens and their gesture, on the home screen `home`."""
        self.technician = TechnicianMode(self, db=self.runtime.db, home=home, capabilities=capabilities,
                                         **devices)
        self.technician.install(sm)

    def on_start(self) -> None:
        announce_ready()
        # SDL turns SIGTERM into a window-close request, which kiosk mode refuses: a service
        # manager stopping the device must still stop it.
        signal.signal(signal.SIGTERM, self._on_sigterm)
        Window.bind(on_flip=self._first_flip)

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        log.info("SIGTERM: stopping")
        Clock.schedule_once(lambda dt: self.stop())

    def _first_flip(self, *args: Any) -> None:
        record_first_frame(self)
        Window.unbind(on_flip=self._first_flip)

    def on_stop(self) -> None:
        if self.technician is not None:
            self.technician.close()

    # -- navigation ---------------------------------------------------------------------------
    def screen(self, name: str) -> Any:
        return self.sm.get_screen(name)

    def go(self, name: str, **kwargs: Any) -> None:
        self.sm.current = name

    # -- from other threads -------------------------------------------------------------------
    def config_from_any_thread(self, config: Config) -> None:
        """A new centre configuration from the sync thread: applied on the UI thread."""
        on_ui_thread(lambda: self.apply_config(config))

    def apply_config(self, config: Config) -> None:
        """A new centre configuration, applied without a restart; roles refresh what they show."""
        self.runtime.config = config
        self.kiosk_config = config

    def scan_from_any_thread(self, scan: Any) -> None:
        """A code from the scanner's reader thread: handled on the UI thread."""
        on_ui_thread(lambda: self.on_scan(scan))

    def on_scan(self, scan: Any) -> bool:
        """The technician screens take a scanned code while they are shown (enrolment QR,
        scanner test). True when taken."""
        return self.technician is not None and self.technician.on_scan(scan.data)

    def _health_from_any_thread(self, report: HealthReport) -> None:
        on_ui_thread(lambda: self.on_health(report))

    def on_health(self, report: HealthReport) -> None:
        if report.device == "central":
            self.online = report.state is HealthState.OK
            return
        self.health_states[report.device] = report
        self.update_devices_text()

    def update_devices_text(self) -> None:
        """Roles summarise their devices (panels, speech) in the status bar."""
