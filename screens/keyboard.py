"""An on-screen keyboard for typing a dossier code: digits, letters, '.', '-', delete, clear;
and NumberPad, its digits-only form for a phone number.

Big keys in alphabetical order (most citizens at the kiosk do not type on QWERTY keyboards),
digits on top because codes are mostly digits. Keys are built once; `text` holds what was typed
(upper case, at most `max_length` characters). Layout in keyboard.kv.
"""
from __future__ import annotations

from typing import Any, Callable

from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from screens.base import load_kv
from screens.widgets import BigButton

ROWS = ("1234567890", "ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ.-")
MAX_LENGTH = 40  # the longest known code format is 25 characters


class KeyButton(BigButton):
    """One key. `value` is what it types ("" for command keys)."""
    value = StringProperty("")
    glyph_scale = NumericProperty(1.0)  # '.' and '-' are drawn larger: tiny glyphs on big keys


class CodeKeyboard(BoxLayout):
    rows_spec: tuple[str, ...] = ROWS   # subclasses give other key rows (row_keys a row at most; " ": a gap)
    row_keys = 10                       # keys a row is laid out for (shorter rows end with gaps)
    upper = True                        # dossier codes are typed in capitals
    text = StringProperty("")
    max_length = NumericProperty(MAX_LENGTH)
    key_height = NumericProperty(110)     # in layout units (app.u)
    # gate(key, action): how a touched key acts; None: at once. The lobby gives its voice mode
    # (a first touch reads the key aloud, a second one types it).
    gate = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        self.keys: dict[str, KeyButton] = {}
        super().__init__(**kwargs)

    def on_kv_post(self, base_widget) -> None:
        # The keys are built once its rule has run (ids exist), also when it is made from a .kv.
        if self.keys:
            return
        rows = self.ids.rows
        for chars in self.rows_spec:  # a vertical BoxLayout shows its first-added child at the top
            row = KeyRow(key_height=self.key_height)
            for ch in chars:
                if ch == " ":
                    row.add_widget(KeySpacer())
                    continue
                key = KeyButton(text=ch, value=ch, glyph_scale=1.5 if ch in ".-" else 1.0)
                key.bind(on_release=self._on_key)
                row.add_widget(key)
                self.keys[ch] = key
            for _ in range(self.row_keys - len(chars)):
                row.add_widget(KeySpacer())
            rows.add_widget(row)
        self.bind(key_height=self._on_key_height)

    def _on_key_height(self, *args) -> None:
        for row in self.ids.rows.children:
            row.key_height = self.key_height

    def _on_key(self, key: KeyButton) -> None:
        self.press(key, lambda: self.type(key.value))

    def press(self, key: Any, action: Callable[[], None]) -> None:
        """A key touched (the character keys and delete / clear all)."""
        if self.gate is None:
            action()
        else:
            self.gate(key, action)

    def type(self, chars: str) -> None:
        room = int(self.max_length) - len(self.text)
        if room > 0:
            self.text += (chars.upper() if self.upper else chars)[:room]

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""


class NumberPad(CodeKeyboard):
    """Digits only, as on a telephone (the lobby's phone number screen)."""
    rows_spec = ("123", "456", "789", " 0 ")
    row_keys = 3
    max_length = NumericProperty(12)


class KeyRow(BoxLayout):
    key_height = NumericProperty(110)


class KeySpacer(BoxLayout):
    pass


load_kv(__file__)
