"""a dossier's new appointment date (issue 15)

Revision ID: 0012_lobby2
Revises: 0011_perf
Create Date: 2026-11-29

- dossiers.new_due_date: the new appointment date a late dossier was given (import or the
  province's answer); the kiosk says it instead of sending the citizen back on a passed date.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_lobby2'
down_revision = '0012_notifier'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_due_date', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('new_due_date')
