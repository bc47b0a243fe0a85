"""The rating terminal's app: only what the citizen sees at the counter's rating moment — the
three faces, the reason (with "Không muốn trả lời"), the thank-you — and a welcome between
citizens. It is the counter app's citizen half (screens/counter/app.py), nothing of the officer's."""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.screenmanager import NoTransition, ScreenManager

from screens.counter.app import CounterApp, CounterRoot
from screens.counter.rate import RateScreen
from screens.counter.reason import ReasonScreen
from screens.counter.thanks import ThanksScreen
from screens.rating.idle import IdleScreen


class RatingApp(CounterApp):
    title = "Kiosk Một Cửa - Đánh giá"
    home = "idle"

    def build(self) -> CounterRoot:
        self.setup_window()
        Builder.load_file(str(Path(__file__).parent.parent / "counter" / "root.kv"))
        root = CounterRoot()
        sm: ScreenManager = root.ids.sm
        sm.transition = NoTransition()
        for screen in (IdleScreen(name="idle"), RateScreen(name="rate"), ReasonScreen(name="reason"),
                       ThanksScreen(name="thanks")):
            sm.add_widget(screen)
        self.sm = sm
        sm.current = "idle"
        self._fill_screens()
        self.svc.listeners.append(self._from_service)
        self.update_devices_text()
        self.install_technician(sm, home="idle", capabilities=frozenset())
        return root

    def _fill_screens(self) -> None:
        self.screen("reason").fill(self)

    def on_scan(self, scan: object) -> bool:
        return False  # no scanner on a rating terminal

    def update_devices_text(self) -> None:
        self.devices_text = self.tr("Rating terminal of counter {number}").format(number=self.counter_no)
        self.devices_ok = True
