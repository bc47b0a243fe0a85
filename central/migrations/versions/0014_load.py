"""retention: the receipt times `kiosk central prune` deletes by are indexed (issue 16)

Revision ID: 0014_load
Revises: 0012_lobby2
Create Date: 2026-11-29

- events, event_conflicts, ingest_batches, heartbeats: an index on received_at. On PostgreSQL a
  BRIN index (rows arrive in receipt order: a few pages for millions of rows, next to nothing per
  insert, so ingestion does not pay a second B-tree); on SQLite an ordinary one.
"""
from alembic import op

revision = '0014_load'
down_revision = '0012_lobby2'
branch_labels = None
depends_on = None

TABLES = ('events', 'event_conflicts', 'ingest_batches', 'heartbeats')


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f'ix_{table}_received_at', table, ['received_at'], unique=False, postgresql_using='brin')


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f'ix_{table}_received_at', table_name=table)
