"""The gettext catalogues that the kiosk and the central both show, read as package data.

An installed wheel carries `kiosk/locales/<lang>/LC_MESSAGES/kiosk.mo`, compiled when the wheel
is built (setup.py); nothing is ever written into the package at run time, so a root-owned
install works. A source tree has only the .po files: they are compiled in memory instead.
"""
from __future__ import annotations

import gettext
import io
from importlib.resources import files
from importlib.resources.abc import Traversable

DOMAIN = "kiosk"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def locales_root() -> Traversable:
    return files("kiosk").joinpath("locales")


def _file(lang: str, suffix: str) -> Traversable:
    return locales_root().joinpath(lang, "LC_MESSAGES", f"{DOMAIN}{suffix}")


def mo_bytes(po: bytes, lang: str) -> bytes:
    """Compiles one .po catalogue to .mo bytes (the build hook and the source-tree fallback)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = io.BytesIO()
    write_mo(out, read_po(io.BytesIO(po), locale=lang))
    return out.getvalue()


def load(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang`; the untranslated msgids (English) when there is none."""
    mo, po = _file(lang, ".mo"), _file(lang, ".po")
    if mo.is_file():
        data = mo.read_bytes()
    elif po.is_file():
        data = mo_bytes(po.read_bytes(), lang)
    else:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(data))
