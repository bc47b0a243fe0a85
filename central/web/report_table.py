"""The reports page's main table as HTML built in Python (escaped with markupsafe): a year by day
is ~3,000 cells, and Jinja's calls per cell were the slowest part of the page. Days that the
centre's calendar does not count as usual working days are marked."""
from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup, escape

from central.web.charts import WEEKDAYS
from central.web.render import N_, Formats

DAY_KINDS = {"holiday": N_("Public holiday"), "closed": N_("Closed day"), "working": N_("Extra working day"),
             "weekend": N_("Not a working day")}


def day_note(row: dict[str, Any], f: Formats) -> str:
    """"Nghỉ lễ: Tết Dương lịch" for a day row the calendar marks; "" for a usual working day."""
    kind = row.get("day_kind")
    if kind not in DAY_KINDS:
        return ""
    name = (f.lang == "en" and row.get("day_name_en")) or row.get("day_name") or ""
    return f"{f._(DAY_KINDS[kind])}: {name}" if name else f._(DAY_KINDS[kind])


def day_label(key: str, f: Formats) -> str:
    """A day row's label as people read it: "T2 13/04/2026" ("Mon 13/04/2026"), not the ISO key
    (strftime, not Babel: a year's table has 365 of them; the digits are the same in vi and en)."""
    day = dt.date.fromisoformat(key)
    return f"{f._(WEEKDAYS[day.isoweekday() - 1])} {day:%d/%m/%Y}"


def _cell(key: str, value: Any, f: Formats) -> str:
    if key.endswith("_pct"):
        return f'<td class="n">{f.pct(value)}</td>'
    return f'<td class="n">{f.num(value, 1 if key.endswith("_min") else 0)}</td>'


def rows_html(table: dict[str, Any], columns: tuple[tuple[str, str], ...], f: Formats) -> Markup:
    """<tr>s of the table's rows, then its totals (the template holds <table> and <thead>)."""
    keys = [k for k, _ in columns if k != "label"]
    out: list[str] = []
    for r in table["rows"]:
        note = day_note(r, f)
        css = f' class="day-{r["day_kind"]}"' if note else ""
        label = escape(day_label(r["key"], f) if "day_kind" in r else r["label"]) + (Markup(' <span class="day-note">') + escape(note) + Markup("</span>")
                                      if note else "")
        out.append(f"<tr{css}><td>{label}</td>" + "".join(_cell(k, r[k], f) for k in keys) + "</tr>")
    if not table["rows"]:
        out.append(f'<tr><td colspan="{len(columns)}">{escape(f._("No ratings or served tickets in this period"))}</td></tr>')
    t = table["totals"]
    out.append(f'<tr class="total"><td>{escape(f._("Whole centre"))}</td>'
               + "".join(_cell(k, t[k], f) for k in keys) + "</tr>")
    return Markup("".join(out))
