"""Enrolment codes (one-time, expiring), device tokens (revocable) and admin auth."""
from __future__ import annotations

import datetime as dt

import httpx
from central_helpers import Central
from sqlalchemy import select, update

from central.devices import Device, EnrolmentCode, hash_token


def test_enrol_happy_path_returns_token_index_and_config(central: Central) -> None:
    code = central.code("lobby")
    r = httpx.post(f"{central.url}/api/v1/enrol", json={"code": code.lower(), "device_name": "Sảnh 1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["role"] == "lobby" and body["centre_code"] == "000.00.12.H12" and body["device_index"] == 1
    assert body["config"]["centre"]["code"] == "000.00.12.H12"
    assert body["config"]["numbering"]["fallback_block_size"] == 20
    assert body["config"]["numbering"]["max_devices"] == 10
    assert {"device", "printer", "speech", "central"}.isdisjoint(body["config"])
    assert central.enrol("counter").device_index is None  # only lobby kiosks own a fallback block
    assert central.enrol("lobby").device_index == 2
    with central.db.transaction() as s:  # tokens are stored hashed only
        row = s.get(Device, body["device_id"])
        assert row.token_hash == hash_token(body["token"]) and body["token"] not in row.token_hash
    r = httpx.get(f"{central.url}/api/v1/queue/summary", headers={"Authorization": f"Bearer {body['token']}"})
    assert r.status_code == 200


def test_unknown_reused_and_expired_codes_say_why(central: Central) -> None:
    url = f"{central.url}/api/v1/enrol"
    r = httpx.post(url, json={"code": "AAAA-BBBB-CCCC"})
    assert r.status_code == 404 and r.json()["detail"]["reason"] == "unknown"

    code = central.code("lobby")
    assert httpx.post(url, json={"code": code}).status_code == 200
    r = httpx.post(url, json={"code": code})
    assert r.status_code == 409 and r.json()["detail"]["reason"] == "already_used"

    code = central.code("counter", ttl_hours=1)
    with central.db.transaction() as s:
        s.execute(update(EnrolmentCode).values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
                  .where(EnrolmentCode.used_at.is_(None)))
    r = httpx.post(url, json={"code": code})
    assert r.status_code == 410 and r.json()["detail"]["reason"] == "expired"
    assert "expired" in r.json()["detail"]["message"]
    with central.db.transaction() as s:
        assert len(s.scalars(select(Device)).all()) == 1


def test_revoked_token_gets_401(central: Central) -> None:
    dev = central.enrol("lobby")
    assert dev.get("/api/v1/config").status_code == 200
    with central.admin() as c:
        r = c.post(f"/api/v1/admin/devices/{dev.device_id}/revoke")
        assert r.status_code == 200 and r.json()["revoked_at"]
        assert c.post("/api/v1/admin/devices/nope/revoke").status_code == 404
    r = dev.get("/api/v1/config")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert dev.send().status_code == 401


def test_a_token_revoked_by_another_process_is_refused_within_the_revocation_check(central: Central,
                                                                                  monkeypatch) -> None:
    import time

    from central import devices

    monkeypatch.setattr(devices, "TOKEN_CACHE_S", 3600.0)  # the cache alone would keep it an hour
    dev = central.enrol("counter")
    assert dev.get("/api/v1/config").status_code == 200  # checked, and remembered
    # `kiosk central revoke` or another worker: this process's cache is not told
    with central.db.transaction() as s:
        s.execute(update(Device).where(Device.id == dev.device_id).values(revoked_at=dt.datetime.now(dt.timezone.utc)))
    revoked = time.monotonic()
    while dev.get("/api/v1/config").status_code == 200:
        assert time.monotonic() - revoked < 10, "a token revoked elsewhere still works"
    # refused within the check's period (a second), with room for a slow machine
    assert time.monotonic() - revoked < devices.REVOCATION_CHECK_S + 5
    assert dev.get("/api/v1/queue/summary").status_code == 401
    assert dev.send().status_code == 401
    assert central.enrol("display").get("/api/v1/config").status_code == 200  # others unaffected


def test_a_revocation_in_this_process_is_immediate_despite_the_cache(central: Central, monkeypatch) -> None:
    from central import devices

    monkeypatch.setattr(devices, "TOKEN_CACHE_S", 3600.0)
    dev = central.enrol("display")
    assert dev.get("/api/v1/config").status_code == 200
    with central.db.transaction() as s:  # the web fleet page and the CLI call this
        devices.revoke(s, dev.device_id)
    assert dev.get("/api/v1/config").status_code == 401
    assert central.enrol("display").get("/api/v1/config").status_code == 200  # others unaffected


def test_admin_routes_need_the_admin_token(central: Central) -> None:
    dev = central.enrol("lobby")
    for headers in ({}, {"Authorization": f"Bearer {dev.token}"}, {"Authorization": "Bearer nonsense"}):
        r = httpx.post(f"{central.url}/api/v1/admin/enrolment-codes", json={"role": "lobby"}, headers=headers)
        assert r.status_code == 401
        assert httpx.get(f"{central.url}/api/v1/fleet", headers=headers).status_code == 401
    assert httpx.get(f"{central.url}/api/v1/config").status_code == 401
    with central.admin() as c:
        devices = c.get("/api/v1/admin/devices").json()
        assert [d["device_id"] for d in devices] == [dev.device_id]
        r = c.post("/api/v1/admin/enrolment-codes", json={"role": "display", "centre_code": "nope"})
        assert r.status_code == 404
        r = c.post("/api/v1/admin/enrolment-codes", json={"role": "display"})
        assert r.status_code == 200 and '"central":"http://127.0.0.1:' in r.json()["qr_payload"]


def test_the_lobby_after_ten_counters_and_displays_gets_a_fallback_block(central: Central) -> None:
    from kiosk.contract.config import Numbering
    from kiosk.contract.numbering import fallback_block
    for i in range(10):
        assert central.enrol("counter" if i % 2 else "display").device_index is None
    lobby = central.enrol("lobby")  # the 11th device of the centre, its first lobby
    assert lobby.device_index == 1
    assert fallback_block(Numbering(), 999, lobby.device_index) == (980, 999)


def test_lobby_indexes_stop_at_max_devices_and_revoked_ones_come_back_the_next_day(central: Central) -> None:
    lobbies = [central.enrol("lobby") for _ in range(10)]
    assert [d.device_index for d in lobbies] == list(range(1, 11))
    r = httpx.post(f"{central.url}/api/v1/enrol", json={"code": central.code("lobby")})
    assert r.status_code == 409 and r.json()["detail"]["reason"] == "no_free_index"
    with central.admin() as c:
        assert c.post(f"/api/v1/admin/devices/{lobbies[3].device_id}/revoke").status_code == 200
    # revoked today: its offline numbers of today may still arrive, so index 4 stays taken
    r = httpx.post(f"{central.url}/api/v1/enrol", json={"code": central.code("lobby")})
    assert r.status_code == 409 and r.json()["detail"]["reason"] == "no_free_index"
    with central.db.transaction() as s:  # the revocation was yesterday
        s.execute(update(Device).where(Device.id == lobbies[3].device_id)
                  .values(revoked_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)))
    replacement = central.enrol("lobby")
    assert replacement.device_index == 4
    with central.db.transaction() as s:
        assert s.get(Device, lobbies[3].device_id).device_index is None
