"""Queue order and waiting-time estimates.

Rule: calls go in cycles of up to `priority` priority tickets, then up to `normal` normal
tickets; a class with nobody waiting is skipped; first come first served within a class.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, TypeVar

from kiosk.config import QueueRules

T = TypeVar("T")


@dataclass(frozen=True)
class CyclePosition:
    """How many of each class were already called in the current cycle."""
    priority_called: int = 0
    normal_called: int = 0


def call_order(priority: Sequence[T], normal: Sequence[T], rules: QueueRules,
               position: CyclePosition = CyclePosition()) -> list[T]:
    """Merge two FIFO lists (each in arrival order) into the order they will be called.

    A cycle is a priority phase (up to `rules.priority` calls) then a normal phase (up to
    `rules.normal`); an empty class ends its phase early.
    """
    order: list[T] = []
    p_i = n_i = 0
    p_done, n_done = position.priority_called, position.normal_called
    while p_i < len(priority) or n_i < len(normal):
        if n_done == 0 and p_done < rules.priority and p_i < len(priority):
            order.append(priority[p_i]); p_i += 1; p_done += 1
        elif n_done < rules.normal and n_i < len(normal):
            order.append(normal[n_i]); n_i += 1; n_done += 1
        else:
            p_done = n_done = 0  # cycle over, or the class it needs has nobody waiting
    return order


def next_position(position: CyclePosition, called_priority: bool, rules: QueueRules) -> CyclePosition:
    """The cycle position after one more call (kept by whoever calls tickets)."""
    p, n = position.priority_called, position.normal_called
    if called_priority:
        if n > 0 or p >= rules.priority:
            p, n = 0, 0
        return CyclePosition(p + 1, n)
    if n >= rules.normal:
        p, n = 0, 0
    return CyclePosition(p, n + 1)


def estimated_wait_minutes(people_ahead: int, average_service_minutes: float, open_counters: int) -> int:
    """people ahead x average service time / counters serving; 0 ahead -> 0 minutes."""
    if people_ahead <= 0:
        return 0
    counters = max(1, open_counters)
    return math.ceil(people_ahead * average_service_minutes / counters)
