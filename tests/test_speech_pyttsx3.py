"""Pyttsx3Engine: pyttsx3 in a child process, with the real pyttsx3 (its espeak-ng driver on
Linux) and with a child that hangs, which must be killed."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from devices.factory import build_speaker
from devices.speech.engine import SynthesisError, UnknownVoiceError
from devices.speech.pyttsx3_engine import Pyttsx3Engine, match_voice
from devices.speech.worker import SpeechWorker
from kiosk.contract.config import SAMPLE_CONFIG, load_config
from kiosk.ports import HealthState

SAPI_VOICES = [  # what the child lists on a Windows kiosk with the Vietnamese voice installed
    {"id": r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Speech\Voices\Tokens\MSTTS_V110_viVN_An",
     "name": "Microsoft An - Vietnamese (Vietnam)", "languages": []},
    {"id": r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Speech\Voices\Tokens\TTS_MS_EN-US_ZIRA_11.0",
     "name": "Microsoft Zira Desktop - English (United States)", "languages": []},
]
ESPEAK_VOICES = [
    {"id": "gmw/en", "name": "English (Great Britain)", "languages": ["en-gb"]},
    {"id": "aav/vi", "name": "Vietnamese (Northern)", "languages": ["vi"]},
    {"id": "aav/vi-vn-x-south", "name": "Vietnamese (Southern)", "languages": ["vi-vn-x-south"]},
]


def test_a_configured_voice_is_found_by_language_id_or_name():
    assert match_voice("vi-vn-x-south", ESPEAK_VOICES) == "aav/vi-vn-x-south"
    assert match_voice("vi", ESPEAK_VOICES) == "aav/vi"
    assert match_voice("en", ESPEAK_VOICES) == "gmw/en"  # "en" takes en-gb
    assert match_voice("Microsoft An", SAPI_VOICES) == SAPI_VOICES[0]["id"]
    assert match_voice("zira", SAPI_VOICES) == SAPI_VOICES[1]["id"]
    assert match_voice("vi-vn-x-south", SAPI_VOICES) is None


def soxi_seconds(wav: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True,
                                timeout=10).stdout)


def pyttsx3_speaks_here() -> bool:
    try:
        Pyttsx3Engine().check()
    except Exception:  # noqa: BLE001 - no driver here: the tests below say so by skipping
        return False
    return True


@pytest.mark.skipif(shutil.which("soxi") is None or not pyttsx3_speaks_here(),
                    reason="needs pyttsx3 with a working driver (espeak-ng on Linux) and sox")
def test_the_real_pyttsx3_child_writes_vietnamese_speech(tmp_path):
    engine = Pyttsx3Engine(voice="vi-vn-x-south")
    engine.check()
    assert engine.voice_for("vi").endswith("vi-vn-x-south")
    short = engine.synthesize("Số A hai mươi ba", tmp_path / "short.wav")
    long = engine.synthesize("Số thứ tự của Ông/Bà là A hai mươi ba, lĩnh vực Tư pháp - Hộ tịch.",
                             tmp_path / "long.wav")
    assert 0.5 < soxi_seconds(short) < soxi_seconds(long) < 15


def test_an_unknown_voice_is_refused_with_the_installed_ones():
    if not pyttsx3_speaks_here():
        pytest.skip("pyttsx3 has no working driver here")
    with pytest.raises(UnknownVoiceError, match="vi-xx-nowhere"):
        Pyttsx3Engine(voice="vi-xx-nowhere").check()


def hanging_python(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in interpreter: lists voices like the child, then hangs when asked to speak,
    after writing its pid (and starting a grandchild that would hang too)."""
    pids = tmp_path / "pids"
    script = tmp_path / "python"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$3" = "voices" ]; then echo \'[{"id": "aav/vi", "name": "Vietnamese", "languages": ["vi"]},'
        ' {"id": "gmw/en", "name": "English", "languages": ["en-gb"]}]\'; exit 0; fi\n'
        f'sleep 300 & echo $! >> "{pids}"\n'
        f'echo $$ >> "{pids}"\n'
        "sleep 300\n")
    script.chmod(0o755)
    return str(script), pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_a_hung_child_is_killed_with_its_own_children(tmp_path):
    python, pids = hanging_python(tmp_path)
    engine = Pyttsx3Engine(voice="vi", python=python, timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(SynthesisError, match="timed out"):
        engine.synthesize("Xin chào", tmp_path / "never.wav")
    assert time.monotonic() - started < 5
    hung = [int(line) for line in pids.read_text().split()]
    assert len(hung) == 2
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in hung) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in hung), "the hung child or its grandchild survived"


def test_the_speech_worker_survives_a_hanging_pyttsx3_and_says_so(tmp_path):
    python, _ = hanging_python(tmp_path)
    reports = []
    worker = SpeechWorker(Pyttsx3Engine(voice="vi", python=python, timeout_s=0.5), mode="file",
                          wav_dir=tmp_path / "speech", on_health=reports.append)
    try:
        worker.say("Mời Ông/Bà chọn lĩnh vực")
        worker.say("Nghe lại")
        assert worker.flush(timeout=10)
        assert worker.alive
        assert any(r.state is HealthState.DEGRADED and "timed out" in r.detail for r in reports), reports
    finally:
        worker.close()


def test_the_config_chooses_the_engine(tmp_path):
    config = load_config(SAMPLE_CONFIG)
    assert config.speech.engine == "espeak"
    config = config.model_copy(update={"speech": config.speech.model_copy(update={"engine": "pyttsx3",
                                                                                  "mode": "null"})})
    speaker = build_speaker(config, tmp_path, lambda report: None)
    try:
        assert isinstance(speaker, SpeechWorker) and isinstance(speaker.engine, Pyttsx3Engine)
    finally:
        speaker.close()
