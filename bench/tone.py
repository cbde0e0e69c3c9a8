#!/usr/bin/env python3
"""The tone check on real messages, each figure beside its anchor.

    cargo build --release -p casefile
    python3 bench/tone.py            # prints a Markdown table

Reads ../shared/data (the Stanford Politeness Corpus, Wikipedia part, and the
hand-labelled customer messages). What it measures is `casefile check`:
`hurt` (the rules) against the labels; `politeness` (the model that
train/politeness.py trains) on the paper's binary task, by 10-fold
cross-validation of the training script (the honest figure) and as casefile
scores the set it was trained on; and how many messages a second it checks.
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


def cross_validated():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "train", "politeness.py"), "--cv"],
                         capture_output=True, check=True, env=dict(os.environ, DATA=DATA))
    return out.stdout.decode().split(": ")[1].split("%")[0] + "%"


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
        ("Stanford Wikipedia binary task: 10-fold accuracy", cross_validated(),
         "target (issue 18)", "88%",
         f"{n_task} requests, words and word pairs (train/politeness.py --cv); the paper: humans 86.7%, its best model 83.8%"),
        ("the same, the shipped model on its own training set", f"{accuracy:.1%}",
         "", "", "not a test figure: it has seen these requests"),
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
