"""Service screen: big buttons for the service areas, a page at a time. Closed services and
those out of numbers stay visible, greyed, with the reason; tapping one explains it."""
from __future__ import annotations

import math

from kivy.clock import Clock
from kivy.properties import NumericProperty

from kiosk.domain.schedule import Availability
from kiosk.i18n import N_
from kiosk.ticketing import ServiceView
from screens.lobby.attract import WEEKDAYS
from screens.base import load_kv
from screens.lobby.pictogram import pictogram_path
from screens.lobby.base import KioskScreen
from screens.widgets import ServiceTile

OFFLINE_PROMPT = N_("The kiosk is not connected to the central system. Numbers are still given out; the waiting count is an estimate.")
LANDSCAPE_TILES = 6  # three a row, two rows: a tile keeps room for a two-line name and its examples
REFRESH_S = 20  # waiting counts and opening states, while the screen is shown

TILE_REASON = {
    Availability.CLOSED_TODAY: N_("Closed for today"),
    Availability.QUOTA_DAY: N_("No more numbers today"),
    Availability.QUOTA_WINDOW: N_("No more numbers this session"),
}
REFUSAL_FOR = {
    Availability.NOT_YET_OPEN: "closed", Availability.BREAK: "closed", Availability.CLOSED_TODAY: "closed",
    Availability.QUOTA_DAY: "quota_day", Availability.QUOTA_WINDOW: "quota_window", Availability.DAY_OFF: "day_off",
}
DAY_OFF_TILE = {"holiday": N_("Public holiday: {name}"), "closed": N_("Closed today: {name}")}


def tile_detail(app, view: ServiceView) -> str:
    """The second line of a tile: people waiting, or why no number can be taken now."""
    tr = app.tr
    state = view.state
    if state.is_open:
        if view.waiting == 0:
            return tr("No one waiting")
        if view.approximate:  # the kiosk's own estimate: the central's queue is not known now
            return tr("About {count} people waiting").format(count=view.waiting)
        if view.waiting == 1:
            return tr("1 person waiting")
        return tr("{count} people waiting").format(count=view.waiting)
    if state.availability is Availability.NOT_YET_OPEN and state.next_window:
        return tr("Not open yet - opens at {time}").format(time=state.next_window.start)
    if state.availability is Availability.BREAK and state.next_window:
        return tr("Break - reopens at {time}").format(time=state.next_window.start)
    if state.availability is Availability.DAY_OFF and state.day_off is not None:
        return tr(DAY_OFF_TILE[state.day_off.kind]).format(name=state.day_off.display_name(app.lang))
    if state.availability is Availability.CLOSED_TODAY and app.now_local().isoweekday() not in view.service.weekdays:
        return tr("Closed today (not a working day)")
    return tr(TILE_REASON.get(state.availability, N_("Closed for today")))


def format_days(app, weekdays: list[int]) -> str:
    days = sorted(set(weekdays))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return "{} - {}".format(app.tr(WEEKDAYS[days[0] - 1]), app.tr(WEEKDAYS[days[-1] - 1]))
    return ", ".join(app.tr(WEEKDAYS[d - 1]) for d in days)


def closed_explanation(app, view: ServiceView) -> tuple[str, str, str]:
    """(title, message, detail) shown when a greyed service is tapped."""
    tr = app.tr
    service = view.service
    state = view.state
    message = app.lobby.refusal_message(REFUSAL_FOR.get(state.availability, "closed"), app.lang)
    if state.availability in (Availability.NOT_YET_OPEN, Availability.BREAK) and state.next_window:
        message += "\n" + tr("Please come back at {time}.").format(time=state.next_window.start)
    elif state.availability in (Availability.CLOSED_TODAY, Availability.DAY_OFF):
        message += "\n" + tr("Please come back on the next working day.")
    hours = ", ".join(f"{w.start} - {w.end}" for w in service.windows)
    detail = tr("Opening hours: {hours}").format(hours=hours) + "\n" + format_days(app, service.weekdays)
    for day, windows in sorted(service.hours.items()):  # a weekday with its own hours (Saturday morning)
        own = ", ".join(f"{w.start} - {w.end}" for w in windows)
        detail += "\n" + tr("{day}: {hours}").format(day=tr(WEEKDAYS[day - 1]), hours=own)
    return service.display_name(app.lang), message, detail


class ServicesScreen(KioskScreen):
    page = NumericProperty(0)
    pages = NumericProperty(1)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_tiles = self.app.kiosk_config.lobby.services_per_page
        self.tiles: list[ServiceTile] = []
        self.views: list[ServiceView] = []
        for _ in range(self.max_tiles):  # built once; _layout puts a page's worth in the grid
            tile = ServiceTile()
            tile.bind(on_release=self._on_tile)
            self.tiles.append(tile)
        self._refresh_ev = None
        self.app.bind(lang=lambda *a: self.render(), portrait=lambda *a: self._layout())
        self.views = list(self.app.views)
        self._layout()

    @property
    def per_page(self) -> int:
        """Tiles a page: the configured number in portrait; at most LANDSCAPE_TILES in landscape,
        where four narrow tiles a row squeezed a two-line name and its examples out of the tile."""
        return self.max_tiles if self.app.portrait else min(self.max_tiles, LANDSCAPE_TILES)

    def _layout(self) -> None:
        per_page = self.per_page
        cols = 2 if self.app.portrait or per_page <= 4 else 3
        grid = self.ids.grid
        grid.clear_widgets()
        grid.cols, grid.rows = cols, math.ceil(per_page / cols)
        for tile in self.tiles[:per_page]:
            grid.add_widget(tile)
        self.show_views(self.views)  # the pages change with the tiles a page

    def prepare(self, page: int = 0, **kwargs) -> None:
        self.page = page
        self.render()
        self.app.refresh_overview()

    def on_enter(self, *args) -> None:
        if self._refresh_ev is None:
            self._refresh_ev = Clock.schedule_interval(lambda dt: self.app.refresh_overview(), REFRESH_S)

    def on_leave(self, *args) -> None:
        if self._refresh_ev is not None:
            self._refresh_ev.cancel()
            self._refresh_ev = None

    def show_views(self, views: list[ServiceView]) -> None:
        self.views = list(views)
        self.pages = max(1, math.ceil(len(self.views) / self.per_page))
        self.page = min(self.page, self.pages - 1)
        self.render()

    def render(self) -> None:
        lang = self.app.lang
        start = self.page * self.per_page
        for i, tile in enumerate(self.tiles):
            index = start + i
            if i < self.per_page and index < len(self.views):
                view = self.views[index]
                tile.code = view.service.code
                tile.title = view.service.display_name(lang)
                tile.examples = view.service.example_text(lang)
                tile.pictogram = pictogram_path(view.service.pictogram)
                tile.detail = tile_detail(self.app, view)
                tile.available = view.state.is_open
                tile.used = True
            else:
                tile.code, tile.title, tile.examples, tile.detail, tile.used = "", "", "", "", False
                tile.pictogram = ""

    def prompt(self) -> str:
        tr = self.app.tr
        text = tr("Please choose the area of your paperwork. Touch a tile to choose it.")
        if self.pages > 1:
            text += " " + tr("Page {page} of {pages}.").format(page=self.page + 1, pages=self.pages)
        if not self.app.online:
            text += " " + tr(OFFLINE_PROMPT)
        return text

    def tile_words(self, tile: ServiceTile) -> str:
        """What voice mode reads for a tile: its name, its examples, and the waiting count or why it is closed."""
        return ". ".join(part.rstrip(".") for part in (tile.title, tile.examples, tile.detail) if part) + "."

    def view_for(self, code: str) -> ServiceView | None:
        return next((v for v in self.views if v.service.code == code), None)

    def tile_for(self, code: str) -> ServiceTile | None:
        """The tile showing a service (scenarios tap it); None when not on this page."""
        return next((t for t in self.tiles if t.used and t.code == code), None)

    def _on_tile(self, tile: ServiceTile) -> None:
        view = self.view_for(tile.code)
        if view is None:
            return
        if view.state.is_open:
            self.app.voiced(tile, lambda: self.app.go("priority", view=view), self.tile_words(tile))
        else:
            self.app.voiced(tile, lambda: self.app.show_closed(view), self.tile_words(tile))

    def next_page(self) -> None:
        if self.page < self.pages - 1:
            self.page += 1
            self.render()

    def previous_page(self) -> None:
        if self.page > 0:
            self.page -= 1
            self.render()


load_kv(__file__)
