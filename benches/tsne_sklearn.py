"""scikit-learn's TSNE on the same data and settings as `cargo bench --bench tsne`:
perplexity 30, 750 iterations, Barnes-Hut angle 0.5, random init; 900 held-out digits
(every class split 50/50 as the app's `samples` split does: here the second half of each
class in file order, the same size) and all 1797. Prints the median of 3 runs."""
import csv, statistics, time
import numpy as np
from sklearn.manifold import TSNE

rows = list(csv.reader(open("assets/digits.csv")))
head, body = rows[0], rows[1:]
x = np.array([[float(v) / 16.0 for v in r[1:]] for r in body])
y = np.array([int(r[0]) for r in body])
held = np.concatenate([np.where(y == c)[0][len(np.where(y == c)[0]) // 2:] for c in range(10)])
for name, data in [("900-ish held-out", x[held]), ("1797", x)]:
    times = []
    for seed in range(3):
        t = time.perf_counter()
        TSNE(perplexity=30, max_iter=750, angle=0.5, init="random", random_state=seed).fit_transform(data)
        times.append(time.perf_counter() - t)
    print(f"sklearn TSNE {name} ({len(data)} points): median {statistics.median(times):.2f} s")
