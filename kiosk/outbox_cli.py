"""`kiosk outbox dead` and `kiosk outbox requeue`: the dead letters of a device (events the
central refused for good) listed, and put back in the outbox after the cause is fixed."""
from __future__ import annotations

import argparse
import os
import json
from pathlib import Path

from sqlalchemy import delete, func, select

from kiosk.contract.config import APPLIANCE_CONFIG, APPLIANCE_DATA, ConfigError, load_config
from kiosk.storage import open_database
from kiosk.storage.engine import StorageError
from kiosk.storage.outbox import DeadLetter, OutboxEvent


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("outbox", help="dead letters: list them, put them back in the outbox")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name, help_ in (("dead", "list the events the central refused for good (id, type, reason, when)"),
                        ("requeue", "put dead letters back in the outbox, in their original order")):
        v = verbs.add_parser(name, help=help_)
        v.add_argument("--config", default=os.environ.get("KIOSK_CONFIG", APPLIANCE_CONFIG),
                       help=f"device config file (TOML; default $KIOSK_CONFIG or {APPLIANCE_CONFIG})")
        v.add_argument("--data", default=os.environ.get("KIOSK_DATA"),
                       help=f"data folder (default $KIOSK_DATA, the config's device.data_dir when absolute, or {APPLIANCE_DATA})")
        if name == "dead":
            v.add_argument("--json", action="store_true", help="print JSON")
            v.set_defaults(func=dead)
        else:
            which = v.add_mutually_exclusive_group(required=True)
            which.add_argument("--id", action="append", dest="ids", metavar="ID", help="one event id (repeatable)")
            which.add_argument("--all", action="store_true", help="every dead letter")
            v.set_defaults(func=requeue)


def _data_dir(args: argparse.Namespace) -> Path | None:
    """The device's data folder, None (said why) when its database is not there: these commands
    read a device's outbox, they never create one."""
    if args.data:
        data_dir = Path(args.data)
    else:
        try:
            data_dir = load_config(args.config).command_data_dir(None)
        except ConfigError as exc:
            print(exc)
            return None
    if not (data_dir / "kiosk.db").exists():
        print(f"no device database in {data_dir}: give the device's data folder with --data "
              f"(an installed kiosk: {APPLIANCE_DATA})")
        return None
    return data_dir


def dead(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    if data_dir is None:
        return 2
    try:
        db = open_database(data_dir / "kiosk.db")
        with db.transaction() as s:
            rows = [{"id": d.event_id, "type": d.type, "reason": d.reason, "failed_at": d.failed_at.isoformat(),
                     "occurred_at": d.occurred_at.isoformat()}
                    for d in s.scalars(select(DeadLetter).order_by(DeadLetter.occurred_at, DeadLetter.event_id))]
        db.close()
    except StorageError as exc:
        print(f"cannot read the device database: {exc}")
        return 1
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print("no dead letters")
    else:
        for r in rows:
            print(f"{r['id']}  {r['type']:<20} {r['failed_at']}  {r['reason']}")
    return 0


def requeue(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    if data_dir is None:
        return 2
    try:
        db = open_database(data_dir / "kiosk.db")
        with db.transaction() as s:
            query = select(DeadLetter).order_by(DeadLetter.occurred_at, DeadLetter.event_id)
            if not args.all:
                query = query.where(DeadLetter.event_id.in_(args.ids))
            letters = list(s.scalars(query))
            unknown = sorted(set(args.ids or ()) - {d.event_id for d in letters})
            if unknown:
                print(f"no dead letter with id {', '.join(unknown)}: nothing requeued")
                return 1
            # Back at the end of the outbox (new seq), in the order they first happened; an id
            # already back in the outbox is only taken off the dead letters.
            present = set(s.scalars(select(OutboxEvent.event_id).where(
                OutboxEvent.event_id.in_([d.event_id for d in letters]))))
            for d in letters:
                if d.event_id not in present:
                    s.add(OutboxEvent(event_id=d.event_id, type=d.type, occurred_at=d.occurred_at, payload=d.payload,
                                      attempts=0, sent_at=None))
            s.execute(delete(DeadLetter).where(DeadLetter.event_id.in_([d.event_id for d in letters])))
            s.flush()
            left = s.scalar(select(func.count()).select_from(DeadLetter)) or 0
        db.close()
    except StorageError as exc:
        print(f"cannot write the device database: {exc}")
        return 1
    print(f"requeued {len(letters)} event(s); {left} dead letter(s) left")
    return 0
