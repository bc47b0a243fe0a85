"""The public satisfaction page can be switched off by the centre (reports.public_page = false):
then /cong-khai/<centre> answers a plain 404, the same as for an unknown centre."""
from __future__ import annotations

import copy

import httpx
from central_helpers import Central

from central.centres import load_toml
from kiosk.contract.config import SAMPLE_CONFIG

CENTRE = load_toml(SAMPLE_CONFIG).config.centre.code


def test_the_public_page_is_on_by_default_and_off_is_a_plain_404(central: Central) -> None:
    page = f"{central.url}/cong-khai/{CENTRE}"
    assert httpx.get(page).status_code == 200
    assert httpx.get(page, params={"format": "json"}).json()["code"] == CENTRE
    unknown = httpx.get(f"{central.url}/cong-khai/nope")
    doc = copy.deepcopy(load_toml(SAMPLE_CONFIG).to_json())
    doc["reports"] = {**doc.get("reports", {}), "public_page": False}
    central.import_doc(doc)
    off, off_json = httpx.get(page), httpx.get(page, params={"format": "json"})
    assert (off.status_code, off_json.status_code) == (404, 404)
    assert off.text.replace(CENTRE, "nope") == unknown.text  # nothing tells a switched-off centre from none
    assert "application/json" not in off_json.headers["content-type"]
    doc["reports"]["public_page"] = True
    central.import_doc(doc)
    assert httpx.get(page).status_code == 200
