"""Templates, language and formats: Jinja2 with autoescape, the project's gettext catalogues,
numbers and dates in Vietnamese (Babel), moments in the centre's time zone."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kiosk.contract.catalogues import DEFAULT_LANGUAGE, LANGUAGES, load

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
LANG_COOKIE = "kiosk_lang"
LOCALES = {"vi": "vi_VN", "en": "en_GB"}
__all__ = ["N_", "page", "language", "translator", "Formats", "env"]



def N_(message: str) -> str:
    """Marks a msgid for extraction (kiosk/i18n.py finds N_("...") calls); translated where shown."""
    return message


# The project's gettext catalogues (msgids in English, see kiosk/i18n.py for extraction), the
# package data of the shared contract, so the central needs nothing of the kiosk but its contract.
_catalogue = lru_cache(maxsize=None)(load)


def gettext(message: str, lang: str) -> str:
    return _catalogue(lang).gettext(message)
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"], default=True),
                  trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANGUAGE
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


_STEPS = [Decimal(1).scaleb(-n) for n in range(7)]


@lru_cache(maxsize=None)
def _separators(locale: str) -> dict[int, str]:
    """The locale's group, decimal and minus signs, in place of Python's "," "." "-"."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale),
                          "-": get_minus_sign_symbol(locale)})


class Formats:
    """Everything a template needs to speak one language and one time zone."""

    def __init__(self, lang: str, tz: ZoneInfo) -> None:
        self.lang, self.tz, self.locale = lang, tz, LOCALES[lang]

    def _(self, message: str) -> str:
        return gettext(message, self.lang)

    def num(self, value: float | int | None, decimals: int = 0) -> str:
        """Babel's format_decimal(value, "#,##0.0…") (half-even rounding of the decimal text), without
        its pattern parsing and look-ups on every call: a year's table by day formats ~3,000 numbers."""
        if value is None:
            return "—"
        exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        text = f"{exact.quantize(_STEPS[decimals], ROUND_HALF_EVEN):,f}"
        return text.translate(_separators(self.locale))

    def pct(self, value: float | None) -> str:
        return "—" if value is None else f"{self.num(value, 1)} %"

    def moment(self, value: dt.datetime | None, seconds: bool = False) -> str:
        if value is None:
            return "—"
        pattern = "dd/MM/yyyy HH:mm" + (":ss" if seconds else "")
        return format_datetime(value, pattern, tzinfo=self.tz, locale=self.locale)

    def clock(self, value: dt.datetime | None) -> str:
        return "—" if value is None else format_datetime(value, "HH:mm", tzinfo=self.tz, locale=self.locale)

    def date(self, value: dt.date | str | None) -> str:
        if value is None:
            return "—"
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "dd/MM/yyyy", locale=self.locale)

    def minutes(self, value: float | None) -> str:
        return "—" if value is None else f"{self.num(value, 1)} {self._('min')}"


def page(request: Request, template: str, context: dict[str, Any], status: int = 200,
         headers: dict[str, str] | None = None) -> HTMLResponse:
    lang = context.pop("lang", None) or language(request)
    tz = context.pop("tz", None) or ZoneInfo("Asia/Ho_Chi_Minh")
    f = Formats(lang, tz)
    body = env.get_template(template).render(f=f, _=f._, lang=lang, request=request, **context)
    response = HTMLResponse(body, status_code=status, headers=headers)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


def translator(lang: str) -> Callable[[str], str]:
    return lambda message: gettext(message, lang)
