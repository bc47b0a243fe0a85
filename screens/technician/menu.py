"""The technician menu with the device summary."""
from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty

from kiosk import __version__
from screens.base import load_kv
from screens.technician.base import ROLE_TEXT, TechScreen


class TechMenuScreen(TechScreen):
    summary = ListProperty([])   # [(label msgid, value)]
    enrolled = BooleanProperty(False)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.mode.run(self._read, on_done=self._show)

    @staticmethod
    def _read(session) -> dict:
        c = session.ctx.config
        return {"device": c.device.id, "role": c.device.role, "centre": f"{c.centre.code} — {c.centre.name}",
                "central": c.central.url or "", "enrolled": session.enrolled(), "config": str(session.ctx.config_path),
                "data": str(session.ctx.data_dir), "version": __version__}

    def _show(self, info: dict) -> None:
        tr = self.tr
        self.enrolled = info["enrolled"]
        self.summary = [
            (tr("Device"), info["device"]),
            (tr("Role"), tr(ROLE_TEXT.get(info["role"], info["role"]))),
            (tr("Centre"), info["centre"]),
            (tr("Central system"), info["central"] if info["enrolled"] else tr("Not enrolled")),
            (tr("Config file"), info["config"]),
            (tr("Software version"), info["version"]),
        ]
        grid = self.ids.summary
        grid.clear_widgets()
        for label, value in self.summary:
            grid.add_widget(Factory.TechText(text=label, bold=True, size_hint_x=0.35))
            grid.add_widget(Factory.TechText(text=value, size_hint_x=0.65))


load_kv(__file__)
