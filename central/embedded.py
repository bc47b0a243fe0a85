"""The central in a background thread of this process: for `kiosk demo` and for tests."""
from __future__ import annotations

import threading
import time
from typing import Callable

import uvicorn
from fastapi import FastAPI
from sqlalchemy import delete

from central.app import create_app
from central.db import Database, migrate
from central.devices import AdminToken, ensure_admin_token, new_token


class EmbeddedCentral:
    def __init__(self, server: uvicorn.Server, thread: threading.Thread, db: Database, url: str,
                 admin_token: str, app: FastAPI) -> None:
        self._server, self._thread, self.db, self._app = server, thread, db, app
        self.url, self.admin_token = url, admin_token
        self.closers: list[Callable[[], object]] = []  # run after the server stops (the demo's gateway simulator)

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def stop(self, timeout: float = 10) -> None:
        self._app.state.alert_watcher.stop()  # central/web/alerts.py
        self._app.state.notify_loop.stop()  # central/notify
        self._app.state.call_hub.stop()  # ends the push streams, or the server waits for them
        self._server.should_exit = True
        self._thread.join(timeout)
        self.db.close()
        for close in self.closers:
            close()

    def __enter__(self) -> "EmbeddedCentral":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_embedded(db_url: str, host: str = "127.0.0.1", port: int = 0, admin_token: str | None = None,
                   startup_timeout: float = 15) -> EmbeddedCentral:
    """Migrates db_url, serves it on host:port (0 = any free port) and returns once it listens.

    Without admin_token a fresh one is made for this run (it replaces the previous run's).
    """
    db = Database(db_url)
    migrate(db.engine)
    with db.transaction() as s:
        if admin_token is None:
            s.execute(delete(AdminToken).where(AdminToken.label == "embedded"))
            admin_token = new_token()
            ensure_admin_token(s, admin_token, label="embedded")
        else:
            ensure_admin_token(s, admin_token, label="configured")
    app = create_app(db)
    app.state.alert_watcher.start()
    app.state.notify_loop.start()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    # Not the main thread: uvicorn then leaves signal handlers alone.
    thread = threading.Thread(target=server.run, name="central-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            app.state.alert_watcher.stop()
            app.state.notify_loop.stop()
            db.close()
            raise RuntimeError(f"central did not start on {host}:{port} (port in use?)")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]  # the real port when port=0
    shown = f"[{host}]" if ":" in host else host
    return EmbeddedCentral(server, thread, db, f"http://{shown}:{bound}", admin_token, app)
