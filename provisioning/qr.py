"""The enrolment QR printed by `kiosk central enrol-code`: {"v":1,"central":URL,"code":CODE}."""
from __future__ import annotations

import json
from urllib.parse import urlparse


class EnrolmentQrError(ValueError):
    pass


def parse_enrolment_qr(payload: str) -> tuple[str, str]:
    if len(payload) > 1024:
        raise EnrolmentQrError("too long to be an enrolment code")
    try:
        data = json.loads(payload)
    except ValueError:
        raise EnrolmentQrError("not an enrolment QR (expected the JSON printed by the central)") from None
    if not isinstance(data, dict) or data.get("v") != 1:
        raise EnrolmentQrError("unknown enrolment QR version")
    central, code = data.get("central"), data.get("code")
    if not isinstance(central, str) or not isinstance(code, str) or not code.strip():
        raise EnrolmentQrError("the QR lacks the central URL or the code")
    url = urlparse(central)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise EnrolmentQrError("the central URL must be http(s)://host")
    return central.rstrip("/"), code.strip()
