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

/// A figure's title and the sizes of its text and lines.
pub(super) struct Title<'a> {
    pub(super) text: &'a str,
    pub(super) size: u32,
    pub(super) sizes: Sizes,
}

/// Text and line sizes that follow the figure's width (pixels; SVG user units), so a figure
/// reads the same placed at a paper's column width or on a slide. plotters sizes text by its
/// line height, 1.24 em for the bundled face, so the em (the SVG's `font-size`) of tick labels
/// is 1.9 % of the width, of axis labels, legend and body text 2.1 %, of titles 2.6 %
/// (matplotlib's defaults on its 6.4 in figure are ≈ 2.2 %); lines 0.22 %, markers 0.25 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sizes {
    pub(super) tick: u32,
    pub(super) label: u32,
    pub(super) title: u32,
    pub(super) line: u32,
    pub(super) marker: u32,
    /// A small gap (1 % of the width).
    pub(super) gap: u32,
}

/// plotters' text size per em of the bundled face (its SVG writes `font-size` = size / 1.24).
const EM: f64 = 1.24;

impl Sizes {
    pub(super) fn for_width(width: u32) -> Self {
        let part = |share: f64, least: u32| ((f64::from(width) * share).round() as u32).max(least);
        Self {
            tick: part(0.019 * EM, 6),
            label: part(0.021 * EM, 7),
            title: part(0.026 * EM, 8),
            line: part(0.0022, 1),
            marker: part(0.0025, 2),
            gap: part(0.01, 2),
        }
    }

    /// These sizes with no text's em under `least_em` pixels (a preset's smallest text, 7 pt
    /// on paper): ticks, labels and legend at least that, titles a step above it (≥ 8 pt). Only
    /// the small text grows, so the plots keep their room at a column's width.
    pub(super) fn at_least(self, least_em: f64) -> Self {
        let least = (least_em * EM).ceil() as u32;
        Self {
            tick: self.tick.max(least),
            label: self.label.max(least),
            title: self.title.max((f64::from(least) * 8.0 / 7.0).ceil() as u32),
            ..self
        }
    }
}
