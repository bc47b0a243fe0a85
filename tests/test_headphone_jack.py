"""The headphone jack (devices/speech/jack.py): both readers on real files and programs, and the
watcher's thread that turns a plugged headphone into voice mode (issue 15)."""
from __future__ import annotations

import os
import queue
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from devices.speech.jack import AmixerJack, EvdevJack, JackWatcher, build_jack_reader, jack_event
from kiosk.contract.config import SpeechSettings

WAIT_S = 5.0

# What `amixer cget` prints for the control; the state comes from a file the test flips.
AMIXER_SCRIPT = """#!/bin/sh
echo "numid=18,iface=CARD,name='Headphone Jack'"
echo "  ; type=BOOLEAN,access=r-------,values=1"
echo "  : values=$(cat '{state}')"
"""


def watch(reader, interval_s: float = 0.02) -> tuple[JackWatcher, "queue.Queue[bool]"]:
    changes: queue.Queue[bool] = queue.Queue()
    return JackWatcher(reader, changes.put, interval_s=interval_s).start(), changes


def test_evdev_switch_events_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "event-jack"
    os.mkfifo(fifo)
    reader = EvdevJack(str(fifo))
    assert reader.read() is None  # opened (no ioctl state on a FIFO, no event yet): unknown
    writer = os.open(fifo, os.O_WRONLY)
    watcher, changes = watch(reader)
    try:
        plugged = jack_event(True)
        os.write(writer, plugged[:10])  # a record split across two writes
        os.write(writer, plugged[10:])
        assert changes.get(timeout=WAIT_S) is True
        other = bytearray(jack_event(False))
        other[18] = 0x06  # the code of another switch (SW_LINEOUT_INSERT): ignored
        os.write(writer, bytes(other))
        os.write(writer, jack_event(False))
        assert changes.get(timeout=WAIT_S) is False
        assert changes.empty() and watcher.state is False
    finally:
        watcher.close()
        os.close(writer)


def test_the_alsa_control_through_amixer(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.write_text("off")
    program = tmp_path / "amixer"
    program.write_text(AMIXER_SCRIPT.format(state=state))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    reader = AmixerJack(card="1", program=str(program))
    assert reader.command[1:] == ["-c", "1", "cget", "iface=CARD,name=Headphone Jack"]
    assert reader.read() is False
    watcher, changes = watch(reader)
    try:
        state.write_text("on")  # plugged in
        assert changes.get(timeout=WAIT_S) is True
        state.write_text("off")
        assert changes.get(timeout=WAIT_S) is False
    finally:
        watcher.close()


def test_a_kiosk_starting_with_the_headphone_plugged_in_says_so_once(tmp_path: Path) -> None:
    fifo = tmp_path / "event-jack"
    os.mkfifo(fifo)
    reader = EvdevJack(str(fifo))
    reader.read()
    writer = os.open(fifo, os.O_WRONLY)
    os.write(writer, jack_event(True))
    watcher, changes = watch(reader)
    try:
        assert changes.get(timeout=WAIT_S) is True
    finally:
        watcher.close()
        os.close(writer)


def test_no_amixer_no_card_or_no_device_is_unknown_and_never_a_change(tmp_path: Path) -> None:
    assert AmixerJack(program=str(tmp_path / "no-such-amixer")).read() is None
    failing = tmp_path / "amixer"
    failing.write_text("#!/bin/sh\necho 'amixer: Cannot find the given element' >&2\nexit 1\n")
    failing.chmod(0o755)
    assert AmixerJack(program=str(failing)).read() is None
    assert EvdevJack(str(tmp_path / "event99")).read() is None
    watcher, changes = watch(AmixerJack(program=str(failing)))
    try:
        with pytest.raises(queue.Empty):
            changes.get(timeout=0.3)  # a few polls: nothing to say
    finally:
        watcher.close()


def test_the_configuration() -> None:
    assert build_jack_reader("off", None, "Headphone Jack") is None
    assert isinstance(build_jack_reader("amixer", None, "Headphone Jack"), AmixerJack)
    assert isinstance(build_jack_reader("evdev", "/dev/input/event5", "Headphone Jack"), EvdevJack)
    assert SpeechSettings().headphone_jack == "off"
    with pytest.raises(ValidationError, match="jack_device"):
        SpeechSettings(headphone_jack="evdev")
