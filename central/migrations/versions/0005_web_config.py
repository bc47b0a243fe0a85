"""web app: configuration versions, officers' photos, report rollups (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Tables of central/web/models.py: web_config_versions (every saved centre document with who,
when and the diff) and web_officer_photos (resized JPEG); of central/rollups.py: the per-day
sums of closed days that the reports read (report_rollup_*). Moments are naive UTC.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_rollup_days',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_report_rollup_days_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'day', name=op.f('pk_report_rollup_days'))
    )
    op.create_table('report_rollup_ratings',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('dim', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_report_rollup_ratings_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'day', 'dim', 'key', 'level', name=op.f('pk_report_rollup_ratings'))
    )
    op.create_table('report_rollup_tickets',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('dim', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('served', sa.Integer(), nullable=False),
    sa.Column('wait_sum', sa.Double(), nullable=False),
    sa.Column('wait_n', sa.Integer(), nullable=False),
    sa.Column('service_sum', sa.Double(), nullable=False),
    sa.Column('service_n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_report_rollup_tickets_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'day', 'dim', 'key', name=op.f('pk_report_rollup_tickets'))
    )
    op.create_table('web_config_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('etag', sa.String(length=40), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('diff', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_web_config_versions_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_config_versions')),
    sa.UniqueConstraint('centre_id', 'version', name=op.f('uq_web_config_versions_centre_id_version'))
    )
    op.create_table('web_officer_photos',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('officer_code', sa.String(length=64), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_web_officer_photos_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'officer_code', name=op.f('pk_web_officer_photos'))
    )


def downgrade() -> None:
    op.drop_table('web_officer_photos')
    op.drop_table('web_config_versions')
    op.drop_table('report_rollup_tickets')
    op.drop_table('report_rollup_ratings')
    op.drop_table('report_rollup_days')
