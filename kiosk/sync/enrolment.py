"""A device's enrolment with the central: exchange a one-time code for an identity, keep it.

The credentials live in DATA/enrolment.json (mode 0600), not in the TOML config, so a config
file can be copied between kiosks without carrying a token.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kiosk.contract.config import Config, merge_centre_document, parse_config
from kiosk.files import write_atomic
from kiosk.sync.client import CentralClient

ENROLMENT_FILE = "enrolment.json"
# "1": http:// centrals are accepted without --insecure-http (test benches and the test suite only)
INSECURE_ENV = "KIOSK_INSECURE_HTTP"


class InsecureCentral(ValueError):
    """An http:// central without the explicit insecure flag: the token would travel in clear."""


@dataclass(frozen=True)
class Enrolment:
    central_url: str
    device_id: str
    token: str
    role: str
    centre_code: str
    device_index: int | None  # lobby kiosks only: picks the offline fallback block
    ca_file: str | None = None
    insecure_http: bool = False  # enrolled with an http:// central by explicit choice
    ticket_key: str | None = None  # lobby kiosks: signs the ticket page tokens (kiosk.contract.ticket_page)
    public_url: str | None = None  # where phones reach the central, when not central_url


def check_url(central_url: str, insecure_http: bool = False) -> None:
    """Refuses an http:// central unless the insecure flag (or $KIOSK_INSECURE_HTTP=1) says so."""
    if central_url.strip().lower().startswith("http://") and not (insecure_http or os.environ.get(INSECURE_ENV) == "1"):
        raise InsecureCentral("the central's address must start with https:// (an http:// address sends the "
                              "device's token in clear); on a test bench, enrol with --insecure-http")


def enrol(central_url: str, code: str, *, ca_file: str | None = None, device_name: str | None = None,
          timeout: float = 10, insecure_http: bool = False) -> tuple[Enrolment, dict[str, Any]]:
    """Returns the enrolment and the centre document the central sent with it. Raises
    InsecureCentral (http:// without the flag), CentralRejected (expired, used or unknown code;
    TLS not trusted) or CentralUnavailable."""
    check_url(central_url, insecure_http)
    answer = CentralClient(central_url, ca_file=ca_file, timeout=timeout).enrol(code.strip(), device_name)
    return Enrolment(central_url=central_url.rstrip("/"), device_id=answer["device_id"], token=answer["token"],
                     role=answer["role"], centre_code=answer["centre_code"], device_index=_index(answer.get("device_index")),
                     ca_file=ca_file, insecure_http=central_url.strip().lower().startswith("http://"),
                     ticket_key=answer.get("ticket_key") or None, public_url=answer.get("public_url") or None), \
        answer.get("config") or {}


def save(data_dir: Path, enrolment: Enrolment) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ENROLMENT_FILE
    # never a half-written identity after a power cut; the token is a secret: 0600
    write_atomic(path, json.dumps(asdict(enrolment), indent=2), mode=0o600)
    return path


def load(data_dir: Path) -> Enrolment | None:
    path = data_dir / ENROLMENT_FILE
    if not path.exists():
        return None
    return Enrolment(**json.loads(path.read_text(encoding="utf-8")))


def apply(config: Config, enrolment: Enrolment, centre_document: dict[str, Any] | None = None) -> Config:
    """The config with this device's identity (and the centre document, when given)."""
    data = config.model_dump(mode="json")
    data["device"]["id"] = enrolment.device_id
    data["device"]["role"] = enrolment.role
    data["central"].update(url=enrolment.central_url, token=enrolment.token, device_index=enrolment.device_index,
                           ca_file=enrolment.ca_file)
    if enrolment.ticket_key:  # a key set in the config file by hand stays when the central sent none
        data["central"]["ticket_key"] = enrolment.ticket_key
    if enrolment.public_url:
        data["central"]["public_url"] = enrolment.public_url
    merged = parse_config(data, "enrolment")
    return merge_centre_document(merged, centre_document) if centre_document else merged


def apply_saved(config: Config, data_dir: Path) -> Config:
    saved = load(data_dir)
    return apply(config, saved) if saved is not None else config


def short_device_id(device_id: str) -> str:
    """What a screen shows of the device id: an enrolled UUID by its first block, so it fits the
    status bar; a configured name as it is."""
    head, sep, _ = device_id.partition("-")
    return head if sep and len(device_id) == 36 else device_id


def _index(value: object) -> int | None:
    return None if value is None else int(str(value))
