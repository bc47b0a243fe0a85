"""The fleet page as a manager reads it: every figure of a heartbeat, and the devices' diagnostics bundles."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from central_helpers import Central, heartbeat
from web_support import PASSWORD, add_people

from central.diagnostics import KEEP_PER_DEVICE, MAX_BUNDLE_BYTES
from kiosk.contract.config import SAMPLE_CONFIG, load_config
from kiosk.sync.client import CentralClient
from provisioning.bundle import write_bundle


@contextmanager
def signed_in(central: Central, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=central.url) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        r = c.post("/login", data={"csrf_token": token, "username": user, "password": PASSWORD},
                   follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        yield c


def row_of(page: str, device_id: str) -> str:
    found = re.search(rf'<tr class="state-\w+" data-device="{device_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {device_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_fleet_page_shows_every_figure_of_the_heartbeat(central: Central) -> None:
    add_people(central)
    lobby = central.enrol("lobby", "Kiosk sảnh A")
    behind = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)  # the kiosk's clock is 10 minutes behind
    beat = heartbeat(at=behind, uptime_s=3600, disk_free_bytes=5 * 2**30, outbox_backlog=17, dead_letters=3,
                     health={"printer": {"state": "degraded", "detail": "paper low"},
                             "scanner": {"state": "ok"}})
    r = lobby.send(beat, sent_at=behind)
    assert r.json()["results"][0]["status"] == "accepted", r.text
    with signed_in(central, "quanly") as c:
        page = c.get("/fleet")
    assert page.status_code == 200
    row = row_of(page.text, lobby.device_id)
    assert "5.120 MB" in row  # free disk (Vietnamese number format)
    assert " 17 " in row  # unsent events
    assert " 3 " in row  # dead letters
    assert re.search(r" 60\d,\d s ", row), row  # clock skew, seconds
    assert "printer: paper low" in row  # each health flag with its detail
    assert "scanner" not in row  # a component that is ok raises no flag
    assert "cần kiểm tra" in row  # the state: needs attention


def test_devices_upload_bundles_that_managers_list_and_download(central: Central, tmp_path: Path) -> None:
    add_people(central)
    lobby = central.enrol("lobby", "Kiosk sảnh A")
    # a real bundle, as `kiosk provision diagnostics` writes it
    (tmp_path / "data").mkdir()
    path, _summary = write_bundle(load_config(SAMPLE_CONFIG), tmp_path / "data", tmp_path)
    data = path.read_bytes()
    stored = CentralClient(central.url, lobby.token).upload_diagnostics(data)  # the kiosk's own client
    bundle_id = stored["bundle_id"]
    assert stored["size"] == len(data)
    # bad input: a clear answer, nothing stored
    assert lobby.post("/api/v1/diagnostics", content=b"<html>not a zip</html>").status_code == 422
    too_big = b"PK\x03\x04" + b"\0" * MAX_BUNDLE_BYTES
    assert lobby.post("/api/v1/diagnostics", content=too_big).status_code == 413
    assert httpx.post(f"{central.url}/api/v1/diagnostics", content=data).status_code == 401
    with signed_in(central, "quanly") as c:
        page = c.get("/fleet").text
        listed = re.findall(r'href="/fleet/bundles/(\d+)\.zip"', page)
        assert listed == [str(bundle_id)] and "Kiosk sảnh A" in page
        got = c.get(f"/fleet/bundles/{bundle_id}.zip")
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-disposition"].startswith("attachment;")
        with zipfile.ZipFile(io.BytesIO(got.content)) as z:
            assert z.namelist()
    with signed_in(central, "lanhdao") as viewer:  # reports only: no devices, no bundles
        assert viewer.get(f"/fleet/bundles/{bundle_id}.zip").status_code == 403
    # bounded: each device keeps its last few
    for _ in range(KEEP_PER_DEVICE + 2):
        assert lobby.post("/api/v1/diagnostics", content=data).status_code == 201
    with signed_in(central, "quanly") as c:
        listed = re.findall(r'href="/fleet/bundles/(\d+)\.zip"', c.get("/fleet").text)
        assert len(listed) == KEEP_PER_DEVICE and str(bundle_id) not in listed
        assert c.get(f"/fleet/bundles/{bundle_id}.zip").status_code == 403  # forgotten
