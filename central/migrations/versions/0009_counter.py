"""who is signed in at each counter (issue 14, officer.session events)

Revision ID: 0008_counter
Revises: 0008_ratings
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_counter'
down_revision = '0008_ratings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('counter_officers',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('counter', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('on_break', sa.Boolean(), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_counter_officers_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'counter', name=op.f('pk_counter_officers'))
    )


def downgrade() -> None:
    op.drop_table('counter_officers')
