"""EspeakEngine against the real espeak-ng program, checked with soxi."""
from __future__ import annotations

import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from devices.speech.engine import (
    AudioOutputError,
    EngineUnavailableError,
    EspeakEngine,
    SynthesisError,
    UnknownVoiceError,
    parse_espeak_voices,
)
from kiosk.spoken import number_to_words, ticket_number_words
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("soxi") is None,
    reason="needs espeak-ng and sox (soxi) installed",
)

EXAMPLE = "Mời công dân có số một nghìn không trăm hai mươi ba đến quầy số năm"

VOICES_LISTING = """\
Pty Language       Age/Gender VoiceName          File                 Other Languages
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 5  vi              --/M      Vietnamese_(Northern) aav/vi
 5  vi-vn-x-south   --/M      Vietnamese_(Southern) aav/vi-VN-x-south
"""


def soxi(flag: str, wav: Path) -> str:
    return subprocess.run(["soxi", flag, str(wav)], capture_output=True, text=True,
                          check=True, timeout=10).stdout.strip()


def make_fake_espeak(tmp_path: Path, body: str) -> str:
    """A stand-in espeak-ng that lists voices but does `body` when asked to speak."""
    script = tmp_path / "fake-espeak-ng"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--voices" ]; then cat <<"EOF"\n' + VOICES_LISTING + "EOF\nexit 0\nfi\n"
        + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_example_sentence_with_southern_voice_is_plausible_audio(tmp_path: Path) -> None:
    wav = EspeakEngine(voice="vi-vn-x-south").synthesize(EXAMPLE, tmp_path / "ex.wav", "vi")
    assert 2.0 <= float(soxi("-D", wav)) <= 12.0
    assert 8000 <= int(soxi("-r", wav)) <= 48000
    assert soxi("-c", wav) == "1"
    assert soxi("-b", wav) == "16"


def test_sentence_built_from_spoken_numbers_matches_example() -> None:
    # The words the core produces are exactly the ones in the announcement.
    assert number_to_words(1023, "vi") in EXAMPLE
    assert ticket_number_words("1023", "vi") == "một nghìn không trăm hai mươi ba"


def test_longer_sentence_gives_longer_wav(tmp_path: Path) -> None:
    engine = EspeakEngine()
    short = engine.synthesize("Mời số năm", tmp_path / "short.wav")
    long = engine.synthesize(EXAMPLE + ". Xin cảm ơn quý khách đã chờ đợi.", tmp_path / "long.wav")
    assert float(soxi("-D", long)) > float(soxi("-D", short)) + 1.0


def test_english_ticket_uses_english_voice(tmp_path: Path) -> None:
    text = f"Ticket {ticket_number_words('A023', 'en')}"
    wav = EspeakEngine().synthesize(text, tmp_path / "en.wav", "en")
    assert 0.8 <= float(soxi("-D", wav)) <= 5.0


def test_slower_rate_gives_longer_wav(tmp_path: Path) -> None:
    fast = EspeakEngine(rate=220).synthesize(EXAMPLE, tmp_path / "fast.wav")
    slow = EspeakEngine(rate=120).synthesize(EXAMPLE, tmp_path / "slow.wav")
    assert float(soxi("-D", slow)) > float(soxi("-D", fast))


def test_text_starting_with_dash_is_spoken_not_an_option(tmp_path: Path) -> None:
    wav = EspeakEngine().synthesize("-v en xin chào", tmp_path / "dash.wav")
    assert float(soxi("-D", wav)) > 0.5


def test_unknown_voice_is_rejected_clearly(tmp_path: Path) -> None:
    engine = EspeakEngine(voice="vi-vn-x-camau")
    with pytest.raises(UnknownVoiceError, match=r"'vi-vn-x-camau'.*vi-vn-x-south"):
        engine.check()
    # synthesize() validates too, rather than letting espeak pick some other voice.
    with pytest.raises(UnknownVoiceError):
        engine.synthesize("xin chào", tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_unknown_english_voice_is_rejected() -> None:
    with pytest.raises(UnknownVoiceError, match="'en-xx'"):
        EspeakEngine(english_voice="en-xx").check()


def test_installed_voices_and_variants_pass_check() -> None:
    for voice in ("vi", "vi-vn-x-central", "vi-vn-x-south", "vi-VN-x-south", "vi-vn-x-south+f2"):
        EspeakEngine(voice=voice).check()


def test_missing_executable_is_reported_not_crashing(tmp_path: Path) -> None:
    engine = EspeakEngine(executable=str(tmp_path / "no-such-espeak"))
    with pytest.raises(EngineUnavailableError, match="not found"):
        engine.check()


def test_language_without_voice_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'fr'"):
        EspeakEngine().synthesize("bonjour", tmp_path / "fr.wav", "fr")


def test_rate_is_validated_and_clamped_to_espeak_range() -> None:
    with pytest.raises(ValueError):
        EspeakEngine(rate=0)
    assert EspeakEngine(rate=60).rate == 80
    assert EspeakEngine(rate=1000).rate == 450


def test_parse_voices_listing() -> None:
    names = parse_espeak_voices(VOICES_LISTING)
    assert {"en", "en-gb", "vi", "vi-vn-x-south", "aav/vi-vn-x-south"} <= names
    assert "2" not in names and "--/m" not in names


def test_stuck_synthesis_is_killed_by_timeout(tmp_path: Path) -> None:
    engine = EspeakEngine(executable=make_fake_espeak(tmp_path, "exec sleep 30"), timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(SynthesisError, match="timed out"):
        engine.synthesize("xin chào", tmp_path / "x.wav")
    assert time.monotonic() - started < 3.0


def test_cancel_kills_running_synthesis(tmp_path: Path) -> None:
    running = tmp_path / "running"  # the stand-in says when it runs: cancel must kill it, not pre-empt it
    engine = EspeakEngine(executable=make_fake_espeak(tmp_path, f': > "{running}"; exec sleep 30'), timeout_s=30)
    engine.check()
    errors: list[BaseException] = []

    def speak() -> None:
        try:
            engine.synthesize("xin chào", tmp_path / "x.wav")
        except SynthesisError as exc:
            errors.append(exc)

    thread = threading.Thread(target=speak)
    thread.start()
    wait_until(running.exists, message="the stand-in espeak-ng to run")
    started = time.monotonic()
    engine.cancel()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 2.0
    assert errors


def test_espeak_writing_nothing_is_a_synthesis_error(tmp_path: Path) -> None:
    engine = EspeakEngine(executable=make_fake_espeak(tmp_path, "cat >/dev/null; exit 0"))
    with pytest.raises(SynthesisError, match="no audio"):
        engine.synthesize("xin chào", tmp_path / "x.wav")


def test_missing_player_means_no_audio(tmp_path: Path) -> None:
    engine = EspeakEngine(player=(str(tmp_path / "no-such-aplay"),))
    assert engine.audio_available() is False
    with pytest.raises(AudioOutputError, match="player not found"):
        engine.play("xin chào")


def test_play_without_sound_card_raises_audio_error() -> None:
    engine = EspeakEngine()
    if shutil.which("aplay") is None or engine.audio_available():
        pytest.skip("needs aplay and a machine without a working sound card")
    with pytest.raises(AudioOutputError, match="aplay"):
        engine.play("xin chào")
