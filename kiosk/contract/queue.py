"""Queue order and waiting-time estimates.

Rule: calls go in cycles of up to `priority` priority tickets, then up to `normal` normal
tickets; a class with nobody waiting is skipped; first come first served within a class.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, TypeVar

from pydantic import BaseModel, Field

from kiosk.contract.config import QueueRules

T = TypeVar("T")


@dataclass(frozen=True)
class CyclePosition:
    """How many of each class were already called in the current cycle."""
    priority_called: int = 0
    normal_called: int = 0


def step(taken: tuple[int, int], rules: QueueRules, has_priority: bool, has_normal: bool
         ) -> tuple[str, tuple[int, int]] | None:
    """The class to call next ("priority" or "normal") and the new cycle position (priority
    calls, normal calls in this cycle), or None when nobody waits. The one place the rule lives:
    the central calls tickets with it, the kiosk estimates waits with it."""
    if not (has_priority or has_normal):
        return None
    p, n = taken
    for _ in range(2):
        if p < rules.priority and has_priority:
            return "priority", (p + 1, n)
        if n < rules.normal and has_normal:
            return "normal", (rules.priority, n + 1)  # priority phase of this cycle is over
        p, n = 0, 0  # cycle complete: start the next one
    raise AssertionError("unreachable")


def call_order(priority: Sequence[T], normal: Sequence[T], rules: QueueRules,
               position: CyclePosition = CyclePosition()) -> list[T]:
    """Merge two FIFO lists (each in arrival order) into the order they will be called if nobody
    else arrives."""
    order: list[T] = []
    taken = (position.priority_called, position.normal_called)
    pi = ni = 0
    while (nxt := step(taken, rules, pi < len(priority), ni < len(normal))) is not None:
        kind, taken = nxt
        if kind == "priority":
            order.append(priority[pi])
            pi += 1
        else:
            order.append(normal[ni])
            ni += 1
    return order


def next_position(position: CyclePosition, called_priority: bool, rules: QueueRules) -> CyclePosition:
    """The cycle position after one more call of the given class."""
    nxt = step((position.priority_called, position.normal_called), rules, called_priority, not called_priority)
    assert nxt is not None  # one class is always waiting here, so step always answers
    _, (p, n) = nxt
    return CyclePosition(p, n)


def estimated_wait_minutes(people_ahead: int, average_service_minutes: float, open_counters: int) -> int:
    """people ahead x average service time / counters serving; 0 ahead -> 0 minutes."""
    if people_ahead <= 0:
        return 0
    counters = max(1, open_counters)
    return math.ceil(people_ahead * average_service_minutes / counters)


def people_ahead(priority_waiting: int, normal_waiting: int, rules: QueueRules, position: CyclePosition,
                 priority: bool) -> int:
    """How many of those waiting will be called before a newcomer of the given class."""
    me = object()
    prio: list[object] = [None] * priority_waiting
    normal: list[object] = [None] * normal_waiting
    (prio if priority else normal).append(me)
    return call_order(prio, normal, rules, position).index(me)


class ServiceQueue(BaseModel):
    """One service's queue at the central (GET /api/v1/queue/summary)."""
    service_code: str
    name: str
    waiting: int = Field(ge=0)
    priority_waiting: int = Field(ge=0)
    normal_waiting: int = Field(ge=0)
    priority_called: int = Field(ge=0, description="priority calls in the current cycle")
    normal_called: int = Field(ge=0, description="normal calls in the current cycle")
    open_counters: int = Field(ge=1, description="counters serving it: those that called in the last hour, "
                                                 "else every counter configured for it")
    estimated_wait_minutes: int = Field(ge=0, description="for a normal ticket taken now")

    @property
    def position(self) -> CyclePosition:
        return CyclePosition(self.priority_called, self.normal_called)


class QueueSummary(BaseModel):
    """Every service's queue at the central, the truth the lobby kiosks show."""
    day: str
    server_time: str
    services: list[ServiceQueue]

    def service(self, code: str) -> ServiceQueue | None:
        return next((s for s in self.services if s.service_code == code), None)
