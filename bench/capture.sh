#!/usr/bin/env bash
# Capture, one note at a time, beside the sqlite3 shell's floor (one INSERT,
# WAL, synchronous=FULL) and Taskwarrior's `task add`, taken in turns: ROUNDS
# turns of RUNS/ROUNDS runs of each, all on one file, so the notes run on as
# a person's do (the WAL fills and is emptied as it would be). Prints JSON
# lines, one figure each, the mean over every turn.
#
#   bash bench/capture.sh > target/bench/capture.jsonl
#
# Needs the release build (and its gen_journal example), hyperfine, sqlite3
# and taskwarrior.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench}/capture-turns
RUNS=${RUNS:-120}
ROUNDS=${ROUNDS:-10}
. bench/lib.sh
rm -rf "$OUT"; mkdir -p "$OUT/task"
"$GEN" --db "$OUT/casefile.db" --entries 1000 --cases 10 --seed 42 --narratives "$NARR" >/dev/null
sqlite3 "$OUT/casefile.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
sqlite3 "$OUT/floor.db" "PRAGMA journal_mode=WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);" >/dev/null
printf 'data.location=%s\nconfirmation=off\nverbose=nothing\nhooks=off\nnews.version=2.6.2\n' "$OUT/task" >"$OUT/taskrc"
export TASKRC=$OUT/taskrc TZ=UTC
note="The rep said the refund was approved and will post in five days"
ours="$BIN --db $OUT/casefile.db note 1 '$note'"
floor="sqlite3 $OUT/floor.db \"PRAGMA synchronous=FULL; INSERT INTO notes (body) VALUES ('$note');\""
task="task add '$note'"
for round in $(seq "$ROUNDS"); do
  hyperfine -N --warmup 2 --runs $(( (RUNS + ROUNDS - 1) / ROUNDS )) --export-json "$OUT/turn-$round.json" \
    -n casefile "$ours" -n floor "$floor" -n task "$task" >/dev/null
done
python3 - "$OUT" "$ours" "$floor" "$task" "$(task --version 2>/dev/null | head -1)" <<'PY'
import glob, json, sys
out, ours, floor, task, version = sys.argv[1:]
times = [[], [], []]
for f in sorted(glob.glob(f"{out}/turn-*.json")):
    for i, r in enumerate(json.load(open(f))["results"]):
        times[i] += r["times"]
mean = [sum(t) / len(t) * 1000 for t in times]
for name, anchor, i, cmd in (("capture: casefile note, notes in a row", "sqlite3 shell: one INSERT, WAL, synchronous=FULL", 1, floor),
                             ("capture: casefile note vs Taskwarrior, notes in a row", f"task add (Taskwarrior {version})", 2, task)):
    print(json.dumps({"figure": name, "value": mean[0], "unit": "ms", "anchor": anchor, "anchor_value": mean[i],
                      "ratio": mean[0] / mean[i], "reproduce": f"bash bench/capture.sh (hyperfine -N '{ours}' '{cmd}' in turns)"}))
PY
