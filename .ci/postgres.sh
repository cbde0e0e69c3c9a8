#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests: initdb into a temporary
# folder as the unprivileged `postgres` user, listening on loopback only, with
# trust authentication (nothing else can reach it). Prints the URL to export as
# CASEFILE_TEST_DATABASE. Usage: eval "$(.ci/postgres.sh)"
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
# A free port, unless one is asked for.
port=${CASEFILE_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/casefile-pg.XXXXXX)
chown postgres: "$dir" 2>/dev/null || true
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
run "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=on" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
run "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres casefile_test
echo "export CASEFILE_TEST_DATABASE=postgres://postgres@127.0.0.1:$port/casefile_test"
echo "export CASEFILE_TEST_PG_DIR=$dir"
