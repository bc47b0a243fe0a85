"""reports read their daily sums through covering indexes; new sums per day (issue 12)

Revision ID: 0015_reports
Revises: 0014_load
Create Date: 2026-11-29

- ix_report_rollup_ratings_dim, ix_report_rollup_tickets_dim: (centre, dim, day, …): a report
  reads one grouping over a period; the primary key's (centre, day, dim, …) order made it scan
  every grouping of those days.
- ix_ratings_unsatisfied: (centre, level, rated_at, counter, reason…): the reasons for "Không
  hài lòng" per counter read only the unsatisfied ratings' index entries.
- The daily rating sums gain two groupings (central/rollups.py: `day`, `tkt`): every day is
  marked to be summed again (report_rollup_days emptied); the next report sums them once.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_reports'
down_revision = '0014_load'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_report_rollup_ratings_dim', 'report_rollup_ratings',
                    ['centre_id', 'dim', 'day', 'key', 'level', 'n'], unique=False)
    op.create_index('ix_report_rollup_tickets_dim', 'report_rollup_tickets',
                    ['centre_id', 'dim', 'day', 'key', 'served', 'wait_sum', 'wait_n', 'service_sum', 'service_n'],
                    unique=False)
    op.create_index('ix_ratings_unsatisfied', 'ratings',
                    ['centre_id', 'level', 'rated_at', 'counter', 'reason_state', 'reason_code', 'reason'], unique=False)
    op.execute(sa.text("DELETE FROM report_rollup_days"))


def downgrade() -> None:
    op.drop_index('ix_ratings_unsatisfied', table_name='ratings')
    op.drop_index('ix_report_rollup_tickets_dim', table_name='report_rollup_tickets')
    op.drop_index('ix_report_rollup_ratings_dim', table_name='report_rollup_ratings')
    op.execute(sa.text("DELETE FROM report_rollup_days"))
