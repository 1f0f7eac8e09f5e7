#!/bin/sh
# First start: a cluster in the volume, the roles and databases of
# infra/postgres/init.sql (made while the server listens on no TCP port, so the
# health check cannot see it half-made). Then the server, for the compose network.
set -eu
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
DATA=/var/lib/postgresql/data
if [ ! -f "$DATA/.initialized" ]; then
  # A first start that died half-way starts over.
  find "$DATA" -mindepth 1 -delete
  "$BIN/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$DATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$DATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
  "$BIN/psql" -q -v ON_ERROR_STOP=1 -h /tmp -U postgres -d postgres -f /usr/local/share/postgres-init.sql
  "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  touch "$DATA/.initialized"
fi
exec "$BIN/postgres" -D "$DATA" -c listen_addresses='*'
