"""SpeechWorker: non-blocking say(), bounded queue, modes and health reports."""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from devices.speech.engine import AudioOutputError, EngineUnavailableError, EspeakEngine
from devices.speech.simulator import RecordingSpeaker
from devices.speech.worker import NO_AUDIO_DETAIL, SpeechWorker, slugify
from kiosk.ports import HealthReport, HealthState, Speaker
from tests.waiting import wait_until

EXAMPLE = "Mời công dân có số một nghìn không trăm hai mươi ba đến quầy số năm"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


class FakeEngine:
    """Records calls; synthesis can be held back with `gate` to keep the worker busy."""

    def __init__(self, *, audio: bool = False, play_error: Exception | None = None,
                 check_error: Exception | None = None) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()
        self.texts: list[str] = []
        self.audio = audio
        self.play_error = play_error
        self.check_error = check_error
        self.fail_next: Exception | None = None

    def check(self) -> None:
        if self.check_error:
            raise self.check_error

    def synthesize(self, text: str, wav_path: Path, language: str = "vi") -> Path:
        self.started.set()
        self.gate.wait(10)
        if self.fail_next:
            error, self.fail_next = self.fail_next, None
            raise error
        self.texts.append(text)
        Path(wav_path).write_bytes(b"RIFF" + b"\0" * 60)
        return Path(wav_path)

    def play(self, text: str, language: str = "vi") -> None:
        if self.play_error:
            raise self.play_error
        self.texts.append(text)

    def audio_available(self) -> bool:
        return self.audio

    def cancel(self) -> None:
        self.gate.set()


class Health:
    def __init__(self) -> None:
        self.reports: list[HealthReport] = []

    def __call__(self, report: HealthReport) -> None:
        self.reports.append(report)

    @property
    def last(self) -> HealthReport:
        return self.reports[-1]


@pytest.fixture
def health() -> Health:
    return Health()


@pytest.fixture
def workers() -> Iterator[list[SpeechWorker]]:
    made: list[SpeechWorker] = []
    yield made
    for worker in made:
        worker.close()


def no_audio_engine(**kwargs: object) -> EspeakEngine:
    # A player that does not exist stands for "no sound card", on any test machine.
    return EspeakEngine(player=("/nonexistent/aplay",), **kwargs)  # type: ignore[arg-type]


def test_worker_is_a_speaker() -> None:
    speaker: Speaker = SpeechWorker(FakeEngine(), mode="null")
    speaker.close()
    recorder: Speaker = RecordingSpeaker()
    recorder.say("xin chào")
    assert recorder.utterances == [("xin chào", "vi")]  # type: ignore[attr-defined]


@needs_espeak
def test_auto_without_audio_writes_wavs_and_reports_degraded(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    worker = SpeechWorker(no_audio_engine(), mode="auto", wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    worker.say(EXAMPLE)
    worker.say("Ticket A-twenty-three", "en")
    assert worker.flush(10)
    assert health.last == HealthReport("speech", HealthState.DEGRADED, NO_AUDIO_DETAIL)
    names = sorted(p.name for p in tmp_path.glob("*.wav"))
    assert names == ["000001-moi-cong-dan-co-so-mot-nghin.wav",
                     "000002-ticket-a-twenty-three.wav"]
    assert worker.last_wav == tmp_path / names[1]
    assert worker.spoken == 2


@needs_espeak
def test_auto_on_this_machine_uses_the_real_player(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    engine = EspeakEngine()
    if shutil.which("aplay") is None or engine.audio_available():
        pytest.skip("needs aplay on a machine without a working sound card")
    worker = SpeechWorker(engine, wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    worker.say("Mời số năm")
    assert worker.flush(10)
    assert health.last.state is HealthState.DEGRADED
    assert worker.last_wav is not None and worker.last_wav.stat().st_size > 1000


@needs_espeak
def test_say_returns_at_once_while_synthesis_runs(
        tmp_path: Path, workers: list[SpeechWorker]) -> None:
    long_text = (EXAMPLE + ". ") * 40
    started = time.monotonic()
    EspeakEngine().synthesize(long_text, tmp_path / "sync.wav")
    sync_seconds = time.monotonic() - started
    assert sync_seconds > 0.05, "text too short to tell sync from async"

    worker = SpeechWorker(EspeakEngine(), mode="file", wav_dir=tmp_path / "w")
    workers.append(worker)
    assert worker.flush(5)  # start-up check done; now only the utterance is measured
    started = time.monotonic()
    worker.say(long_text)
    worker.say("Mời số năm")
    elapsed = time.monotonic() - started
    assert worker.last_wav is None  # nothing written yet: say() did not wait for it
    assert elapsed < 0.05
    assert worker.flush(20)
    assert worker.last_wav is not None and worker.last_wav.name.startswith("000002-")


def test_queue_is_bounded_and_drops_the_oldest(tmp_path: Path, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine()
    engine.gate.clear()
    worker = SpeechWorker(engine, mode="file", wav_dir=tmp_path, max_queue=3)
    workers.append(worker)
    worker.say("t0")
    assert engine.started.wait(5)  # t0 is being synthesized, the queue is empty
    started = time.monotonic()
    for i in range(1, 10):
        worker.say(f"t{i}")
    assert time.monotonic() - started < 0.05  # a full queue does not block either
    assert worker.dropped == 6
    engine.gate.set()
    assert worker.flush(5)
    assert engine.texts == ["t0", "t7", "t8", "t9"]


def test_flush_times_out_while_busy(tmp_path: Path, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine()
    engine.gate.clear()
    worker = SpeechWorker(engine, mode="file", wav_dir=tmp_path)
    workers.append(worker)
    worker.say("t0")
    assert worker.flush(0.2) is False
    engine.gate.set()
    assert worker.flush(5) is True


def test_missing_executable_reports_failed_and_say_still_returns(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    worker = SpeechWorker(EspeakEngine(executable=str(tmp_path / "no-espeak")), mode="auto",
                          wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    worker.say(EXAMPLE)
    assert worker.flush(5)
    assert health.last.state is HealthState.FAILED
    assert "not found" in health.last.detail
    assert worker.last_wav is None and worker.alive


@needs_espeak
def test_unknown_voice_reports_failed(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    worker = SpeechWorker(EspeakEngine(voice="vi-vn-x-camau"), mode="file", wav_dir=tmp_path,
                          on_health=health)
    workers.append(worker)
    worker.say("xin chào")
    assert worker.flush(5)
    assert health.last.state is HealthState.FAILED
    assert "vi-vn-x-camau" in health.last.detail
    assert list(tmp_path.iterdir()) == []


def test_play_mode_plays_and_reports_ok(health: Health, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine(audio=True)
    worker = SpeechWorker(engine, mode="play", on_health=health)
    workers.append(worker)
    worker.say("xin chào")
    assert worker.flush(5)
    assert engine.texts == ["xin chào"] and worker.last_wav is None
    assert health.last.state is HealthState.OK


def test_play_mode_without_audio_reports_failed(health: Health, workers: list[SpeechWorker]) -> None:
    worker = SpeechWorker(FakeEngine(play_error=AudioOutputError("no card")), mode="play",
                          on_health=health)
    workers.append(worker)
    worker.say("xin chào")
    assert worker.flush(5)
    assert health.last.state is HealthState.FAILED and "no card" in health.last.detail


def test_auto_falls_back_to_files_when_audio_breaks(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine(audio=True, play_error=AudioOutputError("unplugged"))
    worker = SpeechWorker(engine, wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    worker.say("xin chào")
    assert worker.flush(5)
    assert [r.state for r in health.reports] == [HealthState.OK, HealthState.DEGRADED]
    assert worker.last_wav is not None and worker.last_wav.exists()


def test_auto_recovers_when_audio_comes_back(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine(audio=False)
    worker = SpeechWorker(engine, wav_dir=tmp_path, on_health=health, reprobe_interval_s=0)
    workers.append(worker)
    worker.say("one")
    assert worker.flush(5)
    assert health.last.state is HealthState.DEGRADED
    engine.audio = True
    worker.say("two")
    assert worker.flush(5)
    assert health.last == HealthReport("speech", HealthState.OK, "")


def test_null_mode_discards(tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine()
    worker = SpeechWorker(engine, mode="null", wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    worker.say("xin chào")
    assert worker.flush(5)
    assert engine.texts == [] and list(tmp_path.iterdir()) == []
    assert health.last.state is HealthState.OK


def test_worker_survives_engine_errors(tmp_path: Path, health: Health,
                                       workers: list[SpeechWorker]) -> None:
    engine = FakeEngine()
    worker = SpeechWorker(engine, mode="file", wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    engine.fail_next = RuntimeError("engine bug")
    worker.say("one")
    worker.say("two")
    assert worker.flush(5)
    assert engine.texts == ["two"] and worker.alive


def test_engine_disappearing_later_reports_failed(
        tmp_path: Path, health: Health, workers: list[SpeechWorker]) -> None:
    engine = FakeEngine()
    worker = SpeechWorker(engine, mode="file", wav_dir=tmp_path, on_health=health)
    workers.append(worker)
    engine.fail_next = EngineUnavailableError("espeak-ng removed")
    worker.say("one")
    worker.say("two")
    assert worker.flush(5)
    assert health.last.state is HealthState.FAILED and engine.texts == []


def test_broken_health_listener_does_not_stop_speech(
        tmp_path: Path, workers: list[SpeechWorker]) -> None:
    def broken(report: HealthReport) -> None:
        raise RuntimeError("listener bug")

    engine = FakeEngine()
    worker = SpeechWorker(engine, mode="file", wav_dir=tmp_path, on_health=broken)
    workers.append(worker)
    worker.say("one")
    assert worker.flush(5) and engine.texts == ["one"]


def test_old_wavs_are_pruned_and_numbering_continues(
        tmp_path: Path, workers: list[SpeechWorker]) -> None:
    (tmp_path / "000041-earlier-run.wav").write_bytes(b"x")
    worker = SpeechWorker(FakeEngine(), mode="file", wav_dir=tmp_path, keep_wavs=2)
    workers.append(worker)
    for text in ("một", "hai", "ba"):
        worker.say(text)
    assert worker.flush(5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "000041-earlier-run.wav", "000043-hai.wav", "000044-ba.wav"]


def test_close_stops_the_thread_and_kills_running_work(tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.gate.clear()
    worker = SpeechWorker(engine, mode="file", wav_dir=tmp_path)
    worker.say("slow")
    assert engine.started.wait(5)
    started = time.monotonic()
    worker.close()
    assert not worker.alive and time.monotonic() - started < 2.0
    worker.say("after close")  # ignored, does not raise


@needs_espeak
def test_close_kills_a_stuck_espeak(tmp_path: Path) -> None:
    script = tmp_path / "slow-espeak"
    listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True).stdout
    (tmp_path / "voices.txt").write_text(listing)
    running = tmp_path / "running"  # the stand-in says when it runs: close must kill it, not pre-empt it
    script.write_text(f'#!/bin/sh\nif [ "$1" = "--voices" ]; then cat "{tmp_path}/voices.txt"; '
                      f'exit 0; fi\n: > "{running}"\nexec sleep 30\n')
    script.chmod(0o755)
    worker = SpeechWorker(EspeakEngine(executable=str(script)), mode="file", wav_dir=tmp_path)
    worker.say("xin chào")
    wait_until(running.exists, message="the stand-in espeak-ng to run")
    started = time.monotonic()
    worker.close()
    assert not worker.alive and time.monotonic() - started < 2.0


def test_blank_text_is_ignored(workers: list[SpeechWorker]) -> None:
    engine = FakeEngine()
    worker = SpeechWorker(engine, mode="file")
    workers.append(worker)
    worker.say("   \n ")
    assert worker.flush(5) and engine.texts == []


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        SpeechWorker(FakeEngine(), mode="loud")
    with pytest.raises(ValueError):
        SpeechWorker(FakeEngine(), max_queue=0)


@pytest.mark.parametrize(("text", "slug"), [
    ("Mời công dân có số A023", "moi-cong-dan-co-so-a023"),
    ("Đến quầy số năm", "den-quay-so-nam"),
    ("!!!", "utterance"),
    ("a" * 40, "a" * 32),
    ("abc " * 10, "abc-abc-abc-abc-abc-abc-abc-abc"),
])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
