//! What the teaching panel remembers: the stage, the selected pair, the per-batch cache, and the
//! numbers the inspector shows for a pair.

use crate::app::AppCommand;
use crate::gpu::colormap::{self, MiningCode};
use crate::losses::explain::{self, PairFacts};
use crate::training::BatchSnapshot;
use crate::ui::heatmap::HeatmapState;

/// The six stages of one training step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Sample,
    Similarity,
    Mining,
    Weighting,
    Loss,
    Update,
}

impl Stage {
    pub const ALL: [Self; 6] = [
        Self::Sample,
        Self::Similarity,
        Self::Mining,
        Self::Weighting,
        Self::Loss,
        Self::Update,
    ];

    /// 1-based position.
    pub fn number(self) -> usize {
        self as usize + 1
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sample => "sample",
            Self::Similarity => "similarity",
            Self::Mining => "mining",
            Self::Weighting => "weighting",
            Self::Loss => "loss",
            Self::Update => "update",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Self::Sample => {
                "P×K sampling: K samples of each of P classes, the batch grouped by class."
            }
            Self::Similarity => {
                "Each sample is embedded and L2-normalised; S_ij = x_i · x_j for every pair."
            }
            Self::Mining => {
                "The mining rule decides which pairs enter the loss, and which are dropped."
            }
            Self::Weighting => {
                "Each kept pair (i, j) gets its weight w_ij = |G_ij|, G = ∂L/∂S including the reducer's factor (1/m for MS) \
                 (circle loss: PML's detached weights, not ∂L/∂S): anchor i's share of how hard the pair \
                 is pulled (positive) or pushed (negative). G is per ordered pair: embedding i receives \
                 G_ij + G_ji, and (j, i) may be unmined."
            }
            Self::Loss => {
                "The loss of the batch, from the mined pairs P̂_i / N̂_i of each anchor i and their similarities."
            }
            Self::Update => {
                "∂L/∂θ = Σ G_ij ∂S_ij/∂θ; Adam steps the network against it, rescaled per parameter. Embedded \
                 again, the same samples moved like this."
            }
        }
    }

    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.number()).copied()
    }
}

/// How the pair table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSort {
    Weight,
    Similarity,
}

/// What the teaching panel remembers.
pub struct TeachState {
    pub enabled: bool,
    pub stage: Stage,
    /// Selected pair `(i, j)` of the batch with this id.
    pub selected: Option<(u64, usize, usize)>,
    pub sort: PairSort,
    pub freeze_k: u32,
    pub help: bool,
    pub(super) heatmap: HeatmapState,
    pub(super) cache: Option<BatchCache>,
    pub(super) samples_tex: Option<(u64, egui::TextureHandle)>,
    pub(super) delta_tex: Option<(u64, egui::TextureHandle)>,
    pub(super) pair_tex: Option<((u64, usize), egui::TextureHandle)>,
}

impl Default for TeachState {
    fn default() -> Self {
        Self {
            enabled: false,
            stage: Stage::Sample,
            selected: None,
            sort: PairSort::Weight,
            freeze_k: 5,
            help: false,
            heatmap: HeatmapState::with_panel(3),
            cache: None,
            samples_tex: None,
            delta_tex: None,
            pair_tex: None,
        }
    }
}

/// Per-batch numbers derived once.
pub(super) struct BatchCache {
    pub(super) id: u64,
    pub(super) sim64: Vec<f64>,
    pub(super) labels64: Vec<i64>,
    /// Kept pairs `(i, j)`.
    pub(super) kept: Vec<(usize, usize)>,
    pub(super) total_weight: f64,
    /// `S_after − S_before`, when the after-update embeddings were recorded.
    pub(super) delta: Option<Vec<f32>>,
    /// Each anchor's share of the loss, computed the first time the loss stage shows it (the
    /// engine runs again on the batch: not worth it for batches nobody looks at).
    anchors: std::cell::OnceCell<Option<Vec<f64>>>,
}

impl BatchCache {
    fn new(batch: &BatchSnapshot) -> Self {
        let m = batch.m();
        let kept = (0..m * m)
            .filter(|&k| batch.mining[k].is_kept())
            .map(|k| (k / m, k % m))
            .collect();
        let delta = batch.after_embeddings.as_ref().map(|after| {
            colormap::similarity(after, m, batch.d)
                .iter()
                .zip(&batch.similarity)
                .map(|(a, b)| a - b)
                .collect()
        });
        Self {
            id: batch.id,
            sim64: batch.similarity.iter().map(|&s| f64::from(s)).collect(),
            labels64: batch.labels.iter().map(|&y| i64::from(y)).collect(),
            kept,
            total_weight: batch.weights.iter().map(|w| f64::from(w.abs())).sum(),
            delta,
            anchors: std::cell::OnceCell::new(),
        }
    }

    /// Each anchor's share of the batch's loss (`explain::anchor_contributions`; `None` for the
    /// histogram loss, which is not a sum over anchors).
    pub(super) fn anchor_shares(&self, batch: &BatchSnapshot) -> Option<&[f64]> {
        self.anchors
            .get_or_init(|| {
                let out = crate::losses::evaluate(&batch.spec, &self.sim64, &self.labels64).ok()?;
                explain::anchor_contributions(&batch.spec, &self.sim64, &self.labels64, &out)
            })
            .as_deref()
    }
}

/// The numbers the inspector shows for pair `(i, j)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairReport {
    pub i: usize,
    pub j: usize,
    pub label_i: u32,
    pub label_j: u32,
    pub similarity: f64,
    /// `D = √(2 − 2S)` between unit vectors.
    pub distance: f64,
    pub code: MiningCode,
    pub why: String,
    /// `G_ij` (signed).
    pub weight: f64,
    pub share_of_anchor: f64,
    pub share_of_batch: f64,
    pub pair_loss: Option<f64>,
}

impl PairReport {
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "pair i = {} (class {}), j = {} (class {})",
                self.i, self.label_i, self.j, self.label_j
            ),
            format!("S_ij = {:.4}", self.similarity),
            format!("D_ij = {:.4}", self.distance),
            format!("{}", self.code.label()),
            format!("why: {}", self.why),
            format!("w_ij = {:.4e}", self.weight.abs()),
            format!(
                "share of anchor {}'s weight: {:.1} %, of the batch's: {:.2} %",
                self.i,
                100.0 * self.share_of_anchor,
                100.0 * self.share_of_batch
            ),
        ];
        if let Some(l) = self.pair_loss {
            lines.push(format!("per-pair loss = {l:.4}"));
        }
        lines
    }
}

impl TeachState {
    pub(super) fn cache_for(&mut self, batch: &BatchSnapshot) -> &BatchCache {
        if self.cache.as_ref().is_none_or(|c| c.id != batch.id) {
            self.cache = Some(BatchCache::new(batch));
        }
        self.cache.as_ref().expect("just set")
    }

    /// Selects pair `(i, j)` of `batch` in the inspector.
    pub fn select(&mut self, batch: &BatchSnapshot, i: usize, j: usize) {
        let m = batch.m();
        if i < m && j < m {
            self.selected = Some((batch.id, i, j));
        }
    }

    /// The inspector's numbers for the selected pair of `batch` (none when the selection
    /// belongs to another batch).
    pub fn report(&mut self, batch: &BatchSnapshot) -> Option<PairReport> {
        let (id, i, j) = self.selected?;
        if id != batch.id {
            return None;
        }
        let m = batch.m();
        let k = i * m + j;
        let code = batch.mining[k];
        let kept = code.is_kept();
        let cache = self.cache_for(batch);
        let why = explain::explain_pair(
            &batch.spec,
            &PairFacts {
                sim: &cache.sim64,
                labels: &cache.labels64,
                i,
                j,
                kept,
                weight: f64::from(batch.weights[k]),
            },
        );
        let total = cache.total_weight;
        let anchor: f64 = batch.weights[i * m..(i + 1) * m]
            .iter()
            .map(|w| f64::from(w.abs()))
            .sum();
        let w = f64::from(batch.weights[k]);
        let s = f64::from(batch.similarity[k]);
        let share = |t: f64| if t > 0.0 { w.abs() / t } else { 0.0 };
        Some(PairReport {
            i,
            j,
            label_i: batch.labels[i],
            label_j: batch.labels[j],
            similarity: s,
            distance: (2.0 - 2.0 * s).max(0.0).sqrt(),
            code,
            why,
            weight: w,
            share_of_anchor: share(anchor),
            share_of_batch: share(total),
            pair_loss: batch.pair_loss.as_ref().map(|l| f64::from(l[k])),
        })
    }

    /// Next stage; after the last, trains the next batch and starts again at the first.
    pub fn advance_stage(&mut self, commands: &mut Vec<AppCommand>) {
        match self.stage.next() {
            Some(next) => self.stage = next,
            None => {
                self.stage = Stage::Sample;
                commands.push(AppCommand::StepBatch);
            }
        }
    }
}
