"""In-memory Speaker for UI and flow tests that need no espeak-ng.

For a simulator that still produces real audio files, use SpeechWorker(mode="file");
for silence, SpeechWorker(mode="null"). See docs/speech.md.
"""
from __future__ import annotations

import threading


class RecordingSpeaker:
    """Implements kiosk.ports.Speaker by remembering (text, language) pairs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.utterances: list[tuple[str, str]] = []
        self.closed = False

    def say(self, text: str, language: str = "vi") -> None:
        with self._lock:
            self.utterances.append((text, language))

    def close(self) -> None:
        self.closed = True
