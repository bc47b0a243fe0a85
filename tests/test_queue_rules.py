import pytest
from hypothesis import given, strategies as st

from kiosk.contract.config import QueueRules
from kiosk.contract.queue import CyclePosition, call_order, estimated_wait_minutes, next_position


def test_two_normal_one_priority_explicit_order():
    # issued in this order: N1 N2 P1 N3 P2 N4, all waiting
    order = call_order(["P1", "P2"], ["N1", "N2", "N3", "N4"], QueueRules(priority=1, normal=2))
    assert order == ["P1", "N1", "N2", "P2", "N3", "N4"]


def test_empty_class_is_skipped_and_fifo_kept():
    rules = QueueRules(priority=1, normal=2)
    assert call_order(["P1", "P2", "P3"], [], rules) == ["P1", "P2", "P3"]
    assert call_order([], ["N1", "N2", "N3"], rules) == ["N1", "N2", "N3"]
    assert call_order(["P1", "P2", "P3"], ["N1"], rules) == ["P1", "N1", "P2", "P3"]


def test_other_ratios_and_cycle_position():
    assert call_order(["P1", "P2", "P3"], ["N1", "N2", "N3", "N4", "N5"], QueueRules(priority=2, normal=3)) == \
        ["P1", "P2", "N1", "N2", "N3", "P3", "N4", "N5"]
    # a priority ticket was just called: the next calls are normal ones
    rules = QueueRules(priority=1, normal=2)
    assert call_order(["P2"], ["N1", "N2", "N3"], rules, CyclePosition(1, 0)) == ["N1", "N2", "P2", "N3"]


@given(st.integers(0, 30), st.integers(0, 30), st.integers(1, 4), st.integers(1, 4))
def test_call_order_is_a_fair_merge(n_prio, n_norm, p, n):
    prio = [f"P{i}" for i in range(n_prio)]
    norm = [f"N{i}" for i in range(n_norm)]
    rules = QueueRules(priority=p, normal=n)
    order = call_order(prio, norm, rules)
    assert sorted(order) == sorted(prio + norm)
    assert [x for x in order if x.startswith("P")] == prio  # FIFO within a class
    assert [x for x in order if x.startswith("N")] == norm
    # replaying the calls through next_position reproduces the same order
    pos, replay, pi, ni = CyclePosition(), [], 0, 0
    for _ in order:
        nxt = call_order(prio[pi:], norm[ni:], rules, pos)[0]
        is_p = nxt.startswith("P")
        replay.append(nxt)
        pi, ni = pi + is_p, ni + (not is_p)
        pos = next_position(pos, is_p, rules)
    assert replay == order


@pytest.mark.parametrize("ahead, avg, counters, expected", [(0, 10, 2, 0), (3, 8, 1, 24), (3, 8, 2, 12), (5, 7, 3, 12), (2, 10, 0, 20)])
def test_estimated_wait(ahead, avg, counters, expected):
    assert estimated_wait_minutes(ahead, avg, counters) == expected
