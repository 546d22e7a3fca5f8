//! Row-parallel loops of the engine: a batch's rows split into one contiguous chunk per core.
//!
//! With the `app` feature the chunks run on rayon's pool (the one the t-SNE engine and burn
//! already keep: a few microseconds per dispatch, though tens when the workers have gone to
//! sleep, which is why a batch must be large before it is split). The engine is also built
//! without `app` for the fuzz targets, where rayon is absent; there std's scoped threads run
//! them (a spawn costs tens of microseconds and a thread stack, which only fuzzing pays). The per-row code is the
//! same in both builds. Batches below [`MIN_PARALLEL_CELLS`] stay on the calling thread (the
//! default m = 80 batch is 6 400 cells). Every caller combines the chunks' results in row
//! order, so the outcome does not depend on the number of cores.

use std::mem::MaybeUninit;

/// Batches with fewer `m × m` cells than this run on the calling thread. At m = 256 (65 536
/// cells) a contrastive batch took 0.41–0.57 ms split over two cores — half of it waking and
/// yielding threads between its stages — and 0.27–0.32 ms on one (`cargo bench --bench losses`).
pub(crate) const MIN_PARALLEL_CELLS: usize = 300 * 300;

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
    rows_per_chunk_costing(m, cells, 1)
}

/// [`rows_per_chunk`] for work that costs `cost` times a plain pass per cell (an `exp` each,
/// say): such a batch is split from `1 / cost` of the usual size.
fn rows_per_chunk_costing(m: usize, cells: usize, cost: usize) -> usize {
    if cells.saturating_mul(cost) < MIN_PARALLEL_CELLS || m < 2 {
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

/// Buffers of fewer bytes than this are filled on the calling thread: a `memset` of a couple
/// of megabytes is quicker than waking the other cores.
const MIN_PARALLEL_FILL_BYTES: usize = 4 << 20;

/// `n` copies of `value`, written on all cores when they take [`MIN_PARALLEL_FILL_BYTES`] or
/// more.
///
/// The engine's `m × m` buffers that are only partly written afterwards are allocated with
/// this rather than `vec![value; n]`: for zeros that is `calloc`, and an allocator that hands
/// back memory it already had (as mimalloc does from one batch to the next) must then clear it
/// with one `memset` on the calling thread — a sixth of a contrastive batch at m = 1024.
/// Buffers whose every cell is computed are [`built`] instead, never filled first.
pub(crate) fn filled<T: Copy + Send + Sync>(n: usize, value: T) -> Vec<T> {
    if n.saturating_mul(size_of::<T>()) < MIN_PARALLEL_FILL_BYTES {
        return vec![value; n];
    }
    build_chunks(n, n.div_ceil(cores()), |_, sink| sink.fill(value)).0
}

/// The front-to-back writer of one chunk of a buffer being [`built`]: every slot is written
/// exactly once, in order, through [`Sink::extend_from_slice`] or
/// [`Sink::fill`], which panic rather than write past the chunk's end.
pub(crate) struct Sink<'a, T> {
    slots: &'a mut [MaybeUninit<T>],
    len: usize,
}

impl<T: Copy> Sink<'_, T> {
    /// The slots still to write.
    pub(crate) fn remaining(&self) -> usize {
        self.slots.len() - self.len
    }

    /// The next `values.len()` slots.
    #[inline(always)]
    pub(crate) fn extend_from_slice(&mut self, values: &[T]) {
        let end = self.len + values.len();
        self.slots[self.len..end].write_copy_of_slice(values);
        self.len = end;
    }

    /// Every slot still unwritten.
    pub(crate) fn fill(&mut self, value: T) {
        // Copies of a small block (`memcpy`, full vector width) rather than a store per slot.
        let block = [value; 256];
        for run in self.slots[self.len..].chunks_mut(block.len()) {
            run.write_copy_of_slice(&block[..run.len()]);
        }
        self.len = self.slots.len();
    }
}

/// An `n`-slot buffer written chunk by chunk (`per_chunk` slots each, the last maybe fewer)
/// by `f(chunk_index, sink)`, in parallel; `f`'s results in chunk order. Each chunk must write
/// all its slots (checked: a chunk that does not panics, and the panic propagates).
fn build_chunks<T: Copy + Send + Sync, R: Send>(
    n: usize,
    per_chunk: usize,
    f: impl Fn(usize, &mut Sink<'_, T>) -> R + Sync,
) -> (Vec<T>, Vec<R>) {
    let mut out = Vec::with_capacity(n);
    let items: Vec<_> = out.spare_capacity_mut()[..n]
        .chunks_mut(per_chunk.max(1))
        .enumerate()
        .collect();
    let results = map(items, |(c, slots)| {
        let mut sink = Sink { slots, len: 0 };
        let r = f(c, &mut sink);
        assert_eq!(sink.len, sink.slots.len(), "a chunk left slots unwritten");
        r
    });
    // SAFETY: the chunks partition the first `n` slots of the capacity, and every chunk's sink
    // wrote each of its slots (asserted above; a failed assertion or a panic in `f` unwinds
    // before this line, leaving `out` empty).
    #[allow(unsafe_code)]
    unsafe {
        out.set_len(n);
    }
    (out, results)
}

/// An `m`-row buffer of `width` values a row, built row chunk by row chunk (as [`rows`]
/// splits them) by `f(first_row, sink)`, which writes the chunk's rows front to back — no
/// fill before the values are computed. `f`'s results in row order.
///
/// # Panics
/// If a chunk does not write exactly its rows' slots.
pub(crate) fn built<T: Copy + Send + Sync, R: Send>(
    (width, m): (usize, usize),
    f: impl Fn(usize, &mut Sink<'_, T>) -> R + Sync,
) -> (Vec<T>, Vec<R>) {
    let rows = rows_per_chunk(m, m * width);
    build_chunks(m * width, rows * width, |c, sink| f(c * rows, sink))
}

/// `f(first_row, chunk)` on the row chunks of `data` (`m` rows of `width` values each), in
/// parallel for a large batch; the results in row order.
pub(crate) fn rows<T: Send, R: Send>(
    data: &mut [T],
    width: usize,
    m: usize,
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R> {
    rows_costing(data, (width, m), 1, f)
}

/// [`rows`] for per-cell work `cost` times a plain pass (see [`rows_per_chunk_costing`]).
pub(crate) fn rows_costing<T: Send, R: Send>(
    data: &mut [T],
    (width, m): (usize, usize),
    cost: usize,
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let rows = rows_per_chunk_costing(m, m * width, cost);
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
        for m in [0, 1, 7, 299, 300, 301, 1000, 1025] {
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

    #[test]
    fn built_buffers_hold_every_row_in_order() {
        for (m, width) in [(0, 4), (1, 1), (7, 3), (301, 301), (1000, 5)] {
            let (data, firsts) = built((width, m), |first, sink| {
                let rows = sink.remaining() / width.max(1);
                for i in first..first + rows {
                    let row: Vec<usize> = (0..width).map(|j| i * width + j).collect();
                    sink.extend_from_slice(&row);
                }
                first
            });
            assert_eq!(data, (0..m * width).collect::<Vec<_>>(), "m = {m}");
            assert!(firsts.windows(2).all(|w| w[0] < w[1]), "m = {m}");
        }
        for n in [0, 5, 1 << 20] {
            assert_eq!(filled(n, 7u32), vec![7u32; n]);
        }
    }

    #[test]
    #[should_panic(expected = "left slots unwritten")]
    fn a_chunk_that_leaves_slots_unwritten_panics() {
        let _ = built((4, 2), |_, sink: &mut Sink<'_, u8>| {
            sink.extend_from_slice(&[1, 2, 3]);
        });
    }

    #[test]
    #[should_panic]
    fn a_chunk_cannot_write_past_its_end() {
        let _ = built((2, 2), |_, sink: &mut Sink<'_, u8>| {
            sink.extend_from_slice(&[1, 2, 3, 4, 5]);
        });
    }
}
