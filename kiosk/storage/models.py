"""Imports every model so Base.metadata is complete (for migrations and tests)."""
from kiosk.storage.base import Base
from kiosk.storage.leases import NumberLease
from kiosk.storage.outbox import DeadLetter, OutboxEvent, SyncState
from kiosk.storage.tickets import Ticket

__all__ = ["Base", "DeadLetter", "NumberLease", "OutboxEvent", "SyncState", "Ticket"]
