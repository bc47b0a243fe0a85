"""Headless scenarios of the lobby kiosk: tickets, closed services, offline, a failing printer.

Each runs on a fixed "Monday morning" clock (moving with real time), so opening hours hold at
any hour of the day, and with short timeouts so the idle return is seen in seconds.
"""
from __future__ import annotations

import datetime as dt
import functools
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from kiosk.contract.config import Config, RateLimit
from kiosk.domain.clock import Clock
from screens.scenarios.driver import Scenario, ScenarioDriver


def monday_clock(timezone: str, hhmm: str) -> Clock:
    """A clock that starts at this week's Monday (local) at hh:mm and runs at real speed."""
    tz = ZoneInfo(timezone)
    today = dt.datetime.now(tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    start = dt.datetime.combine(monday, dt.time.fromisoformat(hhmm), tz).astimezone(dt.timezone.utc)
    t0 = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - t0)


@dataclass
class LobbyScenario(Scenario):
    timeout_s: float = 120.0  # the stays and the "more time?" question add up on a loaded machine
    local_time: str = "09:00"             # on Monday
    printer_kind: str = "preview"
    lobby: dict = field(default_factory=dict)      # LobbySettings overrides
    services: dict = field(default_factory=dict)   # service code -> Service overrides
    central: dict = field(default_factory=dict)    # CentralSettings overrides (e.g. an unreachable URL)

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        lobby = config.lobby.model_copy(update={"idle_timeout_s": 8.0, "ticket_screen_s": 6.0, "more_time_s": 3.0,
                                                "dossier_result_s": 10.0, **self.lobby})
        services = [s.model_copy(update=self.services.get(s.code, {})) for s in config.services]
        config = config.model_copy(update={
            "lobby": lobby, "services": services,
            "device": config.device.model_copy(update={"kiosk_mode": False}),
            "printer": config.printer.model_copy(update={"kind": self.printer_kind}),
            "speech": config.speech.model_copy(update={"mode": "file"}),  # no sound card needed
            "central": config.central.model_copy(update=self.central),
        })
        return config, monday_clock(config.centre.timezone, self.local_time)

    def after_screenshot(self, driver: ScenarioDriver, name: str) -> None:
        from screens.lobby.audit import audit  # Kivy: once the launcher has configured it
        driver.facts.setdefault("accessibility", {})[name] = audit(driver.app)

    def before_summary(self, driver: ScenarioDriver) -> None:
        """Every utterance as a WAV in OUT/speech (the speech worker writes them in file mode)."""
        app = driver.app
        flush = getattr(app.runtime.speaker, "flush", None)
        if flush is not None:
            flush(timeout=30)
        target = driver.out_dir / "speech"
        target.mkdir(exist_ok=True)
        for old in target.glob("*.wav"):
            old.unlink()
        for wav in sorted((app.runtime.data_dir / "speech").glob("*.wav")):
            shutil.copyfile(wav, target / wav.name)
        driver.facts["spoken"] = list(app.spoken)
        driver.facts["speech_files"] = sorted(p.name for p in target.glob("*.wav"))


# -- steps ---------------------------------------------------------------------------------
def _shows_page(services, page: int) -> bool:
    return bool(services.page == page)


def page_of(d: ScenarioDriver, code: str) -> Iterator:
    """Turn the service pages until the tile of `code` is shown."""
    services = d.screen("services")
    index = next(i for i, v in enumerate(services.views) if v.service.code == code)
    page = index // services.per_page
    while services.page != page:
        forward = services.page < page
        target = services.page + (1 if forward else -1)
        d.tap(d.widget("services", "next_page" if forward else "prev_page"))
        yield d.until(functools.partial(_shows_page, services, target), what=f"page {target + 1}")


def _lobby_ticket(d: ScenarioDriver) -> Iterator:
    app = d.app
    yield from d.started()
    yield from d.screenshot("attract")
    d.tap(d.widget("attract", "lang_en"))
    yield d.until(lambda: app.lang == "en", what="English")
    yield from d.screenshot("attract-en")
    d.tap(d.widget("attract", "lang_vi"))
    yield d.until(lambda: app.lang == "vi", what="Vietnamese again")
    d.tap_at(0.5, 0.45)  # anywhere on the attract screen
    yield d.on("services")
    services = d.screen("services")
    yield from d.screenshot("services")
    d.tap(d.widget("services", "next_page"))
    yield d.until(lambda: services.page == 1, what="page 2")
    yield from d.screenshot("services-page2")
    d.tap(d.widget("services", "prev_page"))
    yield d.until(lambda: services.page == 0, what="page 1 again")
    d.tap(services.tile_for("TPHT"))
    yield d.on("priority")
    yield from d.screenshot("priority")
    button = d.screen("priority").group_buttons["elderly"]
    d.mark("tap_priority_s")
    d.tap(button)
    d.tap(button)  # a double tap: both touches in the same frame
    yield d.on("ticket")
    d.mark("ticket_screen_s")
    ticket = d.screen("ticket")
    d.step("ticket shown", state=ticket.print_state)
    yield d.until(lambda: ticket.print_state != "printing", 15, "printing to finish")
    d.mark("printed_s")
    d.record_ticket()
    yield from d.screenshot("ticket")
    copied = d.copy_printed_ticket()
    d.step("printed ticket copied", file=copied.name if copied else None)
    d.facts["tickets_in_db"] = d.tickets_in_db()
    yield d.on("attract", timeout=app.kiosk_config.lobby.ticket_screen_s + app.kiosk_config.lobby.more_time_s + 5)
    d.mark("back_to_attract_s")
    yield from d.screenshot("attract-after-timeout")


def _lobby_closed(d: ScenarioDriver) -> Iterator:
    """11:15 on Monday: Tài chính - Thuế (mornings until 11:00) is closed, Cư trú has a daily
    quota of 1; a second ticket within the hour is refused by the kiosk's rate limit."""
    app = d.app
    yield from d.started()
    services = d.screen("services")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    # One ticket for Cư trú uses up its quota of one.
    yield from page_of(d, "CT")
    d.tap(services.tile_for("CT"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("ticket")
    yield d.until(lambda: d.screen("ticket").print_state != "printing", 15, "printing to finish")
    d.record_ticket()
    yield d.frames(3)  # the print outcome's layout, before tapping
    if app.sm.current == "ticket":  # its stay may already be over on a slow machine
        d.tap(d.widget("ticket", "done"))
    yield d.on("attract")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    yield d.until(lambda: not services.view_for("CT").state.is_open, what="Cư trú out of numbers")
    yield from page_of(d, "CT")
    yield from d.screenshot("services-closed")
    d.facts["closed_tiles"] = {t.code: t.detail for t in services.tiles if t.used and not t.available}
    yield from page_of(d, "TC")  # 8 tiles a page: Tài chính - Thuế is on page 2
    d.facts["closed_tiles"].update({t.code: t.detail for t in services.tiles if t.used and not t.available})
    d.tap(services.tile_for("TC"))
    yield d.on("message")
    message = d.screen("message")
    d.facts["closed_message"] = {"kind": message.kind, "reason": message.reason, "title": message.title,
                                 "message": message.message, "detail": message.detail}
    yield from d.screenshot("closed-reason")
    d.tap(d.widget("message", "back"))
    yield d.on("services")
    yield from page_of(d, "YT")
    d.tap(services.tile_for("YT"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("message")
    d.facts["refusal"] = {"kind": message.kind, "reason": message.reason, "message": message.message}
    yield from d.screenshot("refused")
    d.facts["tickets_in_db"] = d.tickets_in_db()
    d.mark("refused_s")
    yield d.on("attract", timeout=app.kiosk_config.lobby.idle_timeout_s + app.kiosk_config.lobby.more_time_s + 5)
    d.mark("idle_return_s")
    d.step("back to attract by the idle timeout")


def _lobby_printfail(d: ScenarioDriver) -> Iterator:
    """No printer answers: the number and QR stay on screen, longer, with advice."""
    yield from d.started()
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.screen("services").tile_for("DD"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("ticket")
    ticket = d.screen("ticket")
    yield d.until(lambda: ticket.print_state != "printing", 15, "printing to finish")
    d.record_ticket()
    yield from d.screenshot("ticket-print-failed")
    d.facts["tickets_in_db"] = d.tickets_in_db()
    d.tap(d.widget("ticket", "done"))
    yield d.on("attract")
    d.step("back to attract by Done")


def _lobby_offline(d: ScenarioDriver) -> Iterator:
    """The central cannot be reached: the kiosk says so discreetly and still issues numbers,
    from its own fallback block."""
    app = d.app
    yield from d.started()
    yield d.until(lambda: not app.online, 20, "the offline indicator")
    d.facts["online"] = app.online
    yield from d.screenshot("attract-offline")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.screen("services").tile_for("TPHT"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("ticket")
    yield d.until(lambda: d.screen("ticket").print_state != "printing", 15, "printing to finish")
    d.record_ticket()
    yield from d.screenshot("ticket-offline")
    d.facts["tickets_in_db"] = d.tickets_in_db()


def _lobby_access(d: ScenarioDriver) -> Iterator:
    """Voice mode (a first touch reads, a second chooses), "Nghe lại", large text, "Cần hỗ trợ"
    and the kind timeout's question, then home when nobody answers it."""
    app = d.app
    yield from d.started()
    d.tap(d.widget("attract", "lang_vi"))
    d.tap(app.root.ids.access.ids.voice)
    yield d.until(lambda: app.voice_mode, what="voice mode")
    d.tap_at(0.5, 0.45)  # first touch: the attract screen is read aloud
    yield d.frames(2)
    d.facts["voice_first_touch_screen"] = app.sm.current
    d.tap_at(0.5, 0.45)  # second touch: take a number
    yield d.on("services")
    services = d.screen("services")
    tile = services.tile_for("TPHT")
    d.tap(tile)  # read aloud
    yield d.frames(2)
    d.facts["voice_tile_words"] = app.spoken[-1]
    d.facts["voice_first_tile_screen"] = app.sm.current
    yield from d.screenshot("services-voice")
    d.tap(tile)  # chosen
    yield d.on("priority")
    d.tap(app.root.ids.access.ids.repeat)
    yield d.frames(2)
    d.facts["repeated"] = app.spoken[-1]
    app.voice_mode = False  # the keys act at once again
    d.tap(app.root.ids.access.ids.large_text)
    yield d.until(lambda: app.large_text, what="large text")
    yield from d.screenshot("priority-large-text")
    d.tap(app.root.ids.access.ids.large_text)
    yield d.until(lambda: not app.large_text, what="normal text")
    d.tap(app.root.ids.access.ids.help)
    yield d.on("message")
    d.facts["help"] = {"kind": d.screen("message").kind, "title": d.screen("message").title}
    yield from d.screenshot("help")
    yield d.until(lambda: app.more_time is not None and app.more_time.shown,
                  app.kiosk_config.lobby.idle_timeout_s + 10, "the more-time question")
    d.mark("asked_s")
    yield from d.screenshot("more-time")
    d.tap(app.more_time.ids.more)  # "Có, tôi cần thêm thời gian": the screen stays
    yield d.until(lambda: not app.more_time.shown, what="the question closed")
    d.facts["stayed_on"] = app.sm.current
    yield d.until(lambda: app.more_time.shown, app.kiosk_config.lobby.idle_timeout_s + 10, "the question again")
    yield d.on("attract", timeout=app.kiosk_config.lobby.more_time_s + 10)  # nobody answers: home
    d.mark("home_s")
    d.facts["help_events"] = d.db_rows("select payload from outbox where type = 'help.requested'")


def settled(d: ScenarioDriver):
    """Until the screen's arrival guard (KioskScreen.arrival_guard_s) has passed: taps count again."""
    guard = d.app.sm.current_screen.arrival_guard_s
    return d.until(lambda: time.monotonic() - d.app.screen_shown_at > guard + 0.05, what="the screen settled")


def _lobby_phone(d: ScenarioDriver) -> Iterator:
    """The central sends Zalo messages (the demo's gateway simulator): after the priority, the
    question; "Có", a wrong number explained, the right one grouped while typed, consent, and the
    ticket screen confirming it masked. Then a second citizen in voice mode lets the question
    time out: the ticket is printed without a number."""
    app = d.app
    yield from d.started()
    yield d.until(lambda: app.lobby.phone_channel == "zalo", 20, "the central's channel")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.screen("services").tile_for("TPHT"))
    yield d.on("priority")
    regular = d.widget("priority", "regular")
    d.tap(regular)
    d.tap(regular)  # a double tap: the second touch lands on the question, and is not a choice
    yield d.on("phone_ask")
    yield d.frames(3)
    d.facts["double_tap_stayed_on"] = app.sm.current
    yield settled(d)
    d.facts["ask_prompt"] = d.screen("phone_ask").prompt()
    yield from d.screenshot("phone-ask")
    d.tap(d.widget("phone_ask", "yes"))
    yield d.on("phone_entry")
    yield settled(d)
    entry = d.screen("phone_entry")
    pad = entry.ids.pad
    for digit in "0123":
        d.tap(pad.keys[digit])
    yield d.until(lambda: pad.text == "0123", what="digits typed")
    d.tap(d.widget("phone_entry", "agree"))
    yield d.until(lambda: bool(entry.error), what="the wrong number explained")
    d.facts["wrong_number"] = entry.error
    yield from d.screenshot("phone-wrong")
    d.tap(pad.ids["clear"])
    for digit in "0389123456":
        d.tap(pad.keys[digit])
    yield d.until(lambda: pad.text == "0389123456", what="the number typed")
    d.facts["typed_shows"] = entry.ids.number.text
    yield from d.screenshot("phone-entry")
    d.tap(d.widget("phone_entry", "agree"))
    yield d.on("ticket")
    ticket = d.screen("ticket")
    yield d.until(lambda: ticket.print_state != "printing", 15, "printing to finish")
    d.facts["ticket_texts"] = ticket.texts()
    yield from d.screenshot("phone-ticket")
    d.facts["screens_with_full_number"] = [name for name in ("phone_ask", "phone_entry", "ticket")
                                           if any("0389123456" in t.replace(" ", "") for t in d.screen(name).texts())]
    d.tap(d.widget("ticket", "done"))
    yield d.on("attract")
    # The next citizen, in voice mode, does not answer the question: a ticket without a number.
    d.tap(app.root.ids.access.ids.voice)
    yield d.until(lambda: app.voice_mode, what="voice mode")
    for _ in range(2):
        d.tap_at(0.5, 0.45)
        yield d.frames(2)
    yield d.on("services")
    tile = d.screen("services").tile_for("DD")
    d.tap(tile)
    yield d.frames(2)
    d.tap(tile)
    yield d.on("priority")
    regular = d.widget("priority", "regular")
    d.tap(regular)
    yield d.frames(2)
    d.tap(regular)
    yield d.on("phone_ask")
    yield settled(d)
    no_key = d.widget("phone_ask", "no_number")
    d.tap(no_key)  # voice mode: read aloud, not chosen
    yield d.frames(2)
    d.facts["voice_no_key"] = app.spoken[-1]
    d.facts["voice_stayed_on"] = app.sm.current
    d.mark("question_left_s")
    yield d.on("ticket", timeout=app.kiosk_config.lobby.idle_timeout_s + app.kiosk_config.lobby.more_time_s + 10)
    d.mark("ticket_by_timeout_s")
    yield d.until(lambda: ticket.print_state != "printing", 15, "printing to finish")
    d.facts["timeout_ticket_texts"] = ticket.texts()
    yield d.until(lambda: d.db_rows("select count(*) from outbox where type = 'ticket.issued' and "
                                    "(sent_at is null or payload like '%phone%')") == [(0,)], 20,
                  "the tickets synced and the number forgotten by the kiosk")
    d.facts["issued_payloads"] = [row[0] for row in d.db_rows(
        "select payload from outbox where type = 'ticket.issued' order by seq")]
    d.facts["tickets_in_db"] = d.tickets_in_db()


SCENARIOS = {s.name: s for s in (
    LobbyScenario("lobby-ticket", "attract, language switch, two service pages, a priority ticket with a double tap, "
                  "printing, back by the ticket timeout", _lobby_ticket,
                  lobby={"ticket_screen_s": 15.0}),  # the screenshot of the ticket comes before "more time?"
    LobbyScenario("lobby-closed", "a closed service explains itself, a quota reached, a refused ticket, back by the "
                  "idle timeout", _lobby_closed, local_time="11:15",
                  lobby={"rate_limit": RateLimit(tickets=1, per_seconds=3600)}, services={"CT": {"daily_quota": 1}}),
    LobbyScenario("lobby-offline", "the central is unreachable: an offline indicator, and a ticket from the kiosk's "
                  "own fallback block", _lobby_offline,
                  central={"url": "http://127.0.0.1:9", "token": "unused", "device_index": 1, "timeout_s": 1}),
    LobbyScenario("lobby-printfail", "the printer fails: the ticket stays on screen", _lobby_printfail,
                  printer_kind="none"),
    LobbyScenario("lobby-access", "voice mode, Nghe lại, large text, Cần hỗ trợ and the more-time question",
                  _lobby_access, lobby={"idle_timeout_s": 15.0, "more_time_s": 8.0}),
    LobbyScenario("lobby-phone", "a central with a Zalo channel: the phone question, a wrong number, the number "
                  "typed and consented, the ticket confirming it masked; the question left unanswered prints "
                  "without a number", _lobby_phone, notify_channel="zalo",
                  lobby={"idle_timeout_s": 20.0, "more_time_s": 4.0}),  # room for screenshots on a loaded machine
)}
