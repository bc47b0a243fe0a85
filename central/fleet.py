"""Device fleet: heartbeats and component health, the projection of device.* events.

A heartbeat is the device's latest state (kept on its row) plus a bounded history
(HISTORY per device); heartbeats are not kept in the event store. Every moment is already
corrected for the device's clock skew and never later than its arrival, so a heartbeat
dated in the future cannot pin a device "online".
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, String, Table, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.centres import CentreRow
from central.clocks import skew_ok
from central.db import Base, dialect_insert, utc_now
from central.devices import Device
from central.tickets import Applied, order_key

STALE_AFTER = dt.timedelta(minutes=5)
HISTORY = 100  # heartbeats kept per device


class HeartbeatRow(Base):
    """The last HISTORY heartbeats of each device (the latest is also on the device's row)."""
    __tablename__ = "heartbeats"
    __table_args__ = (Index(None, "device_id", "at"), Index(None, "received_at", postgresql_using="brin"))

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[dt.datetime]  # corrected for skew, never after received_at
    received_at: Mapped[dt.datetime]
    payload: Mapped[dict[str, Any]]


class ComponentHealth(Base):
    """Latest device.health report per (device, component), last-writer-wins by event time."""
    __tablename__ = "component_health"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    component: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500))
    reported_at: Mapped[dt.datetime]
    order_key: Mapped[str] = mapped_column(String(100))


def seen_heartbeats(session: Session, device_id: str, ids: list[str]) -> set[str]:
    """Which of these heartbeat ids this device sent before (they are answered duplicate)."""
    if not ids:
        return set()
    return set(session.scalars(select(HeartbeatRow.event_id).where(
        HeartbeatRow.device_id == device_id, HeartbeatRow.event_id.in_(ids))))


def _heartbeats(session: Session, device: Device, beats: list[Applied]) -> None:
    latest = max(beats, key=order_key)
    if device.last_heartbeat_at is None or latest.at >= device.last_heartbeat_at:
        p = latest.payload  # validated by kiosk.contract.wire.DeviceHeartbeat
        device.last_heartbeat_at = latest.at
        device.version, device.uptime_s = p["version"], p["uptime_s"]
        device.disk_free_bytes, device.outbox_backlog = p.get("disk_free_bytes"), p.get("outbox_backlog")
        device.dead_letters, device.health = p.get("dead_letters"), p.get("health") or {}
    table = cast(Table, HeartbeatRow.__table__)
    session.execute(dialect_insert(session, table).on_conflict_do_nothing(), [
        {"device_id": device.id, "event_id": b.id, "at": b.at, "received_at": b.received or b.at, "payload": b.payload}
        for b in beats])
    # one statement (no cutoff read back first): nothing is deleted while there are fewer than HISTORY
    cutoff = (select(table.c.at).where(table.c.device_id == device.id)
              .order_by(table.c.at.desc()).offset(HISTORY - 1).limit(1).scalar_subquery())
    session.execute(delete(table).where(table.c.device_id == device.id, table.c.at < cutoff))


def apply_events(session: Session, device: Device, events: list[Applied]) -> None:
    beats = [e for e in events if e.type == "device.heartbeat"]
    if beats:
        _heartbeats(session, device, beats)
    newest: dict[str, Applied] = {}
    for ev in events:
        if ev.type == "device.health":
            comp = str(ev.payload["device"])[:100]
            if comp not in newest or order_key(ev) > order_key(newest[comp]):
                newest[comp] = ev
    if not newest:
        return
    table = ComponentHealth.__table__
    current = {r.component: r.order_key for r in session.execute(
        select(table.c.component, table.c.order_key).where(table.c.device_id == device.id))}
    for comp, ev in sorted(newest.items()):
        key = order_key(ev)
        if comp in current and current[comp] >= key:
            continue
        values = {"state": str(ev.payload["state"])[:16], "detail": str(ev.payload["detail"])[:500],
                  "reported_at": ev.at, "order_key": key}
        stmt = dialect_insert(session, table).values(device_id=device.id, component=comp, **values)
        session.execute(stmt.on_conflict_do_update(index_elements=["device_id", "component"], set_=values))


def fleet_view(session: Session, alerts: list[dict[str, Any]], now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utc_now()
    centres = {c.id: c.code for c in session.scalars(select(CentreRow))}
    components: dict[str, list[dict[str, Any]]] = {}
    for c in session.scalars(select(ComponentHealth).order_by(ComponentHealth.device_id, ComponentHealth.component)):
        components.setdefault(c.device_id, []).append(
            {"component": c.component, "state": c.state, "detail": c.detail, "reported_at": c.reported_at.isoformat()})
    devices = []
    for d in session.scalars(select(Device).order_by(Device.centre_id, Device.device_index)):
        seen = d.last_heartbeat_at
        health = [{"component": name, "state": h.get("state"), "detail": h.get("detail", "")}
                  for name, h in sorted((d.health or {}).items()) if isinstance(h, dict)]
        devices.append({
            "device_id": d.id, "name": d.name, "centre_code": centres.get(d.centre_id), "role": d.role,
            "device_index": d.device_index, "revoked": d.revoked_at is not None,
            "last_heartbeat_at": seen.isoformat() if seen else None,
            "online": bool(seen and now - seen <= STALE_AFTER), "version": d.version, "uptime_s": d.uptime_s,
            "disk_free_bytes": d.disk_free_bytes, "outbox_backlog": d.outbox_backlog, "dead_letters": d.dead_letters,
            "clock_skew_ms": d.last_skew_ms, "clock_ok": skew_ok(d.last_skew_ms), "health": health,
            "health_flags": [f"{h['component']}: {h['detail'] or h['state']}" for h in health if h["state"] != "ok"],
            "counters": sorted(d.counters or []), "components": components.get(d.id, [])})
    return {"generated_at": now.isoformat(), "devices": devices, "alerts": alerts}


def render_html(view: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for d in view["devices"]:
        comps = ", ".join(f"{c['component']}: {c['state']}" for c in d["components"] if c["state"] != "ok") or "ok"
        rows.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
            d["centre_code"], d["name"], d["role"], d["device_index"],
            "thu hồi" if d["revoked"] else ("trực tuyến" if d["online"] else "mất kết nối"),
            d["last_heartbeat_at"] or "—", d["version"] or "—", "; ".join(d["health_flags"]) or "—",
            comps, "—" if d["outbox_backlog"] is None else d["outbox_backlog"],
            "—" if d["dead_letters"] is None else d["dead_letters"],
            "—" if d["disk_free_bytes"] is None else f"{d['disk_free_bytes'] / 2**30:.1f} GB",
            "—" if d["clock_skew_ms"] is None else (f"{d['clock_skew_ms'] / 1000:+.0f} s"
                                                    + ("" if d["clock_ok"] else " (sai giờ)")))) + "</tr>")
    alerts = "".join(f"<li>{e(a['message'])}</li>" for a in view["alerts"]) or "<li>Không có cảnh báo</li>"
    head = "".join(f"<th>{h}</th>" for h in ("Trung tâm", "Thiết bị", "Vai trò", "Số", "Trạng thái", "Nhịp gần nhất",
                                             "Phiên bản", "Cờ sức khỏe", "Linh kiện", "Hàng đợi gửi",
                                             "Thư hỏng", "Đĩa trống", "Lệch giờ"))
    return (f"<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Thiết bị</title>{STYLE}</head>"
            f"<body><h1>Tình trạng thiết bị</h1><p>Cập nhật: {e(view['generated_at'])}</p>"
            f"<h2>Cảnh báo</h2><ul>{alerts}</ul><table><tr>{head}</tr>{''.join(rows)}</table></body></html>")


STYLE = ("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td,th{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}</style>")
