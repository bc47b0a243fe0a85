"""The lobby kiosk's flow, independent of any UI toolkit: issue a ticket, then print and
announce it on the device thread, recording the outcome and device health."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.contract.config import CalendarDay, Config
from kiosk.contract.windows import day_off
from kiosk.contract.events import Event
from kiosk.contract.phone import mask, normalise
from kiosk.contract.wire import HelpRequested
from kiosk.health import HealthBoard
from kiosk.i18n import N_, Translator
from kiosk.ports import HealthReport, HealthState, PrintResult, Speaker, TicketPrinter, TicketPrintout
from kiosk.outbox import add_event
from kiosk.spoken import number_to_words, ticket_number_words
from kiosk.storage.engine import StorageError
from kiosk.ticketing import IssuedTicket, TicketDesk, TicketRefused

log = logging.getLogger(__name__)

# Why a ticket was refused, in words a citizen understands (translated at display time).
REFUSAL_MESSAGES = {
    "closed": N_("This service is not taking numbers at the moment."),
    "quota_day": N_("All numbers for today have been given out for this service."),
    "quota_window": N_("All numbers for this session have been given out. Please come back for the next session."),
    "numbers_exhausted": N_("All numbers for today have been given out for this service."),
    "rate_limited": N_("Many numbers were just taken at this kiosk. Please wait a moment and try again."),
    "unknown_service": N_("This service is not available. Please ask at the information desk."),
    "unknown_group": N_("This priority group is not available. Please ask at the information desk."),
    "storage": N_("The kiosk cannot issue numbers right now. Please ask at the information desk."),
    "day_off": N_("The centre is closed today."),
}
# A day off of the centre's `calendar`, with its name ("Hôm nay Trung tâm nghỉ lễ: Tết Nguyên Đán.").
DAY_OFF_MESSAGES = {
    "holiday": N_("Today the centre is closed for a public holiday: {name}."),
    "closed": N_("Today the centre is closed: {name}."),
}


def channel_name(channel: str | None) -> str:
    """How screens name the channel: "Zalo" or "SMS" (the same in both languages)."""
    return "Zalo" if channel == "zalo" else "SMS"


@dataclass(frozen=True)
class LobbyTicket:
    ticket: IssuedTicket
    printout: TicketPrintout
    language: str
    notify_to: str = ""  # the consented number, masked (09******78): the ticket screen confirms it


class Lobby:
    def __init__(self, config: Config, desk: TicketDesk, printer: TicketPrinter, speaker: Speaker,
                 translator: Translator, health: HealthBoard) -> None:
        self.config = config
        self.desk = desk
        self.printer = printer
        self.speaker = speaker
        self.tr = translator
        self.health = health

    def refusal_message(self, reason: str, language: str) -> str:
        if reason == "day_off":
            closure = day_off(self.config.calendar, self.desk.clock().astimezone(self.desk.tz).date())
            if closure is not None:
                return self.day_off_message(closure, language)
        return self.tr.gettext(REFUSAL_MESSAGES.get(reason, REFUSAL_MESSAGES["storage"]), language)

    def day_off_message(self, closure: CalendarDay, language: str) -> str:
        return self.tr.gettext(DAY_OFF_MESSAGES[closure.kind], language).format(name=closure.display_name(language))

    @property
    def phone_channel(self) -> str | None:
        """"zalo" | "sms" when the central has a notification channel (the last configuration it
        sent, kept offline): only then is the citizen asked for a number."""
        return self.config.lobby.phone_channel if self.config.central.url else None

    def take_ticket(self, service_code: str, priority_group: str | None, request_key: str,
                    language: str, phone: str | None = None) -> LobbyTicket:
        """Commit the ticket durably and build what is printed. Raises TicketRefused.
        phone: given with consent; normalised here and dropped when no channel is configured."""
        if phone is not None:
            phone = normalise(phone) if self.phone_channel else None
        try:
            ticket = self.desk.issue(service_code, priority_group, request_key, phone)
        except StorageError as exc:
            self.health.report(HealthReport("storage", HealthState.FAILED, str(exc)))
            raise TicketRefused("storage", str(exc)) from exc
        return LobbyTicket(ticket, self.printout(ticket, language), language, mask(phone))

    def printout(self, ticket: IssuedTicket, language: str) -> TicketPrintout:
        _ = lambda m: self.tr.gettext(m, language)  # noqa: E731
        service = self.config.service(ticket.service_code)
        local = ticket.issued_at.astimezone(self.desk.tz)
        # "about": the kiosk's own estimate, without the central's queue (kiosk.waiting)
        ahead = (_("People waiting ahead of you: about {count}") if ticket.approximate
                 else _("People waiting ahead of you: {count}"))
        lines = [ahead.format(count=ticket.people_ahead)]
        if ticket.people_ahead:
            lines.append(_("Estimated wait: about {minutes} minutes").format(minutes=ticket.estimated_wait_minutes))
        else:
            lines.append(_("You are next. Please watch the screen."))
        if ticket.priority_group:
            group = self.config.priority_group(ticket.priority_group).display_name(language)
            lines.append(_("Priority: {group}").format(group=group))
        lines.append(local.strftime("%H:%M — %d/%m/%Y"))
        caption: tuple[str, ...] = ()
        if ticket.qr_payload.startswith(("https://", "http://")):  # the ticket page (kiosk.contract.ticket_page)
            caption = (_("Scan the QR code to follow your number on your phone:"),
                       ticket.qr_payload.split("://", 1)[1])
        return TicketPrintout(
            header=self.config.centre.display_name(language), number=ticket.display_number,
            service=service.display_name(language), lines=tuple(lines), qr_payload=ticket.qr_payload,
            footer=_("Please wait for your number to be called. Thank you!"), qr_caption=caption)

    def phone_note(self, lobby_ticket: LobbyTicket, language: str) -> str:
        """The ticket screen's confirmation of the number messages go to (masked); "" without one."""
        if not lobby_ticket.notify_to:
            return ""
        return self.tr.gettext(N_("A {channel} message will be sent to {phone}."), language).format(
            channel=channel_name(self.phone_channel), phone=lobby_ticket.notify_to)

    def announcement(self, ticket: IssuedTicket, language: str) -> str:
        _ = lambda m: self.tr.gettext(m, language)  # noqa: E731
        service = self.config.service(ticket.service_code).display_name(language)
        text = _("Your number is {number}, for {service}.").format(
            number=ticket_number_words(ticket.display_number, language), service=service)
        if ticket.people_ahead:
            ahead = (_("About {count} people are waiting ahead of you.") if ticket.approximate
                     else _("{count} people are waiting ahead of you."))
            text += " " + ahead.format(count=number_to_words(ticket.people_ahead, language))
        return text

    def ask_help(self, screen: str) -> None:
        """A citizen pressed "Cần hỗ trợ" on `screen`: the event reaches the central with the
        outbox (durable first, like a ticket), where it raises an alert for the staff."""
        with self.desk.db.transaction() as s:
            add_event(s, Event(HelpRequested(screen=screen[:64]), occurred_at=self.desk.clock()))

    def deliver(self, lobby_ticket: LobbyTicket) -> PrintResult:
        """Speak and print (slow, device thread). Never raises: a failure is a result + health."""
        try:
            self.speaker.say(self.announcement(lobby_ticket.ticket, lobby_ticket.language), lobby_ticket.language)
        except Exception as exc:  # speech is a courtesy: never lose the ticket over it
            log.warning("speech failed: %s", exc)
        try:
            result = self.printer.print_ticket(lobby_ticket.printout)
        except Exception as exc:
            result = PrintResult(ok=False, message=f"printer error: {exc}")
        if not result.ok:
            self.health.report(HealthReport("printer", HealthState.FAILED, result.message or "print failed"))
        try:
            self.desk.record_print(lobby_ticket.ticket.ticket_id, result)
        except StorageError as exc:
            self.health.report(HealthReport("storage", HealthState.FAILED, str(exc)))
        return result
