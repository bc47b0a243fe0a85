"""Spoken announcements: espeak-ng synthesis (engine) behind a non-blocking Speaker (worker).

The "file" and "null" worker modes are the speech simulator: "file" writes every
utterance to a WAV (tests, machines without a sound card), "null" discards them.
RecordingSpeaker (simulator.py) keeps texts in memory for UI tests without espeak-ng.
"""
from devices.speech.engine import (
    AudioOutputError,
    EngineUnavailableError,
    EspeakEngine,
    SpeechEngine,
    SpeechError,
    SynthesisError,
    UnknownVoiceError,
)
from devices.speech.simulator import RecordingSpeaker
from devices.speech.worker import SpeechWorker

__all__ = [
    "AudioOutputError", "EngineUnavailableError", "EspeakEngine", "RecordingSpeaker",
    "SpeechEngine", "SpeechError", "SpeechWorker", "SynthesisError", "UnknownVoiceError",
]
