"""Pages written per commit: reads a SQLite WAL file and averages the frames of
its committed transactions, by table or index (through the dbstat table).

    python3 bench/wal_pages.py FILE.db [--json]"""
import collections
import json
import sqlite3
import struct
import sys

db = sys.argv[1]
data = open(db + "-wal", "rb").read()
page_size = struct.unpack(">I", data[8:12])[0]
off, txs, cur = 32, [], []
while off + 24 + page_size <= len(data):
    page, commit = struct.unpack(">II", data[off:off + 8])
    cur.append(page)
    off += 24 + page_size
    if commit:
        txs.append(cur)
        cur = []
owner = {p: n for n, p in sqlite3.connect(db).execute("SELECT name, pageno FROM dbstat")}
by = collections.Counter()
for t in txs:
    by.update(owner.get(p, "(freed)") for p in t)
n = max(len(txs), 1)
avg = sum(map(len, txs)) / n
if "--json" in sys.argv:
    print(json.dumps({"commits": len(txs), "pages": avg, "by": {k: v / n for k, v in by.most_common()}}))
else:
    print(f"{len(txs)} commits, {avg:.2f} pages each")
    for k, v in by.most_common():
        print(f"  {k}: {v / n:.2f}")
