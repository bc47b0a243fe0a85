"""Technician check: `python -m devices.speech [--lang en] [--wav out.wav] TEXT...`.

Without --wav it plays through the default audio device; exit code 1 with the reason
if espeak-ng, the voice or the audio output is missing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devices.speech.engine import EspeakEngine, SpeechError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.speech")
    parser.add_argument("text", nargs="+")
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    parser.add_argument("--voice", default="vi-vn-x-south", help="Vietnamese espeak-ng voice")
    parser.add_argument("--rate", type=int, default=150)
    parser.add_argument("--wav", type=Path, help="write this WAV instead of playing")
    args = parser.parse_args(argv)
    engine = EspeakEngine(voice=args.voice, rate=args.rate)
    text = " ".join(args.text)
    try:
        if args.wav:
            engine.synthesize(text, args.wav, args.lang)
            print(args.wav)
        else:
            engine.play(text, args.lang)
    except SpeechError as exc:
        print(f"speech: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
