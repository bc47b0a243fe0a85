"""Serial button panels: rating evaluators and officer caller keypads.

Layers (as in pyserial's serial.threaded): a link owns the port (transport.StreamLink,
modbus.ModbusLink), a pure framer turns bytes into kiosk.ports.PanelPress (ascii, ft12), and
a PanelSupervisor thread per port keeps it alive across unplugs and reports health. Each
protocol is registered once in `registry` (link factory, baudrate, "start rating" encoder).
"""
from __future__ import annotations

from typing import Any

from kiosk.ports import HealthSink

from . import registry
from .ascii import AsciiFramer
from .ft12 import AddressPlan, Frame, Ft12Decoder, Ft12Framer
from .modbus import EdgeDetector, ModbusLink, ModbusUnit
from .registry import start_rating_encoder
from .supervisor import Backoff, PanelSupervisor, PressSink
from .transport import PortNotFound, PortSpec, StreamLink, resolve_port

__all__ = [
    "AddressPlan", "AsciiFramer", "Backoff", "EdgeDetector", "Frame", "Ft12Decoder", "Ft12Framer",
    "ModbusLink", "ModbusUnit", "PanelSupervisor", "PortNotFound", "PortSpec", "StreamLink",
    "open_panel", "resolve_port", "start_rating_encoder",
]


def open_panel(name: str, port: str, protocol: str, on_press: PressSink, *,
               health: HealthSink | None = None, baudrate: int | None = None,
               backoff: Backoff = Backoff(), start: bool = True, **link_options: Any) -> PanelSupervisor:
    """Build (and start) the supervisor for one configured panel port. `link_options` go to the
    protocol's link factory (ft12: `plan=AddressPlan(...)`, modbus: `units=[ModbusUnit(...)]`).
    An unknown protocol raises ValueError."""
    spec = registry.get(protocol)
    link = spec.open_link(port, spec.baudrate if baudrate is None else baudrate, **link_options)
    supervisor = PanelSupervisor(name, link, on_press, health=health, backoff=backoff)
    if start:
        supervisor.start()
    return supervisor
