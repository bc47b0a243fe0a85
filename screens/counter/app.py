"""The counter app: one counter's officer controls and, after each completed service, the
citizen's rating view (three big buttons, a reason for Không hài lòng, a thank-you).

Every action goes through CounterRuntime's workers (never the UI thread): the `actions` worker
for calls (it may wait on the central), the `ratings` worker for touch ratings, exactly as
panel presses do. What the service reports (listeners: called, rating_requested,
reason_asked, rated, ...) comes back on the UI thread through Clock, so a press on a serial
panel and a tap on the screen drive the same views.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.contract.config import Config
from kiosk.counter import CounterError, CounterOffline, Level
from kiosk.i18n import N_
from kiosk.ports import PanelPress
from screens import widgets  # noqa: F401  (the status bar)
from screens.app import DeviceApp
from screens.counter.dossier import DossierScreen
from screens.counter.keypad import KeypadScreen
from screens.counter.rate import RateScreen
from screens.counter.reason import ReasonScreen
from screens.counter.runtime import CounterUIRuntime
from screens.counter.serve import ServeScreen
from screens.counter.signin import SignInScreen
from screens.counter.thanks import ThanksScreen
from screens.counter.transfer import TransferScreen
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)

REASON_TEXT = {
    "long_wait": N_("I waited too long"),
    "unclear_guidance": N_("The guidance was not clear"),
    "attitude": N_("The officer's attitude"),
    "slow_processing": N_("The dossier is handled too slowly"),
    "other": N_("Another reason"),
}
LEVEL_TEXT = {
    Level.VERY_SATISFIED: N_("Very satisfied"),
    Level.SATISFIED: N_("Satisfied"),
    Level.UNSATISFIED: N_("Not satisfied"),
}
ERROR_TEXT = {
    "busy": N_("Finish the current number first: Complete, No-show or Transfer."),
    "paused": N_("The counter is paused. Tap Resume first."),
    "idle": N_("No number is being served."),
    "stale": N_("The central system shows no number at this counter: call the next one."),
    "refused": N_("The central system refused this action."),
    "ambiguous": N_("Several services use this number: type the letter too."),
    "bad_number": N_("This is not a ticket number."),
    "same_service": N_("The number is already in this service."),
    "unknown_service": N_("Unknown service."),
    "transfer_needs_service": N_("Type the service number before Transfer."),
    "not_signed_in": N_("An officer must sign in at this counter first."),
    "wrong_pin": N_("Wrong name or PIN."),
    "pin_locked": N_("Too many wrong PINs: wait a minute, or scan your staff card."),
    "other_centre": N_("This staff card belongs to another centre."),
    "unknown_officer": N_("This officer is not in the centre's list."),
    "bad_card": N_("This is not a staff card."),
    "not_a_dossier": N_("This is not a dossier code: scan the QR code on the receipt, or type the code."),
    "other_agency": N_("This dossier was received by another agency."),
    "too_many_dossiers": N_("Too many dossiers for one number."),
}
THANKS_S = 4.0
TOUCH_DEVICE = "touch"


@dataclass(frozen=True)
class Snapshot:
    number: str
    service_code: str | None
    paused: bool
    officer: str | None = None      # serving now (signed in, or the configured one)
    signed_in: bool = False
    dossiers: tuple[str, ...] = ()  # linked to the number served


class CounterRoot(BoxLayout):
    """Screen manager above the status bar (root.kv)."""


class CounterApp(DeviceApp):
    title = "Kiosk Một Cửa - Quầy"
    home = "serve"                         # the view between citizens (the rating terminal: "idle")
    offline_text = N_("Offline - type the number on the ticket")
    runtime: CounterUIRuntime
    counter_no = NumericProperty(0)
    officer_name = StringProperty("")
    officer_title = StringProperty("")
    officer_initials = StringProperty("")
    officer_photo = StringProperty("")
    number = StringProperty("")            # the number being served ("" = none)
    service_name = StringProperty("")
    state = OptionProperty("idle", options=("idle", "serving", "paused"))
    busy = BooleanProperty(False)          # an action is on its way to the worker
    message = StringProperty("")
    message_error = BooleanProperty(False)
    typed = StringProperty("")             # keypad
    rating_number = StringProperty("")     # the ticket the citizen rates
    reason_left = NumericProperty(0)       # seconds until the reason view closes
    thanks_text = StringProperty("")
    has_panels = BooleanProperty(False)
    officer_code = StringProperty("")      # who serves now ("" = nobody)
    signed_in = BooleanProperty(False)     # an officer signed in here (not just the configured one)
    must_sign_in = BooleanProperty(False)  # the centre requires sign-in and nobody is signed in
    chosen_officer = StringProperty("")    # sign-in screen
    pin = StringProperty("")
    dossiers = StringProperty("")          # dossier codes linked to the number served, one a line

    def __init__(self, runtime: CounterUIRuntime, **kwargs: Any) -> None:
        super().__init__(runtime, **kwargs)
        self.svc = runtime.service
        self.crt = runtime.counter_runtime
        self.counter_no = runtime.counter
        self.has_panels = bool(runtime.panel_names)
        rules = self.svc.rules
        self.key_for: dict[Level, int] = {}
        for key, level in sorted(rules.keys.items()):
            self.key_for.setdefault(level, key)
        self.events: list[tuple[str, dict]] = []   # what the service reported (scenarios read it)
        self.spoken: list[str] = []                # what the screens said aloud (scenarios read it)
        self._timers: dict[str, Any] = {}
        self.officer_code = self.svc.officer_of(self.counter_no) or ""
        self._load_officer()

    # -- officer --------------------------------------------------------------------------
    def _load_officer(self) -> None:
        config = self.kiosk_config
        officer = next((o for o in config.officers if o.code == self.officer_code), None)
        self.officer_name = officer.name if officer else ""
        self.officer_title = officer.title if officer else ""
        words = self.officer_name.split()
        self.officer_initials = (words[-1][0] if words else str(self.counter_no)).upper()
        photo = ""
        if officer and officer.photo:
            for base in (Path.cwd(), self.runtime.data_dir):
                p = Path(officer.photo) if Path(officer.photo).is_absolute() else base / officer.photo
                if p.is_file():
                    photo = str(p)
                    break
        self.officer_photo = photo

    def service_label(self, code: str | None, lang: str) -> str:
        if not code:
            return ""
        try:
            return self.kiosk_config.service(code).display_name(lang)
        except KeyError:
            return code

    def reason_label(self, code: str, lang: str) -> str:
        own = self.kiosk_config.rating_reason(code)  # the centre's wording (config `rating_reasons`)
        if own is not None:
            return own.display_name(lang)
        text = REASON_TEXT.get(code)
        return self.tr(text, lang) if text else code.replace("_", " ").capitalize()

    # -- building -------------------------------------------------------------------------
    def build(self) -> CounterRoot:
        self.setup_window()  # first: the screens are laid out in app.u
        Builder.load_file(str(Path(__file__).with_name("root.kv")))
        root = CounterRoot()
        sm: ScreenManager = root.ids.sm
        sm.transition = NoTransition()
        for screen in (ServeScreen(name="serve"), KeypadScreen(name="keypad"), TransferScreen(name="transfer"),
                       RateScreen(name="rate"), ReasonScreen(name="reason"), ThanksScreen(name="thanks"),
                       SignInScreen(name="signin"), DossierScreen(name="dossier")):
            sm.add_widget(screen)
        self.sm = sm
        sm.current = "serve"
        self._fill_screens()
        self.svc.listeners.append(self._from_service)
        self.update_devices_text()
        self.install_technician(sm, home="serve", capabilities=frozenset({"panels"} if self.has_panels else ()))
        return root

    def _fill_screens(self) -> None:
        """What the screens list from the config: services, reasons, the keypad's letters."""
        self.screen("transfer").fill(self)
        self.screen("reason").fill(self)
        self.screen("keypad").fill(self)
        self.screen("signin").fill(self)

    def on_start(self) -> None:
        super().on_start()
        self.refresh()

    def on_stop(self) -> None:
        super().on_stop()
        try:
            self.svc.listeners.remove(self._from_service)
        except ValueError:
            pass

    def apply_config(self, config: Config) -> None:
        """A new centre configuration: the officer, the services' names and the transfer list,
        the keypad's letters. The counters this device runs stay (a restart changes them)."""
        super().apply_config(config)
        self.svc.apply_config(config)  # counters' services, officers, rating reasons (kiosk/counter)
        self.refresh()  # the officer serving (a configured one may have changed)
        self._load_officer()
        self._fill_screens()
        self.service_name = self.service_label(getattr(self, "_service_code", None), self.lang)

    def panel_press_from_any_thread(self, press: PanelPress) -> None:
        """A panel's reader thread: while a technician is at the device, presses go to the panel
        test, never to a rating."""
        mode = self.technician
        if mode is not None and mode.active:
            on_ui_thread(lambda: mode.on_press(press))
        else:
            self.crt.on_press(press)

    # -- state ----------------------------------------------------------------------------
    def _snapshot(self) -> Snapshot:
        cur = self.svc.current(self.counter_no)
        return Snapshot(cur.display_number if cur else "", cur.service_code if cur else None,
                        self.svc.is_paused(self.counter_no), self.svc.officer_of(self.counter_no),
                        self.svc.officers.signed_in(self.counter_no) is not None,
                        tuple(self.svc.linked_dossiers(self.counter_no)))

    def refresh(self) -> None:
        self.crt.submit_action(self._snapshot, self._apply, lambda exc: log.error("counter state: %s", exc))

    def _apply(self, snap: Snapshot) -> None:
        self.number = snap.number
        self.service_name = self.service_label(snap.service_code, self.lang)
        self._service_code = snap.service_code
        self.state = "paused" if snap.paused else ("serving" if snap.number else "idle")
        if (snap.officer or "") != self.officer_code:
            self.officer_code = snap.officer or ""
            self._load_officer()
        self.signed_in = snap.signed_in
        self.dossiers = "\n".join(snap.dossiers)
        self.must_sign_in = self.svc.officers.required and not snap.signed_in
        if self.must_sign_in and self.sm.current == self.home and self.home == "serve":
            self.open_sign_in()

    def say(self, text: str, error: bool = False) -> None:
        self.message = text
        self.message_error = error

    # -- officer actions ------------------------------------------------------------------
    def _submit(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None) -> None:
        if self.busy:
            return  # one action at a time: a double tap must not call two numbers
        self.busy = True
        counter = self.counter_no

        def job():
            try:
                return ("ok", fn(), self._snapshot())
            except Exception as exc:  # reported on screen, then the state is read again
                try:
                    snap = self._snapshot()
                except Exception:
                    snap = None
                return ("error", exc, snap)

        def finished(outcome) -> None:
            self.busy = False
            kind, value, snap = outcome
            if snap is not None:
                self._apply(snap)
            if kind == "error":
                self._on_error(value)
            elif done is not None:
                done(value)
        log.debug("counter %s: action", counter)
        self.crt.submit_action(job, finished, lambda exc: setattr(self, "busy", False))

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, CounterOffline):
            self.say(self.tr(N_("The central system cannot be reached: type the number on the citizen's ticket.")), True)
            self.open_keypad()
            return
        code = getattr(exc, "code", None)
        text = ERROR_TEXT.get(code or "")
        log.info("counter %s: %s", self.counter_no, exc)
        self.say(self.tr(text) if text else self.tr(N_("That did not work. Please try again.")), True)

    def call_next(self) -> None:
        def done(cur) -> None:
            if cur is None:
                self.say(self.tr(N_("Nobody is waiting for this counter's services.")))
        self._submit(lambda: self.svc.call_next(self.counter_no), done)

    def recall(self) -> None:
        self._submit(lambda: self.svc.recall(self.counter_no))

    def no_show(self) -> None:
        self._submit(lambda: self.svc.no_show(self.counter_no),
                     lambda cur: self.say(self.tr(N_("Number {number} did not come.")).format(number=cur.display_number)))

    def complete(self) -> None:
        self._submit(lambda: self.svc.complete(self.counter_no))

    def toggle_pause(self) -> None:
        """Pause calling: an officer's break when one is signed in."""
        if self.signed_in:
            if self.state == "paused":
                self._submit(lambda: self.svc.end_break(self.counter_no), lambda _: self.say(""))
            else:
                self._submit(lambda: self.svc.take_break(self.counter_no),
                             lambda _: self.say(self.tr(N_("On a break: no number is called."))))
            return
        if self.state == "paused":
            self._submit(lambda: self.svc.resume(self.counter_no), lambda _: self.say(""))
        else:
            self._submit(lambda: self.svc.pause(self.counter_no),
                         lambda _: self.say(self.tr(N_("The counter is paused: no number is called."))))

    def open_transfer(self) -> None:
        self.screen("transfer").show_for(self, getattr(self, "_service_code", None))
        self.go("transfer")

    def transfer(self, code: str) -> None:
        self.go("serve")
        self._submit(lambda: self.svc.transfer(self.counter_no, code),
                     lambda cur: self.say(self.tr(N_("Number {number} was sent to {service}.")).format(
                         number=cur.display_number, service=self.service_label(code, self.lang))))

    # officers: sign-in by PIN (signin screen) or staff card (on_scan), sign-out
    def open_sign_in(self) -> None:
        self.chosen_officer, self.pin = "", ""
        self.screen("signin").show_choice("")
        self.go("signin")

    def choose_officer(self, code: str) -> None:
        self.chosen_officer, self.pin = code, ""
        self.screen("signin").show_choice(code)

    def pin_key(self, k: str) -> None:
        if k == "back":
            self.pin = self.pin[:-1]
        elif len(self.pin) < 12:
            self.pin += k

    def sign_in(self) -> None:
        officer, pin = self.chosen_officer, self.pin
        self.pin = ""
        self._submit(lambda: self.svc.sign_in_pin(self.counter_no, officer, pin), lambda _: self._signed_in())

    def _signed_in(self) -> None:
        self.say(self.tr(N_("Signed in: {name}.")).format(name=self.officer_name))
        if self.sm.current == "signin":
            self.go("serve")

    def sign_out(self) -> None:
        self._submit(lambda: self.svc.sign_out(self.counter_no), lambda _: self.open_sign_in())

    def on_scan(self, scan: Any) -> bool:
        """The counter's scanner: a staff card signs its officer in; a receipt while serving links
        its dossier to the number (never while the citizen rates)."""
        if super().on_scan(scan):
            return True
        if self.sm.current in ("rate", "reason", "thanks"):
            return True
        data = scan.data
        self._submit(lambda: self.svc.on_scan(self.counter_no, data), self._scanned)
        return True

    def _scanned(self, what: str) -> None:
        if what == "signed_in":
            self._signed_in()
        elif what == "again":
            self.say(self.tr(N_("This dossier is already linked to this number.")))

    def open_dossier(self) -> None:
        self.screen("dossier").clear()
        self.go("dossier")

    def link_typed(self, code: str) -> None:
        def done(result: tuple[str, bool]) -> None:
            self.screen("dossier").clear()
            if not result[1]:
                self.say(self.tr(N_("This dossier is already linked to this number.")))
        self._submit(lambda: self.svc.link_dossier(self.counter_no, code), done)

    # keypad (offline calling)
    def open_keypad(self) -> None:
        self.typed = ""
        self.go("keypad")

    def key(self, k: str) -> None:
        if k == "back":
            self.typed = self.typed[:-1]
        elif k.isalpha():
            self.typed = k + "".join(ch for ch in self.typed if ch.isdigit())
        elif len(self.typed) < 7:
            self.typed += k

    def call_typed(self) -> None:
        typed = self.typed
        if not any(ch.isdigit() for ch in typed):
            return
        self.go("serve")
        self._submit(lambda: self.svc.call_typed(self.counter_no, typed))

    # -- citizen: rating ------------------------------------------------------------------
    def rate(self, level: str) -> None:
        key = self.key_for.get(Level(level))
        if key is None:
            return
        counter = self.counter_no
        self.crt.ratings.submit(lambda: self.svc.rate_press(counter, key, TOUCH_DEVICE))

    def choose_reason(self, code: str) -> None:
        counter = self.counter_no
        self.crt.ratings.submit(lambda: self.svc.choose_reason(counter, code))

    def decline_reason(self) -> None:
        """"Không muốn trả lời": recorded as not answered, distinct from no reason asked."""
        counter = self.counter_no
        self.crt.ratings.submit(lambda: self.svc.decline_reason(counter))

    def speak(self, text: str) -> None:
        """A screen's question read aloud (espeak-ng on its own thread; never blocks the UI)."""
        speaker = self.runtime.speaker
        if speaker is None or not text:
            return
        self.spoken.append(text)
        try:
            speaker.say(text, self.lang)
        except Exception:  # speech is a help, never a reason for the rating to fail
            log.exception("speech failed")

    def skip_rating(self) -> None:
        """The officer closes the rating view (a panel press still counts until the window ends)."""
        self._cancel("rate")
        self.go(self.home)

    def _later(self, name: str, seconds: float, fn: Callable[[], None]) -> None:
        self._cancel(name)
        self._timers[name] = Clock.schedule_once(lambda dt: fn(), seconds)

    def _cancel(self, name: str) -> None:
        ev = self._timers.pop(name, None)
        if ev is not None:
            ev.cancel()

    def _show_rating(self) -> None:
        self.go("rate")
        self.speak(self.tr(N_("How satisfied are you with our service?")))
        self._later("rate", self.svc.rules.window_s, self._rating_window_over)

    def _rating_window_over(self) -> None:
        if self.sm.current == "rate":
            self.go(self.home)

    def _show_reason(self, seconds: float) -> None:
        self._cancel("rate")
        self.reason_left = int(round(seconds))
        self.go("reason")
        self.speak(self.tr(N_("We are sorry. Please tell us why:")))

        def tick(dt) -> bool:
            if self.sm.current != "reason":
                return False
            self.reason_left = max(0, self.reason_left - 1)
            return self.reason_left > 0
        self._cancel("reason")
        self._timers["reason"] = Clock.schedule_interval(tick, 1.0)

    def _show_thanks(self, level: str) -> None:
        self._cancel("rate")
        self._cancel("reason")
        self.thanks_text = (self.tr(N_("We have noted your opinion and will do better.")) if level == Level.UNSATISFIED.value
                            else self.tr(N_("We are glad to have served you.")))
        self.go("thanks")
        self._later("thanks", THANKS_S, self._thanks_over)

    def _thanks_over(self) -> None:
        if self.sm.current == "thanks":
            self.go(self.home)

    # -- what the service reports (any thread) -------------------------------------------
    def _from_service(self, kind: str, data: dict) -> None:
        on_ui_thread(lambda: self.on_service_event(kind, data))

    def on_service_event(self, kind: str, data: dict) -> None:
        if data.get("counter") != self.counter_no:
            return
        self.events.append((kind, data))
        if kind in ("called", "recalled"):
            verb = N_("Called number {number}.") if kind == "called" else N_("Called number {number} again.")
            self.say(self.tr(verb).format(number=data.get("display_number", "")))
            self.refresh()
        elif kind in ("no_show", "transferred", "cleared", "paused", "resumed", "signed_in", "signed_out"):
            self.refresh()
        elif kind == "dossier_linked":
            self.dossiers = "\n".join(data.get("linked", []))
            self.say(self.tr(N_("Dossier linked: {code}")).format(code=data.get("dossier_code", "")))
            self.refresh()
        elif kind == "completed":
            self.rating_number = data.get("display_number", "")
            self.say(self.tr(N_("Number {number} is done.")).format(number=self.rating_number))
            self.refresh()
        elif kind == "served":  # at the counter, seen by its rating terminal
            self.rating_number = data.get("display_number", "")
        elif kind == "rating_requested":
            self._show_rating()
        elif kind == "reason_asked":
            self._show_reason(self.svc.rules.reason_timeout_s)
        elif kind == "rated" and not data.get("reason_pending"):
            self._show_thanks(data.get("level", ""))
        elif kind == "reason_given":
            self._show_thanks(Level.UNSATISFIED.value)
        elif kind == "queue_empty":
            self.say(self.tr(N_("Nobody is waiting for this counter's services.")))
        elif kind == "typed":
            typed = data.get("typed", "")
            self.say(self.tr(N_("Typed on the keypad: {typed}")).format(typed=typed) if typed else "")
        elif kind == "error":
            self._on_error(CounterError(data.get("code", "failed"), data.get("message", "")))

    # -- devices --------------------------------------------------------------------------
    def update_devices_text(self) -> None:
        names = self.runtime.panel_names
        if not names:
            self.devices_text = self.tr(N_("No rating panel: rating on this screen"))
            self.devices_ok = True
            return
        bad = [n for n in names if f"panel:{n}" in self.health_states
               and self.health_states[f"panel:{n}"].state.value != "ok"]
        self.devices_ok = not bad
        self.devices_text = (self.tr(N_("Rating panel: not working ({names})")).format(names=", ".join(bad)) if bad
                             else self.tr(N_("Rating panel ready")))
