"""The FastAPI application: routes, error shapes and the request size limit."""
from __future__ import annotations

import gc
import json
import os
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.exception_handlers import http_exception_handler
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import JSONResponse

from central import __version__
from central.admin_api import reports_router
from central.admin_api import router as admin_router
from central.api import router as device_router
from central.diagnostics import router as diagnostics_router
from central.centres import CentreDocument
from central.db import Database
from central.dossier_api import router as dossier_router
from central.notify.loop import NotifyLoop
from central.notify_settings import NotifySettings
from central.push import CallHub
from central.push_api import router as push_router
from central.web.install import install as install_web
from central.web.install import too_large_page
from kiosk.contract.wire import MAX_BODY_BYTES, Batch

DESCRIPTION = ("Central system of Kiosk Một Cửa: device enrolment, config distribution, event ingestion, "
               "number leases, the merged queue and satisfaction reports. Contract: docs/central.md.")


class BodyLimit:
    """413 for bodies over the limit, before they are read into memory (ASGI middleware)."""

    def __init__(self, app: Any, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            body, kind = json.dumps({"detail": f"request body over {self.limit} bytes"}).encode(), b"application/json"
            if not scope.get("path", "").startswith("/api/"):  # a person's upload from a web page
                body, kind = too_large_page(self.limit), b"text/html; charset=utf-8"
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:  # chunked upload without Content-Length
                raise HTTPException(413, f"request body over {self.limit} bytes")
            return message

        await self.app(scope, limited, send)


def _where(loc: tuple | list) -> str:
    out = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        return JSONResponse({"detail": "body is not valid JSON; nothing was stored", "errors": errors}, status_code=400)
    message = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors[:10])
    return JSONResponse({"detail": f"invalid request, nothing was stored: {message}", "errors": errors[:100]},
                        status_code=422)


def _with_wire_models(app: FastAPI) -> None:
    """Publishes the typed event batch (kiosk.contract.wire.Batch: one schema per event type) as the
    request body of POST /api/v1/events; the route itself parses a lenient envelope so that one
    bad event gets its own verdict instead of failing the batch."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (Batch, CentreDocument):
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(body.pop("$defs", {}))
                components[model.__name__] = body
            components.pop("BatchEnvelope", None)
            app.openapi_schema = schema
        return app.openapi_schema
    app.openapi = openapi  # type: ignore[method-assign]


async def _not_allowed(request: Request, exc: StarletteHTTPException) -> Response:
    """405 with an Allow header naming every method of the path (Starlette names only the first
    route's when GET and PUT of one path are two routes)."""
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
            methods |= route.methods or set()
    return JSONResponse({"detail": "Method Not Allowed"}, status_code=405,
                        headers={"Allow": ", ".join(sorted(methods))})


def create_app(db: Database) -> FastAPI:
    # /docs is served by the web app from the central's own copy of Swagger UI (no CDN).
    app = FastAPI(title="Kiosk Một Cửa central", version=__version__, description=DESCRIPTION, docs_url=None,
                  redoc_url=None)
    _with_wire_models(app)
    app.state.db = db
    app.state.call_hub = CallHub(db)  # the push channel's fan-out (central/push.py)
    app.state.notify_loop = NotifyLoop(db, NotifySettings.from_env())  # Zalo / SMS (central/notify)
    app.add_middleware(BodyLimit)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _not_allowed)  # type: ignore[arg-type]
    app.include_router(push_router)  # before /calls' siblings: its own path
    app.include_router(device_router)
    app.include_router(admin_router)
    app.include_router(reports_router)
    app.include_router(dossier_router)
    app.include_router(diagnostics_router)
    install_web(app)  # the managers' pages (central/web)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


# A 500-event batch allocates some 100,000 objects: with the default threshold (700) each batch set
# off dozens of collections, and the full ones walked every object of the app (routes, models,
# SQLAlchemy's caches: ~170,000). That was a fifth of ingestion's CPU (benchmarks.central_profile).
GC_THRESHOLD = (20_000, 10, 10)


def settle_heap() -> None:
    """Once the app is built, before serving: what start-up made lives as long as the process,
    so the collector stops walking it (gc.freeze), and collects young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def app_from_env() -> FastAPI:
    """The app factory of each worker of `kiosk central serve --workers N`: the database named by
    $KIOSK_CENTRAL_DB, already migrated by the supervising process (workers never migrate)."""
    from central.db import connect
    from central.province import cli as province_cli

    app = create_app(connect(os.environ["KIOSK_CENTRAL_DB"]))
    province_cli.start_bridge(app, app.state.db, None)  # when $KIOSK_PROVINCE_CONFIG names its settings
    settle_heap()
    return app
