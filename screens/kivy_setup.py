"""Kivy settings that must be in place before any other Kivy module is imported.

`configure_kivy()` is the first thing the lobby runner calls: `kivy.config.Config.set` only
affects the window, the input providers and the frame rate if it runs before
`kivy.core.window` (and anything that pulls it in) is imported.
"""
from __future__ import annotations

import os
import sys

PORTRAIT = (1080, 1920)   # the usual lobby kiosk: a 21.5"-32" touch screen standing upright
LANDSCAPE = (1920, 1080)
DEMO_WINDOW = (540, 960)  # an interactive demo on a laptop: the portrait layout at half size

_configured: dict | None = None


def parse_size(text: str) -> tuple[int, int]:
    """"1080x1920" -> (1080, 1920)."""
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"expected a window size like 1080x1920, got {text!r}") from None
    if not (320 <= w <= 7680 and 320 <= h <= 7680):
        raise ValueError(f"window size {text!r} is out of range")
    return w, h


def configure_kivy(*, kiosk_mode: bool, size: tuple[int, int] = PORTRAIT, headless: bool = False) -> None:
    """Window, input and frame-rate settings. kiosk_mode: fullscreen, borderless, no cursor,
    no screensaver, Escape and the window's close button do not quit."""
    global _configured
    wanted = {"kiosk_mode": kiosk_mode, "size": tuple(size), "headless": headless}
    if _configured is not None:
        if _configured != wanted:
            raise RuntimeError(f"Kivy is already configured as {_configured}, not {wanted}")
        return
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our CLI owns argv
    if headless:
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    if "kivy.core.window" in sys.modules:
        raise RuntimeError("configure_kivy() must run before kivy.core.window is imported")
    from kivy.config import Config

    Config.set("graphics", "maxfps", "30")
    # One provider for the pointer: the touch screen shows up as a mouse on most kiosks, and a
    # second provider for the same device would deliver every tap twice.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0" if kiosk_mode else "1")
    Config.set("kivy", "pause_on_minimize", "0")
    if kiosk_mode:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "allow_screensaver", "0")
        Config.set("graphics", "resizable", "0")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
        Config.set("graphics", "show_cursor", "1")
        Config.set("graphics", "resizable", "1")
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    _configured = wanted
