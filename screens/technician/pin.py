"""The PIN pad: the first PIN of a kiosk fresh from the box, the PIN, the lock after wrong ones."""
from __future__ import annotations

import datetime as dt
import logging

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk.i18n import N_
from screens.base import load_kv
from screens.keyboard import KeyButton
from screens.technician.base import TechScreen

log = logging.getLogger(__name__)

PIN_MAX = 12
MSG_WEAK_PIN = N_("This PIN is too easy to guess. Choose 4 to 12 digits, not all the same and not in a row.")


class TechPinScreen(TechScreen):
    """stage: checking | enter | choose | confirm | missing | locked"""
    stage = StringProperty("checking")
    digits = StringProperty("")
    locked_text = StringProperty("")

    def on_kv_post(self, base_widget) -> None:
        self.keys = {}
        for value in "123456789D0K":  # a phone's layout; D = delete, K = OK
            if value == "D":
                key = KeyButton(text=self.tr("Delete"), role="secondary")
                key.bind(on_release=lambda k: self.delete())
            elif value == "K":
                key = KeyButton(text=self.tr("OK"), role="primary")
                key.bind(on_release=lambda k: self.ok())
            else:
                key = KeyButton(text=value, value=value)
                key.bind(on_release=lambda k: self.press(k.value))
            key.font_size = self.app.u * (64 if value.isdigit() else 44)
            self.keys[value] = key
            self.ids.pad.add_widget(key)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.digits, self.stage, self._first = "", "checking", ""
        self.mode.run(lambda s: (s.pin_state(), s.access.locked_until()), on_done=self._state)

    def _state(self, answer) -> None:
        state, locked = answer
        if locked is not None:
            self._locked(locked)
        else:
            self.stage = {"set": "enter", "first": "choose"}.get(state, "missing")

    def _locked(self, until: dt.datetime) -> None:
        self.stage = "locked"
        self.digits = ""
        self.say(self.tr("Too many wrong PINs: technician mode is locked until {time}.").format(
            time=self.local_time(until)))
        # Offer the pad again once the lock is over.
        wait = max(1.0, (until - self.mode.session.ctx.clock()).total_seconds() + 0.5)
        Clock.schedule_once(self._unlock_if_locked, wait)

    def _unlock_if_locked(self, _dt: float) -> None:
        if self.stage == "locked":
            self.prepare()

    def press(self, digit: str) -> None:
        if self.stage in ("enter", "choose", "confirm") and not self.busy and len(self.digits) < PIN_MAX:
            self.digits += digit

    def delete(self) -> None:
        self.digits = self.digits[:-1]

    def ok(self) -> None:
        if self.busy or not self.digits:
            return
        pin, self.digits = self.digits, ""
        if self.stage == "enter":
            self.busy = True
            self.mode.run(lambda s: s.enter(pin), on_done=lambda _: self.mode.welcome(), on_error=self._refused)
        elif self.stage == "choose":
            self._first, self.stage = pin, "confirm"
            self.message = ""
        elif self.stage == "confirm":
            self.busy = True
            first = self._first
            self.mode.run(lambda s: s.set_first_pin(first, pin), on_done=lambda _: self.mode.welcome(),
                          on_error=self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        reason = getattr(exc, "reason", "")
        until = getattr(exc, "locked_until", None)
        if until is not None:
            self._locked(until)
        elif reason == "wrong":
            self.say(self.tr("Wrong PIN. Try again."))
        elif reason == "weak":
            self.stage = "choose"
            self.say(self.tr(MSG_WEAK_PIN))
        elif reason == "mismatch":
            self.stage = "choose"
            self.say(self.tr("The two PINs differ. Choose the PIN again."))
        else:
            log.error("technician PIN step failed: %r", exc)
            self.say(self.tr("The PIN could not be checked. Try again."))

    def cancel(self) -> None:
        self.mode.leave("cancel")


load_kv(__file__)
