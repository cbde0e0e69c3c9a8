#!/usr/bin/env bash
# What the tamper-evidence costs: `verify` of 100,000 entries with the
# signature check, beside hashing the same stored bytes with sha256sum, and
# the share of one `casefile note` that signing takes (instructions, by
# callgrind). Prints JSON lines (one figure each) on stdout.
#
#   bash bench/signing.sh > target/bench/signing.jsonl
#   python3 bench/report.py target/bench/signing.jsonl
#
# Needs the release build (bench/run.sh makes it), hyperfine, valgrind,
# sqlite3 and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench}/signing
RUNS=${RUNS:-10}
ENTRIES=${ENTRIES:-100000}
. bench/lib.sh
rm -rf "$OUT"; mkdir -p "$OUT"
export TZ=UTC CASEFILE_CONFIG=$OUT/config.toml
db=$OUT/journal.db
note="The rep said the refund was approved and will post in five days"

"$GEN" --db "$db" --entries "$ENTRIES" --cases $((ENTRIES / 100)) --seed 42 --narratives "$NARR" >/dev/null
# The first write signs every journal (a file from before signing is
# adopted once); what is measured is the steady state after it.
"$BIN" --db "$db" note 1 "warm up" >/dev/null
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

# verify: every chain, every view and every signature, beside the floor of
# reading and hashing the same bytes once.
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/verify.json" \
  -n casefile "$BIN --db $db verify" \
  -n anchor "bash -c \"sqlite3 $db 'SELECT id, at, recorded, author, event, prev FROM entries' | sha256sum\"" >/dev/null
read -r ours theirs < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"]*1000, r[1]["mean"]*1000)' "$OUT/verify.json")
emit "verify, $ENTRIES entries (chains, views, signatures)" "$ours" "ms" "sqlite3 reading the entries, piped to sha256sum" "$theirs" \
  "hyperfine -N 'casefile verify' 'sqlite3 journal.db \"SELECT id, at, recorded, author, event, prev FROM entries\" piped to sha256sum' (gen_journal --entries $ENTRIES --seed 42)"

# The signature check alone: verify with and without this device's key (a
# key that cannot be read leaves reads, verify included, unsigned).
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/verify-nokey.json" \
  -n signed "$BIN --db $db verify" \
  -n unsigned "env CASEFILE_SIGNING_KEY=$OUT $BIN --db $db verify" >/dev/null
read -r signed unsigned < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"]*1000, r[1]["mean"]*1000)' "$OUT/verify-nokey.json")
emit "verify, $ENTRIES entries, with the signature check" "$signed" "ms" "the same verify without it" "$unsigned" \
  "hyperfine -N 'casefile verify' 'env CASEFILE_SIGNING_KEY=<a folder> casefile verify'"

# Capture: the instructions of one note, and of the signing inside it
# (loading the key, signing the head).
valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" --db "$db" note 1 "$note" >/dev/null 2>&1 || true
callgrind_annotate --inclusive=yes "$OUT/cg.out" >"$OUT/cg.txt" 2>/dev/null || true
total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}' "$OUT/cg.txt")
signing=$(awk '/casefile_store_sqlite::sign_heads|casefile_app::ctx::signing_key / {gsub(",", "", $1); s += $1} END {print s + 0}' "$OUT/cg.txt")
emit "capture: one note, its head signed (instructions)" "$((total / 1000))" "k instr" "the same note less loading the key and signing" "$(((total - signing) / 1000))" \
  "valgrind --tool=callgrind casefile note 1 '...'; callgrind_annotate --inclusive=yes (sign_heads, signing_key)"
