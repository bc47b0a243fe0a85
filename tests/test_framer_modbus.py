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


def glitchy_polls(polls: int, stable_polls: int, seed: int = 14) -> tuple[int, int]:
    """(false presses, glitches filtered) of 8 released inputs over `polls` polls, where 1 % of the
    polls read one random input as pressed for that poll only (line noise, a loose contact)."""
    import random

    rng = random.Random(seed)
    d = EdgeDetector(8, stable_polls=stable_polls)
    d.update([False] * 8)  # baseline
    presses = 0
    for _ in range(polls):
        bits = [False] * 8
        if rng.random() < 0.01:
            bits[rng.randrange(8)] = True
        presses += len(d.update(bits))
    return presses, d.stats["glitches"]


def test_one_percent_glitches_over_100000_polls_make_almost_no_press_with_two_stable_polls():
    before, _ = glitchy_polls(100_000, stable_polls=1)
    after, filtered = glitchy_polls(100_000, stable_polls=2)
    # every glitch is a press with a one-poll filter; two polls in a row on the same input are rare
    assert 900 <= before <= 1100, before
    assert after <= 10 and filtered >= 900, (after, filtered)
    print(f"1 % glitches, 100,000 polls: {before} false presses with stable_polls=1, {after} with 2")


def test_stable_polls_comes_from_the_panel_config():
    from devices.serial import open_panel
    from kiosk.contract.config import PanelSettings

    assert PanelSettings(name="mb", port="/dev/x", protocol="modbus").stable_polls == 2
    settings = PanelSettings(name="mb", port="/dev/x", protocol="modbus", stable_polls=3)
    sup = open_panel(settings.name, settings.port, settings.protocol, lambda press: None, start=False,
                     stable_polls=settings.stable_polls)
    assert {d.stable_polls for d in sup.link.detectors.values()} == {3}
    default = open_panel("mb", "/dev/x", "modbus", lambda press: None, start=False)
    assert {d.stable_polls for d in default.link.detectors.values()} == {2}
    # the event-driven protocols take the same options and ignore them
    assert open_panel("ft", "/dev/x", "ft12", lambda press: None, start=False, stable_polls=3).link
