"""A small province one-stop system on loopback, for tests and the demo (a real HTTP server).

It speaks the shape the default-free "Vietnamese" field mapping below describes (maHoSo,
trangThai, ...), asks for a bearer token from POST /token, and can misbehave on demand:
`mode` = ok | slow (answers after `delay_s`) | error (500) | garbage (200 with broken JSON);
`expire_tokens()` makes every issued token expire at once.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from central.province.settings import DossierFields, ProvinceSettings, RatingFields

CLIENT_ID, CLIENT_SECRET = "kiosk-mot-cua", "bi-mat-thu-nghiem"
FIELDS = DossierFields(code="maHoSo", status="trangThai", procedure_name="tenThuTuc", received_date="ngayTiepNhan",
                       due_date="ngayHenTra", finished_date="ngayKetThuc", new_due_date="ngayHenTraMoi",
                       office="donViXuLy", external_id="idHoSo")
RATING_FIELDS = RatingFields(dossier_code="maHoSo", level="mucDoHaiLong", reason="lyDo", reason_code="maLyDo",
                             officer="maCanBo", rated_at="thoiGianDanhGia", counter="quay", agency="maCoQuan")
LEVELS = {"very_satisfied": "RAT_HAI_LONG", "satisfied": "HAI_LONG", "unsatisfied": "KHONG_HAI_LONG"}


class ProvinceSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, token_life_s: float = 600) -> None:
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.ratings: list[dict[str, Any]] = []
        self.mode = "ok"
        self.delay_s = 0.0
        self.token_life_s = token_life_s
        self.requests = 0
        self.lookups = 0
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="province-sim", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> "ProvinceSimulator":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "ProvinceSimulator":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def settings(self, **over: Any) -> ProvinceSettings:
        """The central's settings for this simulator (secrets by env: KIOSK_PROVINCE_ID / _SECRET)."""
        base = {"base_url": self.url, "lookup_path": "/api/hoso/{code}", "rating_path": "/api/danhgia",
                "token_path": "/token", "client_id_env": "KIOSK_PROVINCE_ID",
                "client_secret_env": "KIOSK_PROVINCE_SECRET", "levels": LEVELS,
                "dossier_fields": FIELDS.model_dump(), "rating_fields": RATING_FIELDS.model_dump()}
        return ProvinceSettings.model_validate({**base, **over})

    def add(self, code: str, status: int, procedure: str, office: str, received: dt.date,
            due: dt.date | None = None, finished: dt.date | None = None, new_due: dt.date | None = None) -> None:
        self.dossiers[code] = {"maHoSo": code, "trangThai": status, "tenThuTuc": procedure, "donViXuLy": office,
                               "ngayTiepNhan": received.strftime("%d/%m/%Y"),
                               "ngayHenTra": due.strftime("%d/%m/%Y") if due else None,
                               "ngayKetThuc": finished.strftime("%d/%m/%Y") if finished else None,
                               "ngayHenTraMoi": new_due.strftime("%d/%m/%Y") if new_due else None,
                               "idHoSo": str(100000 + len(self.dossiers))}

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens = {t: 0.0 for t in self._tokens}

    def _valid(self, header: str | None) -> bool:
        token = (header or "").removeprefix("Bearer ").strip()
        with self._lock:
            return self._tokens.get(token, 0.0) > time.monotonic()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _misbehave(self) -> bool:
                sim.requests += 1
                if sim.mode == "slow":
                    time.sleep(sim.delay_s)
                if sim.mode == "error":
                    self._send(500, {"message": "Lỗi hệ thống"})
                    return True
                if sim.mode == "garbage":
                    self._send(200, None, raw=b'{"maHoSo": "000.00.12.H12-2611')
                    return True
                return False

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"null")

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                try:  # read whole first: an unread body would garble the next request on this connection
                    body = self._body()
                except ValueError:
                    body = None
                if self.path == "/token":
                    if not isinstance(body, dict) or (body.get("client_id"), body.get("client_secret")) != (
                            CLIENT_ID, CLIENT_SECRET):
                        return self._send(401, {"message": "sai thông tin xác thực"})
                    token = secrets.token_hex(16)
                    with sim._lock:
                        sim._tokens[token] = time.monotonic() + sim.token_life_s
                    return self._send(200, {"access_token": token, "expires_in": sim.token_life_s})
                if self._misbehave():
                    return None
                if not sim._valid(self.headers.get("Authorization")):
                    return self._send(401, {"message": "token hết hạn"})
                if self.path == "/api/danhgia":
                    if not isinstance(body, dict) or not body.get("maHoSo"):
                        return self._send(400, {"message": "thiếu mã hồ sơ"})
                    with sim._lock:
                        if any(r["maHoSo"] == body["maHoSo"] for r in sim.ratings):
                            return self._send(409, {"message": "hồ sơ đã được đánh giá"})
                        sim.ratings.append(body)
                    return self._send(201, {"ok": True})
                return self._send(404, {"message": "không có"})

            def do_GET(self) -> None:  # noqa: N802
                if self._misbehave():
                    return None
                if not sim._valid(self.headers.get("Authorization")):
                    return self._send(401, {"message": "token hết hạn"})
                prefix = "/api/hoso/"
                if not self.path.startswith(prefix):
                    return self._send(404, {"message": "không có"})
                sim.lookups += 1
                found = sim.dossiers.get(unquote(self.path[len(prefix):]))
                if found is None:
                    return self._send(404, {"message": "không tìm thấy hồ sơ"})
                return self._send(200, {"data": found})

        return Handler
