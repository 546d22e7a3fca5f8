//! The one list of figures. `pairscope train` writes the [`Set::Run`] entries (and the
//! [`Set::Stages`] ones with `--stages`); each panel's Export… in the window offers its entry.
//! Both go through [`FigureId::render`], so a figure has the same file name, title, caption,
//! shape and content wherever it is made. A new figure is one more [`FigureId`] and one more
//! row in [`FigureId::entry`].

use super::build;
use super::figure::{Board, Figure, FigureError, FigureMeta, Format, Panel, Stroke};
use super::render::render;
use super::run_data::{EmbeddingData, RunData};
use super::tables::DataKind;
use crate::training::config::config_toml;
use crate::training::{BatchSnapshot, TrainConfig};

/// Every figure pairscope draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FigureId {
    Loss,
    Metrics,
    /// Raw held-out embeddings (embedding dimension 2 or 3).
    Embedding,
    /// The t-SNE layout (embedding dimension above 3).
    Tsne,
    Similarity,
    Mining,
    Weights,
    PairLoss,
    WvsS,
    /// Compare mode's two loss curves.
    Compare,
    StageSample,
    StageSimilarity,
    StageMining,
    StageWeighting,
    StageLoss,
    StageUpdate,
    /// The six stages on one lettered board with a shared caption.
    StagesBoard,
}

/// Which files a figure goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Set {
    /// Every `pairscope train` writes it (when the run has its data).
    Run,
    /// The step-through slide series: `pairscope train --stages`.
    Stages,
    /// Only a panel's Export… (`pairscope train`'s file list stays as documented).
    Panel,
}

/// A figure's proportions: its height follows the chosen width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 4 : 3 (heatmaps, embeddings).
    Square,
    /// 16 : 9 (curves, text).
    Wide,
    /// 2 : 3, a page's proportions (a full page of a paper at 6 in × 9 in): the stage board,
    /// two panels across and three down with its caption under them. Two across, not three, because the board's text has the sizes
    /// of the board's width (≥ 1.8 % of it, as every figure's): a panel half the board wide
    /// then reads like a figure with its text at ≈ 4 % of the width, a third wide at ≈ 6 %,
    /// which leaves a heatmap's cells too little room.
    Board,
}

impl Shape {
    pub fn height(self, width: u32) -> u32 {
        match self {
            Self::Square => width * 3 / 4,
            Self::Wide => width * 9 / 16,
            Self::Board => width * 3 / 2,
        }
    }
}

/// What a figure needs from the run before it can be drawn (cheap to check: the Export…
/// buttons are enabled by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    Batch,
    PairLoss,
    /// The batch embedded again after its update.
    Update,
    RawEmbedding,
    Tsne,
    Compare,
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub id: FigureId,
    /// File name without the extension (`pairscope train` writes `<name>.png` and `.svg`).
    pub name: &'static str,
    pub set: Set,
    pub shape: Shape,
    /// The data behind the figure (Export… → Data).
    pub data: DataKind,
    needs: Needs,
    /// The title and the figure, from run data that has what `needs` names.
    make: fn(&RunData) -> Option<(String, Figure)>,
}

impl FigureId {
    /// The catalogue, in the order `pairscope train` writes it.
    pub const ALL: [Self; 17] = [
        Self::Loss,
        Self::Metrics,
        Self::Embedding,
        Self::Tsne,
        Self::Similarity,
        Self::Mining,
        Self::Weights,
        Self::PairLoss,
        Self::WvsS,
        Self::Compare,
        Self::StageSample,
        Self::StageSimilarity,
        Self::StageMining,
        Self::StageWeighting,
        Self::StageLoss,
        Self::StageUpdate,
        Self::StagesBoard,
    ];

    /// The catalogue's row for this figure.
    #[rustfmt::skip]
    pub fn entry(self) -> Entry {
        use self::Needs as N;
        use self::Set::{Panel, Run, Stages};
        use self::Shape::{Board, Square, Wide};
        use super::tables::DataKind as D;
        type Make = fn(&RunData) -> Option<(String, Figure)>;
        let row = |name: &'static str, set: Set, shape: Shape, data: D, needs: N, make: Make| {
            Entry { id: self, name, set, shape, data, needs, make }
        };
        match self {
            Self::Loss            => row("loss",              Run,    Wide,   D::LossCsv,      N::Nothing,      loss),
            Self::Metrics         => row("metrics",           Run,    Wide,   D::MetricsCsv,   N::Nothing,      metrics),
            Self::Embedding       => row("embedding",         Run,    Square, D::EmbeddingCsv, N::RawEmbedding, raw),
            Self::Tsne            => row("tsne",              Run,    Square, D::TsneCsv,      N::Tsne,         tsne),
            Self::Similarity      => row("similarity",        Run,    Square, D::BatchJson,    N::Batch,        similarity),
            Self::Mining          => row("mining",            Run,    Square, D::BatchJson,    N::Batch,        mining),
            Self::Weights         => row("weights",           Run,    Square, D::BatchJson,    N::Batch,        weights),
            Self::PairLoss        => row("pair_loss",         Panel,  Square, D::BatchJson,    N::PairLoss,     pair_loss),
            Self::WvsS            => row("w_vs_s",            Run,    Wide,   D::BatchJson,    N::Batch,        w_vs_s),
            Self::Compare         => row("compare",           Panel,  Wide,   D::CompareCsv,   N::Compare,      compare),
            Self::StageSample     => row("stage1_sample",     Stages, Wide,   D::BatchJson,    N::Batch,        stage1),
            Self::StageSimilarity => row("stage2_similarity", Stages, Square, D::BatchJson,    N::Batch,        stage2),
            Self::StageMining     => row("stage3_mining",     Stages, Square, D::BatchJson,    N::Batch,        stage3),
            Self::StageWeighting  => row("stage4_weighting",  Stages, Wide,   D::BatchJson,    N::Batch,        stage4),
            Self::StageLoss       => row("stage5_loss",       Stages, Wide,   D::BatchJson,    N::Batch,        stage5),
            Self::StageUpdate     => row("stage6_update",     Stages, Square, D::BatchJson,    N::Update,       stage6),
            Self::StagesBoard     => row("stages_board",      Stages, Board,  D::BatchJson,    N::Update,       stages_board),
        }
    }

    /// The file name without the extension.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// Whether `run` has what this figure shows (and the data behind it).
    pub fn available(self, run: &RunData) -> bool {
        let batch = run.batch.as_deref();
        match self.entry().needs {
            Needs::Nothing => true,
            Needs::Batch => batch.is_some(),
            Needs::PairLoss => batch.is_some_and(|b| b.pair_loss.is_some()),
            Needs::Update => batch.is_some_and(|b| b.after_embeddings.is_some()),
            Needs::RawEmbedding => matches!(run.embedding, Some(EmbeddingData::Raw(_))),
            Needs::Tsne => matches!(
                run.embedding,
                Some(EmbeddingData::Tsne(_) | EmbeddingData::TsneFailed { .. })
            ),
            Needs::Compare => !run.compare.is_empty(),
        }
    }

    /// The figure with its title, caption (when asked) and the run's configuration.
    pub fn build(
        self,
        run: &RunData,
        with_caption: bool,
    ) -> Result<(Figure, FigureMeta), FigureError> {
        let entry = self.entry();
        let (title, figure) = self
            .available(run)
            .then(|| (entry.make)(run))
            .flatten()
            .ok_or(FigureError::NotReady(entry.name))?;
        let meta = FigureMeta {
            title,
            caption: with_caption.then(|| caption(&run.config, run.step)),
            config: config_toml(&run.config).map_err(|e| FigureError::Config(e.to_string()))?,
            seed: run.config.seed,
        };
        Ok((figure, meta))
    }

    /// The file's bytes: the figure `width` pixels wide (SVG: user units), as tall as its
    /// shape says.
    pub fn render(
        self,
        run: &RunData,
        format: Format,
        width: u32,
        with_caption: bool,
    ) -> Result<Vec<u8>, FigureError> {
        let (figure, meta) = self.build(run, with_caption)?;
        render(
            &figure,
            &meta,
            format,
            width,
            self.entry().shape.height(width),
        )
    }
}

/// The caption under a figure: the run in one line.
pub fn caption(config: &TrainConfig, step: u64) -> String {
    format!(
        "pairscope · {} · seed {} · lr {} · batch {}×{} · step {}",
        config.loss.label(),
        config.seed,
        config.learning_rate,
        config.batch_classes,
        config.batch_samples,
        step
    )
}

// The rows' builders: the title and the figure. `None` only when the run lacks the data the
// row's `Needs` names.

fn loss(run: &RunData) -> Option<(String, Figure)> {
    Some(("Training loss".into(), build::loss_curve(&run.history)))
}

fn metrics(run: &RunData) -> Option<(String, Figure)> {
    let fig = build::metrics_curve(
        &run.evals,
        run.untrained.as_ref(),
        run.raw_baseline.as_ref(),
    );
    Some(("Held-out retrieval".into(), fig))
}

fn raw(run: &RunData) -> Option<(String, Figure)> {
    let Some(EmbeddingData::Raw(h)) = &run.embedding else {
        return None;
    };
    let names = &run.data.class_names;
    Some((
        format!("Held-out embeddings (raw, d = {}), step {}", h.d, h.step),
        build::raw_embedding(&h.embeddings, h.d, &h.labels, names),
    ))
}

fn tsne(run: &RunData) -> Option<(String, Figure)> {
    let title = |method: &str, step, on_training| {
        let rows = if on_training { "training" } else { "held-out" };
        format!("{method} of {rows} embeddings (step {step})")
    };
    match run.embedding.as_ref()? {
        EmbeddingData::Tsne(t) => Some((
            title(t.projection.name(), t.step, t.on_training),
            build::tsne(t, &run.data.class_names),
        )),
        EmbeddingData::TsneFailed { step, reason } => Some((
            title("t-SNE", *step, false),
            Figure::Text {
                lines: vec![format!("no layout: {reason}")],
            },
        )),
        EmbeddingData::Raw(_) => None,
    }
}

/// A batch figure titled "`what`, batch of step N".
fn of_batch(
    run: &RunData,
    what: &str,
    make: fn(&crate::training::BatchSnapshot) -> Option<Figure>,
) -> Option<(String, Figure)> {
    let batch = run.batch.as_deref()?;
    Some((
        format!("{what}, batch of step {}", batch.step),
        make(batch)?,
    ))
}

fn similarity(run: &RunData) -> Option<(String, Figure)> {
    of_batch(run, "Similarity", |b| Some(build::similarity(b)))
}

fn mining(run: &RunData) -> Option<(String, Figure)> {
    of_batch(run, "Mined pairs", |b| Some(build::mining(b)))
}

fn weights(run: &RunData) -> Option<(String, Figure)> {
    of_batch(run, "Pair weights", |b| Some(build::weights(b)))
}

fn pair_loss(run: &RunData) -> Option<(String, Figure)> {
    of_batch(run, "Per-pair loss", build::pair_loss)
}

fn w_vs_s(run: &RunData) -> Option<(String, Figure)> {
    of_batch(run, "w against S", |b| Some(build::w_vs_s(b)))
}

fn compare(run: &RunData) -> Option<(String, Figure)> {
    Some((
        "Compare: training loss of both sides".into(),
        build::compare_losses(&run.compare),
    ))
}

/// A stage of the step-through series, titled "Stage k of 6: `what`".
fn stage(
    run: &RunData,
    k: u32,
    what: &str,
    make: impl FnOnce(&crate::training::BatchSnapshot) -> Option<Figure>,
) -> Option<(String, Figure)> {
    let batch = run.batch.as_deref()?;
    Some((format!("Stage {k} of 6: {what}"), make(batch)?))
}

fn stage1(run: &RunData) -> Option<(String, Figure)> {
    stage(run, 1, "sample", |b| {
        // Feature-vector data has no pictures: say what the batch holds instead.
        Some(
            build::samples(b, &run.data).unwrap_or_else(|| Figure::Text {
                lines: vec![format!(
                    "{} samples of {} classes (feature vectors, no images)",
                    b.m(),
                    run.data.num_classes()
                )],
            }),
        )
    })
}

fn stage2(run: &RunData) -> Option<(String, Figure)> {
    stage(run, 2, "similarity", |b| Some(build::similarity(b)))
}

fn stage3(run: &RunData) -> Option<(String, Figure)> {
    stage(run, 3, "mining", |b| Some(build::mining(b)))
}

fn stage4(run: &RunData) -> Option<(String, Figure)> {
    stage(run, 4, "weighting", |b| Some(build::w_vs_s(b)))
}

fn stage5(run: &RunData) -> Option<(String, Figure)> {
    stage(run, 5, "loss", |b| Some(build::loss_text(b)))
}

fn stage6(run: &RunData) -> Option<(String, Figure)> {
    stage(run, 6, "update (ΔS)", build::delta_similarity)
}

/// The six stages as one board: the stage figures themselves, lettered (a)–(f), two across,
/// under a caption of one sentence per panel whose numbers are this batch's.
fn stages_board(run: &RunData) -> Option<(String, Figure)> {
    let batch = run.batch.as_deref()?;
    type Maker = fn(&RunData) -> Option<(String, Figure)>;
    let makers: [(Maker, &str); 6] = [
        (stage1, "sample"),
        (stage2, "similarity"),
        (stage3, "mining"),
        (stage4, "weighting"),
        (stage5, "loss"),
        (stage6, "update (ΔS)"),
    ];
    let mut panels = Vec::new();
    for (make, title) in makers {
        panels.push(Panel {
            title: title.into(),
            figure: make(run)?.1,
        });
    }
    let caption = board_caption(batch, &panels);
    Some((
        format!(
            "The six stages of one training step, batch of step {}",
            batch.step
        ),
        Figure::Board(Board {
            columns: 2,
            panels,
            caption,
        }),
    ))
}

/// The board's caption: what the batch is, then one sentence per panel, each true of the
/// panel drawn (its numbers are the batch's).
fn board_caption(batch: &BatchSnapshot, panels: &[Panel]) -> Vec<String> {
    use crate::gpu::colormap::MiningCode;
    let m = batch.m();
    let mut per_class: Vec<(u32, usize)> = Vec::new();
    for &y in &batch.labels {
        match per_class.last_mut() {
            Some((c, n)) if *c == y => *n += 1,
            _ => per_class.push((y, 1)),
        }
    }
    let classes = per_class.len();
    let sample = match &panels[0].figure {
        Figure::Images(images) => {
            let k = per_class[0].1;
            let each = if per_class.iter().all(|&(_, n)| n == k) {
                format!("{k} of each of {classes} classes")
            } else {
                format!("of {classes} classes")
            };
            let shown = images.rows.iter().map(|r| r.1.len()).sum::<usize>();
            let cut = if shown < m {
                format!(" ({shown} shown)")
            } else {
                String::new()
            };
            format!("(a) The batch: {m} samples, {each}, one row per class{cut}.")
        }
        _ => {
            format!("(a) The batch: {m} samples of {classes} classes (feature vectors, no images).")
        }
    };
    let count = |code| batch.mining.iter().filter(|&&c| c == code).count();
    let kept = count(MiningCode::PositiveKept) + count(MiningCode::NegativeKept);
    let has_curve = matches!(&panels[3].figure, Figure::Plot(p) if p.series.iter().any(|s| s.stroke == Stroke::Solid));
    let largest = match &panels[5].figure {
        Figure::Heatmap(h) => h.range.1,
        _ => 0.0,
    };
    vec![
        format!("One training step on the batch of step {}.", batch.step),
        sample,
        "(b) The cosine similarity S_ij of every pair of the batch's embeddings before the update, rows sorted by class.".into(),
        format!(
            "(c) Mining: {} positive and {} negative pairs (i, j) kept of the m(m − 1) = {}.",
            count(MiningCode::PositiveKept),
            count(MiningCode::NegativeKept),
            m * m.saturating_sub(1)
        ),
        weighting_sentence(kept, has_curve),
        format!("(e) The loss and this batch's value, L = {:.6}.", batch.loss),
        format!(
            "(f) How each pair's similarity changed with this step's update: ΔS = S after − S before (largest |ΔS| = {largest:.1e})."
        ),
    ]
}

/// The weighting panel's sentence: its points (the kept pairs, when there are any) and its
/// lines (when the loss has a single-pair weight).
fn weighting_sentence(kept: usize, has_curve: bool) -> String {
    match (kept, has_curve) {
        (0, true) => "(d) The loss's weight for a single pair against its similarity S_ij (lines); this batch kept no pair.".into(),
        (0, false) => "(d) Weights against S_ij: this batch kept no pair, and this loss has no single-pair weight.".into(),
        (_, true) => "(d) Each kept pair's weight against its similarity S_ij (points), over the loss's weight for a single pair (lines).".into(),
        (_, false) => "(d) Each kept pair's weight against its similarity S_ij.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_entry_is_listed_once() {
        let mut names: Vec<&str> = FigureId::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FigureId::ALL.len());
        for id in FigureId::ALL {
            assert_eq!(id.entry().id, id);
        }
    }
}
