"""push: calls index, browser hall displays, ticket page keys (issue 13)

Revision ID: 0008_push (file 0010_push.py: after main's 0008_ratings and 0009_counter)
Revises: 0008_counter
Create Date: 2026-11-29

- tickets: ix_tickets_calls (centre_id, day, called_at), the calls query of displays and the push hub.
- display_screens: TV browsers paired with a centre by a short code (cookie secret stored hashed).
- ticket_keys: each centre's key for the tokens of its ticket pages (revoked keys kept).
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_push'
down_revision = '0008_counter'  # chained after main's 0008_ratings and 0008_counter (file 0009_counter.py)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_calls', ['centre_id', 'day', 'called_at'], unique=False)
    op.create_table('display_screens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('pair_code', sa.String(length=12), nullable=True),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('paired_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_display_screens_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_display_screens')),
    sa.UniqueConstraint('pair_code', name=op.f('uq_display_screens_pair_code')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_display_screens_secret_hash'))
    )
    op.create_table('ticket_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_ticket_keys_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_keys'))
    )
    with op.batch_alter_table('ticket_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_keys_centre_id'), ['centre_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_keys_centre_id'))
    op.drop_table('ticket_keys')
    op.drop_table('display_screens')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_calls')
