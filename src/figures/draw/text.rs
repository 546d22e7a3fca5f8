//! Lines of text under the title (the loss stage: the formula and this batch's numbers), and
//! the text tools every kind shares: wrapping to a width, and hatted letters.
//!
//! plotters lays out a combining circumflex (U+0302, the `P̂_i` of docs/losses.md) as a glyph
//! of its own after its letter ("Pˆ_i"). [`line`] typesets it instead: the letter, then a
//! circumflex (U+02C6) centred over it and raised to clear a capital, each as text — an SVG
//! keeps its text searchable.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{FONT, Title, draw_err};
use crate::figures::figure::FigureError;

/// The combining circumflex.
const COMBINING_HAT: char = '\u{302}';
/// The spacing circumflex drawn over a hatted letter.
const HAT: &str = "\u{2c6}";

pub(super) fn draw<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    lines: &[String],
    title: &Title<'_>,
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    let z = title.sizes;
    let pad = (z.gap * 2) as i32;
    let mut y = pad;
    if !title.text.is_empty() {
        body.draw_text(
            title.text,
            &TextStyle::from((FONT, title.size).into_font()),
            (pad, pad),
        )
        .map_err(draw_err)?;
        y += pad + title.size as i32;
    }
    // A line too long for the figure wraps (a formula on a board's panel); its continuation
    // lines sit closer than the next line. Text that does not fit at the body size is set at
    // the tick labels' (still ≥ 1.8 % of the width); what still does not fit is cut, and the
    // last line drawn ends in "…" to say so.
    let (w, h) = body.dim_in_pixel();
    let width = w.saturating_sub(2 * pad as u32);
    let room = h as i32 - y - pad;
    let mut set = Vec::new();
    for size in [z.label, z.tick] {
        let style = TextStyle::from((FONT, size).into_font());
        set = layout(body, lines, &style, width, size)?;
        if set
            .last()
            .is_none_or(|&(_, dy, _)| dy + size as i32 <= room)
        {
            break;
        }
    }
    let fits = set
        .iter()
        .take_while(|&&(_, dy, size)| dy + size as i32 <= room)
        .count();
    for (k, (text, dy, size)) in set.iter().take(fits).enumerate() {
        let style = TextStyle::from((FONT, *size).into_font());
        if k + 1 == fits && fits < set.len() {
            line(body, &format!("{text} …"), &style, (pad, y + dy))?;
        } else {
            line(body, text, &style, (pad, y + dy))?;
        }
    }
    Ok(())
}

/// `lines` wrapped to `width` at text `size`: each line's text, its offset from the first
/// line's top, and the size.
fn layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
    style: &TextStyle<'_>,
    width: u32,
    size: u32,
) -> Result<Vec<(String, i32, u32)>, FigureError>
where
    DB::ErrorType: 'static,
{
    let mut out = Vec::new();
    let mut dy = 0;
    for text in lines {
        for part in wrap(area, text, style, width)? {
            out.push((part, dy, size));
            dy += (size * 5 / 4) as i32;
        }
        dy += (size * 3 / 8) as i32;
    }
    Ok(out)
}

/// The width of `text` in pixels as drawn by [`line`] (a hatted letter is as wide as the
/// letter).
pub(super) fn width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
) -> Result<u32, FigureError>
where
    DB::ErrorType: 'static,
{
    let plain: String = text.chars().filter(|&c| c != COMBINING_HAT).collect();
    Ok(area.estimate_text_size(&plain, style).map_err(draw_err)?.0)
}

/// `text` broken at spaces into lines no wider than `max` pixels (a word longer than `max`
/// gets a line of its own).
pub(super) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max: u32,
) -> Result<Vec<String>, FigureError>
where
    DB::ErrorType: 'static,
{
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || width(area, &candidate, style)? <= max {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

/// One line of text at `pos` (its top-left), with hatted letters typeset.
pub(super) fn line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    pos: (i32, i32),
) -> Result<(), FigureError>
where
    DB::ErrorType: 'static,
{
    if !text.contains(COMBINING_HAT) {
        return area.draw_text(text, style, pos).map_err(draw_err);
    }
    let (mut x, y) = pos;
    let em = (style.font.get_size() / 1.24) as i32;
    let mut run = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() != Some(&COMBINING_HAT) {
            run.push(c);
            continue;
        }
        chars.next();
        // The text before the hatted letter, then the letter, then its hat centred over it.
        if !run.is_empty() {
            area.draw_text(&run, style, (x, y)).map_err(draw_err)?;
            x += width(area, &run, style)? as i32;
            run.clear();
        }
        let letter = c.to_string();
        area.draw_text(&letter, style, (x, y)).map_err(draw_err)?;
        let letter_w = width(area, &letter, style)? as i32;
        let hat_w = width(area, HAT, style)? as i32;
        area.draw_text(HAT, style, (x + (letter_w - hat_w) / 2, y - em / 4))
            .map_err(draw_err)?;
        x += letter_w;
    }
    if !run.is_empty() {
        area.draw_text(&run, style, (x, y)).map_err(draw_err)?;
    }
    Ok(())
}
