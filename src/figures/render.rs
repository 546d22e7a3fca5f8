//! Rendering a [`Figure`] to PNG or SVG bytes, and writing files atomically.

use std::path::Path;

use plotters::prelude::*;

use super::figure::{Figure, FigureError, FigureMeta, Format};
use super::{draw, encode};

/// Renders `fig` at `width × height` pixels (SVG: user units).
pub fn render(
    fig: &Figure,
    meta: &FigureMeta,
    format: Format,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, FigureError> {
    if !(16..=8192).contains(&width) || !(16..=8192).contains(&height) {
        return Err(FigureError::Size(width, height));
    }
    draw::style::ensure_font()?;
    match format {
        Format::Svg => render_svg(fig, meta, width, height),
        Format::Png => render_png(fig, meta, width, height),
    }
}

fn render_svg(
    fig: &Figure,
    meta: &FigureMeta,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, FigureError> {
    let mut svg = String::new();
    let area_px;
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw::style::draw_err)?;
        area_px = draw::draw(&root, fig, meta)?;
        root.present().map_err(draw::style::draw_err)?;
    }
    let raster = encode::heatmap_raster(fig);
    Ok(encode::finish_svg(svg, meta, raster.as_ref(), area_px)?.into_bytes())
}

fn render_png(
    fig: &Figure,
    meta: &FigureMeta,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, FigureError> {
    let (w, h) = (width as usize, height as usize);
    let mut buf = vec![255_u8; w * h * 3];
    // A heatmap's cells go under its axes: a dry run (on the cheap SVG backend) finds the
    // plotting area, the cells are blitted there, then everything else is drawn on top.
    if let Some(raster) = encode::heatmap_raster(fig) {
        let mut scratch = String::new();
        let root = SVGBackend::with_string(&mut scratch, (width, height)).into_drawing_area();
        if let Some(area) = draw::draw(&root, fig, meta)? {
            encode::blit(&mut buf, w, h, &raster, area);
        }
    }
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw::draw(&root, fig, meta)?;
        root.present().map_err(draw::style::draw_err)?;
    }
    encode::encode_png(&buf, width, height, meta)
}

/// Renders and writes atomically (temporary file in the same folder, then rename).
pub fn save(
    fig: &Figure,
    meta: &FigureMeta,
    path: &Path,
    format: Format,
    width: u32,
    height: u32,
) -> Result<(), FigureError> {
    let bytes = render(fig, meta, format, width, height)?;
    write(path, &bytes)
}

/// Writes `bytes` atomically, naming the file in the error.
pub(super) fn write(path: &Path, bytes: &[u8]) -> Result<(), FigureError> {
    crate::io::write_atomic(path, bytes).map_err(|source| FigureError::Write {
        path: path.display().to_string(),
        source,
    })
}
