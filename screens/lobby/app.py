"""The lobby kiosk app: screens, navigation, the idle timer, language, the ticket flow and the
printer's state; the dossier look-up flow is screens.lobby.dossier_lookup.DossierLookup.

Screens are built once and updated in place. Anything that touches the database or a device
runs on a BackgroundWorker whose results come back on the UI thread through Kivy's Clock.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.contract.config import Config
from kiosk.contract.catalogues import LANGUAGES
from kiosk.i18n import N_
from kiosk.lobby import LobbyTicket
from kiosk.ports import HealthReport, HealthState, PrintResult, PrinterStatus
from kiosk.ticketing import ServiceView, TicketRefused
from kiosk.worker import BackgroundWorker
from screens import widgets  # noqa: F401  (loads widgets.kv)
from screens.app import DeviceApp
from screens.lobby.attract import AttractScreen
from screens.lobby.dossier import DossierScreen
from screens.lobby.dossier_lookup import DossierLookup
from screens.lobby.lookup import LookupScreen
from screens.lobby.lookup_message import LookupMessageScreen
from screens.lobby.message import MessageScreen
from screens.lobby.priority import PriorityScreen
from screens.lobby.runtime import LobbyRuntime
from screens.lobby.services import ServicesScreen, closed_explanation
from screens.lobby.ticket import TicketScreen
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)

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


class LobbyRoot(BoxLayout):
    """The screen manager above a thin status bar (layout in root.kv)."""


class LobbyApp(DeviceApp):
    title = "Kiosk Một Cửa"
    other_lang = StringProperty("en")      # the second language (the attract screen shows both)
    printer_state = StringProperty("unknown")  # ok | attention | failed | unknown
    printer_ok = BooleanProperty(True)
    lookup_available = BooleanProperty(False)  # the dossier look-up is wired (a central is configured)
    scanner_ready = BooleanProperty(False)     # a scanner is configured: the look-up screen says "scan"

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
        self._deliver_started = 0.0

    # -- language ----------------------------------------------------------------------------
    @staticmethod
    def _other(lang: str) -> str:
        return next(code for code in LANGUAGES if code != lang)

    def on_lang(self, instance: Any, lang: str) -> None:
        self.other_lang = self._other(lang)

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

    def on_stop(self) -> None:
        super().on_stop()
        # Kivy may dispatch on_stop twice (App.stop, then the end of App.run): close once.
        workers = (self.desk_worker, self.device_worker)
        self.desk_worker = self.device_worker = None
        self.lookup.close()
        for worker in workers:
            if worker is not None:
                worker.drain(timeout=5)  # a ticket being printed is finished, not dropped
                worker.close()

    # -- navigation --------------------------------------------------------------------------
    def go(self, name: str, **kwargs: Any) -> None:
        """Show a screen, after giving it what it displays (screens are reused, never rebuilt)."""
        self.screen(name).prepare(**kwargs)
        self.sm.current = name
        self.screen_changes += 1
        self.screen_shown_at = time.monotonic()
        self.reset_idle()

    def go_home(self, *args: Any) -> None:
        """Back to the attract screen, in the kiosk's own language, for the next citizen."""
        self.set_language(self.default_lang)
        self.go("attract")

    def start(self) -> None:
        self.go("services", page=0)

    # -- idle timer --------------------------------------------------------------------------
    def _on_any_touch(self, window: Any, touch: Any) -> None:
        self.reset_idle()  # returns None: the touch goes on to the widgets

    def reset_idle(self) -> None:
        if self._idle_ev is not None:
            self._idle_ev.cancel()
            self._idle_ev = None
        timeout = self.sm.current_screen.idle_timeout()
        if timeout:
            self._idle_ev = Clock.schedule_once(self._on_idle, timeout)

    def _on_idle(self, dt_: float) -> None:
        self._idle_ev = None
        if self.sm.current != "attract":
            log.info("no touch on %s for a while: back to the start", self.sm.current)
            self.go_home()

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

    def take_ticket(self, view: ServiceView, group: str | None, request_key: str,
                    on_finished) -> None:
        """Issue on the desk worker (a double tap reuses request_key: one ticket)."""
        lang = self.lang
        code = view.service.code
        tapped = time.perf_counter()

        def issue() -> LobbyTicket | TicketRefused:
            started = time.perf_counter()
            try:
                return self.lobby.take_ticket(code, group, request_key, lang)
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
