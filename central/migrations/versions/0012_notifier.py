"""notifications to the citizen's phone (issue 13, central/notify)

Revision ID: 0012_notifier
Revises: 0011_perf
Create Date: 2026-11-29

- notify_phones: the numbers citizens gave at the kiosk (with consent), one per ticket, deleted
  at the end of the centre's local day.
- notify_outbox: the "about to be called" and "rate the service" messages, one per ticket and
  kind, retried with capped back-off until the gateway takes them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_notifier'
down_revision = '0011_perf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notify_phones',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_notify_phones_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'ticket_id', name=op.f('pk_notify_phones'))
    )
    op.create_index(op.f('ix_notify_phones_day'), 'notify_phones', ['day'], unique=False)
    op.create_table('notify_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('ahead', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_notify_outbox_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_outbox')),
    sa.UniqueConstraint('centre_id', 'ticket_id', 'kind', name=op.f('uq_notify_outbox_centre_id_ticket_id_kind'))
    )
    op.create_index(op.f('ix_notify_outbox_status'), 'notify_outbox', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notify_outbox_status'), table_name='notify_outbox')
    op.drop_table('notify_outbox')
    op.drop_index(op.f('ix_notify_phones_day'), table_name='notify_phones')
    op.drop_table('notify_phones')
