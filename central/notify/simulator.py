"""A gateway of each kind (Zalo ZNS, SMS) as a real HTTP server on loopback: it checks the token,
records what it was sent, and can be switched off (503) to test the retries."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kiosk.contract.phone import mask


class GatewaySimulator:
    def __init__(self, kind: str = "zalo", token: str = "sim-token", log_path: Path | None = None) -> None:
        """log_path: each message received is appended there as a JSON line, its number masked (the demo)."""
        assert kind in ("zalo", "sms")
        self.kind, self.token, self.log_path = kind, token, log_path
        self.received: list[dict[str, Any]] = []
        self.down = False
        self.arrived = threading.Condition()
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok_token = (self.headers.get("access_token") == sim.token if sim.kind == "zalo"
                            else self.headers.get("Authorization") == f"Bearer {sim.token}")
                if sim.down:
                    return self._answer(503, {"error": -1, "message": "down"})
                if not ok_token:
                    return self._answer(401, {"error": -124, "message": "invalid access token"})
                with sim.arrived:
                    sim.received.append(json.loads(body))
                    sim.arrived.notify_all()
                    if sim.log_path is not None:
                        sim.record(sim.received[-1])
                self._answer(200, {"error": 0, "message": "Success"} if sim.kind == "zalo" else {"status": "queued"})

            def _answer(self, code: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args: Any) -> None:  # quiet: the bodies hold numbers
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/send"
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"{kind}-sim", daemon=True)

    def record(self, body: dict[str, Any]) -> None:
        shown = {k: mask(v) if k in ("phone", "to") and isinstance(v, str) else v for k, v in body.items()}
        assert self.log_path is not None
        with self.log_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(shown, ensure_ascii=False) + "\n")

    def environ(self) -> dict[str, str]:
        """The central's settings that send through this simulator (docs/notify.md)."""
        return {"KIOSK_NOTIFY_CHANNEL": self.kind, "KIOSK_NOTIFY_URL": self.url, "KIOSK_NOTIFY_TOKEN": self.token}

    def __enter__(self) -> "GatewaySimulator":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
