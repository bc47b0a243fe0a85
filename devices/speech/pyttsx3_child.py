"""The pyttsx3 side of Pyttsx3Engine, run as a child process (one per request) so a hung
`runAndWait` is killed by the parent instead of hanging the kiosk's speech thread.

    python -m devices.speech.pyttsx3_child voices            -> JSON list of {id, name, languages}
    python -m devices.speech.pyttsx3_child save WAV VOICE RATE   (text on stdin)
    python -m devices.speech.pyttsx3_child say VOICE RATE        (text on stdin; plays it)

pyttsx3 picks the platform's driver: SAPI5 on Windows (e.g. "Microsoft An" for Vietnamese),
NSSpeechSynthesizer on macOS, the espeak(-ng) library on Linux.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

SAVE_ATTEMPTS = 3


def main(argv: list[str]) -> int:
    import pyttsx3  # only in the child: the kiosk process never loads a driver

    engine = pyttsx3.init()
    if argv[:1] == ["voices"]:
        voices = [{"id": str(v.id), "name": str(v.name or ""),
                   "languages": [lang.decode("utf-8", "replace") if isinstance(lang, bytes) else str(lang)
                                 for lang in (v.languages or [])]}
                  for v in engine.getProperty("voices")]
        json.dump(voices, sys.stdout)
        return 0
    text = sys.stdin.read()
    if argv[:1] == ["save"] and len(argv) == 4:
        wav, voice, rate = Path(argv[1]), argv[2], argv[3]
        engine.setProperty("voice", voice)
        engine.setProperty("rate", int(rate))
        # pyttsx3 2.99's espeak driver sometimes ends the loop before its callback wrote the file
        # (a race in its startLoop): ask again, a few times, before giving up.
        for _ in range(SAVE_ATTEMPTS):
            engine.save_to_file(text, str(wav))
            engine.runAndWait()
            if wav.is_file() and wav.stat().st_size > 44:
                return 0
        print(f"pyttsx3 wrote no audio after {SAVE_ATTEMPTS} attempts", file=sys.stderr)
        return 1
    elif argv[:1] == ["say"] and len(argv) == 3:
        engine.setProperty("voice", argv[1])
        engine.setProperty("rate", int(argv[2]))
        engine.say(text)
    else:
        print(f"usage: {__doc__}", file=sys.stderr)
        return 2
    engine.runAndWait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
