"""Tables of the managers' web app: people, their sessions and the audit log.

Users and sessions are a world apart from devices: a device token never opens a page and a
session cookie never authorises the device API (central/auth.py reads only bearer tokens).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base

PROVINCE_ADMIN, CENTRE_MANAGER, VIEWER = "province_admin", "centre_manager", "viewer"
ROLES = (PROVINCE_ADMIN, CENTRE_MANAGER, VIEWER)
RANK = {VIEWER: 1, CENTRE_MANAGER: 2, PROVINCE_ADMIN: 3}


class User(Base):
    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))  # None: every centre (province admin)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    failed_logins: Mapped[int] = mapped_column(default=0)  # consecutive, reset by a good sign-in
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    disabled_at: Mapped[dt.datetime | None]


class WebSession(Base):
    """Server-side session: the cookie holds a random token, the table its SHA-256."""
    __tablename__ = "web_sessions"
    __table_args__ = (Index(None, "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """Who changed what and when (sign-ins, users, devices, configuration)."""
    __tablename__ = "web_audit"
    __table_args__ = (Index(None, "at"), Index(None, "centre_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    user_id: Mapped[int | None]
    username: Mapped[str] = mapped_column(String(64))
    centre_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]]


class ConfigVersion(Base):
    """Every saved centre document, numbered per centre: who, when, what changed; any one can be restored."""
    __tablename__ = "web_config_versions"
    __table_args__ = (UniqueConstraint("centre_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    version: Mapped[int]
    doc: Mapped[dict[str, Any]]
    etag: Mapped[str] = mapped_column(String(40))
    saved_at: Mapped[dt.datetime]
    user_id: Mapped[int | None]
    username: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200))
    diff: Mapped[list[Any]]  # [[path, before, after], ...] against the version before


class OfficerPhoto(Base):
    """An officer's photo, checked and resized on upload, served at /photos/<centre id>/<code>.jpg."""
    __tablename__ = "web_officer_photos"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    officer_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime]


class Alert(Base):
    """One alert (central/web/alerts.py): open while its rule holds, acknowledged by a person, pushed once."""
    __tablename__ = "web_alerts"
    __table_args__ = (Index(None, "centre_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(100))  # counter 2, a device id, a service code
    message: Mapped[str] = mapped_column(String(500))
    opened_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    pushed: Mapped[str] = mapped_column(String(100))  # e.g. "email,webhook" or "email failed: ..."
