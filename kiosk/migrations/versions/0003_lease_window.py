"""number leases remember the session whose quota they count against (issue 11)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('number_lease', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window', sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('number_lease', schema=None) as batch_op:
        batch_op.drop_column('window')
