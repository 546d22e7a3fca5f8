//! Rendering a [`Figure`] to PNG, SVG or PDF bytes, and writing files atomically.

use std::path::Path;

use plotters::prelude::*;

use super::figure::{Figure, FigureError, FigureMeta, Format};
use super::page::Page;
use super::pdf::{PdfInfo, svg_to_pdf};
use super::{draw, encode};

/// Renders `fig` at `width × height` pixels (SVG: user units; PDF: at 96 per inch).
pub fn render(
    fig: &Figure,
    meta: &FigureMeta,
    format: Format,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, FigureError> {
    render_page(fig, meta, format, &Page::pixels(width, height))
}

/// Renders `fig` on `page`: its pixels, its physical size (SVG, PDF) and its smallest text.
pub fn render_page(
    fig: &Figure,
    meta: &FigureMeta,
    format: Format,
    page: &Page,
) -> Result<Vec<u8>, FigureError> {
    let (width, height) = (page.width, page.height);
    if !(16..=8192).contains(&width) || !(16..=8192).contains(&height) {
        return Err(FigureError::Size(width, height));
    }
    draw::style::ensure_font()?;
    match format {
        Format::Svg => Ok(render_svg(fig, meta, page)?.into_bytes()),
        Format::Png => render_png(fig, meta, page),
        Format::Pdf => {
            let info = PdfInfo {
                title: &meta.title,
                config: &meta.config,
                seed: meta.seed,
            };
            Ok(svg_to_pdf(&render_svg(fig, meta, page)?, &info)?)
        }
    }
}

fn render_svg(fig: &Figure, meta: &FigureMeta, page: &Page) -> Result<String, FigureError> {
    let mut svg = String::new();
    let area_px;
    {
        let root = SVGBackend::with_string(&mut svg, (page.width, page.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw::style::draw_err)?;
        area_px = draw::draw(&root, fig, meta, page.least_em_px())?;
        root.present().map_err(draw::style::draw_err)?;
    }
    let rasters = encode::heatmap_rasters(fig);
    Ok(page.size_svg(encode::finish_svg(svg, meta, &rasters, &area_px)?))
}

fn render_png(fig: &Figure, meta: &FigureMeta, page: &Page) -> Result<Vec<u8>, FigureError> {
    let (width, height) = (page.width, page.height);
    let least_em = page.least_em_px();
    let (w, h) = (width as usize, height as usize);
    let mut buf = vec![255_u8; w * h * 3];
    // A heatmap's cells go under its axes: a dry run (on the cheap SVG backend) finds the
    // plotting area, the cells are blitted there, then everything else is drawn on top.
    let rasters = encode::heatmap_rasters(fig);
    if !rasters.is_empty() {
        let mut scratch = String::new();
        let root = SVGBackend::with_string(&mut scratch, (width, height)).into_drawing_area();
        let areas = draw::draw(&root, fig, meta, least_em)?;
        for (raster, area) in rasters.iter().zip(areas) {
            encode::blit(&mut buf, w, h, raster, area);
        }
    }
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw::draw(&root, fig, meta, least_em)?;
        root.present().map_err(draw::style::draw_err)?;
    }
    let dpi = page.physical.then(|| f64::from(width) / page.width_in);
    encode::encode_png(&buf, width, height, meta, dpi)
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
