"""The hall announcement as a WAV file made by the central with espeak-ng (browsers of TVs play
it): "Mời công dân có số A 23 đến quầy số 3", cached per number and counter."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

NUMBER = re.compile(r"^([A-Z]{0,3})(\d{1,6})$")
VOICE, RATE = "vi-vn-x-south", 140  # Cà Mau is in the south (FIELD-NOTES, speech)
TIMEOUT_S = 15
TEXT = "Mời công dân có số {number} đến quầy số {counter}"


class AudioUnavailable(Exception):
    pass


def cache_dir() -> Path:
    configured = os.environ.get("KIOSK_CENTRAL_AUDIO_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk-central" / "audio"


def spoken_number(display_number: str) -> str | None:
    """"A023" -> "A 23" (espeak-ng reads the number as a number); None for anything else."""
    m = NUMBER.match(display_number.upper())
    if m is None:
        return None
    letters, digits = m.groups()
    return f"{' '.join(letters)} {int(digits)}".strip()


def announcement_text(display_number: str, counter: int) -> str | None:
    number = spoken_number(display_number)
    return TEXT.format(number=number, counter=counter) if number else None


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def announcement_wav(display_number: str, counter: int, directory: Path | None = None) -> Path:
    """The cached file (made once). Raises ValueError for a number that is not a ticket number and
    AudioUnavailable when espeak-ng is missing or fails."""
    text = announcement_text(display_number, counter)
    if text is None or not 1 <= counter <= 999:
        raise ValueError("not a ticket number and counter")
    directory = directory or cache_dir()
    path = directory / f"{display_number.upper()}-{counter}.wav"
    if path.exists():
        return path
    with _locks_guard:
        lock = _locks.setdefault(path.name, threading.Lock())
    with lock:
        if path.exists():
            return path
        program = shutil.which("espeak-ng")
        if program is None:
            raise AudioUnavailable("espeak-ng is not installed")
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".wav", dir=directory)
        os.close(fd)
        try:
            subprocess.run([program, "-v", VOICE, "-s", str(RATE), "-w", tmp, text], check=True,
                           timeout=TIMEOUT_S, capture_output=True)
            os.replace(tmp, path)  # never a half-written file served
        except (subprocess.SubprocessError, OSError) as exc:
            raise AudioUnavailable(f"espeak-ng failed: {exc}") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return path
