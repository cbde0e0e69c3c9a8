#!/usr/bin/env bash
# Stops and removes a cluster that .ci/postgres.sh started. Usage: .ci/postgres-stop.sh DIR
set -u
dir=${1:?the cluster folder .ci/postgres.sh printed}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
run "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1
rm -rf "$dir"
