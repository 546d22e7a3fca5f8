"""Reference timings: pytorch-metric-learning CPU forward + backward for the cases of
benches/losses.rs (pip install torch pytorch-metric-learning; python3 benches/pml_reference.py)."""
# PML CPU forward + backward for the same cases as benches/losses.rs.
import time, torch
from pytorch_metric_learning import losses, miners
torch.set_num_threads(2)
def case(name, loss_fn, miner, m, d=64, dtype=torch.float32):
    g = torch.Generator().manual_seed(0)
    k = 4
    labels = torch.arange(m) // k
    x = torch.randn(m, d, generator=g, dtype=dtype)
    x = torch.nn.functional.normalize(x, dim=1).requires_grad_(True)
    def run():
        pairs = miner(x, labels) if miner else None
        l = loss_fn(x, labels, pairs)
        l.backward()
        x.grad = None
    run()
    reps = max(3, int(2.0 / max(1e-4, (lambda t0: (run(), time.perf_counter()-t0)[1])(time.perf_counter()))))
    reps = min(reps, 200)
    t0 = time.perf_counter()
    for _ in range(reps): run()
    dt = (time.perf_counter() - t0) / reps
    print(f"{name:40s} m={m:5d} {dtype}: {dt*1e3:9.3f} ms")
for m in [256, 1024, 4096]:
    for dtype in [torch.float32, torch.float64]:
        case("multi_similarity+ms_miner", losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5), miners.MultiSimilarityMiner(0.1), m, dtype=dtype)
        case("triplet_margin+batch_hard", losses.TripletMarginLoss(margin=0.1, distance=__import__('pytorch_metric_learning.distances', fromlist=['x']).CosineSimilarity()), miners.BatchHardMiner(distance=__import__('pytorch_metric_learning.distances', fromlist=['x']).CosineSimilarity()), m, dtype=dtype)
        case("contrastive", losses.ContrastiveLoss(pos_margin=1, neg_margin=0.5, distance=__import__('pytorch_metric_learning.distances', fromlist=['x']).CosineSimilarity()), None, m, dtype=dtype)
