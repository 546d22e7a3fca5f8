//! Row-parallel loops of the engine: a batch's rows split into one contiguous chunk per core.
//!
//! With the `app` feature the chunks run on rayon's pool (the one the t-SNE engine and burn
//! already keep: a few microseconds per dispatch). The engine is also built without `app` for
//! the fuzz targets, where rayon is absent; there std's scoped threads run them (a spawn costs
//! tens of microseconds and a thread stack, which only fuzzing pays). The per-row code is the
//! same in both builds. Batches below [`MIN_PARALLEL_CELLS`] stay on the calling thread (the
//! default m = 80 batch is 6 400 cells). Every caller combines the chunks' results in row
//! order, so the outcome does not depend on the number of cores.

/// Batches with fewer `m × m` cells than this run on the calling thread.
pub(crate) const MIN_PARALLEL_CELLS: usize = 160 * 160;

/// Worker threads for a large batch: rayon's pool.
#[cfg(feature = "app")]
fn cores() -> usize {
    rayon::current_num_threads().clamp(1, 16)
}

/// Worker threads for a large batch: the machine's cores (at most 16).
#[cfg(not(feature = "app"))]
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, 16)
    })
}

/// Rows per chunk for an `m`-row batch of `cells` cells: all of them below the threshold,
/// else `m` shared evenly among the cores.
pub(crate) fn rows_per_chunk(m: usize, cells: usize) -> usize {
    if cells < MIN_PARALLEL_CELLS || m < 2 {
        m.max(1)
    } else {
        m.div_ceil(cores()).max(1)
    }
}

/// `f` on every item, in parallel on rayon's pool; the results in the items' order.
#[cfg(feature = "app")]
pub(crate) fn map<I: Send, R: Send>(items: Vec<I>, f: impl Fn(I) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    if items.len() <= 1 {
        return items.into_iter().map(f).collect();
    }
    items.into_par_iter().map(&f).collect()
}

/// `f` on every item, the first on the calling thread and each other on its own scoped thread;
/// the results in the items' order. A panic in any item propagates.
#[cfg(not(feature = "app"))]
pub(crate) fn map<I: Send, R: Send>(items: Vec<I>, f: impl Fn(I) -> R + Sync) -> Vec<R> {
    let mut items = items.into_iter();
    let Some(first) = items.next() else {
        return Vec::new();
    };
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.map(|item| scope.spawn(move || f(item))).collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.push(f(first));
        for h in handles {
            out.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

/// `f(first_row, chunk)` on the row chunks of `data` (`m` rows of `width` values each), in
/// parallel for a large batch; the results in row order.
pub(crate) fn rows<T: Send, R: Send>(
    data: &mut [T],
    width: usize,
    m: usize,
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let rows = rows_per_chunk(m, m * width);
    let items: Vec<_> = data
        .chunks_mut((rows * width).max(1))
        .enumerate()
        .map(|(c, chunk)| (c * rows, chunk))
        .collect();
    map(items, |(first, chunk)| f(first, chunk))
}

/// The row ranges of an `m`-row batch of `cells` cells, one per chunk.
pub(crate) fn row_ranges(m: usize, cells: usize) -> Vec<std::ops::Range<usize>> {
    let rows = rows_per_chunk(m, cells);
    (0..m).step_by(rows).map(|r| r..(r + rows).min(m)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_row_once_in_order() {
        for m in [0, 1, 7, 159, 160, 161, 1000, 1025] {
            let mut data = vec![0usize; m * 3];
            let firsts = rows(&mut data, 3, m, |first, chunk| {
                for (r, row) in chunk.chunks_mut(3).enumerate() {
                    row.iter_mut().for_each(|v| *v += first + r + 1);
                }
                first
            });
            let want: Vec<usize> = (0..m).flat_map(|i| [i + 1; 3]).collect();
            assert_eq!(data, want, "m = {m}");
            assert!(firsts.windows(2).all(|w| w[0] < w[1]), "m = {m}");
            let ranges = row_ranges(m, m * m);
            assert_eq!(ranges.iter().map(|r| r.len()).sum::<usize>(), m);
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}
