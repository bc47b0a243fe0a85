"""Translations: gettext catalogues in kiosk/locales/<lang>/LC_MESSAGES/kiosk.po, switchable at run time.

msgids are English; Vietnamese is the default language shown. The catalogues are package data
read by kiosk.contract.catalogues (.mo compiled when the wheel is built, see setup.py).
`python -m kiosk.i18n check` lists strings missing a translation; `update` adds new msgids found
in the code to every catalogue (with an empty translation to fill in). Both work on a source tree.
"""
from __future__ import annotations

import gettext
import re
import sys
import threading
from pathlib import Path

from kiosk.contract.catalogues import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, load

ROOT = Path(__file__).resolve().parent.parent
# the source tree's catalogues (the maintenance commands below edit them)
LOCALES_DIR = ROOT / "kiosk" / "locales"

# Calls of tr(), _() or N_() on a plain string literal, with any receiver (app.tr, self.tr,
# self.app.tr): the only marking forms we use (also in the web app's Jinja templates, *.html).
_MARKER = re.compile(r"""(?<![A-Za-z0-9_])(?:tr|_|N_)\(\s*(?P<q>["'])(?P<msg>(?:\\.|(?!(?P=q)).)+)(?P=q)""")
SOURCE_DIRS = ("kiosk", "screens", "devices", "provisioning", "central")


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later (e.g. a table of reasons)."""
    return message


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract_msgids(root: Path = ROOT) -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (root / folder).rglob("*"):
            if path.suffix in (".py", ".kv", ".html") and path.is_file():
                found.update(m.group("msg") for m in _MARKER.finditer(path.read_text(encoding="utf-8")))
    return found


def missing_translations() -> dict[str, list[str]]:
    """lang -> msgids used in the code with no (or an empty) translation in that catalogue."""
    from babel.messages.pofile import read_po

    used = extract_msgids()
    out: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as f:
            catalog = read_po(f, locale=lang)
        have = {m.id for m in catalog if m.id and m.string}
        out[lang] = sorted(used - have)
    return out


def update_catalogues() -> None:
    from babel.messages.pofile import read_po, write_po

    used = extract_msgids()
    for lang in LANGUAGES:
        po = po_path(lang)
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        for msgid in sorted(used):
            if msgid not in catalog:
                catalog.add(msgid, msgid if lang == "en" else "")
        with po.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False)


class Translator:
    """The current language and its catalogue; safe to switch from any thread."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self._lock = threading.Lock()
        self._catalogues: dict[str, gettext.NullTranslations] = {}
        self.language = DEFAULT_LANGUAGE
        self.set_language(language)

    def _catalogue(self, lang: str) -> gettext.NullTranslations:
        if lang not in self._catalogues:
            self._catalogues[lang] = load(lang)
        return self._catalogues[lang]

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(LANGUAGES)}")
        with self._lock:
            self._catalogue(language)
            self.language = language

    def gettext(self, message: str, language: str | None = None) -> str:
        return self._catalogue(language or self.language).gettext(message)

    __call__ = gettext


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    cmd = args[0] if args else "check"
    if cmd == "update":
        update_catalogues()
    elif cmd == "check":
        missing = missing_translations()
        for lang, ids in missing.items():
            for msgid in ids:
                print(f"{lang}: untranslated: {msgid!r}")
        return 1 if any(missing.values()) else 0
    else:
        print("usage: python -m kiosk.i18n [check|update]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
