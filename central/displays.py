"""Browser hall displays: a TV's browser is paired with a centre by a short code it shows, which a
manager enters on the fleet page. The TV then holds a cookie (its secret, stored here hashed);
no token ever sits in a URL."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base, utc_now

COOKIE = "kiosk_display"
CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=30)  # an unpaired code shown on a TV expires
COOKIE_MAX_AGE = 10 * 365 * 24 * 3600  # a TV stays paired until it is revoked


class DisplayScreen(Base):
    __tablename__ = "display_screens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pair_code: Mapped[str | None] = mapped_column(String(12), unique=True)  # None once paired
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))  # the centre it asked for
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    paired_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_screen(session: Session, centre_id: int, now: dt.datetime | None = None) -> tuple[str, DisplayScreen]:
    """(cookie secret, screen) for a TV that asks for a centre's display without a pairing."""
    now = now or utc_now()
    session.execute(delete(DisplayScreen).where(DisplayScreen.paired_at.is_(None),
                                                DisplayScreen.created_at < now - CODE_TTL))
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if session.scalar(select(DisplayScreen.id).where(DisplayScreen.pair_code == code)) is None:
            break
    secret = secrets.token_urlsafe(32)
    screen = DisplayScreen(secret_hash=_digest(secret), pair_code=code, centre_id=centre_id, created_at=now)
    session.add(screen)
    session.flush()
    return secret, screen


def screen_of(session: Session, secret: str | None) -> DisplayScreen | None:
    """The screen behind a cookie (paired or waiting), None when unknown or revoked."""
    if not secret or len(secret) > 100:
        return None
    screen = session.scalar(select(DisplayScreen).where(DisplayScreen.secret_hash == _digest(secret)))
    if screen is None or screen.revoked_at is not None:
        return None
    return screen


def paired_centre(session: Session, secret: str | None, now: dt.datetime | None = None) -> int | None:
    screen = screen_of(session, secret)
    if screen is None or screen.paired_at is None:
        return None
    now = now or utc_now()
    if screen.last_seen_at is None or now - screen.last_seen_at > dt.timedelta(minutes=1):
        screen.last_seen_at = now
    return screen.centre_id


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def pair(session: Session, code: str, centre_ids: set[int], name: str, now: dt.datetime | None = None) -> DisplayScreen | None:
    """Pairs the waiting screen showing `code`, when it asked for one of `centre_ids` (the manager's)."""
    now = now or utc_now()
    code = normalise_code(code)
    if len(code) != CODE_DIGITS:
        return None
    screen = session.scalar(select(DisplayScreen).where(DisplayScreen.pair_code == code,
                                                        DisplayScreen.paired_at.is_(None),
                                                        DisplayScreen.revoked_at.is_(None)))
    if screen is None or screen.created_at < now - CODE_TTL or screen.centre_id not in centre_ids:
        return None
    screen.pair_code, screen.paired_at, screen.name = None, now, (name.strip()[:100] or f"TV {screen.id}")
    return screen


def paired_screens(session: Session, centre_id: int) -> list[DisplayScreen]:
    return list(session.scalars(select(DisplayScreen).where(DisplayScreen.centre_id == centre_id,
                                                            DisplayScreen.paired_at.is_not(None))
                                .order_by(DisplayScreen.revoked_at.is_not(None), DisplayScreen.id)))


def revoke_screen(session: Session, screen_id: int, centre_ids: set[int], now: dt.datetime | None = None) -> DisplayScreen | None:
    screen = session.get(DisplayScreen, screen_id)
    if screen is None or screen.centre_id not in centre_ids:
        return None
    screen.revoked_at = screen.revoked_at or now or utc_now()
    return screen
