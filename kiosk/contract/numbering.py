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


def free_index(taken: set[int], numbering: Numbering) -> int | None:
    """The smallest device index in 1..numbering.max_devices not in taken (the indexes of the
    centre's active lobby kiosks), so every lobby gets a fallback block; None when all are taken.
    Only lobby kiosks get an index: counters and displays issue no numbers."""
    return next((k for k in range(1, min(numbering.max_devices, MAX_DEVICE_INDEX) + 1) if k not in taken), None)


def device_day_cap(leasable: int, lease_size: int, lobbies: int) -> int:
    """The most numbers of one service one lobby kiosk may lease in a day: the leasable space
    less a reserve kept for each other active lobby kiosk (max(lease_size, leasable / (2 x lobbies)))."""
    lobbies = max(1, lobbies)
    reserve = max(lease_size, leasable // (2 * lobbies))
    return max(min(lease_size, leasable), leasable - (lobbies - 1) * reserve)


def lease_grant(count: int, space_left: int, device_left: int, quota_left: int | None, lobbies: int) -> int:
    """How many numbers one lease request gets (0: refused). space_left: numbers below
    lease_limit not yet leased; device_left: what device_day_cap still allows this device;
    quota_left: what the service's daily or window quota still allows centre-wide (None: no
    quota). Under a quota, one request gets at most an equal share of what is left among the
    active lobby kiosks (at least 1), so one kiosk does not hold every remaining number."""
    grant = min(count, space_left, device_left)
    if quota_left is not None:
        grant = min(grant, quota_left, max(1, quota_left // max(1, lobbies)))
    return max(0, grant)
