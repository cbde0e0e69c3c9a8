#!/usr/bin/env bash
# Sync against a server on loopback: a first sync of FIRST entries, and a
# sync of one new entry when BIG exist, each beside its anchor, with the
# bytes that crossed. Prints JSON lines (one figure each) on stdout.
#
#   bash bench/sync.sh > target/bench/sync.jsonl
#   python3 bench/report.py target/bench/sync.jsonl
#
# The server is `casefile serve` on a file of its own (a person's laptop
# serving their phone); the device signs in with the one-time link it prints.
# Needs the release build (with examples), hyperfine and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench}/sync
RUNS=${RUNS:-20}
. bench/lib.sh
FIRST=${FIRST:-10000}
BIG=${BIG:-100000}
rm -rf "$OUT"; mkdir -p "$OUT"
export TZ=UTC
note="The rep said the refund was approved and will post in five days"

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# A server on its own file; prints its one-time link.
serve() { # dir
  mkdir -p "$1"
  CASEFILE_CONFIG="$1/config.toml" "$BIN" --db "$1/server.db" serve --port 0 >"$1/serve.out" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q pair "$1/serve.out" 2>/dev/null && break; sleep 0.1; done
  grep -o 'http://[^ ]*pair/[0-9a-f]*' "$1/serve.out"
}

# A device: a file of N entries in one case, signed in to a server.
device() { # dir entries link
  mkdir -p "$1"
  "$GEN" --db "$1/device.db" --entries "$2" --cases 1 --seed 42 --narratives "$NARR" >/dev/null
  CASEFILE_CONFIG="$1/config.toml" "$BIN" --db "$1/device.db" sync login "$3" >/dev/null
}

dev() { CASEFILE_CONFIG="$1/config.toml" "$BIN" --db "$1/device.db" "${@:2}"; }

# First sync of FIRST entries (mean of 3 fresh pairs), against the same
# entries carried by `export` then `import` into another file (no network, no
# merge: the floor of moving them).
first=(); anchor=(); bytes=0
for i in 1 2 3; do
  link=$(serve "$OUT/first-$i/server")
  device "$OUT/first-$i/dev" "$FIRST" "$link"
  t0=$(date +%s%N)
  dev "$OUT/first-$i/dev" --json sync >"$OUT/first-$i/sync.json"
  t1=$(date +%s%N)
  first+=($(( (t1 - t0) / 1000 )))
  bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes_sent"])' "$OUT/first-$i/sync.json")
  dev "$OUT/first-$i/dev" export --reveal --output "$OUT/first-$i/export.jsonl" >/dev/null
  t0=$(date +%s%N)
  "$BIN" --db "$OUT/first-$i/imported.db" import "$OUT/first-$i/export.jsonl" >/dev/null
  t1=$(date +%s%N)
  anchor+=($(( (t1 - t0) / 1000 )))
done
mean() { python3 -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print(sum(v)/len(v)/1000)' "$@"; }
emit "first sync of $FIRST entries: wall time ($bytes bytes sent)" "$(mean "${first[@]}")" "ms" \
  "the same entries by export, then import into another file" "$(mean "${anchor[@]}")" \
  "bench/sync.sh: gen_journal --entries $FIRST; casefile sync login LINK; time casefile sync (mean of 3 fresh pairs)"

# One new entry when BIG exist on both sides.
link=$(serve "$OUT/big/server")
device "$OUT/big/dev" "$BIG" "$link"
dev "$OUT/big/dev" sync >/dev/null
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/incremental.json" \
  --prepare "env CASEFILE_CONFIG=$OUT/big/dev/config.toml $BIN --db $OUT/big/dev/device.db note 1 '$note'" \
  -n sync "env CASEFILE_CONFIG=$OUT/big/dev/config.toml $BIN --db $OUT/big/dev/device.db sync" \
  -n note "env CASEFILE_CONFIG=$OUT/big/dev/config.toml $BIN --db $OUT/big/dev/device.db note 1 '$note'" >/dev/null
read -r sync_ms note_ms < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"]*1000, r[1]["mean"]*1000)' "$OUT/incremental.json")
dev "$OUT/big/dev" sync >/dev/null
dev "$OUT/big/dev" note 1 "$note" >/dev/null
small=$(dev "$OUT/big/dev" --json sync | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bytes_sent"], d["bytes_received"])')
emit "sync of 1 new entry when $BIG exist: wall time (bytes sent, received: $small)" "$sync_ms" "ms" \
  "one append (casefile note) on the same file" "$note_ms" \
  "bench/sync.sh: hyperfine --prepare 'casefile note 1 ...' 'casefile sync' 'casefile note 1 ...' on a $BIG-entry case, synced"
dev "$OUT/big/dev" verify >/dev/null
