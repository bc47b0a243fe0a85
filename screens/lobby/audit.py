"""The lobby's accessibility audit over a live widget tree (run by the headless scenarios after
each screenshot; tests/test_ui_lobby.py and tests/test_ui_dossier.py assert it is clean).

Checks, on what a citizen sees now (the current screen, the access keys, the "more time?"
question when it is shown):
- citizen text at least 42 px at 1080x1920 (scaled to the window's height);
- touch targets at least 15 mm on the configured screen (`device.screen_diagonal_in`);
- text/background contrast at least 4.5:1 (WCAG AA), from the widgets' own colours;
- the screen has a spoken prompt (KioskScreen.prompt());
- no text over another, outside its box, the window or its scroll view, no line silently
  dropped, every key inside the window (screens/lobby/layout_check.py).
"""
from __future__ import annotations

import math
from typing import Any, Iterator

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from screens import theme
from screens.lobby.layout_check import layout_problems

MIN_TEXT_PX = 42.0       # at a 1920 px tall portrait window
MIN_TARGET_MM = 15.0
MIN_CONTRAST = 4.5
# Not citizen text: the technicians' status line, a drawing of a receipt, a code shrunk to one line.
EXEMPT_CLASSES = ("StatusBar", "RoleStatusBar", "ReceiptPicture")
EXEMPT_IDS = ("code_value",)


def screen_height_mm(diagonal_in: float, portrait: bool = True) -> float:
    """The height of a 16:9 screen of this diagonal (the long side in portrait)."""
    long_side, short_side = 16.0, 9.0
    side = long_side if portrait else short_side
    return diagonal_in * 25.4 * side / math.hypot(long_side, short_side)


def luminance(rgba: Any) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(c)) for c in list(rgba)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: Any, bg: Any) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def ancestors(widget: Any) -> Iterator[Any]:
    """The widget and its parents up to the window (whose parent is itself)."""
    seen: set[int] = set()
    w = widget
    while w is not None and id(w) not in seen:
        seen.add(id(w))
        yield w
        w = w.parent


def background_of(widget: Any) -> tuple:
    """The colour behind a widget's text: its own box, or the nearest ancestor that draws one."""
    for w in ancestors(widget):
        name = type(w).__name__
        if name == "BigButton":
            role = w.role
            return {"primary": theme.PRIMARY, "accent": theme.ACCENT, "secondary": theme.SECONDARY,
                    "ok": theme.OK}[role]
        if name == "LangButton":
            return theme.PRIMARY if w.state == "down" else theme.SURFACE
        if name == "ServiceTile":
            return theme.PRIMARY if w.available else theme.CLOSED
        if name == "AccessKey":
            return theme.PRIMARY if w.active else theme.SECONDARY
        if name == "BoxLabel":
            return tuple(w.box_color)
        if name == "MoreTimeView" and w is not widget:
            return theme.SURFACE
        if widget_id(w) == "cta":  # the attract screen's red call to action
            return theme.ACCENT
    return theme.BG


def _visible(widget: Any, stop: Any) -> Iterator[Any]:
    """Every widget drawn with some opacity and some size under `stop`."""
    stack = [(stop, 1.0)]
    while stack:
        w, alpha = stack.pop()
        alpha *= float(getattr(w, "opacity", 1.0))
        if alpha <= 0.01 or w.width <= 1 or w.height <= 1:
            continue
        if type(w).__name__ in EXEMPT_CLASSES:
            continue
        yield w
        stack.extend((c, alpha) for c in w.children)


def widget_id(widget: Any) -> str:
    proxy = getattr(widget, "proxy_ref", widget)  # kv ids hold weak proxies
    for parent in ancestors(widget.parent):
        for key, value in getattr(parent, "ids", {}).items():
            if value is proxy or value is widget:
                return str(key)
    return ""


def audit(app: Any) -> dict[str, Any]:
    """What is wrong on the lobby's window now: {"screen", "prompt", "problems": [...]}."""
    from kivy.core.window import Window

    screen = app.sm.current_screen
    px_per_mm = Window.height / screen_height_mm(app.kiosk_config.device.screen_diagonal_in, app.portrait)
    min_text = MIN_TEXT_PX * Window.height / 1920.0 if app.portrait else MIN_TEXT_PX * Window.height / 1080.0
    roots = [screen, app.root.ids.access]
    if app.more_time is not None and app.more_time.shown:
        roots = [app.more_time]  # it covers the rest
    problems: list[str] = []
    for root in roots:
        for w in _visible(root, root):
            wid = widget_id(w)
            if isinstance(w, Label) and w.text.strip() and wid not in EXEMPT_IDS:
                what = f"{type(w).__name__} {wid or w.text[:30]!r}"
                if w.font_size + 0.01 < min_text:
                    problems.append(f"text {w.font_size:.0f} px < {min_text:.0f} px: {what}")
                fg = w.disabled_color if w.disabled else w.color
                ratio = contrast(fg, background_of(w))
                if ratio < MIN_CONTRAST and not w.disabled:
                    problems.append(f"contrast {ratio:.1f}:1 < {MIN_CONTRAST}:1: {what}")
            if isinstance(w, ButtonBehavior) and not w.disabled:
                size_mm = min(w.width, w.height) / px_per_mm
                if size_mm < MIN_TARGET_MM:
                    label = getattr(w, "text", "") or wid
                    problems.append(f"target {size_mm:.1f} mm < {MIN_TARGET_MM:.0f} mm: {type(w).__name__} {label[:30]!r}")
    problems.extend(f"layout: {p}" for p in layout_problems(roots, tuple(Window.size), EXEMPT_CLASSES))
    prompt = screen.prompt() if hasattr(screen, "prompt") else ""
    if not prompt:
        problems.append(f"no spoken prompt on {screen.name}")
    return {"screen": screen.name, "prompt": prompt, "problems": sorted(set(problems))}
