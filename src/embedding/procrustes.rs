//! Orthogonal Procrustes alignment of 2-D layouts, so that a new t-SNE layout is drawn in the
//! pose of the previous one (t-SNE is only defined up to rotation, reflection, scale and
//! translation). No egui.

/// The similarity transform `p ↦ s R (p − μ_next) + μ_prev` fitted by [`fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Similarity {
    /// Orthogonal (rotation or reflection), row-major.
    r: [[f64; 2]; 2],
    s: f64,
    mu_next: [f64; 2],
    mu_prev: [f64; 2],
}

impl Similarity {
    fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        let x = p[0] - self.mu_next[0];
        let y = p[1] - self.mu_next[1];
        [
            self.s * (self.r[0][0] * x + self.r[0][1] * y) + self.mu_prev[0],
            self.s * (self.r[1][0] * x + self.r[1][1] * y) + self.mu_prev[1],
        ]
    }
}

fn mean(points: &[[f64; 2]]) -> [f64; 2] {
    let n = points.len() as f64;
    let (x, y) = points
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
    [x / n, y / n]
}

/// Least-squares similarity transform taking `next[i]` onto `prev[i]` (Umeyama 1991 with
/// reflections allowed): with both sets centred (`a_i`, `b_i`) and the cross-covariance
/// `M = Σ a_i b_iᵀ = U Σ Vᵀ`, `R = U Vᵀ` and `s = trace(Σ) / Σ‖b_i‖²`.
///
/// For 2×2 the SVD is not needed: over rotations `R(θ)` the objective `⟨R, M⟩` is
/// `cos θ (m₁₁ + m₂₂) + sin θ (m₂₁ − m₁₂)`, largest at `p = ‖(m₁₁ + m₂₂, m₂₁ − m₁₂)‖`; over
/// reflections `[[cos θ, sin θ], [sin θ, −cos θ]]` it is `cos θ (m₁₁ − m₂₂) + sin θ (m₁₂ + m₂₁)`,
/// largest at `q = ‖(m₁₁ − m₂₂, m₁₂ + m₂₁)‖`; and `σ₁ + σ₂ = max(p, q)` (σ₁ = (p + q)/2,
/// σ₂ = |p − q|/2).
///
/// `None` when the lengths differ, there are fewer than 2 pairs, either set has (numerically)
/// zero spread, the two are uncorrelated (`trace(Σ) ≈ 0`, which would collapse the layout to
/// a point), or anything is not finite.
fn fit(prev: &[[f64; 2]], next: &[[f64; 2]]) -> Option<Similarity> {
    if prev.len() != next.len() || prev.len() < 2 {
        return None;
    }
    let mu_prev = mean(prev);
    let mu_next = mean(next);
    let mut m = [[0.0_f64; 2]; 2];
    let (mut var_prev, mut var_next) = (0.0_f64, 0.0_f64);
    let (mut raw_prev, mut raw_next) = (0.0_f64, 0.0_f64);
    for (p, q) in prev.iter().zip(next) {
        let a = [p[0] - mu_prev[0], p[1] - mu_prev[1]];
        let b = [q[0] - mu_next[0], q[1] - mu_next[1]];
        for (row, &ai) in m.iter_mut().zip(&a) {
            for (mij, &bj) in row.iter_mut().zip(&b) {
                *mij += ai * bj;
            }
        }
        var_prev += a[0] * a[0] + a[1] * a[1];
        var_next += b[0] * b[0] + b[1] * b[1];
        raw_prev += p[0] * p[0] + p[1] * p[1];
        raw_next += q[0] * q[0] + q[1] * q[1];
    }
    // Identical points leave only rounding noise (~ε² of the squared coordinates) after
    // centring; treat a spread that small as none.
    const TINY: f64 = 1e-24;
    if !(var_prev > TINY * raw_prev && var_next > TINY * raw_next) {
        return None;
    }
    let (c_rot, s_rot) = (m[0][0] + m[1][1], m[1][0] - m[0][1]);
    let (c_ref, s_ref) = (m[0][0] - m[1][1], m[0][1] + m[1][0]);
    let p = c_rot.hypot(s_rot);
    let q = c_ref.hypot(s_ref);
    let trace = p.max(q);
    // Also refuses a NaN trace (hence not `trace <= …`).
    if trace.partial_cmp(&(1e-12 * (var_prev * var_next).sqrt()))
        != Some(std::cmp::Ordering::Greater)
    {
        return None;
    }
    let r = if p >= q {
        let (c, s) = (c_rot / p, s_rot / p);
        [[c, -s], [s, c]]
    } else {
        let (c, s) = (c_ref / q, s_ref / q);
        [[c, s], [s, -c]]
    };
    let t = Similarity {
        r,
        s: trace / var_next,
        mu_next,
        mu_prev,
    };
    let finite = t.s.is_finite()
        && t.r.iter().flatten().all(|v| v.is_finite())
        && t.mu_next.iter().chain(&t.mu_prev).all(|v| v.is_finite());
    finite.then_some(t)
}

/// `next` moved by the similarity transform (rotation or reflection, uniform scale,
/// translation) that maps it onto `prev` best in least squares.
///
/// Row `i` of both is the same point. `next` comes back unchanged when the lengths differ,
/// there are fewer than 2 points, either layout has zero spread, the two are uncorrelated, or
/// a coordinate is not finite.
///
/// # Shapes
/// `prev`, `next`: `[n, 2]`; result `[n, 2]`.
pub fn align(prev: &[[f64; 2]], next: &[[f64; 2]]) -> Vec<[f64; 2]> {
    match fit(prev, next) {
        Some(t) => next.iter().map(|&p| t.apply(p)).collect(),
        None => next.to_vec(),
    }
}

/// Like [`align`], but the layouts may hold different points: `prev_ids[i]` is the dataset row
/// of `prev[i]`, `next_ids[i]` that of `next[i]` (each list ascending, without repeats). The
/// transform is fitted on the rows present in both and applied to every point of `next`;
/// `next` comes back unchanged when an id list's length differs from its layout's, or when
/// [`align`] would leave it unchanged on the shared rows.
///
/// # Shapes
/// `prev_ids`, `prev`: `[n_prev]` and `[n_prev, 2]`; `next_ids`, `next`: `[n_next]` and
/// `[n_next, 2]`; result `[n_next, 2]`.
pub fn align_subset(
    prev_ids: &[usize],
    prev: &[[f64; 2]],
    next_ids: &[usize],
    next: &[[f64; 2]],
) -> Vec<[f64; 2]> {
    if prev_ids.len() != prev.len() || next_ids.len() != next.len() {
        return next.to_vec();
    }
    debug_assert!(prev_ids.windows(2).all(|w| w[0] < w[1]));
    debug_assert!(next_ids.windows(2).all(|w| w[0] < w[1]));
    let (mut shared_prev, mut shared_next) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < prev_ids.len() && j < next_ids.len() {
        match prev_ids[i].cmp(&next_ids[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared_prev.push(prev[i]);
                shared_next.push(next[j]);
                i += 1;
                j += 1;
            }
        }
    }
    match fit(&shared_prev, &shared_next) {
        Some(t) => next.iter().map(|&p| t.apply(p)).collect(),
        None => next.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An irregular layout (no symmetry that a wrong rotation could match).
    fn layout(n: usize) -> Vec<[f64; 2]> {
        (0..n)
            .map(|i| {
                let t = i as f64;
                [
                    3.0 * (0.7 * t).cos() + 0.3 * t,
                    2.0 * (1.3 * t).sin() - 0.1 * t * t,
                ]
            })
            .collect()
    }

    /// `scale · R(degrees) · (reflect ? diag(1, −1) : I) · p + shift`.
    fn transform(
        points: &[[f64; 2]],
        degrees: f64,
        reflect: bool,
        scale: f64,
        shift: [f64; 2],
    ) -> Vec<[f64; 2]> {
        let (s, c) = degrees.to_radians().sin_cos();
        points
            .iter()
            .map(|&[x, y]| {
                let y = if reflect { -y } else { y };
                [
                    scale * (c * x - s * y) + shift[0],
                    scale * (s * x + c * y) + shift[1],
                ]
            })
            .collect()
    }

    fn max_error(a: &[[f64; 2]], b: &[[f64; 2]]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(p, q)| (p[0] - q[0]).abs().max((p[1] - q[1]).abs()))
            .fold(0.0, f64::max)
    }

    fn assert_close(a: &[[f64; 2]], b: &[[f64; 2]]) {
        let e = max_error(a, b);
        assert!(e < 1e-9, "max coordinate error {e}");
    }

    fn sum_sq(a: &[[f64; 2]], b: &[[f64; 2]]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(p, q)| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2))
            .sum()
    }

    #[test]
    fn align_undoes_rotation_reflection_scale_and_shift() {
        let prev = layout(12);
        let next = transform(&prev, 37.0, true, 2.5, [4.0, -7.5]);
        let back = align(&prev, &next);
        assert_close(&back, &prev);
        // Without the reflection, too (the rotation branch).
        let next = transform(&prev, 37.0, false, 2.5, [4.0, -7.5]);
        let back = align(&prev, &next);
        assert_close(&back, &prev);
        // Shrinking and a half turn.
        let next = transform(&prev, -180.0, true, 0.01, [-1e3, 2.0]);
        let back = align(&prev, &next);
        assert_close(&back, &prev);
    }

    #[test]
    fn align_reduces_the_residual_of_a_noisy_layout() {
        let prev = layout(40);
        let mut next = transform(&prev, 37.0, true, 2.5, [4.0, -7.5]);
        for (i, p) in next.iter_mut().enumerate() {
            let t = i as f64;
            p[0] += 0.4 * (2.9 * t).sin();
            p[1] += 0.4 * (1.7 * t + 0.5).cos();
        }
        let before = sum_sq(&next, &prev);
        let after = sum_sq(&align(&prev, &next), &prev);
        assert!(after < 0.01 * before, "{after} vs {before}");
        // The least-squares fit is no worse than the exact inverse of the clean transform.
        let inverse = transform(
            &transform(&next, 0.0, false, 1.0, [-4.0, 7.5]),
            -37.0,
            false,
            1.0 / 2.5,
            [0.0, 0.0],
        );
        let inverse = transform(&inverse, 0.0, true, 1.0, [0.0, 0.0]);
        let by_inverse = sum_sq(&inverse, &prev);
        assert!(by_inverse > 0.0);
        assert!(after <= by_inverse + 1e-12, "{after} vs {by_inverse}");
    }

    #[test]
    fn align_leaves_degenerate_inputs_unchanged() {
        let prev = layout(6);
        let next = transform(&prev, 20.0, false, 3.0, [1.0, 1.0]);
        // Lengths differ.
        assert_eq!(align(&prev[..5], &next), next);
        // Fewer than 2 points.
        assert_eq!(align(&prev[..1], &next[..1]), next[..1].to_vec());
        assert_eq!(align(&[], &[]), Vec::<[f64; 2]>::new());
        // No spread in `next` (all one point, with rounding in the mean), or in `prev`.
        let same = vec![[0.1, 0.7]; 6];
        assert_eq!(align(&prev, &same), same);
        assert_eq!(align(&same, &next), next);
        // Not finite.
        let mut bad = next.clone();
        bad[2][0] = f64::NAN;
        let out = align(&prev, &bad);
        assert_eq!(out[0], bad[0]);
        assert!(out[2][0].is_nan());
    }

    #[test]
    fn align_subset_fits_on_shared_ids_and_moves_every_point() {
        let truth = layout(10);
        let prev_ids = [0, 2, 3, 5, 7, 8];
        let next_ids = [1, 2, 3, 5, 6, 8, 9];
        let prev: Vec<_> = prev_ids.iter().map(|&i| truth[i]).collect();
        let next_clean: Vec<_> = next_ids.iter().map(|&i| truth[i]).collect();
        let next = transform(&next_clean, 37.0, true, 2.5, [4.0, -7.5]);
        // Shared rows 2, 3, 5, 8; rows 1, 6, 9 follow the same transform.
        let out = align_subset(&prev_ids, &prev, &next_ids, &next);
        assert_close(&out, &next_clean);
        // Only one shared row: unchanged.
        assert_eq!(align_subset(&[2, 4], &prev[..2], &next_ids, &next), next);
        // Nothing shared: unchanged.
        assert_eq!(
            align_subset(&[0, 4, 7], &prev[..3], &[1, 6], &next[..2]),
            next[..2].to_vec()
        );
        // An id list that does not match its layout: unchanged.
        assert_eq!(align_subset(&prev_ids[..5], &prev, &next_ids, &next), next);
    }
}
