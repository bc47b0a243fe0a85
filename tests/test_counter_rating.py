"""Rating rules, pure: key maps, window, debounce, one rating per ticket, reason for unsatisfied."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.contract.config import RatingSettings
from kiosk.counter.rating import (Level, RatingMachine, RatingRules, Rated, ReasonAsked, ReasonGiven, Rejected,
                                  RejectReason, ServedTicket, default_keys)

V, S, U = Level.VERY_SATISFIED, Level.SATISFIED, Level.UNSATISFIED
RULES = RatingRules(keys=default_keys(3), window_s=60, debounce_s=1.5, reason_timeout_s=20,
                    reason_codes=("long_wait", "attitude"))


def ticket(n: int = 1, counter: int = 3) -> ServedTicket:
    return ServedTicket(f"t{n}", counter, "nv03", None)


def press_decision(out):
    mine = [d for d in out if d.cause == "press"]
    assert len(mine) == 1, out
    return mine[0]


def test_default_key_maps_per_button_count():
    assert default_keys(2) == {1: S, 2: U}
    assert default_keys(3) == {1: V, 2: S, 3: U}
    assert default_keys(4) == {1: V, 2: S, 3: S, 4: U}   # neutral "Bình thường" counts as Hài lòng
    assert default_keys(5) == {1: V, 2: S, 3: S, 4: U, 5: U}
    assert default_keys(3, first_key=0) == {0: V, 1: S, 2: U}  # modbus inputs are 0-based
    with pytest.raises(ValueError):
        default_keys(6)


def test_rules_from_settings_default_and_override():
    assert RatingRules.from_settings(RatingSettings(buttons=4)).keys == default_keys(4)
    rules = RatingRules.from_settings(RatingSettings(keys={7: "unsatisfied", 9: "very_satisfied"}))
    assert rules.keys == {7: U, 9: V}
    assert rules.reasons[-1] == "other"


def test_press_in_window_is_one_rating_with_raw_key_and_device():
    m = RatingMachine(3, RULES)
    assert m.request(ticket(), 100.0) == []
    d = press_decision(m.press(1, "bus:0x83", 105.0))
    assert d == Rated(ticket(), V, 1, "bus:0x83", None, "press")
    assert m.was_rated("t1")
    again = press_decision(m.press(2, "bus:0x83", 110.0))
    assert isinstance(again, Rejected) and again.reason is RejectReason.ALREADY_RATED


def test_press_without_request_and_after_window_is_rejected():
    m = RatingMachine(3, RULES)
    assert press_decision(m.press(1, "d", 1.0)).reason is RejectReason.NO_REQUEST
    m.request(ticket(), 10.0)
    assert press_decision(m.press(1, "d", 70.0)).reason is RejectReason.NO_REQUEST  # window was 10..70
    assert not m.was_rated("t1")


def test_debounce_and_unknown_key():
    m = RatingMachine(3, RULES)
    m.request(ticket(), 0.0)
    assert press_decision(m.press(9, "d", 1.0)).reason is RejectReason.UNKNOWN_KEY
    assert press_decision(m.press(1, "d", 2.0)).reason is RejectReason.DEBOUNCE  # 1.0 s after the last press
    assert isinstance(press_decision(m.press(1, "d", 3.6)), Rated)


def test_new_request_resets_debounce_so_the_first_press_counts():
    m = RatingMachine(3, RULES)
    m.press(1, "d", 10.0)            # rejected: no request
    m.request(ticket(), 10.5)
    assert isinstance(press_decision(m.press(2, "d", 11.0)), Rated)


def test_unsatisfied_is_rated_at_once_then_its_reason_follows():
    m = RatingMachine(3, RULES)
    m.request(ticket(), 0.0)
    out = m.press(3, "d", 5.0)
    assert press_decision(out) == Rated(ticket(), U, 3, "d", None, "press", reason_pending=True)
    asked = out[-1]
    assert isinstance(asked, ReasonAsked) and asked.deadline == 25.0
    assert asked.choices == ("long_wait", "attitude", "other")
    assert press_decision(m.press(1, "d", 8.0)).reason is RejectReason.ALREADY_RATED
    out = m.choose_reason("attitude", 9.0)
    assert out == [ReasonGiven(ticket(), "attitude", "reason")] and out[0].answered
    assert m.choose_reason("long_wait", 10.0) == []  # nothing waits any more
    with pytest.raises(ValueError):
        m.choose_reason("bribe", 10.0)


def test_a_reason_not_given_in_time_or_declined_is_not_answered():
    m = RatingMachine(3, RULES)
    m.request(ticket(), 0.0)
    m.press(3, "d", 5.0)
    assert m.advance(24.9) == []
    out = m.advance(25.0)
    assert out == [ReasonGiven(ticket(), None, "timeout")] and not out[0].answered
    assert m.choose_reason("other", 26.0) == []
    m.request(ticket(2), 30.0)
    m.press(3, "d", 31.0)
    assert m.decline(32.0) == [ReasonGiven(ticket(2), None, "declined")]
    assert m.decline(33.0) == []


def test_next_request_ends_a_pending_reason_as_not_answered():
    m = RatingMachine(3, RULES)
    m.request(ticket(1), 0.0)
    m.press(3, "d", 5.0)
    out = m.request(ticket(2), 7.0)
    assert out == [ReasonGiven(ticket(1), None, "superseded")]
    assert m.open_ticket == "t2"


def test_a_ticket_is_requested_once():
    m = RatingMachine(3, RULES)
    m.request(ticket(1), 0.0)
    m.press(1, "d", 1.0)
    m.request(ticket(1), 2.0)  # a retried complete
    assert press_decision(m.press(1, "d", 5.0)).reason is RejectReason.ALREADY_RATED
    with pytest.raises(ValueError):
        m.request(ticket(1, counter=4), 3.0)


# -- property: random sequences ------------------------------------------------------------

ops = st.lists(st.one_of(
    st.tuples(st.just("request"), st.integers(0, 5)),
    st.tuples(st.just("press"), st.integers(0, 6)),
    st.tuples(st.just("reason"), st.sampled_from(["long_wait", "attitude", "other"])),
    st.tuples(st.just("wait"), st.floats(0, 90)),
    st.tuples(st.just("tick"), st.just(0)),
    st.tuples(st.just("cancel"), st.just(0)),
), max_size=80)


@settings(max_examples=400, deadline=None)
@given(ops, st.sampled_from([2, 3, 4, 5]), st.floats(0, 3))
def test_random_sequences_never_rate_a_ticket_twice(sequence, buttons, debounce):
    rules = RatingRules(keys=default_keys(buttons), window_s=60, debounce_s=debounce, reason_timeout_s=20,
                        reason_codes=("long_wait", "attitude"))
    m = RatingMachine(3, rules)
    now = 0.0
    rated: list[str] = []
    asked: list[str] = []
    given: list[str] = []
    presses = counted = rejected = 0
    for op, arg in sequence:
        if op == "request":
            out = m.request(ticket(arg), now)
        elif op == "press":
            out = m.press(arg, "d", now)
            presses += 1
            mine = press_decision(out)  # exactly one decision per press
            if isinstance(mine, Rejected):
                rejected += 1
                if arg not in rules.keys:
                    assert mine.reason in (RejectReason.UNKNOWN_KEY, RejectReason.DEBOUNCE)
            else:
                counted += 1
                assert (mine.level if isinstance(mine, Rated) else Level.UNSATISFIED) is rules.keys[arg]
        elif op == "reason":
            out = m.choose_reason(arg, now)
        elif op == "wait":
            now += arg
            out = []
        elif op == "cancel":
            out = m.cancel(now)
        else:
            out = m.advance(now)
        for d in out:
            if isinstance(d, Rated):
                rated.append(d.ticket.ticket_id)
                assert d.reason is None or d.level is Level.UNSATISFIED
            elif isinstance(d, ReasonAsked):
                asked.append(d.ticket.ticket_id)
            elif isinstance(d, ReasonGiven):
                given.append(d.ticket.ticket_id)
    for d in m.advance(now + 1000):
        assert isinstance(d, ReasonGiven)
        given.append(d.ticket.ticket_id)
    assert len(rated) == len(set(rated)), "a ticket was rated twice"
    assert presses == counted + rejected
    assert counted == len(rated)            # every counted press became exactly one rating, at once
    assert sorted(asked) == sorted(given)   # every asked reason ended exactly once
    assert set(asked) <= set(rated)
