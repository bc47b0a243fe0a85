"""Speech synthesis through the espeak-ng program.

The program runs as a subprocess with a timeout, so a stuck synthesis or playback can be
killed (pyttsx3's runAndWait can hang the calling thread for good). Nothing here is
thread-safe beyond cancel(): the SpeechWorker calls it from its one thread.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import wave
from pathlib import Path
from typing import Protocol, Sequence


class SpeechError(RuntimeError):
    """Base class: speech could not be produced."""


class EngineUnavailableError(SpeechError):
    """The synthesis program is missing or does not run."""


class UnknownVoiceError(SpeechError):
    """A configured voice is not installed (espeak-ng would silently use another)."""


class SynthesisError(SpeechError):
    """The synthesis program ran but did not produce a WAV (or timed out)."""


class AudioOutputError(SpeechError):
    """Playback failed: no audio device, player missing, or player timed out."""


class SpeechEngine(Protocol):
    """What SpeechWorker needs from an engine."""

    def check(self) -> None:
        """Raise EngineUnavailableError / UnknownVoiceError if the engine cannot speak."""

    def synthesize(self, text: str, wav_path: Path, language: str = "vi") -> Path: ...

    def play(self, text: str, language: str = "vi") -> None: ...

    def audio_available(self) -> bool: ...

    def cancel(self) -> None:
        """Kill a running synthesis/playback (called from another thread at shutdown)."""


def primary_language(language: str) -> str:
    """'vi-VN' / 'en_US' -> 'vi' / 'en'."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def voice_for_language(voices: dict[str, str], language: str) -> str:
    """The configured voice of `language` ('vi-VN' finds 'vi'), for every engine."""
    try:
        return voices[primary_language(language)]
    except KeyError:
        raise ValueError(f"no voice configured for language {language!r}") from None


def parse_espeak_voices(listing: str) -> set[str]:
    """All names `espeak-ng -v` accepts, lower-cased, from the `espeak-ng --voices` table.

    Columns: Pty, Language, Age/Gender, VoiceName, File, then "(lang prio)" pairs for
    other languages the voice speaks, e.g. "(en 2)" is how plain "en" is found.
    """
    names: set[str] = set()
    for line in listing.splitlines()[1:]:  # first line is the header
        fields = line.split()
        if len(fields) < 5:
            continue
        language, voice_name, file = fields[1], fields[3], fields[4]
        names.update({language, voice_name, file, file.rsplit("/", 1)[-1]})
        for token in fields[5:]:
            token = token.strip("()")
            if token and not token.isdigit():
                names.add(token)
    return {name.lower() for name in names}


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a child and, on POSIX, its process group (a player it started dies with it)."""
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            pass
    proc.kill()


class KillableChild:
    """Runs one child process at a time with a timeout; cancel() kills it from another thread
    and refuses all later work (used at shutdown). A hung child is killed, never waited for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Kill the running child; the engine refuses all later work (used at shutdown)."""
        with self._lock:
            self._cancelled = True
            if self._current is not None and self._current.poll() is None:
                _kill(self._current)

    def _run(self, argv: list[str], *, timeout: float, error: type[SpeechError],
             stdin: bytes | None = None) -> bytes:
        """Run argv, return stdout; on failure, timeout or cancel raise `error`."""
        with self._lock:
            if self._cancelled:
                raise error("speech engine was cancelled")
            try:
                # Its own process group: a child that started a player is killed with it.
                proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=os.name == "posix")
            except OSError as exc:
                raise error(f"cannot run {argv[0]}: {exc}") from exc
            self._current = proc
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            proc.communicate()
            raise error(f"{argv[0]} timed out after {timeout:.1f} s") from None
        finally:
            with self._lock:
                self._current = None
        if proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise error(f"{argv[0]} exited with {proc.returncode}: {lines[-1] if lines else ''}")
        return out


class EspeakEngine(KillableChild):
    """espeak-ng via subprocess. Constructing it does no I/O; check() validates."""

    def __init__(
        self,
        voice: str = "vi-vn-x-south",
        rate: int = 150,
        executable: str = "espeak-ng",
        *,
        english_voice: str = "en",
        player: Sequence[str] = ("aplay", "-q"),
        timeout_s: float = 15.0,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive words per minute, got {rate}")
        self.voices = {"vi": voice, "en": english_voice}
        # espeak-ng speaks 80..450 wpm; clamp so a config value outside that (the kiosk
        # config allows 60) still starts speech instead of failing at construction.
        self.rate = min(max(rate, 80), 450)
        self.executable = executable
        self.player = tuple(player)
        self.timeout_s = timeout_s
        self._checked = False
        super().__init__()

    # -- validation --------------------------------------------------------------------

    def check(self) -> None:
        if shutil.which(self.executable) is None:
            raise EngineUnavailableError(f"espeak-ng executable not found: {self.executable!r}")
        listing = self._run([self.executable, "--voices"], timeout=self.timeout_s,
                            error=EngineUnavailableError)
        known = parse_espeak_voices(listing.decode("utf-8", "replace"))
        for language, voice in self.voices.items():
            base = voice.split("+", 1)[0].lower()  # "vi+f3": a variant of voice "vi"
            if base not in known:
                similar = sorted(name for name in known if name.startswith(language))
                raise UnknownVoiceError(
                    f"espeak-ng voice {voice!r} for {language!r} is not installed; "
                    f"installed {language} voices: {', '.join(similar) or 'none'}")
        self._checked = True

    def voice_for(self, language: str) -> str:
        return voice_for_language(self.voices, language)

    # -- synthesis and playback ---------------------------------------------------------

    def synthesize(self, text: str, wav_path: Path, language: str = "vi") -> Path:
        """Write `text` spoken in `language` to `wav_path` (16-bit mono WAV)."""
        if not self._checked:
            self.check()
        voice = self.voice_for(language)
        wav_path = Path(wav_path)
        # Text goes through stdin: as an argument, text starting with "-" would be an option.
        argv = [self.executable, "-v", voice, "-s", str(self.rate), "-w", str(wav_path), "--stdin"]
        self._run(argv, stdin=text.encode("utf-8"), timeout=self.timeout_s, error=SynthesisError)
        if not wav_path.is_file() or wav_path.stat().st_size <= 44:  # 44 = bare WAV header
            raise SynthesisError(f"espeak-ng wrote no audio to {wav_path}")
        return wav_path

    def play(self, text: str, language: str = "vi") -> None:
        with tempfile.TemporaryDirectory(prefix="kiosk-speech-") as tmp:
            wav = self.synthesize(text, Path(tmp) / "utterance.wav", language)
            self.play_wav(wav)

    def play_wav(self, wav_path: Path) -> None:
        if not self.player or shutil.which(self.player[0]) is None:
            raise AudioOutputError(f"audio player not found: {self.player[:1]}")
        # Playback takes as long as the audio; allow that plus a margin, then kill.
        timeout = wav_duration(wav_path) + 5.0
        self._run([*self.player, str(wav_path)], timeout=timeout, error=AudioOutputError)

    def audio_available(self) -> bool:
        """Play 50 ms of silence: the only reliable test that an output device works."""
        with tempfile.TemporaryDirectory(prefix="kiosk-speech-probe-") as tmp:
            probe = Path(tmp) / "silence.wav"
            with wave.open(str(probe), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(22050)
                wav.writeframes(b"\x00\x00" * 1102)
            try:
                self.play_wav(probe)
            except AudioOutputError:
                return False
        return True
