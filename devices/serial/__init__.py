"""Serial button panels: rating evaluators and officer caller keypads.

Layers (as in pyserial's serial.threaded): a link owns the port (transport.StreamLink,
modbus.ModbusLink), a pure framer turns bytes into kiosk.ports.PanelPress (ascii, ft12), and
a PanelSupervisor thread per port keeps it alive across unplugs and reports health.
"""
from __future__ import annotations


from kiosk.ports import HealthSink

from .ascii import AsciiFramer
from .ft12 import AddressPlan, Ft12Decoder, Ft12Framer, Frame
from .modbus import EdgeDetector, ModbusLink, ModbusUnit
from .supervisor import Backoff, PanelSupervisor, PressSink
from .transport import PortNotFound, PortSpec, StreamLink, resolve_port

__all__ = [
    "AddressPlan", "AsciiFramer", "Backoff", "EdgeDetector", "Frame", "Ft12Decoder", "Ft12Framer",
    "ModbusLink", "ModbusUnit", "PanelSupervisor", "PortNotFound", "PortSpec", "StreamLink",
    "open_panel", "resolve_port",
]


def open_panel(name: str, port: str, protocol: str, on_press: PressSink, *,
               health: HealthSink | None = None, baudrate: int = 9600,
               plan: AddressPlan | None = None, modbus_units: list[ModbusUnit] | None = None,
               backoff: Backoff = Backoff(), start: bool = True) -> PanelSupervisor:
    """Build (and start) the supervisor for one configured panel port."""
    link: StreamLink | ModbusLink
    if protocol == "ascii":
        link = StreamLink(port, AsciiFramer(port), baudrate=baudrate)
    elif protocol == "ft12":
        link = StreamLink(port, Ft12Framer(port, plan), baudrate=baudrate)
    elif protocol == "modbus":
        link = ModbusLink(port, modbus_units or [ModbusUnit(1)], baudrate=baudrate)
    else:
        raise ValueError(f"unknown panel protocol {protocol!r}")
    supervisor = PanelSupervisor(name, link, on_press, health=health, backoff=backoff)
    if start:
        supervisor.start()
    return supervisor
