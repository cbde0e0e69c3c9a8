#!/usr/bin/env bash
# casefile's benchmarks: every figure beside its anchor, as a ratio.
#
#   bash bench/run.sh            # all sizes (1k, 100k, 1M entries)
#   SIZES="1000:10" bash bench/run.sh     # entries:cases pairs, quicker
#   RECORD=1 bash bench/run.sh   # also rewrite BENCHMARKS.md with the results
#   INTEL_SIZES="10000 1000000 5000000" bash bench/run.sh   # complaint data sizes (default: 10k and 1M)
#
# Needs hyperfine, sqlite3, taskwarrior and GNU time (installed from Debian's
# packages when missing and run as root). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000:10 100000:1000 1000000:10000"}
OUT=${OUT:-target/bench}
RUNS=${RUNS:-20}
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/results.jsonl

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v task >/dev/null || need+=(taskwarrior)
[ -x /usr/bin/time ] || need+=(time)
command -v wrk >/dev/null || need+=(wrk)
command -v valgrind >/dev/null || need+=(valgrind)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

cargo build --release -q -p casefile --bin casefile --example gen_journal --example console_bench
cargo build --release -q -p casefile-intel --example gen_cfpb
. bench/lib.sh

# One hyperfine figure: NAME, ANCHOR-NAME, CASEFILE-COMMAND, ANCHOR-COMMAND.
figure() {
  local name=$1 anchor=$2 ours=$3 theirs=$4 slug
  slug=$(echo "$name" | tr -c 'a-zA-Z0-9' '_')
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/$slug.json" -n casefile "$ours" -n anchor "$theirs" >/dev/null
  python3 - "$OUT/$slug.json" "$name" "$anchor" "$ours" "$theirs" >>"$OUT/results.jsonl" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))["results"]
ours, theirs = data[0]["mean"] * 1000, data[1]["mean"] * 1000
print(json.dumps({"figure": sys.argv[2], "value": ours, "unit": "ms", "anchor": sys.argv[3], "anchor_value": theirs,
                  "ratio": ours / theirs, "reproduce": f"hyperfine -N '{sys.argv[4]}' '{sys.argv[5]}'"}))
PY
}

# Peak memory of one command, in KB, beside the sqlite3 shell running its anchor.
rss() {
  local name=$1 ours=$2 theirs=$3 a b
  a=$( { /usr/bin/time -f "%M" bash -c "$ours >/dev/null" ; } 2>&1 | tail -1)
  b=$( { /usr/bin/time -f "%M" bash -c "$theirs >/dev/null" ; } 2>&1 | tail -1)
  python3 -c "import json,sys; print(json.dumps({'figure': sys.argv[1], 'value': int(sys.argv[2])/1024, 'unit': 'MB', 'anchor': 'sqlite3 shell, same query', 'anchor_value': int(sys.argv[3])/1024, 'ratio': int(sys.argv[2])/int(sys.argv[3]), 'reproduce': '/usr/bin/time -f %M ' + sys.argv[4]}))" "$name" "$a" "$b" "$ours" >>"$OUT/results.jsonl"
}

export TZ=UTC
for size in $SIZES; do
  entries=${size%%:*}; cases=${size##*:}
  db=$OUT/journal-$entries.db
  if [ ! -f "$db" ]; then
    echo "generating $entries entries in $cases cases..." >&2
    "$GEN" --db "$db" --entries "$entries" --cases "$cases" --seed 42 --narratives "$NARR" >/dev/null
  fi
  export CASEFILE_DB=$db
  label="$entries entries"
  q() { echo "sqlite3 $db \"$1\""; }
  due_until="(CAST(strftime('%s','now') AS INTEGER) + 7*86400) * 1000"
  # Every table is keyed by the workspace first: the anchors name it, as casefile does.
  ws="'$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'workspace'")'"
  case1="(SELECT id FROM cases WHERE workspace = $ws AND handle = 1)"
  # The brief reads every item but the notes; the case page the same, its
  # latest five notes and how many there are.
  company1="SELECT co.state FROM companies co JOIN cases c ON co.workspace = c.workspace AND co.id = c.company WHERE c.workspace = $ws AND c.handle = 1;"
  brief_case="SELECT header FROM cases WHERE workspace = $ws AND handle = 1; SELECT item FROM case_items WHERE workspace = $ws AND case_id = $case1 AND kind != 'note' ORDER BY seq; $company1"
  show_case="$brief_case SELECT item FROM case_items WHERE workspace = $ws AND case_id = $case1 AND seq IN (SELECT seq FROM case_items WHERE workspace = $ws AND case_id = $case1 AND kind = 'note' ORDER BY seq DESC LIMIT 5) ORDER BY seq; SELECT count(*) FROM case_items WHERE workspace = $ws AND case_id = $case1 AND kind = 'note';"
  figure "list ($label)" "raw SQL in sqlite3" "$BIN list" "$(q "SELECT c.handle, c.status, co.name, c.title, c.last_ms, c.next_due_ms FROM cases c LEFT JOIN companies co ON co.workspace = c.workspace AND co.id = c.company WHERE c.workspace = $ws ORDER BY c.last_ms DESC LIMIT 50; SELECT count(*) FROM cases WHERE workspace = $ws;")"
  figure "due ($label)" "raw SQL in sqlite3" "$BIN due" "$(q "SELECT c.handle, d.kind, d.what, c.title, d.due FROM due_items d JOIN cases c ON c.workspace = d.workspace AND c.id = d.case_id WHERE d.workspace = $ws AND d.open = 1 AND d.due_ms <= $due_until ORDER BY d.due_ms LIMIT 50;")"
  figure "show ($label)" "raw SQL in sqlite3" "$BIN show 1" "$(q "$show_case")"
  figure "brief ($label)" "raw SQL in sqlite3" "$BIN brief 1" "$(q "$brief_case")"
  figure "timeline ($label)" "raw SQL in sqlite3" "$BIN timeline 1" "$(q "SELECT seq, at, event FROM entries WHERE workspace = $ws AND stream = $case1 ORDER BY seq; SELECT header FROM cases WHERE workspace = $ws AND handle = 1;")"
  figure "search ($label)" "raw SQL in sqlite3" "$BIN search refund" "$(q "SELECT c.handle, c.title, e.stream, e.seq, e.event FROM entry_text t JOIN entries e ON e.workspace = t.workspace AND e.stream = t.stream AND e.seq = t.seq JOIN cases c ON c.workspace = t.workspace AND c.id = t.stream WHERE entry_text MATCH '\"refund\"' AND t.workspace = $ws ORDER BY rank LIMIT 20;")"
  last_db=$db
done

# Peak memory at the largest size.
export CASEFILE_DB=$last_db
for cmd in "list" "due" "show 1" "brief 1" "timeline 1" "search refund"; do
  rss "max RSS: $cmd (largest journal)" "$BIN $cmd" "sqlite3 $last_db 'SELECT count(*) FROM entries;'"
done

# Appends at 10 and 20,000 entries; reads of one 5,000-entry case.
OUT=$OUT bash bench/appends.sh >>"$OUT/results.jsonl"

# verify of 100,000 entries with the signature check; what signing costs a note.
OUT=$OUT bash bench/signing.sh >>"$OUT/results.jsonl"

# Capture: one note, the whole process, durable commit included.
cap=$OUT/capture
rm -rf "$cap"; mkdir -p "$cap/task"
cp "$OUT/journal-$(echo "$SIZES" | awk '{print $1}' | cut -d: -f1).db" "$cap/casefile.db"
sqlite3 "$cap/floor.db" "PRAGMA journal_mode=WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);" >/dev/null
printf 'data.location=%s\nconfirmation=off\nverbose=nothing\nhooks=off\nnews.version=2.6.2\n' "$cap/task" >"$cap/taskrc"
export CASEFILE_DB=$cap/casefile.db TASKRC=$cap/taskrc
note="The rep said the refund was approved and will post in five days"
figure "capture: casefile note" "sqlite3 shell: one INSERT, WAL, synchronous=FULL" "$BIN note 1 '$note'" "sqlite3 $cap/floor.db \"PRAGMA synchronous=FULL; INSERT INTO notes (body) VALUES ('$note');\""
figure "capture: casefile note vs Taskwarrior" "task add (Taskwarrior $(task --version 2>/dev/null | head -1))" "$BIN note 1 '$note'" "task add '$note'"
rss "max RSS: capture (casefile note)" "$BIN note 1 '$note'" "sqlite3 $cap/floor.db \"PRAGMA synchronous=FULL; INSERT INTO notes (body) VALUES ('$note');\""
# The same, 120 notes in a row in turns with both anchors (the WAL fills and
# is emptied as a person's notes would have it).
OUT=$OUT bash bench/capture.sh >>"$OUT/results.jsonl"

# The call console, in process.
target/release/examples/console_bench 500 | while read -r line; do echo "$line" | python3 -c "import json,sys; d=json.load(sys.stdin); d['reproduce']='cargo run --release -p casefile --example console_bench -- 500'; print(json.dumps(d))"; done >>"$OUT/results.jsonl"

# The web app on loopback: the case page and an append (a note posted through
# the form, durable commit included), each against a trivial handler (a static
# asset) on the same server. Throughput ratios: higher is better.
web=$OUT/web
rm -rf "$web"; mkdir -p "$web"
cp "$OUT/journal-$(echo "$SIZES" | awk '{print $1}' | cut -d: -f1).db" "$web/web.db"
KEY=bench-key-0123456789abcdef0123
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
CASEFILE_DB=$web/web.db CASEFILE_WEB_KEY=$KEY "$BIN" serve --port "$port" >/dev/null 2>&1 &
server=$!
sleep 1
# The one-time link, exchanged for a session as a browser would.
SESSION=$(curl -s -o /dev/null -D - "http://127.0.0.1:$port/pair/$KEY" | sed -n 's/^set-cookie: casefile_session=\([^;]*\).*/\1/Ip' | tr -d '\r')
csrf=$(python3 -c "import hashlib,sys; print(hashlib.sha256(('csrf:' + sys.argv[1]).encode()).hexdigest())" "$SESSION")
cat >"$web/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "csrf=$csrf&kind=note&text=bench+note"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "casefile_session=$SESSION"
LUA
rps() { wrk -t2 -c8 -d"${WEB_SECONDS:-5}"s "$@" | awk '/Requests\/sec/ {print $2}'; }
trivial=$(rps -H "Cookie: casefile_session=$SESSION" "http://127.0.0.1:$port/assets/app.css")
page=$(rps -H "Cookie: casefile_session=$SESSION" "http://127.0.0.1:$port/cases/1")
append=$(rps -s "$web/post.lua" "http://127.0.0.1:$port/cases/1/add")
kill "$server" 2>/dev/null || true
for pair in "web: case page|$page" "web: append a note (durable)|$append"; do
  python3 -c "import json,sys; n,v,t=sys.argv[1],float(sys.argv[2]),float(sys.argv[3]); print(json.dumps({'figure': n + ' (2 threads, 8 connections)', 'value': v, 'unit': 'req/s', 'anchor': 'a static asset from the same server', 'anchor_value': t, 'ratio': v / t, 'reproduce': 'bash bench/run.sh (web section: wrk -t2 -c8 on loopback)'}))" "${pair%%|*}" "${pair##*|}" "$trivial" >>"$OUT/results.jsonl"
done

# Complaint data: import throughput, flat memory, scorecard and similar-complaint latency.
INTEL_SIZES=${INTEL_SIZES:-"10000 1000000"}
SAMPLE=${SAMPLE:-../shared/data/cfpb/complaints-sample.csv}
for n in $INTEL_SIZES; do
  dir=$OUT/intel-$n
  mkdir -p "$dir"
  [ -f "$dir/complaints.csv" ] || target/release/examples/gen_cfpb "$n" "$dir/complaints.csv" "$SAMPLE"
  export CASEFILE_DB=$dir/journal.db CASEFILE_INTEL_DB=$dir/intel.db
  if [ ! -f "$dir/intel.db" ]; then
    rss "max RSS: intel import ($n rows)" "$BIN intel import $dir/complaints.csv" "sqlite3 $dir/plain-rss.db '.import --csv $dir/complaints.csv t'"
    rm -f "$dir/plain-rss.db"
  fi
  # The scorecard's anchor counts raw rows through an index of its own
  # (casefile keeps none: it reads counts folded at import).
  sqlite3 "$dir/intel.db" "CREATE INDEX IF NOT EXISTS anchor_by_company ON complaints (company_norm, product);"
  [ -f "$dir/journal.db" ] || "$BIN" open "Mortgage escrow" --company "Wells Fargo" --problem "My mortgage escrow payment was misapplied and I was charged late fees" --resolution "Reverse the late fees of 90 dollars within 30 days" --fair yes --no-wizard >/dev/null 2>&1
  figure "intel company scorecard ($n complaints)" "raw SQL in sqlite3 (count by product)" "$BIN intel company 'wells fargo'" "sqlite3 $dir/intel.db \"SELECT product, count(*) FROM complaints WHERE company_norm = 'wells fargo' GROUP BY product;\""
  figure "intel similar complaints ($n complaints)" "raw SQL in sqlite3 (one FTS query)" "$BIN intel similar 1" "sqlite3 $dir/intel.db \"SELECT rowid FROM complaint_text WHERE complaint_text MATCH 'escrow OR misapplied' ORDER BY rank LIMIT 100;\""
  last_intel=$dir
done
# Import throughput at 1M rows (IMPORT_AT), into a fresh file each run.
n=${IMPORT_AT:-1000000}
case " $INTEL_SIZES " in *" $n "*) ;; *) n=$(echo "$INTEL_SIZES" | awk '{print $NF}') ;; esac
dir=$OUT/intel-$n
RUNS_SAVED=$RUNS; RUNS=3
hyperfine -N --runs 3 --export-json "$OUT/intel_import.json" \
  --prepare "rm -f $dir/fresh.db $dir/fresh.db-wal $dir/fresh.db-shm $dir/plain.db" \
  -n casefile "env CASEFILE_DB=$dir/j.db CASEFILE_INTEL_DB=$dir/fresh.db $BIN intel import $dir/complaints.csv" \
  -n anchor "sqlite3 $dir/plain.db '.import --csv $dir/complaints.csv t'" >/dev/null
python3 - "$OUT/intel_import.json" "$n" "$dir" >>"$OUT/results.jsonl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
ours, theirs = n / d[0]["mean"], n / d[1]["mean"]
print(json.dumps({"figure": f"intel import throughput ({n:,} rows, text index included)", "value": ours / 1000, "unit": "k rows/s",
                  "anchor": "sqlite3 shell .import into a plain table", "anchor_value": theirs / 1000, "ratio": ours / theirs,
                  "reproduce": f"hyperfine -N 'casefile intel import {sys.argv[3]}/complaints.csv' \"sqlite3 plain.db '.import --csv {sys.argv[3]}/complaints.csv t'\""}))
PY
RUNS=$RUNS_SAVED

python3 bench/report.py "$OUT/results.jsonl" | tee "$OUT/table.md"
if [ "${RECORD:-0}" = 1 ]; then
  # Written aside first: the report keeps what BENCHMARKS.md holds below its marker.
  python3 bench/report.py "$OUT/results.jsonl" --record > "$OUT/BENCHMARKS.md"
  mv "$OUT/BENCHMARKS.md" BENCHMARKS.md
  echo "wrote BENCHMARKS.md" >&2
fi
