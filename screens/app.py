"""The lobby kiosk app: screens, navigation, the idle timer, language and device status.

Screens are built once and updated in place. Anything that touches the database or a device
runs on a BackgroundWorker whose results come back on the UI thread through Kivy's Clock.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.i18n import LANGUAGES, N_
from kiosk.lobby import LobbyTicket
from kiosk.ports import HealthReport, HealthState, PrintResult, PrinterStatus
from kiosk.ticketing import ServiceView, TicketRefused
from kiosk.worker import BackgroundWorker
from kiosk.sync.enrolment import short_device_id
from screens import theme
from screens.roles import clock_dispatch
from screens.runtime import LobbyRuntime
from screens.service_manager import announce_ready, record_first_frame

log = logging.getLogger(__name__)

PRINTER_TEXT = {
    "ok": N_("Printer ready"),
    "attention": N_("Printer needs attention"),
    "failed": N_("Printer not working"),
    "unknown": N_("Printer status unknown"),
}
MSG_QUEUE_TICKET = N_("This paper is your queue number, not a dossier receipt. Please watch the screen for your number to be called.")
MSG_OLD_TICKET = N_("This queue ticket was for {date}: it is no longer used. Please take a new number if you need one.")
_STATUS_STATE = {PrinterStatus.OK: "ok", PrinterStatus.PAPER_LOW: "attention", PrinterStatus.PAPER_OUT: "failed",
                 PrinterStatus.OFFLINE: "failed", PrinterStatus.UNKNOWN: "unknown"}
_HEALTH_STATE = {HealthState.OK: "ok", HealthState.DEGRADED: "attention", HealthState.FAILED: "failed",
                 HealthState.UNKNOWN: "unknown"}


class LobbyRoot(BoxLayout):
    """The screen manager above a thin status bar (layout in root.kv)."""


class KioskApp(App):
    title = "Kiosk Một Cửa"
    lang = StringProperty("vi")            # the language shown now
    other_lang = StringProperty("en")      # the second language (the attract screen shows both)
    u = NumericProperty(1.0)               # layout unit: 1 px on a 1080x1920 portrait screen
    portrait = BooleanProperty(True)
    online = BooleanProperty(True)         # set by the sync code when the central is unreachable
    printer_state = StringProperty("unknown")  # ok | attention | failed | unknown
    printer_ok = BooleanProperty(True)
    device_label = StringProperty("")
    lookup_available = BooleanProperty(False)  # the dossier look-up is wired (a central is configured)
    scanner_ready = BooleanProperty(False)     # a scanner is configured: the look-up screen says "scan"

    def __init__(self, runtime: LobbyRuntime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime
        self.kiosk_config = runtime.config
        self.desk = runtime.desk
        self.lobby = runtime.lobby
        self.translator = runtime.translator
        self.default_lang = runtime.config.device.language
        self.lang = self.default_lang
        self.other_lang = self._other(self.default_lang)
        self.device_label = short_device_id(runtime.config.device.id)
        self.views: list[ServiceView] = []  # the last overview, shared by the screens
        self.desk_worker: BackgroundWorker | None = None
        self.device_worker: BackgroundWorker | None = None
        self.dossier_worker: BackgroundWorker | None = None  # look-ups never wait behind a ticket
        self.dossiers = runtime.dossiers                     # kiosk.dossier.lookup.DossierDesk | None
        self.lookup_available = self.dossiers is not None
        self.scanner_ready = runtime.config.scanner.kind != "none"
        self._lookup_busy = False
        self.scans_ignored = 0
        self.scanner = None  # devices.scanner.ScannerSupervisor, set by screens.run
        self.technician = None  # screens.technician.TechnicianMode, set in build()
        self.last_slip: PrintResult | None = None
        self.first_frame_at: float | None = None  # time.monotonic() of the first frame drawn
        self.screen_changes = 0
        self.metrics: dict[str, float] = {}  # last measured latencies (ms), for scenarios and logs
        self._idle_ev = None
        self._deliver_started = 0.0

    # -- translation -------------------------------------------------------------------------
    def tr(self, message: str, lang: str | None = None) -> str:
        """Translate an English msgid; in .kv pass app.lang so the text rebinds on a switch."""
        return self.translator.gettext(message, lang or self.lang)

    @staticmethod
    def _other(lang: str) -> str:
        return next(code for code in LANGUAGES if code != lang)

    def set_language(self, lang: str) -> None:
        if lang not in LANGUAGES or lang == self.lang:
            return
        self.translator.set_language(lang)
        self.lang = lang
        self.other_lang = self._other(lang)

    def printer_text(self, state: str, lang: str) -> str:
        return self.tr(PRINTER_TEXT.get(state, PRINTER_TEXT["unknown"]), lang)

    # -- time --------------------------------------------------------------------------------
    def now_local(self) -> dt.datetime:
        return self.runtime.clock().astimezone(self.desk.tz)

    # -- building ----------------------------------------------------------------------------
    def build(self):
        from screens import widgets  # noqa: F401  (loads widgets.kv)
        from screens.attract import AttractScreen
        from screens.lookup import DossierScreen, LookupMessageScreen, LookupScreen
        from screens.message import MessageScreen
        from screens.priority import PriorityScreen
        from screens.services import ServicesScreen
        from screens.ticket import TicketScreen

        self.desk_worker = BackgroundWorker("lobby-desk", dispatch=clock_dispatch)
        self.device_worker = BackgroundWorker("lobby-devices", dispatch=clock_dispatch)
        self.dossier_worker = BackgroundWorker("lobby-dossier", dispatch=clock_dispatch)
        Window.clearcolor = theme.BG
        Window.bind(size=self._on_window_size, on_touch_down=self._on_any_touch)
        if self.runtime.kiosk_mode:
            Window.bind(on_request_close=lambda *args, **kwargs: True)  # no closing from the keyboard
        self._on_window_size(Window, Window.size)

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
        from screens.technician.mode import TechnicianMode
        capabilities = {"printer"} | ({"scanner"} if self.scanner_ready else set())
        self.technician = TechnicianMode(self, db=self.desk.db, home="attract", capabilities=frozenset(capabilities),
                                         clock=self.runtime.clock, printer=self.runtime.printer)
        self.technician.install(sm)
        self.runtime.health.subscribe(self._health_from_any_thread)
        for report in self.runtime.health.snapshot().values():
            self._on_health(report)
        return root

    def on_start(self) -> None:
        announce_ready()
        # SDL turns SIGTERM into a window-close request, which kiosk mode refuses: a service
        # manager stopping the kiosk must still stop it.
        signal.signal(signal.SIGTERM, self._on_sigterm)
        Window.bind(on_flip=self._first_flip)
        self.refresh_overview()
        self.device_worker.submit(self.runtime.printer.status, on_done=self._on_printer_status,
                                  on_error=lambda exc: None)
        self.screen("attract").on_pre_enter()

    def _on_sigterm(self, signum, frame) -> None:
        log.info("SIGTERM: stopping")
        Clock.schedule_once(lambda dt_: self.stop())

    def _first_flip(self, *args) -> None:
        record_first_frame(self)
        Window.unbind(on_flip=self._first_flip)

    def on_stop(self) -> None:
        if self.technician is not None:
            self.technician.close()
        # Kivy may dispatch on_stop twice (App.stop, then the end of App.run): close once.
        workers = (self.desk_worker, self.device_worker, self.dossier_worker)
        self.desk_worker = self.device_worker = self.dossier_worker = None
        for worker in workers:
            if worker is not None:
                worker.drain(timeout=5)  # a ticket being printed is finished, not dropped
                worker.close()

    def _on_window_size(self, window, size) -> None:
        w, h = size
        self.portrait = h >= w
        self.u = min(w / 1080, h / 1920) if self.portrait else min(w / 1920, h / 1080)

    # -- navigation --------------------------------------------------------------------------
    def screen(self, name: str):
        return self.sm.get_screen(name)

    def go(self, name: str, **kwargs: Any) -> None:
        """Show a screen, after giving it what it displays (screens are reused, never rebuilt)."""
        self.screen(name).prepare(**kwargs)
        self.sm.current = name
        self.screen_changes += 1
        self.reset_idle()

    def go_home(self, *args) -> None:
        """Back to the attract screen, in the kiosk's own language, for the next citizen."""
        self.set_language(self.default_lang)
        self.go("attract")

    def start(self) -> None:
        self.go("services", page=0)

    # -- idle timer --------------------------------------------------------------------------
    def _on_any_touch(self, window, touch) -> None:
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
    def apply_config(self, config) -> None:
        """A new centre config from the central, applied without a restart."""
        self.runtime.config = config
        self.kiosk_config = config
        self.refresh_overview()

    def refresh_overview(self) -> None:
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

        self.desk_worker.submit(issue, on_done=done, on_error=failed)

    def show_ticket(self, lobby_ticket: LobbyTicket) -> None:
        self.go("ticket", lobby_ticket=lobby_ticket)
        self.refresh_overview()
        if lobby_ticket.ticket.repeated:
            return  # the same ticket as a moment ago (double tap): it is already being printed
        ticket_id = lobby_ticket.ticket.ticket_id
        self._deliver_started = time.perf_counter()
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
        from screens.services import closed_explanation
        title, message, detail = closed_explanation(self, view)
        self.go("message", title=title, message=message, detail=detail, back_to="services", kind="closed",
                reason=view.state.availability.value)

    # -- dossier look-up (issue 5) ------------------------------------------------------------
    def open_lookup(self) -> None:
        if self.lookup_available:
            self.go("lookup")

    def on_scan(self, scan) -> None:
        """A code from the scanner (UI thread, handed over by Clock): look it up from any screen."""
        if self.technician is not None and self.technician.on_scan(scan.data):
            return  # an enrolment QR or the scanner test: never a citizen's look-up
        if not self.lookup_available:
            self.scans_ignored += 1
            return
        if self.sm.current == "priority" and getattr(self.screen("priority"), "busy", False):
            self.scans_ignored += 1  # a ticket is being issued: let it finish
            return
        self.look_up(scan.data, source="scanner")

    def look_up(self, payload: str | bytes, source: str = "keyboard") -> None:
        """payload -> DossierDesk.scan on the dossier worker -> the result screen (UI thread)."""
        if self.dossiers is None or self.dossier_worker is None:
            return
        if self._lookup_busy:
            self.scans_ignored += 1  # one look-up at a time; a second scan while waiting is dropped
            return
        self._lookup_busy = True
        started = time.perf_counter()
        if self.sm.current != "lookup":
            self.go("lookup")
        self.screen("lookup").busy = True
        desk, dossiers = self.desk, self.dossiers

        def job():
            from kiosk.dossier.lookup import TicketScanned
            answer = dossiers.scan(payload)
            ticket = self._local_ticket(desk, answer.ticket) if isinstance(answer, TicketScanned) else None
            return answer, ticket

        def done(result) -> None:
            self._lookup_busy = False
            self.metrics["lookup_ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.metrics[f"lookup_{source}_ms"] = self.metrics["lookup_ms"]
            self.show_lookup_answer(*result)

        def failed(exc: BaseException) -> None:
            self._lookup_busy = False
            log.error("dossier look-up failed: %s", type(exc).__name__)  # never the payload
            from kiosk.dossier.lookup import MSG_UNAVAILABLE
            self.go("lookup_message", kind="unavailable", message=self.tr(MSG_UNAVAILABLE))

        self.dossier_worker.submit(job, on_done=done, on_error=failed)

    @staticmethod
    def _local_ticket(desk, ref) -> dict | None:
        """A scanned queue ticket of this kiosk (worker thread): its service, if we issued it."""
        from kiosk.storage.tickets import Ticket
        try:
            with desk.db.transaction() as s:
                row = s.get(Ticket, ref.ticket_id)
                return None if row is None else {"service_code": row.service_code, "day": row.day}
        except Exception as exc:  # noqa: BLE001 - the answer is shown without the service then
            log.warning("cannot read the scanned ticket: %s", type(exc).__name__)
            return None

    def show_lookup_answer(self, answer, ticket: dict | None = None) -> None:
        from kiosk.dossier.lookup import Message, Shown, TicketScanned
        if isinstance(answer, Shown):
            self.go("dossier", view=answer.view)
        elif isinstance(answer, TicketScanned):
            self.go("lookup_message", **self._ticket_message(answer.ticket, ticket))
        elif isinstance(answer, Message):
            self.go("lookup_message", kind=answer.kind, message=answer.message, reason=answer.reason)

    def _ticket_message(self, ref, ticket: dict | None) -> dict:
        tr = self.tr
        service = ""
        if ticket is not None:
            try:
                service = self.kiosk_config.service(ticket["service_code"]).display_name(self.lang)
            except KeyError:
                service = ""
        today = self.now_local().date()
        if ref.day != today:
            message = tr(MSG_OLD_TICKET).format(date=ref.day.strftime("%d/%m/%Y"))
        else:
            message = tr(MSG_QUEUE_TICKET)
        return {"kind": "ticket", "number": ref.number, "detail": service, "message": message}

    def read_dossier_aloud(self, view) -> None:
        parts = [view.status_label, view.timeliness_label or "", view.next_step]
        text = ". ".join(p.rstrip(".") for p in parts if p) + "."
        lang = self.lang
        self.device_worker.submit(lambda: self.runtime.speaker.say(text, lang), on_error=lambda exc: None)

    def dossier_printout(self, view):
        from kiosk.ports import TicketPrintout
        from screens.lookup import day_text
        tr = self.tr
        lines = [f"{tr('Dossier code')}: {view.code}",
                 f"{tr('Received on')}: {day_text(view.received_date)}",
                 f"{tr('Results due on')}: {day_text(view.due_date)}"]
        if view.finished_date:
            lines.append(f"{tr('Completed on')}: {day_text(view.finished_date)}")
        if view.timeliness_label:
            lines.append(view.timeliness_label)
        lines.append(view.next_step)
        lines.append(self.now_local().strftime("%H:%M — %d/%m/%Y"))
        # No applicant data on paper: a slip left at the kiosk must not identify anyone.
        return TicketPrintout(header=self.kiosk_config.centre.display_name(self.lang), number=view.status_label,
                              service=view.procedure_name, lines=tuple(lines), qr_payload=view.code,
                              footer=tr("This slip shows the status when it was printed. Keep your appointment slip."))

    def print_dossier_slip(self, view) -> None:
        printout = self.dossier_printout(view)
        code = view.code

        def job():
            try:
                return self.runtime.printer.print_ticket(printout)
            except Exception as exc:  # noqa: BLE001
                return PrintResult(ok=False, message=f"printer error: {type(exc).__name__}")

        def done(result: PrintResult) -> None:
            self.last_slip = result
            self.screen("dossier").print_finished(code, result.ok)

        self.device_worker.submit(job, on_done=done)

    # -- device health -----------------------------------------------------------------------
    def _health_from_any_thread(self, report: HealthReport) -> None:
        Clock.schedule_once(lambda dt_: self._on_health(report))

    def _on_health(self, report: HealthReport) -> None:
        if report.device == "central":
            self.online = report.state is HealthState.OK
        if report.device == "printer":
            self.printer_state = _HEALTH_STATE.get(report.state, "unknown")
            self.printer_ok = self.printer_state in ("ok", "unknown")

    def _on_printer_status(self, status: PrinterStatus) -> None:
        self.printer_state = _STATUS_STATE.get(status, "unknown")
        self.printer_ok = self.printer_state in ("ok", "unknown")
