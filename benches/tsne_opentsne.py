"""pairscope's t-SNE beside openTSNE's, side by side in one run on the same machine (issue 17).

Run from the repository root, after `cargo build --release`:

    pip install openTSNE          # 1.0.4 measured; numpy and scipy come with it
    python3 benches/tsne_opentsne.py [--seeds 3]

Both engines use two threads, so run it on an otherwise idle machine (a build beside it slows
openTSNE's threads far more than pairscope's).

Data: the 1797 digits of assets/digits.csv, raw features (grey levels 0..16), both engines.
Settings: perplexity 30; 250 iterations of early exaggeration 12 then 500 without, 750 in all;
PCA initialisation. openTSNE: `TSNE(perplexity=30, n_jobs=2, random_state=seed)` (its defaults:
Barnes-Hut below 10 000 points, the same schedule), timed around `.fit` alone (its k-NN and
affinities included, the data already in memory). pairscope: `target/release/pairscope embed
--data assets/digits.csv --out TMP --seed SEED`, timed by the `seconds` it prints (the layout
itself, k-NN and affinities included, the CSV's loading excluded); the process's wall time
(loading and writing included) is shown too.

For every seed it records: seconds; KL divergence as each engine reports it (openTSNE: its
Barnes-Hut estimate `embedding.kl_divergence`; pairscope: exact); and, for a fair comparison,
both layouts' exact KL under one P (openTSNE's `PerplexityBasedNN(x, perplexity=30,
method="exact").P`, Q normalised over all n^2 - n pairs); and the 2-D 5-nearest-neighbour label
accuracy (leave-one-out majority vote, ties to the nearest neighbour's label, as pairscope's
`embedding::quality::knn_accuracy`). Prints the medians over the seeds and the speed ratio
(openTSNE seconds / pairscope seconds). Exits 1 if pairscope's binary is missing.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# PAIRSCOPE=/path/to/pairscope picks another build (a copy that a rebuild cannot replace).
BINARY = os.environ.get("PAIRSCOPE") or os.path.join(ROOT, "target", "release", "pairscope")
DATA = os.path.join(ROOT, "assets", "digits.csv")
PERPLEXITY = 30


def load():
    with open(DATA) as f:
        rows = list(csv.reader(f))
    body = rows[1:]
    x = np.array([[float(v) for v in r[1:]] for r in body])
    y = np.array([int(r[0]) for r in body])
    return x, y


def exact_kl(p, xy):
    """KL(P || Q) with Q over all pairs, P sparse (scipy) and summing to 1."""
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    w = 1.0 / (1.0 + d2)
    np.fill_diagonal(w, 0.0)
    z = w.sum()
    p = p.tocoo()
    keep = p.data > 0
    i, j, pij = p.row[keep], p.col[keep], p.data[keep]
    q = w[i, j] / z
    return float((pij * np.log(pij / q)).sum())


def knn_accuracy(xy, labels, k=5):
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    n = len(xy)
    hits = 0
    for i in range(n):
        # Nearest first, ties by index (a stable sort on distance).
        near = np.argsort(d2[i], kind="stable")[:k]
        votes = {}
        for rank, j in enumerate(near):
            count, first = votes.get(labels[j], (0, rank))
            votes[labels[j]] = (count + 1, first)
        best = max(votes.items(), key=lambda kv: (kv[1][0], -kv[1][1]))[0]
        hits += best == labels[i]
    return hits / n


def run_opentsne(x, seed):
    from openTSNE import TSNE

    t = time.perf_counter()
    emb = TSNE(perplexity=PERPLEXITY, n_jobs=2, random_state=seed).fit(x)
    seconds = time.perf_counter() - t
    return seconds, float(emb.kl_divergence), np.asarray(emb)


def run_pairscope(seed, tmp):
    out = os.path.join(tmp, f"layout-{seed}.csv")
    cmd = [BINARY, "embed", "--data", DATA, "--out", out, "--seed", str(seed)]
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"pairscope embed failed ({done.returncode}): {done.stderr.strip()}")
    line = json.loads(done.stdout)
    with open(out) as f:
        rows = list(csv.reader(f))[1:]
    xy = np.array([[float(r[0]), float(r[1])] for r in rows])
    return line["seconds"], wall, line["kl_divergence"], xy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if not os.access(BINARY, os.X_OK):
        sys.exit(f"{BINARY} is missing: run `cargo build --release` first")
    from openTSNE import __version__ as version
    from openTSNE.affinity import PerplexityBasedNN

    x, y = load()
    p = PerplexityBasedNN(x, perplexity=PERPLEXITY, method="exact", n_jobs=2, random_state=0).P
    ours = {k: [] for k in ("seconds", "wall", "kl_own", "kl_p", "knn")}
    theirs = {k: [] for k in ("seconds", "kl_own", "kl_p", "knn")}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            # Alternate which runs first, so neither always meets a warmer machine.
            order = [0, 1] if seed % 2 == 0 else [1, 0]
            for which in order:
                if which == 0:
                    s, kl, xy = run_opentsne(x, seed)
                    for k, v in zip(("seconds", "kl_own"), (s, kl)):
                        theirs[k].append(v)
                    theirs["kl_p"].append(exact_kl(p, xy))
                    theirs["knn"].append(knn_accuracy(xy, y))
                else:
                    s, wall, kl, xy = run_pairscope(seed, tmp)
                    for k, v in zip(("seconds", "wall", "kl_own"), (s, wall, kl)):
                        ours[k].append(v)
                    ours["kl_p"].append(exact_kl(p, xy))
                    ours["knn"].append(knn_accuracy(xy, y))
            print(
                f"seed {seed}: openTSNE {theirs['seconds'][-1]:.2f} s, pairscope "
                f"{ours['seconds'][-1]:.2f} s ({ours['wall'][-1]:.2f} s wall)",
                flush=True,
            )
    med = {k: statistics.median(v) for k, v in theirs.items()}
    mine = {k: statistics.median(v) for k, v in ours.items()}
    print(f"\n1797 digits, perplexity 30, 250 + 500 iterations; medians of {args.seeds} seeds")
    print(f"{'':34}{'openTSNE ' + version:>16}{'pairscope':>12}")
    print(f"{'seconds (layout)':34}{med['seconds']:16.3f}{mine['seconds']:12.3f}")
    print(f"{'seconds (pairscope process, wall)':34}{'':16}{mine['wall']:12.3f}")
    print(f"{'KL, as each reports it':34}{med['kl_own']:16.4f}{mine['kl_own']:12.4f}")
    print(f"{'KL, exact, one P (openTSNE exact)':34}{med['kl_p']:16.4f}{mine['kl_p']:12.4f}")
    print(f"{'5-NN label accuracy (2-D)':34}{med['knn']:16.4f}{mine['knn']:12.4f}")
    print(f"\nspeed: pairscope {med['seconds'] / mine['seconds']:.1f}x faster than openTSNE "
          f"(layout seconds; {med['seconds'] / mine['wall']:.1f}x by pairscope's wall time)")
    print(f"KL under one P: pairscope / openTSNE = {mine['kl_p'] / med['kl_p']:.3f}")


if __name__ == "__main__":
    main()
