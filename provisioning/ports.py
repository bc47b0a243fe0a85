"""Serial ports as a technician needs them: USB ids and the stable /dev/serial/by-id names."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from serial.tools import list_ports as _list_ports

BY_ID = Path("/dev/serial/by-id")


@dataclass
class SerialPortInfo:
    device: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    description: str | None
    location: str | None
    by_id: list[str] = field(default_factory=list)


def list_ports(by_id_dir: Path = BY_ID) -> list[SerialPortInfo]:
    links: dict[str, list[str]] = {}
    if by_id_dir.is_dir():
        for link in sorted(by_id_dir.iterdir()):
            links.setdefault(os.path.realpath(link), []).append(str(link))
    out = []
    for p in sorted(_list_ports.comports(), key=lambda p: p.device):
        out.append(SerialPortInfo(device=p.device, vid=p.vid, pid=p.pid, serial_number=p.serial_number,
                                  description=p.description if p.description != "n/a" else None,
                                  location=p.location, by_id=links.get(os.path.realpath(p.device), [])))
    return out
