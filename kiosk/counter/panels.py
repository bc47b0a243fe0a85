"""Which counter a panel press belongs to, and which panel/address prompts a counter's rating.

Pure: built from kiosk.contract.config.CounterSettings; the composition root opens the ports
(devices.serial.open_panel) and passes `PanelPress`es in. kiosk/ never imports devices/: what a
protocol can do (start a rating) comes in as a function from devices.serial.registry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from kiosk.contract.config import KEYPAD_PROTOCOLS, CounterSettings, PanelSettings
from kiosk.ports import PanelPress, convention_addresses

StartRatingEncoder = Callable[[int], bytes]  # evaluator address -> frame


class PanelConfigError(ValueError):
    """The panels section names a counter this device does not run, or maps an address twice."""


@dataclass(frozen=True)
class Route:
    counter: int
    kind: str    # "evaluator" | "caller"
    device: str  # stored with ratings: "<panel name>" or "<panel name>:0x83"


@dataclass(frozen=True)
class PromptTarget:
    panel: str
    address: int
    protocol: str


class PanelMap:
    def __init__(self, settings: CounterSettings, counters: Iterable[int]) -> None:
        self.counters = sorted(set(counters))
        known = set(self.counters)
        self._by_port: dict[str, PanelSettings] = {}
        self._routes: dict[tuple[str, int | None, str], Route] = {}
        self._prompts: dict[int, list[PromptTarget]] = {}
        for p in settings.panels:
            if p.name in self._by_port or any(q.port == p.port for q in self._by_port.values()):
                raise PanelConfigError(f"panel {p.name!r}: name and port must be unique")
            self._by_port[p.port] = p
            if p.protocol in KEYPAD_PROTOCOLS:
                self._add(p, None, p.kind, p.counter, known)  # type: ignore[arg-type]
                continue
            evaluators, callers = dict(p.evaluators), dict(p.callers)
            if not evaluators and not callers:
                callers, evaluators = convention_addresses(self.counters)
            for address, counter in evaluators.items():
                self._add(p, address, "evaluator", counter, known)
                self._prompts.setdefault(counter, []).append(PromptTarget(p.name, address, p.protocol))
            for address, counter in callers.items():
                self._add(p, address, "caller", counter, known)

    def _add(self, p: PanelSettings, address: int | None, kind: str, counter: int, known: set[int]) -> None:
        if counter not in known:
            raise PanelConfigError(f"panel {p.name!r}: counter {counter} is not run by this device "
                                   f"(counter.counters / [[counters]]: {self.counters})")
        if address is not None and not 0 < address <= 0xFF:
            raise PanelConfigError(f"panel {p.name!r}: bus address {address} out of 1..255")
        key = (p.port, address, kind)
        if key in self._routes:
            raise PanelConfigError(f"panel {p.name!r}: address {address} mapped twice")
        device = p.name if address is None else f"{p.name}:0x{address:02X}"
        self._routes[key] = Route(counter, kind, device)

    def route(self, press: PanelPress) -> Route | None:
        """The counter of a press; None for an address/port nobody configured."""
        return self._routes.get((press.port, press.address, press.kind))

    def prompt_targets(self, counter: int) -> list[PromptTarget]:
        """The evaluators of `counter`, in config order: where "start rating" may go when it
        completes a service (the first whose protocol can be prompted)."""
        return list(self._prompts.get(counter, ()))

    def panels(self) -> list[PanelSettings]:
        return list(self._by_port.values())


def make_prompter(panel_map: PanelMap, senders: dict[str, Callable[[bytes], bool]],
                  start_rating_encoder: Callable[[str], StartRatingEncoder | None]) -> Callable[[int], bool]:
    """counter -> send the start-rating frame to its first evaluator that can be prompted.
    The composition root passes {panel name: supervisor.send} and
    devices.serial.registry.start_rating_encoder (protocol -> encoder, or None)."""
    def prompt(counter: int) -> bool:
        for target in panel_map.prompt_targets(counter):
            encode = start_rating_encoder(target.protocol)
            if encode is None:
                continue
            send = senders.get(target.panel)
            return bool(send and send(encode(target.address)))
        return False
    return prompt
