//! Figures for slides and papers, drawn with plotters off-screen at any size: PNG (bitmap
//! backend, with the run's configuration and seed in `tEXt` chunks), SVG (real vectors: axes,
//! ticks, labels, legend and colour bar as text and paths; a heatmap embeds its raster as a PNG
//! `<image>`, pixel-exact) and PDF (that SVG converted, text kept as text). Colours: `crate::palette` (the screen's too) and the heatmap maps of
//! `gpu::colormap`, all colour-blind safe. No egui here: the app, `pairscope train` and the
//! tests share it.
//!
//! The rooms: [`figure`] (what a figure is: [`Figure`], [`FigureMeta`], [`Format`],
//! [`FigureError`]), `font` (the bundled face), [`catalogue`] (the one list of figures: names, titles, shapes, how each is
//! built from a [`RunData`], the owned copy of a run's data), [`build`] (run data →
//! [`Figure`]; `axis`: the loss axis that cuts a high start), `draw` (one drawing function per kind of figure, and boards), `encode` (PNG / SVG bytes),
//! `render` ([`render`], [`render_page`], [`save`]), `page` (a file's pixels and inches:
//! [`Page`], the paper and slide [`Preset`]s), `pdf` (the SVG converted to PDF), [`tables`] (the data behind a figure, CSV or JSON) and
//! [`export`](mod@export) (an owned request that renders and writes a file, on any thread).

mod axis;
pub mod build;
pub mod catalogue;
mod draw;
mod encode;
pub mod export;
pub mod figure;
mod font;
mod page;
mod pdf;
mod render;
mod run_data;
pub mod tables;

// Children import from each other (`super::figure::Figure`), never from this file: it only
// re-exports, so no file of `figures` and this one depend on each other.
pub use catalogue::{Entry, FigureId, Set, Shape, caption};
pub use export::{ExportFile, ExportRequest, export};
pub use figure::{
    Board, Figure, FigureError, FigureMeta, Format, Heatmap, Images, Panel, Plot, Series, Stroke,
};
/// The bundled face of the figures, also the window's fallback font (`ui::fonts`).
pub use font::DEJAVU_SANS;
pub use page::{Page, Preset};
pub use pdf::PdfError;
pub use render::{render, render_page, save};
pub use run_data::{CompareCurve, EmbeddingData, RawEmbedding, RunData};
pub use tables::{DataKind, csv_bytes};
