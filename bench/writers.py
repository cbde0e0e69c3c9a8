#!/usr/bin/env python3
"""64 writers posting notes at once, each note's text unique, each writer on
its own connection; then what the journal holds is compared with what the
server acknowledged: lost = acknowledged but missing, doubled = present twice.

usage: writers.py PORT COOKIE CASES SECONDS JOURNAL_CMD...
  CASES: how many cases the writers spread over (1 = all on case 1).
  JOURNAL_CMD: prints the notes as JSON (e.g. casefile --json timeline N),
  run once per case with N appended.
Prints one JSON object."""
import hashlib, http.client, json, subprocess, sys, threading, time, urllib.parse

port, cookie, cases, seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
journal_cmd = sys.argv[5:]
csrf = hashlib.sha256(("csrf:" + cookie).encode()).hexdigest()
acked, errors, lock = [], [], threading.Lock()
run = f"{time.time_ns() % 1000000:06d}"  # texts differ from any earlier run's
deadline = time.time() + seconds

def writer(n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    case = 1 + n % cases
    i = 0
    while time.time() < deadline:
        text = f"writer {run}-{n} note {i}"
        body = urllib.parse.urlencode({"csrf": csrf, "kind": "note", "text": text})
        try:
            conn.request("POST", f"/cases/{case}/add", body, {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"casefile_session={cookie}"})
            r = conn.getresponse(); r.read()
            with lock:
                (acked if r.status == 303 else errors).append((case, text) if r.status == 303 else r.status)
        except Exception as e:  # a dropped connection is an error too
            with lock:
                errors.append(str(e))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i += 1

start = time.time()
threads = [threading.Thread(target=writer, args=(n,)) for n in range(64)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.time() - start

stored = {}
for case in range(1, cases + 1):
    out = subprocess.run(journal_cmd + [str(case)], capture_output=True, text=True, check=True).stdout
    for row in json.loads(out):
        text = row.get("text", "")
        if text.startswith(f"Note: writer {run}-"):
            key = (case, text[len("Note: "):])
            stored[key] = stored.get(key, 0) + 1
lost = sum(1 for a in acked if a not in stored)
doubled = sum(n - 1 for n in stored.values() if n > 1)
print(json.dumps({"acknowledged": len(acked), "errors": len(errors), "lost": lost, "doubled": doubled,
                  "stored": sum(stored.values()), "appends_per_s": len(acked) / elapsed,
                  "first_errors": errors[:3]}))
