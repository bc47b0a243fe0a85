"""The shared numbering formula: central leases and offline fallback blocks never overlap."""
from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.contract.config import Numbering
from kiosk.contract.numbering import fallback_block, lease_limit


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
