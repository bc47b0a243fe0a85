"""Puts the web app into the central's FastAPI app: pages, static files, offline /docs, headers."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from central.web.render import STATIC, env

# Pages load scripts, styles and images from the central itself only; no frames, no plugins.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# Swagger UI sets inline styles from its own script.
CSP_DOCS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeaders:
    """Adds the browser-facing security headers to every response (pure ASGI: costs the API nothing)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path: str = scope.get("path", "")
        csp = (CSP_DOCS if path.startswith("/docs") else CSP).encode()

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY"), (b"content-security-policy", csp),
                         (b"cross-origin-opener-policy", b"same-origin"),
                         (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
                if not path.startswith(("/api/", "/static/")):
                    extra.append((b"cache-control", b"no-store"))  # pages carry names and figures
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def too_large_page(limit: int) -> bytes:
    """The 413 a browser shows when a form (e.g. a photo) is over the central's body limit."""
    mb = limit / 1_000_000
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>413</title>'
            f'<link rel="stylesheet" href="/static/css/app.css"></head><body class="login-page"><div class="card plain">'
            f'<h1>413 · Tệp quá lớn / File too large</h1><p>Tệp gửi lên vượt quá {mb:.0f} MB: không có gì được lưu. '
            f'Hãy chọn ảnh nhỏ hơn.</p><p>The upload is over {mb:.0f} MB: nothing was saved. Choose a smaller picture.</p>'
            f'<p><a href="/">←</a></p></div></body></html>').encode()


def install(app: FastAPI) -> None:
    from central.web import (
        alert_pages,
        config_pages,
        display_pages,
        fleet_pages,
        monitor,
        pages,
        public_pages,
        reports_pages,
        ticket_views,
    )
    from central.web.alerts import PushSettings, Watcher

    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages.install_handlers(app)
    for module in (pages, reports_pages, fleet_pages, monitor, config_pages, alert_pages, display_pages,
                   ticket_views, public_pages):
        app.include_router(module.router)

    # Evaluates the alert rules in the background and pushes what opens: started by whoever serves the app
    # (`kiosk central serve`, start_embedded), so building an app (OpenAPI, tests) starts no thread.
    app.state.alert_watcher = Watcher(app.state.db, PushSettings.from_env())

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI from the central's own static files (the centre's network has no internet)."""
        return HTMLResponse(env.get_template("docs.html").render(title=app.title, openapi_url=app.openapi_url))
