"""The lobby kiosk app: screens, navigation, the idle timer, language, the ticket flow and the
printer's state; the dossier look-up flow is screens.lobby.dossier_lookup.DossierLookup.

Screens are built once and updated in place. Anything that touches the database or a device
runs on a BackgroundWorker whose results come back on the UI thread through Kivy's Clock.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from devices.speech.jack import JackWatcher
from kiosk.contract.config import Config
from kiosk.contract.catalogues import LANGUAGES
from kiosk.i18n import N_
from kiosk.lobby import LobbyTicket
from kiosk.ports import HealthReport, HealthState, PrintResult, PrinterStatus
from kiosk.ticketing import ServiceView, TicketRefused
from kiosk.worker import BackgroundWorker
from screens import widgets  # noqa: F401  (loads widgets.kv)
from screens.app import DeviceApp
from screens.lobby.access import AccessBar  # noqa: F401  (loads access.kv, used in root.kv)
from screens.lobby.attract import AttractScreen
from screens.lobby.dossier import DossierScreen
from screens.lobby.dossier_lookup import DossierLookup
from screens.lobby.lookup import LookupScreen
from screens.lobby.lookup_message import LookupMessageScreen
from screens.lobby.message import MessageScreen
from screens.lobby.more_time import MoreTimeView
from screens.lobby.phone_ask import PhoneAskScreen
from screens.lobby.phone_entry import PhoneEntryScreen
from screens.lobby.priority import PriorityScreen
from screens.lobby.runtime import LobbyRuntime
from screens.lobby.services import OFFLINE_PROMPT, ServicesScreen, closed_explanation
from screens.lobby.ticket import TicketScreen
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)
LARGE_TEXT_SCALE = 1.25
HELP_REPEAT_S = 30.0  # "Cần hỗ trợ" pressed again within this time: the staff were already called
# Shown only when the central has a notification channel (docs/notify.md): built when first needed.
LAZY_SCREENS = {"phone_ask": PhoneAskScreen, "phone_entry": PhoneEntryScreen}

PRINTER_TEXT = {
    "ok": N_("Printer ready"),
    "attention": N_("Printer needs attention"),
    "failed": N_("Printer not working"),
    "unknown": N_("Printer status unknown"),
}
_STATUS_STATE = {PrinterStatus.OK: "ok", PrinterStatus.PAPER_LOW: "attention", PrinterStatus.PAPER_OUT: "failed",
                 PrinterStatus.OFFLINE: "failed", PrinterStatus.UNKNOWN: "unknown"}
_HEALTH_STATE = {HealthState.OK: "ok", HealthState.DEGRADED: "attention", HealthState.FAILED: "failed",
                 HealthState.UNKNOWN: "unknown"}


def key_words(widget: Any) -> str:
    """A key's text as speech: markup and line breaks removed."""
    return " ".join(re.sub(r"\[/?[a-z]+(=[^\]]*)?\]", " ", str(getattr(widget, "text", ""))).split())


class LobbyRoot(FloatLayout):
    """The screen manager above the access keys and a thin status bar, and the "more time?"
    question over them (layout in root.kv)."""


class LobbyApp(DeviceApp):
    title = "Kiosk Một Cửa"
    other_lang = StringProperty("en")      # the second language (the attract screen shows both)
    printer_state = StringProperty("unknown")  # ok | attention | failed | unknown
    printer_ok = BooleanProperty(True)
    lookup_available = BooleanProperty(False)  # the dossier look-up is wired (a central is configured)
    scanner_ready = BooleanProperty(False)     # a scanner is configured: the look-up screen says "scan"
    voice_mode = BooleanProperty(False)        # "🔊": a first touch reads a key aloud, a second one chooses it
    headphones = BooleanProperty(False)        # a headphone is plugged into the jack: voice mode by itself
    last_prompt = StringProperty("")           # what "Nghe lại" repeats
    large_text = BooleanProperty(False)        # "Chữ lớn": the citizen's text a quarter larger
    fu = NumericProperty(1.0)                  # the unit of citizen text sizes: app.u, larger with large_text

    def __init__(self, runtime: LobbyRuntime, **kwargs: Any) -> None:
        super().__init__(runtime, **kwargs)
        self.runtime: LobbyRuntime = runtime
        self.desk = runtime.desk
        self.lobby = runtime.lobby
        self.other_lang = self._other(self.default_lang)
        self.views: list[ServiceView] = []  # the last overview, shared by the screens
        self.desk_worker: BackgroundWorker | None = None
        self.device_worker: BackgroundWorker | None = None
        self.lookup = DossierLookup(self, runtime.dossiers)
        self.lookup_available = self.lookup.available
        self.scanner_ready = runtime.config.scanner.kind != "none"
        self.screen_changes = 0
        self.screen_shown_at = time.monotonic()  # when go() last changed the screen (scenarios time the idle return)
        self._idle_ev = None
        self.more_time: MoreTimeView | None = None  # built in build()
        self._deliver_started = 0.0
        self._help_sent_at = -HELP_REPEAT_S
        self._armed: Any = None  # voice mode: the key read aloud by the first touch
        self.spoken: list[str] = []  # every text handed to the speaker (scenarios save them as WAVs)
        self.jack_watcher: JackWatcher | None = None

    # -- language ----------------------------------------------------------------------------
    @staticmethod
    def _other(lang: str) -> str:
        return next(code for code in LANGUAGES if code != lang)

    def on_lang(self, instance: Any, lang: str) -> None:
        self.other_lang = self._other(lang)

    def on_online(self, instance: Any, online: bool) -> None:
        sm = getattr(self, "sm", None)  # health arrives before build() ends
        if not online and sm is not None and sm.current != "attract":  # a citizen is there: say why counts are estimates
            self.announce(self.tr(OFFLINE_PROMPT))

    def printer_text(self, state: str, lang: str) -> str:
        return self.tr(PRINTER_TEXT.get(state, PRINTER_TEXT["unknown"]), lang)

    # -- time --------------------------------------------------------------------------------
    def now_local(self) -> dt.datetime:
        return self.runtime.clock().astimezone(self.desk.tz)

    # -- building ----------------------------------------------------------------------------
    def build(self) -> LobbyRoot:
        self.setup_window()  # first: the screens are laid out in app.u
        self.desk_worker = BackgroundWorker("lobby-desk", dispatch=on_ui_thread)
        self.device_worker = BackgroundWorker("lobby-devices", dispatch=on_ui_thread)
        self.lookup.start()
        Window.bind(on_touch_down=self._on_any_touch)
        Builder.load_file(str(Path(__file__).with_name("root.kv")))
        root = LobbyRoot()
        sm: ScreenManager = root.ids.sm
        sm.transition = NoTransition()
        for screen in (AttractScreen(name="attract", app=self), ServicesScreen(name="services", app=self),
                       PriorityScreen(name="priority", app=self), TicketScreen(name="ticket", app=self),
                       MessageScreen(name="message", app=self), LookupScreen(name="lookup", app=self),
                       DossierScreen(name="dossier", app=self), LookupMessageScreen(name="lookup_message", app=self)):
            sm.add_widget(screen)
        self.sm = sm
        if self.lobby.phone_channel:  # else built on first use (screen()): most centres never show them
            self.screen("phone_ask")
            self.screen("phone_entry")
        self.more_time = root.ids.more_time
        self.more_time.app, self.more_time.on_expired = self, self._expired
        sm.current = "attract"
        capabilities = {"printer"} | ({"scanner"} if self.scanner_ready else set())
        self.install_technician(sm, home="attract", capabilities=frozenset(capabilities),
                                clock=self.runtime.clock, printer=self.runtime.printer)
        return root

    def on_start(self) -> None:
        super().on_start()
        self.refresh_overview()
        assert self.device_worker is not None, "started in build()"
        self.device_worker.submit(self.runtime.printer.status, on_done=self._on_printer_status,
                                  on_error=lambda exc: None)
        self.screen("attract").on_pre_enter()
        self.last_prompt = self.screen("attract").prompt()
        if self.runtime.jack is not None:  # polled on its own thread; the change comes back here
            self.jack_watcher = JackWatcher(
                self.runtime.jack, lambda plugged: on_ui_thread(lambda: self.headphone_changed(plugged))).start()

    def on_stop(self) -> None:
        super().on_stop()
        watcher, self.jack_watcher = self.jack_watcher, None
        if watcher is not None:
            watcher.close()
        # Kivy may dispatch on_stop twice (App.stop, then the end of App.run): close once.
        workers = (self.desk_worker, self.device_worker)
        self.desk_worker = self.device_worker = None
        self.lookup.close()
        for worker in workers:
            if worker is not None:
                worker.drain(timeout=5)  # a ticket being printed is finished, not dropped
                worker.close()

    # -- navigation --------------------------------------------------------------------------
    def go(self, name: str, *, quiet: bool = False, **kwargs: Any) -> None:
        """Show a screen, after giving it what it displays (screens are reused, never rebuilt),
        and say its prompt (quiet: nobody is there, e.g. after the idle timeout)."""
        screen = self.screen(name)
        screen.prepare(**kwargs)
        self.sm.current = name
        self.screen_changes += 1
        self.screen_shown_at = time.monotonic()
        self._armed = None
        self.reset_idle()
        prompt = screen.prompt()
        if prompt:
            self.last_prompt = prompt
            if not quiet and screen.speaks_on_arrival():
                self.announce(prompt)

    def go_home(self, *args: Any, quiet: bool = False) -> None:
        """Back to the attract screen, in the kiosk's own language, for the next citizen."""
        self.set_language(self.default_lang)
        self.voice_mode = self.headphones  # a headphone still plugged in keeps it on for the next citizen
        self.go("attract", quiet=quiet)

    # -- voice guidance (docs/speech.md, "Voice guidance") ------------------------------------
    @property
    def voice_guidance(self) -> bool:
        """Prompts are spoken unasked: on by default, switched per centre (lobby.voice_guidance),
        always in voice mode."""
        return self.kiosk_config.lobby.voice_guidance or self.voice_mode

    def speak(self, text: str) -> None:
        """Say a text now, in the language shown (the speaker queues it: never blocks the UI)."""
        if text:
            self.spoken.append(text)
            self.runtime.speaker.say(text, self.lang)

    def announce(self, text: str) -> None:
        """A prompt: remembered for "Nghe lại", spoken when voice guidance is on."""
        self.last_prompt = text
        if self.voice_guidance:
            self.speak(text)

    def repeat_prompt(self) -> None:
        self.speak(self.last_prompt or self.sm.current_screen.prompt())

    # -- large text and help ------------------------------------------------------------------
    def on_u(self, *args: Any) -> None:
        self.fu = self.u * (LARGE_TEXT_SCALE if self.large_text else 1.0)

    def on_large_text(self, *args: Any) -> None:
        self.on_u()

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def ask_help(self) -> None:
        """"Cần hỗ trợ": a help.requested event for the central (staff get an alert), and a
        screen that says someone is coming. A second press soon after sends nothing new."""
        now = time.monotonic()
        screen = self.sm.current
        if now - self._help_sent_at >= HELP_REPEAT_S:
            self._help_sent_at = now
            assert self.desk_worker is not None, "started in build()"
            self.desk_worker.submit(lambda: self.lobby.ask_help(screen),
                                    on_error=lambda exc: log.error("cannot record the help request: %s", exc))
        self.go("message", title=self.tr("A staff member is coming"),
                message=self.tr("Please wait here: a staff member will come to help you."),
                detail="", back_to="services" if screen != "attract" else "home", kind="help", reason=screen)

    def toggle_voice_mode(self) -> None:
        self.voice_mode = not self.voice_mode
        self._armed = None
        if self.voice_mode:
            self.speak(self.tr("Voice mode: touch a key once to hear it, touch it again to choose it.") + " "
                       + self.sm.current_screen.prompt())
        else:
            self.speak(self.tr("Voice mode is off."))

    def headphone_changed(self, plugged: bool) -> None:
        """The jack changed (UI thread): plugged in turns voice mode on and says how it works;
        pulled out turns it off (the kiosk speaks through its loudspeaker again)."""
        self.headphones = plugged
        if plugged != self.voice_mode:
            self.toggle_voice_mode()

    def voiced(self, widget: Any, action: Any, words: str | None = None) -> None:
        """A key's action; in voice mode the first touch reads the key aloud and only a second
        touch on the same key acts."""
        if not self.voice_mode or self._armed is widget:
            self._armed = None
            action()
            return
        self._armed = widget
        self.speak(words if words is not None else key_words(widget))

    def start(self) -> None:
        self.go("services", page=0)

    def screen(self, name: str) -> Any:
        if name in LAZY_SCREENS and not self.sm.has_screen(name):
            self.sm.add_widget(LAZY_SCREENS[name](name=name, app=self))
        return super().screen(name)

    # -- idle timer --------------------------------------------------------------------------
    def _on_any_touch(self, window: Any, touch: Any) -> None:
        if self.more_time is not None and self.more_time.shown:
            return  # the question decides: stay, or go back to the start
        self.reset_idle()  # returns None: the touch goes on to the widgets

    def reset_idle(self) -> None:
        if self._idle_ev is not None:
            self._idle_ev.cancel()
            self._idle_ev = None
        if self.more_time is not None:
            self.more_time.close()  # someone touched the kiosk: the screen stays
        timeout = self.sm.current_screen.idle_timeout()
        if timeout:
            self._idle_ev = Clock.schedule_once(self._on_idle, timeout)

    def _on_idle(self, dt_: float) -> None:
        """The screen's time is up: ask first (WCAG 2.2.1), go home when nobody answers."""
        self._idle_ev = None
        if self.sm.current == "attract" or self.more_time is None:
            return
        log.info("no touch on %s for a while: asking for more time", self.sm.current)
        self.more_time.ask(self.kiosk_config.lobby.more_time_s)
        question = self.tr("Do you need more time?")
        if self.voice_guidance:  # spoken, not remembered: "Nghe lại" still repeats the screen's prompt
            self.speak(question + " " + self.tr("Touch the screen to stay."))

    def keep_screen(self) -> None:
        """"Cần thêm thời gian": the screen stays, its full time again."""
        self.reset_idle()

    def _expired(self) -> None:
        if self.sm.current_screen.expired():
            return  # the screen's own default (the phone question: the ticket without a number)
        if self.sm.current != "attract":
            log.info("no answer on %s: back to the start", self.sm.current)
            self.go_home(quiet=True)

    # -- data and flow -----------------------------------------------------------------------
    def apply_config(self, config: Config) -> None:
        """A new centre config from the central, applied without a restart."""
        super().apply_config(config)
        self.lobby.config = config
        self.refresh_overview()

    def refresh_overview(self) -> None:
        if self.desk_worker is not None:
            self.desk_worker.submit(self.desk.overview, on_done=self._on_overview, on_error=self._on_overview_error)

    def _on_overview(self, views: list[ServiceView]) -> None:
        self.views = views
        self.screen("services").show_views(views)

    def _on_overview_error(self, exc: BaseException) -> None:
        log.error("cannot read the service overview: %s", exc)

    def choose_group(self, view: ServiceView, group: str | None, request_key: str, on_finished) -> None:
        """The priority answered: with a notification channel at the central, first the question
        "Nhận tin nhắn khi sắp đến lượt?" (the number must be in ticket.issued); else the ticket."""
        if self.lobby.phone_channel:
            on_finished()
            self.go("phone_ask", view=view, group=group, request_key=request_key)
        else:
            self.take_ticket(view, group, request_key, on_finished)

    def take_ticket(self, view: ServiceView, group: str | None, request_key: str,
                    on_finished, phone: str | None = None) -> None:
        """Issue on the desk worker (a double tap reuses request_key: one ticket). phone: the
        consented number (never logged)."""
        lang = self.lang
        code = view.service.code
        tapped = time.perf_counter()

        def issue() -> LobbyTicket | TicketRefused:
            started = time.perf_counter()
            try:
                return self.lobby.take_ticket(code, group, request_key, lang, phone)
            except TicketRefused as refused:
                return refused  # an answer for the citizen, not a fault to log with a traceback
            finally:
                self.metrics["issue_in_worker_ms"] = round((time.perf_counter() - started) * 1000, 1)

        def done(outcome: LobbyTicket | TicketRefused) -> None:
            on_finished()
            if isinstance(outcome, TicketRefused):
                log.info("ticket refused for %s: %s", code, outcome)
                self.show_refusal(outcome.reason, view)
                return
            self.show_ticket(outcome)
            self.metrics["tap_to_ticket_screen_ms"] = round((time.perf_counter() - tapped) * 1000, 1)

            def drawn(*args) -> None:
                Window.unbind(on_flip=drawn)
                self.metrics["tap_to_ticket_drawn_ms"] = round((time.perf_counter() - tapped) * 1000, 1)
            Window.bind(on_flip=drawn)

        def failed(exc: BaseException) -> None:
            on_finished()
            log.error("issuing failed: %r", exc)
            self.show_refusal("storage", view)

        assert self.desk_worker is not None, "started in build()"
        self.desk_worker.submit(issue, on_done=done, on_error=failed)

    def show_ticket(self, lobby_ticket: LobbyTicket) -> None:
        self.go("ticket", lobby_ticket=lobby_ticket)
        self.refresh_overview()
        if lobby_ticket.ticket.repeated:
            return  # the same ticket as a moment ago (double tap): it is already being printed
        ticket_id = lobby_ticket.ticket.ticket_id
        self._deliver_started = time.perf_counter()
        assert self.device_worker is not None, "started in build()"
        self.device_worker.submit(lambda: self.lobby.deliver(lobby_ticket),
                                  on_done=lambda result: self._on_printed(ticket_id, result),
                                  on_error=lambda exc: self._on_printed(
                                      ticket_id, PrintResult(ok=False, message=str(exc))))

    def _on_printed(self, ticket_id: str, result: PrintResult) -> None:
        self.metrics["ticket_screen_to_print_result_ms"] = round(
            (time.perf_counter() - self._deliver_started) * 1000, 1)
        self.printer_state = "ok" if result.ok else "failed"
        self.printer_ok = result.ok
        self.screen("ticket").print_finished(ticket_id, result)

    def show_refusal(self, reason: str, view: ServiceView | None = None) -> None:
        tr = self.tr
        self.go("message", title=tr("Sorry"), message=self.lobby.refusal_message(reason, self.lang),
                detail="", back_to="services", kind="refused", reason=reason)

    def show_closed(self, view: ServiceView) -> None:
        title, message, detail = closed_explanation(self, view)
        self.go("message", title=title, message=message, detail=detail, back_to="services", kind="closed",
                reason=view.state.availability.value)

    # -- scanner -----------------------------------------------------------------------------
    def on_scan(self, scan: Any) -> bool:
        """A code from the scanner (UI thread): the technician's if their screens are shown,
        else a dossier look-up from any screen."""
        if super().on_scan(scan):
            return True  # an enrolment QR or the scanner test: never a citizen's look-up
        self.lookup.on_scan(scan.data)
        return True

    # -- device health -----------------------------------------------------------------------
    def on_health(self, report: HealthReport) -> None:
        super().on_health(report)
        if report.device == "printer":
            self.printer_state = _HEALTH_STATE.get(report.state, "unknown")
            self.printer_ok = self.printer_state in ("ok", "unknown")

    def _on_printer_status(self, status: PrinterStatus) -> None:
        self.printer_state = _STATUS_STATE.get(status, "unknown")
        self.printer_ok = self.printer_state in ("ok", "unknown")
