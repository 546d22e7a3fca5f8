//! The window's fonts. egui's defaults (Ubuntu Light, Hack) have no combining circumflex
//! (U+0302), and egui shapes a grapheme cluster with its base character's font, so `P̂_i` in a
//! plain label came out as `P_i` — the mined set read as the set it was mined from. A priority
//! glyph rasterizer draws exactly the clusters "letter + U+0302": the letter from the family's
//! own font, the circumflex as two strokes above its top (as the typeset formulas do, see
//! [`super::math`]).

use ab_glyph::{Font as _, FontRef, ScaleFont as _};
use egui::FontFamily;
use egui::epaint::text::{
    FontPriority, GlyphBitmap, GlyphRasterizer, GlyphRasterizerRequest, RasterizedGlyph,
};
use egui::{Color32, ColorImage};

const COMBINING_CIRCUMFLEX: char = '\u{302}';

/// Installs the rasterizer and, behind egui's fonts, DejaVu Sans (the figures' face, already
/// bundled): Ubuntu Light has no `∈` and other signs the formulas use, which drew as boxes (and
/// made the monkey test's harness, which panics on a missing glyph, fail). Idempotent: egui
/// skips a key it already has.
pub fn install(ctx: &egui::Context) {
    ctx.add_glyph_rasterizer(
        GlyphRasterizer::new("pairscope::hats", hatted).with_priority(FontPriority::Highest),
    );
    ctx.add_font(egui::epaint::text::FontInsert::new(
        "pairscope::dejavu-sans",
        egui::FontData::from_static(crate::figures::DEJAVU_SANS),
        [FontFamily::Proportional, FontFamily::Monospace]
            .into_iter()
            .map(|family| egui::epaint::text::InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    ));
}

/// A cluster "base + U+0302" in a default family, drawn; `None` for everything else (asked once
/// per cluster, family and size: egui caches the answer).
fn hatted(request: &GlyphRasterizerRequest<'_>) -> Option<RasterizedGlyph> {
    let mut chars = request.cluster.chars();
    let (base, mark) = (chars.next()?, chars.next()?);
    if mark != COMBINING_CIRCUMFLEX || chars.next().is_some() || !base.is_alphanumeric() {
        return None;
    }
    let bytes = match request.family {
        FontFamily::Proportional => epaint_default_fonts::UBUNTU_LIGHT,
        FontFamily::Monospace => epaint_default_fonts::HACK_REGULAR,
        FontFamily::Name(_) => return None,
    };
    rasterize(
        bytes,
        base,
        request.font_size_px,
        request.subpixel_offset_px,
    )
}

/// The glyph of `base` at `size_px` (em size, as egui sizes fonts) with a circumflex above it.
/// The pen is on the baseline, y down.
fn rasterize(bytes: &'static [u8], base: char, size_px: f32, dx: f32) -> Option<RasterizedGlyph> {
    let font = FontRef::try_from_slice(bytes).ok()?;
    // ab_glyph scales by the line height (ascent − descent), egui by the em.
    let scale = ab_glyph::PxScale::from(size_px * font.height_unscaled() / font.units_per_em()?);
    let id = font.glyph_id(base);
    let advance = font.as_scaled(scale).h_advance(id);
    let outlined =
        font.outline_glyph(id.with_scale_and_position(scale, ab_glyph::point(dx, 0.0)))?;
    let glyph = outlined.px_bounds();
    // The hat: a chevron over the middle of the letter, clear of its top.
    let stroke = (size_px / 16.0).max(1.0);
    let (half, height, gap) = (
        0.24 * advance,
        0.16 * size_px,
        0.07 * size_px + stroke / 2.0,
    );
    let centre = dx + advance / 2.0;
    let feet = glyph.min.y - gap;
    let peak = (centre, feet - height);
    let strokes = [((centre - half, feet), peak), (peak, (centre + half, feet))];
    // The bitmap covers the letter and the hat, in whole pixels.
    let x0 = glyph.min.x.min(centre - half - stroke).floor();
    let x1 = glyph.max.x.max(centre + half + stroke).ceil();
    let y0 = (peak.1 - stroke).floor();
    let y1 = glyph.max.y.ceil();
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut coverage = vec![0.0_f32; w * h];
    let (gx, gy) = (
        (glyph.min.x - x0) as usize,
        (glyph.min.y - y0).round() as usize,
    );
    outlined.draw(|x, y, c| {
        let (x, y) = (gx + x as usize, gy + y as usize);
        if x < w && y < h {
            coverage[y * w + x] = coverage[y * w + x].max(c);
        }
    });
    for (y, row) in coverage.chunks_mut(w).enumerate() {
        for (x, c) in row.iter_mut().enumerate() {
            let centre = (x0 + x as f32 + 0.5, y0 + y as f32 + 0.5);
            let d = strokes
                .iter()
                .map(|&(a, b)| distance(centre, a, b))
                .fold(f32::INFINITY, f32::min);
            *c = c.max((stroke / 2.0 + 0.5 - d).clamp(0.0, 1.0));
        }
    }
    let pixels = coverage
        .iter()
        .map(|&c| {
            let a = (c * 255.0).round() as u8;
            Color32::from_rgba_premultiplied(a, a, a, a)
        })
        .collect();
    Some(RasterizedGlyph {
        bitmap: GlyphBitmap {
            image: ColorImage::new([w, h], pixels),
            offset_px: egui::vec2(x0 - dx, y0),
            is_color: false,
        },
        advance_px: advance,
    })
}

/// Distance from `p` to the segment `a`–`b`.
fn distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let t = (((p.0 - a.0) * vx + (p.1 - a.1) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    (p.0 - a.0 - t * vx).hypot(p.1 - a.1 - t * vy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(cluster: &'a str, family: &'a FontFamily) -> GlyphRasterizerRequest<'a> {
        GlyphRasterizerRequest {
            cluster,
            family,
            font_size_px: 28.0,
            subpixel_offset_px: 0.0,
        }
    }

    #[test]
    fn only_letters_with_a_circumflex_are_drawn() {
        let p = FontFamily::Proportional;
        assert!(hatted(&request("P", &p)).is_none());
        assert!(hatted(&request("e\u{301}", &p)).is_none());
        assert!(hatted(&request("P\u{302}", &FontFamily::Name("x".into()))).is_none());
        assert!(hatted(&request("N\u{302}", &FontFamily::Monospace)).is_some());
    }

    #[test]
    fn the_hat_sits_above_the_letter() {
        let plain = rasterize(epaint_default_fonts::UBUNTU_LIGHT, 'P', 28.0, 0.0).expect("P");
        let image = &plain.bitmap.image;
        let rows: Vec<usize> = (0..image.height())
            .filter(|&y| (0..image.width()).any(|x| image[(x, y)].a() > 128))
            .collect();
        // Ink above the letter's top (the hat), a clear gap, then the letter down to the baseline.
        let gaps = rows.windows(2).filter(|w| w[1] > w[0] + 1).count();
        assert_eq!(
            gaps, 1,
            "hat and letter should be separated by one blank band: {rows:?}"
        );
        let bottom = plain.bitmap.offset_px.y + *rows.last().expect("ink") as f32;
        assert!(
            bottom.abs() <= 1.0,
            "the letter stands on the baseline (bottom at {bottom})"
        );
        assert!(plain.advance_px > 10.0 && plain.advance_px < 28.0);
    }
}

#[cfg(test)]
mod glyph_tests {
    use std::cell::Cell;
    use std::rc::Rc;

    /// Every non-ASCII character the window's formulas, explanations and lessons are written
    /// with has a glyph (the kittest harness panics on a missing one; the window would draw a
    /// box). `∈` had none: the monkey test hit it in the loss stage's formula.
    #[test]
    fn every_sign_the_window_writes_has_a_glyph() {
        let sources = [
            include_str!("../losses/explain/formula.rs"),
            include_str!("../losses/explain/value.rs"),
            include_str!("../losses/explain/pair.rs"),
            include_str!("../losses/explain/facts.rs"),
            include_str!("../lessons/course.rs"),
            include_str!("math.rs"),
        ];
        let mut signs: Vec<char> = sources
            .iter()
            .flat_map(|s| s.chars())
            .filter(|c| !c.is_ascii() && !c.is_control() && *c != '\u{302}')
            .collect();
        signs.sort_unstable();
        signs.dedup();
        assert!(signs.contains(&'∈'), "the sources changed: {signs:?}");
        let text: String = signs.iter().flat_map(|&c| [c, ' ']).collect();
        let shown = Rc::new(Cell::new(false));
        let show = Rc::clone(&shown);
        let mut h = egui_kittest::Harness::new_ui(move |ui| {
            if show.get() {
                ui.label(text.as_str());
                ui.monospace(text.as_str());
            }
        });
        super::install(&h.ctx);
        h.run();
        shown.set(true);
        h.run();
    }
}
