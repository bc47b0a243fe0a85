"""dossiers for the kiosk look-up (issue 5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Tables of central/dossiers.py: dossiers (one row per centre + code, applicant data stored raw,
masked on the way out) and dossier_history. Moments are naive UTC (kiosk.contract.sqlstore.UTCDateTime).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('procedure_name', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('finished_date', sa.Date(), nullable=True),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_id_number', sa.String(length=32), nullable=False),
    sa.Column('applicant_phone', sa.String(length=32), nullable=False),
    sa.Column('applicant_address', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_dossiers_centre_id_centres'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('centre_id', 'code', name=op.f('uq_dossiers_centre_id_code'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_centre_id_external_id'), ['centre_id', 'external_id'],
                              unique=False)

    op.create_table('dossier_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_history_dossier_id_dossiers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_history'))
    )
    with op.batch_alter_table('dossier_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_history_dossier_id'), ['dossier_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dossier_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_history_dossier_id'))
    op.drop_table('dossier_history')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_centre_id_external_id'))
    op.drop_table('dossiers')
