"""Alerts: rules over the central's data, kept open while true, acknowledged by people, pushed once.

Rules (per centre): >= 50 % "Không hài lòng" over 15 minutes with >= 4 ratings (per counter);
a device silent for SILENT_AFTER; a printer out of paper or failed; dead letters on a device;
a citizen waiting longer than LONG_WAIT; a citizen who pressed "Cần hỗ trợ" (help.requested) on a
device within HELP_OPEN. An alert opens when its rule becomes true and is
pushed then (e-mail over SMTP, a JSON webhook); while it is open the same rule opens nothing
new, so nobody gets the same alert twice; it closes by itself when the rule is false again.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central import reports
from central.centres import CentreRow, doc_of
from central.db import Database, utc_now
from central.devices import Device
from central.events import StoredEvent
from central.fleet import ComponentHealth
from central.queue import today
from central.tickets import WAITING, Ticket
from central.periodic import Periodic
from central.web.models import Alert
from central.web.render import N_, gettext

log = logging.getLogger(__name__)
SILENT_AFTER = dt.timedelta(minutes=10)
LONG_WAIT = dt.timedelta(minutes=45)
HELP_OPEN = dt.timedelta(minutes=10)  # a help request stays an open alert this long (staff acknowledge it)
KINDS = ("rating", "silent", "printer", "dead_letters", "long_wait", "help")


@dataclass(frozen=True)
class PushSettings:
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "kiosk-central@localhost"
    mail_to: tuple[str, ...] = ()
    webhook: str | None = None
    interval_s: float = 30.0

    @classmethod
    def from_env(cls) -> "PushSettings":
        """KIOSK_ALERT_SMTP=host:port, KIOSK_ALERT_MAIL_FROM, KIOSK_ALERT_MAIL_TO=a@x,b@y,
        KIOSK_ALERT_WEBHOOK=http://..., KIOSK_ALERT_INTERVAL_S (default 30)."""
        host, _, port = (os.environ.get("KIOSK_ALERT_SMTP") or "").partition(":")
        return cls(smtp_host=host or None, smtp_port=int(port or 25),
                   mail_from=os.environ.get("KIOSK_ALERT_MAIL_FROM", cls.mail_from),
                   mail_to=tuple(a.strip() for a in os.environ.get("KIOSK_ALERT_MAIL_TO", "").split(",") if a.strip()),
                   webhook=os.environ.get("KIOSK_ALERT_WEBHOOK") or None,
                   interval_s=float(os.environ.get("KIOSK_ALERT_INTERVAL_S", "30")))

    @property
    def pushes(self) -> bool:
        return bool((self.smtp_host and self.mail_to) or self.webhook)


@dataclass(frozen=True)
class Finding:
    """What is wrong: its text is a catalogue msgid (English) with its figures, said in each
    language (Vietnamese first, stored with the alert; English for the pushed messages)."""
    kind: str
    subject: str
    text: str
    figures: dict[str, Any] = field(default_factory=dict)
    figures_en: dict[str, Any] = field(default_factory=dict)  # names that have an English form

    def say(self, lang: str) -> str:
        figures = {**self.figures, **(self.figures_en if lang == "en" else {})}
        return gettext(self.text, lang).format(**figures)

    @property
    def message(self) -> str:
        return self.say("vi")


def findings(s: Session, centre: CentreRow, now: dt.datetime) -> list[Finding]:
    """What is wrong at this centre right now (each a grouped query)."""
    out = [Finding("rating", f"counter {a['counter']}",
                   N_('Counter {counter}: {unsatisfied}/{total} ratings "Not satisfied" in the last 15 minutes'),
                   {"counter": a["counter"], "unsatisfied": a["unsatisfied"], "total": a["total"]})
           for a in reports.alerts(s, centre.id, now)]
    devices = list(s.scalars(select(Device).where(Device.centre_id == centre.id, Device.revoked_at.is_(None))))
    for d in devices:
        seen = d.last_heartbeat_at or d.enrolled_at
        if now - seen > SILENT_AFTER:
            minutes = int((now - seen).total_seconds() // 60)
            out.append(Finding("silent", d.id, N_("Device {name}: no signal for {minutes} minutes"),
                               {"name": d.name, "minutes": minutes}))
        if d.dead_letters:
            out.append(Finding("dead_letters", d.id, N_("Device {name}: events that could not be sent (dead letters)"),
                               {"name": d.name}))
    names = {d.id: d.name for d in devices}
    out += help_findings(s, centre, names, now)
    if names:
        for c in s.scalars(select(ComponentHealth).where(ComponentHealth.device_id.in_(list(names)),
                                                         ComponentHealth.component.startswith("printer"),
                                                         ComponentHealth.state.in_(("failed", "error")))):
            out.append(Finding("printer", c.device_id, N_("Printer of {name}: {detail}"),
                               {"name": names[c.device_id], "detail": c.detail or c.state}))
    doc = doc_of(centre)
    waits = s.execute(select(Ticket.service_code, func.min(Ticket.queued_at)).where(
        Ticket.centre_id == centre.id, Ticket.day == today(doc, now), Ticket.status == WAITING)
        .group_by(Ticket.service_code)).all()
    services = {sv.code: sv for sv in doc.config.services}
    for code, oldest in waits:
        if oldest is not None and now - oldest > LONG_WAIT:
            minutes = int((now - oldest).total_seconds() // 60)
            service = services.get(code or "")
            out.append(Finding("long_wait", code or "-", N_("{service}: a citizen has been waiting {minutes} minutes"),
                               {"service": service.name if service else code, "minutes": minutes},
                               {"service": service.display_name("en")} if service else {}))
    return out


def help_findings(s: Session, centre: CentreRow, names: dict[str, str], now: dt.datetime) -> list[Finding]:
    """A citizen asked for help at a device (its latest request within HELP_OPEN): one alert per device."""
    latest: dict[str, StoredEvent] = {}
    for ev in s.scalars(select(StoredEvent).where(
            StoredEvent.centre_id == centre.id, StoredEvent.type == "help.requested",
            StoredEvent.corrected_occurred_at >= now - HELP_OPEN).order_by(StoredEvent.corrected_occurred_at)):
        latest[ev.device_id] = ev
    out = []
    for device_id, ev in latest.items():
        at = ev.corrected_occurred_at.replace(tzinfo=dt.timezone.utc) if ev.corrected_occurred_at.tzinfo is None \
            else ev.corrected_occurred_at
        local = at.astimezone(ZoneInfo(doc_of(centre).config.centre.timezone)).strftime("%H:%M")
        counter = ev.payload.get("counter")
        if counter:
            out.append(Finding("help", device_id, N_('Help needed at counter {counter}: a citizen pressed "Help" at {time}'),
                               {"counter": counter, "time": local}))
        else:
            out.append(Finding("help", device_id, N_('Help needed at {name}: a citizen pressed "Help" at {time}'),
                               {"name": names.get(device_id, device_id), "time": local}))
    return out


@dataclass(frozen=True)
class Opened:
    """A new alert and the finding that opened it (its text in every language, for the push)."""
    alert: Alert
    finding: Finding


def evaluate(s: Session, centre: CentreRow, now: dt.datetime | None = None) -> list[Opened]:
    """Opens alerts for new findings, closes those no longer true; returns the newly opened ones."""
    now = now or utc_now()
    current = {(f.kind, f.subject): f for f in findings(s, centre, now)}
    open_alerts = {(a.kind, a.subject): a for a in s.scalars(
        select(Alert).where(Alert.centre_id == centre.id, Alert.closed_at.is_(None)))}
    for key, alert in open_alerts.items():
        if key not in current:
            alert.closed_at = now
    fresh = []
    for key, f in current.items():
        if key in open_alerts:
            open_alerts[key].message = f.message[:500]  # keep the figures current, no new alert
            continue
        alert = Alert(centre_id=centre.id, kind=f.kind, subject=f.subject[:100], message=f.message[:500],
                      opened_at=now, pushed="")
        s.add(alert)
        fresh.append(Opened(alert, f))
    s.flush()
    return fresh


def open_alerts(s: Session, centre_id: int | None) -> list[Alert]:
    stmt = select(Alert).where(Alert.closed_at.is_(None)).order_by(Alert.opened_at.desc())
    if centre_id is not None:
        stmt = stmt.where(Alert.centre_id == centre_id)
    return list(s.scalars(stmt.limit(100)))


def acknowledge(s: Session, alert_id: int, username: str, centre_ids: set[int] | None) -> Alert | None:
    alert = s.get(Alert, alert_id)
    if alert is None or (centre_ids is not None and alert.centre_id not in centre_ids):
        return None
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = utc_now(), username
    return alert


def push(settings: PushSettings, centre: CentreNames, opened: list[Opened]) -> str:
    """Sends the new alerts by e-mail and webhook, in Vietnamese first and then in English (from
    the catalogue); returns what happened, for the alert rows."""
    if not opened:
        return ""
    done = []
    lines = {lang: [f"[{o.alert.kind}] {o.finding.say(lang)}" for o in opened] for lang in ("vi", "en")}
    if settings.smtp_host and settings.mail_to:
        msg = EmailMessage()
        msg["Subject"] = f"{gettext('Alert', 'vi')} – {centre.vi}: {opened[0].finding.say('vi')}"[:200]
        msg["From"], msg["To"] = settings.mail_from, ", ".join(settings.mail_to)
        msg.set_content(f"{centre.vi}\n\n" + "\n".join(lines["vi"]) + "\n\n"
                        f"— English —\n{gettext('Alert', 'en')} – {centre.en}\n\n" + "\n".join(lines["en"])
                        + "\n\n— Kiosk Một Cửa central")
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(msg)
            done.append("email")
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("alert e-mail failed: %s", exc)
            done.append(f"email failed: {exc}"[:60])
    if settings.webhook:
        body = json.dumps({"centre": centre.vi, "centre_en": centre.en, "alerts": [
            {"kind": o.alert.kind, "subject": o.alert.subject, "message": o.finding.say("vi"),
             "message_en": o.finding.say("en"), "opened_at": o.alert.opened_at.isoformat()} for o in opened],
            "text": f"{centre.vi}: " + "; ".join(lines["vi"]),
            "text_en": f"{centre.en}: " + "; ".join(lines["en"])}, ensure_ascii=False).encode()
        req = urllib.request.Request(settings.webhook, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (the operator's own URL)
                resp.read()
            done.append("webhook")
        except OSError as exc:
            log.warning("alert webhook failed: %s", exc)
            done.append(f"webhook failed: {exc}"[:60])
    return ",".join(done)[:100]


@dataclass(frozen=True)
class CentreNames:
    vi: str
    en: str

    @classmethod
    def of(cls, centre: CentreRow) -> "CentreNames":
        info = doc_of(centre).config.centre
        return cls(info.display_name("vi"), info.display_name("en"))


def run_once(db: Database, settings: PushSettings, now: dt.datetime | None = None) -> int:
    """Evaluates every centre, pushes what opened; returns how many alerts opened."""
    opened: list[tuple[CentreNames, list[Opened]]] = []
    with db.transaction() as s:
        for centre in s.scalars(select(CentreRow)):
            fresh = evaluate(s, centre, now)
            if fresh:
                opened.append((CentreNames.of(centre), fresh))
    for names, fresh in opened:  # outside the transaction: a slow mail server holds no lock
        outcome = push(settings, names, fresh)
        with db.transaction() as s:
            for o in fresh:
                row = s.get(Alert, o.alert.id)
                if row is not None:
                    row.pushed = outcome
    return sum(len(f) for _, f in opened)


class Watcher(Periodic):
    """The background thread that evaluates the rules every interval_s and pushes new alerts."""

    def __init__(self, db: Database, settings: PushSettings) -> None:
        self.db, self.settings = db, settings
        super().__init__("alert-watcher", settings.interval_s, self._round, at_start=False)

    def _round(self) -> None:
        run_once(self.db, self.settings)
