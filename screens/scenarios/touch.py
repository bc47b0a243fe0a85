"""A finger on the window for the headless scenarios: a touch that goes through Kivy's event
loop like a real one. Kivy's own kivy.tests.common.UnitTestTouch needs pytest, which an
installed kiosk does not have. Import this module only once Kivy is configured (the launcher)."""
from __future__ import annotations

from typing import Any

from kivy.base import EventLoop
from kivy.input.motionevent import MotionEvent


class Finger(MotionEvent):
    def __init__(self, x: float, y: float) -> None:
        win = EventLoop.window
        super().__init__(type(self).__name__, 99, {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]  # x, y and pos are set

    def touch_down(self, *_args: Any) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def touch_move(self, x: float, y: float) -> None:
        win = EventLoop.window
        self.move({"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)})
        EventLoop.post_dispatch_input("update", self)

    def touch_up(self, *_args: Any) -> None:
        EventLoop.post_dispatch_input("end", self)

    def depack(self, args: dict[str, float]) -> None:
        self.sx, self.sy = args["x"], args["y"]  # ratios of the window, before the base class reads them
        super().depack(args)
