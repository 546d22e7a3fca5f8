//! Figures for slides and papers, drawn with plotters off-screen at any size: PNG (bitmap
//! backend, with the run's configuration and seed in `tEXt` chunks) and SVG (real vectors: axes,
//! ticks, labels, legend and colour bar as text and paths; a heatmap embeds its raster as a PNG
//! `<image>`, pixel-exact). Colours: Okabe–Ito and the heatmap maps of `gpu::colormap`, all
//! colour-blind safe. No egui here: the app, `pairscope train` and the tests share it.

use std::path::Path;
use std::sync::OnceLock;

use base64::Engine as _;
use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

use crate::gpu::colormap::{self, ColorMap};

pub mod build;

#[derive(Debug, Error)]
pub enum FigureError {
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    #[error("figure size {0}×{1} is out of range (16..=8192 pixels per side)")]
    Size(u32, u32),
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }

    /// From a file name's extension (`png` or `svg`, any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }
}

/// Okabe–Ito (colour-blind safe) for series.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (230, 159, 0),
    (86, 180, 233),
    (204, 121, 167),
    (240, 228, 66),
    (0, 0, 0),
];

/// Line style of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
    Dotted,
    /// Points only.
    Markers,
}

/// One named series.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub colour: (u8, u8, u8),
    pub stroke: Stroke,
}

/// What a figure shows.
#[derive(Debug, Clone)]
pub enum Figure {
    /// An `m × m` matrix (rows = anchors), classes separated by lines, with a colour bar (or
    /// the categorical legend of the mined-pairs view).
    Heatmap {
        m: usize,
        values: Vec<f32>,
        map: ColorMap,
        range: (f32, f32),
        labels: Vec<u32>,
        colour_bar: String,
        categories: Vec<(String, (u8, u8, u8))>,
    },
    /// Curves and/or scattered points with axes and a legend.
    Plot {
        x_label: String,
        y_label: String,
        series: Vec<Series>,
        /// Same scale on both axes (t-SNE, raw circle).
        equal_aspect: bool,
        x_range: Option<(f64, f64)>,
        y_range: Option<(f64, f64)>,
    },
    /// Rows of small grey images (`h × w`, values in 0..=1), each row labelled.
    Images {
        h: usize,
        w: usize,
        rows: Vec<(String, Vec<Vec<f32>>)>,
    },
    /// Lines of text (the loss stage's formula and numbers).
    Text { lines: Vec<String> },
}

/// Title, caption and the run facts embedded in every figure.
#[derive(Debug, Clone, Default)]
pub struct FigureMeta {
    pub title: String,
    /// Drawn under the figure when set.
    pub caption: Option<String>,
    /// The run's configuration (TOML).
    pub config: String,
    pub seed: u64,
}

const FONT: &str = "sans-serif";

/// Registers the bundled font once (no system fonts needed).
fn ensure_font() -> Result<(), FigureError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT)
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

fn draw_err<E: std::fmt::Debug>(e: E) -> FigureError {
    FigureError::Draw(format!("{e:?}"))
}

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

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
    ensure_font()?;
    let raster = heatmap_raster(fig);
    match format {
        Format::Svg => {
            let mut svg = String::new();
            let area_px;
            {
                let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
                root.fill(&WHITE).map_err(draw_err)?;
                area_px = draw(&root, fig, meta)?;
                root.present().map_err(draw_err)?;
            }
            Ok(finish_svg(svg, meta, raster.as_ref(), area_px).into_bytes())
        }
        Format::Png => {
            let (w, h) = (width as usize, height as usize);
            let mut buf = vec![255_u8; w * h * 3];
            // Dry run for the heatmap's plotting area, then blit its cells, then draw on top.
            let area_px = if raster.is_some() {
                let mut scratch = String::new();
                let root =
                    SVGBackend::with_string(&mut scratch, (width, height)).into_drawing_area();
                draw(&root, fig, meta)?
            } else {
                None
            };
            if let (Some(r), Some(a)) = (&raster, area_px) {
                blit(&mut buf, w, h, r, a);
            }
            {
                let root =
                    BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
                draw(&root, fig, meta)?;
                root.present().map_err(draw_err)?;
            }
            encode_png(&buf, width, height, meta)
        }
    }
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
    crate::io::write_atomic(path, &bytes).map_err(|source| FigureError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// The heatmap's cells as RGB, `m × m`.
struct Raster {
    m: usize,
    rgb: Vec<[u8; 3]>,
}

fn heatmap_raster(fig: &Figure) -> Option<Raster> {
    let Figure::Heatmap {
        m,
        values,
        map,
        range,
        ..
    } = fig
    else {
        return None;
    };
    let rgb = colormap::colorize(values, *map, range.0, range.1)
        .iter()
        .map(|&c| {
            let [r, g, b, _] = colormap::unpack(c);
            [r, g, b]
        })
        .collect();
    Some(Raster { m: *m, rgb })
}

/// Pixel rectangle `(x0, y0, x1, y1)` of a heatmap's plotting area.
type AreaPx = Option<(i32, i32, i32, i32)>;

fn blit(buf: &mut [u8], w: usize, h: usize, r: &Raster, (x0, y0, x1, y1): (i32, i32, i32, i32)) {
    let (aw, ah) = ((x1 - x0).max(1) as usize, (y1 - y0).max(1) as usize);
    for py in 0..ah {
        let y = y0 as usize + py;
        if y >= h {
            break;
        }
        let i = (py * r.m / ah).min(r.m - 1);
        for px in 0..aw {
            let x = x0 as usize + px;
            if x >= w {
                break;
            }
            let j = (px * r.m / aw).min(r.m - 1);
            let c = r.rgb[i * r.m + j];
            buf[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&c);
        }
    }
}

fn png_bytes(
    rgb: &[u8],
    width: u32,
    height: u32,
    meta: Option<&FigureMeta>,
) -> Result<Vec<u8>, FigureError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Some(meta) = meta {
            let e = |e: png::EncodingError| FigureError::Encode(e.to_string());
            enc.add_itxt_chunk("Title".into(), meta.title.clone())
                .map_err(e)?;
            enc.add_text_chunk("Software".into(), "pairscope".into())
                .map_err(e)?;
            enc.add_text_chunk("pairscope:seed".into(), meta.seed.to_string())
                .map_err(e)?;
            enc.add_itxt_chunk("pairscope:config".into(), meta.config.clone())
                .map_err(e)?;
        }
        let mut writer = enc
            .write_header()
            .map_err(|e| FigureError::Encode(e.to_string()))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| FigureError::Encode(e.to_string()))?;
    }
    Ok(out)
}

fn encode_png(
    buf: &[u8],
    width: u32,
    height: u32,
    meta: &FigureMeta,
) -> Result<Vec<u8>, FigureError> {
    png_bytes(buf, width, height, Some(meta))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds `<title>`, `<metadata>` (configuration and seed) and the heatmap raster to plotters'
/// SVG.
fn finish_svg(svg: String, meta: &FigureMeta, raster: Option<&Raster>, area: AreaPx) -> String {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|s| svg[s..].find('>').map(|e| s + e + 1))
    else {
        return svg;
    };
    let mut head = format!(
        "\n<title>{}</title>\n<metadata>\n<pairscope:run xmlns:pairscope=\"https://pairscope.invalid/run\" seed=\"{}\">{}</pairscope:run>\n</metadata>",
        xml_escape(&meta.title),
        meta.seed,
        xml_escape(&meta.config)
    );
    let mut insert_at = open_end;
    if let (Some(r), Some((x0, y0, x1, y1))) = (raster, area) {
        let flat: Vec<u8> = r.rgb.iter().flatten().copied().collect();
        if let Ok(png) = png_bytes(&flat, r.m as u32, r.m as u32, None) {
            // After the white background rectangle, before everything drawn on top of it.
            if let Some(bg) = svg[open_end..].find("/>") {
                insert_at = open_end + bg + 2;
            }
            let b64 = base64::engine::general_purpose::STANDARD.encode(png);
            let image = format!(
                "\n<image x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{b64}\"/>",
                x1 - x0,
                y1 - y0
            );
            let mut out = String::with_capacity(svg.len() + head.len() + image.len());
            out.push_str(&svg[..open_end]);
            out.push_str(&head);
            out.push_str(&svg[open_end..insert_at]);
            out.push_str(&image);
            out.push_str(&svg[insert_at..]);
            return out;
        }
    }
    head.push_str(&svg[insert_at..]);
    let mut out = svg[..insert_at].to_owned();
    out.push_str(&head);
    out
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    meta: &FigureMeta,
) -> Result<AreaPx, FigureError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = root.dim_in_pixel();
    let body = match &meta.caption {
        Some(caption) => {
            let (top, bottom) = root.split_vertically(h.saturating_sub(28));
            bottom
                .draw_text(
                    caption,
                    &TextStyle::from((FONT, 13).into_font()).color(&RGBColor(60, 60, 60)),
                    (10, 6),
                )
                .map_err(draw_err)?;
            top
        }
        None => root.clone(),
    };
    let title_size = (w.min(h) / 28).clamp(14, 40);
    match fig {
        Figure::Heatmap {
            m,
            labels,
            colour_bar,
            categories,
            map,
            range,
            ..
        } => {
            let bar_w = (w / 6).clamp(90, 220);
            let (left, right) = body.split_horizontally(w.saturating_sub(bar_w));
            let mut chart = ChartBuilder::on(&left)
                .caption(&meta.title, (FONT, title_size))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d(0.0..*m as f64, *m as f64..0.0)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("j (other sample)")
                .y_desc("i (anchor)")
                .label_style((FONT, 13))
                .axis_desc_style((FONT, 15))
                .draw()
                .map_err(draw_err)?;
            let (xr, yr) = chart.plotting_area().get_pixel_range();
            let measured = Some((xr.start, yr.start, xr.end, yr.end));
            // Class boundaries.
            let line = ShapeStyle::from(&BLACK.mix(0.6)).stroke_width(1);
            for k in 1..labels.len() {
                if labels[k] != labels[k - 1] {
                    let t = k as f64;
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(t, 0.0), (t, *m as f64)],
                            line,
                        )))
                        .map_err(draw_err)?;
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(0.0, t), (*m as f64, t)],
                            line,
                        )))
                        .map_err(draw_err)?;
                }
            }
            if categories.is_empty() {
                colour_bar_chart(&right, *map, *range, colour_bar)?;
            } else {
                let style = TextStyle::from((FONT, 14).into_font());
                right
                    .draw_text(colour_bar, &style, (8, 40))
                    .map_err(draw_err)?;
                for (k, (name, c)) in categories.iter().enumerate() {
                    let y = 70 + 24 * k as i32;
                    right
                        .draw(&Rectangle::new([(8, y), (24, y + 16)], rgb(*c).filled()))
                        .map_err(draw_err)?;
                    right
                        .draw_text(name, &style, (30, y + 1))
                        .map_err(draw_err)?;
                }
            }
            Ok(measured)
        }
        Figure::Plot {
            x_label,
            y_label,
            series,
            equal_aspect,
            x_range,
            y_range,
        } => {
            let bounds = |f: fn(&(f64, f64)) -> f64| {
                let (lo, hi) = series
                    .iter()
                    .flat_map(|s| s.points.iter().map(f))
                    .filter(|v| v.is_finite())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                        (a.min(v), b.max(v))
                    });
                if lo.is_finite() {
                    let pad = ((hi - lo) * 0.05).max(1e-9);
                    (lo - pad, hi + pad)
                } else {
                    (0.0, 1.0)
                }
            };
            let (mut x0, mut x1) = x_range.unwrap_or_else(|| bounds(|p| p.0));
            let (mut y0, mut y1) = y_range.unwrap_or_else(|| bounds(|p| p.1));
            if *equal_aspect {
                let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                let half = ((x1 - x0).max(y1 - y0)) / 2.0;
                (x0, x1, y0, y1) = (cx - half, cx + half, cy - half, cy + half);
            }
            let mut chart = ChartBuilder::on(&body)
                .caption(&meta.title, (FONT, title_size))
                .margin(14)
                .x_label_area_size(44)
                .y_label_area_size(64)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_desc(x_label.as_str())
                .y_desc(y_label.as_str())
                .label_style((FONT, 13))
                .axis_desc_style((FONT, 15))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(draw_err)?;
            for s in series {
                let colour = rgb(s.colour);
                let style = ShapeStyle::from(&colour).stroke_width(2);
                let pts = s.points.clone();
                let anno = match s.stroke {
                    Stroke::Solid => chart.draw_series(LineSeries::new(pts, style)),
                    Stroke::Dashed => chart.draw_series(DashedLineSeries::new(pts, 8, 5, style)),
                    Stroke::Dotted => chart.draw_series(DashedLineSeries::new(pts, 2, 4, style)),
                    Stroke::Markers => chart
                        .draw_series(pts.into_iter().map(|p| Circle::new(p, 2, colour.filled()))),
                }
                .map_err(draw_err)?;
                if !s.name.is_empty() {
                    let markers = s.stroke == Stroke::Markers;
                    anno.label(s.name.clone()).legend(move |(x, y)| {
                        // A dot for scattered points, a line segment for curves.
                        let style = ShapeStyle::from(&colour).stroke_width(3);
                        let len = if markers { 0 } else { 18 };
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (len, 0)], style)
                            + Circle::new((9, 0), if markers { 3 } else { 0 }, colour.filled())
                    });
                }
            }
            chart
                .configure_series_labels()
                .label_font((FONT, 13))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(draw_err)?;
            Ok(None)
        }
        Figure::Images { h: ih, w: iw, rows } => {
            body.draw_text(
                &meta.title,
                &TextStyle::from((FONT, title_size).into_font()),
                (12, 8),
            )
            .map_err(draw_err)?;
            let cols = rows.iter().map(|r| r.1.len()).max().unwrap_or(1).max(1);
            let label_w = 90_i32;
            let top = title_size as i32 + 20;
            let avail_w = (w as i32 - label_w - 12).max(10) as usize;
            let avail_h = (h as i32 - top - 10).max(10) as usize;
            let px = (avail_w / (cols * (iw + 1)))
                .min(avail_h / (rows.len().max(1) * (ih + 1)))
                .max(1) as i32;
            for (r, (name, images)) in rows.iter().enumerate() {
                let y = top + r as i32 * (*ih as i32 + 1) * px;
                body.draw_text(
                    name,
                    &TextStyle::from((FONT, 14).into_font()),
                    (8, y + (*ih as i32 * px) / 2 - 7),
                )
                .map_err(draw_err)?;
                for (c, img) in images.iter().enumerate() {
                    let x = label_w + c as i32 * (*iw as i32 + 1) * px;
                    for py in 0..*ih {
                        for pxl in 0..*iw {
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
                }
            }
            Ok(None)
        }
        Figure::Text { lines } => {
            body.draw_text(
                &meta.title,
                &TextStyle::from((FONT, title_size).into_font()),
                (16, 12),
            )
            .map_err(draw_err)?;
            for (k, line) in lines.iter().enumerate() {
                body.draw_text(
                    line,
                    &TextStyle::from((FONT, 16).into_font()),
                    (16, title_size as i32 + 30 + 26 * k as i32),
                )
                .map_err(draw_err)?;
            }
            Ok(None)
        }
    }
}

/// A vertical colour bar with its value axis.
fn colour_bar_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: ColorMap,
    (lo, hi): (f32, f32),
    label: &str,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = (f64::from(lo), f64::from(hi.max(lo + f32::EPSILON)));
    let mut chart = ChartBuilder::on(area)
        .margin_top(60)
        .margin_bottom(52)
        .margin_right(8)
        .y_label_area_size(54)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .y_label_formatter(&|v| {
            if v.abs() > 0.0 && v.abs() < 1e-2 {
                format!("{v:.1e}")
            } else {
                format!("{v:.2}")
            }
        })
        .draw()
        .map_err(draw_err)?;
    let steps = 64;
    chart
        .draw_series((0..steps).map(|k| {
            let t0 = f64::from(k) / f64::from(steps);
            let t1 = f64::from(k + 1) / f64::from(steps);
            let [r, g, b, _] =
                colormap::unpack(colormap::colour_of(map, ((t0 + t1) / 2.0) as f32, 0.0, 1.0));
            Rectangle::new(
                [(0.0, lo + t0 * (hi - lo)), (1.0, lo + t1 * (hi - lo))],
                RGBColor(r, g, b).filled(),
            )
        }))
        .map_err(draw_err)?;
    Ok(())
}

/// `rows` as CSV with a header (the data behind a figure).
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, FigureError> {
    let err = |e: csv::Error| FigureError::Encode(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| FigureError::Encode(e.to_string()))
}
