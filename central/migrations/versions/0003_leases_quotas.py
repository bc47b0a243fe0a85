"""leases: idempotency key, quota window; device indexes for lobby kiosks only (issue 11)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

- leases.request_id (the device's idempotency key, unique per device) and leases.window (HH:MM
  start of the session whose quota a lease counts against); an index for the quota sums.
- devices.device_index becomes nullable: only lobby kiosks hold one (counters and displays
  issue no numbers). Existing counters and displays let go of theirs; lobby kiosks keep theirs,
  which their fallback blocks depend on.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('window', sa.String(length=5), nullable=True))
        batch_op.create_index(batch_op.f('ix_leases_device_id_request_id'), ['device_id', 'request_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_leases_centre_id_service_code_day'), ['centre_id', 'service_code', 'day'],
                              unique=False)
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.alter_column('device_index', existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE devices SET device_index = NULL WHERE role <> 'lobby'")


def downgrade() -> None:
    # Counters and displays get indexes above every lobby's again (the old rule: never reused).
    bind = op.get_bind()
    top = bind.execute(sa.text("SELECT centre_id, MAX(device_index) FROM devices GROUP BY centre_id")).all()
    start = {centre: (n or 0) for centre, n in top}
    rows = bind.execute(sa.text("SELECT id, centre_id FROM devices WHERE device_index IS NULL "
                                "ORDER BY centre_id, enrolled_at")).all()
    for device_id, centre in rows:
        start[centre] += 1
        bind.execute(sa.text("UPDATE devices SET device_index = :i WHERE id = :d"), {"i": start[centre], "d": device_id})
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.alter_column('device_index', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leases_centre_id_service_code_day'))
        batch_op.drop_index(batch_op.f('ix_leases_device_id_request_id'))
        batch_op.drop_column('window')
        batch_op.drop_column('request_id')
