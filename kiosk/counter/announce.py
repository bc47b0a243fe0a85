"""What the hall display shows and speaks when a ticket is called to a counter."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.i18n import N_, Translator
from kiosk.spoken import number_to_words, ticket_number_words

CALL_MESSAGE = N_("Citizen with number {number}, please come to counter {counter}.")


@dataclass(frozen=True)
class Announcement:
    counter: int
    display_number: str
    text: str     # for the screen: "Mời công dân có số A023 đến quầy số 3."
    spoken: str   # for speech: "Mời công dân có số A hai mươi ba đến quầy số ba."
    language: str


def call_announcement(translator: Translator, display_number: str, counter: int,
                      language: str | None = None) -> Announcement:
    lang = language or translator.language
    template = translator.gettext(CALL_MESSAGE, lang)
    text = template.format(number=display_number, counter=counter)
    try:
        number_words = ticket_number_words(display_number, lang)
    except ValueError:  # not letters-then-digits (should not happen): read it as written
        number_words = display_number
    spoken = template.format(number=number_words, counter=number_to_words(counter, lang))
    return Announcement(counter, display_number, text, spoken, lang)
