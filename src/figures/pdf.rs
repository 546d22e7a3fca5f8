//! PDF, the third format: the figure's own SVG converted by `svg2pdf` (the typst project's
//! converter, through `usvg`), so the PDF shows exactly what the SVG shows — paths stay paths,
//! text stays text (DejaVu Sans, the figures' one face, embedded as a subset with its Unicode
//! map, so the words can be searched and copied), a heatmap's cells the same PNG raster.
//!
//! The page measures what the SVG declares: a preset's inches, else its pixels at 96 per inch.
//! The document information holds the run as the PNG's text chunks and the SVG's metadata do:
//! `Title`, `pairscope:seed` and `pairscope:config` (the configuration, TOML), plus a
//! `Subject` and `Keywords` with the seed that any viewer's "Document properties" shows.
//! `svg2pdf::to_pdf` writes an information dictionary with only its `Producer` and does not
//! export its PDF writer, so this file appends the full dictionary as a standard incremental
//! update (the new object, a one-entry cross-reference section, a trailer pointing back at
//! the converter's): the converter's bytes stay as they are.

use std::sync::{Arc, OnceLock};

use thiserror::Error;
use usvg::fontdb::Database;

use super::font::DEJAVU_SANS;

/// The bundled face's family name (what the SVG's generic `sans-serif` resolves to).
const FAMILY: &str = "DejaVu Sans";

/// Why a figure could not become a PDF.
#[derive(Debug, Error)]
pub enum PdfError {
    #[error("the figure's SVG could not be read for the PDF: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the bundled font could not be loaded for the PDF")]
    Font,
    #[error("converting the figure to PDF failed: {0}")]
    Convert(svg2pdf::ConversionError),
    /// The SVG has raster images (a heatmap's cells) and the PDF has fewer: svg2pdf built
    /// without its `image` feature skips them (a warning in its log), which would leave a
    /// heatmap's axes empty.
    #[error("the PDF lacks {0} of the figure's raster images (svg2pdf without its image feature)")]
    Raster(usize),
    /// The converter's output lacks a part the metadata update needs (a changed converter).
    #[error("the converted PDF has no {0}; the run's metadata cannot be added")]
    Layout(&'static str),
}

/// What the PDF's document information says about the run.
#[derive(Debug, Clone, Copy)]
pub struct PdfInfo<'a> {
    pub title: &'a str,
    /// The run's configuration (TOML).
    pub config: &'a str,
    pub seed: u64,
}

/// The font database: the bundled face only (no system fonts: the same text everywhere),
/// parsed once.
fn fonts() -> Result<Arc<Database>, PdfError> {
    static DB: OnceLock<Option<Arc<Database>>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = Database::new();
        db.load_font_data(DEJAVU_SANS.to_vec());
        db.set_sans_serif_family(FAMILY);
        // A face that did not load would make every word vanish from the page silently.
        (db.len() == 1).then(|| Arc::new(db))
    })
    .clone()
    .ok_or(PdfError::Font)
}

/// The PDF of `svg` (as `render` writes it), with `info` in its document information.
pub fn svg_to_pdf(svg: &str, info: &PdfInfo<'_>) -> Result<Vec<u8>, PdfError> {
    let options = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: fonts()?,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    // The SVG's size is in CSS pixels (96 per inch, or its inches converted so by usvg): a
    // page of the same physical size.
    let page = svg2pdf::PageOptions {
        dpi: super::page::CSS_DPI as f32,
    };
    let pdf = svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(PdfError::Convert)?;
    // Each image becomes one image XObject, its dictionary in plain text (pdf-writer writes
    // no object streams).
    let wanted = images(tree.root());
    let written = pdf
        .windows(b"/Subtype /Image".len())
        .filter(|w| *w == b"/Subtype /Image")
        .count();
    if written < wanted {
        return Err(PdfError::Raster(wanted - written));
    }
    with_info(pdf, info)
}

/// The raster images in `group` and its descendants.
fn images(group: &usvg::Group) -> usize {
    group
        .children()
        .iter()
        .map(|node| match node {
            usvg::Node::Image(_) => 1,
            usvg::Node::Group(g) => images(g),
            usvg::Node::Path(_) | usvg::Node::Text(_) => 0,
        })
        .sum()
}

/// A PDF text string: UTF-16BE with its byte-order mark, in hex (no escaping, any script).
fn text(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// The number after `key` in `dict` (`/Size 12`, `/Root 1 0 R` → 12, 1).
fn number_after(dict: &str, key: &'static str) -> Result<u64, PdfError> {
    let at = dict.find(key).ok_or(PdfError::Layout(key))? + key.len();
    dict[at..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or(PdfError::Layout(key))
}

/// Appends the run's document information as an incremental update of `pdf`.
fn with_info(mut pdf: Vec<u8>, info: &PdfInfo<'_>) -> Result<Vec<u8>, PdfError> {
    // The trailer and `startxref` are ASCII at the end of the file.
    let tail_from = pdf
        .windows(7)
        .rposition(|w| w == b"trailer")
        .ok_or(PdfError::Layout("trailer"))?;
    let tail = String::from_utf8_lossy(&pdf[tail_from..]).into_owned();
    let size = number_after(&tail, "/Size")?;
    let root = number_after(&tail, "/Root")?;
    let info_id = number_after(&tail, "/Info")?;
    let prev = number_after(&tail, "startxref")?;
    if !pdf.ends_with(b"\n") {
        pdf.push(b'\n');
    }
    let offset = pdf.len();
    let seed = info.seed;
    let object = format!(
        "{info_id} 0 obj\n<<\n  /Title {title}\n  /Subject {subject}\n  /Keywords {keywords}\n  /Creator (pairscope)\n  /Producer (svg2pdf)\n  /pairscope:seed ({seed})\n  /pairscope:config {config}\n>>\nendobj\n",
        title = text(info.title),
        subject = text(&format!(
            "pairscope figure; seed {seed}; the run's configuration is in pairscope:config"
        )),
        keywords = text(&format!("pairscope, seed {seed}")),
        config = text(info.config),
    );
    pdf.extend_from_slice(object.as_bytes());
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n{info_id} 1\n{offset:010} 00000 n\r\ntrailer\n<<\n  /Size {size}\n  /Root {root} 0 R\n  /Info {info_id} 0 R\n  /Prev {prev}\n>>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg width="3.5in" height="2.625in" viewBox="0 0 1050 788" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="1050" height="788" fill="#FFFFFF"/>
<text x="525" y="30" dy="0.76em" text-anchor="middle" font-family="sans-serif" font-size="40">Loss ΔS</text>
<line stroke="#000000" stroke-width="3" x1="100" y1="700" x2="1000" y2="100"/>
{IMAGE}</svg>"##;

    /// A 2 × 2 RGB PNG (red, green / blue, white).
    fn png_2x2() -> String {
        use base64::Engine as _;
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 2, 2);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("header");
        w.write_image_data(&[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
            .expect("data");
        drop(w);
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    /// The test figure, with a heatmap's raster when asked.
    fn svg(raster: bool) -> String {
        let image = if raster {
            format!(
                "<image x=\"100\" y=\"100\" width=\"200\" height=\"200\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,{}\"/>\n",
                png_2x2()
            )
        } else {
            String::new()
        };
        SVG.replace("{IMAGE}", &image)
    }

    fn info() -> PdfInfo<'static> {
        PdfInfo {
            title: "Loss ΔS",
            config: "seed = 7\n[loss]\nname = \"circle\"\n",
            seed: 7,
        }
    }

    #[test]
    fn an_svg_becomes_a_pdf_page_of_its_physical_size_with_the_run_in_its_information() {
        let pdf = svg_to_pdf(&svg(false), &info()).expect("converts");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        // 3.5 in × 2.625 in.
        assert!(
            text.contains("/MediaBox [0 0 252 189]"),
            "no 252 × 189 pt page"
        );
        // The face is embedded (a subset: far smaller than the 750 kB file).
        assert!(text.contains("/FontFile2"), "the font is not embedded");
        assert!(pdf.len() < DEJAVU_SANS.len() / 4, "{} bytes", pdf.len());
        // The update is the file's last trailer and points back at the converter's.
        let last = &text[text.rfind("trailer").expect("trailer")..];
        assert!(last.contains("/Prev "), "{last}");
        assert!(text.contains(&super::text("Loss ΔS")));
        assert!(text.contains(&super::text(info().config)));
        assert!(text.contains("/pairscope:seed (7)"));
    }

    /// Fails while svg2pdf is built without its `image` feature (Cargo.toml): the converter
    /// then drops every raster, and `svg_to_pdf` says so instead of writing empty axes.
    #[test]
    fn a_heatmaps_raster_is_an_image_on_the_page() {
        let pdf = svg_to_pdf(&svg(true), &info()).expect("converts with its raster");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Subtype /Image"), "the raster is missing");
    }

    #[test]
    fn pdf_text_strings_are_utf16_with_a_byte_order_mark() {
        assert_eq!(text("Δ1"), "<FEFF03940031>");
    }

    #[test]
    fn a_broken_svg_is_an_error_not_a_panic() {
        assert!(matches!(svg_to_pdf("<svg", &info()), Err(PdfError::Svg(_))));
    }
}
