"""Widgets shared by the screens of every role (layout and colours in widgets.kv)."""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.togglebutton import ToggleButton


class BigButton(Button):
    """A large, rounded touch target whose text wraps inside it.
    role: primary (blue), accent (red call to action), secondary (white, outlined)."""
    role = OptionProperty("primary", options=("primary", "accent", "secondary", "ok"))
    radius = NumericProperty(18)


class LangButton(ToggleButton):
    """One choice of the language switch (shows the language's own name)."""
    code = StringProperty("vi")


class WrapLabel(Label):
    """A label that wraps at its width and grows to fit its text."""


class BoxLabel(Label):
    """A label on a rounded coloured box (print status, notices); grows to fit its text."""
    box_color = ColorProperty((1, 1, 1, 1))


class ServiceTile(ButtonBehavior, BoxLayout):
    """A service area: its name, and how many people wait or why it is closed.
    A closed tile stays visible and tappable (it then explains why), only greyed."""
    code = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    examples = StringProperty("")   # example procedures, e.g. "Khai sinh, kết hôn, chứng thực"
    pictogram = StringProperty("")  # a PNG path (screens/lobby/pictograms) or ""
    available = BooleanProperty(True)
    used = BooleanProperty(True)  # False: an empty slot on the last page


class BusyOverlay(AnchorLayout):
    """Covers a screen while it waits for the worker: dims it and swallows every touch, so
    nothing under it can be tapped twice. Its text is rendered once, in advance: disabling
    each button instead would re-render all their text textures on the very frame of the tap
    (about 20 ms each on a software-rendered kiosk)."""
    active = BooleanProperty(False)
    text = StringProperty("")

    def on_touch_down(self, touch):
        return self.active or super().on_touch_down(touch)

    def on_touch_move(self, touch):
        return self.active or super().on_touch_move(touch)

    def on_touch_up(self, touch):
        return self.active or super().on_touch_up(touch)


class StatusBar(BoxLayout):
    """The lobby's thin bar: connection and printer state, for staff walking past."""


class RoleStatusBar(BoxLayout):
    """The counter's and hall display's thin bar: device id, device health, connection."""


Builder.load_file(str(Path(__file__).with_name("widgets.kv")))
