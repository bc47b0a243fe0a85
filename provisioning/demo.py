"""The embedded central of `kiosk demo`: a real central server on loopback with the sample
centre, and this demo kiosk enrolled with it once (the enrolment is kept in the data folder)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import requests

from kiosk.contract.config import CENTRE_SECTIONS, Config
from kiosk.sync import enrolment

ADMIN_TOKEN_FILE = "central-admin-token"
SENT_FILE = "notify-sent.jsonl"  # what the demo's gateway simulator received, numbers masked
SIMULATED_ENV = "KIOSK_NOTIFY_SIMULATED"


def start_notify_simulator(channel: str, central_dir: Path):
    """A Zalo / SMS gateway simulator for the demo's central (docs/notify.md), unless a real
    channel is configured ($KIOSK_NOTIFY_CHANNEL): the lobby then asks for a phone number, and
    each message "sent" is a line of DATA/central/notify-sent.jsonl. Returns it, or None."""
    from central.notify.simulator import GatewaySimulator

    if os.environ.get("KIOSK_NOTIFY_CHANNEL") and not os.environ.get(SIMULATED_ENV):
        return None
    sim = GatewaySimulator(channel, log_path=central_dir / SENT_FILE).__enter__()
    # SIMULATED_ENV: a restarted demo (exec'd with this environment) starts its own simulator again
    os.environ.update(sim.environ(), **{SIMULATED_ENV: "1"})
    return sim


def centre_document(config: Config) -> dict:
    """The centre sections of a config: the demo central serves the centre the kiosk was started with."""
    return config.model_dump(mode="json", include=set(CENTRE_SECTIONS))


def import_demo_dossiers(central, centre_code: str) -> int:
    """The sample dossiers (central/sample_dossiers.json) for the demo's look-up, under the demo
    centre (created or replaced by code: a restart does not duplicate them). Returns how many."""
    from central.dossiers import SAMPLE, import_dossiers, load_file

    body = load_file(SAMPLE)
    with central.db.transaction() as s:
        counts = import_dossiers(s, body, centre_code)
    return counts["created"] + counts["updated"]


def start_demo_central(config: Config, data_dir: Path, port: int = 0, notify_channel: str | None = None):
    """Starts the embedded central and returns (central, config of the enrolled demo kiosk).
    notify_channel: "zalo" | "sms", a gateway simulator behind the central's notifier."""
    from central.embedded import start_embedded

    central_dir = data_dir / "central"
    central_dir.mkdir(parents=True, exist_ok=True)
    sim = start_notify_simulator(notify_channel, central_dir) if notify_channel else None
    token_file = central_dir / ADMIN_TOKEN_FILE
    if not token_file.exists():
        token_file.write_text(secrets.token_urlsafe(32))
        token_file.chmod(0o600)
    central = start_embedded(f"sqlite:///{central_dir / 'central.db'}", port=port, admin_token=token_file.read_text().strip())
    if sim is not None:
        central.closers.append(lambda: sim.__exit__(None, None, None))
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    requests.put(f"{central.url}/api/v1/admin/centres", json=centre_document(config), headers=admin, timeout=10).raise_for_status()
    import_demo_dossiers(central, config.centre.code)
    saved = enrolment.load(data_dir)
    if saved is None:
        body: dict = {"role": config.device.role}
        if config.device.role in ("counter", "rating"):  # the counters this demo terminal serves (central.trust)
            body["counters"] = config.counter.counters or [c.number for c in config.counters]
        code = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json=body, headers=admin, timeout=10)
        code.raise_for_status()
        # the demo's own central on loopback: nothing travels on a network
        saved, _doc = enrolment.enrol(central.url, code.json()["code"], device_name="demo kiosk", insecure_http=True)
        enrolment.save(data_dir, saved)
    # the port changes between runs: the identity stays, the address follows the server
    saved = enrolment.Enrolment(**{**saved.__dict__, "central_url": central.url})
    return central, enrolment.apply(config, saved)
