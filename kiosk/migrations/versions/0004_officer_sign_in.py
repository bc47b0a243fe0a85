"""counter role: the officer signed in at each counter (issue 14)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('counter_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_in', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('signed_in_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('counter_state', schema=None) as batch_op:
        batch_op.drop_column('signed_in_at')
        batch_op.drop_column('signed_in')
