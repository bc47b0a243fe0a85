"""The citizen's mobile number for notifications: validated as a Vietnamese mobile number, always
shown masked (09******78), never logged in full."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# 10 digits from 03/05/07/08/09 (the networks' mobile prefixes since 2018); +84 / 84 are accepted
# and stored as the national form.
_MOBILE = re.compile(r"0[35789]\d{8}")


def normalise(text: str) -> str:
    """The national form (0xxxxxxxxx) of a Vietnamese mobile number; ValueError otherwise."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise ValueError("not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09)")
    return digits


def mask(phone: str | None) -> str:
    """09******78: what screens, pages and logs show of a number."""
    if not phone:
        return ""
    return phone[:2] + "*" * max(len(phone) - 4, 0) + phone[-2:] if len(phone) > 4 else "*" * len(phone)


def international(phone: str) -> str:
    """84xxxxxxxxx, the form Zalo's ZNS API takes."""
    return "84" + phone[1:]


VnMobile = Annotated[str, StringConstraints(max_length=20), AfterValidator(normalise)]
