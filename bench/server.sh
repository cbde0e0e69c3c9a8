#!/usr/bin/env bash
# The server's figures, on loopback, each beside its anchor in the same run:
#   - the case page (requests/s, p99 at 64 connections) against a handler on
#     the same server that reads the same case from the same engine and
#     returns it unrendered (GET /api/cases/1), on SQLite and on PostgreSQL;
#   - 64 concurrent writers posting notes: errors, lost and doubled entries,
#     appends/s; on PostgreSQL beside pgbench's simple-update rate on the same
#     server;
#   - the server's peak RSS under that load;
#   - on PostgreSQL, the case page and the due list at 10 workspaces and again
#     at 10,000 workspaces holding 1,000,000 cases (SCALE=0 skips this part).
#
# Usage:
#   bash bench/server.sh                 # prints a table
#   RECORD=1 bash bench/server.sh        # also writes it into BENCHMARKS.md
# Needs: wrk, pgbench, curl, PostgreSQL's server binaries (Debian: wrk,
# postgresql). Uses CASEFILE_TEST_DATABASE's server if set, else starts one.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench-server}
DUR=${WEB_SECONDS:-10}
SCALE=${SCALE:-1}
rm -rf "$OUT"; mkdir -p "$OUT"
cargo build --release -q -p casefile
BIN=$PWD/target/release/casefile
RESULTS=$OUT/results.tsv
: >"$RESULTS"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

if [ -z "${CASEFILE_TEST_DATABASE:-}" ]; then
  eval "$(.ci/postgres.sh)"
  trap '.ci/postgres-stop.sh "$CASEFILE_TEST_PG_DIR"' EXIT
fi
ADMIN=$CASEFILE_TEST_DATABASE
BASE=${ADMIN%/*}
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS casefile_bench" -c "CREATE DATABASE casefile_bench" \
  -c "DROP DATABASE IF EXISTS casefile_pgbench" -c "CREATE DATABASE casefile_pgbench" >/dev/null 2>&1
PG=$BASE/casefile_bench

free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/assets/app.css" && return; sleep 0.1; done; echo "server did not start" >&2; exit 1; }
# wrk's summary: requests/s, p99 (ms), requests, non-2xx/3xx and socket errors.
load() {
  local out; out=$(wrk -t2 -c64 -d"${DUR}s" --latency "$@")
  echo "$out" >>"$OUT/wrk.log"
  python3 - "$out" <<'PY'
import re, sys
t = sys.argv[1]
def num(pat, default="0"):
    m = re.search(pat, t)
    return m.group(1) if m else default
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == "us" else x * 1000 if u == "s" else x
rps = num(r"Requests/sec:\s+([\d.]+)")
p99 = ms(num(r"\s99%\s+(\S+)", "0ms"))
reqs = num(r"(\d+) requests in")
bad = int(num(r"Non-2xx or 3xx responses: (\d+)"))
sock = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", num(r"Socket errors: ([^\n]+)", "")))
print(rps, f"{p99:.2f}", reqs, bad + sock)
PY
}
rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# One case like a real one: a call with reps, a promise, an offer, notes.
seed() {
  "$BIN" open "Router refund" --company "Acme Broadband" --problem "router dead on arrival" \
    --resolution "full refund of \$129" --fair yes >/dev/null 2>&1
  "$BIN" log 1 --start "2026-11-03 14:05" --end "14:52" --rep "Dana Reyes, ext=4471, dept=Billing" \
    --rep "Marcus Lee, dept=Retention, at=14:20" --hold "14:22-14:32" --ref CAS-88120 \
    --promise "call back about the refund, by=Marcus Lee, due=in 48h" --offer "a \$25 credit, value=25" >/dev/null
  for i in $(seq 30); do "$BIN" note 1 "Called again ($i); told the refund is being processed" >/dev/null; done
  "$BIN" followup 1 "chase the refund" --due "in 3 days" >/dev/null
}

measure_engine() { # name port cookie
  local name=$1 port=$2 cookie=$3
  read -r page_rps page_p99 _ page_bad < <(load -H "Cookie: casefile_session=$cookie" "http://127.0.0.1:$port/cases/1")
  read -r raw_rps raw_p99 _ raw_bad < <(load -H "Cookie: casefile_session=$cookie" "http://127.0.0.1:$port/api/cases/1")
  record "$name: case page, req/s (64 connections)" "$page_rps" "the same case read and returned unrendered (/api/cases/1)" "$raw_rps" \
    "$(python3 -c "print(f'{$page_rps/$raw_rps:.2f}x')")"
  record "$name: case page p99 (target < 20 ms)" "${page_p99} ms" "/api/cases/1 p99" "${raw_p99} ms" "errors: $((page_bad + raw_bad))"
  # Writers: all on one case (they queue on it), then spread over 64 cases.
  for cases in 1 64; do
    local w; w=$(python3 bench/writers.py "$port" "$cookie" "$cases" "$DUR" "$BIN" --json timeline)
    echo "$name writers on $cases case(s): $w" >&2
    local rps; rps=$(python3 -c "import json,sys; print(f\"{json.loads(sys.argv[1])['appends_per_s']:.0f}\")" "$w")
    record "$name: 64 concurrent writers on $cases case(s), appends/s" "$rps" "" "" \
      "$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(f\"acknowledged {d['acknowledged']}, errors {d['errors']}, lost {d['lost']}, doubled {d['doubled']}\")" "$w")"
    [ "$cases" = 64 ] && WRITES_RPS=$rps
  done
}

more_cases() { for i in $(seq 2 "$1"); do "$BIN" open "Case $i" --company "Company $((i % 7))" >/dev/null 2>&1; "$BIN" followup "$i" "chase it" --due "in 2 days" >/dev/null; done; }

# SQLite, one person's own file.
export CASEFILE_CONFIG=/nonexistent/config.toml TZ=UTC
(
  export CASEFILE_DB=$OUT/sqlite.db
  seed
  more_cases 64
  port=$(free_port)
  CASEFILE_WEB_KEY=bench-key-0123456789abcdef "$BIN" serve --port "$port" >/dev/null 2>&1 &
  pid=$!
  wait_up "$port"
  cookie=$(curl -s -o /dev/null -D - "http://127.0.0.1:$port/pair/bench-key-0123456789abcdef" | sed -n 's/^set-cookie: casefile_session=\([^;]*\).*/\1/Ip' | tr -d '\r')
  measure_engine "SQLite" "$port" "$cookie"
  record "SQLite: server peak RSS under that load" "$(($(rss_kb $pid) / 1024)) MB" "" "" ""
  kill $pid
)

# PostgreSQL, a server with accounts.
export CASEFILE_DATABASE=$PG CASEFILE_WORKSPACE=w0
printf '%s\n' 'bench passphrase 123' | "$BIN" users add bench@example.org --workspace w0 --role helper >/dev/null
seed
more_cases 64
port=$(free_port)
CASEFILE_POOL_SIZE=32 "$BIN" serve --port "$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; [ -n "${CASEFILE_TEST_PG_DIR:-}" ] && .ci/postgres-stop.sh "$CASEFILE_TEST_PG_DIR"' EXIT
wait_up "$port"
login() { curl -s -o /dev/null -D - --data-urlencode email=bench@example.org --data-urlencode 'password=bench passphrase 123' \
  "http://127.0.0.1:$port/login" | sed -n 's/^set-cookie: casefile_session=\([^;]*\).*/\1/Ip' | tr -d '\r'; }
cookie=$(login)
measure_engine "PostgreSQL" "$port" "$cookie"
pgbench -q -i -s 10 "$BASE/casefile_pgbench" >/dev/null 2>&1
tps=$(pgbench -b simple-update -c64 -j2 -T"$DUR" "$BASE/casefile_pgbench" 2>/dev/null | awk '/^tps/ {print $3; exit}')
record "PostgreSQL: appends/s on 64 cases beside pgbench simple-update (64 clients)" "$WRITES_RPS" "pgbench -b simple-update -c64 -j2, same server" "$tps" \
  "$(python3 -c "print(f'{$WRITES_RPS/$tps:.2f}x')")"
record "PostgreSQL: server peak RSS under that load" "$(($(rss_kb $pid) / 1024)) MB" "" "" ""

if [ "$SCALE" = 1 ]; then
  # A template workspace of 100 small cases (the writers above made w0's
  # long), each with a follow-up due; the bench account is a member of it.
  export CASEFILE_WORKSPACE=s0
  printf '%s\n' 'bench passphrase 123' | "$BIN" users add bench@example.org --workspace s0 --role helper >/dev/null
  seed
  more_cases 100
  login_s0() { curl -s -o /dev/null -D - --data-urlencode email=bench@example.org --data-urlencode 'password=bench passphrase 123' \
    --data-urlencode workspace=s0 "http://127.0.0.1:$port/login" | sed -n 's/^set-cookie: casefile_session=\([^;]*\).*/\1/Ip' | tr -d '\r'; }
  cookie=$(login_s0)
  # Copies of s0 as other workspaces: every row the same but its workspace.
  clone() { # from to
    psql -q "$PG" >/dev/null <<SQL
DO \$\$
DECLARE t text; cols text; w0 uuid := (SELECT workspace FROM workspaces WHERE name = 's0');
BEGIN
  INSERT INTO workspaces (workspace, name, created_ms)
    SELECT md5('bench-ws-' || g)::uuid, 'clone-' || g, 0 FROM generate_series($1, $2) g;
  FOREACH t IN ARRAY ARRAY['streams','entries','cases','case_items','companies','company_names','due_items','entry_words'] LOOP
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
      FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = t AND column_name <> 'workspace';
    EXECUTE format('INSERT INTO %I (workspace, %s) SELECT md5(''bench-ws-'' || g)::uuid, %s FROM %I CROSS JOIN generate_series(%s, %s) g WHERE workspace = %L',
      t, cols, cols, t, $1, $2, w0);
  END LOOP;
END \$\$;
ANALYZE;
SQL
  }
  # Ten workspaces like s0 (w0, the writers' workspace, is apart).
  clone 1 9
  p10_page=$(load -H "Cookie: casefile_session=$cookie" "http://127.0.0.1:$port/cases/1" | awk '{print $2}')
  p10_due=$(load -H "Cookie: casefile_session=$cookie" "http://127.0.0.1:$port/due" | awk '{print $2}')
  start=$(date +%s)
  for from in $(seq 10 1000 9999); do clone "$from" $((from + 999 > 9999 ? 9999 : from + 999)); done
  echo "cloned to 10,000 workspaces in $(( $(date +%s) - start )) s" >&2
  cases=$(psql -tA "$PG" -c "SELECT count(*) FROM cases")
  p10k_page=$(load -H "Cookie: casefile_session=$cookie" "http://127.0.0.1:$port/cases/1" | awk '{print $2}')
  p10k_due=$(load -H "Cookie: casefile_session=$cookie" "http://127.0.0.1:$port/due" | awk '{print $2}')
  record "PostgreSQL: case page p99 at 10,000 workspaces, $cases cases" "${p10k_page} ms" "the same at 10 workspaces" "${p10_page} ms" \
    "$(python3 -c "print(f'{$p10k_page/$p10_page:.2f}x')")"
  record "PostgreSQL: due list p99 at 10,000 workspaces" "${p10k_due} ms" "the same at 10 workspaces" "${p10_due} ms" \
    "$(python3 -c "print(f'{$p10k_due/$p10_due:.2f}x')")"
  record "PostgreSQL: server peak RSS after the scale runs" "$(($(rss_kb $pid) / 1024)) MB" "" "" ""
fi

table=$(python3 - "$RESULTS" <<'PY'
import sys
print("| figure | casefile | anchor | anchor value | ratio / notes |")
print("|---|---|---|---|---|")
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    print("| " + " | ".join(f) + " |")
PY
)
echo "$table"
if [ "${RECORD:-0}" = 1 ]; then
  python3 - "$table" "$(nproc)" "$DUR" <<'PY'
import sys, datetime
table, cores, dur = sys.argv[1], sys.argv[2], sys.argv[3]
start, end = "<!-- server:start -->", "<!-- server:end -->"
section = f"""{start}
## The server's figures

Recorded {datetime.date.today().isoformat()} on {cores} cores, loopback, wrk -t2 -c64 -d{dur}s against one
`casefile serve` (release build; PostgreSQL 15 on the same machine, pool of 32).
Reproduce: `RECORD=1 bash bench/server.sh` (`SCALE=0` skips the 10,000-workspace part).

{table}
{end}"""
s = open("BENCHMARKS.md").read()
if start in s:
    s = s[: s.index(start)] + section + s[s.index(end) + len(end):]
else:
    s = s.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(s)
PY
  echo "wrote BENCHMARKS.md" >&2
fi
