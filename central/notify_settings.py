"""The notification channel's settings, from the central's environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Channel = Literal["zalo", "sms"]

DEFAULT_SMS = {
    "soon": "{centre}: so {number} sap den luot ({ahead} nguoi truoc ban). Theo doi: {link}",
    "rate": "{centre}: moi danh gia dich vu so {number}: {link}",
}


@dataclass(frozen=True)
class NotifySettings:
    channel: Channel | None = None
    url: str | None = None
    token: str = ""
    ahead: int = 3                  # "about to be called" when this many people or fewer are ahead
    templates: tuple[tuple[str, str], ...] = ()  # kind -> Zalo template id, or SMS text with {placeholders}
    public_url: str | None = None   # the ticket page links' base (KIOSK_CENTRAL_PUBLIC_URL)
    interval_s: float = 5.0
    backoff_s: float = 10.0         # first retry; doubles up to backoff_cap_s
    backoff_cap_s: float = 600.0
    timeout_s: float = 10.0

    @classmethod
    def from_env(cls) -> "NotifySettings":
        """KIOSK_NOTIFY_CHANNEL=zalo|sms (unset: no channel), KIOSK_NOTIFY_URL, KIOSK_NOTIFY_TOKEN,
        KIOSK_NOTIFY_AHEAD (3), KIOSK_NOTIFY_TEMPLATE_SOON, KIOSK_NOTIFY_TEMPLATE_RATE,
        KIOSK_NOTIFY_INTERVAL_S (5); links from KIOSK_CENTRAL_PUBLIC_URL."""
        env = os.environ
        channel = (env.get("KIOSK_NOTIFY_CHANNEL") or "").strip().lower()
        if channel not in ("zalo", "sms"):
            return cls()
        templates = {k: env.get(f"KIOSK_NOTIFY_TEMPLATE_{k.upper()}") or "" for k in ("soon", "rate")}
        return cls(channel=channel,  # type: ignore[arg-type]  # checked just above
                   url=env.get("KIOSK_NOTIFY_URL") or None, token=env.get("KIOSK_NOTIFY_TOKEN", ""),
                   ahead=int(env.get("KIOSK_NOTIFY_AHEAD", "3")),
                   templates=tuple((k, v) for k, v in templates.items() if v),
                   public_url=env.get("KIOSK_CENTRAL_PUBLIC_URL") or None,
                   interval_s=float(env.get("KIOSK_NOTIFY_INTERVAL_S", "5")))

    @property
    def enabled(self) -> bool:
        """A channel with somewhere to send: only then is a number kept at all."""
        return self.channel is not None and bool(self.url)

    def template(self, kind: str) -> str:
        found = dict(self.templates).get(kind)
        if found:
            return found
        return DEFAULT_SMS[kind] if self.channel == "sms" else kind
