"""The central's counter endpoints (central/api.py, /api/v1/counters/{number}/...), on top of
kiosk.sync.client.CentralClient (same session, token, timeouts and error classes)."""
from __future__ import annotations

from typing import Any

from kiosk.sync.client import CentralClient, CentralUnavailable

Json = dict[str, Any]  # a JSON object the central answered


class CounterClient:
    def __init__(self, central: CentralClient) -> None:
        self.central = central

    def _post(self, path: str, **kw: Any) -> Json:
        body = self.central.call("POST", path, **kw)
        if not isinstance(body, dict):
            raise CentralUnavailable("central answered a counter action with something that is not an object")
        return body

    def call_next(self, counter: int, officer: str | None = None) -> Json | None:
        """The ticket now called to `counter`, or None when nobody waits for its services.
        409 (CentralRejected): the counter still serves a ticket. `officer`: the officer signed
        in at the counter (the central refuses a call with none when the centre requires it)."""
        body = self._post(f"/api/v1/counters/{counter}/call-next", json=_officer(officer))
        ticket = body.get("ticket")
        return ticket if isinstance(ticket, dict) else None

    def recall(self, counter: int, officer: str | None = None) -> Json:
        return self._post(f"/api/v1/counters/{counter}/recall", json=_officer(officer))

    def no_show(self, counter: int, officer: str | None = None) -> Json:
        return self._post(f"/api/v1/counters/{counter}/no-show", json=_officer(officer))

    def complete(self, counter: int, officer: str | None = None) -> Json:
        return self._post(f"/api/v1/counters/{counter}/complete", json=_officer(officer))

    def transfer(self, counter: int, to_service_code: str, officer: str | None = None) -> Json:
        return self._post(f"/api/v1/counters/{counter}/transfer",
                          json={"to_service_code": to_service_code, **_officer(officer)})

    def rating_request(self, counter: int, within_s: float = 60) -> Json | None:
        """The ticket just served at `counter` and not rated yet (a rating terminal asks about it)."""
        body = self.central.call("GET", f"/api/v1/counters/{counter}/rating-request", params={"within_s": within_s})
        if not isinstance(body, dict):
            raise CentralUnavailable("central answered the rating request with something that is not an object")
        ticket = body.get("ticket")
        return ticket if isinstance(ticket, dict) else None

    def calls(self, since: str | None = None, limit: int = 50) -> Json:
        """Calls and recalls at the counters today (for hall displays), oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        body = self.central.call("GET", "/api/v1/calls", params=params)
        if not isinstance(body, dict):
            raise CentralUnavailable("central answered GET /calls with something that is not an object")
        return body

    def queue(self, service_code: str, day: str | None = None) -> Json:
        params = {"service": service_code, **({"day": day} if day else {})}
        body = self.central.call("GET", "/api/v1/queue", params=params)
        if not isinstance(body, dict) or not isinstance(body.get("waiting"), list):
            raise CentralUnavailable("central answered GET /queue without a waiting list")
        return body


def _officer(officer: str | None) -> Json:
    return {"officer": officer} if officer else {}
