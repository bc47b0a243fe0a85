"""web app: users, sessions, audit (issue 12)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Tables of central/web/models.py. For the reports in SQL: tickets get their waiting and service
times as columns (wait_s, service_s, filled here for the rows already stored) and an index on
the period that covers what the reports group and sum; the ratings' period index covers the
same for ratings. Moments are naive UTC (central.db.UTCDateTime).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_audit'))
    )
    with op.batch_alter_table('web_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_audit_centre_id_at'), ['centre_id', 'at'], unique=False)

    op.create_table('web_users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_web_users_centre_id_centres')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_users')),
    sa.UniqueConstraint('username', name=op.f('uq_web_users_username'))
    )
    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['web_users.id'], name=op.f('fk_web_sessions_user_id_web_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_centre_id_rated_at'))
        batch_op.create_index('ix_ratings_report', ['centre_id', 'rated_at', 'level', 'counter', 'officer',
                                                    'service_code'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wait_s', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('service_s', sa.Double(), nullable=True))
        batch_op.create_index('ix_tickets_report', ['centre_id', 'day', 'status', 'service_code', 'counter',
                                                    'officer', 'wait_s', 'service_s'], unique=False)
    # Same rule as central.tickets.durations, for the tickets stored before this version.
    if op.get_bind().dialect.name == 'sqlite':
        seconds = "(julianday({b}) - julianday({a})) * 86400.0"
    else:
        seconds = "EXTRACT(EPOCH FROM ({b} - {a}))"
    wait = seconds.format(a='issued_at', b='first_called_at')
    service = seconds.format(a='called_at', b='served_at')
    op.execute(f"UPDATE tickets SET wait_s = CASE WHEN first_called_at >= issued_at THEN {wait} END, "
               f"service_s = CASE WHEN status = 'served' AND served_at >= called_at THEN {service} END")



def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_report')
        batch_op.drop_column('service_s')
        batch_op.drop_column('wait_s')

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_report')
        batch_op.create_index(batch_op.f('ix_ratings_centre_id_rated_at'), ['centre_id', 'rated_at'], unique=False)

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))

    op.drop_table('web_sessions')
    op.drop_table('web_users')
    with op.batch_alter_table('web_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_audit_centre_id_at'))
        batch_op.drop_index(batch_op.f('ix_web_audit_at'))

    op.drop_table('web_audit')
