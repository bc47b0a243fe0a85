"""Overlap and cut-off check over a live widget tree (issue 15: with the access bar and 42 px
text, a screen can draw one text over another or past the window's edge without any error).

What is checked, on every visible label with text and every visible button:
- the text's drawn box (Kivy draws the texture centred on the widget, even when it is larger)
  stays inside its widget: a larger texture is text spilling out of its box; a label of fixed
  text height lays out all its lines in it (Kivy drops the others silently);
- it stays inside the window and, under a ScrollView, inside the scroll view's width (the
  height scrolls, the width does not);
- no two drawn boxes overlap (under a ScrollView, only the part the scroll view shows counts);
- buttons (the keys a citizen must reach) lie inside the window and do not overlap each other.
"""
from __future__ import annotations

from typing import Any, Iterator

from kivy.core.text import Label as CoreLabel
from kivy.core.text.markup import MarkupLabel
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in window coordinates

TOLERANCE_PX = 2.0  # rounding of texture positions


def window_box(widget: Any) -> Box:
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def text_box(label: Label) -> Box:
    """Where the label's texture is drawn: centred on the widget, as Label's canvas does."""
    x0, y0, x1, y1 = window_box(label)
    tw, th = label.texture_size
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2)


def clipped(label: Label) -> bool:
    """A label with a fixed text height (text_size = size) drops the lines that do not fit,
    silently: lay its text out again with a free height and compare; a shortened one ("...")
    is cut too."""
    if getattr(label, "shorten", False) and getattr(label._label, "is_shortened", False):
        return True
    width, height = label.text_size
    if height is None or width is None:
        return False
    core = (MarkupLabel if label.markup else CoreLabel)(**{**label._label.options, "text_size": (width, None)})
    core.text = label.text
    core.refresh()
    return bool(core.content_height > height + TOLERANCE_PX)


def _intersection(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[2] - box[0] > TOLERANCE_PX and box[3] - box[1] > TOLERANCE_PX else None


def _inside(inner: Box, outer: Box, *, vertical: bool = True) -> bool:
    t = TOLERANCE_PX
    ok_x = inner[0] >= outer[0] - t and inner[2] <= outer[2] + t
    ok_y = inner[1] >= outer[1] - t and inner[3] <= outer[3] + t
    return ok_x and (ok_y or not vertical)


def _visible(root: Any, exempt: tuple[str, ...]) -> Iterator[tuple[Any, ScrollView | None]]:
    """Every widget drawn with some opacity, with the nearest scroll view above it. A layout
    squeezed to no height still draws its children (that is how texts end up on each other)."""
    stack: list[tuple[Any, float, ScrollView | None]] = [(root, 1.0, None)]
    while stack:
        w, alpha, scroll = stack.pop()
        alpha *= float(getattr(w, "opacity", 1.0))
        if alpha <= 0.01 or type(w).__name__ in exempt:
            continue
        yield w, scroll
        inner = w if isinstance(w, ScrollView) else scroll
        stack.extend((c, alpha, inner) for c in w.children)


def _name(widget: Any) -> str:
    text = " ".join(str(getattr(widget, "text", "")).split())[:40]
    return f"{type(widget).__name__} {text!r}"


def layout_problems(roots: list[Any], window_size: tuple[float, float],
                    exempt: tuple[str, ...] = ()) -> list[str]:
    """What overlaps or is cut off under these roots now (an empty list: nothing)."""
    window: Box = (0.0, 0.0, float(window_size[0]), float(window_size[1]))
    problems: list[str] = []
    drawn: list[tuple[Any, Box]] = []   # (widget, the box a citizen sees)
    keys: list[tuple[Any, Box]] = []
    for root in roots:
        for w, scroll in _visible(root, exempt):
            if isinstance(w, Label) and w.text.strip():
                box, own = text_box(w), window_box(w)
                if not _inside(box, own):
                    problems.append(f"text larger than its box ({w.texture_size[0]:.0f}x{w.texture_size[1]:.0f}"
                                    f" > {w.width:.0f}x{w.height:.0f}): {_name(w)}")
                elif clipped(w):
                    problems.append(f"text cut off at its box ({w.width:.0f}x{w.height:.0f}): {_name(w)}")
                if scroll is not None:
                    view = window_box(scroll)
                    content = window_box(scroll.children[0]) if scroll.children else view
                    # across, the scroll view's width; down, its content (reached by scrolling)
                    if not _inside(box, view, vertical=not scroll.do_scroll_y) or not _inside(box, content):
                        problems.append(f"text leaves its scroll view: {_name(w)}")
                    box = _intersection(box, view) or (0, 0, 0, 0)  # the part shown, if any
                if not _inside(box, window):
                    problems.append(f"text leaves the window: {_name(w)}")
                if box[2] > box[0]:
                    drawn.append((w, box))
            if isinstance(w, ButtonBehavior):
                box = window_box(w)
                if scroll is None and not _inside(box, window):
                    problems.append(f"key outside the window: {_name(w)}")
                keys.append((w, box))
    for group in (drawn, keys):
        for i, (a, box_a) in enumerate(group):
            for b, box_b in group[i + 1:]:
                if _related(a, b):
                    continue
                if _intersection(box_a, box_b) is not None:
                    problems.append(f"overlap: {_name(a)} and {_name(b)}")
    return sorted(set(problems))


def _related(a: Any, b: Any) -> bool:
    """A label inside a key (its text) or a key inside a key: drawn on purpose on top."""
    return _is_ancestor(a, b) or _is_ancestor(b, a)


def _is_ancestor(up: Any, w: Any) -> bool:
    seen = 0
    while w is not None and seen < 100:
        if w is up:
            return True
        parent = w.parent
        if parent is w:
            return False
        w, seen = parent, seen + 1
    return False


def scroll_views(roots: list[Any]) -> list[dict[str, Any]]:
    """The visible scroll views: their size and whether their content is taller (scrolls)."""
    out = []
    for root in roots:
        for w, _ in _visible(root, ()):
            if isinstance(w, ScrollView) and w.children:
                content = w.children[0]
                out.append({"height": round(w.height, 1), "width": round(w.width, 1),
                            "content_height": round(content.height, 1), "scrolls": content.height > w.height + 1})
    return out
