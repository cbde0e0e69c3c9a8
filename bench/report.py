"""Prints bench results as a table: figure, value, anchor, ratio, how to reproduce.

With --record, writes the whole BENCHMARKS.md, machine included."""
import json
import platform
import subprocess
import sys
from datetime import date

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]


def fmt(v, unit):
    return f"{v:.2f} {unit}" if v < 100 else f"{v:.0f} {unit}"


def table():
    out = ["| figure | casefile | anchor | anchor value | ratio | reproduce |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['figure']} | {fmt(r['value'], r['unit'])} | {r['anchor']} | {fmt(r['anchor_value'], r['unit'])} | {r['ratio']:.2f}x | `{r['reproduce']}` |")
    return "\n".join(out)


def growth():
    by = {r["figure"]: r["value"] for r in rows}
    out = []
    for cmd in ["list", "due", "show", "brief", "timeline", "search"]:
        sizes = sorted(
            (int(k.split("(")[1].split()[0]), v) for k, v in by.items() if k.startswith(cmd + " (") and "entries" in k
        )
        if len(sizes) >= 2:
            (s0, v0), (s1, v1) = sizes[0], sizes[-1]
            out.append(f"| {cmd} | {s0:,} → {s1:,} entries | {v0:.2f} ms → {v1:.2f} ms | {v1 / v0:.2f}x |")
    if not out:
        return ""
    return "\n".join(["| command | sizes | time | growth |", "|---|---|---|---|"] + out)


if "--record" not in sys.argv:
    print(table())
    g = growth()
    if g:
        print()
        print(g)
    sys.exit(0)

cpu = subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
mem = subprocess.run(["sh", "-c", "free -h | awk '/Mem:/ {print $2}'"], capture_output=True, text=True).stdout.strip()
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"""# Benchmarks

Each figure is casefile beside a named anchor, run on the same data in the same
run; the ratio is casefile's time (or memory) over the anchor's. Reads are
anchored on the raw SQL that fetches the same rows from the same file in the
sqlite3 shell (the practical floor of a process that opens the database);
capture on the sqlite3 shell inserting one row into a WAL database with
`synchronous=FULL` (the same durability as casefile) and on Taskwarrior's
`task add`, a tool people use for quick capture.

Recorded {date.today().isoformat()} on {cores} cores ({cpu or platform.processor()}), {mem} memory,
{platform.system()} {platform.release()}. Times are hyperfine means.

Reproduce everything: `RECORD=1 bash bench/run.sh` (quicker: `SIZES="1000:10" bash bench/run.sh`).
The journals come from `cargo run --release -p casefile --example gen_journal -- --db PATH --entries N --cases M --seed 42`,
with note text from the CFPB narratives in `shared/data/cfpb/`.

## Results

{table()}

## Growth from the smallest to the largest journal

{growth()}

## Targets

- Capture within 1.3x of the sqlite3 floor and at most 0.5x Taskwarrior's `task add`.
- A note on a case of 20,000 entries within 1.3x of a note on a 10-entry case, in
  instructions and in wall time; pages written per note the same at both sizes.
- `show`, `brief` and `timeline` of a 5,000-entry case within 2x of the raw SQL that
  reads the same rows (`bench/appends.sh`).
- Every read at 1M entries within 3x of its raw-SQL floor.
- Growth from 1k to 1M entries no worse than logarithmic for list, due and brief.
- Max RSS under 20 MB for capture.
- A first complaint import of 1,000,000 rows, text index built, at least 0.7x the rows/s of the sqlite3
  shell's `.import` of the same file (a ratio above 1 means faster than the anchor; issue 16).
- `similar` at 5,000,000 complaints within 2x its FTS query (`INTEL_SIZES="10000 1000000 5000000"`; issue 16).
- Peak memory of the import flat as the file grows.
""")

# What follows the marker is written by hand or by other scripts
# (bench/appends.sh, bench/server.sh): kept as it is.
MARK = "<!-- kept below: written by hand or by other bench scripts -->"
try:
    with open("BENCHMARKS.md") as f:
        old = f.read()
except OSError:
    old = ""
if MARK in old:
    print(old[old.index(MARK):], end="")
else:
    print(MARK)
