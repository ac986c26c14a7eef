#!/usr/bin/env python3
"""Times flopsfit-tokenize on the built-in corpus: tokenizer training, encoding, tokens/s, peak RSS.

    python3 bench/tokenize_bench.py build/app/flopsfit-tokenize [--tokens 8e6] [--vocab 2048] [--repeats 3]

Runs 1 and 2 threads alternately, `repeats` times each, and prints the medians and their ratio.
Stage times come from the tool's progress lines; peak RSS from getrusage of the child.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(tool, tokens, vocab, tokenizer, threads, out):
    stages = {}
    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.Popen([tool, "--builtin", "--tokens", str(int(tokens)), "--vocab-size", str(vocab),
                             "--tokenizer", tokenizer, "--threads", str(threads), "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        words = line.split()
        if words and words[0] == "progress":
            stage = words[1].split("=", 1)[1]
            now = time.monotonic() - start
            stages.setdefault(stage, [now, now])[1] = now
    if proc.wait() != 0:
        sys.exit(f"{tool} failed with status {proc.returncode}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, max over children so far
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    total_tokens = meta["train_tokens"] + meta["val_tokens"]
    train_s = stages["train"][1] - stages["train"][0]
    encode_s = stages["encode"][1] - stages["encode"][0]
    return {"wall": time.monotonic() - start, "train": train_s, "encode": encode_s,
            "tok_s": total_tokens / encode_s, "rss_mb": max(rss, before) / 1024.0, "tokens": total_tokens}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--tokens", type=float, default=8e6)
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--tokenizer", default="bpe")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    results = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for threads in (1, 2):
                res = run_once(args.tool, args.tokens, args.vocab, args.tokenizer, threads, os.path.join(tmp, f"t{threads}-{r}"))
                results[threads].append(res)
                print(f"threads={threads} run={r}: wall {res['wall']:.2f} s, train {res['train']:.2f} s, "
                      f"encode {res['encode']:.2f} s ({res['tok_s'] / 1e6:.2f} M tokens/s)", flush=True)
    med = {t: {k: statistics.median(x[k] for x in rs) for k in ("wall", "train", "encode", "tok_s")} for t, rs in results.items()}
    for t in (1, 2):
        m = med[t]
        print(f"median threads={t}: wall {m['wall']:.2f} s, tokenizer training {m['train']:.2f} s, "
              f"encoding {m['encode']:.2f} s = {m['tok_s'] / 1e6:.2f} M tokens/s")
    print(f"encoding speed-up 2 threads / 1 thread: {med[2]['tok_s'] / med[1]['tok_s']:.2f}x; "
          f"peak RSS of any run: {max(x['rss_mb'] for rs in results.values() for x in rs):.0f} MB; "
          f"{results[1][0]['tokens']} tokens, vocab {args.vocab} {args.tokenizer}")


if __name__ == "__main__":
    main()
