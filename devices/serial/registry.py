"""The panel protocols, each registered in one place with everything the rest of the code needs.

Adding a protocol is one framer module (bytes -> `PanelPress`, pure) plus one `_register(...)`
line here; the config accepts the names in `kiosk.contract.config.PanelProtocol`, and
tests/test_panel_registry.py fails until both lists agree (the core cannot import devices/).

What an entry gives:
* `open_link(port, baudrate, **options)`: the link a `PanelSupervisor` owns (open_panel);
* `baudrate`: the default line speed (CLI simulator, open_panel);
* `encode_start_rating`: address -> the frame that starts a rating on an evaluator, or None when
  the panel cannot be prompted (the screen then asks the citizen by itself);
* `encode_key`: (address, key) -> the bytes a device sends, for the stream simulator; None for
  polled protocols, which have their own simulator;
* `addressed` (from the core's `KEYPAD_PROTOCOLS`) and `default_addresses(counters)`: the
  address map a technician sees before changing anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from kiosk.contract.config import KEYPAD_PROTOCOLS
from kiosk.ports import PanelPress, convention_addresses

from . import ascii, ft12, modbus
from .supervisor import Link
from .transport import StreamLink

LinkFactory = Callable[..., Link[PanelPress]]  # (port, baudrate, **options) -> the link a PanelSupervisor owns


@dataclass(frozen=True)
class PanelProtocolSpec:
    name: str
    open_link: LinkFactory
    baudrate: int = 9600
    encode_start_rating: Callable[[int], bytes] | None = None
    encode_key: Callable[[int | None, int], bytes] | None = None
    summary: str = ""

    @property
    def addressed(self) -> bool:
        """A bus of addressed devices (evaluators/callers maps) or one keypad per counter."""
        return self.name not in KEYPAD_PROTOCOLS

    def default_addresses(self, counters: Iterable[int]) -> tuple[dict[int, int], dict[int, int]]:
        """(callers, evaluators), address -> counter: the public convention for addressed
        protocols (caller = counter, evaluator = counter + 0x80), nothing for keypads."""
        return convention_addresses(counters) if self.addressed else ({}, {})


_REGISTRY: dict[str, PanelProtocolSpec] = {}


def _register(spec: PanelProtocolSpec) -> None:
    _REGISTRY[spec.name] = spec


def _ascii_link(port: str, baudrate: int, **options: Any) -> Link[PanelPress]:
    return StreamLink(port, ascii.AsciiFramer(port), baudrate=baudrate)


def _ft12_link(port: str, baudrate: int, *, plan: ft12.AddressPlan | None = None, **options: Any) -> Link[PanelPress]:
    return StreamLink(port, ft12.Ft12Framer(port, plan), baudrate=baudrate)


def _modbus_link(port: str, baudrate: int, *, units: list[modbus.ModbusUnit] | None = None,
                 stable_polls: int = 2, **options: Any) -> Link[PanelPress]:
    return modbus.ModbusLink(port, units or [modbus.ModbusUnit(1)], baudrate=baudrate, stable_polls=stable_polls)


# One line per protocol; the order is the order a technician cycles through.
_register(PanelProtocolSpec("ft12", _ft12_link, encode_start_rating=ft12.encode_start_rating,
                            encode_key=lambda address, key: ft12.encode_key(0x81 if address is None else address, key),
                            summary="FT1.2 queue-hardware bus (evaluators and caller keypads)"))
_register(PanelProtocolSpec("ascii", _ascii_link, encode_key=lambda address, key: ascii.encode_key(key),
                            summary="one character per key (USB keypads, DIY rating boxes)"))
_register(PanelProtocolSpec("modbus", _modbus_link,
                            summary="Modbus RTU digital-input modules, polled"))


def names() -> tuple[str, ...]:
    """Every registered protocol, in the technician's order."""
    return tuple(_REGISTRY)


def stream_names() -> tuple[str, ...]:
    """The protocols the stream simulator (simulator.PanelSimulator) can speak."""
    return tuple(name for name, spec in _REGISTRY.items() if spec.encode_key is not None)


def get(name: str) -> PanelProtocolSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown panel protocol {name!r} (known: {', '.join(_REGISTRY)})") from None


def start_rating_encoder(protocol: str) -> Callable[[int], bytes] | None:
    """address -> the "start a rating" frame for an evaluator of `protocol`; None when that
    protocol cannot be prompted. What kiosk.counter.panels.make_prompter takes."""
    spec = _REGISTRY.get(protocol)
    return spec.encode_start_rating if spec is not None else None
