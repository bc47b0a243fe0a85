"""The Notifier interface and its two channels. Each send() either returns (delivered) or raises
SendFailed with a reason that never holds the full number."""
from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from central.notify_settings import NotifySettings
from kiosk.contract.phone import international, mask

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The gateway did not take the message (down, refused, timed out): retried later."""


class Notifier(Protocol):
    def send(self, phone: str, template: str, params: dict[str, Any], tracking_id: str) -> None: ...


class _Http:
    def __init__(self, settings: NotifySettings) -> None:
        assert settings.url
        self.url, self.token, self.timeout = settings.url, settings.token, settings.timeout_s

    def _post(self, phone: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        try:
            r = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{type(exc).__name__} for {mask(phone)}") from None
        if r.status_code >= 300:
            raise SendFailed(f"HTTP {r.status_code} for {mask(phone)}")
        return r


class ZaloZns(_Http):
    """Zalo Official Account's ZNS: a registered template id + its params, to the number in 84 form."""

    def send(self, phone: str, template: str, params: dict[str, Any], tracking_id: str) -> None:
        r = self._post(phone, {"phone": international(phone), "template_id": template,
                               "template_data": {k: str(v) for k, v in params.items()},
                               "tracking_id": tracking_id}, {"access_token": self.token})
        try:
            error = r.json().get("error", 0)
        except ValueError:
            raise SendFailed(f"not JSON for {mask(phone)}") from None
        if error != 0:  # ZNS answers 200 with a non-zero error code when it refuses
            raise SendFailed(f"ZNS error {error} for {mask(phone)}")


class SmsGateway(_Http):
    """A generic SMS gateway: the configured text with its {placeholders} filled in."""

    def send(self, phone: str, template: str, params: dict[str, Any], tracking_id: str) -> None:
        text = template.format_map(_Blank(params))
        self._post(phone, {"to": phone, "text": text, "id": tracking_id},
                   {"Authorization": f"Bearer {self.token}"})


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # an unknown placeholder prints empty instead of failing
        return ""


def notifier_for(settings: NotifySettings) -> Notifier | None:
    if not settings.enabled:
        return None
    return ZaloZns(settings) if settings.channel == "zalo" else SmsGateway(settings)
