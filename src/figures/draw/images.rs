//! Rows of small grey images, each row labelled (the sample stage: the batch by class).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, Title, draw_err};
use crate::figures::figure::{FigureError, Images};

pub(super) fn draw<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    fig: &Images,
    title: &Title<'_>,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = body.dim_in_pixel();
    let z = title.sizes;
    // The row labels' column ("class 10" fits).
    let label_w = (z.label * 5) as i32;
    // Untitled on a board's panel (its header names it).
    let top = if title.text.is_empty() {
        z.gap as i32
    } else {
        body.draw_text(
            title.text,
            &TextStyle::from((FONT, title.size).into_font()),
            (z.gap as i32, z.gap as i32),
        )
        .map_err(draw_err)?;
        (title.size + 2 * z.gap) as i32
    };
    let (ih, iw) = (fig.h, fig.w);
    let cols = fig.rows.iter().map(|r| r.1.len()).max().unwrap_or(1).max(1);
    let avail_w = (w as i32 - label_w - z.gap as i32).max(10) as usize;
    let avail_h = (h as i32 - top - 10).max(10) as usize;
    // Image pixels per figure pixel side: the largest that fits every row and column.
    let px = (avail_w / (cols * (iw + 1)))
        .min(avail_h / (fig.rows.len().max(1) * (ih + 1)))
        .max(1) as i32;
    // A row is at least as tall as its label.
    let pitch = ((ih as i32 + 1) * px).max((z.label * 9 / 8) as i32);
    for (r, (name, images)) in fig.rows.iter().enumerate() {
        let y = top + r as i32 * pitch;
        body.draw_text(
            name,
            &TextStyle::from((FONT, z.label).into_font()),
            (z.gap as i32, y + (pitch - z.label as i32) / 2),
        )
        .map_err(draw_err)?;
        for (c, img) in images.iter().enumerate() {
            let x = label_w + c as i32 * (iw as i32 + 1) * px;
            image(
                body,
                img,
                (iw, ih),
                (x, y + (pitch - ih as i32 * px) / 2),
                px,
            )?;
        }
    }
    Ok(())
}

/// One `w × h` grey image (values in 0..=1) at `(x, y)`, `px` pixels per image pixel.
fn image<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    img: &[f32],
    (iw, ih): (usize, usize),
    (x, y): (i32, i32),
    px: i32,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    for py in 0..ih {
        for pxl in 0..iw {
            let v = (img
                .get(py * iw + pxl)
                .copied()
                .unwrap_or(0.0)
                .clamp(0.0, 1.0)
                * 255.0) as u8;
            let (x0, y0) = (x + pxl as i32 * px, y + py as i32 * px);
            body.draw(&Rectangle::new(
                [(x0, y0), (x0 + px, y0 + px)],
                RGBColor(v, v, v).filled(),
            ))
            .map_err(draw_err)?;
        }
    }
    Ok(())
}
