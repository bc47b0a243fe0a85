"""What the counter and hall-display apps share with each other (the lobby has its own app):
a Kivy App base with language, layout unit, online/health state and the status bar, the sync
thread of a non-lobby device, and the scenario plumbing (screens.scenario's driver expects
`app.sm`, `app.screen()`, `app.runtime.timings`, `app.metrics`, `app.first_frame_at`).

Layout unit: `app.u` is 1 px on a 1920x1080 landscape screen (counters and hall displays are
landscape), or on a 1080x1920 portrait one.
"""
from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.i18n import LANGUAGES
from kiosk.ports import HealthReport, HealthState
from kiosk.sync.enrolment import short_device_id
from screens import theme
from screens.service_manager import record_first_frame

log = logging.getLogger(__name__)


def clock_dispatch(fn: Callable[[], None]) -> None:
    """BackgroundWorker dispatch: run `fn` on the UI thread at the next frame."""
    Clock.schedule_once(lambda dt: fn())


@dataclass
class RoleRuntime:
    """What a counter/display app runs on (built before Kivy starts, no Kivy import)."""
    config: Any
    translator: Any
    health: Any
    data_dir: Path
    kiosk_mode: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    ready_file: Path | None = None
    config_path: Path | None = None     # the TOML file the technician's device assignment edits
    config_seed: Path | None = None     # copied to config_path at the first save (the demo)


class RoleStatusBar(BoxLayout):
    """The thin bottom bar: device id, device health, connection (layout in roles.kv)."""


class RoleApp(App):
    lang = StringProperty("vi")
    u = NumericProperty(1.0)
    portrait = BooleanProperty(False)
    online = BooleanProperty(True)
    device_label = StringProperty("")
    devices_text = StringProperty("")      # middle of the status bar (panels, speech)
    devices_ok = BooleanProperty(True)
    offline_text = "Offline"               # msgid shown at the right of the status bar when offline

    def __init__(self, runtime: RoleRuntime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.kiosk_config = runtime.config
        self.translator = runtime.translator
        self.lang = runtime.config.device.language
        self.device_label = short_device_id(runtime.config.device.id)
        self.first_frame_at: float | None = None
        self.metrics: dict[str, float] = {}
        self.health_states: dict[str, HealthReport] = {}

    # -- translation ----------------------------------------------------------------------
    def tr(self, message: str, lang: str | None = None) -> str:
        return self.translator.gettext(message, lang or self.lang)

    def set_language(self, lang: str) -> None:
        if lang in LANGUAGES and lang != self.lang:
            self.translator.set_language(lang)
            self.lang = lang

    # -- building -------------------------------------------------------------------------
    def load_kv(self, filename=None):
        """No automatic kv by class name (CounterApp would load counter.kv a second time):
        each app loads its own files in build()."""
        return False

    def setup_window(self) -> None:
        from screens import widgets  # noqa: F401  (BigButton, WrapLabel, BoxLabel)
        path = str(Path(__file__).with_name("roles.kv"))
        if path not in Builder.files:
            Builder.load_file(path)
        Window.clearcolor = theme.BG
        Window.bind(size=self._on_window_size)
        if self.runtime.kiosk_mode:
            Window.bind(on_request_close=lambda *args, **kwargs: True)
        self._on_window_size(Window, Window.size)
        self.runtime.health.subscribe(self._health_from_any_thread)
        for report in self.runtime.health.snapshot().values():
            self.on_health(report)

    def _on_window_size(self, window, size) -> None:
        w, h = size
        self.portrait = h > w
        self.u = min(w / 1080, h / 1920) if self.portrait else min(w / 1920, h / 1080)

    def on_start(self) -> None:
        signal.signal(signal.SIGTERM, lambda signum, frame: Clock.schedule_once(lambda dt: self.stop()))
        Window.bind(on_flip=self._first_flip)

    def _first_flip(self, *args) -> None:
        record_first_frame(self)
        Window.unbind(on_flip=self._first_flip)

    # -- scenario helpers -----------------------------------------------------------------
    def screen(self, name: str):
        return self.sm.get_screen(name)

    # -- health ---------------------------------------------------------------------------
    def _health_from_any_thread(self, report: HealthReport) -> None:
        Clock.schedule_once(lambda dt: self.on_health(report))

    def on_health(self, report: HealthReport) -> None:
        if report.device == "central":
            self.online = report.state is HealthState.OK
            return
        self.health_states[report.device] = report
        self.update_devices_text()

    def update_devices_text(self) -> None:
        """Subclasses summarise their devices (panels, speech) in the status bar."""


def start_role_sync(core, *, on_config: Callable[[Any], None] | None = None):
    """The sync thread of a counter or display device: delivers its outbox (ratings, counter
    events), heartbeats and pulls the centre config. No number leases: only a lobby kiosk
    issues numbers (the central answers 403 to anyone else)."""
    if core.config.central.url is None:
        return None
    from kiosk.sync.client import CentralClient
    from kiosk.sync.service import SyncService

    c = core.config.central
    sync = SyncService(core, CentralClient(c.url, c.token, ca_file=c.ca_file, timeout=c.timeout_s), on_config=on_config)
    sync.start()
    return sync


def central_client(config, timeout: float | None = None):
    from kiosk.sync.client import CentralClient
    c = config.central
    return CentralClient(c.url, c.token, ca_file=c.ca_file, timeout=timeout or c.timeout_s)
