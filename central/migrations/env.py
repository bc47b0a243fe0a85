"""Alembic environment: always called with a connection (central.db.migrate or tests)."""
from alembic import context

from central.db import VERSION_TABLE
from central.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through central.db.migrate(engine)")
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
