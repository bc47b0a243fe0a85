"""Server-sent events from the central (its push channel, GET /api/v1/calls/stream): a pure parser
and a reader over the kiosk's CentralClient session (same token, CA and proxy rules)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from kiosk.sync.client import CentralClient, CentralRejected, CentralUnavailable

READ_TIMEOUT_S = 40.0  # the central sends a comment every 15 s: silence this long is a dead link


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: Any      # parsed JSON (None when the data is not JSON)
    id: str | None


def parse(lines: Iterable[str]) -> Iterator[SseEvent]:
    """Events from the lines of a text/event-stream (https://html.spec.whatwg.org/#event-stream-interpretation)."""
    event, last_id = "message", None
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    value = json.loads(text)
                except ValueError:
                    value = None
                yield SseEvent(event, value, last_id)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value


def stream(client: CentralClient, path: str, last_id: str | None = None, read_timeout: float = READ_TIMEOUT_S,
           on_open: Callable[[requests.Response], None] | None = None) -> Iterator[SseEvent]:
    """The events of one connection, until it ends. Raises CentralUnavailable (connection lost, 5xx,
    not an event stream) or CentralRejected (401, 403, 404...). on_open gets the response, so
    another thread can close it (a reader blocked between events then stops at once)."""
    headers = {"Accept": "text/event-stream"}
    if last_id:
        headers["Last-Event-ID"] = last_id
    try:
        resp = client.session.get(client.url + path, headers=headers, stream=True, verify=client.verify,
                                  timeout=(client.timeout, read_timeout))
    except requests.RequestException as exc:
        raise CentralUnavailable(f"cannot open the push channel: {type(exc).__name__}") from None
    if on_open is not None:
        on_open(resp)
    with resp:
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise CentralUnavailable(f"push channel: HTTP {resp.status_code}")
        if resp.status_code != 200:
            raise CentralRejected(resp.status_code, resp.text[:200])
        if not resp.headers.get("content-type", "").startswith("text/event-stream"):
            raise CentralUnavailable("push channel: the answer is not an event stream (proxy?)")
        try:
            yield from parse(line if isinstance(line, str) else line.decode("utf-8", "replace")
                             for line in resp.iter_lines(decode_unicode=True))
        except (requests.RequestException, AttributeError, OSError, ValueError) as exc:  # closed under us
            raise CentralUnavailable(f"push channel lost: {type(exc).__name__}") from None
