"""duration histograms of closed months, diagnostics bundles (issue 12)

Revision ID: 0011_perf
Revises: 0008_push (file 0010_push.py)
Create Date: 2026-11-29

- report_rollup_hist: tickets per month, kind (wait | service), service and 15-second bucket
  of their waiting or service time (central/rollups.py), so that the p50/p90 of a year add up
  a few thousand rows instead of reading every ticket.
- report_rollup_hist_months: the months whose histograms are complete; ingestion deletes the
  month of every day it touches, and the next report builds it again.
- diagnostics_bundles: the zips devices upload (central/diagnostics.py), listed on /fleet.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_perf'
down_revision = '0008_push'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_rollup_hist',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('service_code', sa.String(length=16), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_report_rollup_hist_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'month', 'kind', 'service_code', 'bucket', name=op.f('pk_report_rollup_hist'))
    )
    op.create_table('diagnostics_bundles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_diagnostics_bundles_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diagnostics_bundles'))
    )
    op.create_index(op.f('ix_diagnostics_bundles_centre_id_uploaded_at'), 'diagnostics_bundles', ['centre_id', 'uploaded_at'], unique=False)
    op.create_index(op.f('ix_diagnostics_bundles_device_id_uploaded_at'), 'diagnostics_bundles', ['device_id', 'uploaded_at'], unique=False)
    op.create_table('report_rollup_hist_months',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_report_rollup_hist_months_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'month', name=op.f('pk_report_rollup_hist_months'))
    )


def downgrade() -> None:
    op.drop_table('report_rollup_hist_months')
    op.drop_index(op.f('ix_diagnostics_bundles_device_id_uploaded_at'), table_name='diagnostics_bundles')
    op.drop_index(op.f('ix_diagnostics_bundles_centre_id_uploaded_at'), table_name='diagnostics_bundles')
    op.drop_table('diagnostics_bundles')
    op.drop_table('report_rollup_hist')
