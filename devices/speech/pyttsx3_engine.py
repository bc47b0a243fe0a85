"""Speech through pyttsx3 (`speech.engine = "pyttsx3"`), for kiosks whose voices are the
platform's own (Windows SAPI5: "Microsoft An" speaks Vietnamese).

pyttsx3's `runAndWait` can hang for good, so it never runs in the kiosk's process: every
request is a child process (devices/speech/pyttsx3_child.py) with a timeout, killed with
its process group when it hangs. The SpeechWorker uses this engine like EspeakEngine.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import wave
from pathlib import Path
from typing import Sequence

from devices.speech.engine import (
    AudioOutputError,
    EngineUnavailableError,
    KillableChild,
    SynthesisError,
    UnknownVoiceError,
    voice_for_language,
    wav_duration,
)

CHILD = "devices.speech.pyttsx3_child"


def match_voice(wanted: str, voices: list[dict]) -> str | None:
    """The id of the installed voice a config names: by id, the id's last part, a language or
    the name ("vi-vn-x-south", "aav/vi", "Microsoft An"), else a voice of that language family."""
    key = wanted.lower()
    for voice in voices:
        names = {voice["id"].lower(), voice["id"].lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1],
                 voice["name"].lower(), *(lang.lower() for lang in voice["languages"])}
        if key in names:
            return str(voice["id"])
    for voice in voices:  # "vi" also takes "vi-VN"; a SAPI name that contains the word
        if any(lang.lower().startswith(key + "-") or lang.lower().startswith(key + "_") for lang in voice["languages"]) \
                or key in voice["name"].lower():
            return str(voice["id"])
    return None


class Pyttsx3Engine(KillableChild):
    """pyttsx3 in a killable child process. Constructing it does no I/O; check() validates."""

    def __init__(self, voice: str = "vi-vn-x-south", rate: int = 150, *, english_voice: str = "en",
                 python: str = sys.executable, player: Sequence[str] = ("aplay", "-q"),
                 timeout_s: float = 15.0, start_timeout_s: float = 20.0) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive words per minute, got {rate}")
        super().__init__()
        self.wanted = {"vi": voice, "en": english_voice}
        self.voices: dict[str, str] = {}  # language -> the installed voice's id, after check()
        self.rate = rate
        self.python = python
        self.player = tuple(player)
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s  # the first start may load a driver (SAPI5 takes seconds)
        self._checked = False

    def _child(self, *args: str) -> list[str]:
        return [self.python, "-m", CHILD, *args]

    def check(self) -> None:
        try:
            listing = self._run(self._child("voices"), timeout=self.start_timeout_s, error=EngineUnavailableError)
            voices = json.loads(listing.decode("utf-8", "replace"))
        except ValueError as exc:
            raise EngineUnavailableError(f"pyttsx3 listed no voices: {exc}") from exc
        for language, wanted in self.wanted.items():
            found = match_voice(wanted, voices)
            if found is None:
                similar = sorted({v["name"] for v in voices if any(lang.lower().startswith(language)
                                                                  for lang in v["languages"])})
                raise UnknownVoiceError(f"pyttsx3 voice {wanted!r} for {language!r} is not installed; "
                                        f"installed {language} voices: {', '.join(similar) or 'none'}")
            self.voices[language] = found
        self._checked = True

    def voice_for(self, language: str) -> str:
        return voice_for_language(self.voices, language)

    def synthesize(self, text: str, wav_path: Path, language: str = "vi") -> Path:
        if not self._checked:
            self.check()
        wav_path = Path(wav_path)
        self._run(self._child("save", str(wav_path), self.voice_for(language), str(self.rate)),
                  stdin=text.encode("utf-8"), timeout=self.timeout_s, error=SynthesisError)
        if not wav_path.is_file() or wav_path.stat().st_size <= 44:  # 44 = bare WAV header
            raise SynthesisError(f"pyttsx3 wrote no audio to {wav_path}")
        return wav_path

    def play(self, text: str, language: str = "vi") -> None:
        if self._has_player():  # a WAV and a player: the playback's length bounds its timeout
            with tempfile.TemporaryDirectory(prefix="kiosk-speech-") as tmp:
                wav = self.synthesize(text, Path(tmp) / "utterance.wav", language)
                self._run([*self.player, str(wav)], timeout=wav_duration(wav) + 5.0, error=AudioOutputError)
            return
        if not self._checked:
            self.check()
        # No player program (Windows): the driver speaks itself; a generous bound for long texts.
        self._run(self._child("say", self.voice_for(language), str(self.rate)), stdin=text.encode("utf-8"),
                  timeout=self.timeout_s + len(text) / 5, error=AudioOutputError)

    def _has_player(self) -> bool:
        return bool(self.player) and shutil.which(self.player[0]) is not None

    def audio_available(self) -> bool:
        if not self._has_player():
            return sys.platform == "win32"  # SAPI5 plays on the default device; nothing to probe
        with tempfile.TemporaryDirectory(prefix="kiosk-speech-probe-") as tmp:
            probe = Path(tmp) / "silence.wav"
            with wave.open(str(probe), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(22050)
                wav.writeframes(b"\x00\x00" * 1102)
            try:
                self._run([*self.player, str(probe)], timeout=5.0, error=AudioOutputError)
            except AudioOutputError:
                return False
        return True
