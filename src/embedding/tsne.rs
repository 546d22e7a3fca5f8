//! pairscope's t-SNE: exact O(n²) repulsion ([`super::repulsion`]) plus sparse k-NN attraction
//! ([`super::affinity`]), optimised as openTSNE does by default — PCA initialisation scaled to
//! a standard deviation of 1e-4, 250 iterations of early exaggeration 12, then none; momentum
//! 0.8; learning rate n / exaggeration on the gradient without its factor 4; delta-bar-delta
//! gains (+0.2 on a sign change, else ×0.8 + 0.01); each point's step clipped to length 5. The optimiser
//! keeps its state ([`Optimizer`]), so a live layout can continue from where it is when the
//! affinities change. Deterministic for a seed. No egui, no burn.

use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution as _, Normal};
use rayon::prelude::*;

use super::affinity::{Affinities, affinities, effective_perplexity, rescaled};
use super::pca::pca2;
use super::repulsion::repulsion;

/// The longest step a point takes in one iteration (openTSNE's `max_step_norm`).
const MAX_STEP: f32 = 5.0;

/// −1, 0 or 1, as numpy's `sign`.
fn sign(v: f32) -> i8 {
    if v > 0.0 {
        1
    } else if v < 0.0 {
        -1
    } else {
        0
    }
}

/// Settings of a cold layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsneParams {
    pub perplexity: f64,
    /// All iterations, early exaggeration included.
    pub iterations: usize,
    pub early_iterations: usize,
    pub early_exaggeration: f64,
    pub seed: u64,
    /// Use rayon's pool (both cores) for the k-NN and the repulsion.
    pub parallel: bool,
}

impl Default for TsneParams {
    fn default() -> Self {
        Self {
            perplexity: 30.0,
            iterations: 750,
            early_iterations: 250,
            early_exaggeration: 12.0,
            seed: 0,
            parallel: true,
        }
    }
}

/// The optimiser's state: positions, the last update (momentum) and the per-coordinate gains.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    update: Vec<[f32; 2]>,
    gains: Vec<[f32; 2]>,
    /// Iterations done so far.
    pub iteration: usize,
    scratch: Vec<[f32; 3]>,
}

/// One iteration's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phase {
    pub exaggeration: f32,
    pub momentum: f32,
    pub learning_rate: f32,
}

impl Phase {
    /// openTSNE's defaults for `n` points: early exaggeration or the normal phase.
    pub fn for_points(n: usize, early: Option<f64>) -> Self {
        let exaggeration = early.unwrap_or(1.0);
        Self {
            exaggeration: exaggeration as f32,
            momentum: 0.8,
            learning_rate: (n as f64 / exaggeration) as f32,
        }
    }
}

impl Optimizer {
    /// Starts from `xy` (any scale; used as given).
    pub fn new(xy: &[[f64; 2]]) -> Self {
        let n = xy.len();
        Self {
            xs: xy.iter().map(|p| p[0] as f32).collect(),
            ys: xy.iter().map(|p| p[1] as f32).collect(),
            update: vec![[0.0; 2]; n],
            gains: vec![[1.0; 2]; n],
            iteration: 0,
            scratch: vec![[0.0; 3]; n],
        }
    }

    pub fn n(&self) -> usize {
        self.xs.len()
    }

    pub fn positions(&self) -> Vec<[f64; 2]> {
        self.xs
            .iter()
            .zip(&self.ys)
            .map(|(&x, &y)| [f64::from(x), f64::from(y)])
            .collect()
    }

    /// One gradient step on `p` (whose n must be this optimiser's).
    pub fn step(&mut self, p: &Affinities, phase: Phase, parallel: bool) {
        let n = self.n();
        debug_assert_eq!(p.n(), n);
        repulsion(&self.xs, &self.ys, &mut self.scratch, parallel);
        let z: f64 = self
            .scratch
            .iter()
            .map(|r| f64::from(r[0]))
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
        let inv_z = (1.0 / z) as f32;
        // The gradient of every point from the same positions, then the steps. The gradient
        // (∂KL/∂y_i / 4, openTSNE's convention: its learning rates assume it) goes into the
        // scratch row the repulsion no longer needs.
        let (xs, ys) = (&self.xs, &self.ys);
        let gradient = |(i, r): (usize, &mut [f32; 3])| {
            let attract = attraction(p, i, xs, ys);
            r[1] = phase.exaggeration * attract[0] - r[1] * inv_z;
            r[2] = phase.exaggeration * attract[1] - r[2] * inv_z;
        };
        if parallel {
            self.scratch.par_iter_mut().enumerate().for_each(gradient);
        } else {
            self.scratch.iter_mut().enumerate().for_each(gradient);
        }
        let mut sum = [0.0_f64; 2];
        for i in 0..n {
            let grad = [self.scratch[i][1], self.scratch[i][2]];
            let steps = self.gains[i].iter_mut().zip(&mut self.update[i]).zip(grad);
            for ((gain, update), grad) in steps {
                // Delta-bar-delta: a gain grows while the steps keep opposing the gradient and
                // shrinks while they agree with it.
                *gain = if sign(grad) != sign(*update) {
                    *gain + 0.2
                } else {
                    *gain * 0.8 + 0.01
                };
                *update = phase.momentum * *update - phase.learning_rate * *gain * grad;
            }
            let norm = self.update[i][0].hypot(self.update[i][1]);
            if norm > MAX_STEP {
                self.update[i][0] *= MAX_STEP / norm;
                self.update[i][1] *= MAX_STEP / norm;
            }
            self.xs[i] += self.update[i][0];
            self.ys[i] += self.update[i][1];
            sum[0] += f64::from(self.xs[i]);
            sum[1] += f64::from(self.ys[i]);
        }
        let mean = [(sum[0] / n as f64) as f32, (sum[1] / n as f64) as f32];
        self.xs.iter_mut().for_each(|x| *x -= mean[0]);
        self.ys.iter_mut().for_each(|y| *y -= mean[1]);
        self.iteration += 1;
    }

    /// KL(P ‖ Q) of the current layout, exact (Q normalised over all n² − n pairs).
    pub fn kl_divergence(&mut self, p: &Affinities, parallel: bool) -> f64 {
        repulsion(&self.xs, &self.ys, &mut self.scratch, parallel);
        let z: f64 = self.scratch.iter().map(|r| f64::from(r[0])).sum();
        let mut kl = 0.0;
        for i in 0..self.n() {
            for (j, pij) in p.row(i) {
                let (dx, dy) = (
                    f64::from(self.xs[i]) - f64::from(self.xs[j]),
                    f64::from(self.ys[i]) - f64::from(self.ys[j]),
                );
                let q = 1.0 / ((1.0 + dx * dx + dy * dy) * z);
                let pij = f64::from(pij);
                if pij > 0.0 {
                    kl += pij * (pij / q).ln();
                }
            }
        }
        kl
    }
}

/// `Σ_j P_ij q_ij (y_i − y_j)` over row i's neighbours, with four independent partial sums
/// (the additions do not wait on each other).
#[inline]
fn attraction(p: &Affinities, i: usize, xs: &[f32], ys: &[f32]) -> [f32; 2] {
    const U: usize = 4;
    let range = p.indptr[i]..p.indptr[i + 1];
    let (index, value) = (&p.indices[range.clone()], &p.values[range]);
    let (xi, yi) = (xs[i], ys[i]);
    let mut ax = [0.0_f32; U];
    let mut ay = [0.0_f32; U];
    let term = |j: u32, pij: f32| {
        let (dx, dy) = (xi - xs[j as usize], yi - ys[j as usize]);
        let w = pij / (1.0 + dx * dx + dy * dy);
        (w * dx, w * dy)
    };
    let (ci, cv) = (index.chunks_exact(U), value.chunks_exact(U));
    let (ti, tv) = (ci.remainder(), cv.remainder());
    for (js, ps) in ci.zip(cv) {
        for l in 0..U {
            let (fx, fy) = term(js[l], ps[l]);
            ax[l] += fx;
            ay[l] += fy;
        }
    }
    for (l, (&j, &pij)) in ti.iter().zip(tv).enumerate() {
        let (fx, fy) = term(j, pij);
        ax[l] += fx;
        ay[l] += fy;
    }
    [ax.iter().sum(), ay.iter().sum()]
}

/// openTSNE's initialisation: the first two principal components, scaled so that the first
/// has standard deviation 1e-4, plus seeded noise of 1e-4 of that (ties between duplicates are
/// broken, and the seed chooses among equally good layouts).
pub fn initial_layout(points: &[f32], d: usize, seed: u64) -> Vec<[f64; 2]> {
    let (mut xy, _) = pca2(points, d);
    let n = xy.len().max(1) as f64;
    let std = (xy.iter().map(|p| p[0] * p[0]).sum::<f64>() / n).sqrt();
    let scale = if std > 0.0 { 1e-4 / std } else { 0.0 };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 1e-8).expect("a valid normal");
    for p in &mut xy {
        for c in p.iter_mut() {
            *c = *c * scale + noise.sample(&mut rng);
        }
    }
    xy
}

/// A finished cold layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub xy: Vec<[f64; 2]>,
    pub kl_divergence: f64,
    pub iterations: usize,
    /// The perplexity used (at most (n − 1)/3).
    pub perplexity: f64,
}

/// Why a layout was not made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TsneError {
    #[error("t-SNE needs at least {min} points, got {got}")]
    TooFew { min: usize, got: usize },
    #[error("the points contain a non-finite value (row {row})")]
    NonFinite { row: usize },
    #[error("t-SNE was cancelled")]
    Cancelled,
}

/// The smallest set laid out (with fewer points every layout is as good as any other).
pub const MIN_POINTS: usize = 2;

/// A cold layout of `points` (`[n, d]`): initialisation, early exaggeration, the rest.
/// `keep_going(iteration)` is asked before every iteration; `false` cancels.
pub fn layout(
    points: &[f32],
    d: usize,
    params: &TsneParams,
    keep_going: &mut dyn FnMut(usize) -> bool,
) -> Result<Layout, TsneError> {
    let n = points.len() / d.max(1);
    if n < MIN_POINTS {
        return Err(TsneError::TooFew {
            min: MIN_POINTS,
            got: n,
        });
    }
    if let Some(k) = points.iter().position(|v| !v.is_finite()) {
        return Err(TsneError::NonFinite { row: k / d });
    }
    // The initialisation sees the points P sees (far too large or small ones scaled).
    let scaled = rescaled(points);
    let points = scaled.as_deref().unwrap_or(points);
    let perplexity = effective_perplexity(params.perplexity, n);
    let p = affinities(points, d, perplexity, &mut Vec::new(), params.parallel);
    let mut opt = Optimizer::new(&initial_layout(points, d, params.seed));
    let early = params.early_iterations.min(params.iterations);
    for it in 0..params.iterations {
        if !keep_going(it) {
            return Err(TsneError::Cancelled);
        }
        let phase = Phase::for_points(n, (it < early).then_some(params.early_exaggeration));
        opt.step(&p, phase, params.parallel);
    }
    Ok(Layout {
        kl_divergence: opt.kl_divergence(&p, params.parallel),
        xy: opt.positions(),
        iterations: params.iterations,
        perplexity,
    })
}
