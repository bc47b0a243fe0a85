"""Ratings on their way to the province's system: one row per rated dossier, kept until taken.

Rows are made from `rated_dossiers` (one rating per dossier) by `enqueue_due`, not by the
ingestion: a rating is pushed with its reason, so an "unsatisfied" one waits for its reason up to
`reason_wait_s`. `deliver` pushes due rows outside any transaction and records each outcome:
sent, retried later (capped exponential back-off with jitter, nothing is lost while that system
is down) or refused for good (`refused`: a 4xx that a repeat will not change; shown, not retried).
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, String, and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base, Database, dialect_insert, utc_now
from central.dossier_links import RatedDossier
from central.province.client import ProvinceError, ProvinceSystem, RatingPush
from central.province.settings import ProvinceSettings
from central.ratings import Rating


class ProvinceOutbox(Base):
    __tablename__ = "province_outbox"
    __table_args__ = (Index(None, "sent_at", "refused", "next_attempt_at"),)

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime | None]
    refused: Mapped[bool] = mapped_column(default=False)


def enqueue_due(session: Session, settings: ProvinceSettings, now: dt.datetime | None = None) -> int:
    """Adds the rated dossiers that are ready (reason given or not due, or waited long enough)."""
    now = now or utc_now()
    ready = or_(Rating.level != "unsatisfied", Rating.reason_state.is_not(None), Rating.reason.is_not(None),
                Rating.rated_at <= now - dt.timedelta(seconds=settings.reason_wait_s))
    queued = exists().where(ProvinceOutbox.centre_id == RatedDossier.centre_id,
                            ProvinceOutbox.dossier_code == RatedDossier.dossier_code)
    stmt = (select(RatedDossier.centre_id, RatedDossier.dossier_code, RatedDossier.rating_id)
            .join(Rating, and_(Rating.centre_id == RatedDossier.centre_id, Rating.rating_id == RatedDossier.rating_id))
            .where(ready, ~queued).limit(5000))
    rows = [{"centre_id": c, "dossier_code": d, "rating_id": r, "created_at": now, "next_attempt_at": now,
             "attempts": 0, "refused": False} for c, d, r in session.execute(stmt)]
    if rows:  # another central worker may have queued some a moment ago
        session.execute(dialect_insert(session, ProvinceOutbox.__table__).on_conflict_do_nothing(), rows)
    return len(rows)


@dataclass(frozen=True)
class Due:
    centre_id: int
    push: RatingPush


def due(session: Session, limit: int, now: dt.datetime, hold: dt.timedelta) -> list[Due]:
    """The due rows, taken for `hold` (another worker of the central skips them meanwhile)."""
    stmt = (select(ProvinceOutbox.centre_id, ProvinceOutbox.dossier_code, Rating)
            .join(Rating, and_(Rating.centre_id == ProvinceOutbox.centre_id, Rating.rating_id == ProvinceOutbox.rating_id))
            .where(ProvinceOutbox.sent_at.is_(None), ProvinceOutbox.refused.is_(False),
                   ProvinceOutbox.next_attempt_at <= now)
            .order_by(ProvinceOutbox.next_attempt_at, ProvinceOutbox.dossier_code).limit(limit)
            .with_for_update(skip_locked=True, of=ProvinceOutbox))  # PostgreSQL; SQLite has one writer
    out = [Due(cid, RatingPush(code, r.level, r.reason, r.reason_code, r.officer, r.counter, r.rated_at))
           for cid, code, r in session.execute(stmt)]
    for item in out:
        session.execute(update(ProvinceOutbox).where(
            ProvinceOutbox.centre_id == item.centre_id, ProvinceOutbox.dossier_code == item.push.dossier_code)
            .values(next_attempt_at=now + hold))
    return out


def backoff(settings: ProvinceSettings, attempts: int) -> float:
    """Full jitter, capped: many rows failing together do not come back together."""
    cap = min(settings.retry_max_s, settings.retry_initial_s * 2 ** min(attempts - 1, 20))
    return random.uniform(cap / 2, cap)


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    refused: int = 0
    last_error: str | None = None


def deliver(db: Database, system: ProvinceSystem, settings: ProvinceSettings, now: dt.datetime | None = None) -> Delivery:
    """One round: enqueue what is ready, push what is due. Stops at the first failure that says
    that system is down (the rest waits for the next round, in order)."""
    now = now or utc_now()
    with db.transaction() as s:
        enqueue_due(s, settings, now)
        # held long enough for the whole round to time out, then due again if this worker died
        batch = due(s, settings.push_batch, now, dt.timedelta(seconds=60 + 3 * settings.timeout_s * settings.push_batch))
    out = Delivery()
    for n, item in enumerate(batch):
        try:
            system.push_rating(item.push)
        except ProvinceError as exc:
            out.last_error = str(exc)
            permanent = exc.kind in ("refused",)
            with db.transaction() as s:
                row = s.get(ProvinceOutbox, (item.centre_id, item.push.dossier_code))
                assert row is not None
                row.attempts += 1
                row.last_error = str(exc)[:500]
                row.refused = permanent
                row.next_attempt_at = now + dt.timedelta(seconds=backoff(settings, row.attempts))
            if permanent:
                out.refused += 1
                continue
            out.retried += 1
            _release(db, batch[n + 1:], now)  # down, slow or garbled: the others wait for the next round
            break
        with db.transaction() as s:
            s.execute(update(ProvinceOutbox).where(
                ProvinceOutbox.centre_id == item.centre_id, ProvinceOutbox.dossier_code == item.push.dossier_code)
                .values(sent_at=utc_now(), last_error=None, attempts=ProvinceOutbox.attempts + 1))
        out.sent += 1
    return out


def _release(db: Database, items: list[Due], now: dt.datetime) -> None:
    """Rows taken for this round but not tried: due again at once."""
    if not items:
        return
    with db.transaction() as s:
        for item in items:
            s.execute(update(ProvinceOutbox).where(
                ProvinceOutbox.centre_id == item.centre_id, ProvinceOutbox.dossier_code == item.push.dossier_code)
                .values(next_attempt_at=now))


def backlog(session: Session) -> dict[str, int]:
    """Waiting, sent and refused rows (the bridge's health, the report of the push)."""
    waiting = and_(ProvinceOutbox.sent_at.is_(None), ProvinceOutbox.refused.is_(False))
    row = session.execute(select(func.count(), func.sum(case((waiting, 1), else_=0)), func.count(ProvinceOutbox.sent_at),
                                 func.sum(case((ProvinceOutbox.refused.is_(True), 1), else_=0)))).one()
    return {"total": int(row[0] or 0), "waiting": int(row[1] or 0), "sent": int(row[2] or 0),
            "refused": int(row[3] or 0)}
