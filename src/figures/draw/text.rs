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
    body.draw_text(
        title.text,
        &TextStyle::from((FONT, title.size).into_font()),
        (16, 12),
    )
    .map_err(draw_err)?;
    for (k, line) in lines.iter().enumerate() {
        body.draw_text(
            line,
            &TextStyle::from((FONT, 16).into_font()),
            (16, title.size as i32 + 30 + 26 * k as i32),
        )
        .map_err(draw_err)?;
    }
    Ok(())
}
