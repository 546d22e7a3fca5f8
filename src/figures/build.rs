//! The run's figures and data, built from what the app and `pairscope train` hold: the last
//! batch, the loss history, the evaluations, the t-SNE layout or the raw embeddings.

use super::figure::{Figure, Heatmap, Images, Plot, Series, Stroke};
use super::run_data::CompareCurve;
use crate::data::Dataset;
use crate::embedding::TsneLayout;
use crate::gpu::colormap::{ColorMap, MiningCode};
use crate::losses::explain;
use crate::metrics::Retrieval;
use crate::palette::{self, BLUE, BLUISH_GREEN as GREEN, ORANGE, Rgb, VERMILION};
use crate::training::{BatchSnapshot, EvalPoint, LossPoint};

/// The similarity heatmap of a batch.
pub fn similarity(batch: &BatchSnapshot) -> Figure {
    Figure::Heatmap(Heatmap {
        m: batch.m(),
        values: batch.similarity.clone(),
        map: ColorMap::Diverging,
        range: (-1.0, 1.0),
        labels: batch.labels.clone(),
        colour_bar: "S_ij (cosine similarity)".into(),
        categories: Vec::new(),
    })
}

/// The mined-pairs heatmap of a batch.
pub fn mining(batch: &BatchSnapshot) -> Figure {
    Figure::Heatmap(Heatmap {
        m: batch.m(),
        values: batch.mining.iter().map(|c| c.to_f32()).collect(),
        map: ColorMap::Categorical,
        range: (0.0, 4.0),
        labels: batch.labels.clone(),
        colour_bar: "mined pairs".into(),
        categories: MiningCode::ALL
            .iter()
            .map(|c| {
                let [r, g, b, _] = c.rgba();
                (c.label().to_owned(), (r, g, b))
            })
            .collect(),
    })
}

/// What the weights of `batch` are ([`explain::weight_label`]), with `d` for `∂` (the figure
/// fonts).
fn ascii_weight_label(batch: &BatchSnapshot) -> String {
    explain::weight_label(&batch.spec).replace('∂', "d")
}

/// The weight heatmap `|G|` of a batch: `|∂L/∂S|`, or PML's detached weights for circle loss.
pub fn weights(batch: &BatchSnapshot) -> Figure {
    Figure::Heatmap(Heatmap {
        m: batch.m(),
        values: batch.weights.iter().map(|w| w.abs()).collect(),
        map: ColorMap::Sequential,
        range: (0.0, batch.max_weight().max(f32::MIN_POSITIVE)),
        labels: batch.labels.clone(),
        colour_bar: ascii_weight_label(batch),
        categories: Vec::new(),
    })
}

/// ΔS of the same samples after the update (the update stage), when recorded.
pub fn delta_similarity(batch: &BatchSnapshot) -> Option<Figure> {
    let after = batch.after_embeddings.as_ref()?;
    let m = batch.m();
    let s_after = crate::gpu::colormap::similarity(after, m, batch.d);
    let values: Vec<f32> = s_after
        .iter()
        .zip(&batch.similarity)
        .map(|(a, b)| a - b)
        .collect();
    let hi = values.iter().fold(0.0_f32, |a, v| a.max(v.abs())).max(1e-6);
    Some(Figure::Heatmap(Heatmap {
        m,
        values,
        map: ColorMap::Diverging,
        range: (-hi, hi),
        labels: batch.labels.clone(),
        colour_bar: "ΔS = S after − S before".into(),
        categories: Vec::new(),
    }))
}

/// The divisors of the single-pair weight curves of `batch`: `m`, the mean `|P̂_i|` / `|N̂_i|`
/// over anchors with a kept pair of that side, and the kept pairs with a non-zero weight.
pub fn curve_scale(batch: &BatchSnapshot) -> explain::CurveScale {
    let m = batch.m();
    let (mut kp, mut kn) = (vec![0usize; m], vec![0usize; m]);
    let (mut ap, mut an) = (0, 0);
    for (k, (&code, &w)) in batch.mining.iter().zip(&batch.weights).enumerate() {
        match code {
            MiningCode::PositiveKept => {
                kp[k / m] += 1;
                ap += usize::from(w != 0.0);
            }
            MiningCode::NegativeKept => {
                kn[k / m] += 1;
                an += usize::from(w != 0.0);
            }
            _ => {}
        }
    }
    let mean = |v: &[usize]| {
        let with: Vec<usize> = v.iter().copied().filter(|&n| n > 0).collect();
        if with.is_empty() {
            1.0
        } else {
            with.iter().sum::<usize>() as f64 / with.len() as f64
        }
    };
    explain::CurveScale {
        m,
        kept_pos: mean(&kp),
        kept_neg: mean(&kn),
        active_pos: ap,
        active_neg: an,
    }
}

/// w against S for every kept pair, over the loss's single-pair weight curves
/// ([`explain::curve_caption`] says what they are).
pub fn w_vs_s(batch: &BatchSnapshot) -> Figure {
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for ((&code, &w), &s) in batch
        .mining
        .iter()
        .zip(&batch.weights)
        .zip(&batch.similarity)
    {
        let p = (f64::from(s), f64::from(w.abs()));
        match code {
            MiningCode::PositiveKept => pos.push(p),
            MiningCode::NegativeKept => neg.push(p),
            _ => {}
        }
    }
    let scale = curve_scale(batch);
    let mut series = Vec::new();
    for (positive, colour, name) in [(true, GREEN, "positive"), (false, VERMILION, "negative")] {
        let curve: Option<Vec<(f64, f64)>> = (0..=200)
            .map(|t| {
                let s = -1.0 + 2.0 * f64::from(t) / 200.0;
                explain::single_pair_weight(&batch.spec, s, positive, scale).map(|w| (s, w))
            })
            .collect();
        if let Some(points) = curve {
            series.push(Series {
                name: format!("single-pair weight, {name}"),
                points,
                colour,
                stroke: Stroke::Solid,
            });
        }
    }
    series.push(Series {
        name: "kept positive pairs".into(),
        points: pos,
        colour: GREEN,
        stroke: Stroke::Markers,
    });
    series.push(Series {
        name: "kept negative pairs".into(),
        points: neg,
        colour: VERMILION,
        stroke: Stroke::Markers,
    });
    Figure::Plot(Plot {
        x_label: "S_ij".into(),
        y_label: ascii_weight_label(batch),
        series,
        equal_aspect: false,
        x_range: Some((-1.0, 1.0)),
        y_range: None,
    })
}

/// The per-pair loss heatmap of a batch, for losses that define one.
pub fn pair_loss(batch: &BatchSnapshot) -> Option<Figure> {
    let values = batch.pair_loss.as_ref()?;
    Some(Figure::Heatmap(Heatmap {
        m: batch.m(),
        values: values.clone(),
        map: ColorMap::Sequential,
        range: (0.0, batch.max_pair_loss().max(f32::MIN_POSITIVE)),
        labels: batch.labels.clone(),
        colour_bar: "per-pair loss".into(),
        categories: Vec::new(),
    }))
}

/// How a curve reads its value from an evaluation.
type MetricOf = fn(&Retrieval) -> f64;

/// The training loss against steps (a long window run's older steps are drawn as the means of
/// the steps merged into each point, and the legend says so). The loss axis fits the curve
/// (`axis::loss_axis`); a start far above the rest is cut at the top, and the legend says which
/// steps and how high they reach.
pub fn loss_curve(history: &[LossPoint]) -> Figure {
    let mut name = if history.iter().any(|p| p.steps > 1) {
        "training loss (older steps averaged)".to_owned()
    } else {
        "training loss".to_owned()
    };
    let mut points: Vec<(f64, f64)> = history.iter().map(|s| (s.step as f64, s.loss)).collect();
    let y_range = super::axis::loss_axis(&points).map(|axis| {
        let steps = if axis.first == axis.last {
            format!("step {}", axis.first)
        } else if axis.every_one {
            format!("steps {}–{}", axis.first, axis.last)
        } else {
            format!("some of steps {}–{}", axis.first, axis.last)
        };
        name.push_str(&format!(
            "; {steps} above the plot (up to {:.3})",
            axis.peak
        ));
        points = super::axis::cut_at(&points, axis.range.1);
        axis.range
    });
    Figure::Plot(Plot {
        x_label: "step".into(),
        y_label: "loss".into(),
        series: vec![Series {
            name,
            points,
            colour: BLUE,
            stroke: Stroke::Solid,
        }],
        equal_aspect: false,
        x_range: None,
        y_range,
    })
}

/// The training losses of compare mode's two sides (A blue, B orange).
pub fn compare_losses(sides: &[CompareCurve]) -> Figure {
    let series = sides
        .iter()
        .zip([BLUE, ORANGE])
        .zip(["A", "B"])
        .map(|((side, colour), ab)| Series {
            name: format!("{ab}: {}", side.label),
            points: side
                .history
                .iter()
                .map(|h| (h.step as f64, h.loss))
                .collect(),
            colour,
            stroke: Stroke::Solid,
        })
        .collect();
    Figure::Plot(Plot {
        x_label: "step".into(),
        y_label: "loss".into(),
        series,
        equal_aspect: false,
        x_range: None,
        y_range: None,
    })
}

/// Held-out metrics against steps, with the untrained network and the raw inputs as
/// baselines (thin, pale reference lines: long dashes and sparse dots).
pub fn metrics_curve(
    evals: &[EvalPoint],
    untrained: Option<&Retrieval>,
    raw: Option<&Retrieval>,
) -> Figure {
    // Recall@K is one family: one colour, a line pattern per K. MAP@R and NMI have colours of
    // their own and markers at the evaluations, so every curve stays apart in greyscale print.
    let metrics: [(&str, MetricOf, Rgb, Stroke); 6] = [
        ("Recall@1", |m| m.recall_at_1, BLUE, Stroke::Solid),
        ("Recall@2", |m| m.recall_at_2, BLUE, Stroke::Dashed),
        ("Recall@4", |m| m.recall_at_4, BLUE, Stroke::Dotted),
        ("Recall@8", |m| m.recall_at_8, BLUE, Stroke::DashDot),
        ("MAP@R", |m| m.map_at_r, GREEN, Stroke::SolidSquares),
        ("NMI", |m| m.nmi, VERMILION, Stroke::SolidCircles),
    ];
    let (x0, x1) = evals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), e| {
            (a.min(e.step as f64), b.max(e.step as f64))
        });
    let (x0, x1) = if x0.is_finite() {
        (x0, x1.max(x0 + 1.0))
    } else {
        (0.0, 1.0)
    };
    let mut series = Vec::new();
    for (name, f, colour, stroke) in metrics {
        series.push(Series {
            name: name.into(),
            points: evals
                .iter()
                .map(|e| (e.step as f64, f(&e.metrics)))
                .collect(),
            colour,
            stroke,
        });
    }
    // Baselines of Recall@1, MAP@R and NMI in their metric's colour, explained once: one
    // legend entry per kind of baseline (its line style), not one per line.
    for (base, what, stroke) in [
        (untrained, "untrained network", Stroke::ReferenceDashed),
        (raw, "raw inputs", Stroke::ReferenceDotted),
    ] {
        if let Some(b) = base {
            for (_, f, colour, _) in [metrics[0], metrics[4], metrics[5]] {
                series.push(Series {
                    name: String::new(),
                    points: vec![(x0, f(b)), (x1, f(b))],
                    colour,
                    stroke,
                });
            }
            series.push(Series {
                name: what.into(),
                points: Vec::new(),
                colour: (90, 90, 90),
                stroke,
            });
        }
    }
    Figure::Plot(Plot {
        x_label: "step".into(),
        y_label: "held-out metric".into(),
        series,
        equal_aspect: false,
        x_range: None,
        y_range: Some((0.0, 1.05)),
    })
}

fn by_class(points: &[(f64, f64)], labels: &[u32], names: &[String]) -> Vec<Series> {
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    classes
        .into_iter()
        .map(|c| Series {
            name: format!(
                "class {}",
                names
                    .get(c as usize)
                    .cloned()
                    .unwrap_or_else(|| c.to_string())
            ),
            points: points
                .iter()
                .zip(labels)
                .filter(|(_, y)| **y == c)
                .map(|(p, _)| *p)
                .collect(),
            colour: palette::class_colour(c),
            stroke: Stroke::Markers,
        })
        .collect()
}

/// A t-SNE layout by class.
pub fn tsne(layout: &TsneLayout, class_names: &[String]) -> Figure {
    let pts: Vec<(f64, f64)> = layout.xy.iter().map(|p| (p[0], p[1])).collect();
    let (x_label, y_label) = match layout.projection {
        crate::embedding::Projection::Tsne => (
            "t-SNE 1 (distances between clusters are not meaningful)",
            "t-SNE 2",
        ),
        crate::embedding::Projection::Pca => ("principal component 1", "principal component 2"),
    };
    Figure::Plot(Plot {
        x_label: x_label.into(),
        y_label: y_label.into(),
        series: by_class(&pts, &layout.labels, class_names),
        equal_aspect: true,
        x_range: None,
        y_range: None,
    })
}

/// Raw 2-D (or the first two of 3-D) unit embeddings by class, with the unit circle.
pub fn raw_embedding(emb: &[f32], d: usize, labels: &[u32], class_names: &[String]) -> Figure {
    let pts: Vec<(f64, f64)> = emb
        .chunks(d.max(1))
        .map(|r| (f64::from(r[0]), f64::from(*r.get(1).unwrap_or(&0.0))))
        .collect();
    let mut series = vec![Series {
        name: "unit circle".into(),
        points: (0..=128)
            .map(|t| {
                let a = f64::from(t) / 128.0 * std::f64::consts::TAU;
                (a.cos(), a.sin())
            })
            .collect(),
        colour: (150, 150, 150),
        stroke: Stroke::Solid,
    }];
    series.extend(by_class(&pts, labels, class_names));
    Figure::Plot(Plot {
        x_label: if d == 3 {
            "x1 (orthographic view of the sphere)"
        } else {
            "x1"
        }
        .into(),
        y_label: "x2".into(),
        series,
        equal_aspect: true,
        x_range: Some((-1.1, 1.1)),
        y_range: Some((-1.1, 1.1)),
    })
}

/// The batch's images grouped by class (image data only; at most 24 per class).
pub fn samples(batch: &BatchSnapshot, data: &Dataset) -> Option<Figure> {
    let (w, h) = data.image_shape?;
    let mut rows: Vec<(String, Vec<Vec<f32>>)> = Vec::new();
    for (k, &y) in batch.labels.iter().enumerate() {
        let name = format!(
            "class {}",
            data.class_names
                .get(y as usize)
                .cloned()
                .unwrap_or_else(|| y.to_string())
        );
        let img = data.row(batch.rows[k]).to_vec();
        match rows.last_mut() {
            Some((n, v)) if *n == name => {
                if v.len() < 24 {
                    v.push(img);
                }
            }
            _ => rows.push((name, vec![img])),
        }
    }
    Some(Figure::Images(Images { h, w, rows }))
}

/// The loss stage: formula and this batch's numbers.
pub fn loss_text(batch: &BatchSnapshot) -> Figure {
    Figure::Text {
        lines: vec![
            explain::formula(&batch.spec),
            "P_i / N_i: all positives / negatives of anchor i; P̂_i / N̂_i: the mined ones; m: the batch size."
                .into(),
            format!(
                "this batch: m = {}, {} positive and {} negative pairs kept",
                batch.m(),
                batch.positive_pairs,
                batch.negative_pairs
            ),
            format!("L = {:.6}", batch.loss),
            format!("loss: {}", batch.spec.label()),
        ],
    }
}

/// The batch's matrices as JSON: labels, rows, embeddings, S, G, mining codes, kept pairs.
pub fn batch_json(batch: &BatchSnapshot) -> serde_json::Value {
    let m = batch.m();
    let kept = |code: MiningCode| -> Vec<[usize; 2]> {
        (0..m * m)
            .filter(|&k| batch.mining[k] == code)
            .map(|k| [k / m, k % m])
            .collect()
    };
    serde_json::json!({
        "step": batch.step,
        "m": m,
        "d": batch.d,
        "loss": batch.loss,
        "loss_spec": batch.spec,
        "rows": batch.rows,
        "labels": batch.labels,
        "embeddings": batch.embeddings.chunks(batch.d.max(1)).collect::<Vec<_>>(),
        "similarity": batch.similarity.chunks(m.max(1)).collect::<Vec<_>>(),
        "weights": batch.weights.chunks(m.max(1)).collect::<Vec<_>>(),
        "mining_codes": batch.mining.chunks(m.max(1)).map(|r| r.iter().map(|&c| c as u8).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "mining_code_meaning": {"0": "same sample", "1": "positive kept", "2": "negative kept", "3": "positive dropped", "4": "negative dropped"},
        "positive_pairs": kept(MiningCode::PositiveKept),
        "negative_pairs": kept(MiningCode::NegativeKept),
        "pair_loss": batch.pair_loss.as_ref().map(|l| l.chunks(m.max(1)).collect::<Vec<_>>()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The held-out metrics figure explains its baselines once: six metric curves, six baseline
    /// lines without legend entries, and one legend entry per kind of baseline.
    #[test]
    fn the_metrics_legend_names_each_baseline_kind_once() {
        let r = |v| Retrieval {
            recall_at_1: v,
            recall_at_2: v,
            recall_at_4: v,
            recall_at_8: v,
            nmi: v,
            map_at_r: v,
        };
        let evals: Vec<EvalPoint> = (0..4)
            .map(|k| EvalPoint {
                step: k * 25,
                metrics: r(0.5 + 0.1 * k as f64),
            })
            .collect();
        let Figure::Plot(plot) = metrics_curve(&evals, Some(&r(0.4)), Some(&r(0.3))) else {
            panic!("a plot");
        };
        let named: Vec<&str> = plot
            .series
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        assert_eq!(named.len(), 8, "{named:?}");
        assert_eq!(
            named.iter().filter(|n| n.starts_with("untrained")).count(),
            1
        );
        assert_eq!(
            named.iter().filter(|n| n.starts_with("raw inputs")).count(),
            1
        );
        let baselines = plot.series.iter().filter(|s| s.name.is_empty()).count();
        assert_eq!(baselines, 6);
    }
}
