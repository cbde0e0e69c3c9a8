#!/usr/bin/env bash
# Appends that cost the same at any size, and reads of a long case against
# their raw-SQL floor. Prints JSON lines (one figure each) on stdout.
#
#   bash bench/appends.sh > target/bench/appends.jsonl
#   python3 bench/report.py target/bench/appends.jsonl
#
# Needs the release build, hyperfine, valgrind, sqlite3 and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench}/appends
RUNS=${RUNS:-20}
. bench/lib.sh
SMALL=${SMALL:-10}
BIG=${BIG:-20000}
LONG=${LONG:-5000}
rm -rf "$OUT"; mkdir -p "$OUT"
export TZ=UTC
note="The rep said the refund was approved and will post in five days"

for n in "$SMALL" "$BIG" "$LONG"; do
  "$GEN" --db "$OUT/case-$n.db" --entries "$n" --cases 1 --seed 42 --narratives "$NARR" >/dev/null
  # A first note, so both files have paid for opening and for any migration.
  "$BIN" --db "$OUT/case-$n.db" note 1 "warm up" >/dev/null
done

# Every short-lived process re-reads the WAL when it opens it (SQLite's
# recovery of the WAL index), at a cost that follows the WAL's size, not the
# case's; both files start each measure with an empty WAL, so what differs is
# the case.
fresh_wal() { for n in "$SMALL" "$BIG"; do sqlite3 "$OUT/case-$n.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; done; }
fresh_wal

# Instructions per note, counted by callgrind (the whole process).
# Averaged over 5 notes: the text index merges on some notes and not others.
instr() {
  for i in 1 2 3 4 5; do
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" --db "$1" note 1 "$note" 2>&1 >/dev/null |
      awk '/Collected/ {print $NF}'
  done | awk '{s += $1} END {printf "%d\n", s / NR}'
}
small_i=$(instr "$OUT/case-$SMALL.db"); big_i=$(instr "$OUT/case-$BIG.db")
emit "note on a $BIG-entry case: instructions" "$((big_i / 1000))" "k instr" "the same note on a $SMALL-entry case" "$((small_i / 1000))" \
  "valgrind --tool=callgrind casefile --db case-N.db note 1 '...', mean of 5 (journals: gen_journal --entries N --cases 1 --seed 42)"

# Wall time of the same.
fresh_wal
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/note.json" \
  -n big "$BIN --db $OUT/case-$BIG.db note 1 '$note'" -n small "$BIN --db $OUT/case-$SMALL.db note 1 '$note'" >/dev/null
read -r big_ms small_ms < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"]*1000, r[1]["mean"]*1000)' "$OUT/note.json")
emit "note on a $BIG-entry case: wall time" "$big_ms" "ms" "the same note on a $SMALL-entry case" "$small_ms" \
  "hyperfine -N 'casefile --db case-$BIG.db note 1 ...' 'casefile --db case-$SMALL.db note 1 ...'"

# Pages written per note: the WAL frames of each of 30 notes, averaged. The
# WAL is emptied before each note, both so that it holds that note's commit
# alone and because the store itself empties it every 256 pages (about ten
# notes), which left only the last few commits to count.
pages() {
  for i in $(seq 30); do
    sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    "$BIN" --db "$1" note 1 "$note ($i)" >/dev/null
    python3 bench/wal_pages.py "$1" --json
  done | python3 -c 'import json,sys; c=[json.loads(l) for l in sys.stdin]; assert all(x["commits"] == 1 for x in c), c; print(sum(x["pages"] for x in c) / len(c))'
}
small_p=$(pages "$OUT/case-$SMALL.db"); big_p=$(pages "$OUT/case-$BIG.db")
emit "note on a $BIG-entry case: pages written" "$big_p" "pages" "the same note on a $SMALL-entry case" "$small_p" \
  "python3 bench/wal_pages.py case-N.db after each of 30 notes (WAL emptied before each)"

# Reads of a long case, beside the raw SQL that fetches the same rows.
db=$OUT/case-$LONG.db
ws="'$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'workspace'")'"
case_id="(SELECT id FROM cases WHERE workspace = $ws AND handle = 1)"
company="SELECT co.state FROM companies co JOIN cases c ON co.workspace = c.workspace AND co.id = c.company WHERE c.workspace = $ws AND c.handle = 1;"
timeline="SELECT count(*) FROM entries WHERE workspace = $ws AND stream = $case_id; SELECT seq, at, event FROM entries WHERE workspace = $ws AND stream = $case_id ORDER BY seq;"
# The timeline reads the whole journal and folds it (the items are not read).
header="SELECT header FROM cases WHERE workspace = $ws AND handle = 1;"
# The brief reads every item but the notes, which it never shows.
brief_items="SELECT header FROM cases WHERE workspace = $ws AND handle = 1; SELECT item FROM case_items WHERE workspace = $ws AND case_id = $case_id AND kind != 'note' ORDER BY seq;"
# The case page reads the same, the latest five notes and how many there are.
show_items="$brief_items SELECT item FROM case_items WHERE workspace = $ws AND case_id = $case_id AND seq IN (SELECT seq FROM case_items WHERE workspace = $ws AND case_id = $case_id AND kind = 'note' ORDER BY seq DESC LIMIT 5) ORDER BY seq; SELECT count(*) FROM case_items WHERE workspace = $ws AND case_id = $case_id AND kind = 'note';"
# Taken in turns: ROUNDS short runs of each, one after the other, and the
# middle round's figures (by ratio). This machine's speed drifts by half
# within minutes; all of one then all of the other measured the drift.
ROUNDS=${ROUNDS:-5}
for pair in "show|$show_items $company" "brief|$brief_items $company" "timeline|$timeline $header $company"; do
  cmd=${pair%%|*}; sql=${pair#*|}
  for round in $(seq "$ROUNDS"); do
    hyperfine -N --warmup 2 --runs $(( (RUNS + ROUNDS - 1) / ROUNDS )) --export-json "$OUT/$cmd-$round.json" \
      -n casefile "$BIN --db $db $cmd 1" -n anchor "sqlite3 $db \"$sql\"" >/dev/null
  done
  read -r ours theirs < <(python3 -c '
import json, sys
rounds = [json.load(open(f))["results"] for f in sys.argv[1:]]
pairs = sorted(((r[0]["mean"] * 1000, r[1]["mean"] * 1000) for r in rounds), key=lambda p: p[0] / p[1])
print(*pairs[len(pairs) // 2])' "$OUT/$cmd"-*.json)
  emit "$cmd of a $LONG-entry case" "$ours" "ms" "raw SQL in sqlite3, the same rows" "$theirs" "hyperfine -N 'casefile $cmd 1' 'sqlite3 case-$LONG.db \"$sql\"' (in $ROUNDS turns, the middle one by ratio)"
done
