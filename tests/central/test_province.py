"""The province's one-stop system behind the central: look-ups through the cache, rating pushes
through the outbox, the daily file; against a real HTTP simulator that misbehaves on demand."""
from __future__ import annotations

import csv
import datetime as dt
import io
import time
from typing import Any, Iterator

import pytest
from central_helpers import Central, event, issued
from openpyxl import load_workbook
from sqlalchemy import select

from central.centres import find_centre
from central.dossiers import find_dossier
from central.province import export
from central.province.bridge import ProvinceBridge
from central.province.client import ProvinceError, RestProvinceClient
from central.province.outbox import ProvinceOutbox, backlog
from central.province.simulator import CLIENT_ID, CLIENT_SECRET, ProvinceSimulator
from kiosk.contract.wire import RatingReason, RatingRecorded, TicketCalled, TicketDossierLinked

CODE = "000.00.12.H12-261120-0042"
UTC = dt.timezone.utc


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProvinceSimulator]:
    monkeypatch.setenv("KIOSK_PROVINCE_ID", CLIENT_ID)
    monkeypatch.setenv("KIOSK_PROVINCE_SECRET", CLIENT_SECRET)
    with ProvinceSimulator() as s:
        s.add(CODE, 4, "Cấp giấy phép xây dựng", "Phòng Quản lý đô thị TP Cà Mau", dt.date(2026, 11, 20),
              due=dt.date(2026, 12, 4))
        yield s


def bridge_for(central: Central, sim: ProvinceSimulator, **settings: Any) -> ProvinceBridge:
    return ProvinceBridge(central.db, sim.settings(**settings)).install(central.embedded._app)


def test_look_up_goes_through_the_central_cache(central: Central, sim: ProvinceSimulator) -> None:
    bridge_for(central, sim, cache_ttl_s=300)
    kiosk = central.enrol("lobby")
    r = kiosk.get(f"/api/v1/dossiers/{CODE}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["code"], body["status"], body["office"], body["due_date"], body["received_date"]) == (
        CODE, 4, "Phòng Quản lý đô thị TP Cà Mau", "2026-12-04", "2026-11-20")
    assert body["procedure_name"] == "Cấp giấy phép xây dựng"
    assert sim.lookups == 1
    assert kiosk.get(f"/api/v1/dossiers/{CODE.lower()}").json()["office"] == body["office"]
    assert sim.lookups == 1  # fresh: answered by the central alone
    missing = "000.00.12.H12-261120-0999"
    for _ in range(3):
        r = kiosk.get(f"/api/v1/dossiers/{missing}")
        assert r.status_code == 404 and r.json()["detail"]["reason"] == "dossier_not_found"
    assert sim.lookups == 2  # "no such dossier" is remembered


def test_a_late_dossiers_new_appointment_date_comes_through_the_mapping(central: Central,
                                                                        sim: ProvinceSimulator) -> None:
    late = "000.00.12.H12-261020-0007"
    sim.add(late, 4, "Cấp đổi Giấy chứng nhận", "Văn phòng đăng ký đất đai", dt.date(2026, 10, 20),
            due=dt.date(2026, 11, 13), new_due=dt.date(2026, 12, 4))
    bridge_for(central, sim, cache_ttl_s=300)
    kiosk = central.enrol("lobby")
    body = kiosk.get(f"/api/v1/dossiers/{late}").json()
    assert (body["due_date"], body["new_due_date"]) == ("2026-11-13", "2026-12-04")
    assert kiosk.get(f"/api/v1/dossiers/{CODE}").json()["new_due_date"] is None
    with central.db.transaction() as s:  # stored in the cache row too: answered when the province is down
        row = find_dossier(s, find_centre(s, None).id, code=late)
        assert row is not None and row.new_due_date == dt.date(2026, 12, 4)


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_a_slow_failing_or_garbled_province_never_breaks_the_look_up(central: Central, sim: ProvinceSimulator,
                                                                      mode: str) -> None:
    bridge = bridge_for(central, sim, cache_ttl_s=0, timeout_s=0.5)
    kiosk = central.enrol("lobby")
    assert kiosk.get(f"/api/v1/dossiers/{CODE}").status_code == 200  # stored once
    sim.mode, sim.delay_s = mode, 2.0
    started = time.monotonic()
    stale = kiosk.get(f"/api/v1/dossiers/{CODE}")
    assert stale.status_code == 200 and stale.json()["office"]  # the stored answer, however old
    assert time.monotonic() - started < 1.8  # the timeout, not the province's pace
    other = "000.00.12.H12-261120-0043"
    sim.add(other, 2, "Đăng ký kết hôn", "UBND phường 5", dt.date(2026, 11, 20))
    r = kiosk.get(f"/api/v1/dossiers/{other}")
    assert r.status_code == 503 and r.json()["detail"]["reason"] == "province_unavailable"
    assert bridge.cache.stats["errors"] == 2
    sim.mode = "ok"
    assert kiosk.get(f"/api/v1/dossiers/{other}").json()["office"] == "UBND phường 5"


def test_an_expired_token_is_fetched_again(sim: ProvinceSimulator) -> None:
    client = RestProvinceClient(sim.settings())
    try:
        assert client.lookup(CODE) is not None
        sim.expire_tokens()
        found = client.lookup(CODE)
        assert found is not None and found.office.startswith("Phòng")
        wrong = RestProvinceClient(sim.settings(client_secret_env="NO_SUCH_VARIABLE"))
        with pytest.raises(ProvinceError) as caught:
            wrong.lookup(CODE)
        assert caught.value.kind == "auth"
        wrong.close()
    finally:
        client.close()


def test_answers_that_are_not_the_dossier_asked_for_are_refused(sim: ProvinceSimulator) -> None:
    client = RestProvinceClient(sim.settings())
    try:
        sim.dossiers[CODE]["trangThai"] = 99
        with pytest.raises(ProvinceError, match="bad_answer"):
            client.lookup(CODE)
        sim.dossiers[CODE].update(trangThai=4, maHoSo="000.00.12.H12-261120-0001")
        with pytest.raises(ProvinceError, match="bad_answer"):
            client.lookup(CODE)
        sim.dossiers[CODE].update(maHoSo=CODE, ngayHenTra="tomorrow")
        with pytest.raises(ProvinceError, match="bad_answer"):
            client.lookup(CODE)
    finally:
        client.close()


def rated_dossiers(central: Central, n: int, level: str = "satisfied", first: int = 0) -> list[tuple[str, str]]:
    """n tickets served at counter 1, each with one dossier linked and rated: [(dossier, rating id)]."""
    lobby, counter = central.enrol("lobby"), central.enrol("counter")
    tickets = [f"p{i}" for i in range(first, first + n)]
    assert all(x["status"] == "accepted" for x in lobby.send(*(issued(lobby, t) for t in tickets)).json()["results"])
    out, evs = [], []
    for i, t in enumerate(tickets, start=first):
        code = f"000.00.12.H12-261120-{i + 100:04d}"
        evs += [event(TicketCalled(ticket_id=t, counter=1, officer="nv01")),
                event(TicketDossierLinked(ticket_id=t, counter=1, officer="nv01", dossier_code=code)),
                event(RatingRecorded(rating_id=f"rr{i}", ticket_id=t, counter=1, officer="nv01", level=level))]
        out.append((code, f"rr{i}"))
    assert all(x["status"] == "accepted" for x in counter.send(*evs).json()["results"])
    central.counter = counter  # type: ignore[attr-defined]
    return out


def test_ratings_reach_the_province_and_nothing_is_lost_while_it_is_down(any_central: Central,
                                                                         sim: ProvinceSimulator) -> None:
    bridge = bridge_for(any_central, sim, retry_initial_s=30)
    rated = rated_dossiers(any_central, 5)
    sim.mode = "error"
    now = dt.datetime.now(UTC)
    done = bridge.run_once(now)
    assert (done.sent, done.retried) == (0, 1) and "server" in (done.last_error or "")
    with any_central.db.transaction() as s:
        assert backlog(s) == {"total": 5, "waiting": 5, "sent": 0, "refused": 0}
    sim.mode = "ok"
    sim.expire_tokens()  # and the token expired meanwhile
    assert bridge.run_once(now).sent == 4  # the one that failed waits for its back-off
    with any_central.db.transaction() as s:
        assert backlog(s)["waiting"] == 1
    later = now + dt.timedelta(minutes=2)
    assert bridge.run_once(later).sent == 1
    assert sorted(r["maHoSo"] for r in sim.ratings) == sorted(code for code, _ in rated)
    first = sim.ratings[0]
    assert (first["mucDoHaiLong"], first["maCanBo"], first["quay"], first["maCoQuan"]) == (
        "HAI_LONG", "nv01", 1, "000.00.12.H12")
    with any_central.db.transaction() as s:
        assert backlog(s) == {"total": 5, "waiting": 0, "sent": 5, "refused": 0}
    assert bridge.run_once(later + dt.timedelta(minutes=5)).sent == 0  # each once


def test_an_unsatisfied_rating_waits_for_its_reason(central: Central, sim: ProvinceSimulator) -> None:
    bridge = bridge_for(central, sim, reason_wait_s=120)
    [(code, rid)] = rated_dossiers(central, 1, level="unsatisfied")
    now = dt.datetime.now(UTC)
    assert bridge.run_once(now).sent == 0
    central.counter.send(event(RatingReason(rating_id=rid, counter=1, answered=True, reason="Chờ quá lâu",  # type: ignore[attr-defined]
                                            reason_code="long_wait")))
    assert bridge.run_once(now).sent == 1
    assert (sim.ratings[0]["lyDo"], sim.ratings[0]["maLyDo"], sim.ratings[0]["mucDoHaiLong"]) == (
        "Chờ quá lâu", "long_wait", "KHONG_HAI_LONG")
    # without a reason: pushed once the wait is over ("không trả lời" is not held forever)
    rated_dossiers(central, 1, level="unsatisfied", first=1)
    assert bridge.run_once(now).sent == 0
    assert bridge.run_once(now + dt.timedelta(minutes=3)).sent == 1 and sim.ratings[-1]["lyDo"] is None


def test_a_push_the_province_refuses_is_kept_and_not_retried(central: Central, sim: ProvinceSimulator) -> None:
    bridge = bridge_for(central, sim, rating_path="/api/khong-co")  # 404 for every push
    rated_dossiers(central, 2)
    now = dt.datetime.now(UTC)
    assert bridge.run_once(now).refused == 2
    with central.db.transaction() as s:
        assert backlog(s)["refused"] == 2
        assert all("refused" in (r.last_error or "") for r in s.scalars(select(ProvinceOutbox)))
    assert bridge.run_once(now + dt.timedelta(days=1)).refused == 0


def test_the_daily_file_the_province_can_import(central: Central, sim: ProvinceSimulator, tmp_path: Any) -> None:
    rated = rated_dossiers(central, 3)
    with central.db.transaction() as s:
        centre = find_centre(s, None)
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
        path = export.write_day(s, centre, today, tmp_path, "csv")
        xlsx = export.write_day(s, centre, today, tmp_path, "xlsx")
        empty = export.write_day(s, centre, today - dt.timedelta(days=1), tmp_path, "csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert sorted(r["ma_ho_so"] for r in rows) == sorted(code for code, _ in rated)
    assert {(r["muc_do_ten"], r["can_bo"], r["quay"], r["ma_co_quan"]) for r in rows} == {
        ("Hài lòng", "nv01", "1", "000.00.12.H12")}
    sheet = load_workbook(xlsx).active
    assert [c.value for c in sheet[1]] == list(export.COLUMNS) and sheet.max_row == 4
    assert empty.read_text(encoding="utf-8-sig").strip() == ",".join(export.COLUMNS)
    bridge = bridge_for(central, sim, export_dir=str(tmp_path / "daily"))
    assert len(bridge.export_yesterday()) == 1 and bridge.export_yesterday() == []  # once a day


def test_a_wrong_province_config_names_the_key(tmp_path: Any) -> None:
    from central.province.settings import load_settings
    from kiosk.contract.config import ConfigError

    good = tmp_path / "province.toml"
    good.write_text('[province]\nbase_url = "https://dvc.example.gov.vn/api/"\n'
                    '[province.dossier_fields]\ncode = "maHoSo"\n', encoding="utf-8")
    s = load_settings(good)
    assert s.base_url == "https://dvc.example.gov.vn/api" and s.dossier_fields.code == "maHoSo"
    bad = tmp_path / "bad.toml"
    bad.write_text('[province]\nbase_url = "ftp://x"\ntimeout_s = 0\nlookup_pth = "/x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(bad)
    text = str(caught.value)
    assert "province.base_url" in text and "province.timeout_s" in text and "province.lookup_pth" in text
