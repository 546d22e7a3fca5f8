//! `S = X Xᵀ` for the engine (f64) and for the batch path from f32 embeddings.
//!
//! Every cell is the sequential sum `((0 + x₀y₀) + x₁y₁) + …` over k ascending: the order of
//! the straightforward loop it replaces and of `shaders/batch.wgsl`, so S keeps the same bits
//! (and the GPU parity and mining decisions are unchanged). The speed comes from doing many
//! cells at once instead of one: a block of 4 rows × 16 columns is accumulated over k in
//! registers (each lane still adds its own products in k order; Rust never fuses or reorders
//! float operations unasked), the columns read from packed `d × 16` panels of `Xᵀ`, and the
//! rows split over the cores, each writing its rows of S once (`par::built`: no zero fill
//! first). `multiversion` compiles the kernel for AVX2 and AVX-512 too (no intrinsics, no
//! `unsafe`).

use std::ops::{Add, Mul};

use super::par::{self, Sink};

/// Norms at or below this leave the row as the zero vector (as `geometry::normalize_rows`).
const NORM_EPS_F32: f32 = 1e-12;

/// Rows per register block.
const R: usize = 4;
/// Columns per register block.
const C: usize = 16;

/// f32 or f64.
pub(crate) trait Float:
    Copy + Default + Add<Output = Self> + Mul<Output = Self> + Send + Sync
{
}
impl Float for f32 {}
impl Float for f64 {}

/// One `rows × C` block at `(i0, j0)`: `out[r][l] = Σ_k x[i0 + r][k] · x[j0 + l][k]`, k
/// ascending from 0, the columns read from their packed panel.
#[inline(always)]
fn block<T: Float, const ROWS: usize>(
    x: &[T],
    panels: &[T],
    d: usize,
    (i0, j0): (usize, usize),
) -> [[T; C]; ROWS] {
    let mut acc = [[T::default(); C]; ROWS];
    let xr: [&[T]; ROWS] = std::array::from_fn(|r| &x[(i0 + r) * d..(i0 + r + 1) * d]);
    let panel = &panels[j0 * d..(j0 + C) * d];
    for (k, col) in panel.chunks_exact(C).enumerate() {
        for r in 0..ROWS {
            let a = xr[r][k];
            for l in 0..C {
                acc[r][l] = acc[r][l] + a * col[l];
            }
        }
    }
    acc
}

/// The same sum for one cell (the column tail).
#[inline(always)]
fn cell<T: Float>(xi: &[T], xj: &[T]) -> T {
    xi.iter()
        .zip(xj)
        .fold(T::default(), |acc, (&a, &b)| acc + a * b)
}

/// `ROWS` rows of S starting at `i0` into `out` (those rows, `m` values each), each cell
/// stored as `O` (an exact widening, or the same type).
#[inline(always)]
fn row_block<T: Float, O: From<T>, const ROWS: usize>(
    x: &[T],
    panels: &[T],
    (m, d): (usize, usize),
    i0: usize,
    out: &mut [O],
) {
    let full = m - m % C;
    for j0 in (0..full).step_by(C) {
        let acc = block::<T, ROWS>(x, panels, d, (i0, j0));
        for (r, a) in acc.iter().enumerate() {
            for (o, &v) in out[r * m + j0..r * m + j0 + C].iter_mut().zip(a) {
                *o = O::from(v);
            }
        }
    }
    for r in 0..ROWS {
        let xi = &x[(i0 + r) * d..(i0 + r + 1) * d];
        for j in full..m {
            out[r * m + j] = O::from(cell(xi, &x[j * d..(j + 1) * d]));
        }
    }
}

/// `n` rows of S from row `first` on, in row order, into `strip` a block of up to [`R`] rows
/// at a time (`R * m` values, in cache) and from there to `sink`: the output buffer is written
/// once, never filled first. (Plain loops: a closure's body would be compiled outside the
/// multiversioned caller, without its target features.)
#[inline(always)]
fn rows_generic<T: Float, O: Float + From<T>>(
    x: &[T],
    panels: &[T],
    (m, d): (usize, usize),
    (first, n): Span,
    (strip, sink): Out<'_, '_, O>,
) {
    let mut r = 0;
    while r < n {
        let rows = if r + R <= n { R } else { 1 };
        let out = &mut strip[..rows * m];
        if rows == R {
            row_block::<T, O, R>(x, panels, (m, d), first + r, out);
        } else {
            row_block::<T, O, 1>(x, panels, (m, d), first + r, out);
        }
        sink.extend_from_slice(out);
        r += rows;
    }
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows_f32<'a, 'b>(x: &[f32], p: &[f32], md: (usize, usize), rows: Span, out: Out<'a, 'b, f32>) {
    rows_generic(x, p, md, rows, out);
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows_f64<'a, 'b>(x: &[f64], p: &[f64], md: (usize, usize), rows: Span, out: Out<'a, 'b, f64>) {
    rows_generic(x, p, md, rows, out);
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows_wide<'a, 'b>(x: &[f32], p: &[f32], md: (usize, usize), rows: Span, out: Out<'a, 'b, f64>) {
    rows_generic(x, p, md, rows, out);
}

/// The kernel's column source: for each block of [`C`] columns (the full ones), its `d × C`
/// slice of `Xᵀ` as one contiguous panel (`panels[j0 * d + k * C + l] = x[j0 + l][k]`), read
/// front to back over k. Reading the columns from `Xᵀ` itself strode m values per k — at
/// m = 1024 f32 every load 4 KiB from the last, all in one L1 set — and the Gram product ran
/// on L2 latency.
fn pack<T: Float>(x: &[T], m: usize, d: usize) -> Vec<T> {
    let full = m - m % C;
    let mut panels = Vec::with_capacity(full * d);
    for block in x[..full * d].chunks_exact(C * d) {
        for k in 0..d {
            panels.extend(block.chunks_exact(d).map(|row| row[k]));
        }
    }
    panels
}

/// Rows `(first, count)` of S.
type Span = (usize, usize);
/// A row block's scratch strip and the sink its rows go to.
type Out<'a, 'b, O> = (&'a mut [O], &'a mut Sink<'b, O>);

/// The kernel's row function: `(x, panels, (m, d), rows, (strip, sink))`.
type Rows<T, O> = for<'a, 'b> fn(&[T], &[T], (usize, usize), Span, Out<'a, 'b, O>);

/// `S = X Xᵀ` (`m × m`), the rows split over the cores for a large batch, each row written
/// once. (Computing only the upper triangle and mirroring it — half the products, `S_ij = S_ji`
/// bit for bit — was tried: the mirrored copy cost as much as the products saved at m = 1024
/// and more at m = 4096, on this memory-bound path.)
fn gram<T: Float, O: Float + From<T>>(x: &[T], m: usize, d: usize, rows: Rows<T, O>) -> Vec<O> {
    assert_eq!(x.len(), m * d, "embeddings must have m * d entries");
    if m == 0 || d == 0 {
        return vec![O::default(); m * m];
    }
    let panels = pack(x, m, d);
    // (Split from a smaller batch — a cell costs d products — the Gram product alone took
    // 100 rather than 123–147 µs at m = 256, but the batch 0.31–0.39 rather than 0.24 ms: the
    // woken worker slowed the single-core stages after it.)
    par::built((m, m), |first, sink| {
        let mut strip = vec![O::default(); R * m];
        let n = sink.remaining() / m;
        rows(x, &panels, (m, d), (first, n), (&mut strip, sink));
    })
    .0
}

/// `S = X Xᵀ` in f64 (rows as given: normalise first for cosine similarity).
pub(crate) fn gram_f64(x: &[f64], m: usize, d: usize) -> Vec<f64> {
    gram(x, m, d, rows_f64)
}

/// `S = X Xᵀ` in f32, each cell summed k ascending from 0 exactly as `shaders/batch.wgsl`.
///
/// # Shapes
/// `x`: `m * d` row-major → `m * m` row-major.
///
/// # Panics
/// If `x.len() != m * d`.
pub fn similarity_f32(x: &[f32], m: usize, d: usize) -> Vec<f32> {
    gram(x, m, d, rows_f32)
}

/// [`similarity_f32`] stored as f64 (each cell the f32 sum, widened exactly): the engine's
/// input without a second pass over S.
///
/// # Panics
/// If `x.len() != m * d`.
pub fn similarity_f32_wide(x: &[f32], m: usize, d: usize) -> Vec<f64> {
    gram(x, m, d, rows_wide)
}

/// L2-normalised f32 rows (norm in f32; a row with norm `<= 1e-12` becomes zeros).
///
/// # Panics
/// If `emb.len() != m * d`.
pub fn normalize_rows_f32(emb: &[f32], m: usize, d: usize) -> Vec<f32> {
    assert_eq!(emb.len(), m * d, "embeddings must have m * d entries");
    let mut out = emb.to_vec();
    for row in out.chunks_exact_mut(d.max(1)).take(m) {
        let n = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if n > NORM_EPS_F32 {
            row.iter_mut().for_each(|v| *v /= n);
        } else {
            row.iter_mut().for_each(|v| *v = 0.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The straightforward loop the kernel replaced (also the shader's order).
    fn naive<T: Float>(x: &[T], m: usize, d: usize) -> Vec<T> {
        let mut s = vec![T::default(); m * m];
        for i in 0..m {
            for j in 0..m {
                s[i * m + j] = cell(&x[i * d..(i + 1) * d], &x[j * d..(j + 1) * d]);
            }
        }
        s
    }

    /// Bit-for-bit equal to the naive loop, for shapes that hit every tail (rows not a multiple
    /// of 4, columns not a multiple of 16, m below and above the parallel threshold: 333 rows
    /// are two chunks of 167 and 166, each ending in a partial row block).
    #[test]
    fn gram_equals_the_naive_loop_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (m, d) in [
            (1, 3),
            (5, 1),
            (17, 64),
            (33, 7),
            (163, 64),
            (250, 10),
            (333, 9),
        ] {
            let x32: Vec<f32> = (0..m * d).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let x64: Vec<f64> = (0..m * d).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let (a, b) = (similarity_f32(&x32, m, d), naive(&x32, m, d));
            assert!(
                a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
                "f32 m = {m}, d = {d}"
            );
            let wide: Vec<f64> = b.iter().map(|&v| f64::from(v)).collect();
            let a = similarity_f32_wide(&x32, m, d);
            assert!(a.iter().zip(&wide).all(|(p, q)| p.to_bits() == q.to_bits()));
            let (a, b) = (gram_f64(&x64, m, d), naive(&x64, m, d));
            assert!(
                a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
                "f64 m = {m}, d = {d}"
            );
        }
    }

    #[test]
    fn normalised_rows_are_unit_or_zero() {
        let x = normalize_rows_f32(&[3.0, 4.0, 0.0, 0.0], 2, 2);
        assert_eq!(x, vec![0.6, 0.8, 0.0, 0.0]);
        assert!(similarity_f32(&[], 0, 4).is_empty());
        assert_eq!(similarity_f32(&[0.0; 6], 3, 2), vec![0.0; 9]);
        assert_eq!(gram_f64(&[], 2, 0), vec![0.0; 4]);
    }
}
