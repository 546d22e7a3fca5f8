//! The bytes of a figure file: the heatmap's cells as a raster (blitted under the axes of a PNG,
//! embedded as a PNG `<image>` in an SVG, so an m = 1024 heatmap is not a million `<rect>`s),
//! the PNG encoding with the run in text chunks, and the SVG's title and metadata.

use base64::Engine as _;

use super::figure::{Figure, FigureError, FigureMeta, Heatmap};
use crate::gpu::colormap;

/// The heatmap's cells as RGB, `m × m`.
pub(super) struct Raster {
    m: usize,
    rgb: Vec<[u8; 3]>,
}

/// The cells of every heatmap of `fig` (a board's panels' too), in drawing order: the order
/// of the plotting areas `draw` returns.
pub(super) fn heatmap_rasters(fig: &Figure) -> Vec<Raster> {
    match fig {
        Figure::Heatmap(map) => vec![heatmap_raster(map)],
        Figure::Board(board) => board
            .panels
            .iter()
            .flat_map(|p| heatmap_rasters(&p.figure))
            .collect(),
        Figure::Plot(_) | Figure::Images(_) | Figure::Text { .. } => Vec::new(),
    }
}

fn heatmap_raster(
    Heatmap {
        m,
        values,
        map,
        range,
        ..
    }: &Heatmap,
) -> Raster {
    let rgb = colormap::colorize(values, *map, range.0, range.1)
        .iter()
        .map(|&c| {
            let [r, g, b, _] = colormap::unpack(c);
            [r, g, b]
        })
        .collect();
    Raster { m: *m, rgb }
}

/// Pixel rectangles `(x0, y0, x1, y1)` of the heatmaps' plotting areas, in the order of
/// [`heatmap_rasters`].
pub(super) type AreaPx = Vec<(i32, i32, i32, i32)>;

pub(super) fn blit(
    buf: &mut [u8],
    w: usize,
    h: usize,
    r: &Raster,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
) {
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
    dpi: Option<f64>,
) -> Result<Vec<u8>, FigureError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Some(dpi) = dpi {
            // pHYs: LaTeX and word processors place the image at its preset's inches.
            let per_metre = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
        }
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

/// The PNG file, with its resolution (`pHYs`) when `dpi` is given (a preset's).
pub(super) fn encode_png(
    buf: &[u8],
    width: u32,
    height: u32,
    meta: &FigureMeta,
    dpi: Option<f64>,
) -> Result<Vec<u8>, FigureError> {
    png_bytes(buf, width, height, Some(meta), dpi)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds `<title>`, `<metadata>` (configuration and seed) and the heatmap raster to plotters'
/// SVG.
pub(super) fn finish_svg(
    svg: String,
    meta: &FigureMeta,
    rasters: &[Raster],
    areas: &AreaPx,
) -> Result<String, FigureError> {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|s| svg[s..].find('>').map(|e| s + e + 1))
    else {
        return Ok(svg);
    };
    let head = format!(
        "\n<title>{}</title>\n<metadata>\n<pairscope:run xmlns:pairscope=\"https://pairscope.invalid/run\" seed=\"{}\">{}</pairscope:run>\n</metadata>",
        xml_escape(&meta.title),
        meta.seed,
        xml_escape(&meta.config)
    );
    let mut image = String::new();
    for (r, &area) in rasters.iter().zip(areas) {
        image.push_str(&raster_image(r, area)?);
    }
    let insert_at = if image.is_empty() {
        open_end
    } else {
        // After the white background rectangle, before everything drawn on top of it.
        svg[open_end..]
            .find("/>")
            .map_or(open_end, |bg| open_end + bg + 2)
    };
    let mut out = String::with_capacity(svg.len() + head.len() + image.len());
    out.push_str(&svg[..open_end]);
    out.push_str(&head);
    out.push_str(&svg[open_end..insert_at]);
    out.push_str(&image);
    out.push_str(&svg[insert_at..]);
    Ok(out)
}

/// The heatmap's cells as an SVG `<image>` over the plotting area, drawn pixelated.
fn raster_image(r: &Raster, (x0, y0, x1, y1): (i32, i32, i32, i32)) -> Result<String, FigureError> {
    let flat: Vec<u8> = r.rgb.iter().flatten().copied().collect();
    let png = png_bytes(&flat, r.m as u32, r.m as u32, None, None)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    Ok(format!(
        "\n<image x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,{b64}\"/>",
        x1 - x0,
        y1 - y0
    ))
}
