"""The peer's side of `cargo bench --bench losses`: pytorch-metric-learning 2.9 forward + backward
from the embeddings, on the CPU, for the same cases (same names, m, d, labels, parameters).

    pip install torch pytorch-metric-learning==2.9.0
    python3 benches/pml_reference.py                 # m = 256, 1024, 4096; float32 and float64
    python3 benches/pml_reference.py 1024 --f32      # one size, float32 only

Each case: L2-normalised Gaussian rows (d = 64), labels i // 4 (K = 4 per class), the miner (if
any) and the loss forward, then backward to the embeddings; PML normalises the rows itself
(CosineSimilarity), as pairscope's `evaluate_embeddings` does. Both use 2 threads. Output lines:
`pml <case>/<m> <dtype>: <ms> ms (median of N)`, the names being the criterion ids of
benches/losses.rs (`from_embeddings/<case>/<m>`).
"""
import statistics
import sys
import time

import torch
from pytorch_metric_learning import distances, losses, miners

torch.set_num_threads(2)
D = 64
K = 4


def cases():
    """pairscope's defaults (src/losses/spec/params.rs), spelled out for PML."""
    cos = distances.CosineSimilarity
    return [
        (
            "multi_similarity+ms_miner",
            losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5),
            miners.MultiSimilarityMiner(epsilon=0.1),
        ),
        (
            "contrastive",
            losses.ContrastiveLoss(pos_margin=1, neg_margin=0.5, distance=cos()),
            None,
        ),
        (
            "triplet_margin+batch_hard",
            losses.TripletMarginLoss(margin=0.05, distance=cos()),
            miners.BatchHardMiner(distance=cos()),
        ),
    ]


def time_case(name, loss_fn, miner, m, dtype):
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(m) // K
    x = torch.randn(m, D, generator=g, dtype=dtype)
    x = torch.nn.functional.normalize(x, dim=1).requires_grad_(True)

    def run():
        pairs = miner(x, labels) if miner else None
        loss = loss_fn(x, labels, pairs)
        loss.backward()
        x.grad = None

    run()
    t0 = time.perf_counter()
    run()
    once = time.perf_counter() - t0
    # About 2 s per case, at least 5 and at most 100 samples; the median resists the load.
    reps = min(100, max(5, int(2.0 / max(once, 1e-4))))
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t0)
    ms = statistics.median(samples) * 1e3
    kind = str(dtype).removeprefix("torch.")
    print(f"pml {name}/{m} {kind}: {ms:.3f} ms (median of {reps})", flush=True)


def main():
    args = sys.argv[1:]
    sizes = [int(a) for a in args if a.isdigit()] or [256, 1024, 4096]
    dtypes = [torch.float32] if "--f32" in args else [torch.float32, torch.float64]
    for m in sizes:
        for dtype in dtypes:
            for name, loss_fn, miner in cases():
                time_case(name, loss_fn, miner, m, dtype)


if __name__ == "__main__":
    main()
