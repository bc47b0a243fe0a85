"""The reports page (figures, heat map, trends), its print version and its CSV / XLSX exports."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from central import analytics, reports
from central.auth import get_db
from central.centres import CentreRow, doc_of
from central.db import Database
from central.web import charts
from central.web.report_table import day_note, rows_html
from central.web.common import centre_today, centre_tz, chosen_centre, layout, signed_in
from central.web.render import N_, Formats, language, page
from central.web.security import Viewer

router = APIRouter(include_in_schema=False)
MAX_DAYS = 731
GROUP_NAMES = {"officer": N_("Officer"), "counter": N_("Counter"), "service": N_("Service"), "day": N_("Day"),
               "hour": N_("Hour of day"), "centre": N_("Whole centre")}
COLUMNS = (("label", N_("Group")), ("very_satisfied", N_("Very satisfied")), ("satisfied", N_("Satisfied")),
           ("unsatisfied", N_("Not satisfied")), ("total", N_("Ratings")), ("satisfaction_pct", N_("% satisfied")),
           ("served", N_("Served")), ("response_rate_pct", N_("% of served rated")),
           ("avg_wait_min", N_("Average wait (min)")), ("avg_service_min", N_("Average service (min)")))
REJECT_REASONS = {"double_press": N_("double press"), "rate_limited": N_("too many presses"),
                  "no_ticket": N_("no ticket being rated"), "spam": N_("too many presses"),
                  "debounce": N_("double press"), "no_request": N_("no ticket being rated"),
                  "already_rated": N_("already rated"), "unknown_key": N_("unknown key")}
# Reasons that are no reason (reports.rating_chain): "không trả lời" apart from "no reason asked".
REASON_STATES = {"not_answered": N_("No answer"), "not_asked": N_("(no reason asked)")}


def centre_reasons(rows: list[dict[str, Any]]) -> list[tuple[str | None, int]]:
    """The per-counter reasons summed for the whole centre: (reason text, or a REASON_STATES key; n)."""
    out: dict[str | None, int] = {}
    for r in rows:
        key = r["state"] if r["state"] in REASON_STATES else (r["label"] or None)
        out[key] = out.get(key, 0) + r["count"]
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0] or ""))


def reason_label(key: str | None, f: Formats) -> str:
    return f._(REASON_STATES[key]) if key in REASON_STATES else key or f._("(no reason given)")


class BadRange(ValueError):
    pass


def _dates(request: Request, centre: CentreRow | None) -> tuple[dt.date, dt.date]:
    q = request.query_params
    end_default = centre_today(centre)
    try:
        end = dt.date.fromisoformat(q["to"]) if q.get("to") else end_default
        start = dt.date.fromisoformat(q["from"]) if q.get("from") else end - dt.timedelta(days=29)
    except ValueError:
        raise BadRange(N_("A date is not valid: use the date picker (day/month/year).")) from None
    if end < start:
        raise BadRange(N_("The end date is before the start date."))
    if (end - start).days >= MAX_DAYS:
        raise BadRange(N_("Choose a period of at most two years."))
    return start, end


def _group(request: Request) -> str:
    g = request.query_params.get("group", "officer")
    return g if g in reports.GROUPS else "officer"


def figures(s: Session, centre: CentreRow, start: dt.date, end: dt.date, group: str,
            drawn: bool = True) -> dict[str, Any]:
    """Everything the reports page shows, each figure one grouped query (central.analytics);
    drawn=False: without the heat map, which only a chart shows (the exports)."""
    doc = doc_of(centre)
    period = analytics.Period(centre.id, centre_tz(centre), start, end)
    # the days' sums serve the table (by day) and the weekly trend: read once
    days = analytics.rating_local(s, period, "day"), analytics.ticket_figures(s, period, ("day",))
    table = reports.satisfaction(s, centre, start, end, group, days=days)
    names = {sv.code: sv.name for sv in doc.config.services}
    times = analytics.time_percentiles(s, period)
    rejected: dict[int | None, dict[str, int]] = {}
    for r in table["rejected_presses"]:
        rejected.setdefault(r["counter"], {})[r["reason"] or "-"] = r["count"]
    return {"table": table, "totals": table["totals"], "heat": analytics.heatmap(s, period) if drawn else {},
            "weeks": analytics.weekly(s, period, *days), "reasons": centre_reasons(table["reasons"]),
            "rejected": sorted(rejected.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)),
            "times": [(code, names.get(code, code), times[code]) for code in sorted(times, key=lambda c: names.get(c, c))],
            "targets": {"satisfied": analytics.SATISFIED_TARGET_PCT, "rated": analytics.RATED_TARGET_PCT}}


def _context(request: Request, db: Database, viewer: Viewer, active: str,
             drawn: bool = True) -> tuple[dict[str, Any], int]:
    """The page's figures; drawn: with its charts (the exports have none)."""
    group = _group(request)

    def read(s: Session) -> tuple[dict[str, Any], dt.date, dt.date, str | None, dict[str, Any] | None]:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        ctx = layout(s, viewer, centre, active)
        try:
            start, end = _dates(request, centre)
            error = None
        except BadRange as exc:
            end = centre_today(centre)
            start, error = end - dt.timedelta(days=29), str(exc)
        return ctx, start, end, error, figures(s, centre, start, end, group, drawn) if centre else None

    # a read-only transaction: a year's report never holds SQLite's write lock (call-next goes on)
    ctx, start, end, error, data = analytics.read_report(db, read)
    f = Formats(language(request), ctx["tz"])
    charts_ = {}
    if data and drawn:
        charts_ = {"heat": charts.heatmap(data["heat"], f), "trend": charts.trend(data["weeks"], f),
                   "reasons": charts.bars([(reason_label(r, f), n) for r, n in data["reasons"]], f),
                   "rejected": charts.bars([(f"{f._('Counter')} {c}" if c is not None else "?", sum(v.values()))
                                            for c, v in data["rejected"]], f, "#ef6c00")}
    ctx.update({"start": start, "end": end, "group": group, "data": data, "charts": charts_, "error": error,
                "table_rows": rows_html(data["table"], COLUMNS, f) if data and drawn else "",
                "columns": COLUMNS, "group_names": GROUP_NAMES, "reject_reasons": REJECT_REASONS,
                "reason_states": REASON_STATES,
                "quick": _quick_ranges(centre_today(ctx["centre"])),
                "query": f"centre={ctx['centre'].code if ctx['centre'] else ''}&from={start}&to={end}&group={group}"})
    return ctx, 422 if error else 200


def _quick_ranges(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    first_of_month = today.replace(day=1)
    return [(N_("Today"), today, today), (N_("7 days"), today - dt.timedelta(days=6), today),
            (N_("30 days"), today - dt.timedelta(days=29), today), (N_("This month"), first_of_month, today),
            (N_("This year"), today.replace(month=1, day=1), today)]


@router.get("/reports")
def reports_page(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    ctx, status = _context(request, db, viewer, "reports")
    return page(request, "reports.html", ctx, status=status)


@router.get("/reports/print")
def reports_print(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    ctx, status = _context(request, db, viewer, "reports")
    return page(request, "reports_print.html", ctx, status=status)


def _table(request: Request, db: Database, viewer: Viewer) -> tuple[dict[str, Any], Formats]:
    ctx, status = _context(request, db, viewer, "reports", drawn=False)
    if status != 200 or not ctx["data"]:
        raise BadRange(ctx["error"] or N_("No centre"))
    return ctx, Formats(language(request), ctx["tz"])


def _filename(ctx: dict[str, Any], ext: str) -> str:
    return f"bao-cao-hai-long-{ctx['centre'].code}-{ctx['start']}-{ctx['end']}-{ctx['group']}.{ext}"


def _value(v: Any) -> Any:
    return "" if v is None else v


def _label(row: dict[str, Any], f: Formats) -> str:
    """The group's label; a day the calendar marks says so ("2026-01-01 (Nghỉ lễ: Tết Dương lịch)")."""
    note = day_note(row, f)
    return f"{row['label']} ({note})" if note else row["label"]


@router.get("/reports/export.csv")
def export_csv(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    try:
        ctx, f = _table(request, db, viewer)
    except BadRange as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel reads UTF-8 (Vietnamese letters) only with the byte order mark
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"{f._('Satisfaction report')} — {ctx['centre_name']}",
                f"{f.date(ctx['start'])} – {f.date(ctx['end'])}", f._(GROUP_NAMES[ctx['group']])])
    w.writerow([f._(name) for _, name in COLUMNS])
    table = ctx["data"]["table"]
    for row in table["rows"]:
        w.writerow([_label(row, f), *[_value(row[k]) for k, _ in COLUMNS[1:]]])
    w.writerow([f._("Whole centre"), *[_value(table["totals"][k]) for k, _ in COLUMNS[1:]]])
    return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(ctx, "csv")}"'})


@router.get("/reports/export.xlsx")
def export_xlsx(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    try:
        ctx, f = _table(request, db, viewer)
    except BadRange as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    data = ctx["data"]
    # write-only: rows stream into the file as they come, with two shared styles (title, headings)
    wb = Workbook(write_only=True)
    bold, head, title_font = Font(bold=True), PatternFill("solid", fgColor="EEF1F4"), Font(bold=True, size=13)

    def sheet(title: str, headings: list[str], rows: list[list[Any]]) -> None:
        ws = wb.create_sheet(title[:31])
        values = [[_value(v) for v in r] for r in rows]
        for i, heading in enumerate(headings):  # widths come first in a write-only sheet
            width = max((len(str(r[i])) for r in values if i < len(r) and r[i] != ""), default=8)
            width = max(width, len(heading))
            ws.column_dimensions[get_column_letter(i + 1)].width = min(48, max(10, width + 2))
        ws.freeze_panes = "A3"
        caption = WriteOnlyCell(ws, f"{ctx['centre_name']} — {f.date(ctx['start'])} – {f.date(ctx['end'])}")
        caption.font = title_font
        ws.append([caption])
        cells = []
        for heading in headings:
            cell = WriteOnlyCell(ws, heading)
            cell.font, cell.fill = bold, head
            cells.append(cell)
        ws.append(cells)
        for r in values:
            ws.append(r)

    table = data["table"]
    rows = [[_label(r, f), *[r[k] for k, _ in COLUMNS[1:]]] for r in table["rows"]]
    rows.append([f._("Whole centre"), *[table["totals"][k] for k, _ in COLUMNS[1:]]])
    sheet(f._("Satisfaction"), [f._(n) for _, n in COLUMNS], rows)
    sheet(f._("Reasons"), [f._("Reason for “Not satisfied”"), f._("Ratings")],
          [[reason_label(r, f), n] for r, n in data["reasons"]])
    sheet(f._("Times"), [f._("Service"), f._("Wait p50 (min)"), f._("Wait p90 (min)"), f._("Service p50 (min)"),
                         f._("Service p90 (min)")],
          [[name, t.get("wait_p50"), t.get("wait_p90"), t.get("service_p50"), t.get("service_p90")]
           for _, name, t in data["times"]])
    sheet(f._("Weeks"), [f._("Week of"), f._("Ratings"), f._("% satisfied"), f._("Served"), f._("% of served rated")],
          [[w["week"], w["total"], w["satisfaction_pct"], w["served"], w["response_rate_pct"]] for w in data["weeks"]])
    sheet(f._("Rejected presses"), [f._("Counter"), f._("Reason"), f._("Presses")],
          [[c, reason, n] for c, by in data["rejected"] for reason, n in sorted(by.items())])
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(ctx, "xlsx")}"'})

