"""Imports every model so Base.metadata is complete (for migrations and tests)."""
from kiosk.storage.base import Base
from kiosk.storage.counter import CounterState, QueueEntry
from kiosk.storage.dossiers import DossierLink
from kiosk.storage.leases import NumberLease
from kiosk.storage.outbox import DeadLetter, OutboxEvent, SyncState
from kiosk.storage.ratings import Rating, RejectedPress
from kiosk.storage.tickets import Ticket

__all__ = ["Base", "CounterState", "DeadLetter", "DossierLink", "NumberLease", "OutboxEvent", "QueueEntry", "Rating",
           "RejectedPress", "SyncState", "Ticket"]
