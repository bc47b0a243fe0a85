"""Rating rules, pure: key -> level, one request per served ticket, debounce, reason for
"unsatisfied". No I/O and no clock of its own: every call takes `now` (monotonic seconds) and
returns the decisions the caller must store.

Rules (docs/counter.md, "Rating rules"):

* A request starts when a ticket's service completes and stays open `window_s` seconds.
* A press is checked in this order and is either counted or rejected with one reason:
  1. `debounce`     - within `debounce_s` of the previous press on this counter (any outcome;
                      a new request resets it, so a citizen's first press is never lost);
  2. `unknown_key`  - the key is not in the key map;
  3. `no_request`   - no request open (none yet, expired, or replaced);
  4. `already_rated`- this request's ticket already has its rating (or awaits its reason).
* Every counted press is a rating at once (`Rated`, stored before anything else). A counted
  "unsatisfied" press is `Rated(reason_pending=True)` followed by `ReasonAsked`; the reason
  follows as `ReasonGiven` when one is chosen (answered), when the citizen chooses "Không muốn
  trả lời" (`decline`), when `reason_timeout_s` passes, or when the next request starts (not
  answered). So every press yields exactly one press decision, every ticket at most one
  `Rated`, and every asked reason exactly one `ReasonGiven`.
"""
from __future__ import annotations

import enum
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Mapping, Union

from kiosk.contract.config import RatingSettings


class Level(str, enum.Enum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


OTHER_REASON = "other"

# Button position (1 = left-most) -> level, per panel size. Documented in docs/counter.md.
# 2 buttons are happy / unhappy: "happy" is Hài lòng (the panel cannot say "very").
# 4 and 5 buttons carry a neutral "Bình thường" (position 3): counted as Hài lòng, because
# the three-level national scale has no neutral and Không hài lòng demands a reason and
# counts against the officer; 5 buttons' two negative ones are both Không hài lòng.
DEFAULT_POSITIONS: dict[int, tuple[Level, ...]] = {
    2: (Level.SATISFIED, Level.UNSATISFIED),
    3: (Level.VERY_SATISFIED, Level.SATISFIED, Level.UNSATISFIED),
    4: (Level.VERY_SATISFIED, Level.SATISFIED, Level.SATISFIED, Level.UNSATISFIED),
    5: (Level.VERY_SATISFIED, Level.SATISFIED, Level.SATISFIED, Level.UNSATISFIED, Level.UNSATISFIED),
}


def default_keys(buttons: int, first_key: int = 1) -> dict[int, Level]:
    if buttons not in DEFAULT_POSITIONS:
        raise ValueError(f"panels with 2 to 5 buttons are supported, not {buttons}")
    return {first_key + i: level for i, level in enumerate(DEFAULT_POSITIONS[buttons])}


class RejectReason(str, enum.Enum):
    NO_REQUEST = "no_request"
    DEBOUNCE = "debounce"
    ALREADY_RATED = "already_rated"
    UNKNOWN_KEY = "unknown_key"


@dataclass(frozen=True)
class RatingRules:
    keys: Mapping[int, Level]
    window_s: float = 60.0
    debounce_s: float = 1.5
    reason_timeout_s: float = 30.0
    reason_codes: tuple[str, ...] = ("long_wait", "unclear_guidance", "attitude", "slow_processing")

    @classmethod
    def from_settings(cls, settings: RatingSettings) -> "RatingRules":
        """From kiosk.contract.config.RatingSettings."""
        keys = ({int(k): Level(v) for k, v in settings.keys.items()} if settings.keys
                else default_keys(settings.buttons, settings.first_key))
        return cls(keys=keys, window_s=settings.window_s, debounce_s=settings.debounce_s,
                   reason_timeout_s=settings.reason_timeout_s, reason_codes=tuple(settings.reason_codes))

    @property
    def reasons(self) -> tuple[str, ...]:
        """What the citizen may choose: the configured codes, then "other"."""
        return (*self.reason_codes, OTHER_REASON)


@dataclass(frozen=True)
class ServedTicket:
    """What a rating is about: the ticket whose service just completed."""
    ticket_id: str
    counter: int
    officer: str | None = None
    dossier_code: str | None = None
    service_code: str | None = None


@dataclass(frozen=True)
class Rated:
    """Store this rating (cause "press"); reason_pending: a reason is asked (ReasonAsked follows)."""
    ticket: ServedTicket
    level: Level
    raw_key: int
    device: str
    reason: str | None
    cause: str
    reason_pending: bool = False


@dataclass(frozen=True)
class ReasonGiven:
    """The end of a reason asked for `ticket`'s rating: `reason` (a code) or None, not answered
    (cause "reason", "declined", "timeout" or "superseded")."""
    ticket: ServedTicket
    reason: str | None
    cause: str

    @property
    def answered(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class ReasonAsked:
    """The press counted as Không hài lòng: ask for a reason until `deadline` (monotonic)."""
    ticket: ServedTicket
    raw_key: int
    device: str
    deadline: float
    choices: tuple[str, ...]
    cause: str = "asked"


@dataclass(frozen=True)
class Rejected:
    """Not a rating: store it as a rejected press."""
    counter: int
    reason: RejectReason
    raw_key: int
    device: str
    cause: str = "press"


Decision = Union[Rated, ReasonAsked, ReasonGiven, Rejected]


@dataclass
class _Request:
    ticket: ServedTicket
    expires: float
    rated: bool = False


@dataclass
class _Pending:
    ticket: ServedTicket
    raw_key: int
    device: str
    deadline: float
    choices: tuple[str, ...] = ()  # the reasons shown: still valid if the config changes meanwhile


@dataclass
class RatingMachine:
    """The rating state of one counter."""
    counter: int
    rules: RatingRules
    remember: int = 2000  # rated ticket ids kept to refuse a second request for them
    _request: _Request | None = None
    _pending: _Pending | None = None
    _last_press: float | None = None
    _rated: "OrderedDict[str, None]" = field(default_factory=OrderedDict)

    # -- queries ----------------------------------------------------------------------------
    @property
    def open_ticket(self) -> str | None:
        """The ticket a press would rate now (ignores expiry: call with `advance` first)."""
        r = self._request
        return r.ticket.ticket_id if r is not None and not r.rated else None

    def was_rated(self, ticket_id: str) -> bool:
        return ticket_id in self._rated

    # -- inputs -----------------------------------------------------------------------------
    def request(self, ticket: ServedTicket, now: float) -> list[Decision]:
        """Service of `ticket` completed: open a request. A ticket is requested at most once
        (a second request for it, e.g. after a retried complete, is ignored)."""
        if ticket.counter != self.counter:
            raise ValueError(f"ticket for counter {ticket.counter} given to counter {self.counter}")
        out = self.advance(now)
        if self._pending is not None:
            out.append(self._finish(None, "superseded"))
        if ticket.ticket_id in self._rated or (self._request and self._request.ticket.ticket_id == ticket.ticket_id):
            return out
        self._request = _Request(ticket, now + self.rules.window_s)
        self._last_press = None
        return out

    def cancel(self, now: float) -> list[Decision]:
        """Close the open request without a rating (e.g. the officer calls the next citizen)."""
        out = self.advance(now)
        self._request = None
        return out

    def press(self, key: int, device: str, now: float) -> list[Decision]:
        """One button press. The result holds exactly one decision with cause "press",
        possibly after a `Rated` that an elapsed reason timeout produced."""
        out = self.advance(now)
        previous, self._last_press = self._last_press, now
        if previous is not None and now - previous < self.rules.debounce_s:
            out.append(Rejected(self.counter, RejectReason.DEBOUNCE, key, device))
            return out
        level = self.rules.keys.get(key)
        if level is None:
            out.append(Rejected(self.counter, RejectReason.UNKNOWN_KEY, key, device))
            return out
        req = self._request
        if req is None:
            out.append(Rejected(self.counter, RejectReason.NO_REQUEST, key, device))
            return out
        if req.rated:
            out.append(Rejected(self.counter, RejectReason.ALREADY_RATED, key, device))
            return out
        req.rated = True
        self._remember(req.ticket.ticket_id)
        if level is Level.UNSATISFIED:
            deadline = now + self.rules.reason_timeout_s
            self._pending = _Pending(req.ticket, key, device, deadline, self.rules.reasons)
            out.append(Rated(req.ticket, level, key, device, None, "press", reason_pending=True))
            out.append(ReasonAsked(req.ticket, key, device, deadline, self.rules.reasons))
        else:
            out.append(Rated(req.ticket, level, key, device, None, "press"))
        return out

    def choose_reason(self, reason: str, now: float) -> list[Decision]:
        """The citizen's reason for Không hài lòng. Ignored (empty list) when nothing waits
        for one, e.g. the timeout already recorded it as not answered."""
        offered = self._pending.choices if self._pending is not None else ()
        if reason not in self.rules.reasons and reason not in offered:
            raise ValueError(f"unknown reason {reason!r}; expected one of {', '.join(self.rules.reasons)}")
        out = self.advance(now)
        if self._pending is not None:
            out.append(self._finish(reason, "reason"))
        return out

    def decline(self, now: float) -> list[Decision]:
        """The citizen chose "Không muốn trả lời": not answered, like a timeout, but at once."""
        out = self.advance(now)
        if self._pending is not None:
            out.append(self._finish(None, "declined"))
        return out

    def advance(self, now: float) -> list[Decision]:
        """Apply the timeouts that elapsed by `now` (call it periodically as well)."""
        out: list[Decision] = []
        if self._pending is not None and now >= self._pending.deadline:
            out.append(self._finish(None, "timeout"))
        if self._request is not None and now >= self._request.expires:
            self._request = None
        return out

    def flush(self) -> list[Decision]:
        """Shutting down: a reason still asked is recorded as not answered."""
        return [self._finish(None, "superseded")] if self._pending is not None else []

    # -- internals --------------------------------------------------------------------------
    def _finish(self, reason: str | None, cause: str) -> ReasonGiven:
        p = self._pending
        assert p is not None
        self._pending = None
        return ReasonGiven(p.ticket, reason, cause)

    def _remember(self, ticket_id: str) -> None:
        self._rated[ticket_id] = None
        while len(self._rated) > self.remember:
            self._rated.popitem(last=False)
