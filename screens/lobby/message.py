"""Message screen: a polite explanation (a refused number, a closed service, an error) and a
way back."""
from __future__ import annotations

from kivy.properties import StringProperty

from screens.base import load_kv
from screens.lobby.base import KioskScreen


class MessageScreen(KioskScreen):
    title = StringProperty("")
    message = StringProperty("")
    detail = StringProperty("")
    back_to = StringProperty("services")
    kind = StringProperty("")      # refused | closed | error (scenarios and logs read it)
    reason = StringProperty("")

    def prepare(self, title: str = "", message: str = "", detail: str = "", back_to: str = "services",
                kind: str = "error", reason: str = "", **kwargs) -> None:
        self.title, self.message, self.detail = title, message, detail
        self.back_to, self.kind, self.reason = back_to, kind, reason

    def prompt(self) -> str:
        return " ".join(part for part in (self.title + ".", self.message, self.detail) if part)

    def back(self) -> None:
        if self.back_to == "services":
            self.app.go("services", page=self.app.screen("services").page)
        else:
            self.app.go_home()


load_kv(__file__)
