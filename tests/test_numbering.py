"""The shared numbering formula: central leases and offline fallback blocks never overlap."""
from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.contract.config import Numbering
from kiosk.contract.leases import MAX_LEASE_COUNT
from kiosk.contract.numbering import device_day_cap, fallback_block, free_index, lease_grant, lease_limit


@given(digits=st.integers(2, 5), block=st.integers(1, 5000), devices=st.integers(1, 99),
       index=st.one_of(st.none(), st.integers(-5, 120)))
def test_leases_and_fallback_blocks_never_overlap(digits: int, block: int, devices: int, index: int | None) -> None:
    max_number = 10 ** digits - 1
    # the config refuses a numbering that leaves the central nothing to lease
    assume(block * devices < max_number)
    numbering = Numbering(fallback_block_size=block, max_devices=devices)
    limit = lease_limit(numbering, max_number)
    assert 1 <= limit < max_number  # the central leases exactly 1..limit

    blocks = [fallback_block(numbering, max_number, k) for k in range(1, devices + 1)]
    owned: set[int] = set()
    for b in blocks:
        assert b is not None
        first, last = b
        assert limit < first <= last <= max_number and last - first + 1 == block
        numbers = set(range(first, last + 1))
        assert not numbers & owned  # no two devices share a number
        owned |= numbers
    assert owned == set(range(limit + 1, max_number + 1))  # together they fill the space above the leases

    if index is None or not 1 <= index <= devices:
        assert fallback_block(numbering, max_number, index) is None  # no block of its own: no numbers at all


@given(devices=st.integers(1, 99), taken=st.sets(st.integers(1, 120), max_size=120))
def test_a_free_lobby_index_always_owns_a_fallback_block(devices: int, taken: set[int]) -> None:
    numbering = Numbering(fallback_block_size=1, max_devices=devices)
    index = free_index(taken, numbering)
    if set(range(1, devices + 1)) <= taken:
        assert index is None  # every block is owned: the central refuses the enrolment
    else:
        assert index is not None and index not in taken
        assert fallback_block(numbering, 10 ** 3 - 1, index) is not None
        assert all(k in taken for k in range(1, index))  # the smallest free one


@given(count=st.integers(1, MAX_LEASE_COUNT), space=st.integers(-5, 10_000), device_left=st.integers(-5, 10_000),
       quota=st.one_of(st.none(), st.integers(-5, 500)), lobbies=st.integers(0, 99))
def test_a_lease_never_grants_past_the_space_the_quota_or_the_device_share(
        count: int, space: int, device_left: int, quota: int | None, lobbies: int) -> None:
    grant = lease_grant(count, space, device_left, quota, lobbies)
    assert 0 <= grant <= count
    assert grant <= max(0, space) and grant <= max(0, device_left)
    if quota is not None:
        assert grant <= max(0, quota)
    if space > 0 and device_left > 0 and (quota is None or quota > 0):
        assert grant >= 1  # something is left for everyone: the request is never refused


@given(leasable=st.integers(1, 99_999), lease_size=st.integers(1, 500), lobbies=st.integers(1, 99))
def test_one_kiosk_leaves_a_reserve_for_the_others(leasable: int, lease_size: int, lobbies: int) -> None:
    cap = device_day_cap(leasable, lease_size, lobbies)
    assert 1 <= cap <= leasable
    if lobbies == 1:
        assert cap == leasable
    elif leasable >= 2 * lobbies * lease_size:
        assert leasable - cap >= (lobbies - 1) * lease_size  # every other kiosk can still lease a full block
