"""The dossier's status screen: status, next step, dates, timeliness and history (masked
applicant); print a status slip ("Nghe lại" of the access bar reads the result again). It clears
itself after the idle timeout and forgets what it showed when it is left. What does not fit (a long
procedure name, a long history, large text) scrolls; the keys stay under it (dossier.kv)."""
from __future__ import annotations

import datetime as dt

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.dossier.status import Timeliness
from screens.base import load_kv
from screens.lobby.base import KioskScreen

HISTORY_SHOWN = 10  # the latest entries (the details and history scroll; rows are built once)

# status code -> colour family of the status box
_TONE = {1: "progress", 2: "progress", 4: "progress", 5: "action", 6: "action", 9: "done", 10: "done",
         3: "stopped", 7: "stopped", 8: "stopped"}


def day_text(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


class DossierScreen(KioskScreen):
    """The dossier's status, next step, dates, timeliness and history (masked applicant)."""
    code = StringProperty("")
    status_label = StringProperty("")
    tone = StringProperty("progress")             # progress | action | done | stopped
    timeliness = StringProperty("")               # early | on_time | late | ""
    timeliness_label = StringProperty("")
    next_step = StringProperty("")
    procedure = StringProperty("")
    received = StringProperty("")
    due = StringProperty("")
    finished = StringProperty("")
    applicant = StringProperty("")
    notice = StringProperty("")
    history = ListProperty([])                    # [(when, status, note)], newest first
    print_state = StringProperty("")              # "" | printing | printed | failed

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = None
        for _ in range(HISTORY_SHOWN):
            self.ids.history.add_widget(HistoryRow())

    def prepare(self, view=None, **kwargs) -> None:
        self.view = view
        self.print_state = ""
        self.code = view.code
        self.status_label = view.status_label
        self.tone = _TONE.get(view.status_code, "stopped")
        self.timeliness = view.timeliness.value if isinstance(view.timeliness, Timeliness) else ""
        self.timeliness_label = view.timeliness_label or ""
        self.next_step = view.next_step
        self.procedure = view.procedure_name
        self.received = day_text(view.received_date)
        self.due = day_text(view.due_date)
        self.finished = day_text(view.finished_date) if view.finished_date else ""
        self.applicant = view.applicant_name
        self.notice = view.notice or ""
        self.history = [(h.when.strftime("%d/%m/%Y %H:%M"), h.status_label, h.note)
                        for h in view.history[:HISTORY_SHOWN]]
        self._fill_history()
        self.ids.scroll.scroll_y = 1  # a new record starts at its top

    def _fill_history(self) -> None:
        box = self.ids.history
        rows = box.children[::-1]  # built once (HISTORY_SHOWN rows), filled in place
        for i, row in enumerate(rows):
            if i < len(self.history):
                when, status, note = self.history[i]
                row.when, row.status, row.note, row.used = when, status, note, True
            else:
                row.when = row.status = row.note = ""
                row.used = False

    def idle_timeout(self) -> float | None:
        # Privacy: the result clears itself (after asking "more time?"); it says so on screen.
        # Long enough to read it twice and listen to it (lobby.dossier_result_s, 90 s).
        return self.app.kiosk_config.lobby.dossier_result_s

    def prompt(self) -> str:
        return self.app.lookup.spoken(self.view) if self.view is not None else ""

    def on_leave(self, *args) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything shown (the next citizen must not find it in the widgets)."""
        self.view = None
        for name in ("code", "status_label", "timeliness", "timeliness_label", "next_step", "procedure",
                     "received", "due", "finished", "applicant", "notice", "print_state"):
            setattr(self, name, "")
        self.history = []
        self._fill_history()

    def print_slip(self) -> None:
        if self.view is not None and self.print_state != "printing":
            self.print_state = "printing"
            self.app.lookup.print_slip(self.view)

    def print_finished(self, code: str, ok: bool) -> None:
        if self.view is not None and self.view.code == code:
            self.print_state = "printed" if ok else "failed"
            if self.app.voice_guidance:  # a blind citizen must learn that no slip came out
                self.app.speak(self.print_text(self.print_state, self.app.lang))

    def print_text(self, state: str, lang: str) -> str:
        tr = self.app.tr
        return {"printing": tr("Printing...", lang), "printed": tr("Slip printed. Please take it.", lang),
                "failed": tr("The printer has a problem.", lang)}.get(state, tr("Print a slip", lang))


class HistoryRow(BoxLayout):
    """One line of the processing history: when, status, note (already scrubbed)."""
    when = StringProperty("")
    status = StringProperty("")
    note = StringProperty("")
    used = BooleanProperty(False)


load_kv(__file__)
