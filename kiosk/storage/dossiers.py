"""The dossiers an officer linked to the ticket being served (scanned or typed receipts)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.storage.base import Base


class DossierLink(Base):
    """One dossier served with one ticket; a ticket may have several (unique per pair)."""
    __tablename__ = "dossier_link"
    __table_args__ = (UniqueConstraint("ticket_id", "dossier_code"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(64))
    counter: Mapped[int]
    officer: Mapped[str | None] = mapped_column(String(64))
    dossier_code: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[dt.datetime]
