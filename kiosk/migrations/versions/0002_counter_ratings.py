"""counter role: ratings, rejected presses, counter state, cached queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rating',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('raw_key', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=128), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_counter_rated_at', ['counter', 'rated_at'], unique=False)

    op.create_table('rejected_press',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('raw_key', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=128), nullable=False),
    sa.Column('pressed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rejected_press', schema=None) as batch_op:
        batch_op.create_index('ix_rejected_press_at', ['pressed_at'], unique=False)

    op.create_table('counter_state',
    sa.Column('counter', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=True),
    sa.Column('display_number', sa.String(length=16), nullable=True),
    sa.Column('service_code', sa.String(length=16), nullable=True),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=True),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('counter')
    )
    op.create_table('queue_entry',
    sa.Column('ticket_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('display_number', sa.String(length=16), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('fetched_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('queue_entry', schema=None) as batch_op:
        batch_op.create_index('ix_queue_entry_day_number', ['day', 'display_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('queue_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_entry_day_number')
    op.drop_table('queue_entry')
    op.drop_table('counter_state')
    with op.batch_alter_table('rejected_press', schema=None) as batch_op:
        batch_op.drop_index('ix_rejected_press_at')
    op.drop_table('rejected_press')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_counter_rated_at')
    op.drop_table('rating')
