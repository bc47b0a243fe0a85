"""The dossier look-up flow of the lobby kiosk (issue 5): a scanned or typed code goes to
kiosk.dossier.DossierDesk on its own worker (a look-up never waits behind a ticket), and the
answer to the look-up screens; reading the result aloud and printing a status slip go to the
device worker. The screens (lookup.py, dossier.py, lookup_message.py) only show."""
from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from kiosk.dossier.lookup import MSG_UNAVAILABLE, DossierDesk, Message, Shown, TicketScanned
from kiosk.i18n import N_
from kiosk.dossier.view import late_advice
from kiosk.spoken import date_words, number_to_words
from kiosk.ports import PrintResult, TicketPrintout
from kiosk.storage.tickets import Ticket
from kiosk.ticketing import TicketDesk
from kiosk.worker import BackgroundWorker
from screens.lobby.dossier import day_text
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)

MSG_QUEUE_TICKET = N_("This paper is your queue number, not a dossier receipt. Please watch the screen for your number to be called.")
MSG_OLD_TICKET = N_("This queue ticket was for {date}: it is no longer used. Please take a new number if you need one.")


class DossierLookup:
    """One look-up at a time; a second scan while waiting is dropped (counted)."""

    def __init__(self, app: Any, dossiers: DossierDesk | None) -> None:
        self.app = app
        self.dossiers = dossiers
        self.worker: BackgroundWorker | None = None
        self.busy = False
        self.scans_ignored = 0
        self.last_slip: PrintResult | None = None

    @property
    def available(self) -> bool:
        return self.dossiers is not None

    def start(self) -> None:
        self.worker = BackgroundWorker("lobby-dossier", dispatch=on_ui_thread)

    def close(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.drain(timeout=5)
            worker.close()

    def open(self) -> None:
        if self.available:
            self.app.go("lookup")

    def on_scan(self, payload: str | bytes) -> None:
        """A code from the scanner (UI thread), on any screen of the citizen's flow."""
        app = self.app
        if not self.available:
            self.scans_ignored += 1
            return
        if app.sm.current == "priority" and getattr(app.screen("priority"), "busy", False):
            self.scans_ignored += 1  # a ticket is being issued: let it finish
            return
        self.look_up(payload, source="scanner")

    def look_up(self, payload: str | bytes, source: str = "keyboard") -> None:
        """payload -> DossierDesk.scan on the dossier worker -> the result screen (UI thread)."""
        app, dossiers = self.app, self.dossiers
        if dossiers is None or self.worker is None:
            return
        if self.busy:
            self.scans_ignored += 1
            return
        self.busy = True
        started = time.perf_counter()
        if app.sm.current != "lookup":
            app.go("lookup")
        app.screen("lookup").busy = True
        if app.voice_guidance:  # the wait is said, not only shown
            app.speak(app.tr("Looking up your dossier..."))
        desk = app.desk

        def job() -> tuple[Any, dict | None]:
            answer = dossiers.scan(payload)
            ticket = local_ticket(desk, answer.ticket) if isinstance(answer, TicketScanned) else None
            return answer, ticket

        def done(result: tuple[Any, dict | None]) -> None:
            self.busy = False
            app.metrics["lookup_ms"] = round((time.perf_counter() - started) * 1000, 1)
            app.metrics[f"lookup_{source}_ms"] = app.metrics["lookup_ms"]
            self.show_answer(*result)

        def failed(exc: BaseException) -> None:
            self.busy = False
            log.error("dossier look-up failed: %s", type(exc).__name__)  # never the payload
            app.go("lookup_message", kind="unavailable", message=app.tr(MSG_UNAVAILABLE))

        self.worker.submit(job, on_done=done, on_error=failed)

    def show_answer(self, answer: Any, ticket: dict | None = None) -> None:
        app = self.app
        if isinstance(answer, Shown):
            app.go("dossier", view=answer.view)
        elif isinstance(answer, TicketScanned):
            app.go("lookup_message", **self.ticket_message(answer.ticket, ticket))
        elif isinstance(answer, Message):
            app.go("lookup_message", kind=answer.kind, message=answer.message, reason=answer.reason)

    def ticket_message(self, ref: Any, ticket: dict | None) -> dict:
        app = self.app
        service = ""
        if ticket is not None:
            try:
                service = app.kiosk_config.service(ticket["service_code"]).display_name(app.lang)
            except KeyError:
                service = ""
        # the ticket page URL names the ticket only: its day and number come from this kiosk's copy
        day = ref.day or (dt.date.fromisoformat(ticket["day"]) if ticket and ticket.get("day") else None)
        if day is not None and day != app.now_local().date():
            message = app.tr(MSG_OLD_TICKET).format(date=day.strftime("%d/%m/%Y"))
        else:
            message = app.tr(MSG_QUEUE_TICKET)
        number = ref.number or (ticket or {}).get("display_number") or ""
        return {"kind": "ticket", "number": number, "detail": service, "message": message}

    def spoken(self, view: Any) -> str:
        """Status, timeliness and next step (no code, no name: the hall may hear it); a late
        dossier's days and new date as words."""
        lang = self.app.lang
        next_step = view.next_step
        if view.days_late:
            shown = late_advice(view.days_late, view.new_due_date, self.app.tr)
            said = late_advice(view.days_late, view.new_due_date, self.app.tr,
                               days_text=lambda n: number_to_words(n, lang),
                               date_text=lambda d: date_words(d, lang))
            next_step = next_step.replace(shown, said)
        parts = [view.status_label, view.timeliness_label or "", next_step]
        return ". ".join(p.rstrip(".") for p in parts if p) + "."

    def printout(self, view: Any) -> TicketPrintout:
        app = self.app
        tr = app.tr
        lines = [f"{tr('Dossier code')}: {view.code}",
                 f"{tr('Received on')}: {day_text(view.received_date)}",
                 f"{tr('Results due on')}: {day_text(view.due_date)}"]
        if view.finished_date:
            lines.append(f"{tr('Completed on')}: {day_text(view.finished_date)}")
        if view.timeliness_label:
            lines.append(view.timeliness_label)
        lines.append(view.next_step)
        lines.append(app.now_local().strftime("%H:%M — %d/%m/%Y"))
        # No applicant data on paper: a slip left at the kiosk must not identify anyone.
        return TicketPrintout(header=app.kiosk_config.centre.display_name(app.lang), number=view.status_label,
                              service=view.procedure_name, lines=tuple(lines), qr_payload=view.code,
                              footer=tr("This slip shows the status when it was printed. Keep your appointment slip."))

    def print_slip(self, view: Any) -> None:
        printout = self.printout(view)
        code = view.code
        printer = self.app.runtime.printer

        def job() -> PrintResult:
            try:
                return printer.print_ticket(printout)
            except Exception as exc:  # noqa: BLE001
                return PrintResult(ok=False, message=f"printer error: {type(exc).__name__}")

        def done(result: PrintResult) -> None:
            self.last_slip = result
            self.app.screen("dossier").print_finished(code, result.ok)

        self.app.device_worker.submit(job, on_done=done)


def local_ticket(desk: TicketDesk, ref: Any) -> dict | None:
    """A scanned queue ticket of this kiosk (worker thread): its service, if we issued it."""
    try:
        with desk.db.transaction() as s:
            row = s.get(Ticket, ref.ticket_id)
            return None if row is None else {"service_code": row.service_code, "day": row.day,
                                             "display_number": row.display_number}
    except Exception as exc:  # noqa: BLE001 - the answer is shown without the service then
        log.warning("cannot read the scanned ticket: %s", type(exc).__name__)
        return None
