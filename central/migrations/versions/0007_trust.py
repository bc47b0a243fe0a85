"""trust what each device says (issue 11)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

- events: the idempotency key is (device_id, id), and payload_hash tells a conflict (same id,
  another content) from a duplicate; event_conflicts keeps the conflicting copies for audit.
- ingest_batches.conflicts; admin_tokens.revoked_at.
- devices: the heartbeat's own names (disk_free_bytes, dead_letters, health) replace
  disk_free_mb and health_flags; counters bound at enrolment (also on enrolment_codes).
- heartbeats: the bounded history of each device's heartbeats (no longer in events).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_constraint('pk_events', type_='primary')
        batch_op.create_primary_key('pk_events', ['device_id', 'id'])
    op.create_table('event_conflicts',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_event_conflicts_centre_id_centres')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_event_conflicts'))
    )
    with op.batch_alter_table('event_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_conflicts_device_id_event_id'), ['device_id', 'event_id'], unique=False)
    op.create_table('heartbeats',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_heartbeats_device_id_devices')),
    sa.PrimaryKeyConstraint('device_id', 'event_id', name=op.f('pk_heartbeats'))
    )
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_heartbeats_device_id_at'), ['device_id', 'at'], unique=False)
    with op.batch_alter_table('ingest_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conflicts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.alter_column('skew_ms', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)
    with op.batch_alter_table('admin_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('enrolment_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counters', sa.JSON(), nullable=True))
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disk_free_bytes', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('dead_letters', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('health', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('counters', sa.JSON(), nullable=True))
        batch_op.alter_column('last_skew_ms', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True)
        batch_op.drop_column('disk_free_mb')
        batch_op.drop_column('health_flags')


def downgrade() -> None:
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health_flags', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('disk_free_mb', sa.Double(), nullable=True))
        batch_op.drop_column('counters')
        batch_op.drop_column('health')
        batch_op.drop_column('dead_letters')
        batch_op.drop_column('disk_free_bytes')
        batch_op.alter_column('last_skew_ms', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table('enrolment_codes', schema=None) as batch_op:
        batch_op.drop_column('counters')
    with op.batch_alter_table('admin_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('ingest_batches', schema=None) as batch_op:
        batch_op.drop_column('conflicts')
        batch_op.alter_column('skew_ms', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_heartbeats_device_id_at'))
    op.drop_table('heartbeats')
    with op.batch_alter_table('event_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_conflicts_device_id_event_id'))
    op.drop_table('event_conflicts')
    # Ids were unique per device only: keep one row per id before the old key comes back.
    op.execute("DELETE FROM events WHERE EXISTS (SELECT 1 FROM events e2 WHERE e2.id = events.id "
               "AND e2.device_id < events.device_id)")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('pk_events', type_='primary')
        batch_op.create_primary_key('pk_events', ['id'])
        batch_op.drop_column('payload_hash')
