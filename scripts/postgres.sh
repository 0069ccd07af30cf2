#!/usr/bin/env bash
# Starts Debian's PostgreSQL on 127.0.0.1 for the test run and prints a DATABASE_URL for it.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster=santer
port=${SANTER_PG_PORT:-5439}
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$cluster"; then
  pg_createcluster "$version" "$cluster" -p "$port" >/dev/null
fi
pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true
for _ in $(seq 30); do
  pg_isready -h 127.0.0.1 -p "$port" -q && break
  sleep 0.5
done
su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='santer'\"" | grep -q 1 ||
  su postgres -c "psql -p $port -qc \"CREATE ROLE santer LOGIN CREATEDB PASSWORD 'santer'\""
su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_database WHERE datname='santer'\"" | grep -q 1 ||
  su postgres -c "createdb -p $port -O santer santer"
echo "postgres://santer:santer@127.0.0.1:$port/santer"
