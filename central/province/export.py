"""The daily file the province can import when its system cannot take the pushes: one row per
rated dossier of a local day (CSV, UTF-8 with a byte order mark for Excel, or XLSX)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from central.centres import CentreRow, doc_of
from central.dossier_links import RatedDossier
from central.ratings import LEVELS, Rating

COLUMNS = ("ma_ho_so", "ma_co_quan", "muc_do", "muc_do_ten", "ly_do", "ma_ly_do", "tra_loi", "can_bo", "quay",
           "thoi_gian")


def rows_of_day(session: Session, centre: CentreRow, day: dt.date) -> list[dict[str, Any]]:
    tz = ZoneInfo(doc_of(centre).config.centre.timezone)
    lo = dt.datetime.combine(day, dt.time(), tz)
    hi = lo + dt.timedelta(days=1)
    stmt = (select(RatedDossier.dossier_code, Rating)
            .join(Rating, and_(Rating.centre_id == RatedDossier.centre_id, Rating.rating_id == RatedDossier.rating_id))
            .where(RatedDossier.centre_id == centre.id, Rating.rated_at >= lo, Rating.rated_at < hi)
            .order_by(Rating.rated_at, RatedDossier.dossier_code))
    out = []
    for code, r in session.execute(stmt):
        out.append({"ma_ho_so": code, "ma_co_quan": code.rsplit("-", 2)[0], "muc_do": r.level,
                    "muc_do_ten": LEVELS.get(r.level, r.level), "ly_do": r.reason or "", "ma_ly_do": r.reason_code or "",
                    "tra_loi": {"answered": "co", "not_answered": "khong_tra_loi"}.get(r.reason_state or "", ""),
                    "can_bo": r.officer or "", "quay": r.counter,
                    "thoi_gian": r.rated_at.astimezone(tz).isoformat(timespec="seconds")})
    return out


def render(rows: list[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "danh_gia"
        ws.append(list(COLUMNS))
        for row in rows:
            ws.append([row[c] for c in COLUMNS])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    text = io.StringIO()
    text.write("\ufeff")
    w = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return text.getvalue().encode("utf-8")


def write_day(session: Session, centre: CentreRow, day: dt.date, out_dir: str | Path, fmt: str = "csv") -> Path:
    """danh-gia-<centre>-<day>.<fmt> in out_dir, written whole (a temporary file, then renamed)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in centre.code)
    path = folder / f"danh-gia-{safe}-{day.isoformat()}.{fmt}"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(render(rows_of_day(session, centre, day), fmt))
    tmp.replace(path)
    return path
