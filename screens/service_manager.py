"""Tells systemd the app is up, then pings its watchdog from the Kivy clock: the ping comes
from the UI loop itself, so a frozen screen stops the pings and systemd restarts the kiosk."""
from __future__ import annotations

from kivy.clock import Clock

from kiosk.systemd import notify, watchdog_interval_s


def announce_ready() -> None:
    notify("READY=1")
    interval = watchdog_interval_s()
    if interval:
        Clock.schedule_interval(lambda dt: notify("WATCHDOG=1"), interval)
