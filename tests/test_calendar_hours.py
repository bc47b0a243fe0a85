"""Holidays and closed days, hours per weekday and the centre's rating reasons: the schema, the
shared schedule functions, and the lobby that applies them (real SQLite, the desk's own clock)."""
import datetime as dt
import tomllib

import pytest

from kiosk.contract.config import SAMPLE_CONFIG, ConfigError, load_config, parse_config
from kiosk.contract.windows import day_off, hours_weekday, windows_on, works_on
from kiosk.i18n import Translator
from kiosk.lobby import Lobby
from kiosk.storage import open_database
from kiosk.ticketing import TicketDesk, TicketRefused

SATURDAY_9AM = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)  # 09:00 in Hà Nội
SATURDAY_2PM = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.timezone.utc)


def with_calendar(config, calendar=(), **service0):
    data = config.model_dump(mode="json")
    data["calendar"] = list(calendar)
    data["services"][0].update(service0)
    return parse_config(data)


def test_old_configs_load_and_new_keys_come_from_toml(tmp_path, config):
    assert config.calendar == [] and config.rating_reasons == [] and all(s.hours == {} for s in config.services)
    text = tmp_path / "centre.toml"
    text.write_text('''
[centre]
code = "000.00.12.H12"
name = "Trung tâm"

[[services]]
code = "TPHT"
name = "Tư pháp"
weekdays = [1, 2, 3, 4, 5, 6]
[services.hours]
6 = [{start = "07:30", end = "11:30"}]

[[calendar]]
date = 2027-02-05
name = "Tết Nguyên Đán"

[[calendar]]
date = 2027-02-20
kind = "working"
name = "Làm bù"
hours_of = 5

[[rating_reasons]]
code = "cho_lau"
name = "Chờ quá lâu"
order = 2

[[rating_reasons]]
code = "thai_do"
name = "Thái độ chưa tốt"
name_en = "Attitude"
order = 1
''', encoding="utf-8")
    loaded = load_config(text)
    assert [w.start for w in loaded.services[0].hours[6]] == ["07:30"]
    assert loaded.calendar[0].date == dt.date(2027, 2, 5) and loaded.calendar[0].kind == "holiday"
    assert loaded.reason_codes() == ("thai_do", "cho_lau")
    assert loaded.rating_reason("thai_do").display_name("en") == "Attitude"  # type: ignore[union-attr]


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"services": {"hours": {"6": [{"start": "07:30", "end": "11:30"}]}}}, "services[0]", "not in weekdays"),
    ({"services": {"weekdays": [6], "hours": {"6": []}}}, "services[0]", "are empty"),
    ({"services": {"weekdays": [6], "hours": {"6": [{"start": "08:00", "end": "11:00"},
                                                    {"start": "10:00", "end": "12:00"}]}}}, "services[0]", "overlap"),
    ({"calendar": [{"date": "2027-02-05", "name": "Tết"}, {"date": "2027-02-05", "name": "Tết"}]}, "(top level)",
     "listed twice"),
    ({"calendar": [{"date": "2027-02-30", "name": "Tết"}]}, "calendar[0].date", "date"),
    ({"calendar": [{"date": "2027-02-05", "name": "Tết", "hours_of": 1}]}, "calendar[0]", "only for a working day"),
    ({"calendar": [{"date": "2027-02-05", "name": ""}]}, "calendar[0].name", "at least 1"),
    ({"rating_reasons": [{"code": "other", "name": "Khác"}]}, "rating_reasons[0].code", "always offered last"),
    ({"rating_reasons": [{"code": "a", "name": "A"}, {"code": "a", "name": "B"}]}, "(top level)", "unique"),
])
def test_bad_calendar_hours_and_reasons_are_named(config, change, key, words):
    data = config.model_dump(mode="json")
    for section, value in change.items():
        if section == "services":
            data["services"][0].update(value)
        else:
            data[section] = value
    with pytest.raises(ConfigError) as err:
        parse_config(data, "centre.toml")
    assert f"key `{key}" in str(err.value) and words in str(err.value)


def test_the_shared_schedule_functions(config):
    cfg = with_calendar(config, [{"date": "2027-02-05", "name": "Tết Nguyên Đán"},
                                 {"date": "2027-02-06", "kind": "closed", "name": "Sửa điện"},
                                 {"date": "2027-02-20", "kind": "working", "name": "Làm bù", "hours_of": 5}],
                        weekdays=[1, 2, 3, 4, 5, 6], hours={"6": [{"start": "07:30", "end": "11:30"}]})
    tpht, other = cfg.services[0], cfg.services[1]
    assert day_off(cfg.calendar, dt.date(2027, 2, 5)).name == "Tết Nguyên Đán"  # type: ignore[union-attr]
    assert day_off(cfg.calendar, dt.date(2027, 2, 20)) is None  # a working day is no day off
    assert not works_on(tpht, cfg.calendar, dt.date(2027, 2, 5)) and not works_on(other, cfg.calendar, dt.date(2027, 2, 6))
    saturday = dt.date(2026, 11, 28)
    assert [w.start for w in windows_on(tpht, cfg.calendar, saturday)] == ["07:30"]  # Saturday morning only
    assert windows_on(other, cfg.calendar, saturday) == []
    # the compensating Saturday works with Friday's hours, for every service open on Fridays
    assert hours_weekday(cfg.calendar, dt.date(2027, 2, 20)) == 5
    assert [w.start for w in windows_on(other, cfg.calendar, dt.date(2027, 2, 20))] == ["07:30", "13:30"]


def test_saturday_morning_only(tmp_path, config, monday_9am):
    cfg = with_calendar(config, weekdays=[1, 2, 3, 4, 5, 6], hours={"6": [{"start": "07:30", "end": "11:30"}]})
    monday_9am.now = SATURDAY_9AM
    desk = TicketDesk(open_database(tmp_path / "kiosk.db"), cfg, clock=monday_9am)
    states = {v.service.code: v.state.availability.value for v in desk.overview()}
    assert states["TPHT"] == "open" and states["DD"] == "closed_today"
    assert desk.issue("TPHT", None, "sat-1").display_number.endswith("001")
    monday_9am.now = SATURDAY_2PM  # the weekday afternoon window does not exist on Saturday
    with pytest.raises(TicketRefused) as refused:
        desk.issue("TPHT", None, "sat-2")
    assert refused.value.reason == "closed"


def test_no_ticket_on_a_public_holiday_and_the_lobby_says_why(tmp_path, config, monday_9am):
    cfg = with_calendar(config, [{"date": "2026-11-23", "name": "Ngày nghỉ bù Quốc khánh", "name_en": "Make-up holiday"},
                                 {"date": "2026-11-24", "kind": "closed", "name": "Bảo trì hệ thống điện"}])
    desk = TicketDesk(open_database(tmp_path / "kiosk.db"), cfg, clock=monday_9am)
    views = desk.overview()
    assert {v.state.availability.value for v in views} == {"day_off"}
    assert views[0].state.day_off.name == "Ngày nghỉ bù Quốc khánh"  # type: ignore[union-attr]
    with pytest.raises(TicketRefused) as refused:
        desk.issue("TPHT", None, "h-1")
    assert refused.value.reason == "day_off"
    lobby = Lobby(cfg, desk, printer=None, speaker=None, translator=Translator(), health=None)  # type: ignore[arg-type]
    assert lobby.refusal_message("day_off", "vi") == "Hôm nay Trung tâm nghỉ lễ: Ngày nghỉ bù Quốc khánh."
    assert lobby.refusal_message("day_off", "en") == "Today the centre is closed for a public holiday: Make-up holiday."
    monday_9am.advance(seconds=86400)  # the one-off closed day
    assert lobby.refusal_message("day_off", "vi") == "Hôm nay Trung tâm nghỉ: Bảo trì hệ thống điện."
    monday_9am.advance(seconds=86400)  # Wednesday: open again
    assert desk.issue("TPHT", None, "w-1").number == 1


def test_a_compensating_saturday_issues_numbers(tmp_path, config, monday_9am):
    cfg = with_calendar(config, [{"date": "2026-11-28", "kind": "working", "name": "Làm bù cho 2/9"}])
    monday_9am.now = SATURDAY_2PM
    desk = TicketDesk(open_database(tmp_path / "kiosk.db"), cfg, clock=monday_9am)
    states = {v.service.code: v.state.availability.value for v in desk.overview()}
    assert states["DD"] == states["TPHT"] == "open"  # Monday's hours: the afternoon too
    assert states["TC"] == "closed_today"  # its only window ends at 11:00, as on a Monday
    assert desk.issue("DD", None, "s-1").number == 1


def test_reason_codes_fall_back_to_the_device_list(config):
    data = config.model_dump(mode="json")
    assert config.reason_codes() == tuple(config.counter.rating.reason_codes)
    data["rating_reasons"] = [{"code": "cho_lau", "name": "Chờ quá lâu", "active": False}]
    assert parse_config(data).reason_codes() == tuple(config.counter.rating.reason_codes)  # nothing shown: fallback
    data["rating_reasons"] += [{"code": "b", "name": "B", "order": 5}, {"code": "a", "name": "A", "order": 5},
                               {"code": "z", "name": "Z", "order": 1}]
    assert parse_config(data).reason_codes() == ("z", "b", "a")  # by order, then as listed




def test_the_counter_offers_the_centres_reasons(tmp_path):
    from kiosk.counter import CounterService
    from tests.counter_support import counter_config
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["rating_reasons"] = [{"code": "cho_lau", "name": "Chờ quá lâu", "order": 2},
                              {"code": "thai_do", "name": "Thái độ chưa tốt", "order": 1},
                              {"code": "cu", "name": "Lý do cũ", "active": False}]
    db = open_database(tmp_path / "kiosk.db")
    try:
        assert CounterService(db, counter_config(base=data)).rules.reasons == ("thai_do", "cho_lau", "other")
        del data["rating_reasons"]
        fallback = CounterService(db, counter_config(base=data)).rules.reasons
        assert fallback == (*counter_config(base=data).counter.rating.reason_codes, "other")
    finally:
        db.close()


class _LobbyTexts:
    """The lobby app's text helpers (tr, lang, now_local, lobby) around the real core."""

    def __init__(self, lobby: Lobby, lang: str) -> None:
        self.lobby, self.lang, self.translator = lobby, lang, Translator()

    def tr(self, message: str, lang: str | None = None) -> str:
        return self.translator.gettext(message, lang or self.lang)

    def now_local(self) -> dt.datetime:
        return self.lobby.desk.clock().astimezone(self.lobby.desk.tz)


def test_the_lobby_tiles_name_the_holiday_and_show_saturday_hours(tmp_path, config, monday_9am):
    from screens.lobby.services import closed_explanation, tile_detail

    cfg = with_calendar(config, [{"date": "2026-11-23", "name": "Giỗ Tổ Hùng Vương", "name_en": "Hung Kings' Day"}],
                        weekdays=[1, 2, 3, 4, 5, 6], hours={"6": [{"start": "07:30", "end": "11:30"}]})
    desk = TicketDesk(open_database(tmp_path / "kiosk.db"), cfg, clock=monday_9am)
    lobby = Lobby(cfg, desk, printer=None, speaker=None, translator=Translator(), health=None)  # type: ignore[arg-type]
    view = desk.overview()[0]
    assert tile_detail(_LobbyTexts(lobby, "vi"), view) == "Nghỉ lễ: Giỗ Tổ Hùng Vương"
    assert tile_detail(_LobbyTexts(lobby, "en"), view) == "Public holiday: Hung Kings' Day"
    title, message, detail = closed_explanation(_LobbyTexts(lobby, "vi"), view)
    assert message.startswith("Hôm nay Trung tâm nghỉ lễ: Giỗ Tổ Hùng Vương.\n")
    assert detail.endswith("Thứ Bảy: 07:30 - 11:30")


def test_a_running_kiosk_picks_up_a_holiday_from_the_central(tmp_path, central):
    """The manager adds a holiday at the central: the kiosk's next config poll applies it without a
    restart; it stops asking for leases and gives no number that day; the next day it works again."""
    import requests
    from sqlalchemy import select

    from benchmarks.sync_support import enrolled_config, sample_document
    from kiosk.bootstrap import build_core
    from kiosk.storage.leases import NumberLease
    from kiosk.sync.client import CentralClient
    from kiosk.sync.leases import refusal_of
    from kiosk.sync.service import SyncService
    from tests.conftest import FakeClock

    config = enrolled_config(central)
    clock = FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc))  # Monday 09:00 local
    core = build_core(config, tmp_path / "kiosk", clock=clock)
    sync = SyncService(core, CentralClient(config.central.url, config.central.token, timeout=5))
    doc = sample_document()
    doc["calendar"] = [{"date": "2026-11-23", "kind": "closed", "name": "Tổng vệ sinh trụ sở"}]
    requests.put(f"{central.url}/api/v1/admin/centres", json=doc, headers=central.admin_headers,
                 timeout=10).raise_for_status()
    sync.run_once()
    assert core.desk.config.calendar[0].name == "Tổng vệ sinh trụ sở"
    with core.db.transaction() as s:  # no lease asked for a day off (a refusal would be remembered)
        assert s.scalars(select(NumberLease)).all() == [] and refusal_of(s, "TPHT", "2026-11-23") is None
    with pytest.raises(TicketRefused) as refused:
        core.desk.issue("TPHT", None, "closed-1")
    assert refused.value.reason == "day_off"
    clock.advance(seconds=86400)  # Tuesday
    sync.run_once()
    assert core.desk.issue("TPHT", None, "open-1").number == 1
    with core.db.transaction() as s:
        assert {lease.source for lease in s.scalars(select(NumberLease))} == {"central"}
    core.db.close()
