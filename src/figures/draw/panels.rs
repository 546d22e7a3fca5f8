//! One figure on an area, by its kind — and a board, whose panels are figures drawn the same
//! way on the cells of a grid. A board's text has the sizes of the whole board's width (the
//! `Title`'s sizes), not of a cell's: a panel then reads as large as a full figure of the
//! board's width would, and no text on the board is smaller than on any other figure.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, Title, draw_err};
use super::{heatmap, images, plot, text};
use crate::figures::figure::{Board, Figure, FigureError};

/// Pixel rectangles `(x0, y0, x1, y1)` of the heatmaps' cells, in drawing order.
pub(super) type Cells = Vec<(i32, i32, i32, i32)>;

/// Draws `fig` on `body` with `title`; returns where its heatmaps' cells go.
pub(super) fn figure<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    fig: &Figure,
    title: &Title<'_>,
) -> Result<Cells, FigureError>
where
    DB::ErrorType: 'static,
{
    match fig {
        Figure::Heatmap(map) => heatmap::draw(body, map, title).map(|cells| vec![cells]),
        Figure::Plot(p) => plot::draw(body, p, title).map(|()| Vec::new()),
        Figure::Images(i) => images::draw(body, i, title).map(|()| Vec::new()),
        Figure::Text { lines } => text::draw(body, lines, title).map(|()| Vec::new()),
        Figure::Board(b) => board(body, b, title),
    }
}

/// The panel letter of the `k`-th panel: "(a)", "(b)", …
pub(super) fn letter(k: usize) -> String {
    let c = char::from(b'a' + (k % 26) as u8);
    format!("({c})")
}

/// The board: the caption paragraph at the bottom (as many lines as it wraps to), the grid of
/// panels above it, each cell a header row — its letter, then its short title — and the
/// panel's figure, untitled, under it. The board's own title goes to the file's metadata only,
/// as a paper's figure has none.
fn board<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    b: &Board,
    title: &Title<'_>,
) -> Result<Cells, FigureError>
where
    DB::ErrorType: 'static,
{
    let z = title.sizes;
    let (w, h) = body.dim_in_pixel();
    let pad = z.gap;
    let caption_style = TextStyle::from((FONT, z.label).into_font()).color(&RGBColor(30, 30, 30));
    let lines = text::wrap(
        body,
        &b.caption.join(" "),
        &caption_style,
        w.saturating_sub(2 * pad),
    )?;
    let row = z.label * 5 / 4;
    let caption_h = (lines.len() as u32 * row + 2 * pad).min(h / 2);
    let (grid, under) = body.split_vertically(h - caption_h);
    for (k, line) in lines.iter().enumerate() {
        let y = (pad + k as u32 * row) as i32;
        text::line(&under, line, &caption_style, (pad as i32, y))?;
    }
    let columns = b.columns.max(1);
    let rows = b.panels.len().div_ceil(columns).max(1);
    let cells = grid.split_evenly((rows, columns));
    let letter_style = TextStyle::from((FONT, z.title).into_font());
    let name_style = TextStyle::from((FONT, z.label).into_font());
    let untitled = Title {
        text: "",
        size: z.title,
        sizes: z,
    };
    let mut heatmaps = Vec::new();
    for (k, (panel, cell)) in b.panels.iter().zip(&cells).enumerate() {
        let head = z.title * 3 / 2;
        let (top, rest) = cell.split_vertically(head);
        let mark = letter(k);
        top.draw_text(&mark, &letter_style, (pad as i32, (pad / 2) as i32))
            .map_err(draw_err)?;
        let x = pad + text::width(&top, &mark, &letter_style)? + pad;
        // The name sits on the letter's baseline.
        let y = pad / 2 + (z.title - z.label) * 3 / 4;
        text::line(&top, &panel.title, &name_style, (x as i32, y as i32))?;
        heatmaps.extend(figure(&rest, &panel.figure, &untitled)?);
    }
    Ok(heatmaps)
}
