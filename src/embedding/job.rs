//! Cold t-SNE layouts of embeddings (a [`TsneRequest`]: points, labels, rows, settings), seeded:
//! `pairscope train`'s and the lessons' figures. The window's view is [`super::live`], which
//! shares the subsampling and the layout type defined here.

use super::tsne::TsneParams;
use crate::training::config::TsneSettings;

/// A projection of the embeddings to the plane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Projection {
    /// t-SNE (in the window: optimised live).
    #[default]
    Tsne,
    /// The top two principal components (instant, deterministic).
    Pca,
}

impl Projection {
    /// Its name in titles and captions.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tsne => "t-SNE",
            Self::Pca => "PCA",
        }
    }
}

/// Input of one layout.
#[derive(Debug, Clone)]
pub struct TsneRequest {
    pub step: u64,
    /// `[n, d]`
    pub points: Vec<f32>,
    pub d: usize,
    pub labels: Vec<u32>,
    /// Data set rows of the points, ascending (alignment between layouts, thumbnails).
    pub rows: Vec<usize>,
    pub settings: TsneSettings,
}

/// A finished layout.
#[derive(Debug, Clone)]
pub struct TsneLayout {
    pub step: u64,
    /// `[n, 2]`
    pub xy: Vec<[f64; 2]>,
    pub labels: Vec<u32>,
    /// Data set row of each point, ascending.
    pub rows: Vec<usize>,
    /// Laid out from the training rows (else the held-out rows).
    pub on_training: bool,
    /// Points left out by the cap (0 when every point is drawn).
    pub subsampled_from: usize,
    pub seconds: f64,
    /// How the points were laid out.
    pub projection: Projection,
}

/// Runs t-SNE synchronously (pairscope's engine, [`super::tsne`]); a panic comes back as an
/// error.
pub fn run_tsne(request: &TsneRequest) -> Result<TsneLayout, String> {
    run_tsne_until(request, &|| false)
}

/// [`run_tsne`], stopped (with an error) as soon as `stop()` says so.
pub fn run_tsne_until(
    request: &TsneRequest,
    stop: &dyn Fn() -> bool,
) -> Result<TsneLayout, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_tsne_inner(request, stop)
    }))
    .unwrap_or_else(|p| {
        Err(format!(
            "t-SNE failed: {}",
            crate::training::worker::panic_message(&*p)
        ))
    })
}

fn run_tsne_inner(request: &TsneRequest, stop: &dyn Fn() -> bool) -> Result<TsneLayout, String> {
    let started = std::time::Instant::now();
    let Subset { points: flat, keep } = subsample(request);
    let (n, d) = (keep.len(), request.d);
    if n < 5 {
        return Err(format!("t-SNE needs at least 5 points, got {n}"));
    }
    let params = TsneParams {
        perplexity: request.settings.perplexity,
        iterations: request.settings.iterations.max(10),
        seed: request.settings.seed,
        ..TsneParams::default()
    };
    let layout = super::tsne::layout(&flat, d, &params, &mut |_| !stop())
        .map_err(|e| format!("t-SNE failed: {e}"))?;
    Ok(layout_of(
        request,
        &keep,
        layout.xy,
        started.elapsed().as_secs_f64(),
        Projection::Tsne,
    ))
}

/// The points a layout of `request` uses: at most `settings.max_points`, evenly subsampled.
pub(super) struct Subset {
    /// `[n, d]`
    pub(super) points: Vec<f32>,
    /// Their indices in the request.
    pub(super) keep: Vec<usize>,
}

pub(super) fn subsample(request: &TsneRequest) -> Subset {
    let (n_all, d) = (request.labels.len(), request.d);
    let stride = n_all.div_ceil(request.settings.max_points.max(1)).max(1);
    let keep: Vec<usize> = (0..n_all).step_by(stride).collect();
    let mut points = Vec::with_capacity(keep.len() * d);
    for &i in &keep {
        points.extend_from_slice(&request.points[i * d..(i + 1) * d]);
    }
    Subset { points, keep }
}

/// A layout of the `keep` points of `request` at `xy`.
pub(super) fn layout_of(
    request: &TsneRequest,
    keep: &[usize],
    xy: Vec<[f64; 2]>,
    seconds: f64,
    projection: Projection,
) -> TsneLayout {
    let n_all = request.labels.len();
    TsneLayout {
        step: request.step,
        xy,
        labels: keep.iter().map(|&i| request.labels[i]).collect(),
        rows: keep
            .iter()
            .map(|&i| request.rows.get(i).copied().unwrap_or(i))
            .collect(),
        on_training: request.settings.on_training,
        subsampled_from: if keep.len() < n_all { n_all } else { 0 },
        seconds,
        projection,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn request(n: usize, d: usize, collapsed: bool) -> TsneRequest {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let points = (0..n * d)
            .map(|k| {
                if collapsed {
                    if (k / d) < n / 2 { 1.0 } else { -1.0 }
                } else {
                    rand::Rng::gen_range(&mut rng, -1.0..1.0)
                }
            })
            .collect();
        TsneRequest {
            step: 0,
            points,
            d,
            labels: (0..n).map(|i| u32::from(i >= n / 2)).collect(),
            rows: (0..n).collect(),
            settings: TsneSettings::default(),
        }
    }

    #[test]
    fn small_and_collapsed_sets_get_a_layout() {
        for (n, collapsed) in [
            (300, false),
            (40, false),
            (40, true),
            (7, true),
            (300, true),
        ] {
            // No deep recursion any more (linfa's trees needed a 64 MiB stack): a plain call.
            let out = run_tsne(&request(n, 64, collapsed)).map(|l| l.xy.len());
            assert_eq!(out, Ok(n), "n = {n}, collapsed = {collapsed}");
        }
    }
}
