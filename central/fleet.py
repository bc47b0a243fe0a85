"""Device fleet: heartbeats and component health, the projection of device.* events."""
from __future__ import annotations

import datetime as dt
import html
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.centres import CentreRow
from central.db import Base, dialect_insert, utc_now
from central.devices import Device
from central.tickets import Applied, order_key

STALE_AFTER = dt.timedelta(minutes=5)


class ComponentHealth(Base):
    """Latest device.health report per (device, component), last-writer-wins by event time."""
    __tablename__ = "component_health"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    component: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500))
    reported_at: Mapped[dt.datetime]
    order_key: Mapped[str] = mapped_column(String(100))


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def apply_events(session: Session, device: Device, events: list[Applied]) -> None:
    beats = [e for e in events if e.type == "device.heartbeat"]
    if beats:
        latest = max(beats, key=order_key)
        if device.last_heartbeat_at is None or latest.at >= device.last_heartbeat_at:
            p = latest.payload
            device.last_heartbeat_at = latest.at
            device.version = str(p["version"])[:64]
            device.uptime_s = _num(p["uptime_s"])
            device.disk_free_mb = _num(p.get("disk_free_mb"))
            backlog = p.get("outbox_backlog")
            device.outbox_backlog = int(backlog) if isinstance(backlog, int) else None
            flags = p.get("health_flags", p.get("flags"))
            device.health_flags = list(flags) if isinstance(flags, (list, tuple)) else None
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
        devices.append({
            "device_id": d.id, "name": d.name, "centre_code": centres.get(d.centre_id), "role": d.role,
            "device_index": d.device_index, "revoked": d.revoked_at is not None,
            "last_heartbeat_at": seen.isoformat() if seen else None,
            "online": bool(seen and now - seen <= STALE_AFTER), "version": d.version, "uptime_s": d.uptime_s,
            "disk_free_mb": d.disk_free_mb, "outbox_backlog": d.outbox_backlog, "health_flags": d.health_flags or [],
            "last_skew_ms": d.last_skew_ms, "components": components.get(d.id, [])})
    return {"generated_at": now.isoformat(), "devices": devices, "alerts": alerts}


def render_html(view: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for d in view["devices"]:
        comps = ", ".join(f"{c['component']}: {c['state']}" for c in d["components"] if c["state"] != "ok") or "ok"
        rows.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
            d["centre_code"], d["name"], d["role"], d["device_index"],
            "thu hồi" if d["revoked"] else ("trực tuyến" if d["online"] else "mất kết nối"),
            d["last_heartbeat_at"] or "—", d["version"] or "—", ", ".join(map(str, d["health_flags"])) or "—",
            comps, "—" if d["outbox_backlog"] is None else d["outbox_backlog"])) + "</tr>")
    alerts = "".join(f"<li>{e(a['message'])}</li>" for a in view["alerts"]) or "<li>Không có cảnh báo</li>"
    head = "".join(f"<th>{h}</th>" for h in ("Trung tâm", "Thiết bị", "Vai trò", "Số", "Trạng thái", "Nhịp gần nhất",
                                             "Phiên bản", "Cờ sức khỏe", "Linh kiện", "Hàng đợi gửi"))
    return (f"<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Thiết bị</title>{STYLE}</head>"
            f"<body><h1>Tình trạng thiết bị</h1><p>Cập nhật: {e(view['generated_at'])}</p>"
            f"<h2>Cảnh báo</h2><ul>{alerts}</ul><table><tr>{head}</tr>{''.join(rows)}</table></body></html>")


STYLE = ("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td,th{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}</style>")
