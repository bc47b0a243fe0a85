#!/usr/bin/env bash
# Sets up PostgreSQL for a central: a login role and a database it owns, and the pool sizes of
# /etc/kiosk/central.env checked against the server's max_connections. Run as root on the
# database host (Debian: apt-get install postgresql), then `systemctl restart kiosk-central`.
#   postgres-setup.sh [--workers 4] [--pool 8] [--overflow 4] [--role kiosk-central] [--db kiosk_central]
# PSQL (default: runuser -u postgres -- psql) and ENV_FILE (default /etc/kiosk/central.env) can be
# overridden, e.g. to run against another server.
set -euo pipefail
WORKERS=4; POOL=8; OVERFLOW=4; ROLE=kiosk-central; DB=kiosk_central
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) WORKERS=$2; shift 2;;
    --pool) POOL=$2; shift 2;;
    --overflow) OVERFLOW=$2; shift 2;;
    --role) ROLE=$2; shift 2;;
    --db) DB=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
PSQL=${PSQL:-runuser -u postgres -- psql}
ENV_FILE=${ENV_FILE:-/etc/kiosk/central.env}
psql_q() { $PSQL -v ON_ERROR_STOP=1 -X -q -At "$@"; }

# Each worker holds up to POOL+OVERFLOW connections; the serving process (alert rules) one pool
# more; migrate, backup, prune and admin commands a few; PostgreSQL keeps 3 for superusers.
per_process=$((POOL + OVERFLOW))
needed=$(( (WORKERS + 1) * per_process + 5 ))
max=$(psql_q -d postgres -c "SHOW max_connections")
reserved=$(psql_q -d postgres -c "SHOW superuser_reserved_connections")
if [ "$needed" -gt $((max - reserved)) ]; then
  echo "pool sizes need $needed connections but max_connections is $max ($reserved reserved):" >&2
  echo "lower --workers/--pool/--overflow, raise max_connections, or put PgBouncer in front (docs/capacity.md)" >&2
  exit 3
fi

psql_q -d postgres -v role="$ROLE" -v db="$DB" -v needed="$needed" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'role', 'UTF8')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER ROLE %I CONNECTION LIMIT %s', :'role', 0 + :needed) \gexec
SQL
# the role owns its database and nothing else; nobody else connects to it
psql_q -d postgres -c "REVOKE ALL ON DATABASE \"$DB\" FROM PUBLIC" -c "GRANT ALL ON DATABASE \"$DB\" TO \"$ROLE\""

mkdir -p "$(dirname "$ENV_FILE")"
tmp=$(mktemp "$ENV_FILE.XXXXXX")
if [ -f "$ENV_FILE" ]; then grep -v -E '^(# written by postgres-setup|KIOSK_CENTRAL_DB|KIOSK_CENTRAL_WORKERS|KIOSK_CENTRAL_DB_POOL|KIOSK_CENTRAL_DB_OVERFLOW)=' "$ENV_FILE" > "$tmp" || true; fi
cat >> "$tmp" <<ENV
# written by postgres-setup.sh: peer authentication over the local socket (OS user = role)
KIOSK_CENTRAL_DB=postgresql+psycopg://$ROLE@/$DB?host=/run/postgresql
KIOSK_CENTRAL_WORKERS=$WORKERS
KIOSK_CENTRAL_DB_POOL=$POOL
KIOSK_CENTRAL_DB_OVERFLOW=$OVERFLOW
ENV
chmod 0640 "$tmp"
mv "$tmp" "$ENV_FILE"
echo "PostgreSQL ready: role $ROLE, database $DB, up to $needed connections of $max; settings in $ENV_FILE"
