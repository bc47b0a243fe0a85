"""The counter role (docs/counter.md): calling tickets, ratings from evaluator panels, hall
display announcements. No UI here: screens call CounterService through CounterRuntime."""
from kiosk.counter.announce import Announcement, call_announcement
from kiosk.counter.errors import CounterError, CounterOffline
from kiosk.counter.rating import Level, RatingMachine, RatingRules, RejectReason, ServedTicket, default_keys
from kiosk.counter.service import CounterService, CurrentTicket

__all__ = ["Announcement", "CounterError", "CounterOffline", "CounterService", "CurrentTicket", "Level",
           "RatingMachine", "RatingRules", "RejectReason", "ServedTicket", "call_announcement", "default_keys"]
