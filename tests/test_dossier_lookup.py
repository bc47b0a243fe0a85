"""Dossier look-up end to end: a real central on loopback (with the dossier router), real cache files."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from benchmarks.dossier import LoopbackCentral, start_loopback_central
from central.dossiers import SAMPLE
from kiosk.contract.dossier import DossierCode, DossierRecord, HistoryEntry
from kiosk.contract.privacy import Applicant
from kiosk.dossier.lookup import (MSG_NOT_FOUND, MSG_UNAVAILABLE, CachedLookup, CentralDossierSource, DossierDesk,
                                  Message, Shown, SourceUnavailable, StaticDossierSource, TicketScanned)
from kiosk.dossier.parse import DossierId, parse
from kiosk.dossier.status import Timeliness
from kiosk.i18n import Translator
from kiosk.sync.client import CentralClient
from kiosk.ticketing import ticket_qr_payload

ROOT = Path(__file__).resolve().parent.parent
CENTRE = "000.00.12.H12"
NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.timezone.utc)  # Monday 10:00 in Cà Mau
RAW = {d["code"]: d for d in json.loads(SAMPLE.read_text(encoding="utf-8"))["dossiers"]}
PERSONAL = [v for d in RAW.values() for v in (d["applicant"]["id_number"], d["applicant"]["phone"]) if v]


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def central(tmp_path_factory) -> LoopbackCentral:
    c = start_loopback_central(f"sqlite:///{tmp_path_factory.mktemp('central')}/central.db")
    yield c
    c.close()


@pytest.fixture(scope="module")
def token(central) -> str:
    return central.enrol()[1]


def _source(central: LoopbackCentral, token: str) -> CentralDossierSource:
    return CentralDossierSource(CentralClient(central.url, token, timeout=5))


def _desk(cache: CachedLookup, lang: str = "vi") -> DossierDesk:
    return DossierDesk(cache, centre_code=CENTRE, translate=Translator(lang).gettext, now=lambda: NOW)


# -- the central API ---------------------------------------------------------------------------

def test_central_answers_masked_records(central, token):
    src = _source(central, token)
    rec = src.lookup("000.00.12.H12-261110-0001")
    assert rec is not None and rec.status == 10 and rec.procedure_name == "Đăng ký khai sinh"
    assert rec.applicant == Applicant("Nguyễn V*** A***", "*********234", "*******678", "TP. Cà Mau, tỉnh Cà Mau")
    assert "Nguyễn Văn An" not in json.dumps(rec.to_json(), ensure_ascii=False)
    assert [h.status for h in rec.history] == [2, 9, 10] and all(h.when.tzinfo for h in rec.history)
    assert src.lookup_id("5f9c2a71b3e4d10012a4c002").code == "H12.30-20261020-0000087"
    assert src.lookup("000.00.12.H12-261110-9999") is None
    assert src.lookup_id("nope") is None
    r = requests.get(f"{central.url}/api/v1/dossiers/000.00.12.H12-261110-0001",
                     headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert r.headers["cache-control"] == "no-store"
    body = r.text
    for leak in PERSONAL:
        assert leak not in body


def test_central_requires_a_device_token(central):
    r = requests.get(f"{central.url}/api/v1/dossiers/000.00.12.H12-261110-0001", timeout=5)
    assert r.status_code == 401
    with pytest.raises(SourceUnavailable):
        _source(central, "not-a-token").lookup("000.00.12.H12-261110-0001")


def test_admin_import_and_centre_scoping(central, token):
    doc = {"centre": CENTRE, "dossiers": [{
        "code": "000.00.12.h12-261123-0099", "procedure_name": "Đăng ký khai sinh", "status": 2,
        "due_date": "2026-11-24", "applicant": {"name": "Phan Thị Hoa", "phone": "0911000999"},
        "history": [{"at": "2026-11-23T08:00:00+07:00", "status": 2, "note": "Gọi 0911 000 999 khi có kết quả"}]}]}
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    r = requests.post(f"{central.url}/api/v1/admin/dossiers/import", json=doc, headers=admin, timeout=5)
    assert r.status_code == 200 and r.json() == {"created": 1, "updated": 0}, r.text
    r = requests.post(f"{central.url}/api/v1/admin/dossiers/import", json=doc, headers=admin, timeout=5)
    assert r.json() == {"created": 0, "updated": 1}
    rec = _source(central, token).lookup("000.00.12.H12-261123-0099")
    assert rec.received_date == dt.date(2026, 11, 23) and rec.history[0].note == "Gọi *******999 khi có kết quả"
    bad = {"dossiers": [{"code": "000.00.12.H12-261131-0001", "procedure_name": "x", "status": 2}]}
    r = requests.post(f"{central.url}/api/v1/admin/dossiers/import", json=bad, headers=admin, timeout=5)
    assert r.status_code == 422 and "not a dossier code" in r.text
    r = requests.post(f"{central.url}/api/v1/admin/dossiers/import", json=doc, timeout=5)
    assert r.status_code == 401
    # another centre's dossier is invisible to this centre's devices
    from central.centres import CentreRow
    from central.dossiers import import_dossiers, parse_import
    with central.db.transaction() as s:
        s.add(CentreRow(code="000.00.12.H62", name="Other", doc={}, etag='"x"', updated_at=NOW))
        s.flush()
        import_dossiers(s, parse_import({"centre": "000.00.12.H62", "dossiers": [
            {"code": "000.00.12.H62-201105-0004", "procedure_name": "Đăng ký kết hôn", "status": 4}]}))
    assert _source(central, token).lookup("000.00.12.H62-201105-0004") is None


# -- cache and desk ---------------------------------------------------------------------------

def test_desk_end_to_end_then_central_down(tmp_path):
    central = start_loopback_central(f"sqlite:///{tmp_path}/c.db")
    clock = Clock()
    try:
        cache = CachedLookup(_source(central, central.enrol()[1]), tmp_path / "data" / "dossier_cache.sqlite3",
                             fresh_s=0, retry_after_s=30, clock=clock)
        desk = _desk(cache)
        a = desk.scan("https://dichvucong.camau.gov.vn/tra-cuu?ma_ho_so=000.00.12.H12-261116-0007\r\n")
        assert isinstance(a, Shown), a
        v = a.view
        assert (v.status_label, v.timeliness, v.timeliness_label) == ("Đang xử lý", Timeliness.ON_TIME, "Còn trong hạn")
        assert v.applicant_name == "Lê H*** P***" and v.applicant_address == "huyện Năm Căn, tỉnh Cà Mau"
        assert not v.from_cache and v.notice is None
        late = desk.scan("H12.30-20261020-0000087").view
        assert late.timeliness == Timeliness.LATE and late.timeliness_label == "Trễ hạn"
        early = desk.scan("https://dichvucong.camau.gov.vn/?id=100270").view
        assert early.timeliness_label == "Trước hạn" and early.status_label == "Đã xử lý xong"
        assert "Chưa đọc" in desk.scan("").message
        assert desk.scan("000.00.12.H12-261110-9999") == Message("not_found", Translator("vi")(MSG_NOT_FOUND))
        qr = ticket_qr_payload(CENTRE, "2026-11-23", "A012", "2b1f0c52-5d0e-4f6a-9a51-44c1ab3e1f00")
        assert isinstance(desk.scan(qr), TicketScanned)

        central.stop()  # the central goes away
        clock.t += 600
        cached = desk.scan("000.00.12.H12-261116-0007")
        assert isinstance(cached, Shown) and cached.view.from_cache and cached.view.age_s == 600
        assert cached.view.notice == "Thông tin đã lưu từ 10 phút trước: hiện không kết nối được hệ thống."
        by_id = desk.scan("https://dichvucong.camau.gov.vn/?id=100270")  # cached under its id too
        assert isinstance(by_id, Shown) and by_id.view.code == "000.00.12.H12-261117-0011"
        never_seen = desk.scan("000.00.12.H12-261103-0021")
        assert never_seen == Message("unavailable", Translator("vi")(MSG_UNAVAILABLE))
        assert "quầy hướng dẫn" in never_seen.message
        clock.t += 3 * 3600
        assert "3 giờ trước" in desk.scan("000.00.12.H12-261116-0007").view.notice
        cache.close()
        # the file holds only masked data
        raw = (tmp_path / "data" / "dossier_cache.sqlite3").read_bytes()
        for leak in PERSONAL + ["Lê Hoàng Phúc", "Khóm 3"]:
            assert leak.encode() not in raw
    finally:
        central.close()


def _record(code: str, **kw) -> DossierRecord:
    return DossierRecord(code=code, procedure_name="Đăng ký khai sinh", status=kw.pop("status", 4),
                         received_date=dt.date(2026, 11, 20), due_date=dt.date(2026, 11, 25),
                         history=(HistoryEntry(NOW, 4, "Gọi 0912345678"),),
                         applicant=Applicant("Nguyễn Văn An", "096089001234", "0912345678", "Ấp 3, tỉnh Cà Mau"), **kw)


def test_cache_fresh_window_ttl_and_bound(tmp_path):
    clock = Clock()
    src = StaticDossierSource([_record(f"000.00.12.H12-261120-{i:04d}") for i in range(1, 21)])
    calls = []
    original = src.lookup
    src.lookup = lambda code: calls.append(code) or original(code)  # type: ignore[method-assign]
    cache = CachedLookup(src, tmp_path / "c.sqlite3", fresh_s=60, max_age_s=3600, max_entries=5,
                         retry_after_s=10, clock=clock)
    q = parse("000.00.12.H12-261120-0001")
    assert cache.lookup(q).outcome == "found" and len(calls) == 1
    clock.t += 30
    hit = cache.lookup(q)
    assert hit.from_cache and hit.age_s == 30 and not hit.source_down and len(calls) == 1  # repeat scan
    clock.t += 60
    assert not cache.lookup(q).from_cache and len(calls) == 2                                 # refreshed
    for i in range(2, 21):
        cache.lookup(parse(f"000.00.12.H12-261120-{i:04d}"))
    assert cache.entries() == 5                                                              # bounded
    src.available = False
    clock.t += 61  # past the fresh window: the source is asked, fails, the cache answers
    assert cache.lookup(parse("000.00.12.H12-261120-0020")).source_down
    assert cache.lookup(q).outcome == "unavailable"                                          # evicted
    clock.t += 3601
    assert cache.lookup(parse("000.00.12.H12-261120-0020")).outcome == "unavailable"         # too old
    # a dossier deleted at the source disappears from the cache
    src.available = True
    clock.t += 20
    cache.lookup(parse("000.00.12.H12-261120-0019"))
    del src.records["000.00.12.H12-261120-0019"]
    clock.t += 61
    assert cache.lookup(parse("000.00.12.H12-261120-0019")).outcome == "not_found"
    src.available = False
    clock.t += 1
    assert cache.lookup(parse("000.00.12.H12-261120-0019")).outcome == "unavailable"


def test_source_is_left_alone_after_a_failure(tmp_path):
    clock = Clock()
    src = StaticDossierSource([_record("000.00.12.H12-261120-0001")])
    src.available = False
    tries = []
    original = src.lookup
    src.lookup = lambda code: tries.append(code) or original(code)  # type: ignore[method-assign]
    cache = CachedLookup(src, None, retry_after_s=15, clock=clock)  # no cache file at all
    q = parse("000.00.12.H12-261120-0001")
    assert cache.lookup(q).outcome == "unavailable" and len(tries) == 1
    clock.t += 5
    assert cache.lookup(q).outcome == "unavailable" and len(tries) == 1   # no second timeout to wait for
    src.available = True
    clock.t += 11
    assert cache.lookup(q).outcome == "found" and len(tries) == 2


def test_broken_adapter_and_corrupt_cache_file(tmp_path):
    path = tmp_path / "dossier_cache.sqlite3"
    path.write_bytes(b"this is not a database" * 100)

    class Broken:
        def lookup(self, code):
            raise RuntimeError("bug in a province adapter")

        def lookup_id(self, dossier_id):
            raise RuntimeError("bug")

    cache = CachedLookup(Broken(), path)
    assert cache.lookup(DossierCode("000.00.12.H12-261120-0001", "000.00.12.H12", dt.date(2026, 11, 20), "0001")
                        ).outcome == "unavailable"
    assert cache.lookup(DossierId("1")).outcome == "unavailable"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == CachedLookup.SCHEMA_VERSION


def test_malformed_records_are_rejected():
    good = _record("000.00.12.H12-261120-0001").to_json()
    assert DossierRecord.from_json(good).code == good["code"]
    for bad in ({**good, "code": "x"}, {**good, "status": "4"}, {**good, "history": [{"at": "2026-11-23T08:00",
                                                                                        "status": 2}]},
                {**good, "received_date": None}, {**good, "applicant": "Nguyễn"}, [], None):
        with pytest.raises((ValueError, TypeError)):
            DossierRecord.from_json(bad)
    assert "Nguyễn" not in repr(_record("000.00.12.H12-261120-0001"))


def test_english_view():
    src = StaticDossierSource([_record("000.00.12.H12-261120-0001", status=5)])
    view = _desk(CachedLookup(src, None), "en").scan("000.00.12.H12-261120-0001").view
    assert view.status_label == "Additional documents requested" and view.next_step.startswith("More documents")
    assert view.history[0].note == "Gọi *******678" and view.applicant_id_number == "*********234"


def test_import_cli(tmp_path):
    db = tmp_path / "cli.db"
    code = (
        "import argparse, sys\n"
        "from central import cli\n"
        "p2 = argparse.ArgumentParser(); s2 = p2.add_subparsers(dest='c', required=True); cli.register(s2)\n"
        "a = p2.parse_args(['central', 'migrate', '--db', sys.argv[1]])\n"
        "assert a.func(a) == 0\n"
        "a = p2.parse_args(['central', 'import-config', '--db', sys.argv[1], 'kiosk/sample_centre.toml'])\n"
        "assert a.func(a) == 0\n"
        "a = p2.parse_args(['central', 'import-dossiers', '--db', sys.argv[1]])\n"
        "sys.exit(a.func(a))\n")
    r = subprocess.run([sys.executable, "-c", code, f"sqlite:///{db}"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "dossiers: 20 created, 0 updated" in r.stdout


@pytest.mark.postgres
def test_migration_import_and_lookup_on_postgresql():
    from benchmarks.throwaway_pg import PostgresUnavailable, ThrowawayPostgres

    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        central = start_loopback_central(server.create_database("dossiers"))
        try:
            rec = _source(central, central.enrol()[1]).lookup("G12.25-20261106-0004387")
            assert rec is not None and rec.status == 10 and rec.applicant.phone == ""
            assert rec.history[0].note == "Người nộp thay: anh Lý Văn Hai, *******777"
        finally:
            central.close()
    finally:
        server.stop()
