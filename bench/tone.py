#!/usr/bin/env python3
"""The tone check on real messages, each figure beside its anchor.

    cargo build --release -p casefile
    python3 bench/tone.py            # prints a Markdown table

Reads ../shared/data (the Stanford Politeness Corpus, Wikipedia part, and the
hand-labelled customer messages). What it measures is `casefile check`, the
rules (no learned model yet): `hurt` against the labels, `politeness` on the
paper's binary task with no training (polite when the score is 0.5 or more),
and how many messages a second it checks.
"""
import csv
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DATA", os.path.join(ROOT, "..", "shared", "data"))
BIN = os.path.join(ROOT, "target", "release", "casefile")
ENV = dict(os.environ, CASEFILE_CONFIG=os.path.join(ROOT, "target", "bench", "tone.toml"))


def check_many(texts, kind="chat"):
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    start = time.perf_counter()
    out = subprocess.run([BIN, "check", "--jsonl", "--kind", kind], input=lines.encode(),
                         capture_output=True, env=ENV, check=False)
    took = time.perf_counter() - start
    answers = [json.loads(l) for l in out.stdout.decode().splitlines()]
    assert len(answers) == len(texts), out.stderr.decode()
    return answers, took


def customer_messages():
    rows = list(csv.DictReader(open(os.path.join(DATA, "tone", "customer-messages.csv"))))
    answers, _ = check_many([r["text"] for r in rows])
    tp = sum(1 for r, a in zip(rows, answers) if a["hurt"] and r["label"] == "HURT")
    fp = sum(1 for r, a in zip(rows, answers) if a["hurt"] and r["label"] != "HURT")
    fn = sum(1 for r, a in zip(rows, answers) if not a["hurt"] and r["label"] == "HURT")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return len(rows), precision, recall


def stanford():
    rows = list(csv.DictReader(open(os.path.join(DATA, "politeness", "wikipedia.annotated.csv"))))
    scores = sorted(float(r["Normalized Score"]) for r in rows)
    q1, q3 = scores[len(scores) // 4], scores[3 * len(scores) // 4]
    task = [(r["Request"], float(r["Normalized Score"]) >= q3) for r in rows
            if float(r["Normalized Score"]) >= q3 or float(r["Normalized Score"]) <= q1]
    answers, _ = check_many([t for t, _ in task])
    right = sum(1 for (_, polite), a in zip(task, answers) if (a["politeness"] >= 0.5) == polite)
    all_answers, took = check_many([r["Request"] for r in rows])
    return len(task), right / len(task), len(rows) / took, [r["Request"] for r in rows]


def one_per_process(texts, n=200):
    start = time.perf_counter()
    for t in texts[:n]:
        subprocess.run([BIN, "check", "-", "--kind", "chat"], input=t.encode(),
                       capture_output=True, env=ENV, check=False)
    return n / (time.perf_counter() - start)


def one_message_ms(text, runs=30):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([BIN, "check", "-", "--kind", "chat"], input=text.encode(),
                       capture_output=True, env=ENV, check=False)
        times.append(time.perf_counter() - start)
    return statistics.mean(times) * 1000


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release -p casefile")
    n_cust, precision, recall = customer_messages()
    n_task, accuracy, rate, requests = stanford()
    per_process = one_per_process(requests)
    one_ms = one_message_ms(requests[0])
    size_mb = os.path.getsize(BIN) / 1e6
    rows = [
        ("customer messages: `hurt` precision", f"{precision:.2f}", "target (issue 18)", "0.85",
         f"{n_cust} messages, rules only"),
        ("customer messages: `hurt` recall", f"{recall:.2f}", "target (issue 18)", "0.80",
         f"{n_cust} messages, rules only"),
        ("Stanford Wikipedia binary task: accuracy", f"{accuracy:.1%}",
         "human agreement (the paper)", "86.7%", f"{n_task} requests, no training, polite at >= 0.5"),
        ("`check --jsonl`: messages per second", f"{rate:.0f}", "one process per message",
         f"{per_process:.0f}", "the 4,353 Wikipedia requests"),
        ("one-message `check` (process included)", f"{one_ms:.1f} ms", "target (issue 18)", "150 ms", "mean of 30"),
        ("binary size", f"{size_mb:.1f} MB", "", "", "target/release/casefile"),
    ]
    print("| figure | casefile | anchor | anchor value | note |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nReproduce: `cargo build --release -p casefile && python3 bench/tone.py` ({time.strftime('%Y-%m-%d')}).")


if __name__ == "__main__":
    main()
