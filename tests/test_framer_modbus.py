"""Pure rising-edge detection for Modbus discrete-input modules."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devices.serial.modbus import EdgeDetector


def test_first_sample_is_baseline_not_a_press():
    d = EdgeDetector(4)
    assert d.update([True, False, False, False]) == []
    assert d.update([True, True, False, False]) == [1]
    assert d.update([False, True, False, False]) == []
    assert d.update([True, True, False, False]) == [0]


def test_glitch_shorter_than_stable_polls_is_ignored():
    d = EdgeDetector(1, stable_polls=2)
    d.update([False])
    assert d.update([True]) == []
    assert d.update([False]) == []   # one-sample glitch
    assert d.update([True]) == []
    assert d.update([True]) == [0]   # held for two polls


def test_min_interval_suppresses_hammering():
    d = EdgeDetector(1, min_interval=1.0)
    d.update([False], 0.0)
    assert d.update([True], 0.1) == [0]
    d.update([False], 0.2)
    assert d.update([True], 0.3) == []
    d.update([False], 0.4)
    assert d.update([True], 1.5) == [0]
    assert d.stats["suppressed"] == 1


def test_short_answer_reads_released_and_reset_rebaselines():
    d = EdgeDetector(3)
    d.update([False, False, False])
    assert d.update([True]) == [0]
    d.reset()
    assert d.update([True, True, True]) == []


@given(samples=st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=1, max_size=40))
def test_prop_presses_equal_rising_transitions(samples):
    d = EdgeDetector(4)
    got = [i for s in samples for i in d.update(s)]
    expected = [i for prev, cur in zip(samples, samples[1:], strict=False) for i in range(4) if cur[i] and not prev[i]]
    assert got == expected


@given(samples=st.lists(st.lists(st.booleans(), max_size=20), max_size=30))
def test_prop_any_sample_shape_never_raises(samples):
    d = EdgeDetector(8, stable_polls=2)
    for s in samples:
        assert all(0 <= i < 8 for i in d.update(s))
