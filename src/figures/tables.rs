//! The data behind the figures, for Export… → Data: the batch's matrices as JSON, the curves
//! and the embeddings as CSV tables with a header.

use super::build;
use super::figure::FigureError;
use super::run_data::{EmbeddingData, RawEmbedding, RunData};

/// Which data file a figure's data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// The batch: labels, rows, embeddings, S, G, mining codes, kept pairs.
    BatchJson,
    /// Step, loss and kept pairs of every training step.
    LossCsv,
    /// Every evaluation's held-out metrics.
    MetricsCsv,
    /// The raw held-out embeddings with their rows and labels.
    EmbeddingCsv,
    /// The t-SNE coordinates with their rows and labels.
    TsneCsv,
    /// Both sides' training losses in compare mode.
    CompareCsv,
}

impl DataKind {
    pub fn extension(self) -> &'static str {
        match self {
            Self::BatchJson => "json",
            _ => "csv",
        }
    }

    /// The file's bytes; `None` when the run lacks this data.
    pub fn bytes(self, run: &RunData) -> Option<Result<Vec<u8>, FigureError>> {
        let encode_err = |e: serde_json::Error| FigureError::Encode(e.to_string());
        match self {
            Self::BatchJson => {
                let batch = run.batch.as_deref()?;
                Some(serde_json::to_vec_pretty(&build::batch_json(batch)).map_err(encode_err))
            }
            Self::LossCsv => Some(loss_csv(run)),
            Self::MetricsCsv => Some(metrics_csv(run)),
            Self::EmbeddingCsv => match run.embedding.as_ref()? {
                EmbeddingData::Raw(h) => Some(embedding_csv(h)),
                _ => None,
            },
            Self::TsneCsv => match run.embedding.as_ref()? {
                EmbeddingData::Tsne(t) => Some(tsne_csv(t)),
                _ => None,
            },
            Self::CompareCsv => (!run.compare.is_empty()).then(|| compare_csv(run)),
        }
    }
}

/// `rows` as CSV with a header.
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, FigureError> {
    let err = |e: csv::Error| FigureError::Encode(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| FigureError::Encode(e.to_string()))
}

fn loss_csv(run: &RunData) -> Result<Vec<u8>, FigureError> {
    let rows: Vec<Vec<String>> = run
        .history
        .iter()
        .map(|h| {
            vec![
                h.step.to_string(),
                h.loss.to_string(),
                h.positive_pairs.to_string(),
                h.negative_pairs.to_string(),
                h.first_step.to_string(),
                h.steps.to_string(),
                h.loss_min.to_string(),
                h.loss_max.to_string(),
            ]
        })
        .collect();
    // A long window run merges its older steps: a row is then the mean of the steps
    // `first_step..=step`, with their extremes (see `training::history`).
    csv_bytes(
        &[
            "step",
            "loss",
            "positive_pairs",
            "negative_pairs",
            "first_step",
            "steps",
            "loss_min",
            "loss_max",
        ],
        &rows,
    )
}

fn metrics_csv(run: &RunData) -> Result<Vec<u8>, FigureError> {
    let rows: Vec<Vec<String>> = run
        .evals
        .iter()
        .map(|e| {
            let m = &e.metrics;
            let mut row = vec![e.step.to_string()];
            row.extend(
                [
                    m.recall_at_1,
                    m.recall_at_2,
                    m.recall_at_4,
                    m.recall_at_8,
                    m.map_at_r,
                    m.nmi,
                ]
                .iter()
                .map(f64::to_string),
            );
            row
        })
        .collect();
    csv_bytes(
        &[
            "step",
            "recall_at_1",
            "recall_at_2",
            "recall_at_4",
            "recall_at_8",
            "map_at_r",
            "nmi",
        ],
        &rows,
    )
}

fn embedding_csv(h: &RawEmbedding) -> Result<Vec<u8>, FigureError> {
    let mut header = vec!["row".to_owned(), "label".to_owned()];
    header.extend((0..h.d).map(|k| format!("e{k}")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = h
        .rows
        .iter()
        .zip(&h.labels)
        .zip(h.embeddings.chunks(h.d.max(1)))
        .map(|((r, y), e)| {
            let mut v = vec![r.to_string(), y.to_string()];
            v.extend(e.iter().map(f32::to_string));
            v
        })
        .collect();
    csv_bytes(&header, &rows)
}

fn tsne_csv(t: &crate::embedding::TsneLayout) -> Result<Vec<u8>, FigureError> {
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .zip(&t.labels)
        .zip(&t.xy)
        .map(|((r, y), p)| {
            vec![
                r.to_string(),
                y.to_string(),
                p[0].to_string(),
                p[1].to_string(),
            ]
        })
        .collect();
    csv_bytes(&["row", "label", "x", "y"], &rows)
}

fn compare_csv(run: &RunData) -> Result<Vec<u8>, FigureError> {
    let rows: Vec<Vec<String>> = run
        .compare
        .iter()
        .zip(["A", "B"])
        .flat_map(|(side, ab)| {
            side.history.iter().map(move |h| {
                vec![
                    ab.to_owned(),
                    side.label.clone(),
                    h.step.to_string(),
                    h.loss.to_string(),
                ]
            })
        })
        .collect();
    csv_bytes(&["side", "loss_spec", "step", "loss"], &rows)
}
