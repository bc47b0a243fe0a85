"""web app: alerts (issue 12)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

The table of central/web/models.py Alert: one row per alert, open while its rule holds
(closed_at NULL), with who acknowledged it and how it was pushed. Moments are naive UTC.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('pushed', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_web_alerts_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_alerts'))
    )
    with op.batch_alter_table('web_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_alerts_centre_id_closed_at'), ['centre_id', 'closed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('web_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_alerts_centre_id_closed_at'))

    op.drop_table('web_alerts')
