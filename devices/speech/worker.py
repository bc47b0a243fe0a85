"""SpeechWorker: the kiosk.ports.Speaker the app uses.

One daemon thread owns the engine and works through a small bounded queue, so say() never
waits for synthesis or playback. Problems (no espeak-ng, unknown voice, no sound card)
become HealthReports for device "speech"; they never raise into the caller.
"""
from __future__ import annotations

import collections
import logging
import re
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

from devices.speech.engine import (
    AudioOutputError,
    EngineUnavailableError,
    SpeechEngine,
    SpeechError,
    UnknownVoiceError,
)
from kiosk.health import HealthReporter
from kiosk.ports import HealthSink, HealthState

log = logging.getLogger(__name__)

MODES = ("auto", "play", "file", "null")
DEVICE = "speech"
NO_AUDIO_DETAIL = "no audio output; speech written to files"


def slugify(text: str, max_len: int = 32) -> str:
    """ASCII file-name slug: "Mời số A023" -> "moi-so-a023"."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_len:  # cut at a word boundary so names stay readable
        cut = slug[:max_len + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else slug[:max_len]
    return slug or "utterance"


class SpeechWorker:
    """Speaker backed by one thread. mode: auto | play | file | null (see docs/speech.md)."""

    def __init__(
        self,
        engine: SpeechEngine,
        *,
        mode: str = "auto",
        wav_dir: Path | str | None = None,
        on_health: HealthSink | None = None,
        max_queue: int = 20,
        keep_wavs: int = 200,
        reprobe_interval_s: float = 60.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self.engine = engine
        self.mode = mode
        self.wav_dir = Path(wav_dir) if wav_dir is not None else None
        self._report = HealthReporter(DEVICE, on_health, repeats="drop", max_detail=None, logger=log)
        self._keep_wavs = keep_wavs
        self._reprobe_interval_s = reprobe_interval_s
        # deque(maxlen) drops the oldest entry by itself when a new one is appended.
        self._queue: collections.deque[tuple[str, str]] = collections.deque(maxlen=max_queue)
        self._cond = threading.Condition()
        self._busy = False
        self._closing = False
        self.dropped = 0           # utterances lost because the queue was full
        self.spoken = 0            # utterances played or written
        self.last_wav: Path | None = None
        self._written: collections.deque[Path] = collections.deque()
        self._seq = 0
        self._usable = True        # False after a fatal engine error: discard, don't retry
        self._playing = False      # auto/play: currently sending audio to the device
        self._last_probe = 0.0
        self._thread = threading.Thread(target=self._run, name="speech-worker", daemon=True)
        self._thread.start()

    # -- Speaker API (called from the UI thread) -----------------------------------------

    def say(self, text: str, language: str = "vi") -> None:
        """Queue text; returns at once. A full queue forgets its oldest utterance."""
        text = " ".join(str(text).split())
        if not text:
            return
        with self._cond:
            if self._closing:
                return
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
            self._queue.append((text, language))
            self._cond.notify()

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is spoken/written. False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._thread.is_alive():
                    return False
                self._cond.wait(remaining)
        return True

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread; queued utterances are discarded, a running one is killed."""
        with self._cond:
            self._closing = True
            self._queue.clear()
            self._cond.notify_all()
        self.engine.cancel()
        self._thread.join(timeout)

    # -- worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        self._start()
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                text, language = self._queue.popleft()
                self._busy = True
            try:
                self._speak(text, language)
            except Exception:  # the worker thread must survive any engine bug
                log.exception("speech: unexpected error")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _start(self) -> None:
        """Validate the engine and pick the output, once, in the worker thread."""
        if self.mode == "null":
            self._report(HealthState.OK, "speech disabled (null mode)")
            return
        try:
            self.engine.check()
        except (EngineUnavailableError, UnknownVoiceError) as exc:
            self._fatal(str(exc))
            return
        if self.mode == "file":
            self._report(HealthState.OK, "file mode: speech written to files")
        elif self.mode == "play":
            self._playing = True
            self._report(HealthState.OK, "")
        else:
            self._probe_audio()

    def _probe_audio(self) -> None:
        self._last_probe = time.monotonic()
        self._playing = self.engine.audio_available()
        if self._playing:
            self._report(HealthState.OK, "")
        else:
            self._report(HealthState.DEGRADED, NO_AUDIO_DETAIL)

    def _speak(self, text: str, language: str) -> None:
        if self.mode == "null" or not self._usable:
            return
        if (self.mode == "auto" and not self._playing
                and time.monotonic() - self._last_probe >= self._reprobe_interval_s):
            self._probe_audio()  # a speaker plugged in later brings speech back
        try:
            if self._playing:
                try:
                    self.engine.play(text, language)
                    self.spoken += 1
                    self._report(HealthState.OK, "")  # clears an earlier failure
                    return
                except AudioOutputError as exc:
                    if self.mode == "play":
                        self._report(HealthState.FAILED, f"audio output failed: {exc}")
                        return
                    self._playing = False
                    self._last_probe = time.monotonic()
                    self._report(HealthState.DEGRADED, NO_AUDIO_DETAIL)
            self._write(text, language)
            self.spoken += 1
            if self.mode == "file":
                self._report(HealthState.OK, "file mode: speech written to files")
            else:
                self._report(HealthState.DEGRADED, NO_AUDIO_DETAIL)
        except ValueError as exc:  # e.g. a language without a voice: this text only
            log.warning("speech: skipped utterance: %s", exc)
        except EngineUnavailableError as exc:
            self._fatal(str(exc))
        except SpeechError as exc:
            self._report(HealthState.DEGRADED, f"synthesis failed: {exc}")

    def _write(self, text: str, language: str) -> None:
        if self.wav_dir is None:
            self.wav_dir = Path(tempfile.mkdtemp(prefix="kiosk-speech-"))
        self.wav_dir.mkdir(parents=True, exist_ok=True)
        if self._seq == 0:  # continue after files from an earlier run; never overwrite them
            numbers = [int(p.name[:6]) for p in self.wav_dir.glob("[0-9][0-9][0-9][0-9][0-9][0-9]-*.wav")]
            self._seq = max(numbers, default=0)
        self._seq += 1
        path = self.wav_dir / f"{self._seq:06d}-{slugify(text)}.wav"
        self.engine.synthesize(text, path, language)
        self.last_wav = path
        self._written.append(path)
        while len(self._written) > self._keep_wavs:  # a kiosk runs for months: bound the disk
            self._written.popleft().unlink(missing_ok=True)

    def _fatal(self, detail: str) -> None:
        self._usable = False
        self._report(HealthState.FAILED, detail)
