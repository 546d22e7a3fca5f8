//! What a figure is: its kinds (heatmap, curves and points, image rows, text), its metadata,
//! its output formats and its errors. Plain data: `build` makes them, `draw` and `encode` turn
//! them into files.

use std::path::Path;

use thiserror::Error;

use crate::gpu::colormap::ColorMap;
use crate::palette::Rgb;

#[derive(Debug, Error)]
pub enum FigureError {
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("encoding failed: {0}")]
    Encode(String),
    #[error("figure size {0}×{1} is out of range (16..=8192 pixels per side)")]
    Size(u32, u32),
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    /// The run has no data for this figure yet (no batch, no layout, no comparison).
    #[error("nothing to export yet for {0}")]
    NotReady(&'static str),
    /// The run's configuration could not be written as TOML for the file's metadata.
    #[error("the run's configuration: {0}")]
    Config(String),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }

    /// From a file name's extension (`png` or `svg`, any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }
}

/// Line style of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
    Dotted,
    /// Points only.
    Markers,
}

/// One named series.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub colour: Rgb,
    pub stroke: Stroke,
}

/// An `m × m` matrix (rows = anchors), classes separated by lines, with a colour bar (or the
/// categorical legend of the mined-pairs view).
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub m: usize,
    pub values: Vec<f32>,
    pub map: ColorMap,
    pub range: (f32, f32),
    pub labels: Vec<u32>,
    /// The colour bar's label (or the legend's heading).
    pub colour_bar: String,
    /// Named colours instead of a colour bar, when set.
    pub categories: Vec<(String, Rgb)>,
}

/// Curves and/or scattered points with axes and a legend.
#[derive(Debug, Clone)]
pub struct Plot {
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Same scale on both axes (t-SNE, raw circle).
    pub equal_aspect: bool,
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
}

/// Rows of small grey images (`h × w`, values in 0..=1), each row labelled.
#[derive(Debug, Clone)]
pub struct Images {
    pub h: usize,
    pub w: usize,
    pub rows: Vec<(String, Vec<Vec<f32>>)>,
}

/// What a figure shows.
#[derive(Debug, Clone)]
pub enum Figure {
    Heatmap(Heatmap),
    Plot(Plot),
    Images(Images),
    /// Lines of text (the loss stage's formula and numbers).
    Text {
        lines: Vec<String>,
    },
}

/// Title, caption and the run facts embedded in every figure.
#[derive(Debug, Clone, Default)]
pub struct FigureMeta {
    pub title: String,
    /// Drawn under the figure when set.
    pub caption: Option<String>,
    /// The run's configuration (TOML).
    pub config: String,
    pub seed: u64,
}
