"""The served OpenAPI schema is the one in the repo; migrations match the models on both dialects."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from central_helpers import Central

from benchmarks.throwaway_pg import ThrowawayPostgres
from central.db import MIGRATIONS, VERSION_TABLE, Database, migrate
from central.models import metadata
from central.openapi import SCHEMA_FILE, render


def test_served_openapi_equals_the_file_in_the_repo(central: Central) -> None:
    served = httpx.get(f"{central.url}/openapi.json").json()
    stored = json.loads(Path(SCHEMA_FILE).read_text(encoding="utf-8"))
    assert served == stored, "API changed: run `python -m central.openapi > central/openapi.json` and review the diff"
    assert render() == Path(SCHEMA_FILE).read_text(encoding="utf-8")


def _check_migrations(url: str) -> None:
    db = Database(url)
    try:
        migrate(db.engine)
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": VERSION_TABLE})
            assert compare_metadata(ctx, metadata) == []
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.begin() as conn:  # downgrade and upgrade again: the migration is reversible
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
            command.upgrade(cfg, "head")
    finally:
        db.close()


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    _check_migrations(f"sqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
def test_migrations_match_models_on_postgres(postgres: ThrowawayPostgres) -> None:
    _check_migrations(postgres.create_database(f"m_{uuid.uuid4().hex[:8]}"))


def test_openapi_documents_each_event_payload_and_every_error_body() -> None:
    """The payload was an untyped object and 400/401/403 were undocumented; the 422 body was
    documented as a list where the server answered a string."""
    from kiosk.contract.wire import EVENT_TYPES
    doc = json.loads(render())
    schemas = doc["components"]["schemas"]
    op = doc["paths"]["/api/v1/events"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Batch"}
    items = schemas["Batch"]["properties"]["events"]["items"]
    mapping = items["discriminator"]["mapping"]
    assert set(mapping) == set(EVENT_TYPES)
    for ref in mapping.values():
        event = schemas[ref.rsplit("/", 1)[1]]
        payload = schemas[event["properties"]["payload"]["$ref"].rsplit("/", 1)[1]]
        assert payload["properties"] and payload["additionalProperties"] is False
    number = schemas["TicketIssued"]["properties"]["number"]
    assert (number["minimum"], number["maximum"]) == (1, 99_999)
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for status in ("400", "401", "413", "422"):
        assert op["responses"][status]["content"]["application/json"]["schema"] == error, status
    assert schemas["ErrorBody"]["properties"]["detail"]
    for path, methods in doc["paths"].items():
        for method, spec in methods.items():
            codes = set(spec["responses"])
            if path.startswith("/api/v1/counters/"):
                assert "403" in codes, path
            if "422" in codes:
                assert spec["responses"]["422"]["content"]["application/json"]["schema"] == error, (method, path)
    assert "HTTPValidationError" not in schemas
