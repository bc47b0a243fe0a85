"""A real central on loopback with the sample centre, and enrolled kiosk configs for it."""
from __future__ import annotations

import tomllib
from pathlib import Path

import requests

from kiosk.contract.config import SAMPLE_CONFIG, Config, parse_config


def sample_document() -> dict:
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    for local in ("device", "printer", "speech", "central"):
        data.pop(local, None)
    return data


def bench_document(block: int = 5000) -> dict:
    """The sample centre made roomy for benchmarks: 5-digit numbers, offline fallback blocks of
    `block` numbers per device (a backlog of many thousand tickets from one kiosk is numbered
    inside its own block, as after a long outage), no quotas."""
    doc = sample_document()
    for service in doc["services"]:
        service["digits"] = 5
        service.pop("daily_quota", None)
        for window in service.get("windows", []):
            window.pop("quota", None)
    doc["numbering"] = {**doc.get("numbering", {}), "fallback_block_size": block, "max_devices": 10}
    return doc


def start_central(tmp_path: Path):
    from central.embedded import start_embedded

    central = start_embedded(f"sqlite:///{tmp_path / 'central.db'}")
    r = requests.put(f"{central.url}/api/v1/admin/centres", json=sample_document(), headers=central.admin_headers,
                     timeout=10)
    r.raise_for_status()
    return central


def enrolment_code(central, role: str = "lobby", ttl_hours: float = 24, counters: list[int] | None = None) -> str:
    """counters: for a counter device, the counters it may act and report for."""
    body: dict = {"role": role, "ttl_hours": ttl_hours}
    if counters is not None:
        body["counters"] = counters
    r = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json=body, headers=central.admin_headers,
                      timeout=10)
    r.raise_for_status()
    return r.json()["code"]


def enrolled_config(central, url: str | None = None, **central_overrides) -> Config:
    """Enrols a new device and returns its config (central reached at `url`, e.g. a proxy)."""
    r = requests.post(f"{central.url}/api/v1/enrol", json={"code": enrolment_code(central)}, timeout=10)
    r.raise_for_status()
    answer = r.json()
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["device"]["id"] = answer["device_id"]
    data["central"] = {"url": url or central.url, "token": answer["token"], "device_index": answer["device_index"],
                       "timeout_s": 2, **central_overrides}
    data["lobby"]["rate_limit"] = {"tickets": 100000, "per_seconds": 1}
    data["lobby"]["double_tap_guard_s"] = 0
    return parse_config(data)
