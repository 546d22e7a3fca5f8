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
    #[error(transparent)]
    Pdf(#[from] super::pdf::PdfError),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    /// The SVG converted to PDF (vectors, text as text).
    Pdf,
}

impl Format {
    pub const ALL: [Self; 3] = [Self::Png, Self::Svg, Self::Pdf];

    /// The file extension, also the name `--format` takes.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
            Self::Pdf => "pdf",
        }
    }

    /// From a file name's extension (`png`, `svg` or `pdf`, any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        Self::from_name(&path.extension()?.to_str()?.to_ascii_lowercase())
    }

    /// The format whose extension is `name` (lower case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == name)
    }
}

/// Line style of a series. Curves of one family (Recall@K) share a colour and differ by
/// pattern, so that they stay apart in greyscale print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
    Dotted,
    /// Dash, dot, dash, …
    DashDot,
    /// Points only.
    Markers,
    /// A line with a filled square at each point.
    SolidSquares,
    /// A line with a filled circle at each point.
    SolidCircles,
    /// A reference level (a baseline): a thin, pale line of long dashes.
    ReferenceDashed,
    /// A reference level: a thin, pale line of sparse dots.
    ReferenceDotted,
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

/// One panel of a [`Board`]: its short title (drawn after the panel letter) and its figure.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub figure: Figure,
}

/// Several figures on one page: the panels in a grid of `columns` columns (row by row), each
/// lettered (a), (b), … in its top-left corner, and one caption under the grid.
#[derive(Debug, Clone)]
pub struct Board {
    pub columns: usize,
    pub panels: Vec<Panel>,
    /// The shared caption: sentences, drawn as one paragraph wrapped to the board's width.
    pub caption: Vec<String>,
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
    /// Lettered panels in a grid with a shared caption (the stage board).
    Board(Board),
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
