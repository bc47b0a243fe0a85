"""The numbers citizens gave (one day at most), the notifications owed to them, and their delivery.

A notification is a row of notify_outbox, unique per (centre, ticket, kind): it is made once, sent
until the gateway takes it (back-off doubling up to a cap), then marked sent. The numbers and any
unsent row of a past day are deleted or emptied at the end of the centre's local day."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import queue
from central.centres import CentreRow, doc_of
from central.db import Base, Database, utc_now
from central.notify.adapters import Notifier, SendFailed
from central.citizen_phones import NotifyPhone
from central.notify_settings import NotifySettings
from central.ticket_pages import current_key
from central.tickets import SERVED, WAITING, Ticket
from kiosk.contract.phone import mask
from kiosk.contract.ticket_page import make_token, page_url

log = logging.getLogger(__name__)

SOON, RATE = "soon", "rate"
PENDING, SENT, EXPIRED = "pending", "sent", "expired"
CLAIM_MARGIN_S = 60  # a claimed row is not due for another sender until the send's timeout + this


class NotifyMessage(Base):
    __tablename__ = "notify_outbox"
    __table_args__ = (UniqueConstraint("centre_id", "ticket_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    ticket_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    day: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(16))  # emptied by the day-end purge
    number: Mapped[str] = mapped_column(String(16))
    ahead: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(8), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))  # masked


def _enqueue(session: Session, phone: NotifyPhone, t: Ticket, kind: str, ahead: int | None,
             now: dt.datetime) -> None:
    if session.scalar(select(NotifyMessage.id).where(NotifyMessage.centre_id == phone.centre_id,
                                                     NotifyMessage.ticket_id == phone.ticket_id,
                                                     NotifyMessage.kind == kind)) is not None:
        return
    session.add(NotifyMessage(centre_id=phone.centre_id, ticket_id=phone.ticket_id, kind=kind, day=phone.day,
                              phone=phone.phone, number=t.display_number or "", ahead=ahead, status=PENDING,
                              attempts=0, next_at=now, created_at=now))
    session.flush()


def scan(session: Session, settings: NotifySettings, now: dt.datetime | None = None) -> int:
    """Makes the notifications now owed: SOON for a waiting ticket with settings.ahead or fewer
    people ahead in its queue, RATE for a served one. Returns how many rows were made."""
    now = now or utc_now()
    made = 0
    done = {(m.centre_id, m.ticket_id, m.kind) for m in session.execute(
        select(NotifyMessage.centre_id, NotifyMessage.ticket_id, NotifyMessage.kind)
        .join(NotifyPhone, (NotifyPhone.centre_id == NotifyMessage.centre_id)
              & (NotifyPhone.ticket_id == NotifyMessage.ticket_id))).all()}
    rows = session.execute(select(NotifyPhone, Ticket).join(Ticket, (Ticket.centre_id == NotifyPhone.centre_id)
                                                            & (Ticket.ticket_id == NotifyPhone.ticket_id))).all()
    views: dict[tuple[int, str, str], list[str]] = {}
    for phone, t in rows:
        if t.status == SERVED and (phone.centre_id, phone.ticket_id, RATE) not in done:
            _enqueue(session, phone, t, RATE, None, now)
            made += 1
        elif t.status == WAITING and t.service_code and (phone.centre_id, phone.ticket_id, SOON) not in done:
            key = (phone.centre_id, t.service_code, phone.day)
            if key not in views:
                centre = session.get(CentreRow, phone.centre_id)
                assert centre is not None
                views[key] = [w["ticket_id"] for w in queue.queue_view(session, centre, t.service_code,
                                                                      phone.day)["waiting"]]
            ids = views[key]
            ahead = ids.index(t.ticket_id) if t.ticket_id in ids else None
            if ahead is not None and ahead <= settings.ahead:
                _enqueue(session, phone, t, SOON, ahead, now)
                made += 1
    return made


def _params(session: Session, m: NotifyMessage, settings: NotifySettings) -> dict[str, Any]:
    centre = session.get(CentreRow, m.centre_id)
    assert centre is not None
    base = settings.public_url or doc_of(centre).config.central.public_url or ""
    link = page_url(base, make_token(current_key(session, m.centre_id), m.ticket_id)) if base else ""
    params: dict[str, Any] = {"centre": doc_of(centre).config.centre.name, "number": m.number, "link": link}
    if m.kind == SOON:
        params["ahead"] = m.ahead if m.ahead is not None else 0
    return params


def _claim(db: Database, mid: int, now: dt.datetime, settings: NotifySettings) -> tuple[str, str, dict[str, Any]] | None:
    """Takes a due row for this sender: its next_at moves past the send's timeout in one conditional
    UPDATE, so another sender (a second central process, `--workers` or not) finds it not due and
    never sends it too. None when another sender took it first."""
    with db.transaction() as s:
        claimed = s.execute(update(NotifyMessage).where(
            NotifyMessage.id == mid, NotifyMessage.status == PENDING, NotifyMessage.next_at <= now,
            NotifyMessage.phone.is_not(None)).values(next_at=now + dt.timedelta(seconds=settings.timeout_s + CLAIM_MARGIN_S)))
        if (getattr(claimed, "rowcount", 0) or 0) != 1:
            return None
        m = s.get(NotifyMessage, mid)
        assert m is not None and m.phone is not None
        return m.phone, m.kind, _params(s, m, settings)


def deliver(db: Database, notifier: Notifier, settings: NotifySettings, now: dt.datetime | None = None,
            limit: int = 50) -> int:
    """Sends the due rows, each claimed first (_claim) and sent outside any transaction (a slow
    gateway holds no lock); returns how many went. A sender that dies mid-send leaves its row due
    again once the claim runs out: at least once, never twice while both live."""
    now = now or utc_now()
    with db.transaction() as s:
        due = list(s.scalars(select(NotifyMessage.id).where(
            NotifyMessage.status == PENDING, NotifyMessage.next_at <= now, NotifyMessage.phone.is_not(None))
            .order_by(NotifyMessage.next_at, NotifyMessage.id).limit(limit)))
    sent = 0
    for mid in due:
        claim = _claim(db, mid, now, settings)
        if claim is None:
            continue
        phone, kind, params = claim
        try:
            notifier.send(phone, settings.template(kind), params, tracking_id=str(mid))
        except SendFailed as exc:
            with db.transaction() as s:
                m = s.get(NotifyMessage, mid)
                if m is not None:
                    m.attempts += 1
                    delay = min(settings.backoff_s * 2 ** (m.attempts - 1), settings.backoff_cap_s)
                    m.next_at, m.last_error = now + dt.timedelta(seconds=delay), str(exc)[:200]
            log.warning("notification %s to %s not sent (%s): retried later", kind, mask(phone), exc)
            continue
        with db.transaction() as s:
            s.execute(update(NotifyMessage).where(NotifyMessage.id == mid)
                      .values(status=SENT, sent_at=utc_now(), attempts=NotifyMessage.attempts + 1, last_error=None))
        log.info("notification %s sent to %s", kind, mask(phone))
        sent += 1
    return sent


def purge(session: Session, now: dt.datetime | None = None) -> int:
    """Deletes the numbers of every day before each centre's local today, and empties the phone of
    their outbox rows (unsent ones expire). Returns how many numbers went."""
    now = now or utc_now()
    gone = 0
    for centre in session.scalars(select(CentreRow)):
        today = queue.today(doc_of(centre), now)
        result = session.execute(delete(NotifyPhone).where(NotifyPhone.centre_id == centre.id, NotifyPhone.day < today))
        gone += getattr(result, "rowcount", 0) or 0
        session.execute(update(NotifyMessage).where(NotifyMessage.centre_id == centre.id, NotifyMessage.day < today,
                                                    NotifyMessage.status == PENDING).values(status=EXPIRED))
        session.execute(update(NotifyMessage).where(NotifyMessage.centre_id == centre.id, NotifyMessage.day < today,
                                                    NotifyMessage.phone.is_not(None)).values(phone=None))
    return gone


def run_once(db: Database, settings: NotifySettings, notifier: Notifier | None,
             now: dt.datetime | None = None) -> int:
    """One round of the periodic loop: purge, make what is owed, send what is due."""
    with db.transaction() as s:
        purge(s, now)
        if notifier is None:
            return 0
        scan(s, settings, now)
    return deliver(db, notifier, settings, now)
