//! What every kind of figure shares: the bundled font, the title, the colour conversion and the
//! error mapping.

use std::sync::OnceLock;

use plotters::prelude::*;

use crate::figures::figure::FigureError;
use crate::palette::Rgb;

pub(super) const FONT: &str = "sans-serif";

/// Registers the bundled font (DejaVu Sans, matplotlib's default face) once (no system fonts needed).
pub(in crate::figures) fn ensure_font() -> Result<(), FigureError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, crate::figures::font::DEJAVU_SANS)
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(FigureError::Draw(
            "the bundled font could not be loaded".into(),
        ))
    }
}

pub(in crate::figures) fn draw_err<E: std::fmt::Debug>(e: E) -> FigureError {
    FigureError::Draw(format!("{e:?}"))
}

pub(super) fn rgb((r, g, b): Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

/// A figure's title and its font size (which follows the figure's size).
pub(super) struct Title<'a> {
    pub(super) text: &'a str,
    pub(super) size: u32,
}
