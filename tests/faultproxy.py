"""A real TCP proxy on loopback that misbehaves on demand, in front of a real central.

modes: "pass" (forward), "down" (refuse: close at once), "http500" (answer 500 itself),
"slow" (hold the response `delay` seconds), "cut" (forward the request, then close the
connection after part of the response); a misconfigured reverse proxy: "http404" (an HTML
404 page), "http405" (JSON {"detail": "Method Not Allowed"}, as another web framework answers),
"html200" (a 200 with a login or error page).
"""
from __future__ import annotations

import socket
import threading
import time


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self.delay = 3.0
        self.requests = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        self.requests += 1
        mode = self.mode
        with client:
            if mode == "down":
                return
            request = _read_http_message(client)
            if request is None:
                return
            if mode == "http500":
                client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!")
                return
            if mode in CANNED:
                status, ctype, body = CANNED[mode]
                client.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                               f"Connection: close\r\n\r\n".encode() + body)
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                return
            with upstream:
                # one request per connection keeps the fault modes simple and exact
                upstream.sendall(request.replace(b"Connection: keep-alive", b"Connection: close"))
                response = _read_http_message(upstream) or b""
            if mode == "slow":
                time.sleep(self.delay)  # the fault itself: a central that answers late
            if mode == "cut":
                client.sendall(response[: max(1, len(response) // 2)])
                return
            client.sendall(response)


CANNED = {
    "http404": ("404 Not Found", "text/html", b"<html><body><h1>404 Not Found</h1><hr>nginx</body></html>"),
    "http405": ("405 Method Not Allowed", "application/json", b'{"detail":"Method Not Allowed"}'),
    "html200": ("200 OK", "text/html", b"<html><body>Please log in to the hotel Wi-Fi</body></html>"),
}


def _read_http_message(sock: socket.socket) -> bytes | None:
    sock.settimeout(15)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data or None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        if b"connection:" not in head.lower():
            head += b"\r\nConnection: close"
        return head + b"\r\n\r\n" + body
    except (OSError, ValueError):
        return data or None
