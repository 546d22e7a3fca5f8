//! `S = X Xᵀ` for the engine (f64) and for the batch path from f32 embeddings.
//!
//! Every cell is the sequential sum `((0 + x₀y₀) + x₁y₁) + …` over k ascending: the order of
//! the straightforward loop it replaces and of `shaders/batch.wgsl`, so S keeps the same bits
//! (and the GPU parity and mining decisions are unchanged). The speed comes from doing many
//! cells at once instead of one: a block of 4 rows × 16 columns is accumulated over k in
//! registers (each lane still adds its own products in k order; Rust never fuses or reorders
//! float operations unasked), columns read from `Xᵀ`, and the rows split over the cores.
//! `multiversion` compiles the kernel for AVX2 and AVX-512 too (no intrinsics, no `unsafe`).

use std::ops::{Add, Mul};

use super::par;

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

/// One `rows × C` block at `(i0, j0)`: `out[r][l] = Σ_k x[i0 + r][k] · xt[k][j0 + l]`, k
/// ascending from 0.
#[inline(always)]
fn block<T: Float, const ROWS: usize>(
    x: &[T],
    xt: &[T],
    (m, d): (usize, usize),
    (i0, j0): (usize, usize),
) -> [[T; C]; ROWS] {
    let mut acc = [[T::default(); C]; ROWS];
    let xr: [&[T]; ROWS] = std::array::from_fn(|r| &x[(i0 + r) * d..(i0 + r + 1) * d]);
    for k in 0..d {
        let col: &[T; C] = xt[k * m + j0..k * m + j0 + C]
            .try_into()
            .expect("C columns");
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
    xt: &[T],
    (m, d): (usize, usize),
    i0: usize,
    out: &mut [O],
) {
    let full = m - m % C;
    for j0 in (0..full).step_by(C) {
        let acc = block::<T, ROWS>(x, xt, (m, d), (i0, j0));
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

/// Rows `first..` of S (as many as `out` holds).
#[inline(always)]
fn rows_generic<T: Float, O: From<T>>(
    x: &[T],
    xt: &[T],
    (m, d): (usize, usize),
    first: usize,
    out: &mut [O],
) {
    let n = out.len() / m;
    let mut r = 0;
    while r + R <= n {
        row_block::<T, O, R>(x, xt, (m, d), first + r, &mut out[r * m..(r + R) * m]);
        r += R;
    }
    while r < n {
        row_block::<T, O, 1>(x, xt, (m, d), first + r, &mut out[r * m..(r + 1) * m]);
        r += 1;
    }
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows_f32(x: &[f32], xt: &[f32], md: (usize, usize), first: usize, out: &mut [f32]) {
    rows_generic(x, xt, md, first, out);
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows_f64(x: &[f64], xt: &[f64], md: (usize, usize), first: usize, out: &mut [f64]) {
    rows_generic(x, xt, md, first, out);
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows_f32_wide(x: &[f32], xt: &[f32], md: (usize, usize), first: usize, out: &mut [f64]) {
    rows_generic(x, xt, md, first, out);
}

/// `Xᵀ` (`d × m`), the kernel's column source.
fn transpose<T: Float>(x: &[T], m: usize, d: usize) -> Vec<T> {
    let mut xt = vec![T::default(); m * d];
    for (i, row) in x.chunks_exact(d).enumerate() {
        for (k, &v) in row.iter().enumerate() {
            xt[k * m + i] = v;
        }
    }
    xt
}

/// The kernel's row function: `(x, xt, (m, d), first row, out rows)`.
type Rows<T, O> = fn(&[T], &[T], (usize, usize), usize, &mut [O]);

/// `S = X Xᵀ` (`m × m`), the rows split over the cores for a large batch.
fn gram<T: Float, O: Float>(x: &[T], m: usize, d: usize, rows: Rows<T, O>) -> Vec<O> {
    assert_eq!(x.len(), m * d, "embeddings must have m * d entries");
    let mut s = par::filled(m * m, O::default());
    if m == 0 || d == 0 {
        return s;
    }
    let xt = transpose(x, m, d);
    par::rows(&mut s, m, m, |first, chunk| {
        rows(x, &xt, (m, d), first, chunk);
    });
    s
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
    gram(x, m, d, rows_f32_wide)
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
    /// of 4, columns not a multiple of 16, m below and above the parallel threshold).
    #[test]
    fn gram_equals_the_naive_loop_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (m, d) in [(1, 3), (5, 1), (17, 64), (33, 7), (163, 64), (250, 10)] {
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
