"""How one service's number space is shared between the central and the devices.

Numbers 1..lease_limit are leased by the central; above that, each enrolled device k
(1 <= k <= numbering.max_devices) owns an offline fallback block of B numbers:
[max - k*B + 1, max - (k-1)*B], B = numbering.fallback_block_size. The kiosk and the central
both use these functions, so "numbers never collide" rests on one formula (docs/central.md).
"""
from __future__ import annotations

from typing import Protocol

MAX_DEVICE_INDEX = 99  # the cap on device indexes and on numbering.max_devices


class Numbering(Protocol):
    """The config's `numbering` section (kiosk.contract.config.Numbering), as far as numbers go."""
    @property
    def fallback_block_size(self) -> int: ...

    @property
    def max_devices(self) -> int: ...


def lease_limit(numbering: Numbering, max_number: int) -> int:
    """Highest number the central may lease; everything above is offline fallback space."""
    return max_number - numbering.max_devices * numbering.fallback_block_size


def fallback_block(numbering: Numbering, max_number: int, device_index: int | None) -> tuple[int, int] | None:
    """First and last number device_index owns for offline use; None when it owns none
    (not enrolled, or an index above numbering.max_devices)."""
    if device_index is None or not 1 <= device_index <= numbering.max_devices:
        return None
    b = numbering.fallback_block_size
    return max_number - device_index * b + 1, max_number - (device_index - 1) * b
