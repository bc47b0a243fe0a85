"""The lobby's access keys, on every screen, in the lower part of a portrait kiosk (within reach
from a wheelchair): "Nghe lại" repeats the last prompt, "🔊 Nghe đọc" turns voice mode on (a
first touch reads a key aloud, a second chooses it), "Cần hỗ trợ" calls a staff member, "Chữ
lớn" makes the citizen's text larger. Layout in access.kv."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from screens.base import load_kv

class AccessKey(ButtonBehavior, BoxLayout):
    """A key with a pictogram above its text (the pictogram is tinted with the text colour)."""
    text = StringProperty("")
    icon = StringProperty("")
    active = BooleanProperty(False)  # a switch that is on (voice mode, large text): filled


class AccessBar(BoxLayout):
    """The four access keys (ids: repeat, voice, help, large_text)."""


load_kv(__file__)
