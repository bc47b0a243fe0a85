"""Which counter a panel press belongs to, and which panel/address prompts a counter's rating.

Pure: built from kiosk.contract.config.CounterSettings; the composition root opens the ports
(devices.serial.open_panel) and passes `PanelPress`es in. kiosk/ never imports devices/.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from kiosk.contract.config import CounterSettings, PanelSettings
from kiosk.ports import PanelPress

EVALUATOR_OFFSET = 0x80  # public ft12 convention: evaluator address = caller address + 0x80


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


class PanelMap:
    def __init__(self, settings: CounterSettings, counters: Iterable[int]) -> None:
        self.counters = sorted(set(counters))
        known = set(self.counters)
        self._by_port: dict[str, PanelSettings] = {}
        self._routes: dict[tuple[str, int | None, str], Route] = {}
        self._prompts: dict[int, PromptTarget] = {}
        for p in settings.panels:
            if p.name in self._by_port or any(q.port == p.port for q in self._by_port.values()):
                raise PanelConfigError(f"panel {p.name!r}: name and port must be unique")
            self._by_port[p.port] = p
            if p.protocol == "ascii":
                self._add(p, None, p.kind, p.counter, known)  # type: ignore[arg-type]
                continue
            evaluators, callers = dict(p.evaluators), dict(p.callers)
            if not evaluators and not callers:
                callers = {c: c for c in self.counters if c < EVALUATOR_OFFSET}
                evaluators = {c + EVALUATOR_OFFSET: c for c in self.counters if c < EVALUATOR_OFFSET}
            for address, counter in evaluators.items():
                self._add(p, address, "evaluator", counter, known)
                if p.protocol == "ft12":
                    self._prompts.setdefault(counter, PromptTarget(p.name, address))
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

    def prompt_target(self, counter: int) -> PromptTarget | None:
        """The ft12 evaluator to send "start rating" to when `counter` completes a service."""
        return self._prompts.get(counter)

    def panels(self) -> list[PanelSettings]:
        return list(self._by_port.values())


def make_prompter(panel_map: PanelMap, senders: dict[str, Callable[[bytes], bool]],
                  encode_start_rating: Callable[[int], bytes]) -> Callable[[int], bool]:
    """counter -> send the start-rating frame to its evaluator. The composition root passes
    {panel name: supervisor.send} and devices.serial.ft12.encode_start_rating."""
    def prompt(counter: int) -> bool:
        target = panel_map.prompt_target(counter)
        send = senders.get(target.panel) if target else None
        return bool(send and target and send(encode_start_rating(target.address)))
    return prompt
