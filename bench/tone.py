#!/usr/bin/env python3
"""The tone check on real messages, each figure beside its anchor.

    cargo build --release -p casefile --bin casefile -p casefile-tone --example embed --example finetune
    python3 bench/tone.py            # prints a Markdown table

About five minutes once train/tone.py has run here (its cross-validation,
which tunes the encoder ten times, is kept in target/tone); about an hour on
two cores before.

Reads ../shared/data (the Stanford Politeness Corpus, Wikipedia part, and the
hand-labelled customer messages). The honest accuracy figures are the
training scripts' cross-validation (train/tone.py --cv: the model's heads
never see the messages they are tested on); beside them, what the shipped
`casefile check` says of the same sets (it was trained on them), how many
messages a second it checks, how long one check takes, its size and memory.
"""
import resource
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
    """train/tone.py --cv's figures: Wikipedia accuracy (tuned encoder, words, both),
    across domains, and hurt precision and recall (rules; rules or model)."""
    out = subprocess.run([sys.executable, os.path.join(ROOT, "train", "tone.py"), "--cv"],
                         capture_output=True, check=True, env=dict(os.environ, DATA=DATA)).stdout.decode()
    lines = out.splitlines()
    wiki = dict(part.rsplit(" ", 1) for part in lines[0].split("): ")[1].split(", "))
    across = lines[1].rsplit(" ", 4)[1]
    hurt = [tuple(l.split("precision ")[1].split(", recall ")) for l in lines[2:4]]
    return wiki, across, hurt


def peak_memory_mb(texts):
    """The largest resident size of one `check --jsonl` run, from the kernel."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    check_many(texts)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024


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
    wiki, across, (rules_pr, model_pr) = cross_validated()
    n_cust, precision, recall = customer_messages()
    n_task, accuracy, rate, requests = stanford()
    per_process = one_per_process(requests, n=50)
    one_ms = one_message_ms(requests[0])
    size_mb = os.path.getsize(BIN) / 1e6
    memory = peak_memory_mb(requests[:500])
    rows = [
        ("customer messages: `hurt` precision, 10-fold", model_pr[0], "target (issue 18)", "0.85",
         f"{n_cust} messages: the rules, or the model's hurt head at 0.7; the rules alone {rules_pr[0]}"),
        ("customer messages: `hurt` recall, 10-fold", model_pr[1], "target (issue 18)", "0.80",
         f"the rules alone {rules_pr[1]}"),
        ("the same, the shipped `check` (precision / recall)", f"{precision:.2f} / {recall:.2f}", "", "",
         "not a test figure: the hurt head has seen these messages"),
        ("Stanford Wikipedia binary task: 10-fold accuracy", wiki["both averaged"],
         "target (issue 18)", "88%",
         f"{n_task} requests; the tuned encoder alone {wiki['tuned encoder']}, words alone {wiki['words']}; "
         "the paper: humans 86.7%, its best model 83.8%"),
        ("the same, the shipped `check` on its own training set", f"{accuracy:.1%}",
         "", "", "not a test figure: it has seen these requests"),
        ("across domains: Wikipedia politeness ranks a hurtful customer message below a fine one",
         across, "target (issue 18)", "70%",
         "the share of (hurtful, fine) pairs; the corpus here has only Wikipedia's community"),
        ("`check --jsonl`: messages per second", f"{rate:.0f}", "target (issue 18)", "60",
         f"the 4,353 Wikipedia requests; one process per message: {per_process:.1f}/s"),
        ("one-message `check` (process and model load included)", f"{one_ms:.1f} ms",
         "target (issue 18)", "150 ms", "mean of 30"),
        ("peak memory, `check --jsonl` of 500 requests", f"{memory:.0f} MB", "", "", "ru_maxrss"),
        ("binary size", f"{size_mb:.1f} MB", "", "", "target/release/casefile (the model's 45 MB inside)"),
    ]
    print("| figure | casefile | anchor | anchor value | note |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nReproduce: `cargo build --release -p casefile --bin casefile -p casefile-tone --example embed --example finetune && python3 bench/tone.py` ({time.strftime('%Y-%m-%d')}).")


if __name__ == "__main__":
    main()
