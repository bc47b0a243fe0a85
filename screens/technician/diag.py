"""Diagnostics to a USB stick or to the central, and the factory reset (confirmed)."""
from __future__ import annotations

from pathlib import Path

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.i18n import N_
from screens.base import load_kv
from screens.technician.base import TechScreen
from screens.widgets import BigButton

MSG_QUEUED = N_("Queued for the central system: it is sent with the next sync.")


class TechDiagScreen(TechScreen):
    targets = ListProperty([])       # USB folders (str)
    confirm_reset = BooleanProperty(False)
    last_bundle = StringProperty("")

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.confirm_reset = False
        self.refresh()

    def refresh(self) -> None:
        self.mode.run(lambda s: [str(p) for p in s.usb_targets()], on_done=self._targets)

    def _targets(self, targets: list[str]) -> None:
        self.targets = targets
        box = self.ids.targets
        box.clear_widgets()
        for target in targets:
            b = BigButton(role="primary", size_hint_y=None, height=self.app.u * 110, font_size=self.app.u * 38,
                          text=self.tr("Save to the USB stick {name}").format(name=Path(target).name),
                          shorten=True)
            b.target = target
            b.bind(on_release=lambda btn: self.save_to(btn.target))
            box.add_widget(b)

    def save_to(self, folder: str) -> None:
        if self.busy:
            return
        self.busy = True

        def saved(path) -> None:
            self.last_bundle = str(path)
            self.say(self.tr("Saved {file}. It holds no password and no token.").format(file=Path(path).name), ok=True)

        self.mode.run(lambda s: s.save_diagnostics(Path(folder)), on_done=saved, on_error=lambda exc: self.say(
            self.tr("Could not save: {error}").format(error=exc)))

    def send(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.mode.run(lambda s: s.send_diagnostics(),
                      on_done=lambda _: self.say(self.tr(MSG_QUEUED), ok=True),
                      on_error=lambda exc: self.say(self.tr("Could not send: {error}").format(error=exc)))

    def ask_reset(self) -> None:
        self.confirm_reset = True

    def cancel_reset(self) -> None:
        self.confirm_reset = False

    def do_reset(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.say(self.tr("Erasing… the kiosk restarts as new."))
        self.mode.run(lambda s: s.reset_requested(), on_done=lambda _: self.mode.restart(reset=True),
                      on_error=lambda exc: self.mode.restart(reset=True))


load_kv(__file__)
