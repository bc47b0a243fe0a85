"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23

Every moment is stored as naive UTC (kiosk.contract.sqlstore.UTCDateTime), the same on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('admin_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_admin_tokens_token_hash'))
    )
    op.create_table('centres',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('etag', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centres')),
    sa.UniqueConstraint('code', name=op.f('uq_centres_code'))
    )
    op.create_table('ingest_batches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_batches'))
    )
    with op.batch_alter_table('ingest_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_batches_device_id_received_at'), ['device_id', 'received_at'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('device_index', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_batch_at', sa.DateTime(), nullable=True),
    sa.Column('last_skew_ms', sa.Integer(), nullable=True),
    sa.Column('last_heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.String(length=64), nullable=True),
    sa.Column('uptime_s', sa.Double(), nullable=True),
    sa.Column('disk_free_mb', sa.Double(), nullable=True),
    sa.Column('outbox_backlog', sa.Integer(), nullable=True),
    sa.Column('health_flags', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_devices_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('centre_id', 'device_index', name=op.f('uq_devices_centre_id_device_index')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    op.create_table('enrolment_codes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_enrolment_codes_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_enrolment_codes_code_hash'))
    )
    op.create_table('events',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=True),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('corrected_occurred_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_events_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_centre_id_type_corrected_occurred_at'), ['centre_id', 'type', 'corrected_occurred_at'], unique=False)

    op.create_table('lease_cursors',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_lease_cursors_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'service_code', 'day', name=op.f('pk_lease_cursors'))
    )
    op.create_table('leases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('first', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_leases_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leases'))
    )
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leases_device_id_service_code_day'), ['device_id', 'service_code', 'day'], unique=False)

    op.create_table('queue_states',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('priority_taken', sa.Integer(), nullable=False),
    sa.Column('normal_taken', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_queue_states_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'service_code', name=op.f('pk_queue_states'))
    )
    op.create_table('ratings',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('service_code', sa.String(length=16), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_ratings_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'rating_id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('centre_id', 'ticket_id', name=op.f('uq_ratings_centre_id_ticket_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_centre_id_rated_at'), ['centre_id', 'rated_at'], unique=False)

    op.create_table('tickets',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('day', sa.String(length=10), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('display_number', sa.String(length=16), nullable=True),
    sa.Column('priority_group', sa.String(length=32), nullable=True),
    sa.Column('issued_service_code', sa.String(length=16), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=True),
    sa.Column('printed_ok', sa.Boolean(), nullable=True),
    sa.Column('service_code', sa.String(length=16), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.Column('transfer_key', sa.String(length=100), nullable=True),
    sa.Column('transfer_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('status_key', sa.String(length=100), nullable=True),
    sa.Column('counter', sa.Integer(), nullable=True),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('first_called_at', sa.DateTime(), nullable=True),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('call_count', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('served_at', sa.DateTime(), nullable=True),
    sa.Column('no_show_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_tickets_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'ticket_id', name=op.f('pk_tickets'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_centre_id_served_at'), ['centre_id', 'served_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_centre_id_status_service_code_day'), ['centre_id', 'status', 'service_code', 'day'], unique=False)

    op.create_table('component_health',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('component', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('order_key', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_component_health_device_id_devices')),
    sa.PrimaryKeyConstraint('device_id', 'component', name=op.f('pk_component_health'))
    )


def downgrade() -> None:
    op.drop_table('component_health')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_centre_id_status_service_code_day'))
        batch_op.drop_index(batch_op.f('ix_tickets_centre_id_served_at'))

    op.drop_table('tickets')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_centre_id_rated_at'))

    op.drop_table('ratings')
    op.drop_table('queue_states')
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leases_device_id_service_code_day'))

    op.drop_table('leases')
    op.drop_table('lease_cursors')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_centre_id_type_corrected_occurred_at'))

    op.drop_table('events')
    op.drop_table('enrolment_codes')
    op.drop_table('devices')
    with op.batch_alter_table('ingest_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_batches_device_id_received_at'))

    op.drop_table('ingest_batches')
    op.drop_table('centres')
    op.drop_table('admin_tokens')
