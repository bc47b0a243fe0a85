"""What the on-screen technician mode calls: PIN, enrolment, device assignment, self-tests,
diagnostics and the factory reset request. No Kivy here.

Every method may block (network, serial ports, disk): the UI calls them from a worker thread.
Every step leaves an audit event (actor "screen") for the central.
"""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

from kiosk.contract.config import Config, ConfigError, parse_config
from kiosk.domain.clock import Clock, system_clock
from kiosk.ports import TicketPrinter
from kiosk.storage import Database
from kiosk.sync import enrolment
from kiosk.sync.enrolment import Enrolment
from kiosk.technician import PinRefused, TechnicianAccess, record_audit
from provisioning import assign, selftest
from provisioning.assign import Assignment
from provisioning.ports import SerialPortInfo
from provisioning.selftest import CheckResult

log = logging.getLogger(__name__)

ACTOR = "screen"
# The sections device assignment edits: the rest of the running config (identity, centre document) stays.
ASSIGNED_SECTIONS = ("printer", "scanner", "counter")


@dataclass
class TechnicianContext:
    config: Config          # the running, effective config (enrolment applied)
    config_path: Path       # the TOML file that device assignment edits
    data_dir: Path
    db: Database            # the device's open database
    clock: Clock = system_clock
    printer: TicketPrinter | None = None  # the app's own printer (its port is already open), for the printer test
    config_seed: Path | None = None       # copied to config_path before the first save when it does not exist (demo)


class EnrolFailed(Exception):
    """str() is a sentence for the technician; `reason` a code the screens translate:
    bad_url | insecure | no_code | ca_missing | bad_qr | tls | expired | already_used | unknown | refused |
    unreachable | not_enrolment."""

    def __init__(self, message: str, reason: str = "refused") -> None:
        super().__init__(message)
        self.reason = reason


# HTTP status of the central's enrolment refusals (central/devices.py) -> reason code
_REFUSALS = {404: "unknown", 409: "already_used", 410: "expired"}


class TechnicianSession:
    def __init__(self, ctx: TechnicianContext) -> None:
        self.ctx = ctx
        self.access = TechnicianAccess(ctx.db, clock=ctx.clock)
        self.entered = False

    def _audit(self, action: str, **detail: Any) -> None:
        record_audit(self.ctx.db, action, ACTOR, **detail)

    # -- PIN ------------------------------------------------------------------------------------

    def enrolled(self) -> bool:
        return enrolment.load(self.ctx.data_dir) is not None or bool(self.ctx.config.central.token)

    def pin_state(self) -> str:
        """"set"; "first": no PIN on a device not yet enrolled, so a first PIN may be chosen on the
        screen; "missing": no PIN on an enrolled device, only `kiosk provision set-pin` may set it
        (otherwise anyone at the kiosk could take the technician mode of a device in service)."""
        if self.access.is_set():
            return "set"
        return "missing" if self.enrolled() else "first"

    def enter(self, pin: str) -> None:
        self.access.enter(pin, actor=ACTOR)
        self.entered = True

    def set_first_pin(self, pin: str, again: str) -> None:
        state = self.pin_state()
        if state != "first":
            raise PinRefused("not_set", "a PIN is already set: enter it" if state == "set" else
                             "this device is enrolled: set its PIN with `kiosk provision set-pin`")
        if pin != again:
            raise PinRefused("mismatch", "the two PINs differ")
        self.access.set_pin(pin, actor=ACTOR)  # audited there; raises "weak"
        self.entered = True

    def change_pin(self, current: str, new: str, again: str) -> None:
        if new != again:
            raise PinRefused("mismatch", "the two PINs differ")
        self.access.set_pin(new, current_pin=current, actor=ACTOR)

    def leave(self, why: str = "exit") -> None:
        self.entered = False
        self._audit("technician.left", why=why)

    # -- enrolment ------------------------------------------------------------------------------

    def parse_scanned(self, payload: str | bytes) -> tuple[str, str]:
        from provisioning.qr import EnrolmentQrError, parse_enrolment_qr
        try:
            text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
            return parse_enrolment_qr(text)
        except UnicodeDecodeError:
            raise EnrolFailed("enrolment QR not usable: not text", "bad_qr") from None
        except EnrolmentQrError as exc:
            raise EnrolFailed(f"enrolment QR not usable: {exc}", "bad_qr") from None

    def enrol(self, central_url: str, code: str, ca_file: str | None = None, name: str | None = None) -> Enrolment:
        import requests
        from kiosk.sync.client import CentralRejected, CentralUnavailable
        from kiosk.sync.service import save_centre_document

        central_url, code = central_url.strip(), code.strip()
        url = urlparse(central_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise EnrolFailed("the central address must look like https://kiosk.example.gov.vn", "bad_url")
        if not code:
            raise EnrolFailed("enter the enrolment code", "no_code")
        if ca_file and not Path(ca_file).is_file():
            raise EnrolFailed(f"CA certificate file not found: {ca_file}", "ca_missing")
        try:
            enrolled, document = enrolment.enrol(central_url, code, ca_file=ca_file or None, device_name=name or None)
        except enrolment.InsecureCentral as exc:
            raise EnrolFailed(str(exc), "insecure") from None
        except CentralRejected as exc:
            if exc.status == 0:  # the client's way of saying TLS verification failed
                raise EnrolFailed("the central's TLS certificate is not trusted: choose its CA file", "tls") from None
            raise EnrolFailed(f"enrolment refused: {exc.reason}", _REFUSALS.get(exc.status, "refused")) from None
        except CentralUnavailable as exc:
            raise EnrolFailed(f"central unreachable: {exc}", "unreachable") from None
        except (requests.RequestException, ValueError) as exc:  # malformed URL, an answer that is no enrolment
            raise EnrolFailed(f"central unreachable: {type(exc).__name__}", "unreachable") from None
        except (KeyError, TypeError):
            raise EnrolFailed("the central's answer is not an enrolment (wrong address?)", "not_enrolment") from None
        data_dir = self.ctx.data_dir
        enrolment.save(data_dir, enrolled)
        if document:
            save_centre_document(data_dir, document)
        self._audit("provision.enrolled", central=enrolled.central_url, role=enrolled.role)
        try:
            self.ctx.config = enrolment.apply(self.ctx.config, enrolled, document or None)
        except ConfigError:  # a centre document this build cannot read: keep the identity at least
            self.ctx.config = enrolment.apply(self.ctx.config, enrolled)
        return enrolled

    def ca_candidates(self) -> list[Path]:
        return assign.find_ca_files()

    # -- device assignment ----------------------------------------------------------------------

    def ports(self) -> list[SerialPortInfo]:
        from provisioning.ports import list_ports
        return list_ports()

    def assignment(self) -> Assignment:
        return assign.assignment_of(self.ctx.config)

    def save_assignment(self, a: Assignment) -> Config:
        """Writes the assignment to the config file (raises ConfigError) and returns the new
        running config: the edited sections from the file, the identity and centre sections as
        they were (the file has no token; the centre document came from the central)."""
        path, seed = Path(self.ctx.config_path), self.ctx.config_seed
        if not path.exists() and seed is not None and Path(seed).is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Path(seed).read_bytes())
        saved, changed = assign.save_assignment(path, a)
        if changed:
            self._audit("technician.config_changed", keys=changed)
        data = self.ctx.config.model_dump(mode="json")
        data.update(saved.model_dump(mode="json", include=set(ASSIGNED_SECTIONS)))
        self.ctx.config = enrolment.apply_saved(parse_config(data, str(self.ctx.config_path)), self.ctx.data_dir)
        return self.ctx.config

    # -- self-tests -----------------------------------------------------------------------------

    def _checks(self) -> dict[str, Callable[..., CheckResult]]:
        c, d = self.ctx.config, self.ctx.data_dir
        return {
            "printer": lambda **kw: selftest.check_printer(c, d, printer=self.ctx.printer, **kw),
            "speech": lambda **kw: selftest.check_speech(c, d, **kw),
            "central": lambda **kw: selftest.check_central(c, **kw),
            "disk": lambda **kw: selftest.check_disk(d, **kw),
            "clock": lambda **kw: selftest.check_clock(c, **kw),
        }

    def run_check(self, name: str, **kw: Any) -> CheckResult:
        """Never raises: a failing check, or one that crashes, is a FAIL with the reason."""
        check = self._checks().get(name)
        try:
            result = check(**kw) if check else CheckResult(name, False, f"unknown check {name!r}")
        except Exception as exc:
            result = CheckResult(name, False, f"error: {type(exc).__name__}: {exc}")
        self.record_check(result)
        return result

    def record_check(self, result: CheckResult) -> None:
        """Audits a test result (also for the tests the UI runs itself: panel presses, a scan)."""
        try:
            self._audit("technician.selftest", results={result.name: result.ok}, detail=result.detail[:300])
        except Exception:  # the result is still shown; a broken database is a finding of its own
            log.exception("technician: self-test %s not audited", result.name)

    # -- diagnostics and reset ------------------------------------------------------------------

    def usb_targets(self) -> list[Path]:
        """Mounted USB sticks; $KIOSK_MEDIA_ROOTS (os.pathsep-separated) names other places to look."""
        roots = os.environ.get("KIOSK_MEDIA_ROOTS")
        return assign.find_usb_media([Path(r) for r in roots.split(os.pathsep) if r] if roots else None)

    def save_diagnostics(self, folder: Path) -> Path:
        from provisioning.bundle import write_bundle
        path, _ = write_bundle(self.ctx.config, self.ctx.data_dir, Path(folder))
        self._audit("technician.diagnostics_saved", file=path.name)
        return path

    def send_diagnostics(self) -> dict:
        """The bundle's summary queued for the central (sent with the next sync); the zip is discarded."""
        from provisioning.bundle import write_bundle
        with tempfile.TemporaryDirectory(prefix="kiosk-diag-") as tmp:
            _, summary = write_bundle(self.ctx.config, self.ctx.data_dir, Path(tmp))
        self._audit("provision.diagnostics", summary=summary)
        return summary

    def reset_requested(self) -> None:
        """Audited before the app closes everything and runs provisioning.transfer.factory_reset."""
        self._audit("technician.factory_reset")

