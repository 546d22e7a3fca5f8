//! Lines of text under the title (the loss stage: the formula and this batch's numbers).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, Title, draw_err};
use crate::figures::figure::FigureError;

pub(super) fn draw<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    lines: &[String],
    title: &Title<'_>,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let z = title.sizes;
    let pad = (z.gap * 2) as i32;
    body.draw_text(
        title.text,
        &TextStyle::from((FONT, title.size).into_font()),
        (pad, pad),
    )
    .map_err(draw_err)?;
    let row = (z.label * 8 / 5) as i32;
    for (k, line) in lines.iter().enumerate() {
        body.draw_text(
            line,
            &TextStyle::from((FONT, z.label).into_font()),
            (pad, 2 * pad + title.size as i32 + row * k as i32),
        )
        .map_err(draw_err)?;
    }
    Ok(())
}
