"""Per-day sums of closed days (and per-month duration histograms), kept so that a report over a year reads
thousands of rows, not tens of thousands.

A closed day (before the centre's today) is summed once per grouping (officer, counter,
service, hour bucket, day) by central.analytics and marked done; a report then reads those
sums for its closed days and the raw rows for today. Ingestion calls `forget` for every day
it touches (a kiosk syncing yesterday's tickets late, a rating arriving after midnight), so
the next report sums that day again. Nothing here imports the projections (no cycle).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import ForeignKey, Index, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base


class RollupDay(Base):
    """A closed day whose sums below are complete (for the time zone the days were cut in)."""
    __tablename__ = "report_rollup_days"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[dt.datetime]


class RatingRollup(Base):
    """Ratings of one local day per grouping value and level. key "" stands for none (NULL).
    dim: officer | counter | service | hour (UTC-hour bucket) | lhour (local hour) | wdh (weekday-hour)
    | day (the whole day) | tkt (ratings that name their ticket, for "% of served tickets rated")."""
    __tablename__ = "report_rollup_ratings"
    # a report reads one dim over a period: a covering index, not the primary key's day-first order
    __table_args__ = (Index("ix_report_rollup_ratings_dim", "centre_id", "dim", "day", "key", "level", "n"),)

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)  # see the class docstring
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int]


class TicketRollup(Base):
    """Tickets of one day (their issue day) per grouping value: served, waiting and service seconds."""
    __tablename__ = "report_rollup_tickets"
    __table_args__ = (Index("ix_report_rollup_tickets_dim", "centre_id", "dim", "day", "key", "served", "wait_sum",
                            "wait_n", "service_sum", "service_n"),)

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)  # officer | counter | service | hour | lhour | day
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    served: Mapped[int]
    wait_sum: Mapped[float]
    wait_n: Mapped[int]
    service_sum: Mapped[float]
    service_n: Mapped[int]


class HistogramMonth(Base):
    """A closed month (of the tickets' issue days) whose duration histograms below are complete."""
    __tablename__ = "report_rollup_hist_months"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    built_at: Mapped[dt.datetime]


class DurationHistogram(Base):
    """Tickets of one month per service and 15-second bucket of their waiting or service time:
    the percentiles of a year add 12 of these up instead of reading every ticket."""
    __tablename__ = "report_rollup_hist"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # wait | service
    service_code: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" stands for none
    bucket: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


def forget(session: Session, centre_id: int, days: Iterable[str | None]) -> None:
    """Marks days (and their months' histograms) as to be summed again (called by ingestion, in
    its transaction)."""
    wanted = sorted({d for d in days if d})
    if wanted:
        session.execute(delete(RollupDay).where(RollupDay.centre_id == centre_id, RollupDay.day.in_(wanted)))
        session.execute(delete(HistogramMonth).where(HistogramMonth.centre_id == centre_id,
                                                     HistogramMonth.month.in_(sorted({d[:7] for d in wanted}))))


def around(moments: Iterable[dt.datetime]) -> set[str]:
    """Local days a UTC moment may fall on in any time zone (UTC-12 .. UTC+14): its UTC date and both neighbours."""
    out: set[str] = set()
    for m in moments:
        d = m.astimezone(dt.timezone.utc).date()
        out.update(((d - dt.timedelta(days=1)).isoformat(), d.isoformat(), (d + dt.timedelta(days=1)).isoformat()))
    return out
