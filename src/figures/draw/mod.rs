//! Drawing a [`Figure`] on a plotters area: the caption strip here, then one function per kind
//! of figure — heatmaps (`heatmap`), curves and scatters (`plot`: loss, metrics, w against S,
//! t-SNE, raw embeddings), image rows (`images`: the sample stage) and text (`text`: the loss
//! stage). The same code draws on the SVG and the bitmap backend.

mod heatmap;
mod images;
mod legend;
mod plot;
pub(super) mod style;
mod text;

use plotters::coord::Shift;
use plotters::prelude::*;

use self::style::{FONT, Sizes, Title, draw_err};
use super::encode::AreaPx;
use super::figure::{Figure, FigureError, FigureMeta};

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
    let sizes = Sizes::for_width(w);
    let body = match &meta.caption {
        Some(caption) => {
            // The strip under the figure: one line of caption text.
            let strip = sizes.label * 2;
            let (top, bottom) = root.split_vertically(h.saturating_sub(strip));
            bottom
                .draw_text(
                    caption,
                    &TextStyle::from((FONT, sizes.label).into_font()).color(&RGBColor(60, 60, 60)),
                    (sizes.gap as i32, (sizes.label / 3) as i32),
                )
                .map_err(draw_err)?;
            top
        }
        None => root.clone(),
    };
    let title = Title {
        text: &meta.title,
        size: sizes.title,
        sizes,
    };
    match fig {
        Figure::Heatmap(map) => heatmap::draw(&body, map, &title).map(Some),
        Figure::Plot(plot) => plot::draw(&body, plot, &title).map(|()| None),
        Figure::Images(images) => images::draw(&body, images, &title).map(|()| None),
        Figure::Text { lines } => text::draw(&body, lines, &title).map(|()| None),
    }
}
