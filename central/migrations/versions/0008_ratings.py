"""dossiers served and rated, reasons attached later, the province adapter's outbox (issue 14)

Revision ID: 0008_ratings
Revises: 0007
Create Date: 2026-11-29

- dossier_links: the dossiers served while serving a ticket (ticket.dossier_linked).
- rated_dossiers: one rating per dossier (its primary key holds under concurrent batches).
- ratings: reason_code, reason_state (NULL: no reason asked; answered; not_answered), reason_at,
  dossier_code.
- province_outbox: the rated dossiers on their way to the province's one-stop system, kept
  until it took them (central.province.outbox).
- dossiers.office: the office holding a dossier, as the province's system said it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_ratings'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dossier_links',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=64), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_dossier_links_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'ticket_id', 'dossier_code', name=op.f('pk_dossier_links'))
    )
    with op.batch_alter_table('dossier_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_links_centre_id_linked_at'), ['centre_id', 'linked_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_links_centre_id_dossier_code'), ['centre_id', 'dossier_code'],
                              unique=False)
    op.create_table('rated_dossiers',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('rating_id', sa.String(length=64), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_rated_dossiers_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'dossier_code', name=op.f('pk_rated_dossiers'))
    )
    with op.batch_alter_table('rated_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rated_dossiers_centre_id_rating_id'), ['centre_id', 'rating_id'],
                              unique=False)
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reason_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reason_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('dossier_code', sa.String(length=64), nullable=True))
    op.create_table('province_outbox',
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('rating_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('refused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_province_outbox_centre_id_centres')),
    sa.PrimaryKeyConstraint('centre_id', 'dossier_code', name=op.f('pk_province_outbox'))
    )
    with op.batch_alter_table('province_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_province_outbox_sent_at_refused_next_attempt_at'),
                              ['sent_at', 'refused', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office', sa.String(length=200), nullable=True))
    # A reason sent with the rating itself (before this revision) was an answer.
    op.execute("UPDATE ratings SET reason_state = 'answered', reason_at = rated_at WHERE reason IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('office')
    with op.batch_alter_table('province_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_province_outbox_sent_at_refused_next_attempt_at'))
    op.drop_table('province_outbox')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_column('dossier_code')
        batch_op.drop_column('reason_at')
        batch_op.drop_column('reason_state')
        batch_op.drop_column('reason_code')
    with op.batch_alter_table('rated_dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rated_dossiers_centre_id_rating_id'))
    op.drop_table('rated_dossiers')
    with op.batch_alter_table('dossier_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_links_centre_id_dossier_code'))
        batch_op.drop_index(batch_op.f('ix_dossier_links_centre_id_linked_at'))
    op.drop_table('dossier_links')
