"""`kiosk provision ...`: the technician's steps from the command line, for scripted installs."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from kiosk.contract.config import APPLIANCE_CONFIG, APPLIANCE_DATA

DEFAULT_CONFIG = os.environ.get("KIOSK_CONFIG", APPLIANCE_CONFIG)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("provision", help="enrol, list ports, self-test, export/import, PIN, diagnostics, reset")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=DEFAULT_CONFIG, help=f"device config (default {DEFAULT_CONFIG}, "
                                                                   "or $KIOSK_CONFIG)")
    common.add_argument("--data", default=os.environ.get("KIOSK_DATA"),
                        help=f"data folder (default $KIOSK_DATA, the config's device.data_dir when absolute, "
                             f"or {APPLIANCE_DATA})")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)

    e = steps.add_parser("enrol", parents=[common], help="exchange a one-time code for this device's identity")
    e.add_argument("--central", help="central URL, e.g. https://kiosk.camau.gov.vn")
    e.add_argument("--code", help="the one-time enrolment code")
    e.add_argument("--qr", help="the enrolment QR's content instead of --central/--code")
    e.add_argument("--ca-file", help="a CA certificate to trust for the central's TLS")
    e.add_argument("--name", help="a name for this device (shown in the fleet view)")
    e.add_argument("--insecure-http", action="store_true",
                   help="accept an http:// central (a test bench only: the token travels in clear)")
    e.set_defaults(func=cmd_enrol)

    ports = steps.add_parser("ports", help="serial ports with their USB ids and stable by-id paths")
    ports.add_argument("--json", action="store_true")
    ports.set_defaults(func=cmd_ports)

    t = steps.add_parser("test", parents=[common], help="self-test a device (pass/fail)")
    t.add_argument("what", choices=["printer", "panel", "scanner", "speech", "central", "disk", "clock", "all"])
    t.add_argument("--panel", help="panel name from [[counter.panels]] (default: the first)")
    t.add_argument("--presses", type=int, default=1, help="presses to wait for (panel test)")
    t.add_argument("--timeout", type=float, default=30, help="seconds to wait for a press or a scan")
    t.set_defaults(func=cmd_test)

    x = steps.add_parser("export", parents=[common], help="write this device's config without secrets")
    x.add_argument("file")
    x.set_defaults(func=cmd_export)
    i = steps.add_parser("import", parents=[common], help="validate a config file and install it as --config")
    i.add_argument("file")
    i.set_defaults(func=cmd_import)

    pin = steps.add_parser("set-pin", parents=[common], help="set or change the technician PIN")
    pin.add_argument("--pin-stdin", action="store_true", help="read the new (and current) PIN from stdin lines")
    pin.set_defaults(func=cmd_set_pin)

    d = steps.add_parser("diagnostics", parents=[common], help="a support bundle (no secrets), saved or sent")
    d.add_argument("--out", help="folder to write the .zip in, e.g. a USB stick (default: DATA/diagnostics)")
    d.add_argument("--send", action="store_true", help="also send it to the central (its fleet page lists it)")
    d.set_defaults(func=cmd_diagnostics)

    r = steps.add_parser("reset", parents=[common], help="factory reset: forget identity, PIN, data and caches")
    r.add_argument("--yes", action="store_true", help="really do it")
    r.set_defaults(func=cmd_reset)


def _load(args) -> tuple:
    from kiosk.contract.config import ConfigError, load_config
    from kiosk.sync.enrolment import apply_saved
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    data_dir = config.command_data_dir(args.data)
    return apply_saved(config, data_dir), data_dir


def cmd_enrol(args) -> int:
    from kiosk.sync import enrolment
    from kiosk.sync.client import CentralRejected, CentralUnavailable
    from kiosk.sync.service import save_centre_document
    from provisioning.qr import EnrolmentQrError, parse_enrolment_qr

    if args.qr:
        try:
            central, code = parse_enrolment_qr(args.qr)
        except EnrolmentQrError as exc:
            print(f"enrolment QR not usable: {exc}", file=sys.stderr)
            return 2
    elif args.central and args.code:
        central, code = args.central, args.code
    else:
        print("give --central and --code, or --qr", file=sys.stderr)
        return 2
    config, data_dir = _load(args)
    try:
        enrolled, document = enrolment.enrol(central, code, ca_file=args.ca_file, device_name=args.name,
                                             insecure_http=args.insecure_http)
    except enrolment.InsecureCentral as exc:
        print(f"enrolment refused: {exc}", file=sys.stderr)
        return 2
    except CentralRejected as exc:
        print(f"enrolment refused: {exc.reason}", file=sys.stderr)
        return 1
    except CentralUnavailable as exc:
        print(f"central unreachable: {exc}", file=sys.stderr)
        return 1
    enrolment.save(data_dir, enrolled)
    if document:
        save_centre_document(data_dir, document)
    from kiosk.storage import open_database
    from kiosk.technician import record_audit
    record_audit(open_database(data_dir / "kiosk.db"), "provision.enrolled", central=central, role=enrolled.role)
    index = f", index {enrolled.device_index}" if enrolled.device_index is not None else ""
    print(f"enrolled: device {enrolled.device_id}, role {enrolled.role}, centre {enrolled.centre_code}{index}")
    return 0


def cmd_ports(args) -> int:
    from provisioning.ports import list_ports
    ports = list_ports()
    if args.json:
        print(json.dumps([p.__dict__ for p in ports], indent=2))
    elif not ports:
        print("no serial ports found (is the USB-serial adapter plugged in? is the user in `dialout`?)")
    else:
        for p in ports:
            usb = f"usb:{p.vid:04x}:{p.pid:04x}" if p.vid is not None else "-"
            print(f"{p.device:<16} {usb:<15} serial={p.serial_number or '-':<14} {p.description or ''}")
            for link in p.by_id:
                print(f"{'':<16} by-id: {link}")
    return 0


def cmd_test(args) -> int:
    from provisioning import selftest
    config, data_dir = _load(args)
    data_dir.mkdir(parents=True, exist_ok=True)

    def ready(panel) -> None:  # the technician (or a test) presses only once the port listens
        print(f"{panel.name}: {panel.port} open ({panel.protocol}); press {args.presses} button(s) now", flush=True)

    checks = {
        "printer": lambda: [selftest.check_printer(config, data_dir)],
        "panel": lambda: [selftest.check_panel(config, args.panel, args.presses, args.timeout, on_ready=ready)],
        "scanner": lambda: [selftest.check_scanner(config, args.timeout)],
        "speech": lambda: [selftest.check_speech(config, data_dir)],
        "central": lambda: [selftest.check_central(config)],
        "disk": lambda: [selftest.check_disk(data_dir)],
        "clock": lambda: [selftest.check_clock(config)],
        "all": lambda: selftest.run_all(config, data_dir),
    }
    results = checks[args.what]()
    for r in results:
        print(r.line())
    from kiosk.storage import open_database
    from kiosk.technician import record_audit
    record_audit(open_database(data_dir / "kiosk.db"), "provision.selftest",
                 results={r.name: r.ok for r in results})
    return 0 if all(r.ok for r in results) else 1


def cmd_export(args) -> int:
    from provisioning.transfer import export_config
    config, _ = _load(args)
    Path(args.file).write_text(export_config(config), encoding="utf-8")
    print(f"written {args.file} (no token, no device identity)")
    return 0


def cmd_import(args) -> int:
    from kiosk.contract.config import ConfigError
    from provisioning.transfer import import_config
    try:
        import_config(Path(args.file), Path(args.config))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"installed {args.file} as {args.config}")
    return 0


def cmd_set_pin(args) -> int:
    from kiosk.storage import open_database
    from kiosk.technician import PinRefused, TechnicianAccess
    _, data_dir = _load(args)
    access = TechnicianAccess(open_database(data_dir / "kiosk.db"))
    if args.pin_stdin:
        lines = sys.stdin.read().split()
        new, current = lines[0], (lines[1] if len(lines) > 1 else None)
    else:
        current = getpass.getpass("current PIN: ") if access.is_set() else None
        new = getpass.getpass("new PIN (4-12 digits): ")
        if getpass.getpass("new PIN again: ") != new:
            print("the two PINs differ", file=sys.stderr)
            return 2
    try:
        access.set_pin(new, current_pin=current, actor="cli")
    except PinRefused as exc:
        print(f"PIN not set: {exc}", file=sys.stderr)
        return 1
    print("technician PIN set")
    return 0


def cmd_diagnostics(args) -> int:
    from provisioning.bundle import write_bundle
    config, data_dir = _load(args)
    path, summary = write_bundle(config, data_dir, Path(args.out) if args.out else data_dir / "diagnostics")
    print(f"written {path}")
    if args.send:
        from kiosk.storage import open_database
        from kiosk.technician import record_audit
        record_audit(open_database(data_dir / "kiosk.db"), "provision.diagnostics", summary=summary)
        print("summary queued for the central (sent with the next sync)")
        if config.central.url and config.central.token:  # the zip itself, for the fleet page
            from kiosk.sync.client import CentralClient, CentralRejected, CentralUnavailable
            client = CentralClient(config.central.url, config.central.token, ca_file=config.central.ca_file,
                                   timeout=config.central.timeout_s)
            try:
                stored = client.upload_diagnostics(path.read_bytes())
            except (CentralRejected, CentralUnavailable) as exc:
                print(f"bundle not uploaded ({exc}); hand over {path} instead", file=sys.stderr)
                return 1
            print(f"bundle uploaded to the central (#{stored['bundle_id']}, {stored['size']} bytes)")
    return 0


def cmd_reset(args) -> int:
    from provisioning.transfer import factory_reset
    if not args.yes:
        print("factory reset forgets this device's identity, PIN, tickets and caches: add --yes", file=sys.stderr)
        return 2
    _, data_dir = _load(args)
    removed = factory_reset(data_dir)
    print(f"factory reset: {removed} file(s) removed from {data_dir}")
    return 0
