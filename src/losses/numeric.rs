//! Numerically stable primitives shared by every loss value *and* its weights (docs/losses.md §6).

/// `log(1 + e^z)` without overflow: `max(z, 0) + log1p(e^{-|z|})`.
#[inline]
pub(crate) fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Logistic function `1 / (1 + e^{-z})`, sign-split so that `exp` never overflows.
#[inline]
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log(e^a + e^b)` where `-inf` stands for an empty set; returns `-inf` if both are empty.
#[inline]
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let mx = a.max(b);
    mx + ((a - mx).exp() + (b - mx).exp()).ln()
}

/// Masked log-sum-exp of `z` with max subtraction; **0 for an empty slice** (PML's convention).
///
/// On return `z[k]` holds `softmax(z)_k = ∂LSE/∂z_k`, so value and weights come from the same
/// exponentials.
pub(crate) fn lse_softmax(z: &mut [f64]) -> f64 {
    if z.is_empty() {
        return 0.0;
    }
    let mx = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - mx).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
    mx + sum.ln()
}

/// `log(1 + Σ_k e^{z_k}) = LSE({0} ∪ z)` with `M = max(0, max z)` subtracted (0 for an empty
/// slice).
///
/// On return `z[k]` holds `e^{z_k} / (1 + Σ e^z)`, the derivative of the value w.r.t. `z_k`.
/// The MS loss computes the same in place in its weight rows (`pml::ms_row`); this gathered
/// form is the reference its tests compare with.
#[cfg(test)]
pub(crate) fn log1p_sum_exp_softmax(z: &mut [f64]) -> f64 {
    if z.is_empty() {
        return 0.0;
    }
    let mx = z.iter().copied().fold(0.0, f64::max);
    let mut sum = (-mx).exp();
    for v in z.iter_mut() {
        *v = (*v - mx).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
    mx + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_stable() {
        assert_eq!(softplus(1000.0), 1000.0);
        assert!(softplus(-1000.0) >= 0.0);
        assert!((sigmoid(-1000.0)).abs() < 1e-300);
        let mut z = vec![1000.0, 1000.0];
        let v = lse_softmax(&mut z);
        assert!((v - (1000.0 + 2f64.ln())).abs() < 1e-9);
        assert!((z[0] - 0.5).abs() < 1e-12);
        let mut e: Vec<f64> = Vec::new();
        assert_eq!(lse_softmax(&mut e), 0.0);
        assert_eq!(log1p_sum_exp_softmax(&mut e), 0.0);
        let mut z = vec![0.0];
        assert!((log1p_sum_exp_softmax(&mut z) - 2f64.ln()).abs() < 1e-15);
        assert!((z[0] - 0.5).abs() < 1e-15);
    }
}
