//! Drawing a [`Figure`] on a plotters area: the caption strip here, then one function per kind
//! of figure — heatmaps (`heatmap`), curves and scatters (`plot`: loss, metrics, w against S,
//! t-SNE, raw embeddings), image rows (`images`: the sample stage) and text (`text`: the loss
//! stage). The same code draws on the SVG and the bitmap backend.

mod heatmap;
mod images;
mod plot;
pub(super) mod style;
mod text;

use plotters::coord::Shift;
use plotters::prelude::*;

use self::style::{FONT, Title, draw_err};
use super::encode::AreaPx;
use super::figure::{Figure, FigureError, FigureMeta};

/// Height of the caption strip under a figure, in pixels.
const CAPTION_STRIP: u32 = 28;

/// Draws `fig` with its title and caption on `root`; for a heatmap, returns the pixel
/// rectangle of its cells (where the raster goes).
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    meta: &FigureMeta,
) -> Result<AreaPx, FigureError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = root.dim_in_pixel();
    let body = match &meta.caption {
        Some(caption) => {
            let (top, bottom) = root.split_vertically(h.saturating_sub(CAPTION_STRIP));
            bottom
                .draw_text(
                    caption,
                    &TextStyle::from((FONT, 13).into_font()).color(&RGBColor(60, 60, 60)),
                    (10, 6),
                )
                .map_err(draw_err)?;
            top
        }
        None => root.clone(),
    };
    let title = Title {
        text: &meta.title,
        size: (w.min(h) / 28).clamp(14, 40),
    };
    match fig {
        Figure::Heatmap(map) => heatmap::draw(&body, map, &title).map(Some),
        Figure::Plot(plot) => plot::draw(&body, plot, &title).map(|()| None),
        Figure::Images(images) => images::draw(&body, images, &title).map(|()| None),
        Figure::Text { lines } => text::draw(&body, lines, &title).map(|()| None),
    }
}
