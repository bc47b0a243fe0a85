"""`kiosk central ...` commands. Admin commands work on the database directly (--db)."""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
from typing import Any

from sqlalchemy import select

from central.province import cli as province_cli

# Production defaults (docs/deploy.md): state in /var/lib/kiosk, settings in /etc/kiosk. A
# developer passes --db or sets $KIOSK_CENTRAL_DB; nothing is created in the current folder.
DEFAULT_DB = "sqlite:////var/lib/kiosk/central/central.db"
DEFAULT_URL = "http://127.0.0.1:8800"
DEFAULT_BACKUPS = "/var/lib/kiosk/central/backups"
# systemd's LoadCredential=admin-token:/etc/kiosk/central-admin-token puts it here
CREDENTIAL = "admin-token"


def _admin_db(args: argparse.Namespace) -> Any:
    """The database of an admin command: it must exist at this version's schema (no silent creation)."""
    from central.db import SchemaError, connect

    try:
        return connect(args.db)
    except SchemaError as exc:
        raise SystemExit(f"kiosk central: {exc}") from None


def read_admin_token(path: str | None) -> str | None:
    """The admin token to register: from --admin-token-file, a systemd credential, or
    $KIOSK_CENTRAL_ADMIN_TOKEN (never from the command line, where `ps` shows it)."""
    candidates = [path] if path else []
    if os.environ.get("CREDENTIALS_DIRECTORY"):
        candidates.append(os.path.join(os.environ["CREDENTIALS_DIRECTORY"], CREDENTIAL))
    for candidate in candidates:
        if os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as f:
                token = f.read().strip()
            if token:
                return token
    return os.environ.get("KIOSK_CENTRAL_ADMIN_TOKEN") or None


def _first_token(generated: str, path: str | None) -> None:
    """A generated first admin token goes to --admin-token-file (0600) when one is named and
    absent, so the journal never holds it; else it is printed this once."""
    if path and not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(generated + "\n")
        print(f"Admin token generated and written to {path} (readable by its owner only)", flush=True)
        return
    print(f"Admin token (shown only this once; keep it safe):\n  {generated}", flush=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    from central.db import Database, migrate

    try:
        db = Database(args.db)
    except OSError as exc:  # e.g. /var/lib/kiosk/central not writable by a developer
        print(f"kiosk central: cannot create the database folder ({exc}): give --db or $KIOSK_CENTRAL_DB",
              file=sys.stderr)
        return 2
    try:
        migrate(db.engine)  # under a lock: one migrator at a time
    finally:
        db.close()
    print(f"central database at this version's schema: {args.db.split('@')[-1]}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central.app import create_app, settle_heap
    from central.db import SchemaError, connect, open_database
    from central.devices import ensure_admin_token
    from kiosk.contract.config import ConfigError

    try:  # migrations run here once, never in the workers (`--no-migrate`: `kiosk central migrate` did)
        db = connect(args.db) if args.no_migrate else open_database(args.db)
    except SchemaError as exc:
        print(f"kiosk central: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. /var/lib/kiosk/central not writable by a developer
        print(f"kiosk central: cannot create the database folder ({exc}): give --db or $KIOSK_CENTRAL_DB",
              file=sys.stderr)
        return 2
    with db.transaction() as s:
        generated = ensure_admin_token(s, read_admin_token(args.admin_token_file))
    if generated:  # only on the very first start; later: `kiosk central admin-token create|rotate`
        _first_token(generated, args.admin_token_file)
    options: dict[str, Any] = {"host": args.host, "port": args.port, "access_log": args.access_log,
                               "timeout_graceful_shutdown": 5, "root_path": args.root_path,
                               "proxy_headers": True, "forwarded_allow_ips": args.forwarded_allow_ips}
    if args.workers <= 1:
        app = create_app(db)
        app.state.alert_watcher.start()  # alert rules and their e-mail / webhook (central/web/alerts.py)
        app.state.notify_loop.start()  # Zalo / SMS messages and the day-end purge of numbers (central/notify)
        try:  # the province's one-stop system behind the look-ups, ratings pushed to it (central/province)
            bridge = province_cli.start_bridge(app, db, args.province)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        settle_heap()
        server = uvicorn.Server(uvicorn.Config(app, **options))
        handle_exit = server.handle_exit

        def stop(sig: int, frame: Any) -> None:
            app.state.call_hub.stop()  # the push streams end first, or shutdown waits for them
            handle_exit(sig, frame)
        server.handle_exit = stop  # type: ignore[method-assign]
        try:
            server.run()
        finally:
            if bridge is not None:
                bridge.stop()
        return 0
    # Several worker processes, each building its app from the factory (with its own province
    # bridge: the outbox takes rows with SKIP LOCKED); the alert rules and the Zalo / SMS messages
    # run once, here in the supervising process, not once per worker (and a message is claimed
    # before it is sent: central/notify/outbox.py).
    from central.notify.loop import NotifyLoop
    from central.notify_settings import NotifySettings
    from central.web.alerts import PushSettings, Watcher

    os.environ["KIOSK_CENTRAL_DB"] = args.db
    if args.province:
        os.environ[province_cli.ENV] = args.province
    loops = [Watcher(db, PushSettings.from_env()).start(), NotifyLoop(db, NotifySettings.from_env()).start()]
    try:
        uvicorn.run("central.app:app_from_env", factory=True, workers=args.workers, **options)
    finally:
        for loop in loops:
            loop.stop()
        db.close()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from central.ops import BackupError, backup, backup_name, rotate

    out = Path(args.out) if args.out else Path(args.dir) / backup_name()
    try:
        backup(args.db, out)
    except BackupError as exc:
        print(f"kiosk central backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {out}")
    if not args.out and args.keep:
        for old in rotate(out.parent, args.keep):
            print(f"old backup removed: {old}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from central.ops import BackupError, restore

    if not args.yes:
        print("kiosk central restore replaces the whole central database: stop the central, then run it "
              "again with --yes", file=sys.stderr)
        return 2
    try:
        restore(args.db, Path(args.file))
    except BackupError as exc:
        print(f"kiosk central restore: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file}; run `kiosk central migrate` if the backup is from an older version")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from central.ops import prune

    try:
        done = prune(_admin_db(args), args.events_days, args.heartbeats_days)
    except ValueError as exc:
        print(f"kiosk central prune: {exc}", file=sys.stderr)
        return 2
    print(f"deleted: {done.events} events, {done.conflicts} event conflicts, {done.batches} ingest batches "
          f"(older than {args.events_days} days), {done.heartbeats} heartbeats (older than {args.heartbeats_days} days)")
    return 0


def cmd_import_config(args: argparse.Namespace) -> int:
    from central.centres import load_toml, store_doc
    from kiosk.contract.config import ConfigError

    try:
        doc = load_toml(args.file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    with _admin_db(args).transaction() as s:
        row = store_doc(s, doc)
        print(f"centre {row.code} ({row.name}): {len(doc.config.services)} services, "
              f"{len(doc.config.counters)} counters; ETag {row.etag}")
    return 0


def cmd_enrol_code(args: argparse.Namespace) -> int:
    import qrcode

    from central.admin_api import qr_payload
    from central.centres import find_centre
    from central.devices import create_enrolment_code

    with _admin_db(args).transaction() as s:
        try:
            centre = find_centre(s, args.centre)
        except LookupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        try:
            code, row = create_enrolment_code(s, centre, args.role, dt.timedelta(hours=args.ttl_hours),
                                              counters=args.counters)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    payload = qr_payload(args.url, code)
    print(f"Enrolment code for a {args.role} device of {centre.code}: {code}")
    print(f"Valid once, until {row.expires_at.isoformat()}. QR content: {payload}")
    qr = qrcode.QRCode(border=2)
    qr.add_data(payload)
    buf = io.StringIO()
    qr.print_ascii(out=buf, invert=True)
    print(buf.getvalue(), end="")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from central.devices import revoke

    with _admin_db(args).transaction() as s:
        try:
            d = revoke(s, args.device_id)
        except LookupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"revoked {d.id} ({d.name}) at {d.revoked_at.isoformat() if d.revoked_at else '?'}")
    return 0


def cmd_bind_counters(args: argparse.Namespace) -> int:
    from central.devices import Device

    with _admin_db(args).transaction() as s:
        d = s.get(Device, args.device_id)
        if d is None or d.role != "counter":
            print(f"error: no counter device {args.device_id!r}", file=sys.stderr)
            return 2
        d.counters = sorted(set(args.counters))
        print(f"{d.id} ({d.name}) acts and reports for counters {', '.join(map(str, d.counters)) or 'none'}")
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    """list | create LABEL | revoke ID | rotate ID. A clear token is printed once, by this command only."""
    from central.devices import admin_tokens, create_admin_token, revoke_admin_token, rotate_admin_token

    with _admin_db(args).transaction() as s:
        try:
            if args.action == "list":
                for t in admin_tokens(s):
                    state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}Z" if t.revoked_at else "active"
                    print(f"#{t.id:<4} {t.label:<24} created {t.created_at:%Y-%m-%d %H:%M}Z  {state}")
                return 0
            if args.action == "create":
                row, token = create_admin_token(s, args.target or "admin")
            elif args.action == "revoke":
                row = revoke_admin_token(s, _token_id(args.target))
                print(f"admin token #{row.id} ({row.label}) revoked")
                return 0
            else:
                row, token = rotate_admin_token(s, _token_id(args.target))
        except (LookupError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"admin token #{row.id} ({row.label}); shown only this once, keep it safe:\n  {token}")
    return 0


def _token_id(target: str | None) -> int:
    if not target or not target.lstrip("#").isdigit():
        raise ValueError("name the token by its number from `admin-token list`, e.g. 2")
    return int(target.lstrip("#"))


def cmd_devices(args: argparse.Namespace) -> int:
    from central.centres import CentreRow
    from central.devices import Device

    with _admin_db(args).transaction() as s:
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        rows = s.scalars(select(Device).order_by(Device.centre_id, Device.device_index, Device.enrolled_at)).all()
        if not rows:
            print("no devices enrolled")
        for d in rows:
            state = "revoked" if d.revoked_at else (f"seen {d.last_heartbeat_at:%Y-%m-%d %H:%M}Z"
                                                    if d.last_heartbeat_at else "no heartbeat yet")
            print(f"{d.id}  {codes.get(d.centre_id, '?'):<16} #{d.device_index or '-':<3} {d.role:<8} "
                  f"{d.name:<24} {d.version or '-':<10} {state}")
    return 0


def cmd_import_dossiers(args: argparse.Namespace) -> int:
    from central.dossiers import SAMPLE, ImportError_, import_dossiers, load_file

    try:
        body = load_file(args.file or SAMPLE)
    except ImportError_ as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        with _admin_db(args).transaction() as s:
            counts = import_dossiers(s, body, args.centre)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"dossiers: {counts['created']} created, {counts['updated']} updated")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    import getpass

    from central.web.security import audit, create_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password (at least 10 characters): ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    with _admin_db(args).transaction() as s:
        try:
            user = create_user(s, args.username, password, args.role, args.name or "", args.centre)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        audit(s, None, "user.created", user.username, user.centre_id, role=user.role, via="cli")
        print(f"user {user.username} ({user.role}) created; sign in at /login")
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds `central` with its nested commands to a parent's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=os.environ.get("KIOSK_CENTRAL_DB", DEFAULT_DB),
                        help=f"SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://... (default {DEFAULT_DB}, "
                             "or $KIOSK_CENTRAL_DB)")
    central = subparsers.add_parser("central", help="the central system (server and administration)")
    sub = central.add_subparsers(dest="central_command", required=True)

    # no abbreviations: the old `--admin-token SECRET` would be read as --admin-token-file
    # (the secret taken for a file name, and shown by `ps`)
    p = sub.add_parser("serve", parents=[common], help="run the central HTTP server", allow_abbrev=False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8800)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL; SQLite: keep 1)")
    p.add_argument("--root-path", default="", help="the path prefix a reverse proxy serves the central under")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)")
    p.add_argument("--admin-token-file", default=os.environ.get("KIOSK_CENTRAL_ADMIN_TOKEN_FILE"),
                   help="file holding the admin token (else $CREDENTIALS_DIRECTORY/admin-token or "
                        "$KIOSK_CENTRAL_ADMIN_TOKEN); at the very first start without one, a generated token is "
                        "written there (or printed once)")
    p.add_argument("--no-migrate", action="store_true",
                   help="do not migrate; refuse a database not at this version's schema (after `central migrate`)")
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.add_argument("--province", default=None, help="the province one-stop system's settings (TOML, "
                                                    f"docs/province.md; default ${province_cli.ENV})")
    p.set_defaults(func=cmd_serve)
    province_cli.register(sub, common)

    p = sub.add_parser("migrate", parents=[common], help="create or upgrade the central database (one migrator at a time)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("backup", parents=[common], help="a consistent copy of the database while it serves "
                                                         "(SQLite online backup, PostgreSQL pg_dump)")
    p.add_argument("--dir", default=os.environ.get("KIOSK_CENTRAL_BACKUPS", DEFAULT_BACKUPS),
                   help=f"folder of the dated backups (default {DEFAULT_BACKUPS} or $KIOSK_CENTRAL_BACKUPS)")
    p.add_argument("--keep", type=int, default=14, help="dated backups kept in --dir (default 14; 0 keeps all)")
    p.add_argument("--out", default=None, help="write this one file instead (no rotation)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="replace the database with a backup (central stopped)")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="confirm: the current content is replaced")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("prune", parents=[common], help="retention: delete old raw events and heartbeat history")
    p.add_argument("--events-days", type=int, default=400, help="keep raw events this many days (default 400)")
    p.add_argument("--heartbeats-days", type=int, default=30, help="keep heartbeat history this many days (default 30)")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("import-config", parents=[common], help="import a centre config (TOML, like sample_centre.toml)")
    p.add_argument("file")
    p.set_defaults(func=cmd_import_config)

    p = sub.add_parser("enrol-code", parents=[common], help="make a one-time enrolment code (text + QR)")
    p.add_argument("--role", required=True, choices=["lobby", "counter", "display", "rating"])
    p.add_argument("--centre", default=None, help="centre code (needed when several centres exist)")
    p.add_argument("--ttl-hours", type=float, default=24)
    p.add_argument("--counters", type=_counter_list, default=None,
                   help="counter role: the counters the device may act and report for, e.g. 1,2")
    p.add_argument("--url", default=os.environ.get("KIOSK_CENTRAL_URL", DEFAULT_URL),
                   help="central URL devices should use, put in the QR (default $KIOSK_CENTRAL_URL)")
    p.set_defaults(func=cmd_enrol_code)

    p = sub.add_parser("create-user", parents=[common], help="add a person who signs in to the web pages "
                                                              "(the first province administrator, ...)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["province_admin", "centre_manager", "viewer"])
    p.add_argument("--centre", default=None, help="centre code (for a centre manager or viewer)")
    p.add_argument("--name", default=None, help="full name shown on the pages")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("revoke", parents=[common], help="revoke a device's token")
    p.add_argument("device_id")
    p.set_defaults(func=cmd_revoke)

    p = sub.add_parser("import-dossiers", parents=[common],
                       help="import dossiers for the kiosk look-up (JSON or CSV; default: the demo sample)")
    p.add_argument("file", nargs="?", default=None, help="a .json or .csv file (default sample_dossiers.json)")
    p.add_argument("--centre", default=None, help="centre code (default: the file's, or the only centre)")
    p.set_defaults(func=cmd_import_dossiers)

    p = sub.add_parser("devices", parents=[common], help="list enrolled devices")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("bind-counters", parents=[common], help="bind a counter device to its counters")
    p.add_argument("device_id")
    p.add_argument("counters", type=int, nargs="*", help="counter numbers (none: unbind all)")
    p.set_defaults(func=cmd_bind_counters)

    p = sub.add_parser("admin-token", parents=[common], help="list, create, revoke or rotate admin tokens")
    p.add_argument("action", choices=["list", "create", "revoke", "rotate"])
    p.add_argument("target", nargs="?", default=None, help="create: a label; revoke/rotate: the token's number")
    p.set_defaults(func=cmd_admin_token)
    return central


def _counter_list(text: str) -> list[int]:
    try:
        numbers = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected counter numbers like 1,2 (got {text!r})") from None
    if not all(1 <= n <= 999 for n in numbers):
        raise argparse.ArgumentTypeError("counter numbers are 1 to 999")
    return numbers


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (`python -m central ...`) until main.py wires register()."""
    parser = argparse.ArgumentParser(prog="python -m central")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["central", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))
