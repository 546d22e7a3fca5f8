//! The O(n²) half of the t-SNE gradient, exact: for every point i,
//! `z_i = Σ_j q_ij` and `r_i = Σ_j q_ij² (y_i − y_j)` with `q_ij = 1 / (1 + |y_i − y_j|²)`.
//!
//! The inner loop keeps 16 independent partial sums per quantity, so the compiler vectorises it
//! (no intrinsics); `multiversion` also compiles it for AVX2 and AVX-512 and picks the best the
//! CPU has at run time. Rust never fuses or reorders float operations unasked, so every build
//! gives identical bits.

use rayon::prelude::*;

const LANES: usize = 16;

/// `(z_i, rx_i, ry_i)` of one point against all of `xs`, `ys` (its own term included: q = 1,
/// no force; the caller subtracts it from z).
#[inline(always)]
fn row(xi: f32, yi: f32, xs: &[f32], ys: &[f32]) -> (f32, f32, f32) {
    let mut z = [0.0_f32; LANES];
    let mut fx = [0.0_f32; LANES];
    let mut fy = [0.0_f32; LANES];
    let (cx, cy) = (xs.chunks_exact(LANES), ys.chunks_exact(LANES));
    let (tx, ty) = (cx.remainder(), cy.remainder());
    for (bx, by) in cx.zip(cy) {
        for l in 0..LANES {
            let dx = xi - bx[l];
            let dy = yi - by[l];
            let q = 1.0 / (1.0 + dx * dx + dy * dy);
            let q2 = q * q;
            z[l] += q;
            fx[l] += q2 * dx;
            fy[l] += q2 * dy;
        }
    }
    for (l, (&x, &y)) in tx.iter().zip(ty).enumerate() {
        let dx = xi - x;
        let dy = yi - y;
        let q = 1.0 / (1.0 + dx * dx + dy * dy);
        z[l] += q;
        fx[l] += q * q * dx;
        fy[l] += q * q * dy;
    }
    (z.iter().sum(), fx.iter().sum(), fy.iter().sum())
}

#[inline(always)]
fn rows_generic(xs: &[f32], ys: &[f32], first: usize, out: &mut [[f32; 3]]) {
    for (k, o) in out.iter_mut().enumerate() {
        let i = first + k;
        let (z, fx, fy) = row(xs[i], ys[i], xs, ys);
        *o = [z - 1.0, fx, fy];
    }
}

#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn rows(xs: &[f32], ys: &[f32], first: usize, out: &mut [[f32; 3]]) {
    rows_generic(xs, ys, first, out);
}

/// `out[i] = [z_i − 1, rx_i, ry_i]` for every point; on rayon's pool when `parallel`.
pub fn repulsion(xs: &[f32], ys: &[f32], out: &mut [[f32; 3]], parallel: bool) {
    const BLOCK: usize = 64;
    if parallel {
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, chunk)| rows(xs, ys, b * BLOCK, chunk));
    } else {
        rows(xs, ys, 0, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_plain_double_sum_and_both_builds_agree() {
        let n = 103;
        let xs: Vec<f32> = (0..n).map(|i| ((i * 31) % 17) as f32 * 0.3 - 2.0).collect();
        let ys: Vec<f32> = (0..n).map(|i| ((i * 7) % 13) as f32 * 0.2 - 1.0).collect();
        let mut fast = vec![[0.0; 3]; n];
        repulsion(&xs, &ys, &mut fast, true);
        let mut plain = vec![[0.0; 3]; n];
        rows_generic(&xs, &ys, 0, &mut plain);
        assert_eq!(fast, plain, "the AVX2 build must give the same bits");
        for i in 0..n {
            let mut want = [0.0_f64; 3];
            for j in (0..n).filter(|&j| j != i) {
                let (dx, dy) = (f64::from(xs[i] - xs[j]), f64::from(ys[i] - ys[j]));
                let q = 1.0 / (1.0 + dx * dx + dy * dy);
                want[0] += q;
                want[1] += q * q * dx;
                want[2] += q * q * dy;
            }
            for c in 0..3 {
                assert!((f64::from(fast[i][c]) - want[c]).abs() < 1e-4 * (1.0 + want[c].abs()));
            }
        }
    }
}
