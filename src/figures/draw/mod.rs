//! Drawing a [`Figure`] on a plotters area: the caption strip here, then one function per kind
//! of figure — heatmaps (`heatmap`), curves and scatters (`plot`: loss, metrics, w against S,
//! t-SNE, raw embeddings), image rows (`images`: the sample stage) and text (`text`: the loss
//! stage), dispatched by `panels`, which also draws a board (lettered panels in a grid); line
//! patterns in `pattern`. The same code draws on the SVG and the bitmap backend.

mod heatmap;
mod images;
mod legend;
mod panels;
mod pattern;
mod plot;
pub(super) mod style;
mod text;

use plotters::coord::Shift;
use plotters::prelude::*;

use self::style::{FONT, Sizes, Title};
use super::encode::AreaPx;
use super::figure::{Figure, FigureError, FigureMeta};

/// Draws `fig` with its title and caption on `root`, no text's em under `least_em` pixels (a
/// preset's smallest text; 0: none); returns the pixel rectangles of its heatmaps' cells
/// (where their rasters go; a board has several).
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    meta: &FigureMeta,
    least_em: f64,
) -> Result<AreaPx, FigureError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = root.dim_in_pixel();
    let sizes = Sizes::for_width(w).at_least(least_em);
    let body = match &meta.caption {
        Some(caption) => {
            // The strip under the figure: the caption, wrapped to the figure's width (a
            // paper preset's 7-pt text does not fit one line).
            let style =
                TextStyle::from((FONT, sizes.label).into_font()).color(&RGBColor(60, 60, 60));
            let lines = text::wrap(root, caption, &style, w.saturating_sub(2 * sizes.gap))?;
            let row = sizes.label * 5 / 4;
            let strip = (sizes.label / 3 + lines.len() as u32 * row + sizes.label / 2).min(h / 3);
            let (top, bottom) = root.split_vertically(h.saturating_sub(strip));
            for (k, line) in lines.iter().enumerate() {
                let y = sizes.label / 3 + k as u32 * row;
                text::line(&bottom, line, &style, (sizes.gap as i32, y as i32))?;
            }
            top
        }
        None => root.clone(),
    };
    let title = Title {
        text: &meta.title,
        size: sizes.title,
        sizes,
    };
    panels::figure(&body, fig, &title)
}
